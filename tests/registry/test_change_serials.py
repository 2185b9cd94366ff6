"""The change journal: every service that changes what clients see records a change and stamps
the project's serial, in its own transaction; nothing else does."""

from datetime import UTC, datetime, timedelta
from importlib import import_module
from types import SimpleNamespace

import pytest
from django.apps import apps as live_apps
from django.db import connection, transaction

from registry import scale, services
from registry.models import Change, File, Project, RemovalCategory
from registry.services.changes import stamp_projects
from tests.factories import ProjectFactory, UserFactory, publish

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
DAY = timedelta(days=1)
journal_migration = import_module("registry.migrations.0011_change_serials")


@pytest.fixture
def project(owner):
    project = services.create_project(name="Serial-Tool", owner=owner, actor=owner, reason="New")
    publish(project, "1.0", actor=owner, now=NOW, files=2)
    publish(project, "2.0", actor=owner, now=NOW + DAY)
    return Project.objects.get(pk=project.pk)


def actions(project, since=0):
    return list(
        Change.objects.filter(project=project, pk__gt=since)
        .order_by("pk")
        .values_list("action", "version", "filename")
    )


def newest():
    return Change.objects.order_by("-pk").values_list("pk", flat=True).first() or 0


def assert_stamped(project, before):
    """The project's serial moved past `before` and names its newest change."""
    stamped = Project.objects.get(pk=project.pk).last_serial
    assert stamped > before
    assert stamped == Change.objects.filter(project=project).order_by("-pk")[0].pk
    return stamped


def test_registering_and_uploading_are_journalled_in_pypi_wording(project, owner):
    first, second = File.objects.filter(release__version="1.0").order_by("pk")
    third = File.objects.get(release__version="2.0")
    assert actions(project) == [
        ("create", "", ""),
        ("new release", "1.0", ""),
        (f"add py3 file {first.filename}", "1.0", first.filename),
        (f"add py3 file {second.filename}", "1.0", second.filename),
        ("new release", "2.0", ""),
        (f"add py3 file {third.filename}", "2.0", third.filename),
    ]
    last = Change.objects.filter(project=project).order_by("-pk")[0]
    assert (last.submitted_by, last.name) == (owner.username, "Serial-Tool")
    assert project.last_serial == last.pk


def test_publish_file_of_a_new_project_journals_create_release_and_file(owner):
    services.publish_file(
        name="fresh-tool",
        version="0.1",
        filename="fresh_tool-0.1.tar.gz",
        content=b"sdist bytes",
        uploader=owner,
        now=NOW,
    )
    project = Project.objects.get(normalized_name="fresh-tool")
    assert actions(project) == [
        ("create", "", ""),
        ("new release", "0.1", ""),
        ("add source file fresh_tool-0.1.tar.gz", "0.1", "fresh_tool-0.1.tar.gz"),
    ]
    assert_stamped(project, 0)


SERVICE_ACTS = {
    "yank": (
        lambda p, u, a: services.yank_release(
            release=p.releases.get(version="1.0"), actor=u, reason="Broken", now=NOW + 2 * DAY
        ),
        [("yank release", "1.0", "")],
    ),
    "yank all": (
        lambda p, u, a: services.yank_releases(project=p, actor=u, reason="Gone", now=NOW),
        [("yank release", "1.0", ""), ("yank release", "2.0", "")],
    ),
    "archive": (
        lambda p, u, a: services.archive_project(project=p, actor=u, reason="Done"),
        [("set status archived", "", "")],
    ),
    "deprecate": (
        lambda p, u, a: services.deprecate_project(
            project=p, message="Use other", actor=u, reason="Old"
        ),
        [("set status deprecated", "", "")],
    ),
    "quarantine": (
        lambda p, u, a: services.quarantine_project(project=p, actor=a, reason="Malware?"),
        [("set status quarantined", "", "")],
    ),
    "remove release": (
        lambda p, u, a: services.remove_release(
            release=p.releases.get(version="2.0"), actor=a, reason="Legal", category="legal"
        ),
        [("remove release", "2.0", "")],
    ),
    "remove project": (
        lambda p, u, a: services.remove_project(
            project=p, actor=a, reason="Spam", category=RemovalCategory.ABUSE
        ),
        [("remove project", "", "")],
    ),
    "pending removal": (
        lambda p, u, a: services.mark_pending_removal(project=p, actor=None, reason="Stage"),
        [("pending removal", "", "")],
    ),
    "pending release": (
        lambda p, u, a: services.mark_pending_removal(
            project=p, release=p.releases.get(version="1.0"), actor=None, reason="Stage"
        ),
        [("pending removal", "1.0", "")],
    ),
}


