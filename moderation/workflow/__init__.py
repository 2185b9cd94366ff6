"""The moderation engine's tables: pure data and functions, no ORM, no clock.

Every queue (legal takedowns, deletion exceptions, abuse reports, PEP 541 name requests and
staged removals) has states and named transitions, one module each. A transition says where it
may start, where it ends, who may take it, its guard (a pure check of the case and what was
typed), and the name of its *effect*: the plan shown on the confirmation page and the executor
that carries it out, both in `moderation.services.effects`. The admin, the requesters' and
owners' pages, the services and the scheduler all read these tables, so they cannot disagree.
Each state also has its texts (`moderation.state_texts`): what the requester (or owner) is told,
and what staff see.
"""

from ..legal_calendar import (
    COUNTER_NOTICE_MAX_BUSINESS_DAYS,
    COUNTER_NOTICE_MIN_BUSINESS_DAYS,
    add_business_days,
    counter_notice_window,
)
from .core import REQUEST_KINDS, Kind, Refusal, Transition, Who, state_label
from .names import NAME_OPEN, NAME_TRANSITIONS, NameRequestState
from .requests import REQUEST_TRANSITIONS, AbuseState, ExceptionState, TakedownState
from .staged import STAGED_OPEN, STAGED_TRANSITIONS, StagedState

STATES = {
    Kind.TAKEDOWN: TakedownState,
    Kind.EXCEPTION: ExceptionState,
    Kind.ABUSE: AbuseState,
    Kind.STAGED: StagedState,
    Kind.NAME: NameRequestState,
}


def choices(kind):
    """Return the model field choices of `kind`'s states."""
    return [(state.value, state_label(state)) for state in STATES[Kind(kind)]]


TRANSITIONS = {**REQUEST_TRANSITIONS, Kind.NAME: NAME_TRANSITIONS, Kind.STAGED: STAGED_TRANSITIONS}

T, E, A, S, N = TakedownState, ExceptionState, AbuseState, StagedState, NameRequestState

OPEN_STATES = {
    Kind.TAKEDOWN: {
        T.RECEIVED,
        T.NEEDS_INFO,
        T.ACCEPTED,
        T.OWNER_NOTIFIED,
        T.CONTENT_DISABLED,
        T.COUNTER_NOTICE,
    },
    Kind.EXCEPTION: {E.SUBMITTED, E.UNDER_REVIEW},
    Kind.ABUSE: {A.RECEIVED, A.TRIAGED, A.QUARANTINED},
    Kind.STAGED: STAGED_OPEN,
    Kind.NAME: NAME_OPEN,
}

# States in which the case waits for the requester rather than for staff.
WAITING_ON_REQUESTER = {
    Kind.TAKEDOWN: {T.NEEDS_INFO},
    Kind.EXCEPTION: set(),
    Kind.ABUSE: set(),
    Kind.STAGED: set(),
    Kind.NAME: set(),
}

# Open states in which nobody on staff has to act (the requester, the owner or the law's
# waiting period has the next move): such a case is never "overdue". Entering a state where
# staff must act again starts a new service-level deadline.
NOT_STAFF_TURN = {
    Kind.TAKEDOWN: {T.NEEDS_INFO, T.CONTENT_DISABLED, T.COUNTER_NOTICE},
    Kind.EXCEPTION: set(),
    Kind.ABUSE: set(),
    Kind.STAGED: {S.DEPRECATED, S.PENDING_REMOVAL},  # the scheduler's turn
    Kind.NAME: {N.CONTACTING_OWNERS},  # the owners' turn, then the scheduler's
}


def is_staff_turn(kind, state):
    return is_open(kind, state) and state not in NOT_STAFF_TURN[Kind(kind)]


def transition(kind, name):
    """Return the Transition `name` of queue `kind` (KeyError if there is none)."""
    for candidate in TRANSITIONS[Kind(kind)]:
        if candidate.name == name:
            return candidate
    raise KeyError(f"{kind} has no transition {name!r}")


def allowed(kind, state, *, is_admin, is_staff, is_requester=False, is_owner=False):
    """Return the transitions that may be taken from `state` by this kind of person (the
    scheduler's are never offered to a person). A request's owner transitions (a takedown's
    counter-notice) are the owners' own words, sent from their page: registry admins are offered
    them only on a staged removal, which they may cancel for the owners."""
    may = {
        Who.REQUESTER: is_requester,
        Who.SUPPORT: is_staff or is_admin,
        Who.ADMIN: is_admin,
        Who.OWNER: is_owner or (is_admin and Kind(kind) not in REQUEST_KINDS),
        Who.SCHEDULER: False,
    }
    return [t for t in TRANSITIONS[Kind(kind)] if state in t.sources and may[t.who]]


def taken_by(kind, state, names):
    """Return the first of the transitions `names` that starts from `state`, or None (one act,
    such as "extend", may be a different transition from different states)."""
    for name in names:
        candidate = transition(kind, name)
        if state in candidate.sources:
            return candidate
    return None


def is_open(kind, state):
    return state in OPEN_STATES[Kind(kind)]


__all__ = [
    "COUNTER_NOTICE_MAX_BUSINESS_DAYS",
    "COUNTER_NOTICE_MIN_BUSINESS_DAYS",
    "NAME_OPEN",
    "NOT_STAFF_TURN",
    "OPEN_STATES",
    "REQUEST_KINDS",
    "STAGED_OPEN",
    "STATES",
    "TRANSITIONS",
    "WAITING_ON_REQUESTER",
    "AbuseState",
    "ExceptionState",
    "Kind",
    "NameRequestState",
    "Refusal",
    "StagedState",
    "TakedownState",
    "Transition",
    "Who",
    "add_business_days",
    "allowed",
    "choices",
    "counter_notice_window",
    "is_open",
    "is_staff_turn",
    "state_label",
    "taken_by",
    "transition",
]
