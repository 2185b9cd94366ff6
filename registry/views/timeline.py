"""A project's timeline: who did what, when and why, from every history table, newest first."""

from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta

from django.db.models import Q
from django.shortcuts import render

from ..admin_history import actor_of, when
from ..models import (
    File,
    Project,
    ProjectStatus,
    Release,
    RemovalCategory,
    RemovalEvent,
    RemovalScope,
    Role,
    RoleName,
)
from ..words import counted
from .base import ProjectView

TIMELINE_PER_PAGE = 50

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


@dataclass(frozen=True)
class Entry:
    """One line of a project's history: who did what, when, and why."""

    when: datetime
    rank: int  # Which history table; with history_id, orders rows written at the same instant.
    history_id: int
    actor: str
    text: str
    reason: str
    verb: str = ""  # For a file's row: what happened to it ("removed"), to group rows.
    files: tuple = ()
    acted_at: datetime | None = None  # For a removal event's row: when it removed or restored.

    @property
    def key(self):
        return (self.when, self.rank, self.history_id)

    @property
    def cursor(self):
        micros = (self.when - EPOCH) // timedelta(microseconds=1)
        return f"{micros}.{self.rank}.{self.history_id}"


def parse_cursor(text):
    """Return (when, rank, history_id) from a `before` cursor, or None if it does not parse."""
    try:
        micros, rank, history_id = (int(part) for part in text.split("."))
        return EPOCH + timedelta(microseconds=micros), rank, history_id
    except (ValueError, OverflowError):
        return None


def _username(user, user_id):
    return user.get_username() if user is not None else f"user #{user_id} (deleted)"


STATUS_CHANGES = {
    (ProjectStatus.ARCHIVED, ProjectStatus.ACTIVE): "unarchived the project",
    (ProjectStatus.DEPRECATED, ProjectStatus.ACTIVE): "lifted the deprecation",
    (ProjectStatus.QUARANTINED, ProjectStatus.ACTIVE): "lifted the quarantine",
}


def describe_project(row, prev):
    if row.history_type == "+":
        return f"created the project {row.name}"
    if prev is None:
        state = [f"status {row.status}"]
        if row.deletion_locked:
            state.append("deletion lock on")
        if row.removed_at:
            state.append("removed")
        return f"changed the project (now {', '.join(state)})"
    if prev.removed_at is not None and row.removed_at is None:
        if row.created_at != prev.created_at:
            return f"registered the name {row.name} again, as a new project"
        return "restored the project"
    changes = []
    if prev.removed_at is None and row.removed_at is not None:
        changes.append("removed the project")
    if not prev.deletion_locked and row.deletion_locked:
        changes.append("turned on the deletion lock")
    if prev.deletion_locked and not row.deletion_locked:
        changes.append("lifted the deletion lock")
    if row.status != prev.status or (
        row.status == ProjectStatus.DEPRECATED
        and (row.status_reason, row.successor_id) != (prev.status_reason, prev.successor_id)
    ):
        changes.append(describe_status(row, prev))
    if row.name != prev.name:
        changes.append(f"renamed the project from {prev.name} to {row.name}")
    return "; ".join(changes) or "changed the project"


def describe_status(row, prev):
    if row.status == ProjectStatus.DEPRECATED:
        text = f"deprecated the project: “{row.status_reason}”"
        if row.successor_id:
            successor = row.successor.name if row.successor else f"project #{row.successor_id}"
            text += f" (successor: {successor})"
        return text
    if row.status == ProjectStatus.ARCHIVED:
        return "archived the project"
    if row.status == ProjectStatus.QUARANTINED:
        return "quarantined the project"
    fixed = STATUS_CHANGES.get((prev.status, row.status))
    return fixed or f"changed the status from {prev.status} to {row.status}"


