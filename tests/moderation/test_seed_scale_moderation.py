"""`manage.py seed_scale` fills the moderation queues through the registry's seeder hook."""

import io

import pytest
from django.core.management import call_command
from django.urls import reverse

from moderation.models import AbuseReport, DeletionException, LegalTakedown, StagedRemoval
from moderation.scale import seed_requests
from moderation.workflow import StagedState, is_open
from registry.extensions import scale_seeders
from registry.models import Project, ProjectStatus

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
