"""Two registry acts on one project at once (PostgreSQL): exactly one wins, history shows one act.

Each test starts its two workers in a named order on a held row lock (`tests.races.race`), so
both orders are tested and each asserts its exact outcome, not just "one of them".
"""

from datetime import UTC, datetime, timedelta

import pytest

from registry import services
from registry.models import (
    File,
    FilenameRegistry,
    NameReservation,
    Project,
    Release,
    RemovalEvent,
)
from registry.services import RegistryError
from tests.factories import publish, wheel_name
from tests.races import on_postgresql, race
from tests.registry.test_removal import fresh

pytestmark = [on_postgresql, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

NOW = datetime(2025, 6, 1, 12, 0, tzinfo=UTC)
HOUR = timedelta(hours=1)
DAY = timedelta(days=1)
OLD = NOW - timedelta(days=400)


@pytest.fixture
def project(owner, other_user):
    """A project two days old (its owners may remove it) with two owners and two releases."""
    project = services.create_project(
        name="raced", owner=owner, actor=owner, reason="New", now=NOW - 2 * DAY
    )
    services.add_role(
        project=project, user=other_user, role="owner", actor=owner, reason="Co", now=NOW - DAY
    )
    publish(project, "1.0", actor=owner, now=NOW - 2 * DAY, files=1)
    publish(project, "2.0", actor=owner, now=NOW - DAY, files=2)
    return project


def outcome(results, *types):
    """Return the results in the order of `types`, each checked to be of its type."""
    assert [type(result) for result in results] == list(types), results
    return results


def restore_by(admin, event):
    """Restore `event` as `admin` in this thread, both read again on its connection."""
    return services.restore_removal(
        event=RemovalEvent.objects.get(pk=event.pk),
        actor=fresh(admin),
        reason="Restored by the admin",
        now=NOW + HOUR,
    )


def no_live_file_in_a_removed_release():
    return not File.objects.live().filter(release__removed_at__isnull=False).exists()


# An upload racing the removal of its release -----------------------------------------------------


def upload(project, uploader, filename, via):
    """Upload `filename` to 2.0 as twine does (publish_file), or to a held release (add_file)."""
    content = f"bytes of {filename}".encode()
    if via == "publish_file":
        return services.publish_file(
            name=project.name,
            version="2.0",
            filename=filename,
            content=content,
            uploader=uploader,
            now=NOW,
        )
    return services.add_file(
        release=Release.objects.get(project=project, version="2.0"),
        filename=filename,
        content=content,
        actor=uploader,
        reason="Upload",
        now=NOW,
    )


@pytest.mark.parametrize(
    ("via", "refusal"), [("publish_file", "version_removed"), ("add_file", "release_removed")]
)
@pytest.mark.parametrize("first", ["upload", "removal"])
def test_an_upload_racing_the_removal_of_its_release_never_leaves_a_live_file_in_it(
    project, owner, other_user, via, refusal, first
):
    filename = wheel_name(project, "2.0", 9)

    def act(n):
        if (n == 0) == (first == "upload"):
            return upload(project, fresh(owner), filename, via)
        return services.remove_release(
            release=Release.objects.get(project=project, version="2.0"),
            actor=fresh(other_user),
            reason="Removed by the co-owner",
            now=NOW,
        )

    results = race(Project, project.pk, act, in_order=True)

    release = Release.objects.get(project=project, version="2.0")
    assert release.is_removed
    event = RemovalEvent.objects.get()
    if first == "upload":
        file, _event = outcome(results, File, RemovalEvent)
        file.refresh_from_db()
        assert file.removal_event == event  # the removal took the new file with it
        assert filename in event.summary["files"]
        assert len(event.summary["files"]) == 3
    else:
        _event, refused = outcome(results, RemovalEvent, RegistryError)
        assert refused.code == refusal
        assert "removed" in refused.message and "new version" in refused.message
        assert not File.objects.filter(filename=filename).exists()
        assert not FilenameRegistry.objects.filter(filename=filename).exists()  # not burned
        assert len(event.summary["files"]) == 2
    assert no_live_file_in_a_removed_release()
    assert Release.history.filter(history_change_reason="Removed by the co-owner").count() == 1


# Two owners removing one project, an admin restoring while an owner removes ---------------------


def test_two_owners_removing_one_project_at_once_remove_it_once(project, owner, other_user):
    owners = [owner, other_user]

    def remove(n):
        return services.remove_project(
            project=Project.objects.get(pk=project.pk),
            actor=fresh(owners[n]),
            reason=f"Removed by owner {n}",
            now=NOW,
        )

    event, refused = outcome(
        race(Project, project.pk, remove, in_order=True), RemovalEvent, RegistryError
    )

    assert refused.code == "already_removed"
    assert refused.message == "raced has already been removed."
    assert RemovalEvent.objects.get() == event and event.actor == owner
    removals = Project.history.filter(history_change_reason__startswith="Removed by")
    assert list(removals.values_list("history_change_reason", flat=True)) == ["Removed by owner 0"]
    assert File.history.filter(history_change_reason__startswith="Removed by").count() == 3
    assert NameReservation.objects.filter(normalized_name="raced").count() == 1


@pytest.mark.parametrize("first", ["restore", "removal"])
def test_a_restore_racing_a_removal_of_the_project_does_one_then_the_other_or_refuses(
    project, owner, other_user, registry_admin, first
):
    old = Release.objects.get(project=project, version="1.0")
    release_event = services.remove_release(release=old, actor=owner, reason="Old", now=NOW)

    def act(n):
        if (n == 0) == (first == "restore"):
            return restore_by(registry_admin, release_event)
        return services.remove_project(
            project=Project.objects.get(pk=project.pk),
            actor=fresh(other_user),
            reason="Project removed by the co-owner",
            now=NOW + HOUR,
        )

    results = race(Project, project.pk, act, in_order=True)

    project_event = RemovalEvent.objects.get(scope="project")
    old.refresh_from_db()
    release_event.refresh_from_db()
    if first == "restore":
        outcome(results, services.RestoreResult, RemovalEvent)
        assert release_event.is_restored
        assert old.removal_event == project_event  # back, then removed with the project
        assert sorted(project_event.summary["releases"]) == ["1.0", "2.0"]
    else:
        _event, refused = outcome(results, RemovalEvent, RegistryError)
        assert refused.code == "project_removed"
        assert "restore that removal first" in refused.message
        assert not release_event.is_restored
        assert old.removal_event == release_event
        assert project_event.summary["releases"] == ["2.0"]
    assert Release.history.filter(history_change_reason="Restored by the admin").count() == (
        1 if first == "restore" else 0
    )
    assert no_live_file_in_a_removed_release()


# A restore racing a purge of the same files -------------------------------------------------------


@pytest.mark.parametrize("first", ["restore", "purge"])
def test_a_restore_racing_a_purge_never_leaves_a_live_file_without_bytes(
    project, owner, registry_admin, second_admin, first
):
    release = Release.objects.get(project=project, version="2.0")
    doomed, kept = release.files.order_by("filename")
    release_event = services.remove_release(release=release, actor=owner, reason="Bad", now=NOW)

    def act(n):
        if (n == 0) == (first == "restore"):
            return restore_by(registry_admin, release_event)
        return services.purge_files(
            files=[File.objects.get(pk=doomed.pk)],
            actor=fresh(second_admin),
            reason="Leaked key",
            category="security",
            now=NOW + HOUR,
        )

    # The file's row is held: the restore (or the purge) has already read its state when it
    # comes to lock it, which is where a purge that read the file without the project's lock
    # would purge a file the restore had just brought back.
    results = race(File, doomed.pk, act, in_order=True)

    doomed.refresh_from_db()
    assert doomed.is_purged and doomed.is_removed
    assert File.objects.get(pk=kept.pk).is_removed is False
    if first == "restore":
        restored, purged = outcome(results, services.RestoreResult, list)
        assert restored.files == 2 and restored.purged_files_left_removed == ()
        assert doomed.removal_event != release_event  # removed again, then purged
        assert doomed.removal_event.summary["files"] == [doomed.filename]
    else:
        purged, restored = outcome(results, list, services.RestoreResult)
        assert restored.files == 1
        assert restored.purged_files_left_removed == (doomed.filename,)
        assert doomed.removal_event == release_event
    assert [file.pk for file in purged] == [doomed.pk]
    assert not File.history.filter(id=doomed.pk, purged_at__isnull=False, removed_at__isnull=True)
