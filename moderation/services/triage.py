"""Triage without a change of state: assign, prioritise, recommend, notes and messages.

Support staff and registry admins triage; the requester answers from their private link. Each
function is atomic, locks the request row and writes history with the actor.
"""

from django.db import transaction
from django.utils import timezone

from registry.facts import is_registry_admin
from registry.history import record
from registry.services import RegistryError

from .. import notifications, workflow
from ..models import MessageKind, Priority
from ..workflow import Kind
from .engine import apply_transition, is_staff_for, lock
from .messages import add_message


def _require_staff(case, actor, *, open_only=False):
    if not (is_registry_admin(actor) or is_staff_for(actor, case)):
        raise RegistryError("Only support staff and registry admins triage requests.", code="staff")
    if open_only and not case.is_open:
        raise RegistryError(
            f"{case.reference} is closed ({case.get_state_display().lower()}); there is nothing "
            "left to triage. Add a staff note if something needs recording.",
            code="closed",
        )


def assign(*, case, assignee, actor, reason="Assigned"):
    """Give `case` to `assignee` (a staff member), or to nobody."""
    with transaction.atomic():
        case = lock(case)
        _require_staff(case, actor, open_only=True)
        if assignee is not None and not (
            is_registry_admin(assignee) or is_staff_for(assignee, case)
        ):
            raise RegistryError(
                f"{assignee} cannot work on this queue (not an active staff member with "
                "access to it).",
                code="not_staff",
            )
        case.assignee = assignee
        record(case, actor=actor, reason=reason).save(update_fields=["assignee"])
        if assignee is not None and assignee != actor:
            notifications.on_assigned(case, assignee)
    return case


def set_priority(*, case, priority, actor, reason):
    if priority not in Priority.values:
        raise RegistryError(
            f"Choose a priority: {', '.join(Priority.labels).lower()}.", code="priority"
        )
    with transaction.atomic():
        case = lock(case)
        _require_staff(case, actor, open_only=True)
        case.priority = priority
        record(case, actor=actor, reason=reason).save(update_fields=["priority"])
    return case


def recommend(*, case, text, actor):
    """Record support staff's recommendation for the admin who decides."""
    if not text.strip():
        raise RegistryError("Write the recommendation.", code="empty")
    with transaction.atomic():
        case = lock(case)
        _require_staff(case, actor, open_only=True)
        case.recommendation = text.strip()
        record(case, actor=actor, reason="Recommendation").save(update_fields=["recommendation"])
    return case


def add_note(*, case, body, actor, now=None):
    """Add a staff-only note (the requester never sees it)."""
    if not body.strip():
        raise RegistryError("Write the note.", code="empty")
    with transaction.atomic():
        case = lock(case)
        _require_staff(case, actor)
        return add_message(
            case, MessageKind.STAFF_NOTE, body, actor=actor, now=now or timezone.now()
        )


def message_requester(*, case, body, actor, now=None):
    """Send the requester a message (by email and on their private page)."""
    if not body.strip():
        raise RegistryError("Write the message.", code="empty")
    with transaction.atomic():
        case = lock(case)
        _require_staff(case, actor)
        message = add_message(
            case, MessageKind.TO_REQUESTER, body, actor=actor, now=now or timezone.now()
        )
        notifications.on_message_to_requester(case, message)
    return message


def requester_reply(*, case, body, now=None):
    """Record the requester's answer; a notice waiting for information goes back to the queue."""
    now = now or timezone.now()
    if not body.strip():
        raise RegistryError("Write your answer.", code="empty")
    with transaction.atomic():
        case = lock(case)
        if not case.is_open:
            raise RegistryError(
                "This request is closed; file a new one if something changed.", code="closed"
            )
        message = add_message(
            case,
            MessageKind.FROM_REQUESTER,
            body,
            actor=None,
            now=now,
            author_name=case.requester_name or "the requester",
        )
        if case.kind == Kind.TAKEDOWN and case.state == workflow.TakedownState.NEEDS_INFO:
            apply_transition(
                case=case,
                name="provide_info",
                actor=None,
                reason="The claimant answered",
                now=now,
                via_key=True,
            )
        # The assignee waits for this answer, whether or not it moves the request.
        notifications.on_requester_reply(case, message)
    return message
