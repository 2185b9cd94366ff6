"""Removal, restore and purge through the services: who may, what is recorded, what comes back.

The preset is switched with the `settings` fixture (`HOLDFAST_POLICY`, `HOLDFAST_POLICY_<PARAM>`),
and every service gets `now`, so the edges of each rule are pinned to the minute.
"""

import re
from datetime import UTC, datetime, timedelta

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.test.utils import CaptureQueriesContext

from registry import services
from registry.models import (
    File,
    FilenameRegistry,
    NameReservation,
    Project,
    Release,
    RemovalCategory,
    RemovalEvent,
    RemovalScope,
    ReservationReason,
    Role,
)
from registry.policy import PRESETS
from registry.services import PolicyRefusal, RegistryError
from tests.factories import RoleFactory, publish, wheel_name
from tests.races import on_postgresql, race

pytestmark = pytest.mark.django_db

NOW = datetime(2025, 6, 1, 12, 0, tzinfo=UTC)
MINUTE = timedelta(minutes=1)
HOUR = timedelta(hours=1)
DAY = timedelta(days=1)
OLD = NOW - timedelta(days=400)
REASON = "Contains a leaked API token"
ALL_PRESETS = sorted(PRESETS)
KINDS = ("files", "release", "project")


@pytest.fixture
def project(owner, maintainer):
    """An old project (400 days) with one owner and one maintainer."""
    project = services.create_project(
        name="atomicwrites", owner=owner, actor=owner, reason="New project", now=OLD
    )
    services.add_role(
        project=project, user=maintainer, role="maintainer", actor=owner, reason="Helps", now=OLD
    )
    return project


@pytest.fixture
def release(project, owner):
    return publish(project, "1.4.0", actor=owner, now=OLD, files=2)


@pytest.fixture
def older_release(project, owner):
    """An older release that stays live: removing 1.4.0 (or its files) then does not remove the
    project's last live release, which proposal-2022 and other presets judge as the project."""
    return publish(project, "1.3.0", actor=owner, now=OLD)


@pytest.fixture
def young_project(owner):
    """A project one day old with one release: its owners may delete it under most presets."""
    project = services.create_project(
        name="young-pkg", owner=owner, actor=owner, reason="New project", now=NOW - DAY
    )
    publish(project, "1.0", actor=owner, now=NOW - DAY)
    return project


def remove(kind, *, release, actor, reason=REASON, category=None, now=NOW):
    """Remove the release's files, the release, or its whole project."""
    if kind == "files":
        return services.remove_files(
            files=list(release.files.all()),
            actor=actor,
            reason=reason,
            category=category,
            now=now,
        )
    if kind == "release":
        return services.remove_release(
            release=release, actor=actor, reason=reason, category=category, now=now
        )
    return services.remove_project(
        project=release.project, actor=actor, reason=reason, category=category, now=now
    )


def state():
    """Everything a refused removal must leave as it was."""
    return {
        "events": RemovalEvent.objects.count(),
        "reservations": NameReservation.objects.count(),
        "removed": (
            Project.objects.removed().count(),
            Release.objects.removed().count(),
            File.objects.removed().count(),
        ),
        "history": (
            Project.history.count(),
            Release.history.count(),
            File.history.count(),
            RemovalEvent.history.count(),
            NameReservation.history.count(),
        ),
    }


def fresh(user):
    """Reload `user`, so cached permissions do not hide the queries a request would make."""
    return get_user_model().objects.get(pk=user.pk)


def last_history(obj):
    return obj.history.order_by("-history_id").first()


# Who may remove ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("preset", "kind", "rule"),
    [
        ("proposal-2022", "files", "proposal-2022.files-and-releases"),
        ("proposal-2022", "release", "proposal-2022.files-and-releases"),
        ("pypi-2025", "files", "pypi-2025.any-time"),
        ("pypi-2025", "release", "pypi-2025.any-time"),
        ("pypi-2025", "project", "pypi-2025.any-time"),
    ],
)
@pytest.mark.usefixtures("older_release")
def test_owner_removes_when_the_preset_allows(settings, release, owner, preset, kind, rule):
    settings.HOLDFAST_POLICY = preset

    event = remove(kind, release=release, actor=owner)

    assert event.policy_rule == rule
    assert event.is_override is False
    assert event.category == RemovalCategory.OWNER_REQUEST
    assert event.actor == owner
    assert event.actor_username == "owner"
    assert event.reason == REASON
    assert event.scope == kind
    assert not File.objects.filter(release=release).live().exists()


