"""The moderation engine: one way to move any case of any queue along its transition table.

`apply_transition` moves one case (a person acting in the admin, on a private page or on an
owner's page); `apply_batch` moves many due cases at once (the scheduler). Both read the same
row of `moderation.workflow`: who may take it, where it may start, its guard, and its effect
(`moderation.services.effects`), so what the confirmation page promises is what runs. Each move
is atomic, locks the case row, writes history with the actor and reason, links the removal
events it caused, and queues its emails in the outbox in the same transaction.
"""

from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from registry.facts import Decider, is_registry_admin
from registry.history import bulk_update_tracked, record
from registry.policy import ActorRole
from registry.services import RegistryError

from .. import notifications, workflow
from ..models import MessageKind
from ..workflow import Kind, Who
from .effects import EFFECTS
from .messages import add_message

DEFAULT_SLA_HOURS = {Kind.TAKEDOWN: 72, Kind.EXCEPTION: 120, Kind.ABUSE: 24, Kind.NAME: 120}

# What only the owners may do, in the words of the refusal anyone else reads.
OWNERS_ACT = {Kind.STAGED: "schedule or cancel its removal", Kind.NAME: "answer a name request"}


def sla_due(kind, now):
    """Return when a request of `kind` entering staff's desk now is due (HOLDFAST_SLA_HOURS)."""
    hours = {**DEFAULT_SLA_HOURS, **getattr(settings, "HOLDFAST_SLA_HOURS", {})}[Kind(kind)]
    return now + timedelta(hours=hours)


def lock(case):
    """Return `case` read again with its row locked (its project and release joined)."""
    if case.kind in workflow.REQUEST_KINDS:
        return type(case).objects.select_for_update().select_related("project").get(pk=case.pk)
    # A staged removal locks only itself: the registry services lock the project and release
    # they change, in their own order.
    return (
        type(case)
        .objects.select_for_update(of=("self",))
        .select_related("project", "release__project")
        .get(pk=case.pk)
    )


def is_staff_for(actor, case):
    """Whether `actor` is active support staff with access to the queue of `case`."""
    model = type(case)._meta.model_name
    return bool(
        actor
        and actor.is_authenticated
        and actor.is_active
        and actor.is_staff
        and actor.has_perm(f"moderation.change_{model}")
    )


def is_requester(actor, case):
    # A request filed without an account has no requester_id: nobody signed in matches it.
    return bool(
        getattr(case, "requester_id", None) is not None
        and actor is not None
        and actor.is_authenticated
        and actor.pk == case.requester_id
    )


def check_who(transition, case, actor, *, via_key=False, now=None):
    """Raise RegistryError unless `actor` may take `transition` on `case`."""
    match transition.who:
        case Who.REQUESTER:
            if not (via_key or is_requester(actor, case)):
                raise RegistryError(
                    "Only the person who filed this request can do that, from their private link.",
                    code="not_requester",
                )
        case Who.OWNER:
            require_owner(
                case.project,
                actor,
                now=now or timezone.now(),
                what=OWNERS_ACT.get(case.kind, "do that"),
            )
        case Who.ADMIN | Who.SCHEDULER if not is_registry_admin(actor):
            advice = (
                " Support staff can add a recommendation for them."
                if case.kind in workflow.REQUEST_KINDS
                else ""
            )
            raise RegistryError(
                f"Only registry admins can {transition.label.lower()}: it changes the "
                f"registry.{advice}"
                if transition.executes
                else f"Only registry admins can {transition.label.lower()}.{advice}",
                code="admin_only",
            )
        case Who.SUPPORT if not (is_registry_admin(actor) or is_staff_for(actor, case)):
            raise RegistryError(
                "Only support staff and registry admins triage requests.", code="staff"
            )


def require_owner(project, actor, *, now, what="schedule or cancel its removal"):
    """Return the actor's role on `project`, refusing anyone but its owners and the admins."""
    role = Decider(project, actor, now=now).role
    if role not in (ActorRole.OWNER, ActorRole.ADMIN):
        raise RegistryError(f"Only the owners of {project.name} can {what}.", code="not_allowed")
    return role


