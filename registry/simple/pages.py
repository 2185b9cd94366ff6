"""The pages installers read: the root index and one page per project, in HTML and JSON."""

import functools
import html
import json
import re
from typing import NamedTuple
from urllib.parse import quote

from django.db.models import CharField, Func
from django.http import HttpResponsePermanentRedirect, StreamingHttpResponse
from django.urls import reverse
from django.utils.cache import patch_vary_headers
from django.views.decorators.gzip import gzip_page
from packaging.version import InvalidVersion, Version

from ..cdn import INDEX_KEY, project_key, set_keys
from ..models import Change, File, Index, Project, Release
from ..replica import reader
from ..validators import PROJECT_NAME_MAX_LENGTH, PROJECT_NAME_RE, normalize_project_name
from .cache import cached_page, keep_page, page_key
from .protocol import (
    API_VERSION,
    JSON_V1,
    PAGE_CACHE_CONTROL,
    SERIAL_HEADER,
    _content_type,
    _negotiate,
    _page_response,
    _plain,
    _safe_methods_only,
    accepts_gzip,
    not_modified,
    page_etag,
)

INDEX_CHUNK = 2000


# The root index ---------------------------------------------------------------------------------


def _batches(iterable, size):
    batch = []
    for item in iterable:
        batch.append(item)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


def _index_html(names):
    yield (
        "<!DOCTYPE html>\n<html>\n<head>\n"
        f'<meta name="pypi:repository-version" content="{API_VERSION}">\n'
        "<title>Simple index</title>\n</head>\n<body>\n"
    )
    for batch in _batches(names, INDEX_CHUNK):
        yield "".join(f'<a href="{name}/">{name}</a>\n' for name in map(html.escape, batch))
    yield "</body>\n</html>\n"


def _index_json(names):
    yield f'{{"meta":{{"api-version":"{API_VERSION}"}},"projects":['
    separator = ""
    for batch in _batches(names, INDEX_CHUNK):
        # One C-encoder call per batch: escaping stays the json module's job, and it is fast.
        yield (
            separator + json.dumps([{"name": name} for name in batch], separators=(",", ":"))[1:-1]
        )
        separator = ","
    yield "]}"


@_safe_methods_only
def index(request, index):
    """List every project listed on `index` (HTML or JSON), streamed from the database (the
    read replica when there is one), gzip-compressed for clients that accept it.

    The list can hold hundreds of thousands of names, so it is streamed in batches from a
    server-side cursor instead of being built in memory; it therefore has no ETag.
    """
    media_type, refusal = _negotiate(request)
    if refusal is not None:
        return refusal
    return _index_listing(request, index, media_type)


@gzip_page  # the list holds no secret, so compressing it gives nothing away (BREACH)
def _index_listing(request, index, media_type):
    database = reader()
    names = (
        Project.objects.using(database)
        .listed(index)
        .order_by("normalized_name")
        .values_list("normalized_name", flat=True)
        .iterator(chunk_size=INDEX_CHUNK)
    )
    body = _index_json(names) if media_type == JSON_V1 else _index_html(names)
    response = StreamingHttpResponse(
        (chunk.encode() for chunk in body), content_type=_content_type(media_type)
    )
    response["Cache-Control"] = PAGE_CACHE_CONTROL
    # PyPI's root index carries the newest serial of the whole index (one primary-key lookup).
    newest = Change.objects.using(database).order_by("-pk").values_list("pk", flat=True).first()
    response[SERIAL_HEADER] = str(newest or 0)
    patch_vary_headers(response, ["Accept"])
    return set_keys(response, INDEX_KEY)


# A project page ---------------------------------------------------------------------------------


@functools.lru_cache(maxsize=65536)
def _version_key(version):
    """Sort key for a version string: PEP 440 order, unparseable strings first, by text."""
    try:
        return (1, Version(version), "")
    except InvalidVersion:
        return (0, None, version)


def _sorted_versions(versions):
    return sorted(versions, key=_version_key)


class UploadTime(Func):
    """A timestamp as PEP 700 writes it (yyyy-mm-ddThh:mm:ss.ffffffZ, UTC), formatted by the
    database: parsing 10,000 timestamps into datetimes only to print them again costs more
    than the rest of the page."""

    output_field = CharField()

    def as_postgresql(self, compiler, connection, **extra_context):
        template = (
            "TO_CHAR(%(expressions)s AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"')"
        )
        return self.as_sql(compiler, connection, template=template, **extra_context)

    def as_sqlite(self, compiler, connection, **extra_context):
        # Django stores UTC as 'YYYY-MM-DD HH:MM:SS[.ffffff]' on SQLite.
        template = (
            "REPLACE(%(expressions)s, ' ', 'T') "
            "|| CASE WHEN LENGTH(%(expressions)s) = 19 THEN '.000000Z' ELSE 'Z' END"
        )
        return self.as_sql(compiler, connection, template=template, **extra_context)


