"""Uploads: releases, their files and dependencies, and every rule a new file must pass.

`publish_file` is the upload (the twine endpoint calls it): project and release created when
new, the file stored, dependencies recorded. `add_file` adds a file to a release the caller
holds. Both refuse, with the same RegistryError, whatever an upload rule refuses.
"""

import hashlib
from collections.abc import Iterable
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.utils import timezone
from packaging.requirements import InvalidRequirement, Requirement
from packaging.utils import (
    InvalidSdistFilename,
    InvalidWheelFilename,
    canonicalize_name,
    parse_sdist_filename,
    parse_wheel_filename,
)

from ..facts import Decider
from ..history import bulk_create_tracked, record
from ..models import (
    Dependency,
    File,
    FilenameRegistry,
    PackageType,
    Project,
    ProjectStatus,
    Release,
)
from ..policy import Action
from ..validators import parse_version
from .changes import file_action, record_change
from .errors import RegistryError
from .guards import first_message, locked_project, require_reason
from .projects import create_project

UPLOAD_REASON = "Uploaded"


def create_release(*, project, version, actor, reason, now=None):
    """Create a release of `project`, refusing a version that was ever published before."""
    require_reason(reason)
    try:
        parsed = parse_version(version)
    except ValidationError as error:
        raise RegistryError(first_message(error), code="invalid_version") from None
    release = Release(project=project, version=version, created_at=now or timezone.now())
    release._derive()
    with transaction.atomic():
        clash = Release.objects.filter(
            project=project, canonical_version=release.canonical_version
        ).first()
        if clash is not None:
            raise RegistryError(
                f"{project.name} {parsed} is the same version as the existing release "
                f"{clash.version}{' (removed)' if clash.is_removed else ''}; a version can be "
                "published only once. Release a new version instead.",
                code="version_exists",
            )
        record(release, actor=actor, reason=reason)
        try:
            with transaction.atomic():
                release.save()
        except IntegrityError:
            raise RegistryError(
                f"{project.name} {version} was created by another upload a moment ago.",
                code="version_exists",
            ) from None
        record_change(
            project=project,
            action="new release",
            version=release.version,
            actor=actor,
            now=release.created_at,
        )
    return release


def parse_distribution_filename(filename):
    """Return (packagetype, normalised name, Version, python tag) for a distribution filename."""
    if filename.endswith(".whl"):
        try:
            name, version, _build, tags = parse_wheel_filename(filename)
        except InvalidWheelFilename as error:
            raise RegistryError(
                f"{filename!r} is not a valid wheel filename: {error}. A wheel is named "
                "'{name}-{version}(-{build})?-{python}-{abi}-{platform}.whl'.",
                code="invalid_filename",
            ) from None
        python_tag = ".".join(sorted({tag.interpreter for tag in tags}))
        return PackageType.WHEEL, name, version, python_tag
    try:
        name, version = parse_sdist_filename(filename)
    except InvalidSdistFilename as error:
        raise RegistryError(
            f"{filename!r} is not a valid source distribution filename: {error}. An sdist is "
            "named '{name}-{version}.tar.gz'.",
            code="invalid_filename",
        ) from None
    return PackageType.SDIST, name, version, "source"


def refuse_used_filename(*, filename):
    """Raise RegistryError if `filename` was ever accepted (PyPI's rule: never twice)."""
    if FilenameRegistry.objects.filter(filename=filename).exists():
        raise RegistryError(
            f"The filename {filename!r} has been used before, possibly by a file that was "
            "later removed; a filename can never be reused. Publish a new version (or a "
            "post-release, such as 1.0.post1) instead.",
            code="filename_reused",
        )


def add_file(
    *,
    release,
    filename,
    content: bytes,
    actor,
    reason,
    requires_python="",
    core_metadata="",
    token_project=None,
    now=None,
):
    """Store one more distribution file of an existing `release`, if every upload rule allows it.

    The rules are publish_file's: a filename ever used before, a removed release, a project
    that refuses uploads from `actor` (or from a token limited to `token_project`, another
    project), a release pending removal or settled, a file over the size limit.
    """
    require_reason(reason)
    now = now or timezone.now()
    with transaction.atomic():
        project = locked_project(release.project)
        file = _admit_file(
            release=release,
            filename=filename,
            content=content,
            actor=actor,
            requires_python=requires_python,
            core_metadata=core_metadata,
            now=now,
        )
        _refuse_upload(project=project, uploader=actor, token_project=token_project, now=now)
        _refuse_new_file(release=file.release, now=now)
        _save_file(file=file, content=content, actor=actor, reason=reason, now=now)
    return file


