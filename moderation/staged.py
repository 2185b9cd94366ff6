"""Staged removal: deprecated → pending removal → awaiting review → removed or kept.

An owner starts it ("deprecate and schedule removal"); the scheduler (`advance_workflows`)
moves due cases in batches, each batch in a fixed number of queries, locking rows with
`SELECT ... FOR UPDATE SKIP LOCKED` so several processes can run at once without moving a case
twice; an admin approves, keeps or extends. What installers see lives on the registry rows
(deprecated status or yank, then `pending_removal_at`), set through registry services.
"""

from dataclasses import dataclass, field
from datetime import timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.mail import send_mass_mail
from django.db import transaction
from django.db.models import OuterRef, Subquery
from django.utils import timezone

from registry import services as registry
from registry.facts import Decider, is_registry_admin
from registry.history import bulk_update_tracked, record
from registry.models import (
    Dependency,
    Project,
    ProjectStatus,
    Release,
    RemovalCategory,
    Role,
    RoleName,
)
from registry.policy import ActorRole
from registry.services import RegistryError

from .models import StagedRemoval, StagedState

DEFAULT_DEPRECATED_DAYS = 30
DEFAULT_PENDING_DAYS = 30
MINIMUM_DAYS = 7
REMINDER_BEFORE = timedelta(days=7)
SCHEDULER_USERNAME = "holdfast-scheduler"


def stage_days():
    """Return (deprecated, pending) durations from settings, never below the minimum."""
    deprecated = getattr(settings, "HOLDFAST_STAGED_DEPRECATED_DAYS", DEFAULT_DEPRECATED_DAYS)
    pending = getattr(settings, "HOLDFAST_STAGED_PENDING_DAYS", DEFAULT_PENDING_DAYS)
    return timedelta(days=max(MINIMUM_DAYS, int(deprecated))), timedelta(
        days=max(MINIMUM_DAYS, int(pending))
    )


def scheduler_user():
    """The account the scheduler acts as: a registry admin that cannot log in."""
    # One transaction, so a process that loses the race to create the account (several
    # schedulers start at once) never sees it without its group.
    with transaction.atomic():
        user, created = get_user_model().objects.get_or_create(
            username=SCHEDULER_USERNAME,
            defaults={"is_active": True, "first_name": "Holdfast", "last_name": "scheduler"},
        )
        if created:
            user.set_unusable_password()
            user.save(update_fields=["password"])
            user.groups.add(Group.objects.get(name="Registry admins"))
    return user


# Emails ------------------------------------------------------------------------------------------


def _owner_emails_by_project(project_ids):
    emails = {}
    for project_id, email in (
        Role.objects.active()
        .filter(project_id__in=project_ids, role=RoleName.OWNER)
        .exclude(user__email="")
        .values_list("project_id", "user__email")
    ):
        emails.setdefault(project_id, set()).add(email)
    return emails


def _dependent_projects_by_name(names):
    """Return {normalised name: {ids of live projects whose latest release requires it}}."""
    latest = (
        Release.objects.live()
        .filter(project=OuterRef("release__project"))
        .order_by("-created_at", "-pk")
        .values("pk")[:1]
    )
    result = {}
    for name, project_id in (
        Dependency.objects.filter(
            name__in=names,
            release__removed_at__isnull=True,
            release__project__removed_at__isnull=True,
            release=Subquery(latest),
        )
        .values_list("name", "release__project_id")
        .distinct()
    ):
        result.setdefault(name, set()).add(project_id)
    return result


def _queue(messages):
    messages = [
        (subject, body, settings.DEFAULT_FROM_EMAIL, sorted(recipients))
        for subject, body, recipients in messages
        if recipients
    ]
    if messages:
        transaction.on_commit(lambda: send_mass_mail(messages, fail_silently=False))


def _owners_messages(cases, subject, body):
    """Messages to each case's project owners; `subject` and `body` are functions of a case."""
    emails = _owner_emails_by_project({case.project_id for case in cases})
    return [(subject(case), body(case), emails.get(case.project_id, set())) for case in cases]


def _dependents_messages(cases, subject, body):
    """Tell the owners of projects that depend on each case's project (in fixed queries)."""
    names = {case.project.normalized_name for case in cases}
    dependents = _dependent_projects_by_name(names)
    all_ids = set().union(*dependents.values()) if dependents else set()
    emails = _owner_emails_by_project(all_ids)
    messages = []
    for case in cases:
        recipients = set()
        for project_id in dependents.get(case.project.normalized_name, ()):
            if project_id != case.project_id:
                recipients |= emails.get(project_id, set())
        messages.append((subject(case), body(case), recipients))
    return messages


def _admin_emails():
    return {
        email
        for email in get_user_model()
        .objects.filter(is_active=True, groups__name="Registry admins")
        .exclude(email="")
        .values_list("email", flat=True)
    }


