"""The moderation queues' change lists at scale: every view, search and filter costs the same
few queries with 5 or 50 requests, and the searches find what they say."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from moderation.models import Priority, StagedRemoval, StagedState
from tests.factories import (
    AbuseReportFactory,
    DeletionExceptionFactory,
    LegalTakedownFactory,
    ProjectFactory,
    UserFactory,
)
from tests.moderation.test_admin_names import NameRequestFactory

QUERY_BUDGET = 15

QUEUES = {
    "legaltakedown": (LegalTakedownFactory, "takedown_kind__exact=copyright"),
    "deletionexception": (DeletionExceptionFactory, "category__exact=leaked_secret"),
    "abusereport": (AbuseReportFactory, "category__exact=malware"),
    "namerequest": (NameRequestFactory, "ground__exact=squatting&intent__exact=replace"),
}
CASE_VIEWS = [
    "open=yes&assignee=me_or_nobody",
    "open=any",
    "open=any&p=2",
    "open=no",
    "open=any&q=pkg",
    "open=any&q=T-1",
    "open=any&q=requester-1@example.org",
    "open=any&assignee=me",
    "open=any&assignee=nobody",
    "open=any&due=overdue",
    "open=any&due=24h",
    "open=any&priority__exact=4",
    "open=any&age=day",
    "open=any&age=week",
    "open=any&age=older",
    "open=any&duplicate=yes",
    "open=any&duplicate=no",
    "open=any&{kind}",
    "open=any&state__exact={state}",
]
STAGED_VIEWS = [
    "",
    "p=2",
    "q=pkg",
    "next=review",
    "next=week",
    "next=open",
    "state__exact=deprecated",
    "state__exact=removed",
]

PAGES = [
    *(pytest.param(model, view, id=f"{model}?{view}") for model in QUEUES for view in CASE_VIEWS),
    *(pytest.param("stagedremoval", view, id=f"stagedremoval?{view}") for view in STAGED_VIEWS),
]


@pytest.fixture
def viewer(db):
    return UserFactory(username="root", is_staff=True, is_superuser=True)


@pytest.fixture
def superuser_client(client, viewer):
    client.force_login(viewer)
    return client


def build(model, n, viewer):
    now = timezone.now()
    if model == "stagedremoval":
        states = list(StagedState)
        return StagedRemoval.objects.create(
            project=ProjectFactory(),
            message="Bye",
            state=states[n % len(states)],
            requested_by=viewer,
            next_step_at=now + datetime.timedelta(days=n % 10),
        )
    created = now - datetime.timedelta(days=n % 9, hours=1)
    return QUEUES[model][0](
        created_at=created,
        due_at=created + datetime.timedelta(hours=30),
        assignee=viewer if n % 2 else None,
        priority=Priority.values[n % len(Priority.values)],
    )


def url_of(model, view):
    state = model_state(model)
    kind = QUEUES.get(model, (None, ""))[1]
    query = view.format(kind=kind, state=state)
    return f"{reverse(f'admin:moderation_{model}_changelist')}?{query}"


def model_state(model):
    if model == "stagedremoval":
        return StagedState.DEPRECATED
    return QUEUES[model][0]._meta.model._meta.get_field("state").choices[0][0]


def count_queries(client, url):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(queries)


@pytest.mark.parametrize("model, view", PAGES)
def test_every_queue_view_search_and_filter_costs_the_same_few_queries_with_5_or_50_rows(
    superuser_client, viewer, model, view
):
    url = url_of(model, view)
    for n in range(5):
        build(model, n, viewer)
    superuser_client.get(url)  # warm per-process caches (content types)
    few = count_queries(superuser_client, url)
    for n in range(5, 50):
        build(model, n, viewer)
    many = count_queries(superuser_client, url)
    assert many == few
    assert many < QUERY_BUDGET


def test_staged_removals_are_searched_by_the_start_of_the_project_name(superuser_client, viewer):
    case = StagedRemoval.objects.create(
        project=ProjectFactory(name="Old_Thing"), message="Bye", requested_by=viewer
    )
    StagedRemoval.objects.create(project=ProjectFactory(name="new-thing"), message="Bye")
    response = superuser_client.get(url_of("stagedremoval", "q=old.th"))
    assert list(response.context["cl"].result_list) == [case]
    response = superuser_client.get(url_of("stagedremoval", "q=thing"))
    assert list(response.context["cl"].result_list) == []  # the start, not a part