def publish_file(
    *,
    name,
    version,
    filename,
    content: bytes,
    uploader,
    now,
    token_project=None,
    requires_python="",
    requires_dist: Iterable[str] = (),
    core_metadata="",
    reason=UPLOAD_REASON,
):
    """Publish one uploaded distribution file of project `name`, version `version`.

    Register the project if the name is new (or its removed project's name is free again),
    create the release if the version is new, store the file and record the release's
    dependencies, in one transaction. Refuse, with RegistryError, a file over the size limit
    or whose filename was ever used; a reserved name; a project that refuses uploads (the
    policy, quarantine, archived, pending removal) or a token limited to another project
    (`token_project`); a removed, pending or settled release.
    """
    require_reason(reason)
    refuse_oversized(filename=filename, size=len(content))
    # The most specific refusal first: whatever else changed, this file is burned.
    refuse_used_filename(filename=filename)
    with transaction.atomic():
        project = Project.objects.select_for_update().by_name(name).first()
        if project is None or project.is_removed:
            _refuse_token_scope(token_project=token_project, project=None, name=name)
            project = create_project(
                name=name, owner=uploader, actor=uploader, reason=reason, now=now
            )
        else:
            _refuse_upload(project=project, uploader=uploader, token_project=token_project, now=now)
        release = Release.objects.filter(project=project).by_version(version).first()
        if release is None:
            release = create_release(
                project=project, version=version, actor=uploader, reason=reason, now=now
            )
        else:
            _refuse_new_file(release=release, now=now)
        file = _admit_file(
            release=release,
            filename=filename,
            content=content,
            actor=uploader,
            requires_python=requires_python,
            core_metadata=core_metadata,
            now=now,
        )
        _save_file(file=file, content=content, actor=uploader, reason=reason, now=now)
        set_dependencies(
            release=release, requirements=list(requires_dist), actor=uploader, reason=reason
        )
    return file


# The upload rules --------------------------------------------------------------------------------


def refuse_oversized(*, filename, size):
    """Refuse a file larger than `HOLDFAST_MAX_FILE_SIZE` bytes.

    The upload endpoint also asks this before it reads the archive, so an oversized file is
    refused before its digests and metadata are computed.
    """
    limit = settings.HOLDFAST_MAX_FILE_SIZE
    if size > limit:
        raise RegistryError(
            f"{filename} is {size:,} bytes; this registry accepts files up to "
            f"{limit:,} bytes. Ask the registry admins if your project needs more.",
            code="too_large",
        )


def _refuse_upload(*, project, uploader, token_project=None, now):
    """Refuse an upload to the live `project` by `uploader` (with a token limited to
    `token_project`, if any): the token's scope, the policy (role, quarantine), archived,
    pending removal."""
    _refuse_token_scope(token_project=token_project, project=project, name=project.name)
    decision = Decider(project, uploader, now=now).decide(Action.UPLOAD)
    if not decision.allowed:
        code = "quarantined" if project.status == ProjectStatus.QUARANTINED else "not_allowed"
        raise RegistryError(
            f"You cannot upload to {project.name}: {decision.explanation}", code=code
        )
    if project.status == ProjectStatus.ARCHIVED:
        raise RegistryError(
            f"{project.name} is archived, so it accepts no new uploads. An owner can unarchive "
            "it on the project's page.",
            code="archived",
        )
    if project.pending_removal_at is not None:
        raise RegistryError(
            f"{project.name} is pending removal, so it accepts no new uploads. An owner can "
            "cancel the scheduled removal on the project's page.",
            code="pending_removal",
        )


def _refuse_token_scope(*, token_project, project, name):
    """Refuse a token limited to another project, or to any project when creating one."""
    if token_project is None or (project is not None and token_project.pk == project.pk):
        return
    if project is None:
        raise RegistryError(
            f"This token is limited to the project {token_project.name}; creating "
            f"{name} needs a token for your whole account.",
            code="token_scope",
        )
    raise RegistryError(
        f"This token is limited to the project {token_project.name}, not {project.name}. "
        "Use a token for this project or for your whole account.",
        code="token_scope",
    )


