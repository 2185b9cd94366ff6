"""The policy's vocabulary: actions, roles, the facts it is given and the answers it gives."""

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum


class Action(StrEnum):
    DELETE_FILE = "delete_file"
    DELETE_RELEASE = "delete_release"
    DELETE_PROJECT = "delete_project"
    YANK = "yank"
    UNYANK = "unyank"
    ARCHIVE = "archive"
    UNARCHIVE = "unarchive"
    DEPRECATE = "deprecate"
    UNDEPRECATE = "undeprecate"
    LOCK_DELETIONS = "lock_deletions"
    UNLOCK_DELETIONS = "unlock_deletions"
    UPLOAD = "upload"
    MANAGE_ROLES = "manage_roles"


class ActorRole(StrEnum):
    ANONYMOUS = "anonymous"
    OTHER = "other"  # Logged in, without a role on the project.
    MAINTAINER = "maintainer"
    OWNER = "owner"
    SUPPORT = "support"  # Support staff: triage in the admin, never act on projects.
    ADMIN = "admin"  # Registry admin.


DELETIONS = frozenset({Action.DELETE_FILE, Action.DELETE_RELEASE, Action.DELETE_PROJECT})
MAINTAINER_ACTIONS = frozenset({Action.UPLOAD, Action.YANK, Action.UNYANK})
# Everything an owner may do whatever the preset says, because none of it removes anything.
OWNER_ACTIONS = MAINTAINER_ACTIONS | {
    Action.ARCHIVE,
    Action.UNARCHIVE,
    Action.DEPRECATE,
    Action.UNDEPRECATE,
    Action.LOCK_DELETIONS,
    Action.MANAGE_ROLES,
}
_NEEDS_RELEASE = frozenset({Action.DELETE_FILE, Action.DELETE_RELEASE, Action.YANK, Action.UNYANK})

QUARANTINED = "quarantined"


# The facts -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class FileFacts:
    filename: str
    uploaded_at: datetime


@dataclass(frozen=True)
class ReleaseFacts:
    version: str
    created_at: datetime
    downloads_total: int
    files: tuple[FileFacts, ...] = ()  # Live files only.


@dataclass(frozen=True)
class VersionsSummary:
    """Every version a project ever had (removed releases included, newest first), summed up
    for the project-wide rules by a caller that does not list them all: how many there are, how
    many are not version 0, and the first few of each (as many as an explanation names), each
    with whether its release is still live."""

    count: int
    listed: tuple[tuple[str, bool], ...]
    not_zero_count: int
    not_zero_listed: tuple[tuple[str, bool], ...]


@dataclass(frozen=True)
class ProjectFacts:
    name: str
    created_at: datetime
    versions_ever: tuple[str, ...]  # Every version ever released, removed releases included.
    releases: tuple[ReleaseFacts, ...]  # Live releases.
    owner_count: int
    downloads_last_7_days: int
    downloads_total: int
    dependent_projects: int  # Other projects whose latest live release depends on this one.
    deletion_locked: bool
    status: str = "active"  # PEP 792: active, archived, deprecated or quarantined.
    critical: bool = False  # Among the most downloaded share of projects (see `impact`).
    # A caller that reads one page of releases (a project's page) gives these two instead of
    # every release: then `versions_ever` may be empty, and `releases` holds only the live
    # releases it asks about (always the only one, when there is a single live release).
    live_release_count: int | None = None
    versions: VersionsSummary | None = None

    @property
    def live_releases(self) -> int:
        """How many live releases the project has."""
        return len(self.releases) if self.live_release_count is None else self.live_release_count

    @property
    def every_release_given(self) -> bool:
        return self.live_release_count is None or self.live_release_count == len(self.releases)


# The answers ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Alternative:
    action: str  # Stable id, e.g. "yank", "transfer", "request_exception".
    label: str  # Short button text.
    description: str  # One plain sentence.


@dataclass(frozen=True)
class Decision:
    allowed: bool
    rule: str  # Stable id, e.g. "proposal-2022.project-window"; stored with removal events.
    explanation: str
    alternatives: tuple[Alternative, ...] = ()
    override: bool = False  # An admin is allowed what the rules would refuse an owner.

    @property
    def refused(self) -> bool:
        return not self.allowed


@dataclass(frozen=True)
class ReservationRule:
    others_blocked_for: timedelta | None  # None: forever; timedelta(0): free at once.
    previous_owners_may_register: bool
    explanation: str


@dataclass(frozen=True)
class _Case:
    """One question put to the policy, with the facts and the preset's parameters."""

    action: Action
    project: ProjectFacts
    release: ReleaseFacts | None
    file: FileFacts | None
    now: datetime
    preset: str
    params: Mapping[str, int]
    # Filenames removed in the same act as `file` (it included): several files chosen at once
    # may together be the last live files of the project.
    together: frozenset[str] = frozenset()

    def age(self, since: datetime) -> timedelta:
        # A timestamp slightly in the future (clock skew) counts as brand new.
        return max(self.now - since, timedelta(0))

    @property
    def policy(self) -> str:
        return f"this registry's policy (the {self.preset} preset)"

    @property
    def what(self) -> str:
        """Say what the action does to what, e.g. "delete release 1.0 of foo"."""
        name = self.project.name
        match self.action:
            case Action.DELETE_FILE:
                return f"delete the file {self.file.filename}"
            case Action.DELETE_RELEASE:
                return f"delete release {self.release.version} of {name}"
            case Action.DELETE_PROJECT:
                return f"delete the project {name}"
            case Action.YANK:
                return f"yank release {self.release.version} of {name}"
            case Action.UNYANK:
                return f"un-yank release {self.release.version} of {name}"
            case Action.ARCHIVE:
                return f"archive {name}"
            case Action.UNARCHIVE:
                return f"unarchive {name}"
            case Action.DEPRECATE:
                return f"deprecate {name}"
            case Action.UNDEPRECATE:
                return f"lift the deprecation of {name}"
            case Action.LOCK_DELETIONS:
                return f"turn on the deletion lock of {name}"
            case Action.UNLOCK_DELETIONS:
                return f"lift the deletion lock of {name}"
            case Action.UPLOAD:
                return f"upload files to {name}"
            case Action.MANAGE_ROLES:
                return f"manage who has a role on {name}"


def _allow(rule: str, explanation: str) -> Decision:
    return Decision(allowed=True, rule=rule, explanation=explanation)


def _refuse(rule: str, explanation: str, alternatives: tuple[Alternative, ...] = ()) -> Decision:
    return Decision(allowed=False, rule=rule, explanation=explanation, alternatives=alternatives)
