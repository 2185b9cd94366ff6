"""Fixtures shared by every test: isolated media storage and the staff and maintainer accounts."""

import functools
from importlib import import_module

import pytest
from django.contrib.auth.models import Group
from django.core.cache import caches

from tests.factories import UserFactory

REGISTRY_ADMINS = "Registry admins"
SUPPORT_STAFF = "Support staff"


@pytest.fixture(autouse=True)
def staff_groups(request):
    """Tests that commit for real (a live server for browsers, pip and twine; races between
    processes) empty the database when they end, taking with it the staff groups that the data
    migrations create, and Django's serialized rollback did not reliably bring them back once
    other tests had run on the worker. Each such test starts with the groups and their
    permissions made again by those migrations' own functions (idempotent)."""
    marker = request.node.get_closest_marker("django_db")
    commits = "live_server" in request.fixturenames or "transactional_db" in request.fixturenames
    if not (commits or (marker is not None and marker.kwargs.get("transaction"))):
        return
    request.getfixturevalue("transactional_db")
    state = migrated_apps()
    for module, function in STAFF_GROUP_MIGRATIONS:
        getattr(import_module(module), function)(state, None)


STAFF_GROUP_MIGRATIONS = [
    ("registry.migrations.0002_staff_groups", "create_groups"),
    ("moderation.migrations.0002_staff_groups", "grant"),
]


@functools.cache
def migrated_apps():
    """The models as the migrations that create the staff groups see them."""
    from django.db import connection
    from django.db.migrations.loader import MigrationLoader

    return MigrationLoader(connection).project_state(("moderation", "0002_staff_groups")).apps


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    """Store distribution blobs under the test's temporary directory, never in the repository."""
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture(autouse=True)
def empty_cache():
    """Start every test with an empty cache, so no rate-limit count leaks from one to another."""
    caches["default"].clear()


@pytest.fixture
def registry_admin(db):
    """A registry admin through group membership only (not a superuser: permissions are real)."""
    user = UserFactory(username="registry-admin", is_staff=True, is_superuser=False)
    user.groups.add(Group.objects.get(name=REGISTRY_ADMINS))
    return user


@pytest.fixture
def support_user(db):
    user = UserFactory(username="support", is_staff=True, is_superuser=False)
    user.groups.add(Group.objects.get(name=SUPPORT_STAFF))
    return user


@pytest.fixture
def owner(db):
    return UserFactory(username="owner")


@pytest.fixture
def other_user(db):
    return UserFactory(username="other-user")


@pytest.fixture
def registry_admin_client(client, registry_admin):
    client.force_login(registry_admin)
    return client


@pytest.fixture
def support_client(client, support_user):
    client.force_login(support_user)
    return client


@pytest.fixture
def maintainer(db):
    return UserFactory(username="maintainer")


@pytest.fixture
def second_admin(db):
    """Another registry admin (group membership only), for two admins acting at once."""
    user = UserFactory(username="second-admin", is_staff=True, is_superuser=False)
    user.groups.add(Group.objects.get(name=REGISTRY_ADMINS))
    return user


@pytest.fixture
def send_outbox(db):
    """Send the outbox as the scheduler does at the end of its run (e-mail lands in
    `mail.outbox`); return its SendReport. What a person's act queues is sent on commit
    (`django_capture_on_commit_callbacks(execute=True)`); what the scheduler's batches queue
    waits for this."""
    from registry import outbox

    def send(now=None):
        return outbox.send_due(now=now)

    return send
