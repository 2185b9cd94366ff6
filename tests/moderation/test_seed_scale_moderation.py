"""`manage.py seed_scale` fills the moderation queues through the registry's seeder hook."""

import io
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from moderation import pep541
from moderation.models import (
    AbuseReport,
    DeletionException,
    LegalTakedown,
    NameRequest,
    NameRequestContact,
    StagedRemoval,
)
from moderation.scale import NAME_SHARE, seed_requests
from moderation.services.schedule import abandoned_after
from moderation.workflow import NameRequestState, StagedState, is_open
from registry.extensions import scale_seeders
from registry.models import OwnershipTransfer, Project, ProjectStatus, Role, RoleName
from registry.name_facts import NameFacts

pytestmark = pytest.mark.django_db

N = 400
QUEUES = (AbuseReport, DeletionException, LegalTakedown, StagedRemoval)


@pytest.fixture
def seeded():
    call_command("seed_scale", "--projects", str(N), stdout=io.StringIO(), stderr=io.StringIO())


def test_moderation_registers_its_seeder():
    assert seed_requests in scale_seeders()


def test_about_eight_percent_of_projects_get_requests_in_valid_states(seeded):
    counts = {model: model.objects.count() for model in QUEUES}
    assert counts[AbuseReport] == round(N * 0.03)
    assert counts[DeletionException] == round(N * 0.025)
    assert counts[LegalTakedown] == round(N * 0.015)
    assert 0.04 * N <= sum(counts.values()) <= 0.12 * N
    for model in QUEUES:
        states = set(model.objects.values_list("state", flat=True))
        assert len(states) >= 2, model
        for case in model.objects.all():
            case.full_clean(exclude=["access_key_hash"] if model is not StagedRemoval else [])
            assert (case.closed_at is None) == is_open(model.kind, case.state), case
        assert model.history.count() == counts[model]
        assert set(model.history.values_list("history_change_reason", flat=True)) == {"seed_scale"}
    deprecated = Project.objects.filter(status=ProjectStatus.DEPRECATED)
    assert set(
        StagedRemoval.objects.filter(state=StagedState.DEPRECATED).values_list("project", flat=True)
    ) == set(deprecated.values_list("pk", flat=True))


def test_the_seeded_queues_render_in_the_admin(seeded, admin_client):
    for model in QUEUES:
        url = reverse(f"admin:moderation_{model._meta.model_name}_changelist")
        response = admin_client.get(url + ("" if model is StagedRemoval else "?open=any"))
        assert response.status_code == 200, model
        case = model.objects.order_by("pk").first()
        change = reverse(f"admin:moderation_{model._meta.model_name}_change", args=[case.pk])
        assert admin_client.get(change).status_code == 200, model


NAMES_N = 3000  # more projects than `seeded`, so that each way a name request ends is drawn
N_STATES = NameRequestState


def test_name_requests_at_scale():
    """One seeding (it takes a while), three sets of checks."""
    call_command(
        "seed_scale", "--projects", str(NAMES_N), stdout=io.StringIO(), stderr=io.StringIO()
    )
    check_name_requests_are_ones_the_form_accepts_in_a_realistic_mix_of_states()
    check_name_requests_carry_their_owners_period_and_answers()
    check_a_transferred_name_has_changed_hands_in_the_registry()


def check_name_requests_are_ones_the_form_accepts_in_a_realistic_mix_of_states():
    requests = list(NameRequest.objects.select_related("project", "requester").order_by("pk"))
    assert len(requests) == round(NAMES_N * NAME_SHARE)
    states = {request.state for request in requests}
    assert states == set(N_STATES), states
    open_share = sum(request.is_open for request in requests) / len(requests)
    assert 0.25 <= open_share <= 0.55, open_share
    assert {request.ground for request in requests} >= {"abandoned", "squatting"}
    assert NameRequest.history.count() == len(requests)
    for request in requests:
        request.full_clean(exclude=["access_key_hash"])
        assert (request.closed_at is None) == is_open(request.kind, request.state), request
        assert request.project.status != ProjectStatus.QUARANTINED, request
        facts = NameFacts.from_dict(request.facts)
        assert facts.project_id == request.project_id
        assert (
            pep541.refusal(
                facts,
                ground=request.ground,
                intent=request.intent,
                requester_id=request.requester_id,
                now=request.created_at,
                abandoned_after=abandoned_after(),
            )
            is None
        ), request
        assert request.requester_name == request.requester.username


def check_name_requests_carry_their_owners_period_and_answers():
    now = timezone.now()
    by_state = {}
    for request in NameRequest.objects.prefetch_related("contacts"):
        by_state.setdefault(request.state, []).append(request)
    for request in by_state[N_STATES.SUBMITTED]:
        assert request.reachable_until is None and not request.contacts.all(), request
    for request in by_state[N_STATES.CONTACTING_OWNERS]:
        assert request.reachable_until > now, request
        assert request.contacts.all(), request
        reminded = request.owners_reminded_at is not None
        assert reminded == (request.reachable_until - now < timedelta(days=21)), request
        for contact in request.contacts.all():
            assert contact.answered_at is None
            assert (contact.reminded_at is not None) == reminded
    for request in by_state[N_STATES.AWAITING_DECISION]:
        assert request.reachable_until <= now, request
        assert request.owners_reminded_at is not None, request
        assert all(contact.answered_at is None for contact in request.contacts.all())
    kept = [
        request
        for request in by_state[N_STATES.REFUSED]
        if any(contact.answered_at for contact in request.contacts.all())
    ]
    assert kept and len(kept) < len(by_state[N_STATES.REFUSED])
    for request in kept:
        answer = next(contact for contact in request.contacts.all() if contact.answered_at)
        assert answer.answered_at == request.closed_at
        assert Role.objects.filter(
            project=request.project, user=answer.owner, role=RoleName.OWNER, ended_at=None
        ).exists()
    assert NameRequestContact.history.count() == NameRequestContact.objects.count()


def check_a_transferred_name_has_changed_hands_in_the_registry():
    transferred = list(
        NameRequest.objects.filter(state=N_STATES.TRANSFERRED).select_related("transfer")
    )
    assert transferred
    assert OwnershipTransfer.objects.count() == len(transferred)
    for request in transferred:
        transfer = request.transfer
        assert transfer is not None, request
        assert transfer.project_id == request.project_id
        assert transfer.new_owner_id == request.requester_id
        assert transfer.reference == request.reference
        assert transfer.created_at == request.closed_at
        active = list(Role.objects.filter(project=request.project, ended_at=None))
        assert [(role.user_id, role.role) for role in active] == [
            (request.requester_id, RoleName.OWNER)
        ], request
        ended = list(transfer.ended_roles.all())
        assert ended and all(role.ended_at == transfer.created_at for role in ended)
        assert {role.user_id for role in ended} == {
            owner["user_id"] for owner in request.facts["owners"]
        }
        assert list(
            ended[0].history.order_by("history_id").values_list("history_type", "ended_at")
        ) == [("+", None), ("~", transfer.created_at)]
    assert OwnershipTransfer.history.count() == len(transferred)
