"""A PEP 541 name transfer as real clients see it: twine uploads, pip installs, old tokens refused.

The previous owner publishes 1.0 with twine (an account token and a token limited to the
project). More than twelve months later someone asks for the abandoned name; support contacts
the owners, nobody answers, the scheduler's lapse brings the request to an admin, who transfers
it. Time passes through the `now` given to the services (the clients upload at the real time,
before those moments, as in test_staged_removal). Then the new owner uploads 2.0 with twine and
pip installs it, 1.0 still installs when pinned (the transfer rewrites no history), and each of
the previous owner's tokens is refused with the registry's reason.
"""

from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from moderation.models import NameGround, NameIntent, NameRequest
from moderation.services import apply_transition, names, staged
from moderation.workflow import NameRequestState
from registry import tokens
from registry.distributions import build_sdist, build_wheel
from registry.models import OwnershipTransfer, Project, Role, RoleName
from tests.e2e.clients import assert_ok
from tests.e2e.conftest import twine_upload
from tests.factories import UserFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

NAME = "left-behind"
PERIOD = timedelta(days=42)


@pytest.fixture(autouse=True)
def periods(settings):
    settings.HOLDFAST_NAME_REACHABILITY_DAYS = PERIOD.days
    settings.HOLDFAST_NAME_ABANDONED_DAYS = 365


@pytest.fixture
def twine(live_server, tmp_path):
    """Upload built distributions with twine, authenticated by the token `secret`."""

    def upload(secret, *built):
        return twine_upload(live_server.url, secret, tmp_path / f"dist-{built[0].filename}", built)

    return upload


def installs(result_and_versions):
    result, versions = result_and_versions
    assert_ok(result)
    return versions


NO_ROLE = f"You cannot upload to {NAME}: You have no role on {NAME}"


def refused_with(result, words=NO_ROLE):
    """twine failed with HTTP 403 and printed the registry's reason, `words` (twine wraps
    long lines, so the output is compared with its whitespace collapsed)."""
    output = " ".join((result.stdout + result.stderr).split())
    assert result.returncode != 0, output
    assert "403 Forbidden" in output, output
    assert words in output, output


def test_after_a_transfer_the_new_owner_publishes_and_the_previous_owners_tokens_are_refused(
    twine, install, registry_admin, support_user
):
    previous = UserFactory(username="previous-owner")
    requester = UserFactory(username="new-owner")
    _account_token, account_secret = tokens.create_token(user=previous, description="laptop")

    # The previous owner publishes 1.0: the wheel with the account token (it registers the
    # name), the sdist with a token limited to the project.
    assert_ok(twine(account_secret, build_wheel(NAME, "1.0")))
    project = Project.objects.get()
    _scoped_token, scoped_secret = tokens.create_token(
        user=previous, description="CI", project=project
    )
    assert_ok(twine(scoped_secret, build_sdist(NAME, "1.0")))
    assert project.releases.get().files.count() == 2

    # Thirteen months later the name looks abandoned, and someone asks for it.
    asked = timezone.now() + timedelta(days=400)
    case, _key = names.submit_name_request(
        project=project,
        requester=requester,
        ground=NameGround.ABANDONED,
        intent=NameIntent.MAINTAIN,
        details="No release for over a year, the issue tracker is silent; I will maintain it.",
        looked_for_another_name=True,
        now=asked,
    )
    assert case.state == NameRequestState.SUBMITTED
    # Asking gives no rights: until a transfer, the requester's uploads are refused.
    _token, new_secret = tokens.create_token(user=requester, description="release laptop")
    refused_with(twine(new_secret, build_wheel(NAME, "1.9")))

    contacted = asked + timedelta(days=1)
    case = apply_transition(
        case=case,
        name="contact_owners",
        actor=support_user,
        reason="Facts checked: no release in 13 months",
        now=contacted,
    )
    assert case.state == NameRequestState.CONTACTING_OWNERS
    assert case.contacts.get().owner == previous
    assert case.reachable_until == contacted + PERIOD

    # Nobody answers; the scheduler's lapse gives the request to the admins.
    lapsed = names.lapse_batch(now=contacted + PERIOD, actor=staged.scheduler_user())
    assert [one.pk for one in lapsed] == [case.pk]
    case.refresh_from_db()
    assert case.state == NameRequestState.AWAITING_DECISION

    mail.outbox.clear()
    case = apply_transition(
        case=case,
        name="transfer",
        actor=registry_admin,
        reason="Owners unreachable for six weeks; the requester will maintain it",
        now=contacted + PERIOD + timedelta(hours=2),
    )
    assert case.state == NameRequestState.TRANSFERRED
    transfer = OwnershipTransfer.objects.get(project=project)
    assert NameRequest.objects.get(pk=case.pk).transfer == transfer
    roles = {role.user.username: role for role in Role.objects.filter(project=project)}
    assert roles["new-owner"].role == RoleName.OWNER and roles["new-owner"].ended_at is None
    assert roles["previous-owner"].ended_at is not None  # ended, not deleted
    told = {address for message in mail.outbox for address in message.to}
    assert {"previous-owner@example.org", "new-owner@example.org"} <= told, told

    # The new owner publishes 2.0 with the same token of their account; pip installs it.
    assert_ok(twine(new_secret, build_wheel(NAME, "2.0")))
    assert installs(install(NAME)) == ["2.0"]
    # History is not rewritten: the previous owner's 1.0 still installs when pinned.
    assert installs(install(f"{NAME}==1.0")) == ["1.0"]

    # Neither of the previous owner's tokens uploads any more, and twine shows why.
    refused_with(twine(account_secret, build_wheel(NAME, "2.1")))
    refused_with(twine(scoped_secret, build_sdist(NAME, "2.2")))
    assert sorted(project.releases.values_list("version", flat=True)) == ["1.0", "2.0"]
