"""Projects: registration, status (archive, deprecate, quarantine), yanks, the deletion lock,
and who holds a role."""

from contextlib import contextmanager

from django.db import IntegrityError, transaction
from django.utils import timezone

from ..extensions import new_project_listeners
from ..facts import Decider
from ..history import bulk_update_tracked, record
from ..models import Project, ProjectStatus, Release, Role, RoleName
from ..policy import Action
from .changes import entry, record_change, record_changes
from .errors import RegistryError
from .guards import (
    check_policy,
    locked_project,
    locked_release,
    refuse_if_removed,
    require_admin,
    require_reason,
)
from .names import check_name, end_removed_project_reservation


def create_project(*, name, owner, actor, reason, now=None):
    """Register a new project with `owner` as its first owner.

    Refuse, as `check_name` says, an invalid name, a name reserved for others, a live project's
    name, or a name confusable with another project's or a reserved one. Once the transaction
    commits, tell every new-project listener (`registry.extensions`) when the name may be a
    typosquat of a popular project; the registration stands whatever they do.
    """
    now = now or timezone.now()
    require_reason(reason)
    with transaction.atomic():
        check = check_name(name, user=owner, now=now)
        refuse_unavailable(check)
        existing = (
            Project.objects.select_for_update().filter(normalized_name=check.normalized).first()
        )
        if existing is not None and not existing.is_removed:  # registered a moment ago
            raise RegistryError(
                f"The name {name!r} was registered by someone else a moment ago. "
                "Choose another name.",
                code="name_taken",
            )
        if existing is not None and existing.is_removed:
            project = _register_removed_name(
                project=existing, name=name, owner=owner, actor=actor, reason=reason, now=now
            )
            _tell_listeners(project=project, check=check, actor=owner, now=now)
            return project
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
        record_change(project=project, action="create", actor=actor, now=now)
        _tell_listeners(project=project, check=check, actor=owner, now=now)
    return project


def refuse_unavailable(check):
    """Raise the RegistryError of a NameCheck that says the name is not available."""
    if not check.available:
        raise RegistryError(check.message, code=check.code)


def _tell_listeners(*, project, check, actor, now):
    """After the commit, tell the new-project listeners of a possible typosquat."""
    if not check.similar_to:
        return
    similar_to = list(check.similar_to)

    def tell():
        for listener in new_project_listeners():
            listener(project=project, similar_to=similar_to, actor=actor, now=now)

    transaction.on_commit(tell)


def _register_removed_name(*, project, name, owner, actor, reason, now):
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
    end_removed_project_reservation(project=project, actor=actor, now=now)
    record_change(project=project, action="create", actor=actor, now=now)
    return project


# Project status ----------------------------------------------------------------------------------


@contextmanager
def _acting_on(*, project, action, actor, now):
    """Run one act on `project` atomically: row locked, policy consulted, not removed."""
    with transaction.atomic():
        project = locked_project(project)
        check_policy(action, project=project, actor=actor, now=now)
        refuse_if_removed(project)
        yield project


def _set_status(*, project, status, status_reason, actor, reason, successor=None, now=None):
    project.status = status
    project.status_reason = status_reason
    project.successor = successor
    record(project, actor=actor, reason=reason).save(
        update_fields=["status", "status_reason", "successor"]
    )
    record_change(
        project=project, action=f"set status {status}", actor=actor, now=now or timezone.now()
    )
    return project


def archive_project(*, project, actor, reason, now=None):
    """Archive `project`: its files stay installable, new uploads are refused."""
    require_reason(reason)
    now = now or timezone.now()
    with _acting_on(project=project, action=Action.ARCHIVE, actor=actor, now=now) as project:
        if project.status == ProjectStatus.ARCHIVED:
            raise RegistryError(f"{project.name} is already archived.", code="already_archived")
        return _set_status(
            project=project,
            status=ProjectStatus.ARCHIVED,
            status_reason=reason,
            actor=actor,
            reason=reason,
            now=now,
        )


def unarchive_project(*, project, actor, reason, now=None):
    """Make an archived project active again."""
    require_reason(reason)
    now = now or timezone.now()
    with _acting_on(project=project, action=Action.UNARCHIVE, actor=actor, now=now) as project:
        if project.status != ProjectStatus.ARCHIVED:
            raise RegistryError(f"{project.name} is not archived.", code="not_archived")
        return _set_status(
            project=project,
            status=ProjectStatus.ACTIVE,
            status_reason="",
            actor=actor,
            reason=reason,
            now=now,
        )


