"""Removal, restore and purge, and the pending-removal stage of a staged removal.

Removal is soft and recorded as one RemovalEvent; restore undoes exactly one event; purge
destroys bytes and leaves tombstones.
"""

from dataclasses import dataclass

from django.db import transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone

from .. import policy
from ..facts import Decider
from ..history import bulk_set_tracked, bulk_update_tracked, record
from ..models import (
    File,
    Project,
    Release,
    RemovalCategory,
    RemovalEvent,
    RemovalScope,
)
from ..policy import Action
from ..words import counted
from .changes import Entry, entry, file_action, record_change, record_changes
from .errors import PolicyRefusal, RegistryError
from .guards import (
    check_policy,
    locked_project,
    locked_release,
    refuse_if_removed,
    require_admin,
    require_reason,
)
from .names import end_removed_project_reservation, reserve_removed_name

# Pending removal (the staged-removal workflow) ---------------------------------------------------


def mark_pending_removal(*, project, release=None, actor, reason, now=None):
    """Hide `project` (or one `release`) from /simple/; serve it only at /pending/simple/.

    Called by the staged-removal workflow when a case enters its pending stage, which is
    where the decision to remove was taken; the registry only records the state, so the
    actor may be None when the scheduler moves the case. Uploads are refused from now on.
    """
    require_reason(reason)
    now = now or timezone.now()
    with transaction.atomic():
        project = locked_project(project)
        refuse_if_removed(project)
        target = project if release is None else locked_release(release)
        if target.is_removed:
            raise RegistryError(f"{target} has been removed.", code="removed")
        if target.pending_removal_at is not None:
            return target
        target.pending_removal_at = now
        record(target, actor=actor, reason=reason).save(update_fields=["pending_removal_at"])
        _record_pending(project, release, "pending removal", actor=actor, now=now)
    return target


def mark_pending_removal_many(*, projects=(), releases=(), actor, reason, now):
    """`mark_pending_removal` for a scheduler batch, in a fixed number of queries.

    Rows already pending keep their date; removed rows are skipped (the caller re-reads
    what happened from the returned lists of rows actually marked).
    """
    require_reason(reason)
    marked = {}
    with transaction.atomic():
        for model, objs in ((Project, projects), (Release, releases)):
            rows = list(
                model.objects.select_for_update()
                .filter(
                    pk__in=[obj.pk for obj in objs],
                    pending_removal_at__isnull=True,
                    removed_at__isnull=True,
                )
                .order_by("pk")
            )
            # One UPDATE for the batch (every row gets the same date), history row by row.
            bulk_set_tracked(
                model, rows, {"pending_removal_at": now}, actor=actor, reason=reason, when=now
            )
            marked[model] = rows
        names = dict(
            Project.objects.filter(pk__in={row.project_id for row in marked[Release]}).values_list(
                "pk", "name"
            )
        )
        record_changes(
            [entry(row, "pending removal") for row in marked[Project]]
            + [
                Entry(row.project_id, names[row.project_id], "pending removal", row.version)
                for row in marked[Release]
            ],
            actor=actor,
            now=now,
        )
    return marked[Project], marked[Release]


def _record_pending(project, release, action, *, actor, now):
    version = release.version if release is not None else ""
    record_change(project=project, action=action, version=version, actor=actor, now=now)


def clear_pending_removal(*, project, release=None, actor, reason, now=None):
    """Put a project (or release) pending removal back on /simple/ (cancelled or kept)."""
    require_reason(reason)
    with transaction.atomic():
        project = locked_project(project)
        target = project if release is None else locked_release(release)
        if target.pending_removal_at is None:
            return target
        target.pending_removal_at = None
        record(target, actor=actor, reason=reason).save(update_fields=["pending_removal_at"])
        _record_pending(
            project, release, "pending removal ended", actor=actor, now=now or timezone.now()
        )
    return target


# Removal, restore, purge -------------------------------------------------------------------------


