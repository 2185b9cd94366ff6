"""The bytes installers download, and the metadata files beside them (PEP 658)."""

import hashlib
import logging
from urllib.parse import quote

from django.conf import settings
from django.db import connections, router
from django.http import FileResponse, HttpResponse, HttpResponseRedirect
from django.utils import timezone
from django.utils.cache import get_conditional_response, quote_etag

from ..cdn import project_key, set_keys
from ..models import DownloadCount, File, Index, ProjectStatus
from .protocol import PLAIN_TEXT, _plain, _safe_methods_only

logger = logging.getLogger(__name__)

# A filename is never reused (FilenameRegistry), so the bytes behind a URL never change; but a
# file can be taken away (removed, quarantined, purged). Caches keep files for a year, immutable,
# only when a CDN purge tells the CDN when one goes (HOLDFAST_CDN_PURGE_URL, sent from the
# outbox); otherwise for HOLDFAST_FILES_MAX_AGE, so a takedown reaches every cache by then.
IMMUTABLE_CACHE_CONTROL = "public, max-age=31536000, immutable"
FILENAME_MAX_LENGTH = File._meta.get_field("filename").max_length


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


def file_cache_control():
    """The Cache-Control of a file's bytes and of its metadata file."""
    if getattr(settings, "HOLDFAST_CDN_PURGE_URL", None):
        return IMMUTABLE_CACHE_CONTROL
    return f"public, max-age={settings.HOLDFAST_FILES_MAX_AGE}"


def _file_headers(response, etag, normalized_name):
    response["ETag"] = etag
    response["Cache-Control"] = file_cache_control()
    return set_keys(response, project_key(normalized_name))


def _not_modified(request, etag, normalized_name):
    """Return a 304 if the client's If-None-Match already names `etag`, else None."""
    probe = _file_headers(HttpResponse(), etag, normalized_name)
    conditional = get_conditional_response(request, etag=etag, response=probe)
    if conditional is probe:
        return None
    # Django copies only the caching headers onto the 304.
    return set_keys(conditional, project_key(normalized_name))


def _bytes_missing(filename, blob_name):
    logger.error("The bytes of the live file %s (%s) are missing.", filename, blob_name)
    return _plain(404, "The bytes of this file are missing; the fault has been logged.")


def _presigned_redirect(storage, blob_name, normalized_name):
    """Send the client to a short-lived URL of the object (no request to the store is made).

    A cache may keep the redirect for half the URL's life at most, so whoever it is served to
    still has time to follow it, and a removal stops it once the URL expires.
    """
    response = HttpResponseRedirect(storage.url(blob_name))
    response["Cache-Control"] = f"public, max-age={storage.querystring_expire // 2}"
    return set_keys(response, project_key(normalized_name))


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
    """Serve the bytes of an installable file (from either index) and count the download.

    The bytes come from the storage, from the proxy (`HOLDFAST_FILES_ACCEL_REDIRECT`) or, with
    object storage, from the store itself through a presigned URL (registry/storage.py).
    """
    row = _installable_file(
        filename,
        "pk",
        "release__project_id",
        "release__project__normalized_name",
        "blob",
        "sha256",
        "size",
    )
    if row is None:
        return _file_not_found(filename)
    file_id, project_id, normalized_name, blob_name, sha256, size = row
    accel_prefix = getattr(settings, "HOLDFAST_FILES_ACCEL_REDIRECT", None)
    storage = File._meta.get_field("blob").storage
    if not accel_prefix and getattr(storage, "presigned_downloads", False):
        # Object storage: the client fetches the bytes from the store itself.
        if not blob_name:
            return _bytes_missing(filename, blob_name)
        if request.method == "GET":
            record_download(file_id, project_id, timezone.now().date())
        return _presigned_redirect(storage, blob_name, normalized_name)
    etag = quote_etag(sha256)
    not_modified = _not_modified(request, etag, normalized_name)
    if not_modified is not None:
        return not_modified
    if request.method == "HEAD":
        # Headers only: no need to reach into storage.
        response = HttpResponse(content_type="application/octet-stream")
        response["Content-Length"] = size
    elif accel_prefix:
        # The proxy serves the bytes from its internal location; we only say where they are.
        response = HttpResponse(content_type="application/octet-stream")
        response["X-Accel-Redirect"] = accel_prefix + quote(blob_name, safe="/!+")
    else:
        try:
            handle = storage.open(blob_name, "rb") if blob_name else None
        except OSError:
            handle = None
        if handle is None:
            return _bytes_missing(filename, blob_name)
        response = FileResponse(handle, content_type="application/octet-stream")
    if request.method == "GET":
        record_download(file_id, project_id, timezone.now().date())
    return _file_headers(response, etag, normalized_name)


@_safe_methods_only
def file_metadata(request, filename):
    """Serve the core metadata of an installable file (PEP 658), byte for byte as hashed."""
    row = _installable_file(filename, "core_metadata", "release__project__normalized_name")
    if row is None:
        return _file_not_found(filename)
    core_metadata, normalized_name = row
    if not core_metadata:
        return _plain(
            404, "This file has no separate metadata file: download the file itself instead."
        )
    content = core_metadata.encode()
    etag = quote_etag(hashlib.sha256(content).hexdigest())
    not_modified = _not_modified(request, etag, normalized_name)
    if not_modified is not None:
        return not_modified
    return _file_headers(HttpResponse(content, content_type=PLAIN_TEXT), etag, normalized_name)