def _files_url_prefix():
    placeholder = "x"
    return reverse("file-download", kwargs={"filename": placeholder})[: -len(placeholder)]


# Filenames and digests as the registry accepts them need neither URL quoting nor HTML escaping;
# anything else (a row written some other way) still gets both.
_PLAIN_FILENAME = re.compile(r"[A-Za-z0-9._+!-]+")
_PLAIN_DIGEST = re.compile(r"[0-9a-f]{64}")


def _file_path(prefix, filename):
    if _PLAIN_FILENAME.fullmatch(filename):
        return prefix + filename
    return prefix + quote(filename, safe="!+")


class _Project(NamedTuple):
    """The columns of a project that its page shows, and the index it is shown on."""

    pk: int
    name: str
    normalized_name: str
    status: str
    status_reason: str
    pending_removal_at: object
    last_serial: int
    index: str
    database: str  # the alias it was read from, which its files and versions are read from too


_PROJECT_COLUMNS = _Project._fields[:-2]


def _project_html(project, prefix):
    """Return the HTML page (PEP 503, 592, 629, 714, 792): one anchor per installable file."""
    escape = html.escape
    out = [
        "<!DOCTYPE html>\n<html>\n<head>\n",
        f'<meta name="pypi:repository-version" content="{API_VERSION}">\n',
        f'<meta name="pypi:project-status" content="{escape(project.status)}">\n',
    ]
    if project.status_reason:
        reason = escape(project.status_reason)
        out.append(f'<meta name="pypi:project-status-reason" content="{reason}">\n')
    title = f"Links for {escape(project.name)}"
    out.append(f"<title>{title}</title>\n</head>\n<body>\n<h1>{title}</h1>\n")
    files = _installable_files(project).values_list(
        "filename",
        "sha256",
        "requires_python",
        "release__yanked",
        "release__yanked_reason",
        "metadata_sha256",
    )
    escaped = {}  # a project has few distinct Requires-Python values and yank reasons
    for filename, sha256, requires_python, yanked, reason, metadata_sha256 in files:
        if _PLAIN_FILENAME.fullmatch(filename) and _PLAIN_DIGEST.fullmatch(sha256):
            link = f'<a href="{prefix}{filename}#sha256={sha256}"'
        else:
            link = f'<a href="{escape(_file_path(prefix, filename))}#sha256={escape(sha256)}"'
            filename = escape(filename)
        if requires_python:
            if requires_python not in escaped:
                escaped[requires_python] = escape(requires_python)
            link += f' data-requires-python="{escaped[requires_python]}"'
        if yanked:
            if reason not in escaped:
                escaped[reason] = escape(reason)
            link += f' data-yanked="{escaped[reason]}"'
        if metadata_sha256:
            # PEP 714's name, and the old PEP 658 name that PEP 714 allows in HTML (same value).
            digest = f"sha256={metadata_sha256}"
            link += f' data-core-metadata="{digest}" data-dist-info-metadata="{digest}"'
        out.append(f"{link}>{filename}</a><br>\n")
    out.append("</body>\n</html>\n")
    return "".join(out)


def _project_json(project, prefix):
    """Return the JSON page (PEP 691, 700, 714, 792)."""
    project_status = {"status": project.status}
    if project.status_reason:
        project_status["reason"] = project.status_reason
    files = _installable_files(project).values_list(
        "filename",
        "sha256",
        "requires_python",
        "size",
        UploadTime("uploaded_at"),
        "release__yanked",
        "release__yanked_reason",
        "metadata_sha256",
    )
    entries = []
    for filename, sha256, requires_python, size, uploaded, yanked, reason, metadata in files:
        entry = {
            "filename": filename,
            "url": _file_path(prefix, filename),
            "hashes": {"sha256": sha256},
            "size": size,
            "upload-time": uploaded,
            "yanked": (reason or True) if yanked else False,
            # Only PEP 714's key: pip 22.3 to 23.1 crash on the old "dist-info-metadata" key in
            # JSON, which is why PEP 714 renamed it and says not to send it there.
            "core-metadata": {"sha256": metadata} if metadata else False,
        }
        if requires_python:
            entry["requires-python"] = requires_python
        entries.append(entry)
    document = {
        "meta": {"api-version": API_VERSION},
        "name": project.normalized_name,
        "project-status": project_status,
        "versions": _visible_versions(project),
        "files": entries,
    }
    return json.dumps(document, separators=(",", ":"))