def _category_for(decision, category):
    """Maintainers' removals are their own requests; admins say which kind of removal it is."""
    if decision.rule.startswith("admin"):
        if category is None:
            raise RegistryError(
                "Say which kind of removal this is (legal, security, abuse, ...): registry "
                "admins' removals are recorded with a category.",
                code="no_category",
            )
        if category not in RemovalCategory.values:
            raise RegistryError(
                f"Unknown removal category {category!r}; choose one of: "
                f"{', '.join(RemovalCategory.values)}.",
                code="invalid_category",
            )
        return category
    return RemovalCategory.OWNER_REQUEST


def _new_event(*, project, scope, decision, category, actor, reason, now, summary):
    event = RemovalEvent(
        created_at=now,
        actor=actor,
        actor_username=actor.get_username() if actor else "",
        project=project,
        scope=scope,
        category=_category_for(decision, category),
        reason=reason,
        policy_rule=decision.rule,
        is_override=decision.override,
        summary=summary,
    )
    record(event, actor=actor, reason=reason).save()
    return event


def _mark_removed(*, model, objs, event, actor, reason, now):
    """Mark `objs` removed by `event`, or restored when `event` is None; one history row each."""
    removed = event is not None
    for obj in objs:
        obj.removed_at = now if removed else None
        obj.removed_by = actor if removed else None
        obj.removal_reason = reason if removed else ""
        obj.removal_event = event
    if objs:
        bulk_update_tracked(
            model,
            objs,
            ["removed_at", "removed_by", "removal_reason", "removal_event"],
            actor=actor,
            reason=reason,
            when=now,
        )


def _live_files(**filters):
    return list(
        File.objects.select_for_update().filter(removed_at__isnull=True, **filters).order_by("pk")
    )


def remove_files(*, files, actor, reason, category=None, now=None):
    """Remove some files of one project (soft: restorable through the RemovalEvent)."""
    require_reason(reason)
    now = now or timezone.now()
    file_ids = [file.pk for file in files]
    if not file_ids:
        raise RegistryError("Choose at least one file to remove.", code="nothing_chosen")
    with transaction.atomic():
        project_ids = set(
            Release.objects.filter(files__pk__in=file_ids).values_list("project_id", flat=True)
        )
        if len(project_ids) != 1:
            raise RegistryError("Remove files of one project at a time.", code="several_projects")
        project = locked_project(Project(pk=project_ids.pop()))
        locked = list(
            File.objects.select_for_update().filter(pk__in=file_ids).select_related("release")
        )
        already = [file.filename for file in locked if file.is_removed]
        if already:
            raise RegistryError(
                f"Already removed: {', '.join(sorted(already))}.", code="already_removed"
            )
        decider = Decider(project, actor, now=now)
        chosen = {file.filename for file in locked}
        decisions = [
            decider.decide(Action.DELETE_FILE, file=file, together=chosen) for file in locked
        ]
        refused = next((decision for decision in decisions if not decision.allowed), None)
        if refused is not None:
            raise PolicyRefusal(refused)
        decision = next((d for d in decisions if d.override), decisions[0])
        event = _new_event(
            project=project,
            scope=RemovalScope.FILES,
            decision=decision,
            category=category,
            actor=actor,
            reason=reason,
            now=now,
            summary={"project": project.name, "files": sorted(f.filename for f in locked)},
        )
        _mark_removed(model=File, objs=locked, event=event, actor=actor, reason=reason, now=now)
        record_changes(
            [
                entry(
                    project,
                    file_action("remove", file),
                    version=file.release.version,
                    filename=file.filename,
                )
                for file in sorted(locked, key=lambda file: file.pk)
            ],
            actor=actor,
            now=now,
        )
    return event