# Owner and admin actions -------------------------------------------------------------------------


def _require_owner_or_admin(project, actor, now):
    role = Decider(project, actor, now=now).role
    if role not in (ActorRole.OWNER, ActorRole.ADMIN):
        raise RegistryError(
            f"Only the owners of {project.name} can schedule or cancel its removal.",
            code="not_allowed",
        )
    return role


def start(*, project, message, actor, release=None, successor=None, now=None):
    """Deprecate `project` (or yank `release`) and schedule its removal."""
    now = now or timezone.now()
    if not message or not message.strip():
        raise RegistryError(
            "Say what users should know and do instead: the message is shown to installers.",
            code="no_message",
        )
    deprecated, _pending = stage_days()
    reason = f"Deprecated; removal scheduled: {message.strip()}"
    with transaction.atomic():
        project = Project.objects.select_for_update().get(pk=project.pk)
        role = _require_owner_or_admin(project, actor, now)
        if project.is_removed:
            raise RegistryError(f"{project.name} has been removed.", code="removed")
        if project.status == ProjectStatus.QUARANTINED and role != ActorRole.ADMIN:
            raise RegistryError(
                f"{project.name} is quarantined; its owners cannot act on it until the registry "
                "admins lift the quarantine.",
                code="quarantined",
            )
        if release is not None:
            release = Release.objects.get(pk=release.pk, project=project)
            if release.is_removed:
                raise RegistryError(
                    f"{release} has been removed; a registry admin can restore it.",
                    code="removed",
                )
        if project.pending_removal_at is not None:
            raise RegistryError(f"{project.name} is already pending removal.", code="pending")
        open_cases = StagedRemoval.objects.open().filter(project=project)
        if open_cases.filter(release__isnull=True).exists() or (
            release is not None and open_cases.filter(release=release).exists()
        ):
            raise RegistryError(
                f"A staged removal of {release or project.name} is already under way; see its "
                "page to cancel or follow it.",
                code="already_staged",
            )
        if release is None:
            registry.deprecate_project(
                project=project,
                message=message,
                successor=successor,
                actor=actor,
                reason=reason,
                now=now,
            )
        elif not release.yanked:
            # Yanked at the case's start: that is how `cancel` tells this yank from the owner's.
            registry.yank_release(release=release, actor=actor, reason=message.strip(), now=now)
        case = StagedRemoval(
            project=project,
            release=release,
            message=message.strip(),
            successor=successor,
            requested_by=actor,
            created_at=now,
            next_step_at=now + deprecated,
        )
        record(case, actor=actor, reason=reason).save()
        _queue(
            _owners_messages(
                [case],
                lambda case: f"[Holdfast] {case.target} is deprecated; removal is scheduled",
                lambda case: (
                    f"{case.target} is deprecated: {case.message}\n\nIt will be hidden from the "
                    f"index (installable only by opting in) on {case.next_step_at:%Y-%m-%d}, then "
                    f"removed after an admin's review. You can cancel until it is removed.\n"
                ),
            )
            + _dependents_messages(
                [case],
                lambda case: f"[Holdfast] a dependency of yours is deprecated: {case.project.name}",
                lambda case: (
                    f"Your project depends on {case.project.name}, which its owners have "
                    f"deprecated and scheduled for removal: {case.message}\n\nIt stops being "
                    f"served by default on {case.next_step_at:%Y-%m-%d}. Plan a replacement.\n"
                ),
            )
        )
    return case


def _lock(case):
    return (
        StagedRemoval.objects.select_for_update(of=("self",))
        .select_related("project", "release__project")
        .get(pk=case.pk)
    )


def cancel(case, *, actor, reason, now=None):
    """The owner changes their mind (possible until the removal): everything goes back."""
    now = now or timezone.now()
    with transaction.atomic():
        case = _lock(case)
        _require_owner_or_admin(case.project, actor, now)
        if not case.is_open:
            raise RegistryError(
                f"This staged removal is {case.get_state_display().lower()}; it can no longer "
                "be cancelled.",
                code="closed",
            )
        registry.clear_pending_removal(
            project=case.project, release=case.release, actor=actor, reason=reason, now=now
        )
        if case.release is None and case.project.status == ProjectStatus.DEPRECATED:
            registry.undeprecate_project(project=case.project, actor=actor, reason=reason, now=now)
        elif case.release is not None:
            release = Release.objects.get(pk=case.release_id)
            # Undo only the case's own yank: one the owner made before (or after) stays.
            if release.yanked and release.yanked_at == case.created_at:
                registry.unyank_release(release=release, actor=actor, reason=reason, now=now)
        _close(case, StagedState.CANCELLED, actor=actor, reason=reason, now=now)
        _queue(
            _owners_messages(
                [case],
                lambda case: f"[Holdfast] the removal of {case.target} is cancelled",
                lambda case: (
                    f"The staged removal of {case.target} was cancelled by {actor}: {reason}\n\n"
                    "It is served from the index as before."
                    + ("" if case.release_id else " It is no longer marked deprecated.")
                    + "\n"
                ),
            )
        )
    return case


