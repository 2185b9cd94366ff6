"""The moderation queues as support staff meet them: the view they open on and their order."""

import datetime

import pytest
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from moderation.models import AbuseCategory, Priority
from registry.paginators import timed_count_overhead
from tests.factories import (
    AbuseReportFactory,
    DeletionExceptionFactory,
    LegalTakedownFactory,
    UserFactory,
)
from tests.moderation.test_admin_names import NameRequestFactory

pytestmark = pytest.mark.django_db

DAY = datetime.timedelta(days=1)
QUEUES = {
    "legaltakedown": LegalTakedownFactory,
    "deletionexception": DeletionExceptionFactory,
    "abusereport": AbuseReportFactory,
    "namerequest": NameRequestFactory,
}


def changelist(model_name):
    return reverse(f"admin:moderation_{model_name}_changelist")


def listed(response):
    return [case.pk for case in response.context["cl"].result_list]


@pytest.mark.parametrize("model_name", QUEUES)
def test_a_new_support_person_opens_each_queue_on_unassigned_open_cases(
    client, support_user, model_name
):
    factory = QUEUES[model_name]
    colleague = UserFactory(username="colleague", is_staff=True)
    unassigned = factory()
    factory(assignee=colleague)
    closed_state = {
        "legaltakedown": "rejected",
        "deletionexception": "rejected",
        "namerequest": "refused",
    }.get(model_name, "cleared")
    factory(state=closed_state, closed_at=timezone.now())
    client.force_login(support_user)

    response = client.get(changelist(model_name), follow=True)

    assert response.status_code == 200
    assert listed(response) == [unassigned.pk]
    assert unassigned.reference in response.content.decode()


# The abuse queue sorts by priority then age (below).
@pytest.mark.parametrize("model_name", [name for name in QUEUES if name != "abusereport"])
def test_every_queue_lists_the_highest_priority_first_then_the_earliest_due(
    support_client, model_name
):
    factory = QUEUES[model_name]
    now = timezone.now()
    normal_due_first = factory(priority=Priority.NORMAL, due_at=now + DAY)
    high_due_later = factory(priority=Priority.HIGH, due_at=now + 3 * DAY)
    high_due_first = factory(priority=Priority.HIGH, due_at=now + 2 * DAY)
    low = factory(priority=Priority.LOW, due_at=now - DAY)

    response = support_client.get(changelist(model_name) + "?open=any")

    assert listed(response) == [
        high_due_first.pk,
        high_due_later.pk,
        normal_due_first.pk,
        low.pk,
    ]


def test_the_abuse_queue_lists_the_highest_priority_first_then_the_oldest(support_client):
    now = timezone.now()
    normal_old = AbuseReportFactory(priority=Priority.NORMAL, created_at=now - 3 * DAY)
    # Received later but due first (its deadline was reset): age decides, not the due date.
    high_new = AbuseReportFactory(
        priority=Priority.HIGH, created_at=now - DAY, due_at=now - 2 * DAY
    )
    high_old = AbuseReportFactory(priority=Priority.HIGH, created_at=now - 2 * DAY)
    urgent = AbuseReportFactory(priority=Priority.URGENT, created_at=now)

    response = support_client.get(changelist("abusereport") + "?open=any")

    assert listed(response) == [urgent.pk, high_old.pk, high_new.pk, normal_old.pk]


def test_a_malware_report_comes_before_an_older_normal_one(support_client):
    now = timezone.now()
    spam = AbuseReportFactory(category=AbuseCategory.SPAM, created_at=now - 2 * DAY)
    malware = AbuseReportFactory(category=AbuseCategory.MALWARE, priority=Priority.HIGH)

    response = support_client.get(changelist("abusereport"), follow=True)

    assert listed(response) == [malware.pk, spam.pk]


@pytest.mark.parametrize("model_name", QUEUES)
def test_staff_see_and_filter_possible_duplicates(
    support_client, model_name, django_assert_max_num_queries
):
    factory = QUEUES[model_name]
    first = factory()
    second = factory(project=first.project, possible_duplicate_of=first)
    letter = first.reference[0]

    with django_assert_max_num_queries(12 + timed_count_overhead(connection)):
        response = support_client.get(changelist(model_name), {"open": "yes"})
    html = response.content.decode()
    assert f"may repeat {letter}-{first.pk}" in html
    assert html.count(">may repeat ") == 1
    flagged = support_client.get(changelist(model_name), {"open": "yes", "duplicate": "yes"})
    assert listed(flagged) == [second.pk]
    unflagged = support_client.get(changelist(model_name), {"open": "yes", "duplicate": "no"})
    assert listed(unflagged) == [first.pk]

    page = support_client.get(reverse(f"admin:moderation_{model_name}_change", args=[second.pk]))
    assert page.context["possible_duplicate"] == {
        "case": first,
        "url": reverse(f"admin:moderation_{model_name}_change", args=[first.pk]),
    }
    assert "Possible duplicate of" in page.content.decode()
    earlier = support_client.get(reverse(f"admin:moderation_{model_name}_change", args=[first.pk]))
    assert "Possible duplicate of" not in earlier.content.decode()


def test_the_dashboard_links_each_queue_to_its_work_and_mine_to_mine(support_client):
    LegalTakedownFactory.create_batch(2)

    response = support_client.get(reverse("admin:moderation_dashboard"))

    html = response.content.decode()
    takedowns = changelist("legaltakedown")
    assert f'<a href="{takedowns}?open=yes&amp;assignee=me_or_nobody">Legal takedowns</a>' in html
    assert f'<td class="mine"><a href="{takedowns}?open=yes&amp;assignee=me">0</a></td>' in html