@pytest.mark.parametrize(
    ("preset", "kind", "rule"),
    [
        ("proposal-2022", "project", "proposal-2022.project-window"),
        ("pep763", "files", "pep763.file-window"),
        ("pep763", "release", "pep763.release-window"),
        ("pep763", "project", "pep763.project-releases"),
        ("npm", "release", "npm.owners"),
        ("npm", "project", "npm.owners"),
        ("crates-io", "files", "crates-io.whole-projects-only"),
        ("crates-io", "release", "crates-io.whole-projects-only"),
        ("rubygems", "release", "rubygems.release-window"),
        ("rubygems", "project", "rubygems.project-releases"),
        ("immutable", "files", "immutable.no-deletion"),
        ("immutable", "release", "immutable.no-deletion"),
        ("immutable", "project", "immutable.no-deletion"),
    ],
)
@pytest.mark.usefixtures("older_release")
def test_owner_refused_by_the_preset_gets_the_decision_and_nothing_changes(
    settings, project, release, owner, preset, kind, rule
):
    settings.HOLDFAST_POLICY = preset
    RoleFactory(project=project, role="owner")  # npm and crates-io refuse several owners
    before = state()

    with pytest.raises(PolicyRefusal) as refused:
        remove(kind, release=release, actor=owner)

    decision = refused.value.decision
    assert decision.allowed is False
    assert decision.rule == rule
    assert refused.value.code == rule
    assert str(refused.value) == decision.explanation
    assert decision.explanation
    assert state() == before


def test_policy_parameters_come_from_holdfast_policy_settings(settings, project, owner):
    settings.HOLDFAST_POLICY = "pep763"
    release = publish(project, "2.0", actor=owner, now=NOW - 100 * HOUR)

    with pytest.raises(PolicyRefusal) as refused:
        services.remove_release(release=release, actor=owner, reason=REASON, now=NOW)
    assert "72 hours" in refused.value.decision.explanation

    settings.HOLDFAST_POLICY_WINDOW_HOURS = "120"  # as the environment gives it
    event = services.remove_release(release=release, actor=owner, reason=REASON, now=NOW)
    assert event.policy_rule == "pep763.release-window"


def test_project_window_parameter_makes_an_old_project_deletable(settings, release, owner):
    settings.HOLDFAST_POLICY_PROJECT_WINDOW_DAYS = 500

    event = services.remove_project(project=release.project, actor=owner, reason=REASON, now=NOW)

    assert event.policy_rule == "proposal-2022.project-window"


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("preset", ALL_PRESETS)
def test_deletion_lock_blocks_owners_under_every_preset(settings, release, owner, preset, kind):
    settings.HOLDFAST_POLICY = preset
    services.lock_deletions(
        project=release.project, actor=owner, reason="No more deletions", now=NOW - DAY
    )
    before = state()

    with pytest.raises(PolicyRefusal) as refused:
        remove(kind, release=release, actor=owner)

    assert refused.value.decision.rule == "lock.deletions-locked"
    assert "only a registry admin can lift it" in str(refused.value)
    assert state() == before


@pytest.mark.parametrize("kind", KINDS)
def test_maintainers_cannot_remove(settings, release, maintainer, kind):
    settings.HOLDFAST_POLICY = "pypi-2025"  # where owners could
    before = state()

    with pytest.raises(PolicyRefusal) as refused:
        remove(kind, release=release, actor=maintainer)

    assert refused.value.decision.rule == "role.maintainer-cannot-delete"
    assert state() == before


@pytest.mark.parametrize(
    ("actor_fixture", "rule"),
    [("other_user", "role.not-a-member"), ("support_user", "role.support-cannot-act")],
)
@pytest.mark.parametrize("kind", KINDS)
def test_people_without_a_role_cannot_remove(request, settings, release, kind, actor_fixture, rule):
    settings.HOLDFAST_POLICY = "pypi-2025"
    actor = request.getfixturevalue(actor_fixture)
    before = state()

    with pytest.raises(PolicyRefusal) as refused:
        remove(kind, release=release, actor=actor)

    assert refused.value.decision.rule == rule
    assert state() == before


