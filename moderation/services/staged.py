"""Staged removal: deprecated → pending removal → awaiting review → removed or kept.

An owner starts it ("deprecate and schedule removal"); the scheduler (`advance_workflows`)
moves due cases in batches, each batch in a fixed number of queries, locking rows with
`SELECT ... FOR UPDATE SKIP LOCKED` so several processes can run at once without moving a case
twice; an admin approves, keeps or extends; the owners may cancel until it is removed. Every
move after the start is a transition of `moderation.workflow` run by the engine. What installers
see lives on the registry rows (deprecated status or yank, then `pending_removal_at`), set
through registry services.
"""

import gc
from contextlib import contextmanager
from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db import transaction
from django.utils import timezone

from registry import services as registry
from registry.facts import is_registry_admin
from registry.history import bulk_set_tracked, record
from registry.models import Project, ProjectStatus, Release
from registry.policy import ActorRole
from registry.services import RegistryError

from .. import notifications, workflow
from ..models import StagedRemoval, StagedState
from ..workflow import Kind
from .engine import apply_batch, apply_transition, require_owner
from .schedule import (
    DEFAULT_DEPRECATED_DAYS,
    DEFAULT_PENDING_DAYS,
    MINIMUM_DAYS,
    REMINDER_BEFORE,
    stage_days,
)

__all__ = [
    "DEFAULT_DEPRECATED_DAYS",
    "DEFAULT_PENDING_DAYS",
    "MINIMUM_DAYS",
    "REMINDER_BEFORE",
    "BatchReport",
    "advance_batch",
    "approve",
    "cancel",
    "extend",
    "keep",
    "remind_dependents",
    "reminders_due",
    "scheduler_user",
    "stage_days",
    "start",
]

SCHEDULER_USERNAME = "holdfast-scheduler"


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
    # Checked once here (which also loads the account's permissions for every batch after):
    # an account that lost its group must not move cases it may not move.
    if not is_registry_admin(user):
        raise RegistryError(
            f"The scheduler's account {SCHEDULER_USERNAME} is not a registry admin; add it to "
            "the Registry admins group (or make it active again) before running the scheduler.",
            code="admin_only",
        )
    return user


# Owner and admin actions -------------------------------------------------------------------------


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
        role = require_owner(project, actor, now=now)
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
        notifications.on_staged_started(case)
    return case


def cancel(*, case, actor, reason, now=None):
    """The owner changes their mind (possible until the removal): everything goes back."""
    return apply_transition(case=case, name="cancel", actor=actor, reason=reason, now=now)


def approve(*, case, actor, reason, now=None):
    """Remove the project or release for good (an admin, once the case awaits review)."""
    return apply_transition(case=case, name="approve", actor=actor, reason=reason, now=now)


def keep(*, case, actor, reason, now=None):
    """Keep the project or release (an admin): it returns to the normal index, deprecated."""
    return apply_transition(case=case, name="keep", actor=actor, reason=reason, now=now)


def extend(*, case, actor, reason, days, now=None):
    """Give the current stage `days` more (an admin); a case awaiting review goes back to
    pending removal for that long."""
    return apply_transition(case=case, name=EXTEND, actor=actor, reason=reason, now=now, days=days)


# One act for admins, two transitions: from awaiting review it goes back to pending removal.
EXTEND = ("extend", "send_back")


# The scheduler -----------------------------------------------------------------------------------


@dataclass
class BatchReport:
    to_pending: list = field(default_factory=list)
    to_review: list = field(default_factory=list)

    def __len__(self):
        return len(self.to_pending) + len(self.to_review)


# The scheduler's transition for each state it moves cases out of.
SCHEDULED = {StagedState.DEPRECATED: "to_pending", StagedState.PENDING_REMOVAL: "to_review"}


# A batch allocates tens of thousands of short-lived objects (rows, instances, history rows,
# messages). At Python's default threshold (700 allocations) the collector would run hundreds
# of times per batch, each young collection also walking what the batch holds: measured on
# 100,000 cases, 29.7 s -> 25.1 s for deprecated -> pending removal. Nothing of a batch is
# cyclic garbage that must go sooner; the old thresholds come back after the batch.
BATCH_GC_THRESHOLD = (100_000, 50, 100)


@contextmanager
def fewer_collections():
    """Raise the garbage collector's thresholds for one batch, then restore them."""
    before = gc.get_threshold()
    gc.set_threshold(*BATCH_GC_THRESHOLD)
    try:
        yield
    finally:
        gc.set_threshold(*before)


def advance_batch(*, now, actor, size=500, dry_run=False):
    """Move up to `size` due cases one stage on, in one transaction and a fixed number of
    queries: deprecated ones first, each stage oldest first. Rows locked by another process are
    skipped (they are that process's batch)."""
    report = BatchReport()
    with fewer_collections(), transaction.atomic():
        cases = []
        # One state at a time: `state = ... ORDER BY next_step_at` is read in the order of the
        # (state, next_step_at) index, so the database reads just the batch's rows. With both
        # states at once (`state IN (...)`) it joined and sorted every due case for each batch,
        # which made a 100,000-case run quadratic.
        for state in SCHEDULED:
            if len(cases) >= size:
                break
            cases += (
                StagedRemoval.objects.due(now)
                .filter(state=state)
                .select_for_update(skip_locked=True, of=("self",))
                # A release's name includes its project's: without the join, one query per case.
                .select_related("project", "release__project")
                .order_by("next_step_at")[: size - len(cases)]
            )
        if not cases:
            return report
        report.to_pending = [c for c in cases if c.state == StagedState.DEPRECATED]
        report.to_review = [c for c in cases if c.state == StagedState.PENDING_REMOVAL]
        if dry_run:
            transaction.set_rollback(True)
            return report
        for state, moving in (
            (StagedState.DEPRECATED, report.to_pending),
            (StagedState.PENDING_REMOVAL, report.to_review),
        ):
            transition = workflow.transition(Kind.STAGED, SCHEDULED[state])
            apply_batch(
                cases=moving, name=transition.name, actor=actor, reason=REASONS[state], now=now
            )
    return report


REASONS = {
    StagedState.DEPRECATED: (
        "Deprecation period over: pending removal (installable only from /pending/simple/)"
    ),
    StagedState.PENDING_REMOVAL: "Pending period over: awaiting an admin's review",
}


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
        bulk_set_tracked(
            StagedRemoval,
            cases,
            {"dependents_warned_at": now},
            actor=actor,
            reason="Dependents reminded a week before pending removal",
            when=now,
        )
        notifications.on_dependents_reminder(cases)
    return cases
