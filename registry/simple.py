"""The Simple Repository API that installers read, and the file bytes they download.

Two indexes share these views: the normal one at /simple/ and the opt-in one at
/pending/simple/, which serves only what is pending removal (see DESIGN.md, "Project status and
what clients see"). What an installer may see is decided in one place,
`File.objects.installable(index)` and `Project.objects.listed(index)`; this module only renders it.

Formats: HTML (PEP 503) and JSON (PEP 691), chosen by content negotiation; yanks (PEP 592);
metadata files (PEP 658, renamed by PEP 714); sizes, upload times and versions (PEP 700);
project status markers (PEP 792, API version 1.4).

Speed: a project page is a fixed number of queries whatever its size (the project, its files,
and for JSON its versions), fetches only the columns it prints, and is joined as strings, never
rendered per file through a template. Pages carry an ETag (a hash of the body): a client that
holds the page gets a 304 instead of the body.
"""

import functools
import hashlib
import html
import json
import logging
import re
from typing import NamedTuple
from urllib.parse import quote

from django.conf import settings
from django.db import connections, router
from django.db.models import CharField, Func
from django.http import (
    FileResponse,
    HttpResponse,
    HttpResponsePermanentRedirect,
    StreamingHttpResponse,
)
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import get_conditional_response, patch_vary_headers, quote_etag
from django.views.decorators.csrf import csrf_exempt
from packaging.utils import canonicalize_name
from packaging.version import InvalidVersion, Version

from .models import DownloadCount, File, Index, Project, ProjectStatus, Release
from .validators import PROJECT_NAME_MAX_LENGTH, PROJECT_NAME_RE

logger = logging.getLogger(__name__)

API_VERSION = "1.4"

JSON_V1 = "application/vnd.pypi.simple.v1+json"
HTML_V1 = "application/vnd.pypi.simple.v1+html"
TEXT_HTML = "text/html"

# Every media type a client may ask for, and the one it is answered with: the "latest" meta
# version is answered with the real version (PEP 691 requires it), text/html is its own alias.
MEDIA_TYPES = {
    JSON_V1: JSON_V1,
    "application/vnd.pypi.simple.latest+json": JSON_V1,
    HTML_V1: HTML_V1,
    "application/vnd.pypi.simple.latest+html": HTML_V1,
    TEXT_HTML: TEXT_HTML,
}
# Most preferred first. When a client names several served types with the same quality, give
# it the most expressive one (PEP 691's recommendation). When only a wildcard matches, answer
# plain HTML, which every client understands.
NAMED_PREFERENCE = (JSON_V1, HTML_V1, TEXT_HTML)
WILDCARD_PREFERENCE = (TEXT_HTML, HTML_V1, JSON_V1)

PAGE_CACHE_CONTROL = "public, max-age=60"
# A filename is never reused (FilenameRegistry), so the bytes behind a URL never change.
FILE_CACHE_CONTROL = "public, max-age=31536000, immutable"
PLAIN_TEXT = "text/plain; charset=utf-8"
FILENAME_MAX_LENGTH = File._meta.get_field("filename").max_length
INDEX_CHUNK = 2000


# Content negotiation ----------------------------------------------------------------------------


def parse_accept(header):
    """Return the media ranges of an Accept header as (type, subtype, quality) tuples.

    Entries that cannot be read (no '/', a quality that is not a number in [0, 1]) are dropped,
    as if the client had not sent them.
    """
    ranges = []
    for item in header.split(","):
        media_range, *params = item.split(";")
        main_type, slash, subtype = media_range.strip().lower().partition("/")
        if not slash or not main_type or not subtype:
            continue
        quality = 1.0
        for param in params:
            key, _, value = param.partition("=")
            if key.strip().lower() == "q":
                try:
                    quality = float(value.strip())
                except ValueError:
                    quality = -1.0
        if not 0.0 <= quality <= 1.0:  # also false for NaN
            continue
        ranges.append((main_type, subtype, quality))
    return ranges


