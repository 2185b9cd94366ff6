"""Every change of registry state, one function per act.

Each function takes keyword-only arguments, the acting user and a reason, and `now` for tests;
runs in one transaction; locks the rows it changes; raises `RegistryError` (a message a person can
act on) when it refuses; and writes history with the actor and the reason.
"""

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

from .history import bulk_create_tracked, record
from .models import (
    Dependency,
    File,
    FilenameRegistry,
    NameReservation,
    PackageType,
    Project,
    ProjectStatus,
    Release,
    Role,
    RoleName,
)
from .validators import parse_version, validate_project_name


class RegistryError(Exception):
    """A refused registry action. `message` says which rule applied and what to do instead."""

    def __init__(self, message, *, code="refused"):
        super().__init__(message)
        self.message = message
        self.code = code

    def __str__(self):
        return self.message


def _require_reason(reason):
    if not reason or not reason.strip():
        raise RegistryError("Give a reason: it is recorded in the history.", code="no_reason")


def _first_message(error: ValidationError):
    return error.messages[0] if error.messages else str(error)


# Projects and roles -----------------------------------------------------------------------------


def reservation_blocking(normalized_name, *, user, now):
    """Return the reservation that stops `user` registering the name now, or None."""
    reservation = (
        NameReservation.objects.in_force(now).filter(normalized_name=normalized_name).first()
    )
    if reservation is None:
        return None
    if user is not None and reservation.allowed_users.filter(pk=user.pk).exists():
        return None
    return reservation


def create_project(*, name, owner, actor, reason, now=None):
    """Register a new project with `owner` as its first owner."""
    now = now or timezone.now()
    _require_reason(reason)
    try:
        validate_project_name(name)
    except ValidationError as error:
        raise RegistryError(_first_message(error), code="invalid_name") from None
    normalized = canonicalize_name(name)
    reservation = reservation_blocking(normalized, user=owner, now=now)
    if reservation is not None:
        until = (
            f"until {reservation.until:%Y-%m-%d %H:%M} UTC" if reservation.until else "permanently"
        )
        raise RegistryError(
            f"The name {name!r} is reserved {until} "
            f"({reservation.get_reason_display().lower()}). Choose another name, or ask the "
            "registry admins if you believe you should have it.",
            code="name_reserved",
        )
    with transaction.atomic():
        if Project.objects.filter(normalized_name=normalized).exists():
            raise RegistryError(
                f"The name {name!r} is already taken (names are compared after normalisation, "
                f"so it clashes with {normalized!r}). Choose another name.",
                code="name_taken",
            )
        project = record(Project(name=name, created_at=now), actor=actor, reason=reason)
        try:
            with transaction.atomic():
                project.save()
        except IntegrityError:
            raise RegistryError(
                f"The name {name!r} was registered by someone else a moment ago. "
                "Choose another name.",
                code="name_taken",
            ) from None
        record(
            Role(user=owner, project=project, role=RoleName.OWNER, created_at=now),
            actor=actor,
            reason=reason,
        ).save()
    return project


def add_role(*, project, user, role, actor, reason, now=None):
    """Give `user` a role on `project`, or change the role they have."""
    _require_reason(reason)
    if role not in RoleName.values:
        raise RegistryError(f"Unknown role {role!r}.", code="invalid_role")
    with transaction.atomic():
        existing = Role.objects.select_for_update().filter(project=project, user=user).first()
        if existing is not None:
            if existing.role != role:
                existing.role = role
                record(existing, actor=actor, reason=reason).save(update_fields=["role"])
            return existing
        new_role = Role(project=project, user=user, role=role, created_at=now or timezone.now())
        record(new_role, actor=actor, reason=reason).save()
        return new_role


# Releases, files and dependencies ---------------------------------------------------------------


def create_release(*, project, version, actor, reason, now=None):
    """Create a release of `project`, refusing a version that was ever published before."""
    _require_reason(reason)
    try:
        parsed = parse_version(version)
    except ValidationError as error:
        raise RegistryError(_first_message(error), code="invalid_version") from None
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
    _require_reason(reason)
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
        if FilenameRegistry.objects.filter(filename=filename).exists():
            raise RegistryError(
                f"The filename {filename!r} has been used before, possibly by a file that was "
                "later removed; a filename can never be reused. Publish a new version (or a "
                "post-release, such as 1.0.post1) instead.",
                code="filename_reused",
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
    _require_reason(reason)
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


# Project status ---------------------------------------------------------------------------------


def _locked_project(project):
    return Project.objects.select_for_update().get(pk=project.pk)


def _refuse_if_quarantined(project, action):
    if project.status == ProjectStatus.QUARANTINED:
        raise RegistryError(
            f"{project.name} is quarantined by the registry admins, so it cannot be {action} "
            "now. Contact the registry admins about the quarantine.",
            code="quarantined",
        )


def _set_status(project, *, status, status_reason, actor, reason, successor=None):
    project.status = status
    project.status_reason = status_reason
    project.successor = successor
    record(project, actor=actor, reason=reason).save(
        update_fields=["status", "status_reason", "successor"]
    )
    return project


def archive_project(*, project, actor, reason):
    """Archive `project`: its files stay installable, new uploads are refused."""
    _require_reason(reason)
    with transaction.atomic():
        project = _locked_project(project)
        _refuse_if_quarantined(project, "archived")
        return _set_status(
            project, status=ProjectStatus.ARCHIVED, status_reason=reason, actor=actor, reason=reason
        )


def unarchive_project(*, project, actor, reason):
    """Make an archived project active again."""
    _require_reason(reason)
    with transaction.atomic():
        project = _locked_project(project)
        _refuse_if_quarantined(project, "unarchived")
        if project.status != ProjectStatus.ARCHIVED:
            raise RegistryError(f"{project.name} is not archived.", code="not_archived")
        return _set_status(
            project, status=ProjectStatus.ACTIVE, status_reason="", actor=actor, reason=reason
        )


def deprecate_project(*, project, message, actor, reason, successor=None):
    """Mark `project` deprecated with a message for its users and an optional successor."""
    _require_reason(reason)
    if not message or not message.strip():
        raise RegistryError(
            "Say what users should know: the deprecation message is shown to installers.",
            code="no_message",
        )
    if successor is not None and successor.pk == project.pk:
        raise RegistryError("A project cannot be its own successor.", code="bad_successor")
    with transaction.atomic():
        project = _locked_project(project)
        _refuse_if_quarantined(project, "deprecated")
        return _set_status(
            project,
            status=ProjectStatus.DEPRECATED,
            status_reason=message.strip(),
            successor=successor,
            actor=actor,
            reason=reason,
        )


def quarantine_project(*, project, actor, reason):
    """Quarantine `project` (registry admins): installers see it with no files."""
    _require_reason(reason)
    with transaction.atomic():
        project = _locked_project(project)
        return _set_status(
            project,
            status=ProjectStatus.QUARANTINED,
            status_reason=reason,
            actor=actor,
            reason=reason,
        )


def yank_release(*, release, actor, reason, now=None):
    """Yank `release` (PEP 592): installers skip it unless it is pinned exactly."""
    _require_reason(reason)
    with transaction.atomic():
        release = Release.objects.select_for_update().select_related("project").get(pk=release.pk)
        _refuse_if_quarantined(release.project, "changed")
        release.yanked = True
        release.yanked_reason = reason
        release.yanked_at = now or timezone.now()
        release.yanked_by = actor
        record(release, actor=actor, reason=reason).save(
            update_fields=["yanked", "yanked_reason", "yanked_at", "yanked_by"]
        )
    return release