def remove_release(*, release, actor, reason, category=None, now=None):
    """Remove a release and its live files as one restorable RemovalEvent."""
    require_reason(reason)
    now = now or timezone.now()
    with transaction.atomic():
        project = locked_project(release.project)
        release = locked_release(release)
        if release.is_removed:
            raise RegistryError(f"{release} has already been removed.", code="already_removed")
        decision = check_policy(
            Action.DELETE_RELEASE, project=project, actor=actor, now=now, release=release
        )
        files = _live_files(release=release)
        event = _new_event(
            project=project,
            scope=RemovalScope.RELEASE,
            decision=decision,
            category=category,
            actor=actor,
            reason=reason,
            now=now,
            summary={
                "project": project.name,
                "releases": [release.version],
                "files": [file.filename for file in files],
            },
        )
        _mark_removed(
            model=Release, objs=[release], event=event, actor=actor, reason=reason, now=now
        )
        _mark_removed(model=File, objs=files, event=event, actor=actor, reason=reason, now=now)
        record_change(
            project=project, action="remove release", version=release.version, actor=actor, now=now
        )
    return event


def remove_project(*, project, actor, reason, category=None, now=None):
    """Remove a project with its live releases and files, and reserve its name per policy."""
    require_reason(reason)
    now = now or timezone.now()
    with transaction.atomic():
        project = locked_project(project)
        if project.is_removed:
            raise RegistryError(f"{project.name} has already been removed.", code="already_removed")
        decider = Decider(project, actor, now=now)
        decision = check_policy(
            Action.DELETE_PROJECT, project=project, actor=actor, now=now, decider=decider
        )
        releases = list(
            Release.objects.select_for_update().filter(project=project, removed_at__isnull=True)
        )
        files = _live_files(release__project=project)
        event = _new_event(
            project=project,
            scope=RemovalScope.PROJECT,
            decision=decision,
            category=category,
            actor=actor,
            reason=reason,
            now=now,
            summary={
                "project": project.name,
                "releases": [release.version for release in releases],
                "files": [file.filename for file in files],
            },
        )
        _mark_removed(
            model=Project, objs=[project], event=event, actor=actor, reason=reason, now=now
        )
        _mark_removed(
            model=Release, objs=releases, event=event, actor=actor, reason=reason, now=now
        )
        _mark_removed(model=File, objs=files, event=event, actor=actor, reason=reason, now=now)
        rule = policy.reservation_for_removed_project(
            project=decider.facts, now=now, config=decider.config
        )
        reserve_removed_name(project=project, rule=rule, actor=actor, now=now)
        record_change(project=project, action="remove project", actor=actor, now=now)
    return event


@dataclass(frozen=True)
class RestoreResult:
    """What a restore brought back, and what stayed removed because its bytes were purged."""

    event: RemovalEvent
    projects: int
    releases: int
    files: int
    purged_files_left_removed: tuple[str, ...]
    releases_left_removed: tuple[str, ...] = ()
    left_removed: str = ""  # what stayed removed and why, in words ("" when all came back)


def _left_removed(project, purged, hollow_versions, *, project_hollow=False):
    """The sentences that say what a restore cannot bring back, and what to do instead."""
    sentences = []
    if purged:
        stay = "stays" if len(purged) == 1 else "stay"
        sentences.append(
            f"{counted(len(purged), 'purged file')} {stay} removed: {', '.join(purged)}. "
            "Their bytes were destroyed, so a purged file can never be restored."
        )
    if project_hollow:
        sentences.append(
            f"{project.name} stays removed too, with its releases: all its files are purged, so "
            "it would come back empty. To give its name back to its owners, end its name "
            "reservation or let them register the name (Name reservations)."
        )
    elif hollow_versions:
        one = len(hollow_versions) == 1
        sentences.append(
            f"{'The release' if one else 'The releases'} {', '.join(hollow_versions)} of "
            f"{project.name} {'stays' if one else 'stay'} removed too: all "
            f"{'its' if one else 'their'} files are purged, so {'it' if one else 'they'} would "
            "come back empty."
        )
    if sentences:
        sentences.append(
            "Versions and filenames stay burned: to ship that code again, the owners publish a "
            "new version (e.g. a post-release)."
        )
    return sentences


