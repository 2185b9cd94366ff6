"""Where a staged removal stands, for its owners: the next step in a sentence, and its stages
(deprecated, pending removal, awaiting review, removed) with their dates and today among them."""

from dataclasses import dataclass
from datetime import datetime

from .services.schedule import stage_days
from .workflow import StagedState

S = StagedState

# The stages in their order; a case closed otherwise (kept, cancelled) ends where it stood.
STAGES = (
    (S.DEPRECATED, "Deprecated"),
    (S.PENDING_REMOVAL, "Pending removal"),
    (S.AWAITING_REVIEW, "Awaiting review"),
    (S.REMOVED, "Removed"),
)
ENDINGS = {S.KEPT: "Kept", S.CANCELLED: "Cancelled"}


@dataclass(frozen=True)
class Stage:
    label: str
    when: datetime | None  # None: no date yet (the admins' review decides)
    status: str  # "done", "current", "planned" or "today" (the marker between stages)
    note: str = ""


def next_step(case):
    """The case's next step and its date in a sentence ("" once it is closed)."""
    target = case.target
    if case.state == S.DEPRECATED and case.next_step_at:
        return (
            f"On {case.next_step_at:%Y-%m-%d} the scheduler marks it pending removal: {target} "
            "is then hidden from /simple/ and installable only from the opt-in index "
            "/pending/simple/."
        )
    if case.state == S.PENDING_REMOVAL and case.next_step_at:
        return (
            f"On {case.next_step_at:%Y-%m-%d} it goes to the registry admins, who review the "
            f"removal of {target}: they remove it, keep it or give it more time."
        )
    if case.state == S.AWAITING_REVIEW:
        return (
            f"The registry admins now review the removal of {target}: they remove it, keep it "
            "or give it more time."
        )
    return ""


def _planned_dates(case):
    """When the pending and review stages start: as recorded, or as now planned."""
    pending_on, review_on = case.pending_at, case.review_at
    if case.state == S.DEPRECATED and case.next_step_at:
        pending_on = case.next_step_at
        review_on = case.next_step_at + stage_days()[1]
    elif case.state == S.PENDING_REMOVAL and case.next_step_at:
        review_on = case.next_step_at
    return {
        S.DEPRECATED: case.created_at,
        S.PENDING_REMOVAL: pending_on,
        S.AWAITING_REVIEW: review_on,
        S.REMOVED: case.closed_at if case.state == S.REMOVED else None,
    }


def timeline(case, now):
    """Return the Stages of `case` in order, with a "today" marker after the current one."""
    dates = _planned_dates(case)
    order = [state for state, _label in STAGES]
    stages = []
    if case.state in ENDINGS:
        # Where it stood when it was closed: the stages it had reached, then its ending.
        reached = [state for state in order if state != S.REMOVED and dates[state] is not None]
        reached = [s for s in reached if dates[s] <= (case.closed_at or now)] or [S.DEPRECATED]
        stages = [Stage(dict(STAGES)[s], dates[s], "done") for s in reached]
        stages.append(Stage(ENDINGS[case.state], case.closed_at, "done"))
        stages.append(Stage("Today", now, "today"))
        return stages
    current = order.index(case.state)
    for index, (state, label) in enumerate(STAGES):
        if index < current:
            status = "done"
        elif index == current:
            status = "done" if state == S.REMOVED else "current"
        else:
            status = "planned"
        note = "after the review" if state == S.REMOVED and dates[state] is None else ""
        stages.append(Stage(label, dates[state], status, note))
        if index == current:
            stages.append(Stage("Today", now, "today"))
    return stages
