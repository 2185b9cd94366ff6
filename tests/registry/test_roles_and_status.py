"""Yank, archive, deprecate, the deletion lock, quarantine and roles through the services.

None of these removes anything, so the deletion policy never blocks them; only roles and a
quarantine do. Every refusal leaves no trace: no changed row, no history row.
"""

from datetime import UTC, datetime, timedelta

import pytest

from registry import services
from registry.models import Project, ProjectStatus, Release, Role
from registry.policy import PRESETS
from registry.services import PolicyRefusal, RegistryError
from tests.factories import ProjectFactory, UserFactory, publish

pytestmark = pytest.mark.django_db

NOW = datetime(2025, 6, 1, 12, 0, tzinfo=UTC)
HOUR = timedelta(hours=1)
OLD = NOW - timedelta(days=400)


@pytest.fixture
def project(owner, maintainer):
    project = services.create_project(
        name="left-pad", owner=owner, actor=owner, reason="New project", now=OLD
    )
    services.add_role(
        project=project, user=maintainer, role="maintainer", actor=owner, reason="Helps", now=OLD
    )
    return project


@pytest.fixture
def release(project, owner):
    return publish(project, "1.0.0", actor=owner, now=OLD)


@pytest.fixture
def older_release(project, owner):
    """An older release that stays live, so removing 1.0.0 is not removing the project's last
    live release (which proposal-2022 judges as deleting the project)."""
    return publish(project, "0.9.0", actor=owner, now=OLD)


@pytest.fixture
def quarantined(project, registry_admin):
    services.quarantine_project(
        project=project, actor=registry_admin, reason="Malware report", now=NOW - HOUR
    )
    return Project.objects.get(pk=project.pk)


def history_counts():
    return (Project.history.count(), Release.history.count(), Role.history.count())


def last_history(obj):
    return obj.history.order_by("-history_id").first()


# Yank and un-yank --------------------------------------------------------------------------------


@pytest.mark.parametrize("actor_fixture", ["owner", "maintainer", "registry_admin"])
def test_owners_maintainers_and_admins_yank_and_unyank(request, release, actor_fixture):
    actor = request.getfixturevalue(actor_fixture)

    services.yank_release(release=release, actor=actor, reason="Broken wheel", now=NOW)

    release.refresh_from_db()
    assert release.yanked is True
    assert (release.yanked_reason, release.yanked_at, release.yanked_by) == (
        "Broken wheel",
        NOW,
        actor,
    )
    row = last_history(release)
    assert (row.history_user_username, row.history_change_reason) == (
        actor.username,
        "Broken wheel",
    )

    services.unyank_release(release=release, actor=actor, reason="Fixed index", now=NOW + HOUR)

    release.refresh_from_db()
    assert (release.yanked, release.yanked_reason, release.yanked_at, release.yanked_by) == (
        False,
        "",
        None,
        None,
    )
    assert last_history(release).history_change_reason == "Fixed index"


@pytest.mark.parametrize("preset", sorted(PRESETS))
def test_yank_is_never_blocked_by_the_policy_or_the_lock(settings, project, release, owner, preset):
    settings.HOLDFAST_POLICY = preset
    services.lock_deletions(project=project, actor=owner, reason="Lock", now=NOW - HOUR)

    services.yank_release(release=release, actor=owner, reason="Broken", now=NOW)

    assert Release.objects.get(pk=release.pk).yanked


@pytest.mark.parametrize(
    ("actor_fixture", "rule"),
    [("other_user", "role.not-a-member"), ("support_user", "role.support-cannot-act")],
)
def test_people_without_a_role_cannot_yank(request, release, owner, actor_fixture, rule):
    actor = request.getfixturevalue(actor_fixture)
    before = history_counts()

    with pytest.raises(PolicyRefusal) as refused:
        services.yank_release(release=release, actor=actor, reason="Broken", now=NOW)

    assert refused.value.decision.rule == rule
    assert not Release.objects.get(pk=release.pk).yanked
    services.yank_release(release=release, actor=owner, reason="Broken", now=NOW)
    with pytest.raises(PolicyRefusal):
        services.unyank_release(release=release, actor=actor, reason="Fixed", now=NOW)
    assert Release.objects.get(pk=release.pk).yanked
    assert history_counts()[1] == before[1] + 1


def test_unyank_of_a_release_that_is_not_yanked_is_refused(release, owner):
    with pytest.raises(RegistryError) as refused:
        services.unyank_release(release=release, actor=owner, reason="Fixed", now=NOW)

    assert refused.value.code == "not_yanked"


