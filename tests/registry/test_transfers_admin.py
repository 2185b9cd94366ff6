"""Ownership transfers in the admin: a read-only list in a fixed number of queries, searched by
project name, and a two-step "restore the previous owners" action for registry admins only."""

from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from registry import services
from registry.models import OwnershipTransfer, Role
from registry.paginators import timed_count_overhead
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

NOW = datetime(2025, 6, 1, 12, 0, tzinfo=UTC)
LIST = reverse("admin:registry_ownershiptransfer_changelist")


def transferred(name, admin, *, maintainers=1):
    """A project `name` with an owner and `maintainers`, transferred to a new account."""
    owner = UserFactory(username=f"{name}-owner")
    project = services.create_project(
        name=name, owner=owner, actor=owner, reason="New", now=NOW - timedelta(days=400)
    )
    for n in range(maintainers):
        services.add_role(
            project=project,
            user=UserFactory(username=f"{name}-helper-{n}"),
            role="maintainer",
            actor=owner,
            reason="Help",
        )
    return services.transfer_project(
        project=project,
        to_user=UserFactory(username=f"{name}-requester"),
        actor=admin,
        reason="PEP 541: abandoned",
        reference=f"N-{project.pk}",
        now=NOW,
    )


@pytest.fixture
def handed(registry_admin):
    return transferred("handover", registry_admin)


def act(client, pks, **data):
    return client.post(
        LIST, {"action": "undo_transfers", "_selected_action": pks, **data}, follow=True
    )


def messages(response):
    return [str(message) for message in response.context["messages"]]


def text(response):
    assert response.status_code == 200
    return response.content.decode()


def active_roles(project):
    return set(Role.objects.active().filter(project=project).values_list("user__username", "role"))


# The list -----------------------------------------------------------------------------------------


def test_the_list_shows_project_new_owner_previous_owners_reference_and_state(
    registry_admin_client, handed
):
    page = text(registry_admin_client.get(LIST))

    assert "handover-requester" in page
    assert '<td class="field-previous_owners">handover-owner</td>' in page
    assert f"N-{handed.project_id}" in page
    assert "handover-helper-0" not in page  # maintainers are not previous owners


def test_the_list_takes_the_same_few_queries_whatever_its_rows(
    registry_admin_client, registry_admin, django_assert_max_num_queries
):
    for n in range(3):
        transferred(f"few-{n}", registry_admin, maintainers=2)
    registry_admin_client.get(LIST)  # warm per-process caches (content types)
    with CaptureQueriesContext(connection) as few:
        response = registry_admin_client.get(LIST)
    assert len(response.context["cl"].result_list) == 3

    for n in range(20):
        transferred(f"many-{n}", registry_admin, maintainers=2)
    with django_assert_max_num_queries(len(few)):
        response = registry_admin_client.get(LIST)
    assert len(response.context["cl"].result_list) == 23
    with django_assert_max_num_queries(len(few)):
        response = registry_admin_client.get(LIST, {"undone": "no", "q": "many"})
    assert len(response.context["cl"].result_list) == 20
    # Session, user, two permission reads, the count, the page's rows, their ended roles (7);
    # on PostgreSQL the count is the planner's estimate or a count timed in a savepoint.
    assert len(few) <= 7 + (6 if timed_count_overhead(connection) else 0)


def test_the_list_is_searched_by_the_start_of_the_project_name_in_any_spelling(
    registry_admin_client, registry_admin, handed
):
    other = transferred("unrelated", registry_admin)

    response = registry_admin_client.get(LIST, {"q": "HandOv"})

    assert list(response.context["cl"].result_list) == [handed]
    response = registry_admin_client.get(LIST, {"q": "unre"})
    assert list(response.context["cl"].result_list) == [other]


def test_the_undone_filter(registry_admin_client, registry_admin, handed):
    other = transferred("unrelated", registry_admin)
    services.undo_transfer(transfer=other, actor=registry_admin, reason="Owner answered")

    undone = registry_admin_client.get(LIST, {"undone": "yes"})
    standing = registry_admin_client.get(LIST, {"undone": "no"})

    assert list(undone.context["cl"].result_list) == [other]
    assert list(standing.context["cl"].result_list) == [handed]


def test_a_transfer_is_read_only_and_never_added_or_deleted_in_the_admin(
    registry_admin_client, handed
):
    page = text(
        registry_admin_client.get(
            reverse("admin:registry_ownershiptransfer_change", args=[handed.pk])
        )
    )
    assert "handover-owner" in page and "handover-helper-0" in page
    assert 'name="reason"' not in page  # nothing to edit
    assert registry_admin_client.get(f"{LIST}add/").status_code == 403
    delete = reverse("admin:registry_ownershiptransfer_delete", args=[handed.pk])
    assert registry_admin_client.post(delete, {"post": "yes"}).status_code == 403
    assert OwnershipTransfer.objects.filter(pk=handed.pk).exists()
    assert "delete_selected" not in text(registry_admin_client.get(LIST))


# Undo ---------------------------------------------------------------------------------------------


def test_a_registry_admin_undoes_a_transfer_after_a_confirmation_page(
    registry_admin_client, registry_admin, handed
):
    confirm = text(act(registry_admin_client, [handed.pk]))

    assert "Restore the previous owners (undo the transfer)" in confirm
    assert "roles ended: handover-helper-0, handover-owner" in confirm
    assert "handover-requester had no role before" in confirm
    assert 'name="reason"' in confirm and 'name="post" value="yes"' in confirm
    assert not OwnershipTransfer.objects.get(pk=handed.pk).is_undone  # nothing done yet

    done = act(registry_admin_client, [handed.pk], post="yes", reason="The owner answered")

    assert "Undone: handover is back with its previous owners." in messages(done)
    handed.refresh_from_db()
    assert (handed.undone_by, handed.undo_reason) == (registry_admin, "The owner answered")
    assert active_roles(handed.project) == {
        ("handover-owner", "owner"),
        ("handover-helper-0", "maintainer"),
    }


def test_the_undo_needs_a_reason(registry_admin_client, handed):
    response = act(registry_admin_client, [handed.pk], post="yes", reason="  ")

    assert "This field is required." in text(response)
    assert not OwnershipTransfer.objects.get(pk=handed.pk).is_undone


def test_undoing_twice_says_it_was_already_undone(registry_admin_client, handed):
    act(registry_admin_client, [handed.pk], post="yes", reason="Once")

    again = act(registry_admin_client, [handed.pk], post="yes", reason="Twice")

    assert any("was already undone" in message for message in messages(again))
    assert OwnershipTransfer.objects.get(pk=handed.pk).undo_reason == "Once"


def test_support_staff_see_the_list_but_cannot_undo(support_client, handed):
    listing = text(support_client.get(LIST))
    assert "handover-requester" in listing
    assert "undo_transfers" not in listing

    act(support_client, [handed.pk])
    act(support_client, [handed.pk], post="yes", reason="Me too")

    assert not OwnershipTransfer.objects.get(pk=handed.pk).is_undone
    assert active_roles(handed.project) == {("handover-requester", "owner")}
