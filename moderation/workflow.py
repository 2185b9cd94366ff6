"""The transition tables of the moderation queues: pure data and functions, no ORM, no clock.

Each queue (legal takedowns, deletion exceptions, abuse reports) has states and named
transitions. A transition says where it may start, where it ends, who may take it (support
staff, registry admins, or the requester through their private link) and whether it executes
something in the registry (only registry admins execute). Services look transitions up here;
the admin renders the allowed ones as buttons.
"""

from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum


class Kind(StrEnum):
    TAKEDOWN = "takedown"
    EXCEPTION = "exception"
    ABUSE = "abuse"


class Who(StrEnum):
    SUPPORT = "support"  # support staff and registry admins
    ADMIN = "admin"  # registry admins only: the transition executes something
    REQUESTER = "requester"  # the person who filed it, through their private link or page


@dataclass(frozen=True)
class Transition:
    name: str
    sources: frozenset
    target: str
    who: Who
    label: str
    help: str
    executes: bool = False
    message_required: bool = False  # the reason is sent to the requester


def _t(name, sources, target, who, label, help, **extra):
    return Transition(name, frozenset(sources), target, who, label, help, **extra)


class TakedownState(StrEnum):
    RECEIVED = "received"
    NEEDS_INFO = "needs_info"
    ACCEPTED = "accepted"
    OWNER_NOTIFIED = "owner_notified"
    CONTENT_DISABLED = "content_disabled"
    COUNTER_NOTICE = "counter_notice"
    REINSTATED = "reinstated"
    UPHELD = "upheld"
    REJECTED = "rejected"
    RETRACTED = "retracted"


class ExceptionState(StrEnum):
    SUBMITTED = "submitted"
    UNDER_REVIEW = "under_review"
    APPROVED = "approved"
    REJECTED = "rejected"
    WITHDRAWN = "withdrawn"


class AbuseState(StrEnum):
    RECEIVED = "received"
    TRIAGED = "triaged"
    QUARANTINED = "quarantined"
    REMOVED = "removed"
    CLEARED = "cleared"


T, E, A = TakedownState, ExceptionState, AbuseState

TRANSITIONS = {
    Kind.TAKEDOWN: [
        _t(
            "request_info",
            {T.RECEIVED},
            T.NEEDS_INFO,
            Who.SUPPORT,
            "Ask for information",
            "The claimant is asked, by email and on their private page, for what is missing.",
            message_required=True,
        ),
        _t(
            "provide_info",
            {T.NEEDS_INFO},
            T.RECEIVED,
            Who.REQUESTER,
            "Send the information",
            "The claimant answers; the notice goes back to the queue.",
        ),
        _t(
            "accept",
            {T.RECEIVED},
            T.ACCEPTED,
            Who.SUPPORT,
            "Accept the notice",
            "The notice is complete and valid; the owners will be told.",
        ),
        _t(
            "notify_owner",
            {T.ACCEPTED},
            T.OWNER_NOTIFIED,
            Who.SUPPORT,
            "Notify the owners",
            "The owners get the notice by email and may respond before content is disabled.",
        ),
        _t(
            "disable_content",
            {T.ACCEPTED, T.OWNER_NOTIFIED},
            T.CONTENT_DISABLED,
            Who.ADMIN,
            "Disable the content",
            "Remove the named project, releases or files from the index (restorable).",
            executes=True,
        ),
        _t(
            "receive_counter_notice",
            {T.CONTENT_DISABLED},
            T.COUNTER_NOTICE,
            Who.SUPPORT,
            "Record a counter-notice",
            "The owner disputes the claim. The content comes back after 10 business days "
            "unless the claimant reports a court action within 14.",
        ),
        _t(
            "report_court_action",
            {T.COUNTER_NOTICE},
            T.UPHELD,
            Who.SUPPORT,
            "Claimant reports a court action",
            "The content stays disabled.",
        ),
        _t(
            "reinstate",
            {T.COUNTER_NOTICE},
            T.REINSTATED,
            Who.ADMIN,
            "Reinstate the content",
            "Restore what was disabled (after the counter-notice waiting period).",
            executes=True,
        ),
        _t(
            "uphold",
            {T.CONTENT_DISABLED},
            T.UPHELD,
            Who.SUPPORT,
            "Close as upheld",
            "No counter-notice came; the content stays disabled.",
        ),
        _t(
            "reject",
            {T.RECEIVED, T.NEEDS_INFO, T.ACCEPTED, T.OWNER_NOTIFIED},
            T.REJECTED,
            Who.SUPPORT,
            "Reject the notice",
            "The notice is invalid or unfounded; the claimant is told why.",
            message_required=True,
        ),
        _t(
            "retract",
            {T.RECEIVED, T.NEEDS_INFO, T.ACCEPTED, T.OWNER_NOTIFIED},
            T.RETRACTED,
            Who.REQUESTER,
            "Retract the notice",
            "The claimant withdraws the notice.",
        ),
    ],
    Kind.EXCEPTION: [
        _t(
            "start_review",
            {E.SUBMITTED},
            E.UNDER_REVIEW,
            Who.SUPPORT,
            "Start the review",
            "Support staff look at the request and its impact.",
        ),
        _t(
            "approve",
            {E.SUBMITTED, E.UNDER_REVIEW},
            E.APPROVED,
            Who.ADMIN,
            "Approve and remove",
            "Remove what the maintainer asked for, as an approved exception (restorable).",
            executes=True,
        ),
        _t(
            "reject",
            {E.SUBMITTED, E.UNDER_REVIEW},
            E.REJECTED,
            Who.SUPPORT,
            "Reject",
            "The maintainer is told why and what they can do instead.",
            message_required=True,
        ),
        _t(
            "withdraw",
            {E.SUBMITTED, E.UNDER_REVIEW},
            E.WITHDRAWN,
            Who.REQUESTER,
            "Withdraw the request",
            "The maintainer no longer needs the removal.",
        ),
    ],
    Kind.ABUSE: [
        _t(
            "triage",
            {A.RECEIVED},
            A.TRIAGED,
            Who.SUPPORT,
            "Mark as triaged",
            "The report is credible and needs a decision.",
        ),
        _t(
            "quarantine",
            {A.RECEIVED, A.TRIAGED},
            A.QUARANTINED,
            Who.ADMIN,
            "Quarantine the project",
            "Installers see the project with no files; owners cannot act on it.",
            executes=True,
        ),
        _t(
            "remove",
            {A.TRIAGED, A.QUARANTINED},
            A.REMOVED,
            Who.ADMIN,
            "Remove the project",
            "Remove the project from the index (restorable; its name stays reserved).",
            executes=True,
        ),
        _t(
            "clear",
            {A.RECEIVED, A.TRIAGED},
            A.CLEARED,
            Who.SUPPORT,
            "Clear: nothing wrong",
            "Close the report; nothing changes for the project.",
        ),
        _t(
            "lift_quarantine",
            {A.QUARANTINED},
            A.CLEARED,
            Who.ADMIN,
            "Lift the quarantine and clear",
            "The project was not harmful: it becomes active again.",
            executes=True,
        ),
    ],
}

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
}

