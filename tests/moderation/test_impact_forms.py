"""The impact summary on the owners' moderation forms: "deprecate and schedule removal" and the
deletion-exception form, for what each names (issue #13)."""

import pytest
from django.urls import reverse
from django.utils import timezone

from moderation.models import DeletionException, StagedRemoval
from registry import services
from tests.factories import UserFactory
from tests.registry.test_impact_pages import add_dependents, build_tinypad, same_queries_after

pytestmark = pytest.mark.django_db

DEPENDED_ON = "8 other projects depend on tinypad"


@pytest.fixture(autouse=True)
def default_policy(settings):
    settings.HOLDFAST_POLICY = "proposal-2022"


@pytest.fixture
def alice(db):
    return UserFactory(username="alice")


@pytest.fixture
def alice_client(client, alice):
    client.force_login(alice)
    return client


@pytest.fixture
def tinypad(alice):
    """tinypad as in the issue, its only release with two wheels."""
    return build_tinypad(alice, files=2)


def staged_url(project):
    return reverse("moderation:staged-new", kwargs={"name": project.normalized_name})


def exception_url(project):
    return reverse("moderation:exception-new", kwargs={"name": project.normalized_name})


def page(response):
    assert response.status_code == 200
    return response.content.decode()


# Deprecate and schedule removal ------------------------------------------------------------------


def test_the_staged_form_shows_the_impact_of_the_project(alice_client, tinypad):
    text = page(alice_client.get(staged_url(tinypad)))

    assert "What this would affect" in text
    assert DEPENDED_ON in text
    assert "63,000" in text and "270,000" in text
    assert "its owner is alice" in text
    # The owners of dependents are told: the sentence names them, and says how many more.
    assert "8 other projects require tinypad in their latest release: app-00, app-01" in text
    assert text.index("What this would affect") < text.index('name="confirm_name"')
    assert not StagedRemoval.objects.exists()


def test_the_staged_form_for_a_release_says_what_breaks(alice_client, tinypad):
    text = page(alice_client.get(staged_url(tinypad), {"release": "1.0.0"}))

    assert "Release 1.0.0 is the only live release that" in text
    assert "removing it breaks them" in text


def test_the_staged_form_names_ten_dependents_and_counts_the_rest(alice_client, tinypad):
    add_dependents(12, start=8)

    text = page(alice_client.get(staged_url(tinypad)))

    assert "20 other projects require tinypad" in text
    assert "app-09 and 10 more." in text


def test_the_staged_form_marks_a_critical_project(alice_client, tinypad):
    services.recompute_popularity(now=timezone.now(), percent=1.0)

    text = page(alice_client.get(staged_url(tinypad)))

    assert 'class="badge critical"' in text
    assert "tinypad is a critical project" in text


# The deletion-exception form ---------------------------------------------------------------------


def test_the_exception_form_shows_the_impact_of_the_whole_project(alice_client, tinypad):
    text = page(alice_client.get(exception_url(tinypad)))

    assert "What this would affect" in text
    assert DEPENDED_ON in text and "63,000" in text
    assert "the only live release" not in text
    # The figures the request carries stay listed for the reviewers.
    assert "Projects that depend on it: <strong>8</strong>" in text
    assert not DeletionException.objects.exists()


def test_the_exception_form_shows_the_impact_of_the_release_it_names(alice_client, tinypad):
    text = page(alice_client.get(exception_url(tinypad), {"release": "1.0.0"}))

    assert DEPENDED_ON in text
    assert "Release 1.0.0 is the only live release that" in text


def test_the_exception_form_shows_the_impact_of_the_file_it_names(alice_client, tinypad):
    filename = tinypad.releases.get().files.order_by("filename").first().filename

    text = page(alice_client.get(exception_url(tinypad), {"file": filename}))

    assert "Other files of release 1.0.0 stay, so installers still find the release." in text
    assert "the only live release" not in text
    assert DEPENDED_ON in text


def test_the_exception_form_shows_the_impact_again_with_form_errors(alice_client, tinypad):
    response = alice_client.post(exception_url(tinypad), {"release": "1.0.0", "details": ""})

    assert "Release 1.0.0 is the only live release that" in page(response)
    assert not DeletionException.objects.exists()


# Both forms ------------------------------------------------------------------------------------


@pytest.mark.parametrize("form_url", [staged_url, exception_url], ids=["staged", "exception"])
@pytest.mark.parametrize("query", [{}, {"release": "1.0.0"}], ids=["project", "release"])
def test_each_form_takes_the_same_queries_for_8_and_40_dependents(
    alice_client, tinypad, form_url, query, django_assert_num_queries
):
    response = same_queries_after(
        lambda: add_dependents(32, start=8),
        alice_client,
        form_url(tinypad),
        django_assert_num_queries,
        query,
    )
    text = page(response)
    assert "What this would affect" in text
    assert "40 other projects depend on tinypad" in text
