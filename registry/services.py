"""Every change of registry state, one function per act.

Each function takes keyword-only arguments, the acting user and a reason, and `now` for tests;
runs in one transaction; locks the rows it changes; raises `RegistryError` (a message a person can
act on) when it refuses; and writes history with the actor and the reason.
"""

import hashlib
from collections.abc import Iterable
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import timedelta

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

from . import policy
from .facts import Decider, is_registry_admin
from .history import bulk_create_tracked, bulk_update_tracked, record
from .models import (
    Dependency,
    File,
    FilenameRegistry,
    NameReservation,
    PackageType,
    Project,
    ProjectStatus,
    Release,
    RemovalCategory,
    RemovalEvent,
    RemovalScope,
    ReservationReason,
    Role,
    RoleName,
)
from .policy import Action
from .validators import parse_version, validate_project_name


class RegistryError(Exception):
    """A refused registry action. `message` says which rule applied and what to do instead."""

    def __init__(self, message, *, code="refused"):
        super().__init__(message)
        self.message = message
        self.code = code

    def __str__(self):
        return self.message


class PolicyRefusal(RegistryError):
    """The deletion policy (or the actor's role) refuses the action; `decision` says why."""

    def __init__(self, decision):
        super().__init__(decision.explanation, code=decision.rule)
        self.decision = decision


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
        existing = Project.objects.select_for_update().filter(normalized_name=normalized).first()
        if existing is not None and not existing.is_removed:
            raise RegistryError(
                f"The name {name!r} is already taken (names are compared after normalisation, "
                f"so it clashes with {existing.name!r}). Choose another name.",
                code="name_taken",
            )
        if existing is not None:
            return _register_removed_name(
                existing, name, owner=owner, actor=actor, reason=reason, now=now
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


def _register_removed_name(project, name, *, owner, actor, reason, now):
    """Give the name of a removed project (its reservation over) to a new owner.

    The project row carries the name for ever (names are unique across live and removed
    projects), so the new registration takes the row over: it comes back live and empty, its
    old releases and files stay removed, their versions and filenames stay burned, and the old
    removal can no longer be restored into it.
    """
    old_roles = list(Role.objects.select_for_update().active().filter(project=project))
    for role in old_roles:
        role.ended_at = now
    if old_roles:
        bulk_update_tracked(Role, old_roles, ["ended_at"], actor=actor, reason=reason, when=now)
    project.name = name
    project.created_at = now
    project.status = ProjectStatus.ACTIVE
    project.status_reason = ""
    project.successor = None
    project.deletion_locked = False
    project.deletion_locked_at = None
    project.deletion_locked_by = None
    project.pending_removal_at = None
    project.removed_at = None
    project.removed_by = None
    project.removal_reason = ""
    project.removal_event = None
    record(project, actor=actor, reason=reason).save()
    role = Role.objects.filter(project=project, user=owner).first() or Role(
        project=project, user=owner
    )
    role.role = RoleName.OWNER
    role.created_at = now
    role.ended_at = None
    record(role, actor=actor, reason=reason).save()
    _end_removed_project_reservation(project, actor=actor, now=now)
    return project


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


def refuse_used_filename(filename):
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
        refuse_used_filename(filename)
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


# Decisions --------------------------------------------------------------------------------------


def _locked_project(project):
    return Project.objects.select_for_update().get(pk=project.pk)


def _check(action, *, project, actor, now, release=None, file=None, decider=None):
    """Return the policy's Decision, or raise PolicyRefusal when it refuses."""
    decider = decider or Decider(project, actor, now=now)
    decision = decider.decide(action, release=release, file=file)
    if not decision.allowed:
        raise PolicyRefusal(decision)
    return decision


def _require_admin(actor, what):
    if not is_registry_admin(actor):
        raise RegistryError(
            f"Only registry admins can {what}. Support staff can recommend it on the request; "
            "maintainers can file a deletion exception request.",
            code="admin_only",
        )


# Project status ---------------------------------------------------------------------------------


@contextmanager
def _acting_on(project, action, *, actor, now):
    """Run one act on `project` atomically: row locked, policy consulted, not removed."""
    with transaction.atomic():
        project = _locked_project(project)
        _check(action, project=project, actor=actor, now=now)
        _refuse_if_removed(project)
        yield project


def _refuse_if_removed(project):
    if project.is_removed:
        raise RegistryError(
            f"{project.name} has been removed, so its status and settings cannot change. A "
            "registry admin can restore it first.",
            code="removed",
        )


def _set_status(project, *, status, status_reason, actor, reason, successor=None):
    project.status = status
    project.status_reason = status_reason
    project.successor = successor
    record(project, actor=actor, reason=reason).save(
        update_fields=["status", "status_reason", "successor"]
    )
    return project


def archive_project(*, project, actor, reason, now=None):
    """Archive `project`: its files stay installable, new uploads are refused."""
    _require_reason(reason)
    now = now or timezone.now()
    with _acting_on(project, Action.ARCHIVE, actor=actor, now=now) as project:
        if project.status == ProjectStatus.ARCHIVED:
            raise RegistryError(f"{project.name} is already archived.", code="already_archived")
        return _set_status(
            project, status=ProjectStatus.ARCHIVED, status_reason=reason, actor=actor, reason=reason
        )


def unarchive_project(*, project, actor, reason, now=None):
    """Make an archived project active again."""
    _require_reason(reason)
    now = now or timezone.now()
    with _acting_on(project, Action.UNARCHIVE, actor=actor, now=now) as project:
        if project.status != ProjectStatus.ARCHIVED:
            raise RegistryError(f"{project.name} is not archived.", code="not_archived")
        return _set_status(
            project, status=ProjectStatus.ACTIVE, status_reason="", actor=actor, reason=reason
        )


def deprecate_project(*, project, message, actor, reason, successor=None, now=None):
    """Mark `project` deprecated with a message for its users and an optional successor."""
    _require_reason(reason)
    now = now or timezone.now()
    if not message or not message.strip():
        raise RegistryError(
            "Say what users should know: the deprecation message is shown to installers.",
            code="no_message",
        )
    if successor is not None and successor.pk == project.pk:
        raise RegistryError(
            "A project cannot be its own successor; name the project users should move to, "
            "or none.",
            code="bad_successor",
        )
    with _acting_on(project, Action.DEPRECATE, actor=actor, now=now) as project:
        # Read the successor again inside the transaction: it may have been removed meanwhile.
        if successor is not None and Project.objects.get(pk=successor.pk).is_removed:
            raise RegistryError(
                f"{successor.name} has been removed, so it cannot be the successor; name a "
                "live project, or none.",
                code="bad_successor",
            )
        return _set_status(
            project,
            status=ProjectStatus.DEPRECATED,
            status_reason=message.strip(),
            successor=successor,
            actor=actor,
            reason=reason,
        )


def undeprecate_project(*, project, actor, reason, now=None):
    """Withdraw the deprecation of `project`."""
    _require_reason(reason)
    now = now or timezone.now()
    with _acting_on(project, Action.UNDEPRECATE, actor=actor, now=now) as project:
        if project.status != ProjectStatus.DEPRECATED:
            raise RegistryError(f"{project.name} is not deprecated.", code="not_deprecated")
        return _set_status(
            project, status=ProjectStatus.ACTIVE, status_reason="", actor=actor, reason=reason
        )


def quarantine_project(*, project, actor, reason, now=None):
    """Quarantine `project` (registry admins): installers see it with no files."""
    _require_reason(reason)
    _require_admin(actor, "quarantine a project")
    with transaction.atomic():
        project = _locked_project(project)
        _refuse_if_removed(project)
        if project.status == ProjectStatus.QUARANTINED:
            raise RegistryError(f"{project.name} is already quarantined.", code="quarantined")
        return _set_status(
            project,
            status=ProjectStatus.QUARANTINED,
            status_reason=reason,
            actor=actor,
            reason=reason,
        )


def release_quarantine(*, project, actor, reason, now=None):
    """Lift the quarantine of `project` (registry admins): it becomes active again."""
    _require_reason(reason)
    _require_admin(actor, "lift a quarantine")
    with transaction.atomic():
        project = _locked_project(project)
        _refuse_if_removed(project)
        if project.status != ProjectStatus.QUARANTINED:
            raise RegistryError(f"{project.name} is not quarantined.", code="not_quarantined")
        return _set_status(
            project, status=ProjectStatus.ACTIVE, status_reason="", actor=actor, reason=reason
        )


# Yanks and the deletion lock ---------------------------------------------------------------------


def _locked_release(release):
    return Release.objects.select_for_update().select_related("project").get(pk=release.pk)


def yank_release(*, release, actor, reason, now=None):
    """Yank `release` (PEP 592): installers skip it unless it is pinned exactly."""
    _require_reason(reason)
    now = now or timezone.now()
    with transaction.atomic():
        _locked_project(release.project)
        release = _locked_release(release)
        _check(Action.YANK, project=release.project, actor=actor, now=now, release=release)
        if release.is_removed:
            raise RegistryError(f"{release} has been removed.", code="removed")
        if release.yanked:
            raise RegistryError(
                f"{release} is already yanked ({release.yanked_reason or 'no reason given'}). "
                "To change the reason, unyank it and yank it again.",
                code="already_yanked",
            )
        release.yanked = True
        release.yanked_reason = reason
        release.yanked_at = now
        release.yanked_by = actor
        record(release, actor=actor, reason=reason).save(
            update_fields=["yanked", "yanked_reason", "yanked_at", "yanked_by"]
        )
    return release


def unyank_release(*, release, actor, reason, now=None):
    """Make a yanked release installable again."""
    _require_reason(reason)
    now = now or timezone.now()
    with transaction.atomic():
        _locked_project(release.project)
        release = _locked_release(release)
        _check(Action.UNYANK, project=release.project, actor=actor, now=now, release=release)
        if not release.yanked:
            raise RegistryError(f"{release} is not yanked.", code="not_yanked")
        release.yanked = False
        release.yanked_reason = ""
        release.yanked_at = None
        release.yanked_by = None
        record(release, actor=actor, reason=reason).save(
            update_fields=["yanked", "yanked_reason", "yanked_at", "yanked_by"]
        )
    return release


def lock_deletions(*, project, actor, reason, now=None):
    """Turn on the one-way deletion lock: owners can no longer delete releases or files."""
    _require_reason(reason)
    now = now or timezone.now()
    with _acting_on(project, Action.LOCK_DELETIONS, actor=actor, now=now) as project:
        if project.deletion_locked:
            raise RegistryError(f"Deletions of {project.name} are already locked.", code="locked")
        project.deletion_locked = True
        project.deletion_locked_at = now
        project.deletion_locked_by = actor
        record(project, actor=actor, reason=reason).save(
            update_fields=["deletion_locked", "deletion_locked_at", "deletion_locked_by"]
        )
    return project


def unlock_deletions(*, project, actor, reason, now=None):
    """Lift the deletion lock (registry admins only)."""
    _require_reason(reason)
    now = now or timezone.now()
    with _acting_on(project, Action.UNLOCK_DELETIONS, actor=actor, now=now) as project:
        if not project.deletion_locked:
            raise RegistryError(f"Deletions of {project.name} are not locked.", code="not_locked")
        project.deletion_locked = False
        project.deletion_locked_at = None
        project.deletion_locked_by = None
        record(project, actor=actor, reason=reason).save(
            update_fields=["deletion_locked", "deletion_locked_at", "deletion_locked_by"]
        )
    return project


# Pending removal (the staged-removal workflow) -------------------------------------------------


def mark_pending_removal(*, project, release=None, actor, reason, now=None):
    """Hide `project` (or one `release`) from /simple/; serve it only at /pending/simple/.

    Called by the staged-removal workflow when a case enters its pending stage, which is
    where the decision to remove was taken; the registry only records the state, so the
    actor may be None when the scheduler moves the case. Uploads are refused from now on.
    """
    _require_reason(reason)
    now = now or timezone.now()
    with transaction.atomic():
        project = _locked_project(project)
        _refuse_if_removed(project)
        target = project if release is None else _locked_release(release)
        if target.is_removed:
            raise RegistryError(f"{target} has been removed.", code="removed")
        if target.pending_removal_at is not None:
            return target
        target.pending_removal_at = now
        record(target, actor=actor, reason=reason).save(update_fields=["pending_removal_at"])
    return target


def mark_pending_removal_many(*, projects=(), releases=(), actor, reason, now):
    """`mark_pending_removal` for a scheduler batch, in a fixed number of queries.

    Rows already pending keep their date; removed rows are skipped (the caller re-reads
    what happened from the returned lists of rows actually marked).
    """
    _require_reason(reason)
    marked = {}
    with transaction.atomic():
        for model, objs in ((Project, projects), (Release, releases)):
            rows = list(
                model.objects.select_for_update()
                .filter(
                    pk__in=[obj.pk for obj in objs],
                    pending_removal_at__isnull=True,
                    removed_at__isnull=True,
                )
                .order_by("pk")
            )
            for row in rows:
                row.pending_removal_at = now
            if rows:
                bulk_update_tracked(
                    model, rows, ["pending_removal_at"], actor=actor, reason=reason, when=now
                )
            marked[model] = rows
    return marked[Project], marked[Release]


def clear_pending_removal(*, project, release=None, actor, reason, now=None):
    """Put a project (or release) pending removal back on /simple/ (cancelled or kept)."""
    _require_reason(reason)
    with transaction.atomic():
        project = _locked_project(project)
        target = project if release is None else _locked_release(release)
        if target.pending_removal_at is None:
            return target
        target.pending_removal_at = None
        record(target, actor=actor, reason=reason).save(update_fields=["pending_removal_at"])
    return target


# Owners and maintainers ---------------------------------------------------------------------------


def add_role(*, project, user, role, actor, reason, now=None):
    """Give `user` a role on `project` (or change it); owners and registry admins only."""
    _require_reason(reason)
    now = now or timezone.now()
    if role not in RoleName.values:
        raise RegistryError(f"Unknown role {role!r}.", code="invalid_role")
    with transaction.atomic():
        project = _locked_project(project)
        # The first owner comes with create_project(); every later role needs the policy's
        # consent, even on a project that has no role rows at all.
        _check(Action.MANAGE_ROLES, project=project, actor=actor, now=now)
        existing = Role.objects.select_for_update().filter(project=project, user=user).first()
        if existing is None:
            new_role = Role(project=project, user=user, role=role, created_at=now)
            record(new_role, actor=actor, reason=reason).save()
            return new_role
        if existing.role == role and existing.ended_at is None:
            return existing
        if existing.role == RoleName.OWNER and role != RoleName.OWNER:
            _refuse_last_owner(project, existing)
        existing.role = role
        existing.ended_at = None
        record(existing, actor=actor, reason=reason).save(update_fields=["role", "ended_at"])
        return existing


def _refuse_last_owner(project, role):
    others = Role.objects.active().filter(project=project, role=RoleName.OWNER).exclude(pk=role.pk)
    if not others.exists():
        raise RegistryError(
            f"{role.user} is the last owner of {project.name}, and a project always needs an "
            "owner. Add another owner first (hand the project over), then this owner can leave.",
            code="last_owner",
        )


def remove_role(*, project, user, actor, reason, now=None):
    """End `user`'s role on `project`; the last owner cannot leave without a successor."""
    _require_reason(reason)
    now = now or timezone.now()
    with transaction.atomic():
        project = _locked_project(project)
        role = Role.objects.select_for_update().active().filter(project=project, user=user).first()
        if role is None:
            raise RegistryError(f"{user} has no role on {project.name}.", code="no_role")
        leaving_maintainer = actor == user and role.role == RoleName.MAINTAINER
        if not leaving_maintainer:
            _check(Action.MANAGE_ROLES, project=project, actor=actor, now=now)
        if role.role == RoleName.OWNER:
            _refuse_last_owner(project, role)
        role.ended_at = now
        record(role, actor=actor, reason=reason).save(update_fields=["ended_at"])
    return role


# Removal, restore, purge --------------------------------------------------------------------------


def _category_for(decision, category):
    """Maintainers' removals are their own requests; admins say which kind of removal it is."""
    if decision.rule.startswith("admin"):
        if category is None:
            raise RegistryError(
                "Say which kind of removal this is (legal, security, abuse, ...): registry "
                "admins' removals are recorded with a category.",
                code="no_category",
            )
        if category not in RemovalCategory.values:
            raise RegistryError(
                f"Unknown removal category {category!r}; choose one of: "
                f"{', '.join(RemovalCategory.values)}.",
                code="invalid_category",
            )
        return category
    return RemovalCategory.OWNER_REQUEST


def _new_event(*, project, scope, decision, category, actor, reason, now, summary):
    event = RemovalEvent(
        created_at=now,
        actor=actor,
        actor_username=actor.get_username() if actor else "",
        project=project,
        scope=scope,
        category=_category_for(decision, category),
        reason=reason,
        policy_rule=decision.rule,
        is_override=decision.override,
        summary=summary,
    )
    record(event, actor=actor, reason=reason).save()
    return event


def _mark_removed(model, objs, *, event, actor, reason, now):
    for obj in objs:
        obj.removed_at = now
        obj.removed_by = actor
        obj.removal_reason = reason
        obj.removal_event = event
    if objs:
        bulk_update_tracked(
            model,
            objs,
            ["removed_at", "removed_by", "removal_reason", "removal_event"],
            actor=actor,
            reason=reason,
            when=now,
        )


def _live_files(**filters):
    return list(
        File.objects.select_for_update().filter(removed_at__isnull=True, **filters).order_by("pk")
    )


def remove_files(*, files, actor, reason, category=None, now=None):
    """Remove some files of one project (soft: restorable through the RemovalEvent)."""
    _require_reason(reason)
    now = now or timezone.now()
    file_ids = [file.pk for file in files]
    if not file_ids:
        raise RegistryError("Choose at least one file to remove.", code="nothing_chosen")
    with transaction.atomic():
        project_ids = set(
            Release.objects.filter(files__pk__in=file_ids).values_list("project_id", flat=True)
        )
        if len(project_ids) != 1:
            raise RegistryError("Remove files of one project at a time.", code="several_projects")
        project = _locked_project(Project(pk=project_ids.pop()))
        locked = list(
            File.objects.select_for_update().filter(pk__in=file_ids).select_related("release")
        )
        already = [file.filename for file in locked if file.is_removed]
        if already:
            raise RegistryError(
                f"Already removed: {', '.join(sorted(already))}.", code="already_removed"
            )
        decider = Decider(project, actor, now=now)
        decisions = [decider.decide(Action.DELETE_FILE, file=file) for file in locked]
        refused = next((decision for decision in decisions if not decision.allowed), None)
        if refused is not None:
            raise PolicyRefusal(refused)
        decision = next((d for d in decisions if d.override), decisions[0])
        event = _new_event(
            project=project,
            scope=RemovalScope.FILES,
            decision=decision,
            category=category,
            actor=actor,
            reason=reason,
            now=now,
            summary={"project": project.name, "files": sorted(f.filename for f in locked)},
        )
        _mark_removed(File, locked, event=event, actor=actor, reason=reason, now=now)
    return event


def remove_release(*, release, actor, reason, category=None, now=None):
    """Remove a release and its live files as one restorable RemovalEvent."""
    _require_reason(reason)
    now = now or timezone.now()
    with transaction.atomic():
        project = _locked_project(release.project)
        release = _locked_release(release)
        if release.is_removed:
            raise RegistryError(f"{release} has already been removed.", code="already_removed")
        decision = _check(
            Action.DELETE_RELEASE, project=project, actor=actor, now=now, release=release
        )
        files = _live_files(release=release)
        event = _new_event(
            project=project,
            scope=RemovalScope.RELEASE,
            decision=decision,
            category=category,
            actor=actor,
            reason=reason,
            now=now,
            summary={
                "project": project.name,
                "releases": [release.version],
                "files": [file.filename for file in files],
            },
        )
        _mark_removed(Release, [release], event=event, actor=actor, reason=reason, now=now)
        _mark_removed(File, files, event=event, actor=actor, reason=reason, now=now)
    return event


def remove_project(*, project, actor, reason, category=None, now=None):
    """Remove a project with its live releases and files, and reserve its name per policy."""
    _require_reason(reason)
    now = now or timezone.now()
    with transaction.atomic():
        project = _locked_project(project)
        if project.is_removed:
            raise RegistryError(f"{project.name} has already been removed.", code="already_removed")
        decider = Decider(project, actor, now=now)
        decision = _check(
            Action.DELETE_PROJECT, project=project, actor=actor, now=now, decider=decider
        )
        releases = list(
            Release.objects.select_for_update().filter(project=project, removed_at__isnull=True)
        )
        files = _live_files(release__project=project)
        event = _new_event(
            project=project,
            scope=RemovalScope.PROJECT,
            decision=decision,
            category=category,
            actor=actor,
            reason=reason,
            now=now,
            summary={
                "project": project.name,
                "releases": [release.version for release in releases],
                "files": [file.filename for file in files],
            },
        )
        _mark_removed(Project, [project], event=event, actor=actor, reason=reason, now=now)
        _mark_removed(Release, releases, event=event, actor=actor, reason=reason, now=now)
        _mark_removed(File, files, event=event, actor=actor, reason=reason, now=now)
        rule = policy.reservation_for_removed_project(
            project=decider.facts, now=now, config=decider.config
        )
        _reserve_removed_name(project, rule, actor=actor, now=now)
    return event


def _reserve_removed_name(project, rule, *, actor, now):
    if rule.others_blocked_for is not None and rule.others_blocked_for <= timedelta(0):
        return None
    until = None if rule.others_blocked_for is None else now + rule.others_blocked_for
    reservation = (
        NameReservation.objects.select_for_update()
        .filter(normalized_name=project.normalized_name)
        .first()
    )
    if reservation is None:
        reservation = NameReservation(normalized_name=project.normalized_name, created_at=now)
    elif (
        not reservation.is_in_force(now) or reservation.reason == ReservationReason.REMOVED_PROJECT
    ):
        reservation.created_at = now
    else:
        return reservation  # a stronger reservation (prohibited, legal) already holds the name
    reservation.reason = ReservationReason.REMOVED_PROJECT
    reservation.until = until
    reservation.expired_at = None
    reservation.project = project
    reservation.created_by = actor
    reservation.comment = rule.explanation
    record(reservation, actor=actor, reason=f"{project.name} was removed").save()
    owners = (
        Role.objects.active()
        .filter(project=project, role=RoleName.OWNER)
        .values_list("user", flat=True)
    )
    reservation.allowed_users.set(list(owners) if rule.previous_owners_may_register else [])
    return reservation


def record_lapsed_reservations(*, actor, now, limit=1000):
    """Record the expiry of reservations whose time is over (the scheduler); return them."""
    with transaction.atomic():
        lapsed = list(
            NameReservation.objects.select_for_update(skip_locked=True)
            .lapsed(now)
            .order_by("pk")[:limit]
        )
        for reservation in lapsed:
            reservation.expired_at = now
        if lapsed:
            bulk_update_tracked(
                NameReservation,
                lapsed,
                ["expired_at"],
                actor=actor,
                reason="The reservation period is over: the name is free",
                when=now,
            )
    return lapsed


def expire_reservation(*, reservation, actor, reason, now=None):
    """End a name reservation now (registry admins): anyone may register the name."""
    _require_reason(reason)
    _require_admin(actor, "lift a name reservation")
    now = now or timezone.now()
    with transaction.atomic():
        reservation = NameReservation.objects.select_for_update().get(pk=reservation.pk)
        if not reservation.is_in_force(now):
            raise RegistryError(
                f"The reservation of {reservation.normalized_name} has already ended.",
                code="not_in_force",
            )
        reservation.until = now
        record(reservation, actor=actor, reason=reason).save(update_fields=["until"])
    return reservation


def allow_reserved_name(*, reservation, user, actor, reason):
    """Let `user` register a reserved name (registry admins), e.g. a new maintainer."""
    _require_reason(reason)
    _require_admin(actor, "release a reserved name to someone")
    with transaction.atomic():
        reservation = NameReservation.objects.select_for_update().get(pk=reservation.pk)
        if reservation.allowed_users.filter(pk=user.pk).exists():
            return reservation
        # Changing the M2M writes the history row, with the actor and reason set here.
        record(reservation, actor=actor, reason=reason).allowed_users.add(user)
    return reservation


@dataclass(frozen=True)
class RestoreResult:
    event: RemovalEvent
    projects: int
    releases: int
    files: int
    purged_files_left_removed: tuple[str, ...]


def restore_removal(*, event, actor, reason, now=None):
    """Undo one RemovalEvent, whatever it contained (registry admins), in a fixed number of
    queries. Purged files stay removed: their bytes are gone."""
    _require_reason(reason)
    _require_admin(actor, "restore removed objects")
    now = now or timezone.now()
    with transaction.atomic():
        project = Project.objects.select_for_update().get(pk=event.project_id)
        event = RemovalEvent.objects.select_for_update().get(pk=event.pk)
        if event.is_restored:
            raise RegistryError(
                f"This removal was already restored on {event.restored_at:%Y-%m-%d %H:%M} UTC "
                f"by {event.restored_by or 'someone'}.",
                code="already_restored",
            )
        if project.created_at > event.created_at:
            raise RegistryError(
                f"The name {project.name} was registered again after this removal, so what it "
                "took away cannot be put back into the new project. Restore is not possible.",
                code="name_reused",
            )
        if project.is_removed and project.removal_event_id != event.pk:
            raise RegistryError(
                f"{project.name} itself was removed later (another removal event); restore "
                "that removal first.",
                code="project_removed",
            )
        # Files put back under a release that is still removed would be live yet unreachable.
        removed_later = list(
            Release.objects.filter(files__removal_event=event, removed_at__isnull=False)
            .exclude(removal_event=event)
            .order_by("version")
            .values_list("version", flat=True)
            .distinct()
        )
        if removed_later:
            raise RegistryError(
                f"The release {', '.join(removed_later)} of {project.name} that these files "
                "belong to was removed later (another removal event); restore that removal "
                "first.",
                code="release_removed",
            )
        projects = [project] if project.removal_event_id == event.pk else []
        releases = list(Release.objects.select_for_update().filter(removal_event=event))
        files = list(File.objects.select_for_update().filter(removal_event=event))
        purged = tuple(sorted(file.filename for file in files if file.is_purged))
        files = [file for file in files if not file.is_purged]
        for model, objs in ((Project, projects), (Release, releases), (File, files)):
            _mark_restored(model, objs, actor=actor, reason=reason, now=now)
        if projects:
            _end_removed_project_reservation(project, actor=actor, now=now)
        event.restored_at = now
        event.restored_by = actor
        event.restore_reason = reason
        record(event, actor=actor, reason=reason).save(
            update_fields=["restored_at", "restored_by", "restore_reason"]
        )
    return RestoreResult(event, len(projects), len(releases), len(files), purged)


def _mark_restored(model, objs, *, actor, reason, now):
    for obj in objs:
        obj.removed_at = None
        obj.removed_by = None
        obj.removal_reason = ""
        obj.removal_event = None
    if objs:
        bulk_update_tracked(
            model,
            objs,
            ["removed_at", "removed_by", "removal_reason", "removal_event"],
            actor=actor,
            reason=reason,
            when=now,
        )


def _end_removed_project_reservation(project, *, actor, now):
    reservation = (
        NameReservation.objects.select_for_update()
        .filter(normalized_name=project.normalized_name, reason=ReservationReason.REMOVED_PROJECT)
        .first()
    )
    if reservation is not None and reservation.is_in_force(now):
        reservation.until = now
        record(reservation, actor=actor, reason=f"{project.name} was restored").save(
            update_fields=["until"]
        )


PURGE_CATEGORIES = (RemovalCategory.LEGAL, RemovalCategory.SECURITY)


def purge_files(*, files, actor, reason, category, now=None):
    """Destroy the bytes of `files` (registry admins; legal or security reasons only).

    Live files are removed first, in one RemovalEvent. The rows stay as tombstones with their
    SHA-256 and their filenames stay burned; a purged file can never be restored. The bytes are
    deleted from storage once the transaction has committed.
    """
    _require_reason(reason)
    _require_admin(actor, "purge files")
    if category not in PURGE_CATEGORIES:
        raise RegistryError(
            "Files can be purged only for a legal or security reason; otherwise remove them "
            "(removal keeps the bytes and can be undone).",
            code="purge_category",
        )
    now = now or timezone.now()
    file_ids = [file.pk for file in files]
    if not file_ids:
        raise RegistryError("Choose at least one file to purge.", code="nothing_chosen")
    with transaction.atomic():
        live = [file for file in File.objects.filter(pk__in=file_ids) if not file.is_removed]
        if live:
            remove_files(files=live, actor=actor, reason=reason, category=category, now=now)
        locked = list(
            File.objects.select_for_update().filter(pk__in=file_ids, purged_at__isnull=True)
        )
        blob_names = [file.blob.name for file in locked if file.blob]
        for file in locked:
            file.purged_at = now
            file.purged_by = actor
            file.purge_reason = f"{RemovalCategory(category).label}: {reason}"
            file.blob = ""
        if locked:
            bulk_update_tracked(
                File,
                locked,
                ["purged_at", "purged_by", "purge_reason", "blob"],
                actor=actor,
                reason=reason,
                when=now,
            )
        storage = File._meta.get_field("blob").storage
        transaction.on_commit(lambda: [storage.delete(name) for name in blob_names])
    return locked