# States in which the case waits for the requester rather than for staff.
WAITING_ON_REQUESTER = {Kind.TAKEDOWN: {T.NEEDS_INFO}, Kind.EXCEPTION: set(), Kind.ABUSE: set()}

# Open states in which nobody on staff has to act (the requester, the owner or the law's
# waiting period has the next move): such a case is never "overdue". Entering a state where
# staff must act again starts a new service-level deadline.
NOT_STAFF_TURN = {
    Kind.TAKEDOWN: {T.NEEDS_INFO, T.CONTENT_DISABLED, T.COUNTER_NOTICE},
    Kind.EXCEPTION: set(),
    Kind.ABUSE: set(),
}


def is_staff_turn(kind, state):
    return is_open(kind, state) and state not in NOT_STAFF_TURN[Kind(kind)]


def transition(kind, name):
    """Return the Transition `name` of queue `kind` (KeyError if there is none)."""
    for candidate in TRANSITIONS[Kind(kind)]:
        if candidate.name == name:
            return candidate
    raise KeyError(f"{kind} has no transition {name!r}")


def allowed(kind, state, *, is_admin, is_staff, is_requester=False):
    """Return the transitions that may be taken from `state` by this kind of person."""
    may = {Who.REQUESTER: is_requester, Who.SUPPORT: is_staff or is_admin, Who.ADMIN: is_admin}
    return [t for t in TRANSITIONS[Kind(kind)] if state in t.sources and may[t.who]]


def is_open(kind, state):
    return state in OPEN_STATES[Kind(kind)]


def add_business_days(start: date, days: int) -> date:
    """Return the date `days` business days (Monday to Friday) after `start`."""
    current = start
    remaining = days
    while remaining > 0:
        current += timedelta(days=1)
        if current.weekday() < 5:
            remaining -= 1
    return current


# 17 U.S.C. § 512(g)(2)(C): content comes back "not less than 10, nor more than 14, business
# days" after the counter-notice, unless the claimant files an action.
COUNTER_NOTICE_MIN_BUSINESS_DAYS = 10
COUNTER_NOTICE_MAX_BUSINESS_DAYS = 14


def counter_notice_window(received: date):
    """Return (earliest, latest) reinstatement dates for a counter-notice received then."""
    return (
        add_business_days(received, COUNTER_NOTICE_MIN_BUSINESS_DAYS),
        add_business_days(received, COUNTER_NOTICE_MAX_BUSINESS_DAYS),
    )
