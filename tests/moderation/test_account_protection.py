"""Accounts that acted in moderation cannot be deleted with their evidence: they are deactivated.

Requests, their assignees, messages and staged removals point at accounts with PROTECT, so a
deletion (from the admin, a script or a cascade) is refused by the database layer and every
row stays; deactivating the account is the way to close it.
"""

import pytest
from django.db.models import ProtectedError
from django.utils import timezone

from moderation import services
from moderation.models import DeletionException, Message, StagedRemoval
from moderation.services import staged
from registry import services as registry
from tests.factories import UserFactory, publish

pytestmark = pytest.mark.django_db


@pytest.fixture
def project(owner):
    project = registry.create_project(name="evidence", owner=owner, actor=owner, reason="t")
    publish(project, "1.0", actor=owner, now=timezone.now())
    return project


def test_the_account_behind_a_request_an_assignment_a_note_or_a_staged_removal_stays(
    project, owner, support_user
):
    case = services.submit_exception(
        project=project, category="other", details="Please remove it", actor=owner
    )
    services.assign(case=case, assignee=support_user, actor=support_user)
    services.add_note(case=case, body="Looked at it", actor=support_user)
    staged_case = staged.start(project=project, message="Bye", actor=owner)

    for account in (owner, support_user):
        with pytest.raises(ProtectedError):
            account.delete()

    case.refresh_from_db()
    assert (case.requester, case.assignee) == (owner, support_user)
    assert Message.objects.get().author == support_user
    assert StagedRemoval.objects.get(pk=staged_case.pk).requested_by == owner


def test_deactivating_the_account_keeps_every_row(project, owner):
    case = services.submit_exception(
        project=project, category="other", details="Please remove it", actor=owner
    )

    owner.is_active = False
    owner.save(update_fields=["is_active"])

    assert DeletionException.objects.get(pk=case.pk).requester == owner


def test_an_account_that_never_acted_can_still_be_deleted():
    user = UserFactory(username="typo-account")

    user.delete()

    assert not type(user).objects.filter(username="typo-account").exists()
