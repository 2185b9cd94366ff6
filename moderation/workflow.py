"""The moderation engine's tables: pure data and functions, no ORM, no clock.

Every queue (legal takedowns, deletion exceptions, abuse reports and staged removals) has
states and named transitions. A transition says where it may start, where it ends, who may take
it, its guard (a pure check of the case and what was typed), and the name of its *effect*: the
plan shown on the confirmation page and the executor that carries it out, both in
`moderation.services.effects`. The admin, the requesters' and owners' pages, the services and
the scheduler all read these tables, so they cannot disagree. Each state also has its texts: what
the requester (or owner) is told, and what staff see.
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum


class Kind(StrEnum):
    TAKEDOWN = "takedown"
    EXCEPTION = "exception"
    ABUSE = "abuse"
    STAGED = "staged"


# The queues of requests filed by someone and triaged by staff (staged removal is the owners').
REQUEST_KINDS = (Kind.TAKEDOWN, Kind.EXCEPTION, Kind.ABUSE)


class Who(StrEnum):
    SUPPORT = "support"  # support staff and registry admins
    ADMIN = "admin"  # registry admins only: the transition executes something
    REQUESTER = "requester"  # the person who filed it, through their private link or page
    OWNER = "owner"  # the project's owners (and registry admins)
    SCHEDULER = "scheduler"  # advance_workflows, when the case is due


@dataclass(frozen=True)
class Refusal:
    """Why a guard stops a transition: a code for programs, a message for people."""

    code: str
    message: str


@dataclass(frozen=True)
class Transition:
    name: str
    sources: frozenset
    target: str | None  # None: the case stays in the state it is in
    who: Who
    label: str
    help: str
    executes: bool = False  # it changes the registry
    message_required: bool = False  # the reason is sent to the requester
    effect: str = ""  # its plan and executor in moderation.services.effects ("": state only)
    guard: Callable | None = None  # (case, now, data) -> Refusal | None; pure

    def target_from(self, state):
        """Return the state a case in `state` ends in."""
        return self.target if self.target is not None else state

    def refusal(self, case, now, data):
        """Return the guard's Refusal for this case now, or None."""
        return self.guard(case, now, data) if self.guard is not None else None


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


class StagedState(StrEnum):
    DEPRECATED = "deprecated"
    PENDING_REMOVAL = "pending_removal"
    AWAITING_REVIEW = "awaiting_review"
    REMOVED = "removed"
    KEPT = "kept"
    CANCELLED = "cancelled"


STATES = {
    Kind.TAKEDOWN: TakedownState,
    Kind.EXCEPTION: ExceptionState,
    Kind.ABUSE: AbuseState,
    Kind.STAGED: StagedState,
}


def state_label(state):
    """Return how a state is named on pages: `pending_removal` is "Pending removal"."""
    return str(state).replace("_", " ").capitalize()


def choices(kind):
    """Return the model field choices of `kind`'s states."""
    return [(state.value, state_label(state)) for state in STATES[Kind(kind)]]


# Guards ------------------------------------------------------------------------------------------


def _waiting_period_over(case, now, data):
    if case.reinstate_after and now.date() < case.reinstate_after:
        return Refusal(
            "waiting_period",
            f"The counter-notice waiting period runs until {case.reinstate_after:%Y-%m-%d} "
            "(10 business days, 17 U.S.C. § 512(g)); reinstate on or after that day, unless "
            "the claimant reports a court action.",
        )
    return None


def _counter_notice_given(case, now, data):
    if not (data.get("counter_notice") or "").strip():
        return Refusal("counter_notice", "Paste the counter-notice you received.")
    return None


