"""Every actor tries every action on every maintainers' page: only the allowed ones succeed.

Actors: anonymous, a user without a role, a maintainer, an owner, support staff and a registry
admin (the last two through the groups of the data migration, not superusers). Each page is
tried with GET (which never changes anything) and with a valid POST: allowed actors change what
the action changes; everyone else gets the login page, a 403 or a readable refusal, and every
registry row and history table stays exactly as it was.
"""

from dataclasses import dataclass
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from registry import services
from registry.models import (
    File,
    NameReservation,
    Project,
    ProjectStatus,
    Release,
    RemovalEvent,
    Role,
    RoleName,
)
from tests.factories import FileFactory, ProjectFactory, ReleaseFactory, RoleFactory, UserFactory

pytestmark = pytest.mark.django_db

ACTORS = ["anonymous", "other", "maintainer", "owner", "support", "admin"]
NAME = "matrix-pkg"
REASON = "Matrix test"


@dataclass
class World:
    project: Project
    release: Release  # 1.0.0, two files
    users: dict

    def url(self, name, **kwargs):
        return reverse(f"registry:{name}", kwargs={"name": NAME, **kwargs})

    def release_url(self, name):
        return self.url(name, version=self.release.version)

    def refresh(self):
        self.project.refresh_from_db()
        self.release.refresh_from_db()


@pytest.fixture
def world(owner, maintainer, other_user, support_user, registry_admin):
    now = timezone.now()
    project = ProjectFactory(name=NAME, created_at=now - timedelta(days=1))
    RoleFactory(project=project, user=owner, role=RoleName.OWNER)
    RoleFactory(project=project, user=maintainer, role=RoleName.MAINTAINER)
    RoleFactory(project=project, user=UserFactory(username="helper"), role=RoleName.MAINTAINER)
    UserFactory(username="newcomer")
    release = ReleaseFactory(project=project, version="1.0.0", created_at=now - timedelta(hours=2))
    FileFactory(release=release)
    FileFactory(release=release)
    ReleaseFactory(project=project, version="2.0.0", created_at=now - timedelta(hours=1))
    users = {
        "other": other_user,
        "maintainer": maintainer,
        "owner": owner,
        "support": support_user,
        "admin": registry_admin,
    }
    return World(project, release, users)


# Set-ups that make an action applicable (done by the owner, before the snapshot).


def archived(world):
    services.archive_project(project=world.project, actor=world.users["owner"], reason="Setup")


def deprecated(world):
    services.deprecate_project(
        project=world.project, message="Old", actor=world.users["owner"], reason="Setup"
    )


def yanked(world):
    services.yank_release(release=world.release, actor=world.users["owner"], reason="Setup")


def first_file(world):
    return world.release.files.order_by("filename").first()


def role_of(username):
    return Role.objects.get(project__name=NAME, user__username=username)


@dataclass
class Page:
    name: str
    path: object  # world -> URL
    data: object  # world -> POST data
    allowed: frozenset  # actors whose POST succeeds
    done: object  # world -> True once the action took effect
    setup: object = None


OWNERS = frozenset({"owner", "admin"})
MEMBERS = frozenset({"maintainer", "owner", "admin"})
CONFIRM = {"confirm_name": NAME, "reason": REASON}

PAGES = [
    Page(
        "remove project",
        lambda w: w.url("remove"),
        lambda w: CONFIRM,
        OWNERS,
        lambda w: w.project.is_removed,
    ),
    Page(
        "archive",
        lambda w: w.url("archive"),
        lambda w: {"reason": REASON},
        OWNERS,
        lambda w: w.project.status == ProjectStatus.ARCHIVED,
    ),
    Page(
        "unarchive",
        lambda w: w.url("unarchive"),
        lambda w: {"reason": REASON},
        OWNERS,
        lambda w: w.project.status == ProjectStatus.ACTIVE,
        setup=archived,
    ),
    Page(
        "deprecate",
        lambda w: w.url("deprecate"),
        lambda w: {"message": "Use something else", "successor": "", "reason": REASON},
        OWNERS,
        lambda w: w.project.status == ProjectStatus.DEPRECATED,
    ),
    Page(
        "undeprecate",
        lambda w: w.url("undeprecate"),
        lambda w: {"reason": REASON},
        OWNERS,
        lambda w: w.project.status == ProjectStatus.ACTIVE,
        setup=deprecated,
    ),
    Page(
        "lock deletions",
        lambda w: w.url("lock"),
        lambda w: CONFIRM,
        OWNERS,
        lambda w: w.project.deletion_locked,
    ),
    Page(
        "add a role",
        lambda w: w.url("roles"),
        lambda w: {"username": "newcomer", "role": "maintainer", "reason": REASON},
        OWNERS,
        lambda w: (
            Role.objects.active().filter(project=w.project, user__username="newcomer").exists()
        ),
    ),
    Page(
        "remove a role",
        lambda w: w.url("remove_role", username="helper"),
        lambda w: {"reason": REASON},
        OWNERS,
        lambda w: role_of("helper").ended_at is not None,
    ),
    Page(
        "yank",
        lambda w: w.release_url("yank"),
        lambda w: {"reason": REASON},
        MEMBERS,
        lambda w: w.release.yanked,
    ),
    Page(
        "unyank",
        lambda w: w.release_url("unyank"),
        lambda w: {"reason": REASON},
        MEMBERS,
        lambda w: not w.release.yanked,
        setup=yanked,
    ),
    Page(
        "remove release",
        lambda w: w.release_url("remove_release"),
        lambda w: CONFIRM,
        OWNERS,
        lambda w: w.release.is_removed,
    ),
    Page(
        "remove a file",
        lambda w: w.release_url("remove_files"),
        lambda w: {**CONFIRM, "files": [first_file(w).filename]},
        OWNERS,
        lambda w: File.objects.removed().filter(release=w.release).count() == 1,
    ),
]

