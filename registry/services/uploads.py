"""Uploads: releases, their files and dependencies, and the rules a new file must pass."""

import hashlib
from collections.abc import Iterable

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

from ..history import bulk_create_tracked, record
from ..models import Dependency, File, FilenameRegistry, PackageType, Release
from ..validators import parse_version
from .errors import RegistryError
from .guards import first_message, require_reason


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
    now=None,
):
    """Store a distribution file of `release`; a filename ever used before is refused."""
    require_reason(reason)
    now = now or timezone.now()
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
    digest = hashlib.sha256(content).hexdigest()
    file = File(
        release=release,
        filename=filename,
        packagetype=packagetype,
        python_version=python_tag,
        requires_python=requires_python,
        sha256=digest,
        size=len(content),
        uploaded_at=now,
        uploaded_by=actor,
        core_metadata=core_metadata,
    )
    with transaction.atomic():
        refuse_used_filename(filename=filename)
        # Lock the release alone: removals lock the project first, then its releases.
        locked = (
            Release.objects.select_for_update(of=("self",))
            .select_related("project")
            .get(pk=release.pk)
        )
        if locked.is_removed or locked.project.is_removed:
            raise RegistryError(
                f"{locked} has been removed, so it takes no new files; a removed version is "
                "never published again. Publish a new version instead.",
                code="release_removed",
            )
        try:
            with transaction.atomic():
                record(
                    FilenameRegistry(
                        filename=filename, project_name=project.normalized_name, first_seen_at=now
                    ),
                    actor=actor,
                    reason=reason,
                ).save()
        except IntegrityError:
            raise RegistryError(
                f"The filename {filename!r} was uploaded by someone else a moment ago.",
                code="filename_reused",
            ) from None
        # Bytes first, then the row: a row never points at bytes that are not there.
        file.blob.save(filename, ContentFile(content), save=False)
        record(file, actor=actor, reason=reason).save()
    return file


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
