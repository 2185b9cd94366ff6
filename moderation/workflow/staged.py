"""Staged removal: deprecated -> pending removal -> awaiting review -> removed or kept."""

from enum import StrEnum

from .core import Refusal, Who, _t


class StagedState(StrEnum):
    DEPRECATED = "deprecated"
    PENDING_REMOVAL = "pending_removal"
    AWAITING_REVIEW = "awaiting_review"
    REMOVED = "removed"
    KEPT = "kept"
    CANCELLED = "cancelled"


def _at_least_a_day(case, now, data):
    if (data.get("days") or 0) < 1:
        return Refusal("days", "Extend by at least one day.")
    return None


S = StagedState
STAGED_OPEN = {S.DEPRECATED, S.PENDING_REMOVAL, S.AWAITING_REVIEW}

STAGED_TRANSITIONS = [
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
