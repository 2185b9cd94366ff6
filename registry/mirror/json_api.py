"""PyPI's JSON API: /pypi/<name>/json and /pypi/<name>/<version>/json.

The shape is PyPI's (info, last_serial, releases, urls, vulnerabilities; one dict per file with
its digests, sizes, upload times and yank state), so mirrors (bandersnatch) and the many tools
that read PyPI's JSON work against Holdfast unchanged. A page shows what installers see on the
main index: removed and pending-removal projects answer 404 with the reason; a quarantined
project answers with its versions and no files (as its simple page), so a mirror's next sync
drops its files instead of keeping its last copy.

Every page carries `X-PyPI-Last-Serial` (the project's change serial: bandersnatch refuses a
page older than the serial the changelog announced), an ETag derived from it, and the project's
surrogate key. A page costs a fixed number of queries whatever the project's size: the project,
its releases, its files, one file's core metadata (for `info`).
"""

import json

from django.http import HttpResponse, HttpResponsePermanentRedirect
from django.urls import reverse
from packaging.metadata import parse_email

from ..cdn import project_key, set_keys
from ..models import File, Index, Project, ProjectStatus, Release
from ..replica import reader
from ..simple.pages import UploadTime, _project_not_found, _version_key
from ..simple.protocol import _page_headers, _plain, _safe_methods_only, not_modified, page_etag
from ..validators import PROJECT_NAME_MAX_LENGTH, PROJECT_NAME_RE, normalize_project_name
from .packages import package_path, packages_prefix

JSON = "application/json"
# Names the ETag's representation, so it never matches a simple page's tag.
JSON_API_ETAG_KIND = "application/json; api=pypi-json"
PROJECT_COLUMNS = ("pk", "name", "normalized_name", "status", "last_serial")
RELEASE_COLUMNS = ("pk", "version", "is_prerelease", "yanked", "yanked_reason")
FILE_COLUMNS = (
    "release_id",
    "filename",
    "sha256",
    "packagetype",
    "python_version",
    "requires_python",
    "size",
    "uploaded_iso",
    "release__yanked",
    "release__yanked_reason",
)
# Core metadata fields copied into `info` as PyPI names them (single values; None when absent).
INFO_TEXT_FIELDS = (
    "author",
    "author_email",
    "description",
    "description_content_type",
    "download_url",
    "home_page",
    "license",
    "license_expression",
    "maintainer",
    "maintainer_email",
    "summary",
)
INFO_LIST_FIELDS = ("classifiers", "dynamic", "license_files", "provides_extra")


@_safe_methods_only
def project_json(request, name):
    """PyPI's JSON page of a project: its newest release's info and every release's files."""
    return _json_page(request, name, None)


@_safe_methods_only
def release_json(request, name, version):
    """PyPI's JSON page of one release: its info and its files (no `releases`, as PyPI)."""
    return _json_page(request, name, version)


def _json_page(request, name, version):
    if len(name) > PROJECT_NAME_MAX_LENGTH or not PROJECT_NAME_RE.fullmatch(name):
        return _plain(404, "That is not a valid project name, so there is no such project.")
    normalized = normalize_project_name(name)
    if name != normalized:
        return HttpResponsePermanentRedirect(_page_url(normalized, version))
    listed = Project.objects.using(reader()).listed(Index.MAIN)
    row = listed.by_name(normalized).values_list(*PROJECT_COLUMNS)
    row = row.first()
    if row is None:
        return _project_not_found(normalized, Index.MAIN, reader())
    project_id, display_name, normalized, status, serial = row
    quarantined = status == ProjectStatus.QUARANTINED
    etag = page_etag(serial, Index.MAIN, JSON_API_ETAG_KIND)
    unchanged = not_modified(request, etag=etag, serial=serial, media_type=JSON)
    if unchanged is not None:
        return set_keys(unchanged, project_key(normalized))
    releases = Release.objects.using(reader()).filter(
        project_id=project_id, removed_at__isnull=True, pending_removal_at__isnull=True
    )
    if version is None:
        shown = list(releases.values_list(*RELEASE_COLUMNS))
        if not shown:
            # PyPI too has no JSON page for a project without releases.
            return _plain(404, f"The project {normalized!r} has no releases on the index.")
        current = _newest(shown)
    else:
        current = releases.by_version(version).values_list(*RELEASE_COLUMNS).first()
        if current is None:
            return _release_not_found(project_id, normalized, version)
        shown = [current]
    files = _files(project_id, current[0] if version is not None else None)
    prefix = request.build_absolute_uri(packages_prefix())
    by_release = {release[0]: [] for release in shown}
    for file in files:
        by_release[file["release_id"]].append(_file_entry(file, prefix))
    document = {
        "info": _info(
            request, display_name, normalized, current, by_release[current[0]], quarantined
        ),
        "last_serial": serial,
    }
    if version is None:
        ordered = sorted(shown, key=lambda release: _version_key(release[1]))
        document["releases"] = {release[1]: by_release[release[0]] for release in ordered}
    document["urls"] = by_release[current[0]]
    document["vulnerabilities"] = []
    body = json.dumps(document, separators=(",", ":")).encode()
    response = _page_headers(HttpResponse(body, content_type=JSON), JSON, etag, serial)
    return set_keys(response, project_key(normalized))


