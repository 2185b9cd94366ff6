"""The moderation models: the request queues, their links to registry rows, the conversation
with requesters, and staged removals."""

from .cases import (
    CASE_MODELS,
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
from .staged import STAGED_OPEN_STATES, StagedRemoval, StagedRemovalQuerySet, StagedState

__all__ = [
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
]
