"""The Simple Repository API that installers read, and the file bytes they download.

Two indexes share these views: the normal one at /simple/ and the opt-in one at
/pending/simple/, which serves only what is pending removal (see DESIGN.md, "Project status and
what clients see"). What an installer may see is decided in one place,
`File.objects.installable(index)` and `Project.objects.listed(index)`; this package only renders it.

Formats: HTML (PEP 503) and JSON (PEP 691), chosen by content negotiation; yanks (PEP 592);
metadata files (PEP 658, renamed by PEP 714); sizes, upload times and versions (PEP 700);
project status markers (PEP 792, API version 1.4).

Speed: a project page is a fixed number of queries whatever its size (the project, its files,
and for JSON its versions), fetches only the columns it prints, and is joined as strings, never
rendered per file through a template. Pages carry `X-PyPI-Last-Serial` (the project's change
serial, `registry.services.changes`) and an ETag derived from it: a client that holds the page
gets a 304 after one query, before the page is built. The rendered page is kept in the cache
by serial (`cache.py`), with a gzip copy for large pages, so a repeat request is that one query
and a cache read. Pages carry surrogate keys for a CDN (`registry.cdn`) and read from the read
replica when one is configured (`registry.replica.reader`).
"""

from .files import download, file_metadata, record_download
from .pages import index, project_page
from .protocol import choose_media_type, parse_accept

__all__ = [
    "choose_media_type",
    "download",
    "file_metadata",
    "index",
    "parse_accept",
    "project_page",
    "record_download",
]
