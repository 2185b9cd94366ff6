"""Confusable and typosquat names as twine sees them.

With `pillow-tools` on the index, a stranger's twine upload of `pi1low-tools` (1 for l),
`PILLOWTOOLS` (no separator) or `pillow_t00ls` (0 for o) fails, and twine prints the registry's
reason, which names `pillow-tools`. A name one edit from the most downloaded project uploads
fine, and the registry tells its new-project listeners (moderation files a report for staff).
"""

import pytest
from django.utils import timezone

from registry import tokens
from registry.distributions import build_wheel
from registry.extensions import register_new_project_listener, unregister_new_project_listener
from registry.models import Popularity, Project
from tests.e2e.clients import assert_ok
from tests.e2e.conftest import twine_upload
from tests.factories import UserFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


@pytest.fixture
def twine(live_server, tmp_path):
    """Upload built distributions with twine as `user` (an account token)."""

    def upload(user, *built):
        _token, secret = tokens.create_token(user=user, description="e2e")
        folder = tmp_path / f"dist-{built[0].filename}"
        return twine_upload(live_server.url, secret, folder, built)

    return upload


def output_of(result):
    return " ".join((result.stdout + result.stderr).split())


@pytest.fixture
def heard():
    calls = []

    def listener(**kwargs):
        calls.append(kwargs)

    register_new_project_listener(listener)
    yield calls
    unregister_new_project_listener(listener)


@pytest.mark.parametrize("name", ["pi1low-tools", "PILLOWTOOLS", "pillow_t00ls"])
def test_a_confusable_name_is_refused_and_twine_shows_the_name_it_collides_with(twine, name):
    owner = UserFactory(username="pillow-owner")
    stranger = UserFactory(username="stranger")
    assert_ok(twine(owner, build_wheel("pillow-tools", "1.0")))

    result = twine(stranger, build_wheel(name, "1.0"))

    output = output_of(result)
    assert result.returncode != 0, output
    assert "400 Bad Request" in output or "HTTPError: 400" in output, output
    assert "too similar to the existing project 'pillow-tools'" in output, output
    assert Project.objects.filter(normalized_name__startswith="pi").count() == 1


def test_a_typosquat_of_a_top_project_uploads_and_the_listeners_are_told(twine, heard):
    owner = UserFactory(username="requests-owner")
    stranger = UserFactory(username="stranger")
    assert_ok(twine(owner, build_wheel("requests", "1.0")))
    Popularity.objects.create(
        project=Project.objects.get(normalized_name="requests"),
        rank=1,
        ranked_among=1,
        downloads_30_days=1_000_000,
        computed_at=timezone.now(),
    )
    assert heard == []

    assert_ok(twine(stranger, build_wheel("reqeusts", "1.0")))

    squat = Project.objects.get(normalized_name="reqeusts")
    assert len(heard) == 1, heard
    (call,) = heard
    assert call["project"].pk == squat.pk
    assert call["similar_to"] == ["requests"]
    assert call["actor"].pk == stranger.pk
    assert abs((timezone.now() - call["now"]).total_seconds()) < 600