def describe_release(row, prev):
    version = row.version
    if row.history_type == "+":
        return f"created release {version}"
    if prev is not None:
        if prev.removed_at is None and row.removed_at is not None:
            return f"removed release {version}"
        if prev.removed_at is not None and row.removed_at is None:
            return f"restored release {version}"
        if not prev.yanked and row.yanked:
            return f"yanked {version}"
        if prev.yanked and not row.yanked:
            return f"un-yanked {version}"
        return f"changed release {version}"
    # The previous record is older than this page: say what the release became.
    if row.removed_at is not None:
        return f"removed release {version}"
    if row.yanked:
        return f"yanked {version}"
    return f"un-yanked or restored release {version} (it is now live and not yanked)"


# What happened to one file, and to several at once: {} is the file, or "35 files: a, b…".
FILE_VERBS = {
    "uploaded": ("uploaded {}", "uploaded {}"),
    "purged": ("purged {} (its bytes were destroyed)", "purged {} (their bytes were destroyed)"),
    "removed": ("removed file {}", "removed {}"),
    "restored": ("restored file {}", "restored {}"),
}


def file_verb(row, prev):
    if row.history_type == "+":
        return "uploaded"
    # Files only change by removal, purge and restore, so the row's own state says which.
    if row.purged_at is not None and (prev is None or prev.purged_at is None):
        return "purged"
    return "removed" if row.removed_at is not None else "restored"


def describe_file(row, prev):
    return FILE_VERBS[file_verb(row, prev)][0].format(row.filename)


def _files_named(files, shown=5):
    names = ", ".join(files[:shown])
    more = f" and {len(files) - shown:,} more" if len(files) > shown else ""
    return f"{counted(len(files), 'file')}: {names}{more}"


def describe_role(row, prev):
    who = _username(row.user, row.user_id)
    role = RoleName(row.role).label.lower() if row.role in RoleName.values else row.role
    if row.history_type == "+":
        return f"gave {who} the {role} role"
    if row.ended_at is not None:
        if row.history_user_id is not None and row.history_user_id == row.user_id:
            return f"left the project (was {role})"
        return f"removed {who} as {role}"
    if prev is not None and prev.ended_at is None and prev.role != row.role:
        return f"made {who} {role} (was {prev.role})"
    return f"gave {who} the {role} role"


def _removal_what(row):
    summary = row.summary or {}
    files = summary.get("files") or []
    releases = summary.get("releases") or []
    if row.scope == RemovalScope.PROJECT:
        return (
            f"the project {summary.get('project', '')} with {counted(len(releases), 'release')} "
            f"and {counted(len(files), 'file')}"
        )
    if row.scope == RemovalScope.RELEASE:
        return f"release {', '.join(releases)} with {counted(len(files), 'file')}"
    return _files_named(files)


def describe_removal(row, prev):
    what = _removal_what(row)
    if row.history_type == "+":
        category = RemovalCategory(row.category).label if row.category else ""
        rule = row.policy_rule or "none"
        override = ", an admin override" if row.is_override else ""
        return f"removed {what} ({category}; rule {rule}{override})"
    if row.restored_at is not None:
        return f"restored {what}, removed on {when(row.created_at)}"
    return f"changed the removal of {what}"


REMOVAL_RANK = 4  # The removal events' place in timeline_sources.


def timeline_sources(project):
    """The history tables of a project, each with its rank and the way to describe a row."""
    return [
        (
            Project.history.filter(id=project.pk).select_related("successor"),
            describe_project,
        ),
        (Role.history.filter(project_id=project.pk).select_related("user"), describe_role),
        (Release.history.filter(project_id=project.pk), describe_release),
        (
            File.history.filter(release__project_id=project.pk).defer("core_metadata"),
            describe_file,
        ),
        (RemovalEvent.history.filter(project_id=project.pk), describe_removal),
    ]