@pytest.mark.usefixtures("older_release")
def test_yank_of_a_removed_release_is_refused(release, owner):
    services.remove_release(release=release, actor=owner, reason="Gone", now=NOW)

    with pytest.raises(RegistryError) as refused:
        services.yank_release(release=release, actor=owner, reason="Broken", now=NOW + HOUR)

    assert refused.value.code == "removed"


def test_a_former_owner_can_no_longer_yank(project, release, owner, other_user):
    services.add_role(project=project, user=other_user, role="owner", actor=owner, reason="Co")
    services.remove_role(project=project, user=owner, actor=owner, reason="Leaving", now=NOW)

    with pytest.raises(PolicyRefusal) as refused:
        services.yank_release(release=release, actor=owner, reason="Broken", now=NOW)

    assert refused.value.decision.rule == "role.not-a-member"


# Archive and deprecate ---------------------------------------------------------------------------


def test_owner_archives_and_unarchives(project, owner):
    services.archive_project(project=project, actor=owner, reason="Finished", now=NOW)

    project.refresh_from_db()
    assert (project.status, project.status_reason) == (ProjectStatus.ARCHIVED, "Finished")
    row = last_history(project)
    assert (row.status, row.history_user_username, row.history_change_reason) == (
        "archived",
        "owner",
        "Finished",
    )
    with pytest.raises(RegistryError) as twice:
        services.archive_project(project=project, actor=owner, reason="Again", now=NOW)
    assert twice.value.code == "already_archived"

    services.unarchive_project(project=project, actor=owner, reason="Back", now=NOW + HOUR)

    project.refresh_from_db()
    assert (project.status, project.status_reason) == (ProjectStatus.ACTIVE, "")
    with pytest.raises(RegistryError) as not_archived:
        services.unarchive_project(project=project, actor=owner, reason="Again", now=NOW)
    assert not_archived.value.code == "not_archived"


@pytest.mark.parametrize("preset", sorted(PRESETS))
def test_archive_and_deprecate_are_never_blocked_by_the_policy(settings, project, owner, preset):
    settings.HOLDFAST_POLICY = preset

    services.archive_project(project=project, actor=owner, reason="Done", now=NOW)
    services.deprecate_project(
        project=project, message="Use right-pad", actor=owner, reason="Done", now=NOW
    )

    assert Project.objects.get(pk=project.pk).status == ProjectStatus.DEPRECATED


@pytest.mark.parametrize(
    "act",
    [
        lambda p, u: services.archive_project(project=p, actor=u, reason="r", now=NOW),
        lambda p, u: services.deprecate_project(
            project=p, message="m", actor=u, reason="r", now=NOW
        ),
        lambda p, u: services.lock_deletions(project=p, actor=u, reason="r", now=NOW),
        lambda p, u: services.add_role(
            project=p, user=UserFactory(), role="maintainer", actor=u, reason="r", now=NOW
        ),
    ],
    ids=["archive", "deprecate", "lock", "add_role"],
)
def test_maintainers_cannot_manage_the_project(project, maintainer, act):
    before = history_counts()

    with pytest.raises(PolicyRefusal) as refused:
        act(project, maintainer)

    assert refused.value.decision.rule == "role.maintainer-cannot-manage"
    assert history_counts() == before


def test_owner_deprecates_with_a_message_and_a_successor(project, owner):
    successor = services.create_project(
        name="right-pad", owner=owner, actor=owner, reason="New", now=NOW
    )

    services.deprecate_project(
        project=project,
        message="  Use right-pad, it has the same API.  ",
        successor=successor,
        actor=owner,
        reason="Renamed",
        now=NOW,
    )

    project.refresh_from_db()
    assert project.status == ProjectStatus.DEPRECATED
    assert project.status_reason == "Use right-pad, it has the same API."
    assert project.successor == successor
    assert last_history(project).history_change_reason == "Renamed"

    services.undeprecate_project(project=project, actor=owner, reason="Changed mind", now=NOW)

    project.refresh_from_db()
    assert (project.status, project.status_reason, project.successor) == ("active", "", None)
    with pytest.raises(RegistryError) as again:
        services.undeprecate_project(project=project, actor=owner, reason="Again", now=NOW)
    assert again.value.code == "not_deprecated"


def test_deprecation_successor_is_optional(project, owner):
    services.deprecate_project(
        project=project, message="Unmaintained", actor=owner, reason="Old", now=NOW
    )

    project.refresh_from_db()
    assert (project.status, project.successor) == (ProjectStatus.DEPRECATED, None)