def _close(case, state, *, actor, reason, now):
    case.state = state
    case.closed_at = now
    case.next_step_at = None
    record(case, actor=actor, reason=reason).save(
        update_fields=["state", "closed_at", "next_step_at"]
    )


def _require_admin(actor, what):
    if not is_registry_admin(actor):
        raise RegistryError(f"Only registry admins can {what}.", code="admin_only")


def approve(case, *, actor, reason, now=None):
    """Remove the project or release for good (an admin, once the case awaits review)."""
    _require_admin(actor, "approve a staged removal")
    now = now or timezone.now()
    with transaction.atomic():
        case = _lock(case)
        if case.state != StagedState.AWAITING_REVIEW:
            raise RegistryError(
                f"This case is {case.get_state_display().lower()}; it can be approved once it "
                "awaits review.",
                code="stale",
            )
        # Open cases of the project's releases go with the project: their releases are part of
        # the same removal, and a case left open would wait forever for a release that is gone.
        cases = [case]
        if case.release is None:
            cases += list(
                StagedRemoval.objects.open()
                .filter(project=case.project, release__isnull=False)
                .select_for_update(of=("self",))
                .select_related("project", "release__project")
                .order_by("pk")
            )
        # The pending marks go first: a restore brings back what was live, and the case that
        # hid it from /simple/ is closed, so nothing would ever clear them again.
        for closing in cases:
            registry.clear_pending_removal(
                project=closing.project,
                release=closing.release,
                actor=actor,
                reason=reason,
                now=now,
            )
        if case.release is None:
            event = registry.remove_project(
                project=case.project,
                actor=actor,
                reason=reason,
                category=RemovalCategory.STAGED_REMOVAL,
                now=now,
            )
        else:
            event = registry.remove_release(
                release=case.release,
                actor=actor,
                reason=reason,
                category=RemovalCategory.STAGED_REMOVAL,
                now=now,
            )
        for closing in cases:
            _close(closing, StagedState.REMOVED, actor=actor, reason=reason, now=now)
            record(closing, actor=actor, reason=reason).removal_events.add(event)
        _queue(
            _owners_messages(
                [case],
                lambda case: f"[Holdfast] {case.target} was removed",
                lambda case: (
                    f"The staged removal of {case.target} is complete. An admin can restore it if "
                    f"needed.\n"
                ),
            )
        )
    return case


def keep(case, *, actor, reason, now=None):
    """Keep the project or release (an admin): it returns to the normal index, deprecated."""
    _require_admin(actor, "keep a project under staged removal")
    now = now or timezone.now()
    with transaction.atomic():
        case = _lock(case)
        if not case.is_open:
            raise RegistryError("This case is closed.", code="closed")
        registry.clear_pending_removal(
            project=case.project, release=case.release, actor=actor, reason=reason, now=now
        )
        _close(case, StagedState.KEPT, actor=actor, reason=reason, now=now)
        _queue(
            _owners_messages(
                [case],
                lambda case: f"[Holdfast] {case.target} is kept",
                lambda case: f"The registry admins decided to keep {case.target}: " + reason + "\n",
            )
        )
    return case


def extend(case, *, actor, reason, days, now=None):
    """Give the current stage `days` more (an admin); a case awaiting review goes back to
    pending removal for that long."""
    _require_admin(actor, "extend a staged removal")
    now = now or timezone.now()
    if days < 1:
        raise RegistryError("Extend by at least one day.", code="days")
    with transaction.atomic():
        case = _lock(case)
        if not case.is_open:
            raise RegistryError("This case is closed.", code="closed")
        if case.state == StagedState.AWAITING_REVIEW:
            case.state = StagedState.PENDING_REMOVAL
            case.next_step_at = now + timedelta(days=days)
        else:
            case.next_step_at = max(case.next_step_at, now) + timedelta(days=days)
        record(case, actor=actor, reason=reason).save(update_fields=["state", "next_step_at"])
        stage = "deprecated" if case.state == StagedState.DEPRECATED else "pending removal"
        _queue(
            _owners_messages(
                [case],
                lambda case: f"[Holdfast] the removal of {case.target} is postponed",
                lambda case: (
                    f"The registry admins gave {case.target} more time: {reason}\n\nIt stays "
                    f"{stage} until {case.next_step_at:%Y-%m-%d}. You can still cancel.\n"
                ),
            )
        )
    return case


# The scheduler -----------------------------------------------------------------------------------