def timeline_page(project, *, before=None, size=TIMELINE_PER_PAGE):
    """Return (entries, next cursor or None): one query per history table, whatever the size.

    Each table gives at most size + 1 rows older than the cursor, newest first; merged, the
    first `size` are the page. An older row of the same object among those fetched is its
    previous record, so most changes are described exactly without a query per row.
    """
    entries = []
    for rank, (queryset, describe) in enumerate(timeline_sources(project)):
        if before is not None:
            when, cursor_rank, cursor_id = before
            if rank < cursor_rank:
                queryset = queryset.filter(history_date__lte=when)
            elif rank == cursor_rank:
                queryset = queryset.filter(
                    Q(history_date__lt=when) | Q(history_date=when, history_id__lt=cursor_id)
                )
            else:
                queryset = queryset.filter(history_date__lt=when)
        rows = list(queryset.order_by("-history_date", "-history_id")[: size + 1])
        for index, row in enumerate(rows):
            prev = next((older for older in rows[index + 1 :] if older.id == row.id), None)
            is_file = describe is describe_file
            entries.append(
                Entry(
                    when=row.history_date,
                    rank=rank,
                    history_id=row.history_id,
                    actor=actor_of(row),
                    text=describe(row, prev),
                    reason=row.history_change_reason or "",
                    verb=file_verb(row, prev) if is_file else "",
                    files=(row.filename,) if is_file else (),
                    acted_at=(row.restored_at or row.created_at) if rank == REMOVAL_RANK else None,
                )
            )
    entries.sort(key=lambda entry: entry.key, reverse=True)
    page, more = entries[:size], len(entries) > size
    return page, (page[-1].cursor if more and page else None)


# One act's rows count as one line; a page reads this many rows at most (one query a table).
ROWS_PER_PAGE = 500
SAME_ACT = timedelta(seconds=5)


def _same_act(entry, other):
    """Whether two lines tell of one act: one actor and reason, at (nearly) one time."""
    when = other.acted_at or other.when
    return (entry.actor, entry.reason) == (other.actor, other.reason) and (
        abs(entry.when - when) <= SAME_ACT
    )


def grouped(entries):
    """Return (line, oldest entry in it) for `entries`: the files one act touched (a removal,
    a restore, an upload of several) in one line, and none where that act's removal event
    already says it."""
    groups = []
    for entry in entries:
        last, neighbour = groups[-1] if groups else (None, None)
        # Chained: each row is compared with the one before it, so a slow upload of many files
        # stays one line.
        if entry.verb and last and last.verb == entry.verb and _same_act(entry, neighbour):
            groups[-1] = (replace(last, files=last.files + entry.files), entry)
            continue
        groups.append((entry, entry))
    events = [entry for entry in entries if entry.rank == REMOVAL_RANK]
    lines = []
    for line, oldest in groups:
        if line.verb in ("removed", "restored") and any(_same_act(line, e) for e in events):
            line = None  # The removal event's own line says it.
        elif len(line.files) > 1:
            files = sorted(line.files)
            line = replace(line, text=FILE_VERBS[line.verb][1].format(_files_named(files)))
        lines.append((line, oldest))
    return lines


def timeline_lines(project, *, before=None, size=TIMELINE_PER_PAGE):
    """Return (lines, the entries they stand for, next cursor or None): a page of `size`
    lines, in a fixed number of queries (see `timeline_page`)."""
    entries, cursor = timeline_page(project, before=before, size=ROWS_PER_PAGE)
    groups = grouped(entries)
    shown = [pair for pair in groups if pair[0] is not None]
    if len(shown) > size:
        oldest = shown[size - 1][1]
        entries = entries[: entries.index(oldest) + 1]
        return [line for line, _ in shown[:size]], entries, oldest.cursor
    return [line for line, _ in shown], entries, cursor


def timeline_context(project, request, *, newest_url):
    """What `registry/_timeline.html` shows: one page of the timeline, and links to page on.

    The maintainers' history page and the admin's History page of a project both use it.
    """
    before = parse_cursor(request.GET.get("before", ""))
    lines, entries, next_cursor = timeline_lines(project, before=before)
    return {
        "project": project,
        "lines": lines,
        "entries": entries,
        "next_cursor": next_cursor,
        "paged": before is not None,
        "newest_url": newest_url,
    }


class HistoryView(ProjectView):
    """The project's timeline: who did what, when and why, newest first."""

    url_name = "history"
    allow_removed = True
    needs_decider = False

    def get(self, request):
        context = timeline_context(self.project, request, newest_url=request.path)
        return render(request, "registry/history.html", context)
