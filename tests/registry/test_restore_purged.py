"""Restoring what was purged: the bytes are gone, so the evidence must not say they came back.

A purged file never comes back; nor does a release or project every file of which is purged (it
would come back empty). A restore of which nothing can come back is refused and leaves the event
unrestored; a partial one brings back the rest and says exactly what stayed removed.
"""

from datetime import UTC, datetime, timedelta

import pytest

from registry import services
from registry.models import File, Project, Release
from registry.services import RegistryError
from tests.factories import publish
from tests.registry.test_removal import state

pytestmark = pytest.mark.django_db

NOW = datetime(2025, 6, 1, 12, 0, tzinfo=UTC)
HOUR = timedelta(hours=1)
DAY = timedelta(days=1)
OLD = NOW - timedelta(days=400)


@pytest.fixture
def project(owner):
    return services.create_project(
        name="purged-pkg", owner=owner, actor=owner, reason="New project", now=OLD
    )


@pytest.fixture
def release(project, owner):
    return publish(project, "1.0", actor=owner, now=OLD, files=2)


def purge(files, admin, *, now=NOW + HOUR):
    services.purge_files(
        files=list(files), actor=admin, reason="AWS key in setup.py", category="security", now=now
    )


def restore(event, admin, *, now=NOW + DAY):
    return services.restore_removal(event=event, actor=admin, reason="Undo", now=now)


def by_admin(admin):
    """Who removes in these tests: an admin, since restoring is what they are about (an owner
    may not remove a project's last live release, which proposal-2022 judges as the project)."""
    return {"actor": admin, "category": "admin"}


def names(files):
    return sorted(file.filename for file in files)


# Nothing can come back: refused ------------------------------------------------------------------


def test_restoring_files_that_were_all_purged_is_refused(release, registry_admin):
    files = list(release.files.all())
    event = services.remove_files(files=files, reason="Broken", now=NOW, **by_admin(registry_admin))
    purge(files, registry_admin)
    before = state()

    with pytest.raises(RegistryError) as refused:
        restore(event, registry_admin)

    assert refused.value.code == "all_purged"
    message = str(refused.value)
    assert message.startswith("Nothing this removal took away can come back.")
    assert f"2 purged files stay removed: {', '.join(names(files))}." in message
    assert "a purged file can never be restored" in message
    assert "the owners publish a new version" in message
    assert message.endswith("Nothing was changed: the removal stays recorded as not restored.")
    assert state() == before
    event.refresh_from_db()
    assert event.restored_at is None and "left_removed" not in event.summary


def test_restoring_a_release_whose_files_were_all_purged_is_refused(release, registry_admin):
    event = services.remove_release(
        release=release, reason="Broken", now=NOW, **by_admin(registry_admin)
    )
    purge(release.files.all(), registry_admin)
    before = state()

    with pytest.raises(RegistryError) as refused:
        restore(event, registry_admin)

    assert refused.value.code == "all_purged"
    assert "The release 1.0 of purged-pkg stays removed too: all its files are purged" in str(
        refused.value
    )
    assert state() == before
    assert Release.objects.get(pk=release.pk).is_removed


def test_restoring_a_project_whose_files_were_all_purged_is_refused(
    release, project, registry_admin, other_user
):
    event = services.remove_project(
        project=project, actor=registry_admin, reason="Malware", category="security", now=NOW
    )
    purge(release.files.all(), registry_admin)
    before = state()

    with pytest.raises(RegistryError) as refused:
        restore(event, registry_admin, now=NOW + HOUR * 2)

    assert refused.value.code == "all_purged"
    message = str(refused.value)
    assert "purged-pkg stays removed too, with its releases: all its files are purged" in message
    assert "end its name reservation or let them register the name" in message
    assert state() == before
    assert services.reservation_blocking(
        normalized_name="purged-pkg", user=other_user, now=NOW + HOUR * 2
    )


def test_a_refused_restore_can_be_asked_again_and_is_refused_again(release, registry_admin):
    event = services.remove_release(
        release=release, reason="Broken", now=NOW, **by_admin(registry_admin)
    )
    purge(release.files.all(), registry_admin)

    for _attempt in range(2):
        with pytest.raises(RegistryError) as refused:
            restore(event, registry_admin)
        assert refused.value.code == "all_purged"  # never "already restored"


# Part can come back: restored, and what stayed removed is said ---------------------------------


