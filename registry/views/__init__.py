"""The maintainers' pages: their projects, each project's state and history, and its actions.

- `base`: what every page about one project shares (lookup by any spelling, who may see it,
  decisions as pages show them);
- `projects`: the person's projects and one project's page;
- `actions`: what every action page shares; `removals`, `status` and `roles`: the action pages;
- `timeline`: the project's history.
"""

from .projects import ProjectDetailView, projects
from .removals import RemoveFilesView, RemoveProjectView, RemoveReleaseView
from .roles import RemoveRoleView, RolesView
from .status import (
    ArchiveView,
    DeprecateView,
    LockDeletionsView,
    UnarchiveView,
    UndeprecateView,
    UnyankView,
    YankReleasesView,
    YankView,
)
from .timeline import HistoryView

__all__ = [
    "ArchiveView",
    "DeprecateView",
    "HistoryView",
    "LockDeletionsView",
    "ProjectDetailView",
    "RemoveFilesView",
    "RemoveProjectView",
    "RemoveReleaseView",
    "RemoveRoleView",
    "RolesView",
    "UnarchiveView",
    "UndeprecateView",
    "UnyankView",
    "YankReleasesView",
    "YankView",
    "projects",
]
