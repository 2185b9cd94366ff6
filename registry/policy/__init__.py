"""The deletion policy: who may do what to a project, a release or a file, and why.

This package is pure: no ORM, no settings, no clock. Callers take a snapshot of the facts, pass
`now` and a PolicyConfig (built from settings by the caller with `build_config`), and get back a
Decision carrying the rule that decided, a plain-language explanation with the real figures, and
what the actor can do instead. Every refusal a maintainer sees is one of these Decisions.

Order of the rules, the same under every preset (`rules`):

1. Roles: anonymous users, users without a role and support staff may do nothing; registry
   admins may do everything (an "override" when an owner would be refused).
2. A quarantined project: its owners and maintainers may do nothing.
3. Maintainers may upload, yank and un-yank only. Owners may also archive, deprecate, lock
   deletions and manage roles; only an admin lifts a deletion lock.
4. Owners' deletions: refused while the deletion lock is on, or (where the preset's
   `critical_needs_admin` is on) for a critical project; removing the last live release, or its
   last files, is judged as deleting the project where `last_release_is_project` is on; then
   the preset decides (`presets`), which also says what becomes of a removed project's name
   (`reservations`). A refused project deletion carries its impact: dependents and downloads.

Glossary:

- *delete*: what an owner asks for (the `DELETE_*` actions this policy decides).
- *remove*: the recorded, restorable state a granted deletion leaves: the rows stay, marked
  removed, off the index; an admin restores one removal event at once.
- *purge*: destroy a removed file's bytes (admins, for legal or security reasons); the row stays
  as a tombstone and can never be restored.
- *yank*: mark a release so installers skip it unless it is pinned exactly (PEP 592); undoable.
- *archive*: mark a project unmaintained; its files stay installable, uploads are refused.
- *deprecate*: tell users not to use a project any more, with a message and maybe a successor.
- *quarantine*: an admin's hold on a project: no files served, its owners cannot act on it.
- *critical*: among the most downloaded share of projects over the last 30 days (1% by
  default, `HOLDFAST_CRITICAL_PROJECTS_PERCENT`), recomputed by the scheduler.
- *impact*: who depends on a project and how much it is used (`registry.impact`), shown before
  every removal.

Modules: `core` (actions, roles, facts, Decision), `config` (the preset and its parameters),
`rules` (`decide`, `reservation_for_removed_project`), `presets` (one rule per preset and the
table of presets), `versions` (version 0, pre-releases, every version summed up),
`reservations` (removed names), `wording` (figures in sentences).
"""

from .config import DEFAULT_PRESET, PolicyConfig, PolicyConfigError, build_config
from .core import (
    DELETIONS,
    MAINTAINER_ACTIONS,
    OWNER_ACTIONS,
    QUARANTINED,
    Action,
    ActorRole,
    Alternative,
    Decision,
    FileFacts,
    ProjectFacts,
    ReleaseFacts,
    ReservationRule,
    VersionsSummary,
)
from .presets import FLAGS, PRESETS, Source, needs_every_release, preset_notes
from .rules import decide, reservation_for_removed_project
from .versions import versions_summary
from .wording import LISTED, _duration

__all__ = [
    "DEFAULT_PRESET",
    "DELETIONS",
    "FLAGS",
    "LISTED",
    "MAINTAINER_ACTIONS",
    "OWNER_ACTIONS",
    "PRESETS",
    "QUARANTINED",
    "Action",
    "ActorRole",
    "Alternative",
    "Decision",
    "FileFacts",
    "PolicyConfig",
    "PolicyConfigError",
    "ProjectFacts",
    "ReleaseFacts",
    "ReservationRule",
    "Source",
    "VersionsSummary",
    "_duration",
    "build_config",
    "decide",
    "needs_every_release",
    "preset_notes",
    "reservation_for_removed_project",
    "versions_summary",
]
