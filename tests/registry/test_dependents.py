"""Reverse dependencies ("who depends on me") on the maintainer's project page and the admin."""

from datetime import timedelta

import pytest
from django.utils import timezone

from registry import services
from registry.facts import dependents_of
from tests.factories import UserFactory, publish

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    now = timezone.now()
    owner = UserFactory(username="libowner")
    lib = services.create_project(name="Tiny_Lib", owner=owner, actor=owner, reason="t")
    publish(lib, "1.0", actor=owner, now=now)
    users = []
    for name, requires_old, requires_new in [
        ("app-a", True, True),  # depends in its latest release
        ("app-b", True, False),  # dropped the dependency in its latest release
        ("app-c", False, True),
    ]:
        user = UserFactory()
        project = services.create_project(name=name, owner=user, actor=user, reason="t")
        old = publish(project, "1.0", actor=user, now=now - timedelta(days=2))
        new = publish(project, "2.0", actor=user, now=now - timedelta(days=1))
        for release, requires in ((old, requires_old), (new, requires_new)):
            if requires:
                services.set_dependencies(
                    release=release, requirements=["tiny-lib>=1"], actor=user, reason="t"
                )
        users.append((project, user))
    return owner, lib, dict(users)


def test_dependents_are_projects_whose_latest_live_release_requires_it(world):
    _owner, lib, _users = world

    assert sorted(dependents_of(lib).values_list("name", flat=True)) == ["app-a", "app-c"]


def test_a_removed_dependent_no_longer_counts(world):
    _owner, lib, users = world
    app_a = next(project for project in users if project.name == "app-a")
    services.remove_project(project=app_a, actor=users[app_a], reason="gone")

    assert list(dependents_of(lib).values_list("name", flat=True)) == ["app-c"]


def test_the_project_page_names_the_dependents(client, world):
    owner, _lib, _users = world
    client.force_login(owner)

    page = client.get("/manage/tiny-lib/").content.decode()

    assert "2 other projects require Tiny_Lib in their latest release" in page
    assert "app-a, app-c" in page


def test_the_admin_change_page_names_the_dependents(client, world, registry_admin):
    _owner, lib, _users = world
    client.force_login(registry_admin)

    page = client.get(f"/admin/registry/project/{lib.pk}/change/").content.decode()

    assert "app-a, app-c" in page
