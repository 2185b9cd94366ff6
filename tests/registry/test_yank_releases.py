"""`services.yank_releases`: every live release of a project yanked in one act (issue #13)."""

from datetime import timedelta

import pytest
from django.utils import timezone

from registry import services
from registry.models import ProjectStatus, Release, RoleName
from tests.factories import ProjectFactory, ReleaseFactory, RoleFactory, UserFactory

pytestmark = pytest.mark.django_db

REASON = "Unmaintained; use tinypad2"
NOW = timezone.now()


@pytest.fixture
def project(owner):
    project = ProjectFactory(name="tinypad", created_at=NOW - timedelta(days=1000))
    RoleFactory(project=project, user=owner, role=RoleName.OWNER)
    for n, version in enumerate(("1.0.0", "1.1.0", "2.0.0")):
        ReleaseFactory(project=project, version=version, created_at=NOW - timedelta(days=30 - n))
    return project


def test_every_live_release_is_yanked_with_history_actor_and_reason(project, owner):
    yanked = services.yank_releases(project=project, actor=owner, reason=REASON, now=NOW)

    assert sorted(release.version for release in yanked) == ["1.0.0", "1.1.0", "2.0.0"]
    for release in Release.objects.filter(project=project):
        assert release.yanked
        assert (release.yanked_reason, release.yanked_at, release.yanked_by) == (
            REASON,
            NOW,
            owner,
        )
        row = release.history.latest("history_id")
        assert row.yanked
        assert row.history_user == owner
        assert row.history_user_username == "owner"
        assert row.history_change_reason == REASON
        assert row.history_date == NOW


def test_releases_already_yanked_or_removed_are_left_as_they_are(project, owner):
    old = project.releases.get(version="1.0.0")
    services.yank_release(release=old, actor=owner, reason="Broken", now=NOW)
    gone = project.releases.get(version="1.1.0")
    services.remove_release(release=gone, actor=owner, reason="Mistake", now=NOW)
    rows_before = old.history.count()

    yanked = services.yank_releases(project=project, actor=owner, reason=REASON, now=NOW)

    assert [release.version for release in yanked] == ["2.0.0"]
    old.refresh_from_db()
    assert old.yanked_reason == "Broken" and old.history.count() == rows_before
    gone.refresh_from_db()
    assert not gone.yanked


def test_nothing_left_to_yank_is_a_clear_refusal(project, owner):
    services.yank_releases(project=project, actor=owner, reason=REASON, now=NOW)

    with pytest.raises(services.RegistryError) as refusal:
        services.yank_releases(project=project, actor=owner, reason=REASON, now=NOW)

    assert refusal.value.code == "nothing_to_yank"
    assert "nothing is left to yank" in refusal.value.message
    assert "tinypad" in refusal.value.message


def test_a_project_without_releases_has_nothing_to_yank(owner):
    empty = ProjectFactory(name="empty")
    RoleFactory(project=empty, user=owner, role=RoleName.OWNER)

    with pytest.raises(services.RegistryError) as refusal:
        services.yank_releases(project=empty, actor=owner, reason=REASON, now=NOW)

    assert refusal.value.code == "nothing_to_yank"


def test_a_removed_project_is_refused(project, owner, registry_admin):
    services.remove_project(
        project=project, actor=registry_admin, reason="Malware", category="security", now=NOW
    )

    with pytest.raises(services.RegistryError) as refusal:
        services.yank_releases(project=project, actor=registry_admin, reason=REASON, now=NOW)

    assert refusal.value.code == "removed"
    assert "has been removed" in refusal.value.message


def test_maintainers_may_yank_every_release(project, maintainer):
    RoleFactory(project=project, user=maintainer, role=RoleName.MAINTAINER)

    yanked = services.yank_releases(project=project, actor=maintainer, reason=REASON, now=NOW)

    assert len(yanked) == 3
    assert all(release.yanked_by == maintainer for release in yanked)


def test_a_quarantined_project_is_refused_to_its_owner_and_changes_nothing(project, owner):
    project.status = ProjectStatus.QUARANTINED
    project.save()

    with pytest.raises(services.PolicyRefusal) as refusal:
        services.yank_releases(project=project, actor=owner, reason=REASON, now=NOW)

    assert refusal.value.decision.rule == "status.quarantined"
    assert not Release.objects.filter(project=project, yanked=True).exists()


def test_someone_without_a_role_is_refused(project):
    with pytest.raises(services.PolicyRefusal) as refusal:
        services.yank_releases(
            project=project, actor=UserFactory(username="stranger"), reason=REASON, now=NOW
        )

    assert refusal.value.decision.rule == "role.not-a-member"
    assert not Release.objects.filter(project=project, yanked=True).exists()


def test_a_reason_is_required(project, owner):
    with pytest.raises(services.RegistryError) as refusal:
        services.yank_releases(project=project, actor=owner, reason="  ", now=NOW)

    assert refusal.value.code == "no_reason"


def test_the_arguments_are_keyword_only(project, owner):
    with pytest.raises(TypeError):
        services.yank_releases(project, owner, REASON)  # Positional: refused.


def test_it_takes_the_same_queries_for_3_and_30_releases(
    project, owner, django_assert_max_num_queries
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    other = ProjectFactory(name="other")
    RoleFactory(project=other, user=owner, role=RoleName.OWNER)
    for n in range(30):
        ReleaseFactory(project=other, version=f"0.{n}", created_at=NOW - timedelta(days=40 - n))
    with CaptureQueriesContext(connection) as few:
        services.yank_releases(project=project, actor=owner, reason=REASON, now=NOW)
    with django_assert_max_num_queries(len(few)):
        yanked = services.yank_releases(project=other, actor=owner, reason=REASON, now=NOW)
    assert len(yanked) == 30