def _installable_files(project):
    return (
        File.objects.using(project.database)
        .installable(project.index)
        .filter(release__project_id=project.pk)
        .order_by("pk")  # upload order: stable (so is the ETag), whatever the collation
    )


def _visible_versions(project):
    """Versions of the live releases the index shows (PEP 700: with or without files)."""
    releases = Release.objects.using(project.database).filter(
        project_id=project.pk, removed_at__isnull=True
    )
    if project.index == Index.MAIN:
        releases = releases.filter(pending_removal_at__isnull=True)
    elif project.pending_removal_at is None:
        # On the pending index a project pending removal shows all its releases; otherwise
        # only those that are pending removal themselves.
        releases = releases.filter(pending_removal_at__isnull=False)
    return _sorted_versions(releases.values_list("version", flat=True))


def _project_not_found(normalized, index, database):
    """Explain a 404 (one more query, on the error path only)."""
    row = (
        Project.objects.using(database)
        .by_name(normalized)
        .values_list("removed_at", "pending_removal_at")
        .first()
    )
    if row is None:
        return _plain(404, f"There is no project named {normalized!r}.")
    removed_at, pending_since = row
    if removed_at is not None:
        return _plain(404, f"The project {normalized!r} was removed from the index.")
    if index == Index.MAIN and pending_since is not None:
        pending_url = reverse("pending-simple-project", kwargs={"name": normalized})
        return _plain(
            404,
            f"The project {normalized!r} is pending removal: it is served only on the opt-in "
            f"index at {pending_url}.",
        )
    return _plain(404, f"Nothing of the project {normalized!r} is pending removal.")


def _page(project, media_type):
    """Return the project's page as a cached `Page`, rendering (and keeping) it on a miss."""
    prefix = _files_url_prefix()
    representation = "json" if media_type == JSON_V1 else "html"
    render = _project_json if media_type == JSON_V1 else _project_html
    if not project.last_serial:
        # Never journaled (rows written outside the services): nothing would move its serial
        # when it changes, so a kept copy could go stale. Render it every time.
        return keep_page(None, render(project, prefix).encode())
    key = page_key(
        project_pk=project.pk,
        serial=project.last_serial,
        index=project.index,
        representation=representation,
        files_prefix=prefix,
    )
    page = cached_page(key)
    if page is None:
        # The files may already be newer than the serial read above (a change committed in
        # between): then the copy kept under the old serial is newer, never older, than it says,
        # and it is read only until the project's new serial is seen.
        page = keep_page(key, render(project, prefix).encode())
    return page


@_safe_methods_only
def project_page(request, name, index):
    """Show the files of one project on `index` (HTML or JSON) in a fixed number of queries.

    A repeat request for an unchanged project is one query (the project row, with its serial)
    and a cache read; a client that holds the page gets a 304 after that one query.
    """
    if len(name) > PROJECT_NAME_MAX_LENGTH or not PROJECT_NAME_RE.fullmatch(name):
        return _plain(404, "That is not a valid project name, so there is no such project.")
    normalized = normalize_project_name(name)
    if name != normalized:
        url_name = "pending-simple-project" if index == Index.PENDING else "simple-project"
        location = reverse(url_name, kwargs={"name": normalized})
        if request.META.get("QUERY_STRING"):
            location += "?" + request.META["QUERY_STRING"]
        return HttpResponsePermanentRedirect(location)
    media_type, refusal = _negotiate(request)
    if refusal is not None:
        return refusal
    database = reader()
    row = (
        Project.objects.using(database)
        .listed(index)
        .by_name(normalized)
        .values_list(*_PROJECT_COLUMNS)
        .first()
    )
    if row is None:
        return set_keys(_project_not_found(normalized, index, database), project_key(normalized))
    project = _Project(*row, index, database)
    serial = project.last_serial
    etag = page_etag(serial, index, media_type, weak=accepts_gzip(request))
    unchanged = not_modified(request, etag=etag, serial=serial, media_type=media_type)
    if unchanged is not None:
        return set_keys(unchanged, project_key(normalized))
    page = _page(project, media_type)
    response = _page_response(
        request, page.body, media_type, etag=etag, serial=serial, gzipped=page.gzipped
    )
    return set_keys(response, project_key(normalized))
