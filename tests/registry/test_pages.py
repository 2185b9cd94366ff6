"""The maintainers' pages: what they show, the confirmation flows, every refusal in words.

Views use `timezone.now()`, so the data is built relative to it, with ages well away from the
edges of the rules (a few seconds of test run never change a decision or its wording).
"""

import re
from datetime import timedelta
from html import escape

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from registry import services
from registry.facts import Decider
from registry.models import (
    File,
    PackageType,
    Project,
    ProjectStatus,
    Release,
    RemovalCategory,
    RemovalEvent,
    Role,
    RoleName,
)
from registry.policy import Action
from tests.factories import (
    DependencyFactory,
    DownloadCountFactory,
    FileFactory,
    ProjectFactory,
    ReleaseFactory,
    RoleFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

DAY = timedelta(days=1)
HOUR = timedelta(hours=1)
REASON = "Contains a leaked API token"


def build_project(owner, *, name="demo-pkg", age=2 * DAY, versions=("1.0.0",), files=2):
    """A project `age` old with `owner`, each version a release with `files` wheels."""
    now = timezone.now()
    project = ProjectFactory(name=name, created_at=now - age)
    RoleFactory(project=project, user=owner, role=RoleName.OWNER, created_at=now - age)
    for index, version in enumerate(versions):
        created = now - age + HOUR + index * timedelta(minutes=1)
        release = ReleaseFactory(project=project, version=version, created_at=created)
        for _ in range(files):
            FileFactory(release=release, uploaded_at=created)
    return project


def url(name, project, **kwargs):
    return reverse(f"registry:{name}", kwargs={"name": project.normalized_name, **kwargs})


def release_url(name, release):
    return url(name, release.project, version=release.version)


def text(response):
    return response.content.decode()


def shown(fragment):
    """How `fragment` appears in a page: HTML-escaped, as Django's templates escape it."""
    return escape(fragment)


@pytest.fixture(autouse=True)
def no_exception_page(settings):
    """The registry's pages on their own: no moderation page to link refusals to (the tests
    that want one set it); tests/moderation checks the link to the real page."""
    settings.HOLDFAST_EXCEPTION_REQUEST_URL_NAME = None
    settings.HOLDFAST_STAGED_REMOVAL_URL_NAME = None


@pytest.fixture
def project(owner, maintainer):
    project = build_project(owner)
    RoleFactory(project=project, user=maintainer, role=RoleName.MAINTAINER)
    return project


@pytest.fixture
def release(project):
    return project.releases.get(version="1.0.0")


@pytest.fixture
def owner_client(client, owner):
    client.force_login(owner)
    return client


@pytest.fixture
def maintainer_client(client, maintainer):
    client.force_login(maintainer)
    return client


# Logging in and out ----------------------------------------------------------------------------


def test_login_then_logout(client):
    user = UserFactory(username="alice")
    user.set_password("correct horse battery staple")
    user.save()
    projects = reverse("registry:projects")

    response = client.get(projects)
    assert response.status_code == 302
    assert response["Location"] == f"{reverse('login')}?next={projects}"

    page = client.get(reverse("login"))
    assert page.status_code == 200
    assert 'name="viewport"' in text(page)

    response = client.post(
        reverse("login"), {"username": "alice", "password": "correct horse battery staple"}
    )
    assert response.status_code == 302
    assert response["Location"] == projects
    assert client.get(projects).status_code == 200

    response = client.post(reverse("logout"))
    assert response.status_code == 302
    assert response["Location"] == reverse("login")
    assert client.get(projects).status_code == 302


def test_a_wrong_password_shows_an_error(client):
    user = UserFactory(username="alice")
    user.set_password("right")
    user.save()
    response = client.post(reverse("login"), {"username": "alice", "password": "wrong"})
    assert response.status_code == 200
    assert "Please enter a correct username and password" in text(response)


# Your projects ---------------------------------------------------------------------------------


def test_your_projects_lists_roles_status_lock_and_release_counts(owner_client, owner):
    mine = build_project(owner, name="mine-pkg", versions=("1.0", "2.0"))
    services.lock_deletions(project=mine, actor=owner, reason="Stable now")
    archived = build_project(owner, name="old-pkg", age=30 * DAY)
    services.archive_project(project=archived, actor=owner, reason="Unmaintained")
    helped = build_project(UserFactory(), name="helped-pkg")
    RoleFactory(project=helped, user=owner, role=RoleName.MAINTAINER)
    gone = build_project(owner, name="gone-pkg")
    services.remove_project(project=gone, actor=owner, reason="Published by mistake")
    build_project(UserFactory(), name="someone-elses")
    left = build_project(UserFactory(), name="left-pkg")
    RoleFactory(project=left, user=owner, role=RoleName.MAINTAINER, ended_at=timezone.now())

    response = owner_client.get(reverse("registry:projects"))

    assert response.status_code == 200
    page = text(response)
    live = [role.project.name for role in response.context["page"]]
    assert live == ["helped-pkg", "mine-pkg", "old-pkg"]  # Newest first.
    counts = {role.project.name: role.release_count for role in response.context["page"]}
    assert counts == {"helped-pkg": 1, "mine-pkg": 2, "old-pkg": 1}
    assert "deletions locked" in page
    assert "Archived" in page
    assert "maintainer" in page
    assert [role.project.name for role in response.context["removed"]] == ["gone-pkg"]
    assert "Restore: ask the registry admins." in page
    assert "Published by mistake" in page
    assert "someone-elses" not in page
    assert "left-pkg" not in page


def test_staff_can_open_any_project_by_name(support_client):
    project = build_project(UserFactory(), name="Some_Pkg")
    response = support_client.get(reverse("registry:projects"), {"project": "some.pkg"})
    assert response.status_code == 302
    assert response["Location"] == url("project", project)


def count_queries(client, path):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(path)
    assert response.status_code == 200
    return len(queries)


def test_your_projects_takes_the_same_queries_for_5_and_50_projects(
    owner_client, owner, django_assert_max_num_queries
):
    path = reverse("registry:projects")
    for n in range(5):
        build_project(owner, name=f"few-{n}", versions=("1.0", "2.0"), files=0)
    few = count_queries(owner_client, path)
    for n in range(45):
        build_project(owner, name=f"many-{n}", versions=("1.0", "2.0"), files=0)
    gone = build_project(owner, name="gone", files=0)
    services.remove_project(project=gone, actor=owner, reason="Mistake")
    with django_assert_max_num_queries(few):
        response = owner_client.get(path)
    assert len(response.context["page"]) == 50
    assert count_queries(owner_client, path) == few


# The project page ------------------------------------------------------------------------------


def test_project_page_shows_status_lock_people_releases_and_files(
    owner_client, project, release, owner, maintainer
):
    successor = build_project(UserFactory(), name="next-pkg")
    services.deprecate_project(
        project=project, message="Use next-pkg", successor=successor, actor=owner, reason="Moved"
    )
    services.yank_release(release=release, actor=owner, reason="Broken on Windows")
    removed = ReleaseFactory(project=project, version="0.1.0", created_at=timezone.now() - DAY)
    services.remove_release(release=removed, actor=owner, reason="Wrong upload")

    response = owner_client.get(url("project", project))

    assert response.status_code == 200
    page = text(response)
    assert 'name="viewport"' in page
    assert "Deprecated" in page and "Use next-pkg" in page and "next-pkg" in page
    assert "Off." in page  # The deletion lock.
    assert owner.username in page and maintainer.username in page
    for file in release.files.all():
        assert file.filename in page
        assert file.sha256[:12] in page
        assert "Wheel" in page
    assert "1.2\xa0KB" in page  # filesizeformat of 1234 bytes
    assert "Broken on Windows" in page
    assert "Wrong upload" in page and "removed" in page
    assert release_url("unyank", release) in page
    assert release_url("remove_release", release) in page
    assert url("undeprecate", project) in page
    assert url("archive", project) in page
    assert url("lock", project) in page
    assert url("remove", project) in page
    assert url("roles", project) in page
    assert url("history", project) in page
    # A removed release offers no actions.
    assert release_url("remove_release", removed) not in page


def test_project_page_redirects_other_spellings_to_the_normalised_name(owner_client, owner):
    project = build_project(owner, name="Demo_Pkg")
    response = owner_client.get("/manage/Demo_Pkg/?page=1")
    assert response.status_code == 302
    assert response["Location"] == f"{url('project', project)}?page=1"


def test_project_page_takes_the_same_queries_for_5_and_50_releases(
    owner_client, owner, django_assert_max_num_queries
):
    project = build_project(owner, versions=[f"1.{n}.0" for n in range(5)])
    RoleFactory(project=project, user=UserFactory(), role=RoleName.MAINTAINER)
    path = url("project", project)
    few = count_queries(owner_client, path)
    now = timezone.now()
    for n in range(5, 50):
        release = ReleaseFactory(project=project, version=f"1.{n}.0", created_at=now - HOUR)
        FileFactory(release=release)
        FileFactory(release=release)
    with django_assert_max_num_queries(few):
        response = owner_client.get(path)
    assert len(response.context["rows"]) == 50
    assert count_queries(owner_client, path) == few


def test_project_page_paginates_releases_newest_first(owner_client, owner):
    project = build_project(owner, versions=[f"1.{n}.0" for n in range(60)], files=0)
    first = owner_client.get(url("project", project))
    second = owner_client.get(url("project", project), {"page": 2})
    first_versions = [row.release.version for row in first.context["rows"]]
    second_versions = [row.release.version for row in second.context["rows"]]
    assert first_versions[:2] == ["1.59.0", "1.58.0"]
    assert len(first_versions) == 50 and len(second_versions) == 10
    assert second_versions[-1] == "1.0.0"
    assert "Older releases" in text(first)


def test_a_removed_project_is_404_for_its_owner_and_shown_to_staff(
    client, owner, support_user, registry_admin
):
    project = build_project(owner)
    services.remove_project(project=project, actor=owner, reason="Published by mistake")
    client.force_login(owner)
    assert client.get(url("project", project)).status_code == 404
    assert client.get(url("history", project)).status_code == 404
    assert client.get(url("archive", project)).status_code == 404
    for staff in (support_user, registry_admin):
        client.force_login(staff)
        response = client.get(url("project", project))
        assert response.status_code == 200
        assert "This project has been removed" in text(response)
        assert response.context["actions"] == []
        assert client.get(url("history", project)).status_code == 200


def test_a_user_without_a_role_gets_a_readable_403(client, project, other_user):
    client.force_login(other_user)
    response = client.get(url("project", project))
    assert response.status_code == 403
    page = text(response)
    assert ">role.not-a-member</code>" in page
    assert shown(f"You have no role on {project.name}") in page
    assert "Ask an owner" in page
    assert "1.0.0" not in page  # Nothing of the project is shown.


def test_anonymous_visitors_are_sent_to_log_in(client, project):
    path = url("project", project)
    response = client.get(path)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


# Action pages render for an owner --------------------------------------------------------------

PROJECT_PAGES = ["remove", "archive", "deprecate", "lock", "roles"]
RELEASE_PAGES = ["yank", "remove_release", "remove_files"]


@pytest.mark.parametrize("page", PROJECT_PAGES)
def test_each_project_action_page_shows_a_form_to_an_owner(owner_client, project, page):
    response = owner_client.get(url(page, project))
    assert response.status_code == 200
    assert 'name="reason"' in text(response)
    assert "Rule: " in text(response)


@pytest.mark.parametrize("page", RELEASE_PAGES)
def test_each_release_action_page_shows_a_form_to_an_owner(owner_client, release, page):
    response = owner_client.get(release_url(page, release))
    assert response.status_code == 200
    assert 'name="reason"' in text(response)


def test_unarchive_undeprecate_and_unyank_pages_show_forms_when_they_apply(
    owner_client, project, release, owner
):
    services.archive_project(project=project, actor=owner, reason="Done")
    services.yank_release(release=release, actor=owner, reason="Broken")
    assert 'name="reason"' in text(owner_client.get(url("unarchive", project)))
    assert 'name="reason"' in text(owner_client.get(release_url("unyank", release)))
    services.deprecate_project(project=project, message="Gone", actor=owner, reason="Old")
    assert 'name="reason"' in text(owner_client.get(url("undeprecate", project)))


@pytest.mark.parametrize(
    ("page", "notice"),
    [
        ("unarchive", "is not archived"),
        ("undeprecate", "is not deprecated"),
    ],
)
def test_an_action_that_does_not_apply_says_so_without_a_form(owner_client, project, page, notice):
    response = owner_client.get(url(page, project))
    assert response.status_code == 200
    assert notice in text(response)
    assert 'name="reason"' not in text(response)


def test_a_release_page_finds_any_spelling_of_the_version(owner_client, project):
    release = ReleaseFactory(project=project, version="2.0")
    # Another spelling now redirects to the release's own (tests/registry/test_canonical_urls.py).
    response = owner_client.get(url("yank", project, version="2.0.0"), follow=True)
    assert response.status_code == 200
    assert response.context["release"] == release
    assert owner_client.get(url("yank", project, version="9.9")).status_code == 404
    assert owner_client.get(url("yank", project, version="not a version")).status_code == 404


# Confirmation flows ----------------------------------------------------------------------------


def rows(*models):
    return [(list(m.objects.order_by("pk").values()), m.history.count()) for m in models]


TRACKED = (Project, Release, File, Role, RemovalEvent)


def test_removing_the_project_needs_its_exact_name(owner_client, project, owner):
    before = rows(*TRACKED)
    response = owner_client.post(
        url("remove", project), {"confirm_name": "demo_pkg", "reason": REASON}
    )
    assert response.status_code == 200
    assert "That is not the project&#x27;s name" in text(response)
    assert rows(*TRACKED) == before

    response = owner_client.post(
        url("remove", project), {"confirm_name": "demo-pkg", "reason": "  "}
    )
    assert response.status_code == 200
    assert rows(*TRACKED) == before

    response = owner_client.post(
        url("remove", project), {"confirm_name": "demo-pkg", "reason": REASON}
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("registry:projects")
    project.refresh_from_db()
    assert project.is_removed
    event = RemovalEvent.objects.get()
    assert event.reason == REASON
    assert event.actor == owner
    assert event.category == RemovalCategory.OWNER_REQUEST
    assert event.policy_rule == "proposal-2022.project-window"
    latest = project.history.first()
    assert latest.history_change_reason == REASON
    assert latest.history_user_username == owner.username
    follow = owner_client.get(response["Location"])
    assert "Removed demo-pkg" in text(follow)


def test_the_remove_project_page_says_what_happens_to_the_name(owner_client, project):
    page = text(owner_client.get(url("remove", project)))
    assert "1 live release and 2 files" in page
    assert shown("its previous owners may register it again at once") in page
    assert "Type demo-pkg exactly." in page


def test_removing_a_release_with_its_files(owner_client, release, owner):
    before = rows(*TRACKED)
    path = release_url("remove_release", release)
    page = text(owner_client.get(path))
    for file in release.files.all():
        assert file.filename in page
    response = owner_client.post(path, {"confirm_name": "wrong", "reason": REASON})
    assert response.status_code == 200
    assert rows(*TRACKED) == before

    response = owner_client.post(path, {"confirm_name": "demo-pkg", "reason": REASON})
    assert response.status_code == 302
    release.refresh_from_db()
    assert release.is_removed
    assert not File.objects.live().filter(release=release).exists()
    assert release.history.first().history_change_reason == REASON
    # A removed release has no pages any more.
    assert owner_client.get(path).status_code == 404


def test_removing_several_files_chosen_with_checkboxes(owner_client, owner, project):
    release = ReleaseFactory(project=project, version="3.0")
    keep, first, second = (FileFactory(release=release) for _ in range(3))
    path = release_url("remove_files", release)

    page = owner_client.get(path, {"file": first.filename})
    assert page.status_code == 200
    assert page.context["form"]["files"].value() == [first.filename]

    before = rows(*TRACKED)
    response = owner_client.post(path, {"files": [], "confirm_name": "demo-pkg", "reason": REASON})
    assert response.status_code == 200
    assert "Choose at least one file to remove." in text(response)
    response = owner_client.post(
        path, {"files": [first.filename], "confirm_name": "Demo-Pkg", "reason": REASON}
    )
    assert response.status_code == 200
    assert rows(*TRACKED) == before

    response = owner_client.post(
        path,
        {"files": [first.filename, second.filename], "confirm_name": "demo-pkg", "reason": REASON},
    )
    assert response.status_code == 302
    assert set(File.objects.removed().values_list("filename", flat=True)) == {
        first.filename,
        second.filename,
    }
    keep.refresh_from_db()
    assert not keep.is_removed
    event = RemovalEvent.objects.get()
    assert sorted(event.summary["files"]) == sorted([first.filename, second.filename])
    assert File.history.filter(history_change_reason=REASON).count() == 2


def test_the_project_page_links_each_file_to_its_removal(owner_client, release):
    page = text(owner_client.get(url("project", release.project)))
    file = release.files.first()
    assert f"{release_url('remove_files', release)}?file={file.filename}" in page
    assert release_url("remove_files", release) + '"' in page  # "Remove several files"


def test_locking_deletions_is_a_one_way_confirmation(owner_client, project, owner):
    path = url("lock", project)
    page = text(owner_client.get(path))
    assert "This is one-way. Only a registry admin can turn it off." in page

    before = rows(*TRACKED)
    assert owner_client.post(path, {"confirm_name": "x", "reason": REASON}).status_code == 200
    assert rows(*TRACKED) == before

    response = owner_client.post(path, {"confirm_name": "demo-pkg", "reason": "Stable API"})
    assert response.status_code == 302
    project.refresh_from_db()
    assert project.deletion_locked
    assert project.deletion_locked_by == owner
    assert project.history.first().history_change_reason == "Stable API"

    again = text(owner_client.get(path))
    assert "already locked" in again
    assert 'name="reason"' not in again
    # The project page states the lock and refuses to lift it, with the rule.
    page = text(owner_client.get(url("project", project)))
    assert "Only a registry admin can turn it off" in page
    assert ">role.owner-cannot-unlock</code>" in page
    assert "Ask an admin to unlock" in page


def test_yank_and_unyank_record_the_reason(maintainer_client, release, maintainer):
    response = maintainer_client.post(release_url("yank", release), {"reason": "Broken on Windows"})
    assert response.status_code == 302
    release.refresh_from_db()
    assert release.yanked and release.yanked_reason == "Broken on Windows"
    assert release.yanked_by == maintainer
    assert release.history.first().history_change_reason == "Broken on Windows"

    page = text(maintainer_client.get(release_url("yank", release)))
    assert "is already yanked" in page and 'name="reason"' not in page

    response = maintainer_client.post(release_url("unyank", release), {"reason": "Fixed"})
    assert response.status_code == 302
    release.refresh_from_db()
    assert not release.yanked
    assert release.history.first().history_change_reason == "Fixed"


def test_a_missing_reason_is_a_form_error(maintainer_client, release):
    before = rows(*TRACKED)
    response = maintainer_client.post(release_url("yank", release), {"reason": ""})
    assert response.status_code == 200
    assert "This field is required." in text(response)
    assert rows(*TRACKED) == before


def test_archive_and_unarchive(owner_client, project):
    response = owner_client.post(url("archive", project), {"reason": "No longer maintained"})
    assert response.status_code == 302
    project.refresh_from_db()
    assert project.status == ProjectStatus.ARCHIVED
    assert project.status_reason == "No longer maintained"
    assert "already archived" in text(owner_client.get(url("archive", project)))
    page = text(owner_client.get(url("project", project)))
    assert url("unarchive", project) in page

    response = owner_client.post(url("unarchive", project), {"reason": "Back in business"})
    assert response.status_code == 302
    project.refresh_from_db()
    assert project.status == ProjectStatus.ACTIVE
    assert project.history.first().history_change_reason == "Back in business"


def test_deprecate_with_a_successor_then_lift_it(owner_client, project, owner):
    successor = build_project(UserFactory(), name="new-pkg")
    path = url("deprecate", project)
    before = rows(*TRACKED)
    response = owner_client.post(
        path, {"message": "Use new-pkg", "successor": "no-such-pkg", "reason": "Renamed"}
    )
    assert response.status_code == 200
    assert "There is no live project named no-such-pkg." in text(response)
    response = owner_client.post(
        path, {"message": "Use it", "successor": "Demo_Pkg", "reason": "Renamed"}
    )
    assert "A project cannot be its own successor." in text(response)
    assert rows(*TRACKED) == before

    response = owner_client.post(
        path, {"message": "Use new-pkg", "successor": "New_Pkg", "reason": "Renamed"}
    )
    assert response.status_code == 302
    project.refresh_from_db()
    assert project.status == ProjectStatus.DEPRECATED
    assert project.status_reason == "Use new-pkg"
    assert project.successor == successor
    # Deprecating again starts from the current message.
    assert owner_client.get(path).context["form"]["message"].value() == "Use new-pkg"

    response = owner_client.post(url("undeprecate", project), {"reason": "Changed our minds"})
    assert response.status_code == 302
    project.refresh_from_db()
    assert project.status == ProjectStatus.ACTIVE and project.successor is None


def test_a_refusal_from_the_service_is_a_400_and_changes_nothing(owner_client, project):
    """The page was open before someone else archived the project: the service refuses."""
    services.archive_project(project=project, actor=an_owner(project), reason="Done")
    before = rows(*TRACKED)
    response = owner_client.post(url("archive", project), {"reason": "Again"})
    assert response.status_code == 400
    assert "Nothing was changed." in text(response)
    assert "demo-pkg is already archived." in text(response)
    assert rows(*TRACKED) == before


def test_a_policy_refusal_from_the_service_is_a_403(owner_client, release, owner, monkeypatch):
    """Another owner locks deletions between the view's decision and the service's."""
    real = services.remove_release

    def locked_meanwhile(**kwargs):
        services.lock_deletions(project=release.project, actor=owner, reason="Meanwhile")
        return real(**kwargs)

    monkeypatch.setattr(services, "remove_release", locked_meanwhile)
    response = owner_client.post(
        release_url("remove_release", release), {"confirm_name": "demo-pkg", "reason": REASON}
    )
    assert response.status_code == 403
    assert ">lock.deletions-locked</code>" in text(response)
    release.refresh_from_db()
    assert not release.is_removed
    assert not RemovalEvent.objects.exists()


def test_a_registry_admin_removes_with_the_admin_category(client, registry_admin, project):
    project.created_at = timezone.now() - 400 * DAY
    project.save()
    client.force_login(registry_admin)
    page = text(client.get(url("remove", project)))
    assert ">admin.override</code>" in page
    response = client.post(url("remove", project), {"confirm_name": "demo-pkg", "reason": REASON})
    assert response.status_code == 302
    event = RemovalEvent.objects.get()
    assert event.category == RemovalCategory.ADMIN
    assert event.is_override


# Roles -----------------------------------------------------------------------------------------


def test_owners_add_people_and_change_their_role(owner_client, project, owner):
    newcomer = UserFactory(username="newcomer")
    path = url("roles", project)
    before = rows(*TRACKED)
    response = owner_client.post(
        path, {"username": "nobody", "role": "maintainer", "reason": "Helps"}
    )
    assert response.status_code == 200
    assert "There is no user named nobody." in text(response)
    UserFactory(username="gone", is_active=False)
    response = owner_client.post(path, {"username": "gone", "role": "owner", "reason": "Hi"})
    assert "The account gone is deactivated." in text(response)
    assert rows(*TRACKED) == before

    response = owner_client.post(
        path, {"username": "newcomer", "role": "maintainer", "reason": "Helps with releases"}
    )
    assert response.status_code == 302
    role = Role.objects.active().get(project=project, user=newcomer)
    assert role.role == RoleName.MAINTAINER
    assert role.history.first().history_change_reason == "Helps with releases"

    owner_client.post(path, {"username": "newcomer", "role": "owner", "reason": "Promoted"})
    role.refresh_from_db()
    assert role.role == RoleName.OWNER
    page = text(owner_client.get(path))
    assert "newcomer" in page
    assert url("remove_role", project, username="newcomer") in page


def test_the_last_owner_cannot_leave(owner_client, project, owner):
    path = url("remove_role", project, username=owner.username)
    roles_page = text(owner_client.get(url("roles", project)))
    assert "The last owner: add another owner before this one can leave." in roles_page
    assert path not in roles_page

    page = text(owner_client.get(path))
    assert "is the only owner of demo-pkg" in page
    assert 'name="reason"' not in page

    before = rows(*TRACKED)
    response = owner_client.post(path, {"reason": "Leaving"})
    assert response.status_code == 400
    assert shown("owner is the last owner of demo-pkg") in text(response)
    assert rows(*TRACKED) == before


def test_an_owner_removes_a_maintainer(owner_client, project, maintainer):
    response = owner_client.post(
        url("remove_role", project, username=maintainer.username), {"reason": "Inactive"}
    )
    assert response.status_code == 302
    role = Role.objects.get(project=project, user=maintainer)
    assert role.ended_at is not None
    assert role.history.first().history_change_reason == "Inactive"


def test_a_maintainer_may_leave_but_not_remove_others(
    maintainer_client, project, owner, maintainer
):
    roles_page = text(maintainer_client.get(url("roles", project)))
    assert ">role.maintainer-cannot-manage</code>" in roles_page
    assert "Leave the project" in roles_page
    assert 'name="username"' not in roles_page

    refused = maintainer_client.get(url("remove_role", project, username=owner.username))
    assert ">role.maintainer-cannot-manage</code>" in text(refused)
    before = rows(*TRACKED)
    response = maintainer_client.post(
        url("remove_role", project, username=owner.username), {"reason": "Coup"}
    )
    assert response.status_code == 403
    assert rows(*TRACKED) == before

    response = maintainer_client.post(
        url("remove_role", project, username=maintainer.username), {"reason": "No time"}
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("registry:projects")
    assert Role.objects.get(project=project, user=maintainer).ended_at is not None


# Every refusal a maintainer can meet, with its rule and alternatives -----------------------------


def old(project, days=400):
    project.created_at = timezone.now() - days * DAY
    project.save()
    project.releases.update(created_at=project.created_at + HOUR)
    File.objects.filter(release__project=project).update(uploaded_at=project.created_at + HOUR)
    return project


def an_owner(project):
    return project.roles.filter(role=RoleName.OWNER).first().user


def lock(project):
    services.lock_deletions(project=project, actor=an_owner(project), reason="Lock")
    project.refresh_from_db()
    return project


def quarantine(project):
    project.status = ProjectStatus.QUARANTINED
    project.save()
    return project


def depended_on(project):
    other = build_project(UserFactory(), name="dependent-pkg", files=0)
    DependencyFactory(release=other.releases.get(), name=project.normalized_name)
    return project


def second_owner(project):
    RoleFactory(project=project, user=UserFactory(), role=RoleName.OWNER)
    return project


def second_release(project):
    """Give the project a second live release, so removing 1.0.0 leaves it one (removing the
    last live release is judged as deleting the project, a case of its own below)."""
    created = project.created_at + HOUR
    release = ReleaseFactory(project=project, version="0.9.0", created_at=created)
    FileFactory(release=release, uploaded_at=created)
    return project


def downloaded(count):
    def setup(project):
        file = File.objects.filter(release__project=project).first()
        DownloadCountFactory(file=file, project=project, day=timezone.now().date(), count=count)
        return project

    return setup


# preset, setups, actor, page, action, rule, alternatives (label: expected link page or None)
PROJECT_ALTERNATIVES = {
    "Yank its releases": "yank_releases",
    "Archive the project": "archive",
    "Deprecate the project": "deprecate",
    "Transfer the project": "roles",
    "Request an exception": None,
}
RELEASE_ALTERNATIVES = {"Yank the release": "yank", "Request an exception": None}
# Removing the last live release is removing the project: the project's own ways out too.
LAST_RELEASE_ALTERNATIVES = {
    "Yank the release": "yank",
    "Archive the project": "archive",
    "Deprecate the project": "deprecate",
    "Request an exception": None,
}
LOCK_ALTERNATIVES = {"Ask an admin to unlock": "mailto"}

REFUSALS = [
    (
        "proposal-2022",
        [old],
        "owner",
        "remove",
        Action.DELETE_PROJECT,
        "proposal-2022.project-window",
        PROJECT_ALTERNATIVES,
    ),
    (
        "proposal-2022",
        [old],
        "owner",
        "remove_release",
        Action.DELETE_RELEASE,
        "last-release.is-project",
        LAST_RELEASE_ALTERNATIVES,
    ),
    (
        "proposal-2022",
        [second_release, lock],
        "owner",
        "remove_release",
        Action.DELETE_RELEASE,
        "lock.deletions-locked",
        {**RELEASE_ALTERNATIVES, **LOCK_ALTERNATIVES},
    ),
    (
        "proposal-2022",
        [lock],
        "owner",
        "remove_files",
        Action.DELETE_FILE,
        "lock.deletions-locked",
        {**RELEASE_ALTERNATIVES, **LOCK_ALTERNATIVES},
    ),
    (
        "proposal-2022",
        [lock],
        "owner",
        "remove",
        Action.DELETE_PROJECT,
        "lock.deletions-locked",
        {**PROJECT_ALTERNATIVES, **LOCK_ALTERNATIVES},
    ),
    (
        "proposal-2022",
        [],
        "maintainer",
        "remove_release",
        Action.DELETE_RELEASE,
        "role.maintainer-cannot-delete",
        {"Yank the release": "yank", "Ask an owner": None},
    ),
    (
        "proposal-2022",
        [],
        "maintainer",
        "remove_files",
        Action.DELETE_FILE,
        "role.maintainer-cannot-delete",
        {"Yank the release": "yank", "Ask an owner": None},
    ),
    (
        "proposal-2022",
        [],
        "maintainer",
        "remove",
        Action.DELETE_PROJECT,
        "role.maintainer-cannot-delete",
        {"Ask an owner": None},
    ),
    *[
        (
            "proposal-2022",
            [],
            "maintainer",
            page,
            action,
            "role.maintainer-cannot-manage",
            {"Ask an owner": None},
        )
        for page, action in [
            ("archive", Action.ARCHIVE),
            ("deprecate", Action.DEPRECATE),
            ("lock", Action.LOCK_DELETIONS),
            ("roles", Action.MANAGE_ROLES),
        ]
    ],
    *[
        (
            "proposal-2022",
            [quarantine],
            actor,
            page,
            action,
            "status.quarantined",
            {"Contact the admins": "mailto"},
        )
        for actor, page, action in [
            ("owner", "yank", Action.YANK),
            ("owner", "archive", Action.ARCHIVE),
            ("owner", "remove_release", Action.DELETE_RELEASE),
            ("maintainer", "yank", Action.YANK),
        ]
    ],
    (
        "proposal-2022",
        [],
        "support",
        "remove_release",
        Action.DELETE_RELEASE,
        "role.support-cannot-act",
        {"Escalate to an admin": "mailto"},
    ),
    (
        "proposal-2022",
        [],
        "support",
        "archive",
        Action.ARCHIVE,
        "role.support-cannot-act",
        {"Escalate to an admin": "mailto"},
    ),
    (
        "immutable",
        [],
        "owner",
        "remove_files",
        Action.DELETE_FILE,
        "immutable.no-deletion",
        RELEASE_ALTERNATIVES,
    ),
    (
        "immutable",
        [],
        "owner",
        "remove",
        Action.DELETE_PROJECT,
        "immutable.no-deletion",
        PROJECT_ALTERNATIVES,
    ),
    (
        "crates-io",
        [],
        "owner",
        "remove_release",
        Action.DELETE_RELEASE,
        "crates-io.whole-projects-only",
        RELEASE_ALTERNATIVES,
    ),
    (
        "crates-io",
        [depended_on],
        "owner",
        "remove",
        Action.DELETE_PROJECT,
        "crates-io.dependents",
        PROJECT_ALTERNATIVES,
    ),
    (
        "crates-io",
        [old, second_owner],
        "owner",
        "remove",
        Action.DELETE_PROJECT,
        "crates-io.owners",
        PROJECT_ALTERNATIVES,
    ),
    (
        "crates-io",
        [old, downloaded(1_000_000)],
        "owner",
        "remove",
        Action.DELETE_PROJECT,
        "crates-io.download-cap",
        PROJECT_ALTERNATIVES,
    ),
    (
        "pep763",
        [old],
        "owner",
        "remove_files",
        Action.DELETE_FILE,
        "pep763.file-window",
        RELEASE_ALTERNATIVES,
    ),
    (
        "pep763",
        [old],
        "owner",
        "remove_release",
        Action.DELETE_RELEASE,
        "pep763.release-window",
        RELEASE_ALTERNATIVES,
    ),
    (
        "pep763",
        [old],
        "owner",
        "remove",
        Action.DELETE_PROJECT,
        "pep763.project-releases",
        PROJECT_ALTERNATIVES,
    ),
    (
        "npm",
        [second_release, depended_on],
        "owner",
        "remove_release",
        Action.DELETE_RELEASE,
        "npm.dependents",
        RELEASE_ALTERNATIVES,
    ),
    (
        "npm",
        [old, downloaded(5_000)],
        "owner",
        "remove",
        Action.DELETE_PROJECT,
        "npm.downloads",
        PROJECT_ALTERNATIVES,
    ),
    (
        "npm",
        [old, second_owner],
        "owner",
        "remove_files",
        Action.DELETE_FILE,
        "npm.owners",
        RELEASE_ALTERNATIVES,
    ),
    (
        "rubygems",
        [second_release, old],
        "owner",
        "remove_release",
        Action.DELETE_RELEASE,
        "rubygems.release-window",
        RELEASE_ALTERNATIVES,
    ),
    (
        "rubygems",
        [downloaded(200_000), second_release],
        "owner",
        "remove_release",
        Action.DELETE_RELEASE,
        "rubygems.release-downloads",
        RELEASE_ALTERNATIVES,
    ),
    (
        "rubygems",
        [old],
        "owner",
        "remove",
        Action.DELETE_PROJECT,
        "rubygems.project-releases",
        PROJECT_ALTERNATIVES,
    ),
]


def refusal_id(case):
    preset, _setups, actor, page, _action, rule, _alternatives = case
    return f"{preset}-{actor}-{page}-{rule}"


@pytest.fixture
def actors(owner, maintainer, support_user):
    return {"owner": owner, "maintainer": maintainer, "support": support_user}


@pytest.mark.parametrize("case", REFUSALS, ids=[refusal_id(case) for case in REFUSALS])
def test_every_refusal_is_shown_with_its_rule_and_alternatives(
    client, settings, project, release, actors, case
):
    preset, setups, actor, page, action, rule, alternatives = case
    settings.HOLDFAST_POLICY = preset
    for setup in setups:
        project = setup(project)
    release.refresh_from_db()
    user = actors[actor]
    client.force_login(user)
    path = release_url(page, release) if page in RELEASE_PAGES else url(page, project)

    response = client.get(path)

    assert response.status_code == 200
    content = text(response)
    file = release.files.order_by("packagetype", "filename").first()
    decision = Decider(project, user, now=timezone.now()).decide(
        action,
        release=release
        if action in (Action.DELETE_RELEASE, Action.DELETE_FILE, Action.YANK)
        else None,
        file=file if action is Action.DELETE_FILE else None,
    )
    assert not decision.allowed
    assert decision.rule == rule
    assert f">{rule}</code>" in content
    assert shown(decision.explanation) in content
    assert [alt.label for alt in decision.alternatives] == list(alternatives)
    for alternative in decision.alternatives:
        link = alternatives[alternative.label]
        if link is None:
            assert f"<strong>{shown(alternative.label)}</strong>" in content
        elif link == "mailto":
            assert re.search(f'<a href="mailto:[^"]+">{shown(alternative.label)}</a>', content)
        else:
            target = release_url(link, release) if link == "yank" else url(link, project)
            assert f'<a href="{target}">{shown(alternative.label)}</a>' in content
        assert shown(alternative.description) in content
    # No form, so nothing can be submitted from a refusal.
    assert 'name="reason"' not in content
    # The project page shows the same refusal before anyone clicks.
    project_page = text(client.get(url("project", project)))
    assert f">{rule}</code>" in project_page
    # And a POST anyway is refused with 403, changing nothing.
    before = rows(*TRACKED)
    response = client.post(path, {"reason": "Anyway", "confirm_name": project.name})
    assert response.status_code == 403
    assert f">{rule}</code>" in text(response)
    assert rows(*TRACKED) == before


def test_request_exception_is_a_sentence_without_an_exception_page(owner_client, project):
    old(project)
    page = text(owner_client.get(url("remove", project)))
    assert "Write to the registry admins directly: this site has no request form." in page


def test_request_exception_links_to_the_configured_page(owner_client, project, release, settings):
    settings.HOLDFAST_EXCEPTION_REQUEST_URL_NAME = "registry:history"
    lock(project)
    page = text(owner_client.get(release_url("remove_release", release)))
    target = f"{url('history', project)}?release=1.0.0"
    assert f'<a href="{target}">Request an exception</a>' in page
    assert "Write to the registry admins" not in page


def test_a_name_that_does_not_reverse_falls_back_to_the_sentence(owner_client, project, settings):
    settings.HOLDFAST_EXCEPTION_REQUEST_URL_NAME = "moderation:no-such-page"
    old(project)
    page = text(owner_client.get(url("remove", project)))
    assert "Write to the registry admins" in page


@pytest.mark.parametrize("who", ["owner", "maintainer"])
def test_repeated_file_refusals_are_not_repeated_in_full(client, actors, project, release, who):
    """Sibling files refused for the same reason (but for the filename) say it once."""
    lock(project)
    client.force_login(actors[who])
    response = client.get(url("project", project))
    (row,) = [row for row in response.context["rows"] if row.release == release]
    assert [file_row.same_as_above for file_row in row.files] == [False, True]
    assert "for the same reason as above" in text(response)


def test_file_refusals_with_different_reasons_are_each_shown(
    owner_client, settings, project, release
):
    settings.HOLDFAST_POLICY = "pep763"
    old(project)
    # An sdist is listed after the wheels.
    FileFactory(
        release=release,
        filename="demo_pkg-1.0.0.tar.gz",
        packagetype=PackageType.SDIST,
        python_version="source",
        uploaded_at=timezone.now() - 10 * DAY,
    )
    response = owner_client.get(url("project", project))
    (row,) = [row for row in response.context["rows"] if row.release == release]
    assert [file_row.same_as_above for file_row in row.files] == [False, True, False]


def test_pep763_allows_young_files_and_refuses_old_ones_on_one_page(
    owner_client, settings, project, release
):
    settings.HOLDFAST_POLICY = "pep763"
    old(project)
    young = FileFactory(release=release, uploaded_at=timezone.now() - HOUR)
    path = release_url("remove_files", release)
    response = owner_client.get(path)
    assert response.context["form"].fields["files"].choices == [(young.filename, young.filename)]
    assert ">pep763.file-window</code>" in text(response)  # The old files, explained.
    oldest = release.files.exclude(pk=young.pk).first()
    response = owner_client.post(
        path, {"files": [oldest.filename], "confirm_name": "demo-pkg", "reason": REASON}
    )
    assert response.status_code == 200
    assert "Select a valid choice" in text(response)
    assert not File.objects.removed().exists()


# The timeline ----------------------------------------------------------------------------------


def test_the_timeline_says_who_did_what_when_and_why(owner_client, owner, maintainer, release):
    project = release.project
    services.yank_release(release=release, actor=maintainer, reason="Broken on Windows")
    services.unyank_release(release=release, actor=maintainer, reason="Fixed the wheel")
    file = release.files.first()
    services.remove_files(files=[file], actor=owner, reason="Leaked a token")
    services.archive_project(project=project, actor=owner, reason="Unmaintained")
    services.unarchive_project(project=project, actor=owner, reason="Maintained again")
    successor = build_project(UserFactory(), name="next-pkg")
    services.deprecate_project(
        project=project, message="Use next-pkg", successor=successor, actor=owner, reason="Moved"
    )
    services.lock_deletions(project=project, actor=owner, reason="Stable")
    newcomer = UserFactory(username="newcomer")
    services.add_role(project=project, user=newcomer, role="maintainer", actor=owner, reason="Hi")
    services.remove_role(project=project, user=newcomer, actor=owner, reason="Bye")
    services.remove_role(project=project, user=maintainer, actor=maintainer, reason="No time")

    response = owner_client.get(url("history", project))

    assert response.status_code == 200
    lines = [f"{entry.actor} {entry.text}: {entry.reason}" for entry in response.context["entries"]]
    expected = [
        "maintainer left the project (was maintainer): No time",
        "owner removed newcomer as maintainer: Bye",
        "owner gave newcomer the maintainer role: Hi",
        "owner turned on the deletion lock: Stable",
        "owner deprecated the project: “Use next-pkg” (successor: next-pkg): Moved",
        "owner unarchived the project: Maintained again",
        "owner archived the project: Unmaintained",
        f"owner removed file {file.filename}: Leaked a token",
        "maintainer un-yanked 1.0.0: Fixed the wheel",
        "maintainer yanked 1.0.0: Broken on Windows",
    ]
    for line in expected:
        assert line in lines, line
    # Newest first.
    assert [lines.index(line) for line in expected] == sorted(
        lines.index(line) for line in expected
    )
    removal = next(line for line in lines if line.startswith("owner removed 1 file: "))
    assert "proposal-2022.files-and-releases" in removal
    assert any(line.startswith("someone (not recorded) created the project") for line in lines)
    page = text(response)
    assert "<q>Leaked a token</q>" in page


def test_the_timeline_describes_removal_and_restore(client, owner, registry_admin):
    project = build_project(owner, versions=("1.0",), files=1)
    event = services.remove_project(project=project, actor=owner, reason="Mistake")
    services.restore_removal(event=event, actor=registry_admin, reason="Asked by the owner")
    client.force_login(owner)
    entries = client.get(url("history", project)).context["entries"]
    lines = [f"{entry.actor} {entry.text}: {entry.reason}" for entry in entries]
    assert "registry-admin restored the project: Asked by the owner" in lines
    assert "owner removed the project: Mistake" in lines
    assert "registry-admin restored release 1.0: Asked by the owner" in lines
    assert any(
        line.startswith("registry-admin restored the project demo-pkg with 1 release and 1 file")
        for line in lines
    )
    assert any(line.startswith("owner removed release 1.0") for line in lines)


def test_the_timeline_pages_through_rows_written_at_the_same_instant(owner_client, owner):
    project = build_project(owner, versions=("1.0",), files=60)
    release = project.releases.get()
    services.remove_files(files=list(release.files.all()), actor=owner, reason="Cleanup")
    total = sum(
        model.history.filter(**lookup).count()
        for model, lookup in [
            (Project, {"id": project.pk}),
            (Role, {"project_id": project.pk}),
            (Release, {"project_id": project.pk}),
            (File, {"release__project_id": project.pk}),
            (RemovalEvent, {"project_id": project.pk}),
        ]
    )
    seen = []
    path = url("history", project)
    response = owner_client.get(path)
    while True:
        entries = response.context["entries"]
        assert len(response.context["lines"]) <= 50
        seen.extend((entry.rank, entry.history_id) for entry in entries)
        cursor = response.context["next_cursor"]
        if cursor is None:
            break
        assert f"?before={cursor}" in text(response)
        response = owner_client.get(path, {"before": cursor})
    assert len(seen) == total == len(set(seen))


def test_the_timeline_takes_the_same_queries_for_5_and_50_rows(
    owner_client, owner, django_assert_max_num_queries
):
    project = build_project(owner, versions=("1.0",), files=1)
    release = project.releases.get()
    path = url("history", project)
    few = count_queries(owner_client, path)
    for n in range(25):
        services.yank_release(release=release, actor=owner, reason=f"Yank {n}")
        services.unyank_release(release=release, actor=owner, reason=f"Unyank {n}")
    with django_assert_max_num_queries(few):
        response = owner_client.get(path)
    assert len(response.context["entries"]) == 50
    assert count_queries(owner_client, path) == few
    assert count_queries(owner_client, f"{path}?before={response.context['next_cursor']}") == few


def test_a_bad_cursor_shows_the_first_page(owner_client, project):
    response = owner_client.get(url("history", project), {"before": "yesterday"})
    assert response.status_code == 200
    assert response.context["entries"]