def _with_bytes_facts(queryset, to_parent):
    """Annotate each row with whether it has files and whether any of them kept its bytes."""
    files = File.objects.filter(**{to_parent: OuterRef("pk")})
    return queryset.annotate(
        has_files=Exists(files), has_bytes=Exists(files.filter(purged_at__isnull=True))
    )


def _is_hollow(row):
    """Whether `row` (annotated by `_with_bytes_facts`) had files and every one is purged."""
    return row.has_files and not row.has_bytes


def restore_removal(*, event, actor, reason, now=None):
    """Undo one RemovalEvent, whatever it contained (registry admins), in a fixed number of
    queries.

    Purged files stay removed: their bytes are gone. So do a release or project every file of
    which is purged: it would come back empty. The result says what stayed removed; when
    nothing at all can come back, the restore is refused and the event stays unrestored.
    """
    require_reason(reason)
    require_admin(actor, "restore removed objects")
    now = now or timezone.now()
    with transaction.atomic():
        project = _with_bytes_facts(Project.objects.select_for_update(), "release__project").get(
            pk=event.project_id
        )
        event = RemovalEvent.objects.select_for_update().get(pk=event.pk)
        if event.is_restored:
            raise RegistryError(
                f"This removal was already restored on {event.restored_at:%Y-%m-%d %H:%M} UTC "
                f"by {event.restored_by or 'someone'}.",
                code="already_restored",
            )
        if project.created_at > event.created_at:
            raise RegistryError(
                f"The name {project.name} was registered again after this removal, so what it "
                "took away cannot be put back into the new project. Restore is not possible.",
                code="name_reused",
            )
        project_in_event = project.removal_event_id == event.pk
        project_hollow = project_in_event and _is_hollow(project)
        releases = list(
            _with_bytes_facts(
                Release.objects.select_for_update().filter(removal_event=event), "release"
            ).order_by("pk")
        )
        files = list(File.objects.select_for_update().filter(removal_event=event).order_by("pk"))
        purged = tuple(sorted(file.filename for file in files if file.is_purged))
        files = [file for file in files if not file.is_purged]
        # Under a project that stays removed nothing can come back; elsewhere a release whose
        # every file is purged stays removed (a live version with nothing to install).
        hollow = releases if project_hollow else [r for r in releases if _is_hollow(r)]
        releases = [release for release in releases if release not in hollow]
        projects = [project] if project_in_event and not project_hollow else []
        hollow_versions = tuple(sorted(release.version for release in hollow))
        if not (projects or releases or files):
            raise RegistryError(
                " ".join(
                    [
                        "Nothing this removal took away can come back.",
                        *_left_removed(
                            project, purged, hollow_versions, project_hollow=project_hollow
                        ),
                        "Nothing was changed: the removal stays recorded as not restored.",
                    ]
                ),
                code="all_purged",
            )
        if project.is_removed and not project_in_event:
            raise RegistryError(
                f"{project.name} itself was removed later (another removal event); restore "
                "that removal first.",
                code="project_removed",
            )
        # Files put back under a release that is still removed would be live yet unreachable.
        removed_later = list(
            Release.objects.filter(
                files__removal_event=event,
                files__purged_at__isnull=True,
                removed_at__isnull=False,
            )
            .exclude(removal_event=event)
            .order_by("version")
            .values_list("version", flat=True)
            .distinct()
        )
        if removed_later:
            raise RegistryError(
                f"The release {', '.join(removed_later)} of {project.name} that these files "
                "belong to was removed later (another removal event); restore that removal "
                "first.",
                code="release_removed",
            )
        for model, objs in ((Project, projects), (Release, releases), (File, files)):
            _mark_removed(model=model, objs=objs, event=None, actor=actor, reason=reason, now=now)
        if projects:
            end_removed_project_reservation(project=project, actor=actor, now=now)
        event.restored_at = now
        event.restored_by = actor
        event.restore_reason = reason
        fields = ["restored_at", "restored_by", "restore_reason"]
        if purged or hollow_versions:
            # The event is evidence: it says what its restore could not bring back.
            event.summary = {
                **event.summary,
                "left_removed": {"releases": list(hollow_versions), "files": list(purged)},
            }
            fields.append("summary")
        record(event, actor=actor, reason=reason).save(update_fields=fields)
        _record_restore(project, projects, releases, files, actor=actor, now=now)
    return RestoreResult(
        event,
        len(projects),
        len(releases),
        len(files),
        purged,
        hollow_versions,
        " ".join(_left_removed(project, purged, hollow_versions)),
    )