@pytest.mark.parametrize("kind", KINDS)
def test_quarantined_project_refuses_its_owners(settings, release, owner, registry_admin, kind):
    settings.HOLDFAST_POLICY = "pypi-2025"
    services.quarantine_project(
        project=release.project, actor=registry_admin, reason="Malware report", now=NOW - HOUR
    )
    before = state()

    with pytest.raises(PolicyRefusal) as refused:
        remove(kind, release=release, actor=owner)

    assert refused.value.decision.rule == "status.quarantined"
    assert state() == before


@pytest.mark.parametrize("kind", KINDS)
def test_registry_admin_overrides_a_refusing_preset_and_it_is_recorded(
    settings, release, owner, registry_admin, kind
):
    settings.HOLDFAST_POLICY = "immutable"
    services.lock_deletions(project=release.project, actor=owner, reason="Lock", now=NOW - DAY)

    event = remove(kind, release=release, actor=registry_admin, category=RemovalCategory.LEGAL)

    assert not registry_admin.is_superuser
    assert event.is_override is True
    assert event.policy_rule == "admin.override"
    assert event.category == RemovalCategory.LEGAL
    assert event.actor == registry_admin
    assert event.actor_username == "registry-admin"
    assert event.reason == REASON


def test_registry_admin_within_the_policy_is_not_an_override(settings, release, registry_admin):
    settings.HOLDFAST_POLICY = "pypi-2025"

    event = remove("release", release=release, actor=registry_admin, category="security")

    assert event.is_override is False
    assert event.policy_rule == "admin"
    assert event.category == RemovalCategory.SECURITY


@pytest.mark.parametrize("kind", KINDS)
def test_registry_admin_must_give_reason_and_category(release, registry_admin, kind):
    before = state()

    with pytest.raises(RegistryError) as no_category:
        remove(kind, release=release, actor=registry_admin)
    with pytest.raises(RegistryError) as no_reason:
        remove(kind, release=release, actor=registry_admin, reason="  ", category="legal")

    assert no_category.value.code == "no_category"
    assert no_reason.value.code == "no_reason"
    assert state() == before


def test_registry_admin_cannot_use_an_unknown_category(release, registry_admin):
    before = state()

    with pytest.raises(RegistryError) as refused:
        remove("release", release=release, actor=registry_admin, category="because")

    assert refused.value.code == "invalid_category"
    assert state() == before


# What a removal records --------------------------------------------------------------------------


def test_remove_files_keeps_the_rows_and_records_everything(release, owner):
    file_a, file_b = release.files.order_by("filename")
    rows_before = File.objects.count()

    event = services.remove_files(files=[file_a], actor=owner, reason=REASON, now=NOW)

    assert File.objects.count() == rows_before
    file_a.refresh_from_db()
    file_b.refresh_from_db()
    assert (file_a.removed_at, file_a.removed_by, file_a.removal_reason) == (NOW, owner, REASON)
    assert file_a.removal_event == event
    assert file_b.removed_at is None
    assert event.scope == RemovalScope.FILES
    assert event.summary == {"project": "atomicwrites", "files": [file_a.filename]}
    row = last_history(file_a)
    assert (row.history_user, row.history_user_username) == (owner, "owner")
    assert row.history_change_reason == REASON
    assert row.removed_at == NOW
    assert RemovalEvent.history.get().history_change_reason == REASON


def test_remove_files_refuses_files_already_removed(release, owner):
    file_a, file_b = release.files.order_by("filename")
    services.remove_files(files=[file_a], actor=owner, reason=REASON, now=NOW)
    before = state()

    with pytest.raises(RegistryError) as refused:
        services.remove_files(files=[file_a, file_b], actor=owner, reason=REASON, now=NOW)

    assert refused.value.code == "already_removed"
    assert file_a.filename in str(refused.value)
    assert state() == before