def deprecate_project(*, project, message, actor, reason, successor=None, now=None):
    """Mark `project` deprecated with a message for its users and an optional successor."""
    require_reason(reason)
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
    with _acting_on(project=project, action=Action.DEPRECATE, actor=actor, now=now) as project:
        # Read the successor again inside the transaction: it may have been removed meanwhile.
        if successor is not None and Project.objects.get(pk=successor.pk).is_removed:
            raise RegistryError(
                f"{successor.name} has been removed, so it cannot be the successor; name a "
                "live project, or none.",
                code="bad_successor",
            )
        return _set_status(
            project=project,
            status=ProjectStatus.DEPRECATED,
            status_reason=message.strip(),
            successor=successor,
            actor=actor,
            reason=reason,
            now=now,
        )


def undeprecate_project(*, project, actor, reason, now=None):
    """Withdraw the deprecation of `project`."""
    require_reason(reason)
    now = now or timezone.now()
    with _acting_on(project=project, action=Action.UNDEPRECATE, actor=actor, now=now) as project:
        if project.status != ProjectStatus.DEPRECATED:
            raise RegistryError(f"{project.name} is not deprecated.", code="not_deprecated")
        return _set_status(
            project=project,
            status=ProjectStatus.ACTIVE,
            status_reason="",
            actor=actor,
            reason=reason,
            now=now,
        )


def quarantine_project(*, project, actor, reason, now=None):
    """Quarantine `project` (registry admins): installers see it with no files."""
    require_reason(reason)
    require_admin(actor, "quarantine a project")
    with transaction.atomic():
        project = locked_project(project)
        refuse_if_removed(project)
        if project.status == ProjectStatus.QUARANTINED:
            raise RegistryError(f"{project.name} is already quarantined.", code="quarantined")
        return _set_status(
            project=project,
            status=ProjectStatus.QUARANTINED,
            status_reason=reason,
            actor=actor,
            reason=reason,
            now=now,
        )


def release_quarantine(*, project, actor, reason, now=None):
    """Lift the quarantine of `project` (registry admins): it becomes active again."""
    require_reason(reason)
    require_admin(actor, "lift a quarantine")
    with transaction.atomic():
        project = locked_project(project)
        refuse_if_removed(project)
        if project.status != ProjectStatus.QUARANTINED:
            raise RegistryError(f"{project.name} is not quarantined.", code="not_quarantined")
        return _set_status(
            project=project,
            status=ProjectStatus.ACTIVE,
            status_reason="",
            actor=actor,
            reason=reason,
            now=now,
        )


# Yanks and the deletion lock ---------------------------------------------------------------------


def yank_release(*, release, actor, reason, now=None):
    """Yank `release` (PEP 592): installers skip it unless it is pinned exactly."""
    require_reason(reason)
    now = now or timezone.now()
    with transaction.atomic():
        locked_project(release.project)
        release = locked_release(release)
        check_policy(Action.YANK, project=release.project, actor=actor, now=now, release=release)
        if release.is_removed:
            raise RegistryError(f"{release} has been removed.", code="removed")
        if release.yanked:
            raise RegistryError(
                f"{release} is already yanked ({release.yanked_reason or 'no reason given'}). "
                "To change the reason, unyank it and yank it again.",
                code="already_yanked",
            )
        _mark_yanked(release, actor=actor, reason=reason, now=now)
        record(release, actor=actor, reason=reason).save(update_fields=YANK_FIELDS)
        record_change(
            project=release.project,
            action="yank release",
            version=release.version,
            actor=actor,
            now=now,
        )
    return release


