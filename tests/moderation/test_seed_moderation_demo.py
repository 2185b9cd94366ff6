"""`manage.py seed_moderation_demo`: every queue of the demo filled through the services, once
however often the command runs, and no e-mail sent anywhere."""

from io import StringIO

import pytest
from django.core import mail
from django.core.management import CommandError, call_command
from django.utils import timezone

from moderation.models import (
    AbuseReport,
    DeletionException,
    LegalTakedown,
    Message,
    NameRequest,
    NameRequestContact,
    StagedRemoval,
)
from moderation.workflow import NameRequestState
from registry.models import OutboxMessage, Project, Role, RoleName
from tests.factories import LegalTakedownFactory

pytestmark = pytest.mark.django_db

CASES = [LegalTakedown, DeletionException, AbuseReport, StagedRemoval, NameRequest]
NAME_STAGES = {
    "sleepy-parser": NameRequestState.SUBMITTED,
    "yamlish": NameRequestState.CONTACTING_OWNERS,
    "old-colors": NameRequestState.AWAITING_DECISION,
    "fastgrid": NameRequestState.TRANSFERRED,
    "tinypad": NameRequestState.REFUSED,
}


def seed_moderation():
    out = StringIO()
    call_command("seed_moderation_demo", stdout=out)
    return out.getvalue()


@pytest.fixture
def registry_demo():
    call_command("seed_demo", stdout=StringIO())


@pytest.fixture
def seeded(registry_demo):
    return seed_moderation()


def counts():
    return {
        **{model.__name__: model.objects.count() for model in CASES},
        **{f"history of {model.__name__}": model.history.count() for model in CASES},
        "contacts": NameRequestContact.objects.count(),
        "messages": Message.objects.count(),
        "projects": Project.objects.count(),
        "roles": Role.objects.count(),
        "outbox": OutboxMessage.objects.count(),
    }


def case(name):
    return NameRequest.objects.get(project__normalized_name=name)


def test_every_queue_gets_its_demo_requests(seeded):
    assert {model.__name__: model.objects.count() for model in CASES} == {
        "LegalTakedown": 4,
        "DeletionException": 2,
        "AbuseReport": 2,
        "StagedRemoval": 2,
        "NameRequest": 5,
    }
    assert "5 name requests" in seeded
    assert "2 staged removals" in seeded


def test_a_second_run_adds_nothing(seeded):
    before = counts()

    output = seed_moderation()

    assert counts() == before
    assert "nothing to add" in output


def test_a_name_request_at_each_stage_of_the_queue(seeded):
    assert {
        request.project.normalized_name: request.state for request in NameRequest.objects.all()
    } == NAME_STAGES


def test_the_name_requests_went_through_the_services_with_their_history(seeded):
    now = timezone.now()
    contacting = case("yamlish")
    assert contacting.reachable_until > now
    assert [contact.owner.username for contact in contacting.contacts.all()] == ["bob"]

    lapsed = case("old-colors")
    assert lapsed.reachable_until < now
    assert lapsed.owners_reminded_at is not None
    assert list(lapsed.history.order_by("history_id").values_list("state", flat=True)) == [
        NameRequestState.SUBMITTED,
        NameRequestState.CONTACTING_OWNERS,
        NameRequestState.CONTACTING_OWNERS,  # the reminder halfway
        NameRequestState.AWAITING_DECISION,
    ]
    assert lapsed.facts["name"] == "old-colors"

    refused = case("tinypad")
    answer = refused.contacts.get()
    assert answer.owner.username == "alice" and answer.answered_at is not None
    assert refused.messages.filter(body__contains="keep the project").exists()

    transferred = case("fastgrid")
    assert transferred.transfer is not None
    roles = {role.user.username: role for role in Role.objects.filter(project=transferred.project)}
    assert roles["alice"].role == RoleName.OWNER and roles["alice"].ended_at is None
    assert roles["bob"].ended_at is not None

    assert case("sleepy-parser").requester.username == "carol"
    for request in NameRequest.objects.all():
        assert request.created_at < now, request


def test_no_mail_leaves_and_none_waits_for_the_scheduler(seeded):
    assert mail.outbox == []
    assert not OutboxMessage.objects.filter(sent_at__isnull=True).exists()


def test_the_name_requests_are_added_to_a_demo_seeded_before_them(registry_demo):
    """A demo database whose other queues were seeded by an older version of the command gets
    the name requests on the next run, and nothing else."""
    LegalTakedownFactory(project=Project.objects.by_name("quiet-lib").get())

    output = seed_moderation()

    assert LegalTakedown.objects.count() == 1
    assert not StagedRemoval.objects.exists()
    assert NameRequest.objects.count() == 5
    assert "5 name requests" in output
    assert "legal takedowns" not in output


def test_it_needs_the_registry_demo_first():
    with pytest.raises(CommandError, match="seed_demo"):
        seed_moderation()


@pytest.mark.parametrize("days", [14, 90])
def test_the_stages_hold_whatever_the_reachability_period(registry_demo, settings, days):
    settings.HOLDFAST_NAME_REACHABILITY_DAYS = days
    now = timezone.now()

    seed_moderation()

    assert {
        request.project.normalized_name: request.state for request in NameRequest.objects.all()
    } == NAME_STAGES
    assert case("yamlish").reachable_until > now
    assert case("old-colors").reachable_until < now
    # Nothing happened in the future: every move of every request is dated before now.
    assert not NameRequest.history.filter(history_date__gt=timezone.now()).exists()
    assert not NameRequestContact.objects.filter(contacted_at__gt=now).exists()