def test_remove_project_takes_everything_live_and_writes_history_for_each(settings, release, owner):
    settings.HOLDFAST_POLICY = "pypi-2025"
    project = release.project
    other = publish(project, "1.5.0", actor=owner, now=OLD, files=1)
    counts = (Project.objects.count(), Release.objects.count(), File.objects.count())

    event = services.remove_project(project=project, actor=owner, reason=REASON, now=NOW)

    assert (Project.objects.count(), Release.objects.count(), File.objects.count()) == counts
    assert event.scope == RemovalScope.PROJECT
    assert event.summary["project"] == "atomicwrites"
    assert sorted(event.summary["releases"]) == ["1.4.0", "1.5.0"]
    assert len(event.summary["files"]) == 3
    removed = [
        Project.objects.get(pk=project.pk),
        *Release.objects.filter(project=project),
        *File.objects.filter(release__project=project),
    ]
    assert len(removed) == 6
    for obj in removed:
        assert obj.removed_at == NOW
        assert obj.removed_by == owner
        assert obj.removal_event == event
        row = last_history(obj)
        assert row.history_user_username == "owner", obj
        assert row.history_change_reason == REASON, obj
        assert row.removal_event_id == event.pk, obj
    assert other.files.live().count() == 0


@pytest.mark.usefixtures("older_release")
def test_remove_release_already_removed_is_refused(release, owner):
    services.remove_release(release=release, actor=owner, reason=REASON, now=NOW)

    with pytest.raises(RegistryError) as refused:
        services.remove_release(release=release, actor=owner, reason=REASON, now=NOW)

    assert refused.value.code == "already_removed"


# The name of a removed project -------------------------------------------------------------------


def create(name, user, now):
    return services.create_project(name=name, owner=user, actor=user, reason="Register", now=now)


def test_proposal_2022_reserves_the_name_from_others_for_24_hours(young_project, owner, other_user):
    services.remove_project(project=young_project, actor=owner, reason=REASON, now=NOW)

    reservation = NameReservation.objects.get(normalized_name="young-pkg")
    assert reservation.reason == ReservationReason.REMOVED_PROJECT
    assert reservation.until == NOW + 24 * HOUR
    assert list(reservation.allowed_users.all()) == [owner]
    with pytest.raises(RegistryError) as refused:
        create("Young_Pkg", other_user, NOW + 24 * HOUR - MINUTE)
    assert refused.value.code == "name_reserved"

    taken = create("Young_Pkg", other_user, NOW + 24 * HOUR + MINUTE)

    assert taken.pk == young_project.pk
    assert taken.name == "Young_Pkg"
    assert taken.is_removed is False
    assert taken.created_at == NOW + 24 * HOUR + MINUTE
    assert set(Role.objects.active().filter(project=taken).values_list("user", "role")) == {
        (other_user.pk, "owner")
    }


def test_proposal_2022_lets_previous_owners_register_the_name_at_once(young_project, owner):
    services.remove_project(project=young_project, actor=owner, reason=REASON, now=NOW)

    again = create("young-pkg", owner, NOW + MINUTE)

    assert again.pk == young_project.pk
    assert again.is_removed is False
    assert Role.objects.active().get(project=again).user == owner
    assert again.releases.live().count() == 0
    reservation = NameReservation.objects.get(normalized_name="young-pkg")
    assert reservation.until == NOW + MINUTE


def test_npm_blocks_the_previous_owners_too(settings, young_project, owner):
    settings.HOLDFAST_POLICY = "npm"
    event = services.remove_project(project=young_project, actor=owner, reason=REASON, now=NOW)
    assert event.policy_rule == "npm.window"

    with pytest.raises(RegistryError) as refused:
        create("young-pkg", owner, NOW + 24 * HOUR - MINUTE)
    assert refused.value.code == "name_reserved"

    assert create("young-pkg", owner, NOW + 24 * HOUR + MINUTE).is_removed is False


def test_immutable_reserves_an_admin_removed_name_for_ever(
    settings, project, release, owner, other_user, registry_admin
):
    settings.HOLDFAST_POLICY = "immutable"
    services.remove_project(
        project=project, actor=registry_admin, reason=REASON, category="legal", now=NOW
    )

    reservation = NameReservation.objects.get(normalized_name="atomicwrites")
    assert reservation.until is None
    assert not reservation.allowed_users.exists()
    for user in (owner, other_user):
        with pytest.raises(RegistryError) as refused:
            create("atomicwrites", user, NOW + timedelta(days=3650))
        assert refused.value.code == "name_reserved"
        assert "permanently" in str(refused.value)