def _record_restore(project, projects, releases, files, *, actor, now):
    versions = (
        dict(
            Release.objects.filter(pk__in={file.release_id for file in files}).values_list(
                "pk", "version"
            )
        )
        if files
        else {}
    )
    record_changes(
        [entry(project, "restore project") for _ in projects]
        + [entry(project, "restore release", version=release.version) for release in releases]
        + [
            entry(
                project,
                f"restore file {file.filename}",
                version=versions[file.release_id],
                filename=file.filename,
            )
            for file in files
        ],
        actor=actor,
        now=now,
    )


PURGE_CATEGORIES = (RemovalCategory.LEGAL, RemovalCategory.SECURITY)


def purge_files(*, files, actor, reason, category, now=None):
    """Destroy the bytes of `files` (registry admins; legal or security reasons only).

    Live files are removed first, in one RemovalEvent. The rows stay as tombstones with their
    SHA-256 and their filenames stay burned; a purged file can never be restored. The bytes are
    deleted from storage once the transaction has committed.
    """
    require_reason(reason)
    require_admin(actor, "purge files")
    if category not in PURGE_CATEGORIES:
        raise RegistryError(
            "Files can be purged only for a legal or security reason; otherwise remove them "
            "(removal keeps the bytes and can be undone).",
            code="purge_category",
        )
    now = now or timezone.now()
    file_ids = [file.pk for file in files]
    if not file_ids:
        raise RegistryError("Choose at least one file to purge.", code="nothing_chosen")
    with transaction.atomic():
        # Lock the projects (in one order) before reading whether each file is live. Otherwise
        # a restore committing between that read and the purge brings the file back, and the
        # purge then hits the "a purged file must stay removed" constraint (a server error).
        project_ids = Release.objects.filter(files__pk__in=file_ids).values("project_id")
        list(Project.objects.select_for_update().filter(pk__in=project_ids).order_by("pk"))
        live = [file for file in File.objects.filter(pk__in=file_ids) if not file.is_removed]
        if live:
            remove_files(files=live, actor=actor, reason=reason, category=category, now=now)
        locked = list(
            File.objects.select_for_update().filter(pk__in=file_ids, purged_at__isnull=True)
        )
        blob_names = [file.blob.name for file in locked if file.blob]
        for file in locked:
            file.purged_at = now
            file.purged_by = actor
            file.purge_reason = f"{RemovalCategory(category).label}: {reason}"
            file.blob = ""
        if locked:
            bulk_update_tracked(
                File,
                locked,
                ["purged_at", "purged_by", "purge_reason", "blob"],
                actor=actor,
                reason=reason,
                when=now,
            )
            purged = File.objects.filter(pk__in=[file.pk for file in locked]).order_by("pk")
            record_changes(
                [
                    Entry(project_id, name, f"purge file {filename}", version, filename)
                    for filename, version, project_id, name in purged.values_list(
                        "filename",
                        "release__version",
                        "release__project_id",
                        "release__project__name",
                    )
                ],
                actor=actor,
                now=now,
            )
        storage = File._meta.get_field("blob").storage
        transaction.on_commit(lambda: [storage.delete(name) for name in blob_names])
    return locked