def test_a_partly_purged_project_comes_back_without_its_emptied_release(
    project, owner, registry_admin
):
    emptied = publish(project, "1.0", actor=owner, now=OLD, files=2)
    kept = publish(project, "2.0", actor=owner, now=OLD, files=1)
    event = services.remove_project(
        project=project, actor=registry_admin, reason="Malware", category="security", now=NOW
    )
    purged = list(emptied.files.all())
    purge(purged, registry_admin)

    result = restore(event, registry_admin)

    assert (result.projects, result.releases, result.files) == (1, 1, 1)
    assert result.purged_files_left_removed == tuple(names(purged))
    assert result.releases_left_removed == ("1.0",)
    assert "2 purged files stay removed" in result.left_removed
    assert "The release 1.0 of purged-pkg stays removed" in result.left_removed
    assert Project.objects.get(pk=project.pk).is_removed is False
    assert Release.objects.get(pk=kept.pk).is_removed is False
    assert Release.objects.get(pk=emptied.pk).is_removed
    assert File.objects.installable().filter(release__project=project).count() == 1
    event.refresh_from_db()
    assert event.restored_at == NOW + DAY
    assert event.summary["left_removed"] == {"releases": ["1.0"], "files": names(purged)}
    assert sorted(event.summary["releases"]) == ["1.0", "2.0"]  # what it took away, unchanged
    assert event.history.order_by("-history_id").first().summary["left_removed"]


def test_a_release_comes_back_when_a_file_removed_earlier_kept_its_bytes(
    release, owner, registry_admin
):
    earlier, later = release.files.order_by("filename")
    files_event = services.remove_files(files=[earlier], actor=owner, reason="Bad", now=NOW)
    release_event = services.remove_release(
        release=release, reason="All", now=NOW + HOUR, **by_admin(registry_admin)
    )
    purge([later], registry_admin, now=NOW + 2 * HOUR)

    result = restore(release_event, registry_admin)

    assert (result.releases, result.files, result.releases_left_removed) == (1, 0, ())
    assert result.purged_files_left_removed == (later.filename,)
    restore(files_event, registry_admin)
    assert File.objects.get(pk=earlier.pk).is_removed is False
    assert File.objects.get(pk=later.pk).is_purged


def test_files_are_not_held_back_by_a_release_that_can_never_come_back(
    project, owner, registry_admin
):
    old = publish(project, "1.0", actor=owner, now=OLD, files=2)
    new = publish(project, "2.0", actor=owner, now=OLD, files=1)
    old_a, old_b = old.files.order_by("filename")
    (new_file,) = new.files.all()
    files_event = services.remove_files(files=[old_a, new_file], actor=owner, reason="X", now=NOW)
    services.remove_release(release=old, actor=owner, reason="Y", now=NOW + HOUR)
    purge([old_a, old_b], registry_admin, now=NOW + 2 * HOUR)

    result = restore(files_event, registry_admin)

    assert (result.files, result.purged_files_left_removed) == (1, (old_a.filename,))
    assert File.objects.get(pk=new_file.pk).is_removed is False


# Through the admin's two-step action -------------------------------------------------------------


def act(client, pks, **data):
    return client.post(
        "/admin/registry/removalevent/",
        {"action": "restore_events", "_selected_action": pks, **data},
        follow=True,
    )


def messages(response):
    return [(message.level_tag, str(message)) for message in response.context["messages"]]


def test_the_admin_refuses_to_restore_an_event_whose_files_were_all_purged(
    client, release, registry_admin
):
    event = services.remove_release(
        release=release, reason="Broken", now=NOW, **by_admin(registry_admin)
    )
    purge(release.files.all(), registry_admin)
    client.force_login(registry_admin)

    confirm = act(client, [event.pk])
    assert "whose files are all purged" in confirm.content.decode()
    done = act(client, [event.pk], post="yes", reason="Owner asked")

    ((level, text),) = messages(done)
    assert level == "error"
    assert "Nothing this removal took away can come back." in text
    assert "can never be restored" in text
    assert "The release 1.0 of purged-pkg stays removed" in text
    event.refresh_from_db()
    assert event.restored_at is None
    assert Release.objects.get(pk=release.pk).is_removed


def test_the_admin_says_what_a_partial_restore_left_removed(client, release, registry_admin):
    purged, kept = release.files.order_by("filename")
    event = services.remove_release(
        release=release, reason="Broken", now=NOW, **by_admin(registry_admin)
    )
    purge([purged], registry_admin)
    client.force_login(registry_admin)

    done = act(client, [event.pk], post="yes", reason="Owner asked")

    ((level, text),) = messages(done)
    assert level == "success"
    assert text.startswith(f"Restored {release.project}: 1 release, 1 file. ")
    assert f"1 purged file stays removed: {purged.filename}." in text
    assert kept.filename not in text
    assert File.objects.get(pk=kept.pk).is_removed is False
    event.refresh_from_db()
    assert event.is_restored