@pytest.mark.parametrize("act", SERVICE_ACTS)
def test_every_change_clients_see_moves_the_serial(project, owner, registry_admin, act):
    run, expected = SERVICE_ACTS[act]
    before = newest()

    run(project, owner, registry_admin)

    assert actions(project, since=before) == expected
    assert_stamped(project, before)


def test_undoing_is_journalled_too(project, owner, registry_admin):
    release = project.releases.get(version="1.0")
    services.yank_release(release=release, actor=owner, reason="Oops", now=NOW + 2 * DAY)
    services.archive_project(project=project, actor=owner, reason="Done")
    services.mark_pending_removal(project=project, actor=None, reason="Stage")
    before = newest()

    services.unyank_release(release=release, actor=owner, reason="Fine", now=NOW + 3 * DAY)
    services.unarchive_project(project=project, actor=owner, reason="Back")
    services.clear_pending_removal(project=project, actor=None, reason="Kept")

    assert actions(project, since=before) == [
        ("unyank release", "1.0", ""),
        ("set status active", "", ""),
        ("pending removal ended", "", ""),
    ]
    assert_stamped(project, before)


def test_removing_files_restoring_and_purging_name_each_file(project, registry_admin):
    files = list(File.objects.filter(release__version="1.0").order_by("pk"))
    names = [file.filename for file in files]
    event = services.remove_files(
        files=files, actor=registry_admin, reason="Secret", category="security"
    )
    before = newest()
    services.restore_removal(event=event, actor=registry_admin, reason="Undo")
    middle = newest()
    services.purge_files(files=files[:1], actor=registry_admin, reason="Key", category="security")

    removed = Change.objects.filter(pk__lte=before, action__startswith="remove file").order_by("pk")
    assert list(removed.values_list("filename", flat=True)) == names
    assert actions(project, since=before)[:2] == [
        (f"restore file {names[0]}", "1.0", names[0]),
        (f"restore file {names[1]}", "1.0", names[1]),
    ]
    # A purge of a live file removes it first (one more "remove file"), then purges it.
    assert actions(project, since=middle) == [
        (f"remove file {names[0]}", "1.0", names[0]),
        (f"purge file {names[0]}", "1.0", names[0]),
    ]
    assert_stamped(project, middle)


def test_restoring_a_project_journals_the_project_and_what_came_back(project, registry_admin):
    event = services.remove_project(
        project=project, actor=registry_admin, reason="Spam", category=RemovalCategory.ABUSE
    )
    before = newest()

    services.restore_removal(event=event, actor=registry_admin, reason="Mistake")

    restored = actions(project, since=before)
    assert restored[0] == ("restore project", "", "")
    assert [row for row in restored if row[0] == "restore release"] == [
        ("restore release", "1.0", ""),
        ("restore release", "2.0", ""),
    ]
    assert sum(row[0].startswith("restore file") for row in restored) == 3


def test_acts_clients_cannot_see_leave_the_serial_alone(project, owner, other_user):
    before = Project.objects.get(pk=project.pk).last_serial
    count = Change.objects.count()

    services.lock_deletions(project=project, actor=owner, reason="Protect users")
    services.add_role(project=project, user=other_user, role="maintainer", actor=owner, reason="+")

    assert Change.objects.count() == count
    assert Project.objects.get(pk=project.pk).last_serial == before