def _refuse_new_file(*, release, now):
    """Refuse a new file for an existing `release` that is removed, pending removal, or older
    than the upload window (`HOLDFAST_RELEASE_UPLOAD_WINDOW_DAYS`)."""
    project = release.project
    if release.is_removed:
        raise RegistryError(
            f"{project.name} {release.version} was removed; a version can be published only "
            "once. Release a new version instead.",
            code="version_removed",
        )
    if release.pending_removal_at is not None:
        raise RegistryError(
            f"{project.name} {release.version} is pending removal and accepts no new files.",
            code="pending_removal",
        )
    window = settings.HOLDFAST_RELEASE_UPLOAD_WINDOW_DAYS
    if now - release.created_at > timedelta(days=window):
        raise RegistryError(
            f"{project.name} {release.version} was published on "
            f"{release.created_at:%Y-%m-%d}; a release accepts new files only for {window} days, "
            "so a published version cannot quietly gain a new artifact. Publish a new version "
            "(for example a post-release) instead.",
            code="release_settled",
        )


def _admit_file(*, release, filename, content, actor, requires_python, core_metadata, now):
    """Return the unsaved File of `release` named `filename`, or refuse it: a filename that
    is invalid, names another project or version, or was used before; a file too large; a
    removed release. Call it inside the transaction, with the project locked."""
    packagetype, name, version, python_tag = parse_distribution_filename(filename)
    project = release.project
    if name != project.normalized_name:
        raise RegistryError(
            f"The filename {filename!r} names the project {name!r}, but the upload is for "
            f"{project.name!r}. Build the file from the right project.",
            code="filename_mismatch",
        )
    if version != parse_version(release.version):
        raise RegistryError(
            f"The filename {filename!r} names version {version}, but the release is "
            f"{release.version}. Rebuild the file with the matching version.",
            code="filename_mismatch",
        )
    refuse_oversized(filename=filename, size=len(content))
    refuse_used_filename(filename=filename)
    # Read the release again under the project's lock: a removal may have taken it meanwhile.
    release = Release.objects.select_related("project").get(pk=release.pk)
    if release.is_removed or release.project.is_removed:
        raise RegistryError(
            f"{release} has been removed, so it takes no new files; a removed version is "
            "never published again. Publish a new version instead.",
            code="release_removed",
        )
    return File(
        release=release,
        filename=filename,
        packagetype=packagetype,
        python_version=python_tag,
        requires_python=requires_python,
        sha256=hashlib.sha256(content).hexdigest(),
        size=len(content),
        uploaded_at=now,
        uploaded_by=actor,
        core_metadata=core_metadata,
    )


def _save_file(*, file, content, actor, reason, now):
    """Burn the filename, store the bytes, then save the row (never a row without bytes)."""
    try:
        with transaction.atomic():
            record(
                FilenameRegistry(
                    filename=file.filename,
                    project_name=file.release.project.normalized_name,
                    first_seen_at=now,
                ),
                actor=actor,
                reason=reason,
            ).save()
    except IntegrityError:
        raise RegistryError(
            f"The filename {file.filename!r} was uploaded by someone else a moment ago.",
            code="filename_reused",
        ) from None
    file.blob.save(file.filename, ContentFile(content), save=False)
    record(file, actor=actor, reason=reason).save()
    record_change(
        project=file.release.project,
        action=file_action("add", file),
        version=file.release.version,
        filename=file.filename,
        actor=actor,
        now=now,
    )


def set_dependencies(*, release, requirements: Iterable[str], actor, reason):
    """Record the `Requires-Dist` entries of `release` (done once, when its first file arrives)."""
    require_reason(reason)
    rows = []
    for text in requirements:
        try:
            requirement = Requirement(text)
        except InvalidRequirement as error:
            raise RegistryError(
                f"The dependency {text!r} does not parse: {error}.", code="invalid_requirement"
            ) from None
        rows.append(
            Dependency(
                release=release,
                name=canonicalize_name(requirement.name),
                specifier=str(requirement.specifier),
                marker=str(requirement.marker) if requirement.marker else "",
                extras=",".join(sorted(requirement.extras)),
            )
        )
    with transaction.atomic():
        if Dependency.objects.filter(release=release).exists():
            return list(release.dependencies.all())
        return bulk_create_tracked(Dependency, rows, actor=actor, reason=reason)