def test_pypi_2025_frees_the_name_at_once(settings, release, owner, other_user):
    settings.HOLDFAST_POLICY = "pypi-2025"
    services.remove_project(project=release.project, actor=owner, reason=REASON, now=NOW)

    assert not NameReservation.objects.exists()
    assert create("atomicwrites", other_user, NOW + MINUTE).is_removed is False


def test_rubygems_reserves_an_old_project_name_for_100_days(settings, project, owner, other_user):
    settings.HOLDFAST_POLICY = "rubygems"
    publish(project, "2.0", actor=owner, now=NOW - DAY)  # its only release, and a young one
    event = services.remove_project(project=project, actor=owner, reason=REASON, now=NOW)
    assert event.policy_rule == "rubygems.project-releases"

    assert NameReservation.objects.get().until == NOW + timedelta(days=100)
    with pytest.raises(RegistryError):
        create("atomicwrites", other_user, NOW + timedelta(days=100) - MINUTE)
    assert create("atomicwrites", other_user, NOW + timedelta(days=100) + MINUTE).pk == project.pk


def test_rubygems_leaves_a_young_project_name_free(settings, young_project, owner, other_user):
    settings.HOLDFAST_POLICY = "rubygems"
    services.remove_project(project=young_project, actor=owner, reason=REASON, now=NOW)

    assert not NameReservation.objects.exists()
    assert create("young-pkg", other_user, NOW + MINUTE).pk == young_project.pk


def test_rubygems_lets_previous_owners_take_an_old_name_back_at_once(
    settings, project, owner, registry_admin
):
    settings.HOLDFAST_POLICY = "rubygems"
    services.remove_project(
        project=project, actor=registry_admin, reason=REASON, category="admin", now=NOW
    )

    assert create("atomicwrites", owner, NOW + MINUTE).is_removed is False


def test_after_a_takeover_the_old_removal_stays_removed_and_burned(
    young_project, owner, other_user, registry_admin
):
    old_release = young_project.releases.get()
    old_file = old_release.files.get()
    event = services.remove_project(project=young_project, actor=owner, reason=REASON, now=NOW)
    taken = create("young-pkg", other_user, NOW + 2 * DAY)

    with pytest.raises(RegistryError) as not_restorable:
        services.restore_removal(
            event=event, actor=registry_admin, reason="Undo", now=NOW + 3 * DAY
        )
    assert not_restorable.value.code == "name_reused"
    assert "registered again" in str(not_restorable.value)
    with pytest.raises(RegistryError) as old_version:
        services.create_release(
            project=taken, version="1.0.0", actor=other_user, reason="Up", now=NOW + 3 * DAY
        )
    assert old_version.value.code == "version_exists"
    with pytest.raises(RegistryError) as old_filename:
        services.add_file(
            release=old_release,
            filename=old_file.filename,
            content=b"new code",
            actor=other_user,
            reason="Up",
            now=NOW + 3 * DAY,
        )
    assert old_filename.value.code == "filename_reused"
    assert FilenameRegistry.objects.filter(filename=old_file.filename).exists()
    old_release.refresh_from_db()
    old_file.refresh_from_db()
    assert old_release.is_removed and old_file.is_removed
    assert Role.objects.get(project=taken, user=owner).ended_at == NOW + 2 * DAY


def test_a_removed_release_takes_no_new_files(young_project, owner, other_user):
    old_release = young_project.releases.get()
    services.remove_project(project=young_project, actor=owner, reason=REASON, now=NOW)
    create("young-pkg", other_user, NOW + 2 * DAY)
    before = File.objects.count()

    with pytest.raises(RegistryError) as refused:
        services.add_file(
            release=old_release,
            filename=wheel_name(young_project, "1.0", 99),
            content=b"new code under an old version",
            actor=other_user,
            reason="Up",
            now=NOW + 3 * DAY,
        )

    assert refused.value.code == "release_removed"
    assert File.objects.count() == before


