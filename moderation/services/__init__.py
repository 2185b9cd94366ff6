"""Every change to a moderation case, one function per act.

- `submissions`: filing a takedown notice, an abuse report or a deletion exception;
- `engine`: moving any case along its transition table (`apply_transition`, `apply_batch`);
- `effects`: what each transition plans and executes in the registry;
- `triage`: assigning, prioritising, recommending, notes and messages;
- `staged`: starting a staged removal, its owners' and admins' acts, and the scheduler's batches;
- `schedule`: how long each stage lasts.

Support staff triage; registry admins execute, always through the registry's own services, so
the policy's record (RemovalEvent, history) is the same as for any removal.
"""

from .. import workflow
from .effects import EFFECTS, PlanItem, named_targets, plan
from .engine import apply_batch, apply_transition, sla_due
from .messages import MESSAGE_FIELD
from .submissions import (
    DMCA_ELEMENTS,
    case_for_key,
    exception_impact,
    hash_key,
    missing_dmca_elements,
    new_access_key,
    submit_abuse_report,
    submit_exception,
    submit_takedown,
)
from .triage import add_note, assign, message_requester, recommend, requester_reply, set_priority

__all__ = [
    "DMCA_ELEMENTS",
    "EFFECTS",
    "MESSAGE_FIELD",
    "PlanItem",
    "add_note",
    "apply_batch",
    "apply_transition",
    "assign",
    "case_for_key",
    "exception_impact",
    "hash_key",
    "message_requester",
    "missing_dmca_elements",
    "named_targets",
    "new_access_key",
    "plan",
    "recommend",
    "requester_reply",
    "set_priority",
    "sla_due",
    "submit_abuse_report",
    "submit_exception",
    "submit_takedown",
    "workflow",
]