def yank_releases(*, project, actor, reason, now=None):
    """Yank every live release of `project` not yet yanked, in one act; return them.

    The alternative to deleting a project: nobody new installs it, existing exact pins keep
    working, and each release can be un-yanked later. The policy decides each release as a
    yank (owners and maintainers may, unless the project is quarantined); one history row per
    release records the actor and the reason.
    """
    require_reason(reason)
    now = now or timezone.now()
    with transaction.atomic():
        project = locked_project(project)
        if project.is_removed:
            raise RegistryError(
                f"{project.name} has been removed, so there is nothing to yank. A registry admin "
                "can restore it first.",
                code="removed",
            )
        releases = list(
            Release.objects.select_for_update()
            .live()
            .filter(project=project, yanked=False)
            .order_by("pk")
        )
        if not releases:
            raise RegistryError(
                f"Every live release of {project.name} is already yanked: nothing is left to yank.",
                code="nothing_to_yank",
            )
        decider = Decider(project, actor, now=now)
        for release in releases:
            check_policy(
                Action.YANK, project=project, actor=actor, now=now, release=release, decider=decider
            )
            _mark_yanked(release, actor=actor, reason=reason, now=now)
        bulk_update_tracked(Release, releases, YANK_FIELDS, actor=actor, reason=reason, when=now)
        record_changes(
            [entry(project, "yank release", version=release.version) for release in releases],
            actor=actor,
            now=now,
        )
    return releases


YANK_FIELDS = ["yanked", "yanked_reason", "yanked_at", "yanked_by"]


def _mark_yanked(release, *, actor, reason, now):
    release.yanked = True
    release.yanked_reason = reason
    release.yanked_at = now
    release.yanked_by = actor


def unyank_release(*, release, actor, reason, now=None):
    """Make a yanked release installable again."""
    require_reason(reason)
    now = now or timezone.now()
    with transaction.atomic():
        locked_project(release.project)
        release = locked_release(release)
        check_policy(Action.UNYANK, project=release.project, actor=actor, now=now, release=release)
        if not release.yanked:
            raise RegistryError(f"{release} is not yanked.", code="not_yanked")
        release.yanked = False
        release.yanked_reason = ""
        release.yanked_at = None
        release.yanked_by = None
        record(release, actor=actor, reason=reason).save(
            update_fields=["yanked", "yanked_reason", "yanked_at", "yanked_by"]
        )
        record_change(
            project=release.project,
            action="unyank release",
            version=release.version,
            actor=actor,
            now=now,
        )
    return release


def lock_deletions(*, project, actor, reason, now=None):
    """Turn on the one-way deletion lock: owners can no longer delete releases or files."""
    require_reason(reason)
    now = now or timezone.now()
    with _acting_on(project=project, action=Action.LOCK_DELETIONS, actor=actor, now=now) as project:
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
    require_reason(reason)
    now = now or timezone.now()
    with _acting_on(
        project=project, action=Action.UNLOCK_DELETIONS, actor=actor, now=now
    ) as project:
        if not project.deletion_locked:
            raise RegistryError(f"Deletions of {project.name} are not locked.", code="not_locked")
        project.deletion_locked = False
        project.deletion_locked_at = None
        project.deletion_locked_by = None
        record(project, actor=actor, reason=reason).save(
            update_fields=["deletion_locked", "deletion_locked_at", "deletion_locked_by"]
        )
    return project


# Owners and maintainers --------------------------------------------------------------------------


def add_role(*, project, user, role, actor, reason, now=None):
    """Give `user` a role on `project` (or change it); owners and registry admins only."""
    require_reason(reason)
    now = now or timezone.now()
    if role not in RoleName.values:
        raise RegistryError(f"Unknown role {role!r}.", code="invalid_role")
    with transaction.atomic():
        project = locked_project(project)
        # The first owner comes with create_project(); every later role needs the policy's
        # consent, even on a project that has no role rows at all.
        check_policy(Action.MANAGE_ROLES, project=project, actor=actor, now=now)
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
    require_reason(reason)
    now = now or timezone.now()
    with transaction.atomic():
        project = locked_project(project)
        role = Role.objects.select_for_update().active().filter(project=project, user=user).first()
        if role is None:
            raise RegistryError(f"{user} has no role on {project.name}.", code="no_role")
        leaving_maintainer = actor == user and role.role == RoleName.MAINTAINER
        if not leaving_maintainer:
            check_policy(Action.MANAGE_ROLES, project=project, actor=actor, now=now)
        if role.role == RoleName.OWNER:
            _refuse_last_owner(project, role)
        role.ended_at = now
        record(role, actor=actor, reason=reason).save(update_fields=["ended_at"])
    return role
