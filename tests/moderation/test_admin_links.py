"""Support staff meet no link they may not follow (the History page names actors without
linking their accounts), and a refusal is a page, not a bare 403."""

import pytest
from django.urls import reverse

from moderation import services
from tests.factories import LegalTakedownFactory
from tests.moderation.test_admin_names import NameRequestFactory

pytestmark = pytest.mark.django_db

QUEUES = [LegalTakedownFactory, NameRequestFactory]


def history_url(case):
    return reverse(f"admin:moderation_{case._meta.model_name}_history", args=[case.pk])


def decision_url(case):
    return reverse(f"admin:moderation_{case._meta.model_name}_change", args=[case.pk])


def user_url(user):
    return reverse("admin:auth_user_change", args=[user.pk])


@pytest.mark.parametrize("factory", QUEUES)
def test_support_read_the_actor_of_a_history_row_without_a_link(
    support_client, support_user, factory
):
    case = factory(requester=support_user)
    services.assign(case=case, assignee=support_user, actor=support_user)

    html = support_client.get(history_url(case)).content.decode()

    assert "support" in html
    assert user_url(support_user) not in html
    # Nor does the decision page link the requester's or the assignee's account.
    assert user_url(support_user) not in support_client.get(decision_url(case)).content.decode()
    assert support_client.get(user_url(support_user)).status_code == 403


def test_a_refused_page_explains_and_offers_a_way_back(support_client, support_user):
    response = support_client.get(user_url(support_user))

    assert response.status_code == 403
    html = response.content.decode()
    assert "<h1>You may not open this page</h1>" in html
    assert "Your account, support, does not have the permission this page needs." in html
    assert f'href="{reverse("admin:index")}">Back to the admin home</a>' in html


@pytest.mark.parametrize("factory", QUEUES)
def test_the_history_rows_name_no_raw_column(support_client, support_user, factory):
    case = factory()
    services.assign(case=case, assignee=support_user, actor=support_user, reason="Mine now")

    html = support_client.get(history_url(case)).content.decode()

    assert "history_user_username" not in html.lower()
    assert "history_change_reason" not in html.lower()
    assert "Mine now" in html
