"""Every change of registry state, one function per act.

Each function takes keyword-only arguments, the acting user and a reason, and `now` for tests;
runs in one transaction; locks the rows it changes; raises `RegistryError` (a message a person can
act on) when it refuses; and writes history with the actor and the reason.

Where to look: `projects` (registration, status, yanks, the deletion lock, roles), `uploads`
(releases, files, dependencies and the upload rules), `names` (name reservations), `removals`
(remove, restore, purge, pending removal), `transfers` (ownership transfers and their undo),
`popularity` (ranks and critical projects);
`errors` and `guards` are what they share. Callers
import from this package: `from registry import services; services.remove_project(...)`.
"""

from .errors import PolicyRefusal, RegistryError
from .names import (
    allow_reserved_name,
    expire_reservation,
    record_lapsed_reservations,
    reservation_blocking,
    reserve_name,
)
from .popularity import popularity_is_stale, recompute_popularity
from .projects import (
    add_role,
    archive_project,
    create_project,
    deprecate_project,
    lock_deletions,
    quarantine_project,
    release_quarantine,
    remove_role,
    unarchive_project,
    undeprecate_project,
    unlock_deletions,
    unyank_release,
    yank_release,
    yank_releases,
)
from .removals import (
    PURGE_CATEGORIES,
    RestoreResult,
    clear_pending_removal,
    mark_pending_removal,
    mark_pending_removal_many,
    purge_files,
    remove_files,
    remove_project,
    remove_release,
    restore_removal,
)
from .transfers import transfer_project, undo_transfer
from .uploads import (
    add_file,
    create_release,
    parse_distribution_filename,
    publish_file,
    refuse_oversized,
    refuse_used_filename,
    set_dependencies,
)

__all__ = [
    "PURGE_CATEGORIES",
    "PolicyRefusal",
    "RegistryError",
    "RestoreResult",
    "add_file",
    "add_role",
    "allow_reserved_name",
    "archive_project",
    "clear_pending_removal",
    "create_project",
    "create_release",
    "deprecate_project",
    "expire_reservation",
    "lock_deletions",
    "mark_pending_removal",
    "mark_pending_removal_many",
    "parse_distribution_filename",
    "popularity_is_stale",
    "publish_file",
    "purge_files",
    "quarantine_project",
    "recompute_popularity",
    "record_lapsed_reservations",
    "refuse_oversized",
    "refuse_used_filename",
    "release_quarantine",
    "remove_files",
    "remove_project",
    "remove_release",
    "remove_role",
    "reservation_blocking",
    "reserve_name",
    "restore_removal",
    "set_dependencies",
    "transfer_project",
    "unarchive_project",
    "undeprecate_project",
    "undo_transfer",
    "unlock_deletions",
    "unyank_release",
    "yank_release",
    "yank_releases",
]
