"""What every queue's table is made of: the queues, who may act, transitions and refusals."""

from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum


class Kind(StrEnum):
    TAKEDOWN = "takedown"
    EXCEPTION = "exception"
    ABUSE = "abuse"
    STAGED = "staged"
    NAME = "name"


# The queues of requests filed by someone and triaged by staff (staged removal is the owners').
REQUEST_KINDS = (Kind.TAKEDOWN, Kind.EXCEPTION, Kind.ABUSE, Kind.NAME)


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


def state_label(state):
    """Return how a state is named on pages: `pending_removal` is "Pending removal"."""
    return str(state).replace("_", " ").capitalize()