def check_state(transition, case):
    """Raise RegistryError unless `case` is in a state `transition` starts from."""
    if case.state in transition.sources:
        return
    state = case.get_state_display().lower()
    if not case.is_open and transition.who in (Who.REQUESTER, Who.OWNER):
        # The person on the other side came back to a case that is over.
        raise RegistryError(
            f"{case.reference} is {state}; it can no longer be changed.", code="closed"
        )
    raise RegistryError(
        f"{case.reference} is now '{state}', so '{transition.label}' is no longer possible "
        "(someone may have acted on it since you opened it). Reload the request.",
        code="stale",
    )


def check_guard(transition, case, now, data):
    refusal = transition.refusal(case, now, data)
    if refusal is not None:
        raise RegistryError(refusal.message, code=refusal.code)


def require_reason(reason):
    if not reason or not reason.strip():
        raise RegistryError(
            "Give a reason: it is recorded in the request's history.", code="reason"
        )


def apply_transition(*, case, name, actor, reason, now=None, via_key=False, **data):
    """Move `case` along its transition `name`, carrying out the transition's effect.

    `name` may be a tuple of transitions that are one act for people (an admin's "extend" is
    `extend` from one state and `send_back` from another): the one that starts from the case's
    state, read under the lock, is taken. `data` holds what the transition's form asked for
    besides the reason (a counter-notice, a number of days); its guard and executor read it.
    """
    now = now or timezone.now()
    require_reason(reason)
    names = name if isinstance(name, tuple) else (name,)
    transitions = [workflow.transition(case.kind, one) for one in names]
    with transaction.atomic():
        case = lock(case)
        transition = workflow.taken_by(case.kind, case.state, names) or transitions[0]
        if transition.who == Who.SCHEDULER:
            raise RegistryError(
                f"'{transition.label}' is the scheduler's step: it happens by itself when the "
                "case is due. Extend or keep the case instead.",
                code="scheduler_only",
            )
        # Who first: someone who may never take this step is told so, not that it is stale.
        check_who(transition, case, actor, via_key=via_key, now=now)
        check_state(transition, case)
        check_guard(transition, case, now, data)
        effect = EFFECTS.get(transition.effect)
        previous = case.state
        events = []
        if effect is not None:
            events = effect.run(case, actor=actor, reason=reason, now=now, data=data)
        fields = _move(case, transition, previous, now)
        if effect is not None:
            fields += effect.fields
        record(case, actor=actor, reason=reason).save(update_fields=fields)
        if events:
            record(case, actor=actor, reason=reason).removal_events.add(*events)
        if transition.message_required:
            add_message(case, MessageKind.TO_REQUESTER, reason, actor=actor, now=now)
        notifications.on_transition(case, transition, previous=previous, reason=reason, actor=actor)
    return case


def apply_batch(*, cases, name, actor, reason, now):
    """Move `cases` (already locked by the caller, all of one queue and all due) along
    transition `name` in a fixed number of queries: the scheduler's path."""
    if not cases:
        return cases
    transition = workflow.transition(cases[0].kind, name)
    check_who(transition, cases[0], actor, now=now)
    for case in cases:
        check_state(transition, case)
    effect = EFFECTS.get(transition.effect)
    if effect is not None:
        effect.run_many(cases, actor=actor, reason=reason, now=now, data={})
    fields = []
    for case in cases:
        fields = _move(case, transition, case.state, now)
    fields += effect.fields if effect is not None else ()
    # Every case of the batch gets the same values: one UPDATE for the batch, history row by row.
    bulk_update_tracked(type(cases[0]), cases, fields, actor=actor, reason=reason, when=now)
    # Queued with the change; the scheduler sends its run's mail (and the admins' digest) at the
    # end of the run.
    notifications.on_batch_transition(cases, transition, reason=reason, actor=actor)
    return cases


def _move(case, transition, previous, now):
    """Set the case's new state (and what follows from it); return the fields changed."""
    case.state = transition.target_from(previous)
    fields = ["state", "closed_at"]
    if not workflow.is_open(case.kind, case.state):
        case.closed_at = now
    if (
        case.kind in DEFAULT_SLA_HOURS
        and workflow.is_staff_turn(case.kind, case.state)
        and not workflow.is_staff_turn(case.kind, previous)
    ):
        # Back on staff's desk (e.g. the claimant answered): a new deadline starts.
        case.due_at = sla_due(case.kind, now)
        fields.append("due_at")
    return fields
