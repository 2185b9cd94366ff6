"""History: every change made through the services leaves a row saying who did it and why."""

from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse
from django.utils import timezone

from registry import services
from registry.history import bulk_create_tracked, bulk_update_tracked
from registry.models import (
    Dependency,
    FilenameRegistry,
    Project,
    ProjectStatus,
    Release,
    Role,
)
from tests.factories import ProjectFactory, ReleaseFactory, UserFactory

pytestmark = pytest.mark.django_db

NOW = timezone.now().replace(microsecond=0)


def assert_history(row, *, actor, reason, history_type):
    assert row.history_type == history_type
    assert row.history_user == actor
    assert row.history_user_username == actor.username
    assert row.history_change_reason == reason


@pytest.fixture
def project(owner):
    return services.create_project(
        name="tracked-pkg", owner=owner, actor=owner, reason="New project", now=NOW
    )


def test_create_project_writes_project_and_role_history(owner):
    project = services.create_project(
        name="tracked-pkg", owner=owner, actor=owner, reason="New project", now=NOW
    )

    (project_row,) = project.history.all()
    assert_history(project_row, actor=owner, reason="New project", history_type="+")
    assert project_row.name == "tracked-pkg"
    (role_row,) = Role.history.filter(project_id=project.pk)
    assert_history(role_row, actor=owner, reason="New project", history_type="+")
    assert role_row.role == "owner"


def test_add_role_writes_history_for_a_new_and_a_changed_role(project, owner, other_user):
    services.add_role(
        project=project, user=other_user, role="maintainer", actor=owner, reason="Helps out"
    )
    services.add_role(
        project=project, user=other_user, role="owner", actor=owner, reason="Promoted"
    )

    added, changed = Role.history.filter(user_id=other_user.pk).order_by("history_id")
    assert_history(added, actor=owner, reason="Helps out", history_type="+")
    assert added.role == "maintainer"
    assert_history(changed, actor=owner, reason="Promoted", history_type="~")
    assert changed.role == "owner"


def test_add_role_with_the_same_role_writes_no_history(project, owner, other_user):
    services.add_role(project=project, user=other_user, role="owner", actor=owner, reason="One")
    services.add_role(project=project, user=other_user, role="owner", actor=owner, reason="Two")

    assert Role.history.filter(user_id=other_user.pk).count() == 1


def test_create_release_writes_history(project, owner):
    release = services.create_release(
        project=project, version="1.0", actor=owner, reason="First release", now=NOW
    )

    (row,) = release.history.all()
    assert_history(row, actor=owner, reason="First release", history_type="+")
    assert row.canonical_version == "1"


def test_add_file_writes_file_and_filename_registry_history(project, owner):
    release = services.create_release(project=project, version="1.0", actor=owner, reason="R")

    file = services.add_file(
        release=release,
        filename="tracked_pkg-1.0.tar.gz",
        content=b"sdist bytes",
        actor=owner,
        reason="Upload",
        now=NOW,
    )

    (file_row,) = file.history.all()
    assert_history(file_row, actor=owner, reason="Upload", history_type="+")
    (registry_row,) = FilenameRegistry.history.filter(filename="tracked_pkg-1.0.tar.gz")
    assert_history(registry_row, actor=owner, reason="Upload", history_type="+")


def test_yank_release_writes_history(project, owner):
    release = services.create_release(project=project, version="1.0", actor=owner, reason="R")

    services.yank_release(release=release, actor=owner, reason="Broken build", now=NOW)

    latest = release.history.latest("history_id")
    assert_history(latest, actor=owner, reason="Broken build", history_type="~")
    assert latest.yanked is True
    assert latest.yanked_at == NOW
    assert release.history.count() == 2


def test_archive_project_writes_history(project, owner):
    services.archive_project(project=project, actor=owner, reason="Finished")

    latest = project.history.latest("history_id")
    assert_history(latest, actor=owner, reason="Finished", history_type="~")
    assert latest.status == ProjectStatus.ARCHIVED


def test_deprecate_project_writes_history_with_the_successor(project, owner):
    successor = ProjectFactory(name="next-pkg")

    services.deprecate_project(
        project=project, message="Use next-pkg.", successor=successor, actor=owner, reason="Moved"
    )

    latest = project.history.latest("history_id")
    assert_history(latest, actor=owner, reason="Moved", history_type="~")
    assert latest.status == ProjectStatus.DEPRECATED
    assert latest.status_reason == "Use next-pkg."
    assert latest.successor_id == successor.pk


def test_quarantine_project_writes_history(project, registry_admin):
    services.quarantine_project(project=project, actor=registry_admin, reason="Malware report")

    latest = project.history.latest("history_id")
    assert_history(latest, actor=registry_admin, reason="Malware report", history_type="~")
    assert latest.status == ProjectStatus.QUARANTINED