@dataclass
class BatchReport:
    to_pending: list = field(default_factory=list)
    to_review: list = field(default_factory=list)

    def __len__(self):
        return len(self.to_pending) + len(self.to_review)


def advance_batch(*, now, actor, size=500, dry_run=False):
    """Move up to `size` due cases one stage on, in one transaction and a fixed number of
    queries: deprecated ones first, each stage oldest first. Rows locked by another process are
    skipped (they are that process's batch)."""
    report = BatchReport()
    with transaction.atomic():
        cases = list(
            StagedRemoval.objects.due(now)
            .select_for_update(skip_locked=True, of=("self",))
            # A release's name includes its project's: without the join, one query per case.
            .select_related("project", "release__project")
            # The order of the (state, next_step_at) index, so the database reads just `size`
            # rows; ordering by next_step_at alone would sort every due case for each batch.
            .order_by("state", "next_step_at")[:size]
        )
        if not cases:
            return report
        report.to_pending = [c for c in cases if c.state == StagedState.DEPRECATED]
        report.to_review = [c for c in cases if c.state == StagedState.PENDING_REMOVAL]
        if dry_run:
            transaction.set_rollback(True)
            return report
        _to_pending(report.to_pending, actor=actor, now=now)
        _to_review(report.to_review, actor=actor, now=now)
    return report


def _to_pending(cases, *, actor, now):
    if not cases:
        return
    _deprecated, pending = stage_days()
    reason = "Deprecation period over: pending removal (installable only from /pending/simple/)"
    registry.mark_pending_removal_many(
        projects=[case.project for case in cases if case.release_id is None],
        releases=[case.release for case in cases if case.release_id is not None],
        actor=actor,
        reason=reason,
        now=now,
    )
    for case in cases:
        case.state = StagedState.PENDING_REMOVAL
        case.pending_at = now
        case.next_step_at = now + pending
    bulk_update_tracked(
        StagedRemoval,
        cases,
        ["state", "pending_at", "next_step_at"],
        actor=actor,
        reason=reason,
        when=now,
    )
    _queue(
        _owners_messages(
            cases,
            lambda case: f"[Holdfast] {case.target} is now pending removal",
            lambda case: (
                f"{case.target} is no longer served by default; installers get it only from the "
                f"opt-in index /pending/simple/. An admin reviews its removal after "
                f"{case.next_step_at:%Y-%m-%d}. You can still cancel.\n"
            ),
        )
    )


def _to_review(cases, *, actor, now):
    if not cases:
        return
    reason = "Pending period over: awaiting an admin's review"
    for case in cases:
        case.state = StagedState.AWAITING_REVIEW
        case.review_at = now
        case.next_step_at = None
    bulk_update_tracked(
        StagedRemoval,
        cases,
        ["state", "review_at", "next_step_at"],
        actor=actor,
        reason=reason,
        when=now,
    )
    admins = _admin_emails()
    _queue(
        [
            (
                f"[Holdfast] staged removal awaits review: {case.target}",
                f"The staged removal of {case.target} awaits your review (approve, keep or "
                "extend) in the admin.\n",
                admins,
            )
            for case in cases
        ]
        + _owners_messages(
            cases,
            lambda case: f"[Holdfast] {case.target} awaits the admins' review",
            lambda case: (
                f"The pending period of {case.target} is over; the registry admins will now review "
                f"its removal. You can still cancel.\n"
            ),
        )
    )


def reminders_due(now):
    """Deprecated cases whose pending removal is a week or less away (but not yet due: those
    the scheduler moves on instead) and whose dependents have not been reminded."""
    return StagedRemoval.objects.filter(
        state=StagedState.DEPRECATED,
        dependents_warned_at__isnull=True,
        next_step_at__gt=now,
        next_step_at__lte=now + REMINDER_BEFORE,
    )


def remind_dependents(*, now, actor, size=500):
    """A week before pending removal, remind the owners of dependent projects (once)."""
    with transaction.atomic():
        cases = list(
            reminders_due(now)
            .select_for_update(skip_locked=True, of=("self",))
            .select_related("project", "release__project")
            .order_by("state", "next_step_at")[:size]
        )
        if not cases:
            return []
        for case in cases:
            case.dependents_warned_at = now
        bulk_update_tracked(
            StagedRemoval,
            cases,
            ["dependents_warned_at"],
            actor=actor,
            reason="Dependents reminded a week before pending removal",
            when=now,
        )
        _queue(
            _dependents_messages(
                cases,
                lambda case: (
                    f"[Holdfast] reminder: {case.project.name} stops being served in a week"
                ),
                lambda case: (
                    f"Your project depends on {case.project.name}, which is deprecated: "
                    f"{case.message}\n\nFrom {case.next_step_at:%Y-%m-%d} installers get it only "
                    f"from the opt-in index /pending/simple/.\n"
                ),
            )
        )
    return cases
