"""The moderators' decision pages and the confirmation of a removing step show what removing the
request's target would affect, in a number of queries that does not grow with the dependents."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from moderation.models import StagedRemoval
from moderation.services import staged
from tests.factories import AbuseReportFactory, DeletionExceptionFactory, LegalTakedownFactory
from tests.registry.tinypad_graph import add_dependents, build_tinypad

pytestmark = pytest.mark.django_db

OVERRIDE = "An owner would be refused"


@pytest.fixture
def tinypad(settings):
    """tinypad under the default preset, whatever the environment says."""
    settings.HOLDFAST_POLICY = "proposal-2022"
    return build_tinypad(now=timezone.now())


def takedown_of_the_release(project, release, wheel, **fields):
    case = LegalTakedownFactory(project=project, **fields)
    case.releases.add(release)
    return case


def exception_for_the_file(project, release, wheel, **fields):
    case = DeletionExceptionFactory(project=project, **fields)
    case.files.add(wheel)
    return case


def report_on_the_project(project, release, wheel, **fields):
    return AbuseReportFactory(project=project, **fields)


# (build the case, the heading of what it names)
CASES = {
    "takedown": (takedown_of_the_release, "Release 1.0.0 of tinypad"),
    "exception": (exception_for_the_file, "1 file of tinypad 1.0.0"),
    "abuse": (report_on_the_project, "The project tinypad"),
}


def decision_url(case):
    return reverse(f"admin:moderation_{case._meta.model_name}_change", args=[case.pk])


def transition_url(case, name):
    return reverse(f"admin:moderation_{case._meta.model_name}_transition", args=[case.pk, name])


def page(response):
    assert response.status_code == 200
    return response.content.decode()


def assert_shows_tinypads_impact(html, dependents=8):
    assert f"{dependents} other projects depend on tinypad." in html
    assert "tinypad had 63,000 downloads in the last 7 days and 270,000 in the last 30" in html
    assert "tinypad is a critical project" in html
    assert "its owner is alice" in html
    assert "registry/admin-impact.css" in html


def count_queries(client, url):
    with CaptureQueriesContext(connection) as queries:
        page(client.get(url))
    return len(queries)


# Decision pages --------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", CASES)
@pytest.mark.parametrize("who", ["registry_admin_client", "support_client"])
def test_each_queues_decision_page_shows_the_impact_of_its_target(request, tinypad, kind, who):
    client = request.getfixturevalue(who)
    build, heading = CASES[kind]
    case = build(*tinypad)

    html = page(client.get(decision_url(case)))

    assert f"<h3>{heading}</h3>" in html
    assert_shows_tinypads_impact(html)
    # The owner's decisions have their own section here; the summary does not repeat them.
    assert OVERRIDE not in html


def test_a_release_named_by_a_request_says_what_its_dependents_lose(support_client, tinypad):
    case = takedown_of_the_release(*tinypad)

    html = page(support_client.get(decision_url(case)))

    assert "Release 1.0.0 is the only live release that" in html
    assert "removing it breaks them" in html


@pytest.mark.parametrize("kind", CASES)
def test_a_decision_pages_queries_do_not_grow_with_the_dependents(
    registry_admin_client, tinypad, kind
):
    case = CASES[kind][0](*tinypad)
    url = decision_url(case)
    registry_admin_client.get(url)  # warm per-process caches
    with_8 = count_queries(registry_admin_client, url)

    add_dependents(32, start=8)
    assert_shows_tinypads_impact(page(registry_admin_client.get(url)), dependents=40)
    assert count_queries(registry_admin_client, url) == with_8


# The confirmation of a step --------------------------------------------------------------------


@pytest.mark.parametrize(
    "kind, state, step, override",
    [
        ("takedown", "accepted", "disable_content", "last-release.is-project"),
        ("exception", "under_review", "approve", "last-release.is-project"),
        ("abuse", "triaged", "remove", "proposal-2022.project-window"),
        ("abuse", "triaged", "quarantine", None),
    ],
)
def test_a_removing_steps_confirmation_shows_the_impact_and_the_override(
    registry_admin_client, tinypad, kind, state, step, override
):
    case = CASES[kind][0](*tinypad, state=state)
    url = transition_url(case, step)

    html = page(registry_admin_client.get(url))

    assert "What this would affect" in html
    assert_shows_tinypads_impact(html)
    if override:
        assert f"{OVERRIDE}: rule " in html
        assert f"<code>{override}</code>" in html
    else:
        assert OVERRIDE not in html

    add_dependents(32, start=8)
    registry_admin_client.get(url)
    with_40 = count_queries(registry_admin_client, url)
    add_dependents(1, start=40)
    assert count_queries(registry_admin_client, url) == with_40


def test_only_the_steps_that_remove_show_the_impact(registry_admin_client, tinypad):
    case = takedown_of_the_release(*tinypad, state="accepted")

    removing = page(registry_admin_client.get(transition_url(case, "disable_content")))
    rejecting = page(registry_admin_client.get(transition_url(case, "reject")))

    assert "8 other projects depend on tinypad." in removing
    assert "other projects depend on tinypad" not in rejecting


# Staged removals ---------------------------------------------------------------------------------


@pytest.fixture
def staged_release(tinypad):
    project, release, _wheel = tinypad
    owner = project.roles.get().user
    return staged.start(project=project, release=release, message="Use tinypad2", actor=owner)


def test_a_staged_removals_page_shows_the_impact_of_its_release(
    registry_admin_client, staged_release
):
    url = reverse("admin:moderation_stagedremoval_change", args=[staged_release.pk])

    html = page(registry_admin_client.get(url))

    assert "what its removal would affect" in html.lower()
    assert "<h3>Release 1.0.0 of tinypad</h3>" in html
    assert_shows_tinypads_impact(html)
    assert f"{OVERRIDE}: rule " in html

    registry_admin_client.get(url)
    with_8 = count_queries(registry_admin_client, url)
    add_dependents(32, start=8)
    assert count_queries(registry_admin_client, url) == with_8


def test_approving_a_staged_removal_shows_the_impact_and_the_override(
    registry_admin_client, staged_release
):
    StagedRemoval.objects.filter(pk=staged_release.pk).update(
        state="awaiting_review", next_step_at=None
    )

    response = registry_admin_client.post(
        reverse("admin:moderation_stagedremoval_changelist"),
        {"action": "approve_staged", "_selected_action": [staged_release.pk]},
    )

    html = page(response)
    assert_shows_tinypads_impact(html)
    assert f"{OVERRIDE}: rule " in html
    assert "<code>last-release.is-project</code>" in html
    staged_release.refresh_from_db()
    assert staged_release.state == "awaiting_review"