@pytest.mark.parametrize("message", ["", "   ", None])
def test_deprecation_needs_a_message(project, owner, message):
    before = history_counts()

    with pytest.raises(RegistryError) as refused:
        services.deprecate_project(
            project=project, message=message, actor=owner, reason="Old", now=NOW
        )

    assert refused.value.code == "no_message"
    assert history_counts() == before


def test_a_project_is_not_its_own_successor(project, owner):
    with pytest.raises(RegistryError) as refused:
        services.deprecate_project(
            project=project, message="Moved", successor=project, actor=owner, reason="r", now=NOW
        )

    assert refused.value.code == "bad_successor"
    assert Project.objects.get(pk=project.pk).status == ProjectStatus.ACTIVE


def test_a_removed_project_is_not_a_successor(settings, project, owner):
    settings.HOLDFAST_POLICY = "pypi-2025"
    successor = services.create_project(
        name="right-pad", owner=owner, actor=owner, reason="New", now=NOW
    )
    stale = Project.objects.get(pk=successor.pk)  # loaded before the removal
    services.remove_project(project=successor, actor=owner, reason="Gone", now=NOW)

    with pytest.raises(RegistryError) as refused:
        services.deprecate_project(
            project=project, message="Moved", successor=stale, actor=owner, reason="r", now=NOW
        )

    assert refused.value.code == "bad_successor"
    assert Project.objects.get(pk=project.pk).status == ProjectStatus.ACTIVE


@pytest.mark.parametrize(
    "act",
    [
        lambda p, u: services.archive_project(project=p, actor=u, reason="r", now=NOW),
        lambda p, u: services.deprecate_project(
            project=p, message="m", actor=u, reason="r", now=NOW
        ),
        lambda p, u: services.lock_deletions(project=p, actor=u, reason="r", now=NOW),
    ],
    ids=["archive", "deprecate", "lock"],
)
def test_a_removed_project_keeps_its_status(settings, project, owner, act):
    settings.HOLDFAST_POLICY = "pypi-2025"
    services.remove_project(project=project, actor=owner, reason="Gone", now=NOW - HOUR)
    before = history_counts()

    with pytest.raises(RegistryError) as refused:
        act(Project.objects.get(pk=project.pk), owner)

    assert refused.value.code == "removed"
    assert "restore" in str(refused.value)
    assert history_counts() == before


# The deletion lock -------------------------------------------------------------------------------


@pytest.mark.usefixtures("older_release")
def test_deletion_lock_is_one_way_for_owners(project, release, owner, registry_admin):
    services.lock_deletions(project=project, actor=owner, reason="Protect users", now=NOW)

    project.refresh_from_db()
    assert (project.deletion_locked, project.deletion_locked_at) == (True, NOW)
    assert project.deletion_locked_by == owner
    assert last_history(project).history_change_reason == "Protect users"
    with pytest.raises(PolicyRefusal) as cannot_unlock:
        services.unlock_deletions(project=project, actor=owner, reason="Oops", now=NOW)
    assert cannot_unlock.value.decision.rule == "role.owner-cannot-unlock"
    with pytest.raises(PolicyRefusal) as cannot_delete:
        services.remove_release(release=release, actor=owner, reason="Gone", now=NOW)
    assert cannot_delete.value.decision.rule == "lock.deletions-locked"
    with pytest.raises(RegistryError) as twice:
        services.lock_deletions(project=project, actor=owner, reason="Again", now=NOW)
    assert twice.value.code == "locked"

    services.unlock_deletions(
        project=project, actor=registry_admin, reason="Owner asked, ticket 42", now=NOW + HOUR
    )

    project.refresh_from_db()
    assert (project.deletion_locked, project.deletion_locked_at) == (False, None)
    assert last_history(project).history_user_username == "registry-admin"
    services.remove_release(release=release, actor=owner, reason="Gone", now=NOW + 2 * HOUR)
    assert Release.objects.get(pk=release.pk).is_removed


@pytest.mark.parametrize("actor_fixture", ["maintainer", "support_user", "other_user"])
def test_only_admins_lift_the_deletion_lock(request, project, owner, actor_fixture):
    services.lock_deletions(project=project, actor=owner, reason="Protect", now=NOW)

    with pytest.raises(PolicyRefusal):
        services.unlock_deletions(
            project=project, actor=request.getfixturevalue(actor_fixture), reason="r", now=NOW
        )

    assert Project.objects.get(pk=project.pk).deletion_locked