TRACKED = (Project, Release, File, Role, RemovalEvent, NameReservation)


def snapshot():
    """Every registry row and the size of every history table."""
    return {
        model.__name__: (list(model.objects.order_by("pk").values()), model.history.count())
        for model in TRACKED
    }


def login(client, world, actor):
    if actor != "anonymous":
        client.force_login(world.users[actor])


def assert_login_redirect(response, path):
    assert response.status_code == 302
    assert response["Location"] == f"{reverse('login')}?next={path}"


def assert_refused(response, actor):
    """A 403 whose page says which rule refused and what to do instead."""
    assert response.status_code == 403
    page = response.content.decode()
    assert "Not allowed now." in page
    assert "Rule: " in page
    assert "What you can do instead:" in page
    if actor == "other":
        assert ">role.not-a-member</code>" in page
    if actor == "support":
        assert ">role.support-cannot-act</code>" in page


@pytest.mark.parametrize("actor", ACTORS)
@pytest.mark.parametrize("page", PAGES, ids=[page.name for page in PAGES])
def test_get_shows_the_decision_and_changes_nothing(client, world, page, actor):
    if page.setup:
        page.setup(world)
    path = page.path(world)
    login(client, world, actor)
    before = snapshot()

    response = client.get(path)

    assert snapshot() == before
    if actor == "anonymous":
        assert_login_redirect(response, path)
        return
    if actor == "other":
        assert_refused(response, actor)
        return
    assert response.status_code == 200
    content = response.content.decode()
    if actor in page.allowed:
        assert 'name="reason"' in content
    else:
        assert 'name="reason"' not in content
        assert "Not allowed now." in content and "Rule: " in content


@pytest.mark.parametrize("actor", ACTORS)
@pytest.mark.parametrize("page", PAGES, ids=[page.name for page in PAGES])
def test_post_succeeds_only_for_allowed_actors(client, world, page, actor):
    if page.setup:
        page.setup(world)
    path = page.path(world)
    data = page.data(world)
    login(client, world, actor)
    before = snapshot()

    response = client.post(path, data)

    world.refresh()
    if actor in page.allowed:
        assert response.status_code == 302, response.content.decode()[:2000]
        assert page.done(world)
        after = snapshot()
        assert after != before
        # The change is recorded with its actor and the reason given on the page.
        changed = [model for model in TRACKED if model.history.count() > before[model.__name__][1]]
        assert changed
        for model in changed:
            latest = model.history.order_by("-history_date", "-history_id").first()
            assert latest.history_user_username == world.users[actor].username
        return
    if actor == "anonymous":
        assert_login_redirect(response, path)
    else:
        assert_refused(response, actor)
    assert not page.done(world)
    assert snapshot() == before


VIEW_PAGES = ["project", "history"]


@pytest.mark.parametrize("actor", ACTORS)
@pytest.mark.parametrize("name", VIEW_PAGES)
def test_who_may_see_a_project(client, world, name, actor):
    path = world.url(name)
    login(client, world, actor)
    before = snapshot()
    response = client.get(path)
    assert snapshot() == before
    if actor == "anonymous":
        assert_login_redirect(response, path)
    elif actor == "other":
        assert_refused(response, actor)
    else:
        assert response.status_code == 200
        assert NAME in response.content.decode()


@pytest.mark.parametrize("actor", ["other", "support", "admin"])
def test_no_one_else_sees_a_project_in_their_list(client, world, actor):
    login(client, world, actor)
    response = client.get(reverse("registry:projects"))
    assert response.status_code == 200
    assert f'href="{world.url("project")}"' not in response.content.decode()


@pytest.mark.parametrize("actor", ["maintainer", "owner"])
def test_members_see_their_project_in_their_list(client, world, actor):
    login(client, world, actor)
    response = client.get(reverse("registry:projects"))
    assert f'href="{world.url("project")}"' in response.content.decode()