# Restore -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("actor_fixture", ["owner", "support_user", "other_user"])
@pytest.mark.usefixtures("older_release")
def test_only_registry_admins_restore(request, release, owner, actor_fixture):
    event = services.remove_release(release=release, actor=owner, reason=REASON, now=NOW)
    actor = request.getfixturevalue(actor_fixture)

    with pytest.raises(RegistryError) as refused:
        services.restore_removal(event=event, actor=actor, reason="Undo", now=NOW + HOUR)

    assert refused.value.code == "admin_only"
    event.refresh_from_db()
    assert event.restored_at is None
    assert Release.objects.get(pk=release.pk).is_removed


def removed_project(name, *, releases, files_per_release, owner, admin):
    """Publish a project, remove it as an admin, and return the RemovalEvent (reloaded)."""
    project = services.create_project(name=name, owner=owner, actor=owner, reason="New", now=OLD)
    for n in range(releases):
        publish(project, f"1.{n}", actor=owner, now=OLD, files=files_per_release)
    event = services.remove_project(
        project=project, actor=admin, reason="Deleted by mistake", category="admin", now=NOW
    )
    return RemovalEvent.objects.get(pk=event.pk)


def test_restore_brings_35_files_back_in_one_call(owner, registry_admin):
    event = removed_project(
        "atomic-35", releases=5, files_per_release=7, owner=owner, admin=registry_admin
    )
    assert File.objects.filter(removal_event=event).count() == 35

    result = services.restore_removal(
        event=event, actor=registry_admin, reason="Accidental deletion", now=NOW + HOUR
    )

    assert (result.projects, result.releases, result.files) == (1, 5, 35)
    assert result.purged_files_left_removed == ()
    project = Project.objects.get(name="atomic-35")
    assert project.is_removed is False
    assert project.releases.live().count() == 5
    assert File.objects.filter(release__project=project).live().count() == 35
    assert not File.objects.filter(removal_event=event).exists()
    event.refresh_from_db()
    assert (event.restored_at, event.restored_by) == (NOW + HOUR, registry_admin)
    assert event.restore_reason == "Accidental deletion"
    for obj in (project, *project.releases.all(), *File.objects.filter(release__project=project)):
        row = last_history(obj)
        assert row.history_change_reason == "Accidental deletion"
        assert row.history_user_username == "registry-admin"
        assert row.removed_at is None


# 25, plus the change journal: the restored files' versions, one insert, one stamp.
MAX_RESTORE_QUERIES = 28


def statements(queries):
    """Name each statement by its start, one name for a run of batches of the same statement.

    Django splits a bulk write into batches of at most 999 parameters on SQLite (65,535 on
    PostgreSQL), so only there does a large bulk history insert take more than one statement.
    """
    names = [re.sub(r"\d+", "N", query["sql"][:60]) for query in queries]
    return [name for i, name in enumerate(names) if i == 0 or name != names[i - 1]]


def test_restore_takes_a_fixed_number_of_queries(owner, registry_admin):
    small = removed_project(
        "atomic-35", releases=5, files_per_release=7, owner=owner, admin=registry_admin
    )
    large = removed_project(
        "atomic-70", releases=10, files_per_release=7, owner=owner, admin=registry_admin
    )

    captured = []
    for event in (small, large):
        with CaptureQueriesContext(connection) as queries:
            services.restore_removal(
                event=event, actor=fresh(registry_admin), reason="Undo", now=NOW + HOUR
            )
        captured.append(queries.captured_queries)

    assert statements(captured[0]) == statements(captured[1])
    if connection.vendor == "postgresql":
        assert len(captured[0]) == len(captured[1])
    assert len(captured[0]) <= MAX_RESTORE_QUERIES


def test_restore_of_35_files_stays_under_the_query_budget(
    owner, registry_admin, django_assert_max_num_queries
):
    event = removed_project(
        "atomic-35", releases=5, files_per_release=7, owner=owner, admin=registry_admin
    )
    admin = fresh(registry_admin)

    with django_assert_max_num_queries(MAX_RESTORE_QUERIES):
        services.restore_removal(event=event, actor=admin, reason="Undo", now=NOW + HOUR)


@pytest.mark.usefixtures("older_release")
def test_restoring_twice_is_refused(release, owner, registry_admin):
    event = services.remove_release(release=release, actor=owner, reason=REASON, now=NOW)
    services.restore_removal(event=event, actor=registry_admin, reason="Undo", now=NOW + HOUR)
    history = Release.history.count()

    with pytest.raises(RegistryError) as refused:
        services.restore_removal(event=event, actor=registry_admin, reason="Again", now=NOW + DAY)

    assert refused.value.code == "already_restored"
    assert Release.history.count() == history