def test_a_refused_act_writes_no_change(project, owner):
    services.archive_project(project=project, actor=owner, reason="Done")
    count = Change.objects.count()

    with pytest.raises(services.RegistryError):
        services.archive_project(project=project, actor=owner, reason="Again")

    assert Change.objects.count() == count


def test_the_journal_rolls_back_with_the_change(project, owner):
    count = Change.objects.count()
    serial = Project.objects.get(pk=project.pk).last_serial

    with pytest.raises(RuntimeError), transaction.atomic():
        services.archive_project(project=project, actor=owner, reason="Done")
        raise RuntimeError("the request failed after the service")

    assert Change.objects.count() == count
    assert Project.objects.get(pk=project.pk).last_serial == serial


def test_pending_removal_of_a_batch_is_one_journal_write(owner):
    projects = [
        services.create_project(name=f"batch-{n}", owner=owner, actor=owner, reason="New")
        for n in range(3)
    ]
    releases = [publish(projects[0], "1.0", actor=owner, now=NOW)]
    before = newest()

    marked, marked_releases = services.mark_pending_removal_many(
        projects=projects[1:], releases=releases, actor=None, reason="Stage", now=NOW
    )

    assert len(marked) == 2 and len(marked_releases) == 1
    journalled = Change.objects.filter(pk__gt=before).order_by("pk")
    assert list(journalled.values_list("name", "action", "version", "submitted_by")) == [
        ("batch-1", "pending removal", "", ""),
        ("batch-2", "pending removal", "", ""),
        ("batch-0", "pending removal", "1.0", ""),
    ]
    for project in projects:
        assert_stamped(project, before)


def test_a_stamp_never_lowers_a_serial(project):
    Project.objects.filter(pk=project.pk).update(last_serial=10**12)

    stamp_projects([project.pk])

    assert Project.objects.get(pk=project.pk).last_serial == 10**12


def test_serials_grow_across_projects(owner):
    first = services.create_project(name="one", owner=owner, actor=owner, reason="New")
    second = services.create_project(name="two", owner=owner, actor=owner, reason="New")

    assert 0 < first.last_serial < second.last_serial


def test_the_migration_journals_projects_that_predate_the_journal(db):
    old = [ProjectFactory(name=f"old-{n}") for n in range(3)]
    assert not Change.objects.exists()

    # The step reads only the schema editor's connection (and the test database needs no
    # migrating back and forth, which would disturb other tests).
    journal_migration.journal_existing_projects(live_apps, SimpleNamespace(connection=connection))

    for project in old:
        change = Change.objects.get(project=project)
        assert (change.action, change.name) == ("create", project.name)
        assert change.submitted_at == project.created_at
        assert Project.objects.get(pk=project.pk).last_serial == change.pk


def test_seeded_data_gets_the_journal_the_services_would_have_written(db):
    scale.create_registry(40, start=0, now=NOW, seed=3, prefix="seeded", popularity=False)

    scale.journal()

    projects = Project.objects.all()
    assert Change.objects.filter(action="create").count() == projects.count()
    assert Change.objects.filter(action="new release").count() == sum(
        project.releases.count() for project in projects
    )
    assert Change.objects.filter(action__startswith="add ").count() == File.objects.count()
    sdist = File.objects.filter(packagetype="sdist").first()
    if sdist is not None:
        assert Change.objects.filter(action=f"add source file {sdist.filename}").exists()
    for project in projects:
        newest_change = Change.objects.filter(project=project).order_by("-pk")[0]
        assert project.last_serial == newest_change.pk


def test_a_deleted_account_keeps_its_name_in_the_journal(owner):
    actor = UserFactory(username="short-lived")
    project = services.create_project(name="orphan", owner=owner, actor=actor, reason="New")
    actor.delete()

    assert Change.objects.get(project=project).submitted_by == "short-lived"
