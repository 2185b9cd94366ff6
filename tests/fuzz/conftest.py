"""The world the fuzz tests run against, one client per role, and the check of each example."""

import copy
import re
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import timedelta

import pytest
from django.apps import apps
from django.core.cache import caches
from django.db import connection, transaction
from django.test import Client
from django.utils import timezone
from hypothesis import HealthCheck, given, settings

from moderation import services as moderation_services
from moderation.models import TakedownKind
from moderation.services import names, staged
from registry import services, tokens
from registry.distributions import build_wheel
from registry.models import OutboxMessage, RoleName
from tests.factories import (
    AbuseReportFactory,
    DeletionExceptionFactory,
    ProjectFactory,
    RoleFactory,
    UserFactory,
    publish,
)

# Generated inputs per test, and in all (each database runs them all): at least 5,000.
BUDGET = {
    "paths_public": 750,
    "paths_staff": 700,
    "queries_pages": 650,
    "queries_admin": 900,
    "forms_public": 400,
    "forms_maintainers": 350,
    "forms_admin": 450,
    "upload": 900,
    "names": 300,
}
assert sum(BUDGET.values()) >= 5_000


def fuzz_settings(name):
    """A fixed seed (so a failure reproduces), no deadline, and the test's budget."""
    return settings(
        max_examples=BUDGET[name],
        derandomize=True,
        database=None,
        deadline=None,
        print_blob=True,
        suppress_health_check=list(HealthCheck),
    )


TRACKED_APPS = ("registry", "moderation")
# Downloads are counted on GET by design (and kept out of history).
UNTRACKED_MODELS = {"registry.DownloadCount"}


def _count_sql():
    tables = sorted(
        {
            model._meta.db_table
            for app in TRACKED_APPS
            for model in apps.get_app_config(app).get_models()
            if model._meta.label not in UNTRACKED_MODELS
        }
    )
    quote = connection.ops.quote_name
    return "SELECT " + ", ".join(f"(SELECT COUNT(*) FROM {quote(table)})" for table in tables)


def snapshot():
    """The row count of every registry and moderation table, history tables included: every
    change writes a history row, so equal counts mean nothing changed."""
    with connection.cursor() as cursor:
        cursor.execute(_count_sql())
        return cursor.fetchone()


@dataclass
class World:
    """What the fuzzed requests aim at: valid names, versions, keys and ids."""

    users: dict = field(default_factory=dict)
    clients: dict = field(default_factory=dict)
    project: object = None
    other: object = None
    filename: str = ""
    token_secret: str = ""
    takedown_key: str = ""
    name_key: str = ""  # an owner's one-click "keep my project" link to a name request
    ids: dict = field(default_factory=dict)


@pytest.fixture
def world(db, settings, django_user_model):
    """Projects, a release with a file, every kind of request, and a logged-in client per role."""
    settings.HOLDFAST_PUBLIC_FORM_RATE = "1000000/h"
    now = timezone.now()
    from django.contrib.auth.models import Group

    owner = UserFactory(username="owner")
    maintainer = UserFactory(username="maint")
    support = UserFactory(username="support", is_staff=True)
    support.groups.add(Group.objects.get(name="Support staff"))
    admin = UserFactory(username="registry-admin", is_staff=True)
    admin.groups.add(Group.objects.get(name="Registry admins"))

    project = ProjectFactory(name="demo", created_at=now - timedelta(days=30))
    RoleFactory(user=owner, project=project, role=RoleName.OWNER)
    RoleFactory(user=maintainer, project=project, role=RoleName.MAINTAINER)
    release = publish(project, "1.0", actor=owner, now=now, files=2)
    publish(project, "2.0", actor=owner, now=now)
    other = ProjectFactory(name="other")
    RoleFactory(user=owner, project=other, role=RoleName.OWNER)
    publish(other, "0.1", actor=owner, now=now)
    removed = publish(other, "0.2", actor=owner, now=now)
    event = services.remove_release(release=removed, actor=owner, reason="fuzz world", now=now)

    token, secret = tokens.create_token(user=owner, description="fuzz")
    takedown, key = moderation_services.submit_takedown(
        project=project,
        takedown_kind=TakedownKind.TRADEMARK,
        data={
            "requester_name": "Rita",
            "requester_email": "rita@example.org",
            "work_description": "The mark",
            "legal_basis": "USPTO 1",
            "details": "It copies the mark.",
            "good_faith": True,
        },
    )
    exception = DeletionExceptionFactory(project=project, requester=owner)
    report = AbuseReportFactory(project=other)
    case = staged.start(project=other, message="Moving on", actor=owner, now=now)
    name_request, _key = names.submit_name_request(
        project=other,
        requester=maintainer,
        ground="invalid",
        intent="replace",
        details="It is spam.",
        looked_for_another_name=True,
        now=now,
    )
    moderation_services.apply_transition(
        case=name_request, name="contact_owners", actor=support, reason="Holds", now=now
    )
    name_key = next(
        found.group(1)
        for body in OutboxMessage.objects.order_by("-pk").values_list("payload__body", flat=True)
        if (found := re.search(r"/names/owner/([^/\s]+)/", body or ""))
    )

    world = World(
        users={"owner": owner, "maintainer": maintainer, "support": support, "admin": admin},
        project=project,
        other=other,
        filename=release.files.order_by("filename").first().filename,
        token_secret=secret,
        takedown_key=key,
        name_key=name_key,
        ids={
            "takedown": takedown.pk,
            "exception": exception.pk,
            "report": report.pk,
            "staged": case.pk,
            "name": name_request.pk,
            "token": token.pk,
            "event": event.pk,
            "project": project.pk,
            "release": release.pk,
            "file": release.files.first().pk,
            "owner": owner.pk,
            "support": support.pk,
        },
    )
    for role in ("anonymous", "owner", "maintainer", "support", "admin"):
        client = Client(raise_request_exception=False)
        if role != "anonymous":
            client.force_login(world.users[role])
        world.clients[role] = client
    return world


class ServerError(AssertionError):
    pass


class Probe:
    """Run one generated request in a savepoint that is always rolled back, and check it."""

    def __init__(self):
        self.count = 0

    @contextmanager
    def example(self):
        self.count += 1
        caches["default"].clear()  # rate limits count per example, never across examples
        with transaction.atomic():
            try:
                yield
            finally:
                transaction.set_rollback(True)

    def check(self, response, *, what, before=None):
        """No 5xx; and when `before` (a snapshot) is given, no row changed."""
        if response.status_code >= 500:
            raise ServerError(f"{response.status_code} for {what!r}")
        if before is not None:
            assert snapshot() == before, f"{what!r} changed data ({response.status_code})"


@contextmanager
def kept_cookies(client):
    """Restore the client's cookies after the example: a fuzzed POST to a logout page must not
    leave the next example anonymous."""
    saved = copy.deepcopy(client.cookies)
    try:
        yield client
    finally:
        client.cookies = saved


@pytest.fixture
def probe():
    return Probe()


def fuzz(probe, name, strategy, check_one):
    """Run `check_one(value)` on BUDGET[name] values of `strategy`, and show they all ran."""

    @fuzz_settings(name)
    @given(strategy)
    def run(value):
        check_one(value)

    run()
    assert probe.count >= BUDGET[name], f"{name}: {probe.count} of {BUDGET[name]} examples ran"


def valid_wheel(version="9.0"):
    return build_wheel("demo", version)