@pytest.mark.usefixtures("older_release")
def test_restoring_a_release_of_a_project_removed_later_is_refused(release, owner, registry_admin):
    release_event = services.remove_release(release=release, actor=owner, reason=REASON, now=NOW)
    project_event = services.remove_project(
        project=release.project,
        actor=registry_admin,
        reason="Abandoned",
        category="admin",
        now=NOW + HOUR,
    )

    with pytest.raises(RegistryError) as refused:
        services.restore_removal(
            event=release_event, actor=registry_admin, reason="Undo", now=NOW + DAY
        )
    assert refused.value.code == "project_removed"
    assert "restore that removal first" in str(refused.value)
    assert Release.objects.get(pk=release.pk).is_removed

    services.restore_removal(
        event=project_event, actor=registry_admin, reason="Undo", now=NOW + DAY
    )
    assert Release.objects.get(pk=release.pk).is_removed  # not part of the project's removal
    services.restore_removal(
        event=release_event, actor=registry_admin, reason="Undo", now=NOW + DAY
    )
    assert Release.objects.get(pk=release.pk).is_removed is False


@pytest.mark.usefixtures("older_release")
def test_restoring_files_of_a_release_removed_later_is_refused(release, owner, registry_admin):
    file_a, file_b = release.files.order_by("filename")
    files_event = services.remove_files(files=[file_a], actor=owner, reason=REASON, now=NOW)
    release_event = services.remove_release(
        release=release, actor=owner, reason="All of it", now=NOW + HOUR
    )

    with pytest.raises(RegistryError) as refused:
        services.restore_removal(
            event=files_event, actor=registry_admin, reason="Undo", now=NOW + DAY
        )
    assert refused.value.code == "release_removed"
    assert "1.4.0" in str(refused.value)
    assert File.objects.get(pk=file_a.pk).is_removed

    services.restore_removal(
        event=release_event, actor=registry_admin, reason="Undo", now=NOW + DAY
    )
    assert File.objects.get(pk=file_a.pk).is_removed
    assert File.objects.get(pk=file_b.pk).is_removed is False
    services.restore_removal(event=files_event, actor=registry_admin, reason="Undo", now=NOW + DAY)
    assert File.objects.get(pk=file_a.pk).is_removed is False


def test_restoring_a_project_ends_its_name_reservation(
    young_project, owner, other_user, registry_admin
):
    event = services.remove_project(project=young_project, actor=owner, reason=REASON, now=NOW)
    assert services.reservation_blocking(
        normalized_name="young-pkg", user=other_user, now=NOW + HOUR
    )

    services.restore_removal(event=event, actor=registry_admin, reason="Undo", now=NOW + HOUR)

    reservation = NameReservation.objects.get(normalized_name="young-pkg")
    assert reservation.until == NOW + HOUR
    assert (
        services.reservation_blocking(normalized_name="young-pkg", user=other_user, now=NOW + HOUR)
        is None
    )
    assert last_history(reservation).until == NOW + HOUR


# Purge -------------------------------------------------------------------------------------------


@pytest.mark.parametrize("actor_fixture", ["owner", "support_user"])
def test_only_registry_admins_purge(request, release, actor_fixture):
    actor = request.getfixturevalue(actor_fixture)
    before = state()

    with pytest.raises(RegistryError) as refused:
        services.purge_files(
            files=list(release.files.all()),
            actor=actor,
            reason="Leaked key",
            category="security",
            now=NOW,
        )

    assert refused.value.code == "admin_only"
    assert state() == before


@pytest.mark.parametrize("category", ["abuse", "admin", "owner_request", "policy_exception"])
def test_purge_only_for_legal_or_security_reasons(release, registry_admin, category):
    before = state()

    with pytest.raises(RegistryError) as refused:
        services.purge_files(
            files=list(release.files.all()),
            actor=registry_admin,
            reason="Leaked key",
            category=category,
            now=NOW,
        )

    assert refused.value.code == "purge_category"
    assert state() == before