def _acceptance(served, ranges):
    """Return (quality, specificity) of the served type under the most specific matching range."""
    names = [name for name, answer in MEDIA_TYPES.items() if answer == served]
    best = None
    for main_type, subtype, quality in ranges:
        if f"{main_type}/{subtype}" in names:
            specificity = 2
        elif subtype == "*" and any(name.startswith(f"{main_type}/") for name in names):
            specificity = 1
        elif main_type == "*" and subtype == "*":
            specificity = 0
        else:
            continue
        # The most specific range decides (RFC 9110 12.5.1); among equals, the best quality.
        if best is None or (specificity, quality) > best[::-1]:
            best = (quality, specificity)
    return best


def choose_media_type(accept_header):
    """Return the media type to answer an Accept header with, or None if none is acceptable.

    No header (or an empty one) means `*/*`, which is answered with text/html.
    """
    ranges = parse_accept(accept_header) if accept_header.strip() else [("*", "*", 1.0)]
    candidates = []
    for served in (JSON_V1, HTML_V1, TEXT_HTML):
        acceptance = _acceptance(served, ranges)
        if acceptance is None or acceptance[0] <= 0:
            continue
        quality, specificity = acceptance
        preference = NAMED_PREFERENCE if specificity == 2 else WILDCARD_PREFERENCE
        candidates.append((quality, specificity, -preference.index(served), served))
    return max(candidates)[-1] if candidates else None


def _negotiate(request):
    """Return (media type, None), or (None, a 406 response that says what is served)."""
    served = ", ".join(MEDIA_TYPES)
    requested = request.GET.get("format")
    if requested is not None:
        media_type = MEDIA_TYPES.get(requested.strip().lower())
        if media_type is None:
            return None, _not_acceptable(
                f"Unknown format {requested!r}. Use one of: {served}.", vary=False
            )
        return media_type, None
    media_type = choose_media_type(request.headers.get("Accept", ""))
    if media_type is None:
        return None, _not_acceptable(
            "None of the media types in your Accept header is available here. "
            f"This index serves: {served}."
        )
    return media_type, None


def _not_acceptable(reason, *, vary=True):
    response = _plain(406, reason)
    if vary:
        patch_vary_headers(response, ["Accept"])
    return response


# Responses --------------------------------------------------------------------------------------


def _plain(status, reason):
    """Return a plain-text response that says, in words, why the request failed."""
    return HttpResponse(reason + "\n", status=status, content_type=PLAIN_TEXT)


def _safe_methods_only(view):
    """Answer GET and HEAD; anything else gets a 405 with a plain reason (and no CSRF page)."""

    @csrf_exempt
    @functools.wraps(view)
    def wrapper(request, *args, **kwargs):
        if request.method not in ("GET", "HEAD"):
            response = _plain(405, f"{request.method} is not supported here: use GET or HEAD.")
            response["Allow"] = "GET, HEAD"
            return response
        return view(request, *args, **kwargs)

    return wrapper


def _content_type(media_type):
    return media_type if media_type == JSON_V1 else f"{media_type}; charset=utf-8"


