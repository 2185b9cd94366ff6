"""The moderation models: the request queues, their links to registry rows, the conversation
with requesters, and staged removals."""

from ..workflow import Kind
from .cases import (
    ABUSE_QUEUE_ORDER,
    NO_DELETE_PERMISSIONS,
    AbuseCategory,
    AbuseReport,
    Case,
    CaseQuerySet,
    DeletionException,
    ExceptionCategory,
    LegalTakedown,
    Priority,
    TakedownKind,
)
from .links import (
    ExceptionFile,
    ExceptionRelease,
    ExceptionRemovalEvent,
    Link,
    ReportFile,
    ReportRelease,
    ReportRemovalEvent,
    StagedRemovalEvent,
    TakedownFile,
    TakedownRelease,
    TakedownRemovalEvent,
)
from .messages import Message, MessageKind
from .names import NameGround, NameIntent, NameRequest, NameRequestContact
from .reporters import TrustedReporter, TrustedReporterQuerySet
from .staged import STAGED_OPEN_STATES, StagedRemoval, StagedRemovalQuerySet, StagedState

CASE_MODELS = {
    Kind.TAKEDOWN: LegalTakedown,
    Kind.EXCEPTION: DeletionException,
    Kind.ABUSE: AbuseReport,
    Kind.NAME: NameRequest,
}

__all__ = [
    "ABUSE_QUEUE_ORDER",
    "CASE_MODELS",
    "NO_DELETE_PERMISSIONS",
    "STAGED_OPEN_STATES",
    "AbuseCategory",
    "AbuseReport",
    "Case",
    "CaseQuerySet",
    "DeletionException",
    "ExceptionCategory",
    "ExceptionFile",
    "ExceptionRelease",
    "ExceptionRemovalEvent",
    "LegalTakedown",
    "Link",
    "Message",
    "MessageKind",
    "NameGround",
    "NameIntent",
    "NameRequest",
    "NameRequestContact",
    "Priority",
    "ReportFile",
    "ReportRelease",
    "ReportRemovalEvent",
    "StagedRemoval",
    "StagedRemovalEvent",
    "StagedRemovalQuerySet",
    "StagedState",
    "TakedownFile",
    "TakedownKind",
    "TakedownRelease",
    "TakedownRemovalEvent",
    "TrustedReporter",
    "TrustedReporterQuerySet",
]