def test_set_dependencies_writes_history_through_bulk_create(project, owner):
    release = services.create_release(project=project, version="1.0", actor=owner, reason="R")

    services.set_dependencies(
        release=release, requirements=["tinypad>=1.0", "Atomic_Files"], actor=owner, reason="Deps"
    )

    rows = Dependency.history.filter(release_id=release.pk).order_by("name")
    assert [row.name for row in rows] == ["atomic-files", "tinypad"]
    for row in rows:
        assert_history(row, actor=owner, reason="Deps", history_type="+")


def test_bulk_create_tracked_writes_history_with_actor_and_reason(owner):
    release = ReleaseFactory()
    when = NOW - timedelta(days=1)

    created = bulk_create_tracked(
        Dependency,
        [Dependency(release=release, name="one"), Dependency(release=release, name="two")],
        actor=owner,
        reason="Imported",
        when=when,
    )

    assert len(created) == 2
    rows = Dependency.history.filter(release_id=release.pk)
    assert rows.count() == 2
    for row in rows:
        assert_history(row, actor=owner, reason="Imported", history_type="+")
        assert row.history_date == when


def test_bulk_update_tracked_writes_history_with_actor_and_reason(owner, other_user):
    projects = [ProjectFactory(), ProjectFactory()]
    for project in projects:
        # An actor left on an instance must not win over the actor of the bulk call.
        project._history_user = other_user
        project._change_reason = "stale"
        project.status_reason = "Bulk note"

    bulk_update_tracked(Project, projects, ["status_reason"], actor=owner, reason="Bulk edit")

    for project in projects:
        assert Project.objects.get(pk=project.pk).status_reason == "Bulk note"
        latest = project.history.latest("history_id")
        assert_history(latest, actor=owner, reason="Bulk edit", history_type="~")
        assert latest.status_reason == "Bulk note"


def test_bulk_create_tracked_without_actor_records_no_username():
    release = ReleaseFactory()

    bulk_create_tracked(
        Dependency, [Dependency(release=release, name="one")], actor=None, reason="System"
    )

    row = Dependency.history.get(release_id=release.pk)
    assert row.history_user is None
    assert row.history_user_username == ""
    assert row.history_change_reason == "System"


def test_deleting_the_actor_keeps_the_username_in_history():
    # An account that holds evidence (a role, an upload) cannot be deleted at all (see
    # test_account_protection.py); one that only acted, here registering a project and its
    # release for someone else, can, and its history rows keep its username.
    actor = UserFactory(username="soon-gone")
    project = services.create_project(
        name="orphaned-history", owner=UserFactory(), actor=actor, reason="Created", now=NOW
    )
    services.create_release(project=project, version="1.0", actor=actor, reason="R")

    actor.delete()

    assert not get_user_model().objects.filter(username="soon-gone").exists()
    for history in (Project.history, Release.history, Role.history):
        rows = list(history.all())
        assert rows
        for row in rows:
            assert row.history_user is None
            assert row.history_user_username == "soon-gone"
    assert project.history.get(history_type="+").history_change_reason == "Created"


def test_revert_is_disabled_in_settings(settings):
    assert settings.SIMPLE_HISTORY_REVERT_DISABLED is True


def test_admin_history_form_offers_no_revert(registry_admin_client, project):
    row = project.history.get()
    url = reverse("admin:registry_project_simple_history", args=[project.pk, row.history_id])

    response = registry_admin_client.get(url)

    assert response.status_code == 200
    assert response.context["revert_disabled"] is True
    content = response.content.decode()
    assert "Revert" not in content
    assert 'name="_save"' not in content
    assert 'name="_change_history"' not in content


def _history_form_post(project):
    return {
        "name": project.name,
        "created_at_0": "2024-01-01",
        "created_at_1": "00:00:00",
        "status": ProjectStatus.QUARANTINED,
        "status_reason": "Changed through the history form",
    }


def test_admin_history_form_post_is_refused_for_a_registry_admin(registry_admin_client, project):
    row = project.history.get()
    url = reverse("admin:registry_project_simple_history", args=[project.pk, row.history_id])

    response = registry_admin_client.post(url, _history_form_post(project))

    # simple_history only hides the Revert button; the POST itself must be refused too.
    assert response.status_code in (403, 405)
    project.refresh_from_db()
    assert project.status == ProjectStatus.ACTIVE
    assert project.status_reason == ""
    assert project.history.count() == 1


def test_admin_history_form_post_is_refused_for_support_staff(support_client, project):
    row = project.history.get()
    url = reverse("admin:registry_project_simple_history", args=[project.pk, row.history_id])

    response = support_client.post(url, _history_form_post(project))

    assert response.status_code in (403, 405)
    project.refresh_from_db()
    assert project.status == ProjectStatus.ACTIVE
    assert project.history.count() == 1