def _page_response(request, body, media_type):
    """Return the page with its validators, or a 304 if the client already holds this body."""
    content = body.encode()
    response = HttpResponse(content, content_type=_content_type(media_type))
    response["Cache-Control"] = PAGE_CACHE_CONTROL
    patch_vary_headers(response, ["Accept"])
    # One ETag per representation: text/html and v1+html carry the same bytes, not the same type.
    digest = hashlib.md5(media_type.encode(), usedforsecurity=False)
    digest.update(content)
    etag = quote_etag(digest.hexdigest())
    response["ETag"] = etag
    return get_conditional_response(request, etag=etag, response=response)


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
    """List every project listed on `index` (HTML or JSON), streamed from the database.

    The list can hold hundreds of thousands of names, so it is streamed in batches from a
    server-side cursor instead of being built in memory; it therefore has no ETag.
    """
    media_type, refusal = _negotiate(request)
    if refusal is not None:
        return refusal
    names = (
        Project.objects.listed(index)
        .order_by("normalized_name")
        .values_list("normalized_name", flat=True)
        .iterator(chunk_size=INDEX_CHUNK)
    )
    body = _index_json(names) if media_type == JSON_V1 else _index_html(names)
    response = StreamingHttpResponse(
        (chunk.encode() for chunk in body), content_type=_content_type(media_type)
    )
    response["Cache-Control"] = PAGE_CACHE_CONTROL
    patch_vary_headers(response, ["Accept"])
    return response


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
    index: str


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
        File.objects.installable(project.index)
        .filter(release__project_id=project.pk)
        .order_by("pk")  # upload order: stable (so is the ETag), whatever the collation
    )


def _visible_versions(project):
    """Versions of the live releases the index shows (PEP 700: with or without files)."""
    releases = Release.objects.filter(project_id=project.pk, removed_at__isnull=True)
    if project.index == Index.MAIN:
        releases = releases.filter(pending_removal_at__isnull=True)
    elif project.pending_removal_at is None:
        # On the pending index a project pending removal shows all its releases; otherwise
        # only those that are pending removal themselves.
        releases = releases.filter(pending_removal_at__isnull=False)
    return _sorted_versions(releases.values_list("version", flat=True))


