"""The ProjectFacts of every live project, streamed in a fixed number of queries.

`live_project_facts(now=...)` reads the rows that `registry.facts.project_facts` reads for one
project, but for all live projects at once: one query per kind of row, whatever the number of
projects. Each query is ordered by project and read in chunks (a server-side cursor on
PostgreSQL), and the streams are merged one project at a time, so memory holds one project's
rows, not the registry's. Two small lookups are read whole first: who depends on which name
(one entry per depended-on name) and which projects are critical (1% of them by default).

The facts are the same as `project_facts` gives for each project (a test holds them equal), so
the report and the maintainers' pages judge by the same figures.
"""

from dataclasses import dataclass
from datetime import timedelta

from django.db.models import Count, Q, Sum

from .. import policy
from ..facts import dependents_by_name, facts_from_rows, week_start
from ..models import DownloadCount, File, Popularity, Project, Release, Role, RoleName

CHUNK_SIZE = 5000
# How many queries live_project_facts makes, whatever the number of projects.
QUERIES = 7


@dataclass(frozen=True)
class ProjectRow:
    """One live project: its policy facts and the figures the report ranks it by."""

    pk: int
    normalized_name: str
    facts: policy.ProjectFacts
    downloads_30_days: int


@dataclass(frozen=True)
class _Project:
    name: str
    created_at: object
    deletion_locked: bool
    status: str


class _Stream:
    """The rows of one query, ordered by project id (their first value), taken per project."""

    def __init__(self, rows):
        self._rows = iter(rows)
        self._next = next(self._rows, None)

    def take(self, project_id):
        """Return the rows of `project_id`, skipping those of projects before it (removed
        projects, which the project stream leaves out)."""
        taken = []
        while self._next is not None and self._next[0] <= project_id:
            if self._next[0] == project_id:
                taken.append(self._next)
            self._next = next(self._rows, None)
        return taken


def month_start(now):
    """The last day before the 30 days of downloads that count as "the last 30 days"."""
    return (now - timedelta(days=30)).date()


def live_project_facts(*, now, chunk_size=CHUNK_SIZE):
    """Yield a ProjectRow for every live project at `now`, in order of primary key.

    Run it inside a transaction on PostgreSQL, so the server-side cursors read lazily (outside
    one, each is held, which makes the database compute it whole at once).
    """
    dependents = dependents_by_name()
    critical = set(
        Popularity.objects.filter(critical=True, project__removed_at__isnull=True).values_list(
            "project_id", flat=True
        )
    )
    projects = (
        Project.objects.live()
        .order_by("pk")
        .values_list("pk", "normalized_name", "name", "created_at", "deletion_locked", "status")
        .iterator(chunk_size=chunk_size)
    )
    # The rows of removed projects are skipped while merging, which costs less than joining.
    releases = _Stream(
        Release.objects.order_by("project_id", "-created_at", "-pk")
        .values_list("project_id", "pk", "version", "created_at", "removed_at")
        .iterator(chunk_size=chunk_size)
    )
    files = _Stream(
        File.objects.filter(removed_at__isnull=True, release__removed_at__isnull=True)
        .order_by("release__project_id", "release_id", "-uploaded_at", "-pk")
        .values_list("release__project_id", "release_id", "filename", "uploaded_at")
        .iterator(chunk_size=chunk_size)
    )
    downloads = _Stream(
        DownloadCount.objects.values("project_id", "file__release_id")
        .annotate(
            total=Sum("count"),
            week=Sum("count", filter=Q(day__gt=week_start(now))),
            month=Sum("count", filter=Q(day__gt=month_start(now))),
        )
        .order_by("project_id", "file__release_id")
        .values_list("project_id", "file__release_id", "total", "week", "month")
        .iterator(chunk_size=chunk_size)
    )
    owners = _Stream(
        Role.objects.active()
        .filter(role=RoleName.OWNER)
        .values("project_id")
        .annotate(owners=Count("pk"))
        .order_by("project_id")
        .values_list("project_id", "owners")
        .iterator(chunk_size=chunk_size)
    )
    for pk, normalized_name, name, created_at, locked, status in projects:
        files_by_release = {}
        for _project, release_id, filename, uploaded_at in files.take(pk):
            files_by_release.setdefault(release_id, []).append(
                policy.FileFacts(filename=filename, uploaded_at=uploaded_at)
            )
        downloads_by_release, week, month = {}, 0, 0
        for _project, release_id, total, in_week, in_month in downloads.take(pk):
            downloads_by_release[release_id] = total
            week += in_week or 0
            month += in_month or 0
        owner_rows = owners.take(pk)
        facts = facts_from_rows(
            _Project(name, created_at, locked, status),
            releases=[row[1:] for row in releases.take(pk)],
            files_by_release=files_by_release,
            downloads_by_release=downloads_by_release,
            downloads_last_7_days=week,
            owner_count=owner_rows[0][1] if owner_rows else 0,
            dependent_projects=len(dependents.get(normalized_name, set()) - {pk}),
            critical=pk in critical,
        )
        yield ProjectRow(pk, normalized_name, facts, month)