def _at_least_a_day(case, now, data):
    if (data.get("days") or 0) < 1:
        return Refusal("days", "Extend by at least one day.")
    return None


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
            effect="remove_named",
        ),
        _t(
            "receive_counter_notice",
            {T.CONTENT_DISABLED},
            T.COUNTER_NOTICE,
            Who.SUPPORT,
            "Record a counter-notice",
            "The owner disputes the claim. The content comes back after 10 business days "
            "unless the claimant reports a court action within 14.",
            effect="record_counter_notice",
            guard=_counter_notice_given,
        ),
        _t(
            "send_counter_notice",
            {T.CONTENT_DISABLED},
            T.COUNTER_NOTICE,
            Who.OWNER,
            "Send a counter-notice",
            "The owner disputes the claim through the site's form (17 U.S.C. § 512(g)(3)). The "
            "content comes back after 10 business days unless the claimant reports a court "
            "action within 14.",
            effect="record_counter_notice",
            guard=_counter_notice_given,
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
            effect="restore_removals",
            guard=_waiting_period_over,
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
            effect="remove_named",
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
            effect="quarantine",
        ),
        _t(
            "remove",
            {A.TRIAGED, A.QUARANTINED},
            A.REMOVED,
            Who.ADMIN,
            "Remove the project",
            "Remove the project from the index (restorable; its name stays reserved).",
            executes=True,
            effect="remove_project",
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
            effect="lift_quarantine",
        ),
    ],
}

S = StagedState
STAGED_OPEN = {S.DEPRECATED, S.PENDING_REMOVAL, S.AWAITING_REVIEW}

TRANSITIONS[Kind.STAGED] = [
    _t(
        "to_pending",
        {S.DEPRECATED},
        S.PENDING_REMOVAL,
        Who.SCHEDULER,
        "Hide it from the index (pending removal)",
        "The deprecation period is over: installers get it only from the opt-in index "
        "/pending/simple/.",
        executes=True,
        effect="mark_pending",
    ),
    _t(
        "to_review",
        {S.PENDING_REMOVAL},
        S.AWAITING_REVIEW,
        Who.SCHEDULER,
        "Ask the registry admins to review it",
        "The pending period is over: a registry admin approves the removal, keeps it or gives "
        "it more time.",
        effect="await_review",
    ),
    _t(
        "approve",
        {S.AWAITING_REVIEW},
        S.REMOVED,
        Who.ADMIN,
        "Approve: remove it",
        "Remove the project or release as the end of its staged removal (one removal event, "
        "restorable); its owners are told.",
        executes=True,
        effect="remove_staged",
    ),
    _t(
        "keep",
        STAGED_OPEN,
        S.KEPT,
        Who.ADMIN,
        "Keep it",
        "It returns to the normal index (still deprecated); the case is closed and the owners "
        "are told.",
        executes=True,
        effect="keep_staged",
    ),
    _t(
        "extend",
        {S.DEPRECATED, S.PENDING_REMOVAL},
        None,
        Who.ADMIN,
        "Extend the current stage",
        "The scheduler moves it on later by the given number of days.",
        effect="extend_stage",
        guard=_at_least_a_day,
    ),
    _t(
        "send_back",
        {S.AWAITING_REVIEW},
        S.PENDING_REMOVAL,
        Who.ADMIN,
        "Extend: back to pending removal",
        "It stays pending removal for the given number of days, then awaits review again.",
        effect="extend_stage",
        guard=_at_least_a_day,
    ),
    _t(
        "cancel",
        STAGED_OPEN,
        S.CANCELLED,
        Who.OWNER,
        "Cancel the staged removal",
        "Everything goes back: the deprecation is lifted (or the release un-yanked) and it is "
        "served by /simple/ again.",
        executes=True,
        effect="cancel_staged",
    ),
]

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
}

# States in which the case waits for the requester rather than for staff.
WAITING_ON_REQUESTER = {
    Kind.TAKEDOWN: {T.NEEDS_INFO},
    Kind.EXCEPTION: set(),
    Kind.ABUSE: set(),
    Kind.STAGED: set(),
}

# Open states in which nobody on staff has to act (the requester, the owner or the law's
# waiting period has the next move): such a case is never "overdue". Entering a state where
# staff must act again starts a new service-level deadline.
NOT_STAFF_TURN = {
    Kind.TAKEDOWN: {T.NEEDS_INFO, T.CONTENT_DISABLED, T.COUNTER_NOTICE},
    Kind.EXCEPTION: set(),
    Kind.ABUSE: set(),
    Kind.STAGED: {S.DEPRECATED, S.PENDING_REMOVAL},  # the scheduler's turn
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