def test_purge_removes_a_live_file_then_destroys_its_bytes_after_commit(
    release, registry_admin, django_capture_on_commit_callbacks
):
    file, kept = release.files.order_by("filename")
    blob_name, kept_blob = file.blob.name, kept.blob.name
    storage = file.blob.storage
    sha256 = file.sha256

    with django_capture_on_commit_callbacks(execute=True):
        purged = services.purge_files(
            files=[file], actor=registry_admin, reason="AWS key in setup.py", category="security"
        )
        assert storage.exists(blob_name)  # the bytes go only once the transaction commits

    assert not storage.exists(blob_name)
    assert storage.exists(kept_blob)
    assert [f.pk for f in purged] == [file.pk]
    file.refresh_from_db()
    assert (file.filename, file.sha256) == (wheel_name(release.project, "1.4.0", 1), sha256)
    assert file.purged_at is not None
    assert file.purged_by == registry_admin
    assert "AWS key in setup.py" in file.purge_reason
    assert file.is_removed
    event = file.removal_event
    assert event.scope == RemovalScope.FILES
    assert event.category == RemovalCategory.SECURITY
    assert event.summary["files"] == [file.filename]
    assert FilenameRegistry.objects.filter(filename=file.filename).exists()
    assert last_history(file).history_change_reason == "AWS key in setup.py"


@pytest.mark.usefixtures("older_release")
def test_a_purged_file_is_never_restored(release, owner, registry_admin):
    file, kept = release.files.order_by("filename")
    event = services.remove_release(release=release, actor=owner, reason=REASON, now=NOW)
    services.purge_files(
        files=[file], actor=registry_admin, reason="Copyright", category="legal", now=NOW + HOUR
    )
    assert RemovalEvent.objects.count() == 1  # already removed: no second event

    result = services.restore_removal(
        event=event, actor=registry_admin, reason="Undo", now=NOW + DAY
    )

    assert (result.releases, result.files) == (1, 1)
    assert result.purged_files_left_removed == (file.filename,)
    file.refresh_from_db()
    assert file.is_removed and file.is_purged
    assert File.objects.get(pk=kept.pk).is_removed is False


# Two at once (PostgreSQL) ------------------------------------------------------------------------


@on_postgresql
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_admins_restoring_at_once_restore_once(owner, registry_admin, second_admin):
    event = removed_project(
        "raced", releases=2, files_per_release=2, owner=owner, admin=registry_admin
    )
    admins = [registry_admin, second_admin]

    def restore(n):
        return services.restore_removal(
            event=RemovalEvent.objects.get(pk=event.pk),
            actor=fresh(admins[n]),
            reason=f"Undo by admin {n}",
            now=NOW + HOUR,
        )

    results = race(Project, event.project_id, restore)

    restored = [r for r in results if isinstance(r, services.RestoreResult)]
    refused = [r for r in results if isinstance(r, RegistryError)]
    assert len(restored) == 1 and len(refused) == 1, results
    assert refused[0].code == "already_restored"
    assert RemovalEvent.history.filter(restored_at__isnull=False).count() == 1
    assert File.history.filter(history_change_reason__startswith="Undo").count() == 4


@on_postgresql
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_owners_removing_the_same_release_at_once_remove_it_once(owner, other_user):
    project = services.create_project(name="raced", owner=owner, actor=owner, reason="New", now=OLD)
    services.add_role(project=project, user=other_user, role="owner", actor=owner, reason="Co")
    publish(project, "0.9", actor=owner, now=OLD)  # stays live: 1.0 is not the last release
    release = publish(project, "1.0", actor=owner, now=OLD, files=2)
    owners = [owner, other_user]

    def remove_it(n):
        return services.remove_release(
            release=Release.objects.get(pk=release.pk),
            actor=fresh(owners[n]),
            reason=f"Removed by owner {n}",
            now=NOW,
        )

    results = race(Project, project.pk, remove_it)

    events = [r for r in results if isinstance(r, RemovalEvent)]
    refused = [r for r in results if isinstance(r, RegistryError)]
    assert len(events) == 1 and len(refused) == 1, results
    assert refused[0].code == "already_removed"
    assert RemovalEvent.objects.count() == 1
    assert Release.history.filter(history_change_reason__startswith="Removed by").count() == 1
    assert File.history.filter(history_change_reason__startswith="Removed by").count() == 2
