"""The registry: projects, releases, files, who may act on them, and what was removed.

Nothing here is ever deleted by the product. Removal is a recorded, restorable state
(`removed_at` plus the RemovalEvent that did it); only a purge destroys a file's bytes, and the
row stays as a tombstone. Writes go through `registry.services`; these models hold the rules the
database itself can enforce.

Every link to an account (roles, tokens, who uploaded, yanked, locked, removed, restored, purged
or reserved) is `on_delete=PROTECT`: it is evidence of who did what, so an account that holds
any is deactivated (`is_active=False`), never deleted.

Where to look: `projects` (projects and roles), `releases` (releases, files, the filename
registry, dependencies), `removals` (removal events and name reservations), `tokens`,
`downloads`, `changes` (the change serial journal, the outbox), `transfers` (ownership
transfers, each with what undoing it restores); `base` is the soft-removal shape they share.
Import from this package.
"""

from .base import NO_DELETE_PERMISSIONS, Removable, RemovableQuerySet
from .changes import Change, OutboxKind, OutboxMessage
from .downloads import DownloadCount, Popularity
from .projects import Project, ProjectQuerySet, ProjectStatus, Role, RoleName, RoleQuerySet
from .releases import (
    Dependency,
    File,
    FilenameRegistry,
    FileQuerySet,
    Index,
    PackageType,
    Release,
    ReleaseQuerySet,
    file_blob_path,
    metadata_digest,
)
from .removals import (
    NameReservation,
    NameReservationQuerySet,
    RemovalCategory,
    RemovalEvent,
    RemovalEventQuerySet,
    RemovalScope,
    ReservationReason,
)
from .tokens import ApiToken, ApiTokenQuerySet
from .transfers import OwnershipTransfer, OwnershipTransferQuerySet

__all__ = [
    "NO_DELETE_PERMISSIONS",
    "ApiToken",
    "ApiTokenQuerySet",
    "Change",
    "Dependency",
    "DownloadCount",
    "File",
    "FileQuerySet",
    "FilenameRegistry",
    "Index",
    "NameReservation",
    "NameReservationQuerySet",
    "OutboxKind",
    "OutboxMessage",
    "OwnershipTransfer",
    "OwnershipTransferQuerySet",
    "PackageType",
    "Popularity",
    "Project",
    "ProjectQuerySet",
    "ProjectStatus",
    "Release",
    "ReleaseQuerySet",
    "Removable",
    "RemovableQuerySet",
    "RemovalCategory",
    "RemovalEvent",
    "RemovalEventQuerySet",
    "RemovalScope",
    "ReservationReason",
    "Role",
    "RoleName",
    "RoleQuerySet",
    "file_blob_path",
    "metadata_digest",
]
