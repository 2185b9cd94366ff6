"""The change serial: what every service that changes what clients see writes beside its change.

One global, monotonically increasing serial (a `Change` row's id) numbers every change of what an
installer or a mirror can see. The writers call `record_change` (or `record_changes` for many at
once) inside their own transaction, so the journal row, the project's `last_serial` and the
change itself commit together or not at all. Simple pages derive their ETag and
`X-PyPI-Last-Serial` from `Project.last_serial`; mirrors read the journal through
`changelog_since_serial`.

Wording follows PyPI's journal where PyPI has the act ("create", "new release", "add source
file …", "remove file …", "remove release", "remove project", "yank release", "unyank
release"); Holdfast's own acts (restore, purge, status, pending removal) read the same way.

When a CDN is configured (`HOLDFAST_CDN_PURGE_URL`), the changes that take something away from
what it may have cached, or bring back what it cached as gone, queue a purge of the projects'
surrogate keys (`registry.cdn`) in the outbox, in the same transaction.
"""

from typing import NamedTuple

from django.db.models import F, OuterRef, Subquery
from django.db.models.functions import Greatest

from .. import cdn, outbox
from ..models import Change, Project

STAMP_CHUNK = 1000


class Entry(NamedTuple):
    """One change to record: the project (an instance or its pk and name) and what happened."""

    project_id: int
    name: str
    action: str
    version: str = ""
    filename: str = ""


def entry(project, action, *, version="", filename=""):
    """Return the `Entry` for `action` on `project` (a Project instance)."""
    return Entry(project.pk, project.name, action, str(version or ""), filename or "")


def record_change(*, project, action, actor, now, version="", filename=""):
    """Record one change of `project` and stamp its `last_serial`; return the serial."""
    serial = record_changes(
        [entry(project, action, version=version, filename=filename)], actor=actor, now=now
    )
    project.last_serial = serial
    return serial


def record_changes(entries, *, actor, now):
    """Record many changes in one insert and stamp each project once; return the newest serial.

    Call inside the transaction of the change itself. The stamp never lowers a project's
    `last_serial`: when two transactions change one project at once, the project row's lock
    orders their stamps and `GREATEST` keeps the higher serial whichever commits last.
    """
    rows = [
        Change(
            project_id=item.project_id,
            name=item.name,
            action=item.action,
            version=item.version,
            filename=item.filename,
            submitted_at=now,
            submitted_by=actor.get_username() if actor is not None else "",
        )
        for item in entries
    ]
    if not rows:
        return None
    Change.objects.bulk_create(rows)
    project_ids = sorted({item.project_id for item in entries})
    for start in range(0, len(project_ids), STAMP_CHUNK):
        stamp_projects(project_ids[start : start + STAMP_CHUNK])
    purge_cdn(entries)
    return _newest_serial(rows, project_ids)


# What takes something away from what a CDN may have cached (or brings back what it cached as
# gone): a removal, a purge, a restore, a status change (a quarantine and its end).
PURGED_BY = ("remove ", "purge ", "restore ", "set status ")
# ... and what changes the root index (a project appears or disappears).
INDEX_CHANGES = {"remove project", "restore project"}


def purge_cdn(entries):
    """Queue the CDN purges of what `entries` change (in this transaction), when a purge URL is
    configured: each project's surrogate key, and the index's for a project's removal or
    restore."""
    if not outbox.purge_configured():
        return []
    purging = [item for item in entries if item.action.startswith(PURGED_BY)]
    if not purging:
        return []
    names = Project.objects.filter(pk__in={item.project_id for item in purging}).values_list(
        "normalized_name", flat=True
    )
    keys = [cdn.project_key(name) for name in sorted(names)]
    if any(item.action in INDEX_CHANGES for item in purging):
        keys.append(cdn.INDEX_KEY)
    # Queued at the clock's time (like e-mail), and tried as soon as the change commits.
    rows = outbox.enqueue_purges(keys)
    outbox.send_on_commit(rows)
    return rows


def stamp_projects(project_ids):
    """Set each project's `last_serial` to its newest change, in one UPDATE."""
    newest = Change.objects.filter(project_id=OuterRef("pk")).order_by("-pk").values("pk")[:1]
    Project.objects.filter(pk__in=project_ids).update(
        last_serial=Greatest(F("last_serial"), Subquery(newest))
    )


def _newest_serial(rows, project_ids):
    if rows[-1].pk is not None:  # the database returned the ids (PostgreSQL, SQLite ≥ 3.35)
        return max(row.pk for row in rows)
    return (
        Change.objects.filter(project_id__in=project_ids)
        .order_by("-pk")
        .values_list("pk", flat=True)[0]
    )


def file_action(verb, file):
    """PyPI's wording for a file: "add source file x.tar.gz", "add py3 file x.whl"."""
    kind = "source" if file.packagetype == "sdist" else (file.python_version or "any")
    if verb == "add":
        return f"add {kind} file {file.filename}"
    return f"{verb} file {file.filename}"