def _project_not_found(normalized, index):
    """Explain a 404 (one more query, on the error path only)."""
    row = (
        Project.objects.filter(normalized_name=normalized)
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


@_safe_methods_only
def project_page(request, name, index):
    """Show the files of one project on `index` (HTML or JSON) in a fixed number of queries."""
    if len(name) > PROJECT_NAME_MAX_LENGTH or not PROJECT_NAME_RE.fullmatch(name):
        return _plain(404, "That is not a valid project name, so there is no such project.")
    normalized = canonicalize_name(name)
    if name != normalized:
        url_name = "pending-simple-project" if index == Index.PENDING else "simple-project"
        location = reverse(url_name, kwargs={"name": normalized})
        if request.META.get("QUERY_STRING"):
            location += "?" + request.META["QUERY_STRING"]
        return HttpResponsePermanentRedirect(location)
    media_type, refusal = _negotiate(request)
    if refusal is not None:
        return refusal
    row = (
        Project.objects.listed(index)
        .filter(normalized_name=normalized)
        .values_list(*_Project._fields[:-1])
        .first()
    )
    if row is None:
        return _project_not_found(normalized, index)
    project = _Project(*row, index)
    render = _project_json if media_type == JSON_V1 else _project_html
    return _page_response(request, render(project, _files_url_prefix()), media_type)


# Files ------------------------------------------------------------------------------------------


def _installable_file(filename, *columns):
    """Return the columns of the file if an installer may download it from either index."""
    if len(filename) > FILENAME_MAX_LENGTH or "\x00" in filename:
        return None
    visible = File.objects.installable(Index.MAIN) | File.objects.installable(Index.PENDING)
    return visible.filter(filename=filename).values_list(*columns).first()


def _file_not_found(filename):
    """Say why a file cannot be downloaded (one more query, on the error path only)."""
    row = None
    if len(filename) <= FILENAME_MAX_LENGTH and "\x00" not in filename:
        row = (
            File.objects.filter(filename=filename)
            .values_list(
                "purged_at",
                "removed_at",
                "release__removed_at",
                "release__project__removed_at",
                "release__project__status",
            )
            .first()
        )
    if row is None:
        return _plain(404, "There is no file with this name on the index.")
    purged_at, removed_at, release_removed_at, project_removed_at, status = row
    if purged_at is not None:
        return _plain(404, "This file was removed from the index and its bytes were destroyed.")
    if removed_at is not None:
        return _plain(404, "This file was removed from the index.")
    if release_removed_at is not None:
        return _plain(404, "The release of this file was removed from the index.")
    if project_removed_at is not None:
        return _plain(404, "The project of this file was removed from the index.")
    if status == ProjectStatus.QUARANTINED:
        return _plain(
            404, "The project of this file is quarantined: none of its files can be downloaded."
        )
    return _plain(404, "This file is not available from the index.")


def _immutable_headers(response, etag):
    response["ETag"] = etag
    response["Cache-Control"] = FILE_CACHE_CONTROL
    return response


def _not_modified(request, etag):
    """Return a 304 if the client's If-None-Match already names `etag`, else None."""
    probe = _immutable_headers(HttpResponse(), etag)
    conditional = get_conditional_response(request, etag=etag, response=probe)
    return None if conditional is probe else conditional


def record_download(file_id, project_id, day):
    """Count one download of a file on `day`, in one atomic statement.

    An upsert, not a read-modify-write: concurrent downloads never wait on a row lock held
    across a request, and none is lost. Works on PostgreSQL and SQLite (3.24 and later).
    Download counts carry no history (DownloadCount is untracked by design).
    """
    connection = connections[router.db_for_write(DownloadCount)]
    meta = DownloadCount._meta
    qn = connection.ops.quote_name
    table = qn(meta.db_table)
    file_col, project_col, day_col, count_col = (
        qn(meta.get_field(field).column) for field in ("file", "project", "day", "count")
    )
    sql = (
        f"INSERT INTO {table} ({file_col}, {project_col}, {day_col}, {count_col}) "
        f"VALUES (%s, %s, %s, 1) "
        f"ON CONFLICT ({file_col}, {day_col}) DO UPDATE SET {count_col} = {table}.{count_col} + 1"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [file_id, project_id, connection.ops.adapt_datefield_value(day)])


@_safe_methods_only
def download(request, filename):
    """Serve the bytes of an installable file (from either index) and count the download."""
    row = _installable_file(filename, "pk", "release__project_id", "blob", "sha256", "size")
    if row is None:
        return _file_not_found(filename)
    file_id, project_id, blob_name, sha256, size = row
    etag = quote_etag(sha256)
    not_modified = _not_modified(request, etag)
    if not_modified is not None:
        return not_modified
    accel_prefix = getattr(settings, "HOLDFAST_FILES_ACCEL_REDIRECT", None)
    if request.method == "HEAD":
        # Headers only: no need to reach into storage.
        response = HttpResponse(content_type="application/octet-stream")
        response["Content-Length"] = size
    elif accel_prefix:
        # The proxy serves the bytes from its internal location; we only say where they are.
        response = HttpResponse(content_type="application/octet-stream")
        response["X-Accel-Redirect"] = accel_prefix + quote(blob_name, safe="/!+")
    else:
        storage = File._meta.get_field("blob").storage
        try:
            handle = storage.open(blob_name, "rb") if blob_name else None
        except OSError:
            handle = None
        if handle is None:
            logger.error("The bytes of the live file %s (%s) are missing.", filename, blob_name)
            return _plain(404, "The bytes of this file are missing; the fault has been logged.")
        response = FileResponse(handle, content_type="application/octet-stream")
    if request.method == "GET":
        record_download(file_id, project_id, timezone.now().date())
    return _immutable_headers(response, etag)


@_safe_methods_only
def file_metadata(request, filename):
    """Serve the core metadata of an installable file (PEP 658), byte for byte as hashed."""
    row = _installable_file(filename, "core_metadata")
    if row is None:
        return _file_not_found(filename)
    (core_metadata,) = row
    if not core_metadata:
        return _plain(
            404, "This file has no separate metadata file: download the file itself instead."
        )
    content = core_metadata.encode()
    etag = quote_etag(hashlib.sha256(content).hexdigest())
    not_modified = _not_modified(request, etag)
    if not_modified is not None:
        return not_modified
    return _immutable_headers(HttpResponse(content, content_type=PLAIN_TEXT), etag)