def test_unlocking_an_unlocked_project_is_refused(project, registry_admin):
    with pytest.raises(RegistryError) as refused:
        services.unlock_deletions(project=project, actor=registry_admin, reason="r", now=NOW)

    assert refused.value.code == "not_locked"


# Quarantine --------------------------------------------------------------------------------------


@pytest.mark.parametrize("actor_fixture", ["owner", "maintainer", "support_user", "other_user"])
def test_only_registry_admins_quarantine(request, project, actor_fixture):
    actor = request.getfixturevalue(actor_fixture)

    with pytest.raises(RegistryError) as refused:
        services.quarantine_project(project=project, actor=actor, reason="Malware", now=NOW)

    assert refused.value.code == "admin_only"
    assert Project.objects.get(pk=project.pk).status == ProjectStatus.ACTIVE


def test_registry_admin_quarantines_and_releases(project, registry_admin):
    services.quarantine_project(project=project, actor=registry_admin, reason="Malware", now=NOW)

    project.refresh_from_db()
    assert (project.status, project.status_reason) == (ProjectStatus.QUARANTINED, "Malware")
    assert last_history(project).history_user_username == "registry-admin"
    with pytest.raises(RegistryError) as twice:
        services.quarantine_project(project=project, actor=registry_admin, reason="r", now=NOW)
    assert twice.value.code == "quarantined"

    services.release_quarantine(project=project, actor=registry_admin, reason="Clean", now=NOW)

    project.refresh_from_db()
    assert (project.status, project.status_reason) == (ProjectStatus.ACTIVE, "")
    with pytest.raises(RegistryError) as not_quarantined:
        services.release_quarantine(project=project, actor=registry_admin, reason="r", now=NOW)
    assert not_quarantined.value.code == "not_quarantined"


@pytest.mark.parametrize("actor_fixture", ["owner", "maintainer"])
def test_only_registry_admins_lift_a_quarantine(request, quarantined, actor_fixture):
    with pytest.raises(RegistryError) as refused:
        services.release_quarantine(
            project=quarantined, actor=request.getfixturevalue(actor_fixture), reason="r", now=NOW
        )

    assert refused.value.code == "admin_only"
    assert Project.objects.get(pk=quarantined.pk).status == ProjectStatus.QUARANTINED


@pytest.mark.parametrize(
    "act",
    [
        lambda p, r, u: services.yank_release(release=r, actor=u, reason="r", now=NOW),
        lambda p, r, u: services.archive_project(project=p, actor=u, reason="r", now=NOW),
        lambda p, r, u: services.deprecate_project(
            project=p, message="m", actor=u, reason="r", now=NOW
        ),
        lambda p, r, u: services.lock_deletions(project=p, actor=u, reason="r", now=NOW),
        lambda p, r, u: services.add_role(
            project=p, user=UserFactory(), role="owner", actor=u, reason="r", now=NOW
        ),
    ],
    ids=["yank", "archive", "deprecate", "lock", "add_role"],
)
@pytest.mark.parametrize("actor_fixture", ["owner", "maintainer"])
def test_a_quarantined_project_refuses_its_owners_and_maintainers(
    request, release, quarantined, act, actor_fixture
):
    before = history_counts()

    with pytest.raises(PolicyRefusal) as refused:
        act(quarantined, release, request.getfixturevalue(actor_fixture))

    assert refused.value.decision.rule == "status.quarantined"
    assert history_counts() == before


def test_owners_act_again_once_the_quarantine_is_lifted(
    release, quarantined, owner, registry_admin
):
    services.release_quarantine(project=quarantined, actor=registry_admin, reason="Clean", now=NOW)

    services.yank_release(release=release, actor=owner, reason="Broken", now=NOW + HOUR)

    assert Release.objects.get(pk=release.pk).yanked


# Roles -------------------------------------------------------------------------------------------


def test_owner_adds_a_maintainer_and_an_owner(project, owner, other_user):
    role = services.add_role(
        project=project, user=other_user, role="maintainer", actor=owner, reason="Help", now=NOW
    )

    assert (role.role, role.created_at, role.ended_at) == ("maintainer", NOW, None)
    assert last_history(role).history_user_username == "owner"
    promoted = services.add_role(
        project=project, user=other_user, role="owner", actor=owner, reason="Promote", now=NOW
    )
    assert promoted.pk == role.pk
    assert Role.objects.get(pk=role.pk).role == "owner"


def test_unknown_role_is_refused(project, owner, other_user):
    with pytest.raises(RegistryError) as refused:
        services.add_role(
            project=project, user=other_user, role="admin", actor=owner, reason="r", now=NOW
        )

    assert refused.value.code == "invalid_role"