def _page_url(normalized, version):
    if version is None:
        return reverse("pypi-project-json", kwargs={"name": normalized})
    return reverse("pypi-release-json", kwargs={"name": normalized, "version": version})


def _newest(releases):
    """The release `info` describes, as PyPI picks it: the newest by PEP 440 order that is
    neither a pre-release nor yanked, else the newest that is not yanked, else the newest."""
    for keep in (
        lambda release: not release[2] and not release[3],
        lambda release: not release[3],
        lambda release: True,
    ):
        candidates = [release for release in releases if keep(release)]
        if candidates:
            return max(candidates, key=lambda release: _version_key(release[1]))
    raise ValueError("no releases")  # unreachable: the caller checked


def _release_not_found(project_id, normalized, version):
    """Explain a release 404 (one more query, on the error path only)."""
    if "\x00" in version or len(version) > Release._meta.get_field("version").max_length:
        return _plain(404, f"The project {normalized!r} has no such version.")
    row = (
        Release.objects.using(reader())
        .filter(project_id=project_id)
        .by_version(version)
        .values_list("version", "removed_at")
        .first()
    )
    if row is None:
        return _plain(404, f"The project {normalized!r} has no version {version!r}.")
    found, removed_at = row
    if removed_at is not None:
        return _plain(404, f"Version {found} of {normalized!r} was removed from the index.")
    return _plain(
        404,
        f"Version {found} of {normalized!r} is pending removal: it is served only on the "
        "opt-in index at " + reverse("pending-simple-project", kwargs={"name": normalized}),
    )


def _files(project_id, release_id):
    files = File.objects.using(reader()).installable(Index.MAIN)
    files = files.filter(release__project_id=project_id)
    if release_id is not None:
        files = files.filter(release_id=release_id)
    return (
        files.annotate(uploaded_iso=UploadTime("uploaded_at")).order_by("pk").values(*FILE_COLUMNS)
    )


def _file_entry(file, prefix):
    uploaded = file["uploaded_iso"]
    yanked = file["release__yanked"]
    return {
        "comment_text": "",
        "digests": {"sha256": file["sha256"]},
        "downloads": -1,
        "filename": file["filename"],
        "has_sig": False,
        "packagetype": file["packagetype"],
        "python_version": file["python_version"],
        "requires_python": file["requires_python"] or None,
        "size": file["size"],
        # PyPI's two spellings: seconds without a zone, and ISO 8601 with microseconds and Z.
        "upload_time": uploaded[:19],
        "upload_time_iso_8601": uploaded,
        "url": package_path(prefix, file["sha256"], file["filename"]),
        "yanked": yanked,
        "yanked_reason": (file["release__yanked_reason"] or None) if yanked else None,
    }


def _metadata(release_id):
    """The parsed core metadata of one live file of the release ({} without any)."""
    text = (
        File.objects.using(reader())
        .filter(release_id=release_id, removed_at__isnull=True)
        .exclude(core_metadata="")
        .order_by("pk")
        .values_list("core_metadata", flat=True)
        .first()
    )
    return parse_email(text)[0] if text else {}


def _info(request, display_name, normalized, release, files, quarantined=False):
    release_id, version, _prerelease, yanked, yanked_reason = release
    # A quarantined project's metadata is not repeated (it may be what got it quarantined).
    metadata = {} if quarantined else _metadata(release_id)
    requires_python = metadata.get("requires_python") or next(
        (file["requires_python"] for file in files if file["requires_python"]), ""
    )
    project_url = request.build_absolute_uri(reverse("simple-project", kwargs={"name": normalized}))
    info = {field: metadata.get(field) for field in INFO_TEXT_FIELDS}
    info.update({field: list(metadata.get(field, [])) for field in INFO_LIST_FIELDS})
    info.update(
        {
            "bugtrack_url": None,
            "docs_url": None,
            # Lists in the metadata, strings in PyPI's JSON.
            "keywords": ",".join(metadata.get("keywords", [])) or None,
            "platform": ", ".join(metadata.get("platforms", [])) or None,
            "downloads": {"last_day": -1, "last_month": -1, "last_week": -1},
            "name": display_name,
            "package_url": project_url,
            "project_url": project_url,
            "project_urls": metadata.get("project_urls") or None,
            "release_url": request.build_absolute_uri(_page_url(normalized, version)),
            "requires_dist": metadata.get("requires_dist") or None,
            "requires_python": requires_python,
            "summary": metadata.get("summary") or "",
            "version": version,
            "yanked": yanked,
            "yanked_reason": (yanked_reason or None) if yanked else None,
        }
    )
    return info