@pytest.mark.parametrize("actor_fixture", ["other_user", "support_user"])
def test_strangers_cannot_give_themselves_a_role(request, project, actor_fixture):
    actor = request.getfixturevalue(actor_fixture)

    with pytest.raises(PolicyRefusal):
        services.add_role(
            project=project, user=actor, role="owner", actor=actor, reason="Mine now", now=NOW
        )

    assert not Role.objects.filter(project=project, user=actor).exists()


def test_a_project_without_roles_is_not_up_for_grabs(other_user, registry_admin):
    orphan = ProjectFactory(name="orphan", created_at=OLD)  # e.g. imported without owners

    with pytest.raises(PolicyRefusal) as refused:
        services.add_role(
            project=orphan, user=other_user, role="owner", actor=other_user, reason="Mine", now=NOW
        )

    assert refused.value.decision.rule == "role.not-a-member"
    assert not Role.objects.filter(project=orphan).exists()
    services.add_role(
        project=orphan, user=other_user, role="owner", actor=registry_admin, reason="Adopt", now=NOW
    )
    assert Role.objects.active().get(project=orphan).user == other_user


def test_maintainer_may_leave_but_not_remove_others(project, owner, maintainer, other_user):
    services.add_role(
        project=project, user=other_user, role="maintainer", actor=owner, reason="Help", now=NOW
    )

    with pytest.raises(PolicyRefusal) as refused:
        services.remove_role(
            project=project, user=other_user, actor=maintainer, reason="Bye", now=NOW
        )
    assert refused.value.decision.rule == "role.maintainer-cannot-manage"
    with pytest.raises(PolicyRefusal):
        services.remove_role(project=project, user=owner, actor=maintainer, reason="Bye", now=NOW)

    role = services.remove_role(
        project=project, user=maintainer, actor=maintainer, reason="Moving on", now=NOW
    )

    assert role.ended_at == NOW
    assert last_history(role).history_change_reason == "Moving on"
    assert Role.objects.active().filter(project=project, user=maintainer).count() == 0


def test_the_last_owner_cannot_leave_or_be_demoted(project, owner):
    before = history_counts()

    with pytest.raises(RegistryError) as leave:
        services.remove_role(project=project, user=owner, actor=owner, reason="Bye", now=NOW)
    with pytest.raises(RegistryError) as demote:
        services.add_role(
            project=project, user=owner, role="maintainer", actor=owner, reason="Step down"
        )

    for refused in (leave, demote):
        assert refused.value.code == "last_owner"
        assert "Add another owner first" in str(refused.value)
    assert history_counts() == before
    assert Role.objects.active().get(project=project, user=owner).role == "owner"


def test_an_owner_leaves_once_there_is_another(project, owner, other_user):
    services.add_role(project=project, user=other_user, role="owner", actor=owner, reason="Co")

    services.remove_role(project=project, user=owner, actor=owner, reason="Handed over", now=NOW)

    assert Role.objects.get(project=project, user=owner).ended_at == NOW
    assert list(
        Role.objects.active().filter(project=project, role="owner").values_list("user", flat=True)
    ) == [other_user.pk]


def test_the_last_owner_cannot_be_removed_even_by_an_admin(project, owner, registry_admin):
    with pytest.raises(RegistryError) as refused:
        services.remove_role(
            project=project, user=owner, actor=registry_admin, reason="Bye", now=NOW
        )

    assert refused.value.code == "last_owner"


def test_removing_a_role_ends_it_and_adding_it_again_revives_the_row(project, owner, maintainer):
    role = Role.objects.get(project=project, user=maintainer)
    rows = Role.objects.count()

    services.remove_role(project=project, user=maintainer, actor=owner, reason="Inactive", now=NOW)
    assert Role.objects.count() == rows
    assert Role.objects.get(pk=role.pk).ended_at == NOW
    with pytest.raises(RegistryError) as no_role:
        services.remove_role(project=project, user=maintainer, actor=owner, reason="Again", now=NOW)
    assert no_role.value.code == "no_role"

    revived = services.add_role(
        project=project, user=maintainer, role="maintainer", actor=owner, reason="Back", now=NOW
    )

    assert revived.pk == role.pk
    assert Role.objects.count() == rows
    assert Role.objects.get(pk=role.pk).ended_at is None
    reasons = [row.history_change_reason for row in role.history.order_by("history_id")]
    assert reasons == ["Helps", "Inactive", "Back"]
