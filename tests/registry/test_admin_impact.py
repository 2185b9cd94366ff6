"""The admin's remove, purge and quarantine confirmations show what they would affect, say when
they override what the policy refuses an owner, and make the admin choose the kind of removal;
the project list shows and filters critical projects."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from registry import services
from registry.admin import impacts
from registry.models import Popularity, ProjectStatus, RemovalEvent
from tests.factories import ProjectFactory, ReleaseFactory
from tests.registry.tinypad_graph import add_dependents, build_fresh, build_tinypad

pytestmark = pytest.mark.django_db

OVERRIDE = "An owner would be refused"


@pytest.fixture
def now():
    return timezone.now()


@pytest.fixture
def tinypad(settings, now):
    """tinypad under the default preset (whatever the environment says)."""
    settings.HOLDFAST_POLICY = "proposal-2022"
    return build_tinypad(now=now)


def act(client, model, action, pks, **data):
    return client.post(
        reverse(f"admin:registry_{model}_changelist"),
        {"action": action, "_selected_action": pks, **data},
    )


def page(response):
    assert response.status_code == 200
    return response.content.decode()


# The remove confirmation -----------------------------------------------------------------------


def test_removing_tinypads_only_release_shows_the_impact_and_the_override(
    registry_admin_client, tinypad
):
    _project, release, _wheel = tinypad

    html = page(act(registry_admin_client, "release", "remove_releases", [release.pk]))

    assert "Release 1.0.0 of tinypad" in html
    assert "8 other projects depend on tinypad." in html
    assert "tinypad had 63,000 downloads in the last 7 days and 270,000 in the last 30" in html
    assert "Release 1.0.0 is the only live release that" in html
    assert "uses-tinypad-0" in html
    assert "its owner is alice" in html
    assert 'class="badge critical"' in html
    assert (
        f"{OVERRIDE}: rule removing a project&#x27;s last release removes the project "
        "(<code>last-release.is-project</code>)"
    ) in html
    assert "it is judged as deleting the project" in html
    assert "This overrides the deletion policy" in html
    release.refresh_from_db()
    assert not release.is_removed


def test_removing_a_project_its_owner_could_remove_says_no_override(
    registry_admin_client, now, tinypad
):
    fresh = build_fresh(now=now)

    html = page(act(registry_admin_client, "project", "remove_projects", [fresh.pk]))

    assert "The project fresh-pad" in html
    assert "No other project depends on fresh-pad." in html
    assert "fresh-pad had 0 downloads in the last 7 days" in html
    assert OVERRIDE not in html
    assert "This overrides the deletion policy" not in html


def test_removing_tinypad_itself_names_the_project_rule(registry_admin_client, tinypad):
    project, *_ = tinypad

    html = page(act(registry_admin_client, "project", "remove_projects", [project.pk]))

    assert "8 other projects depend on tinypad." in html
    assert f"{OVERRIDE}: rule a project may be removed only while young" in html
    assert "<code>proposal-2022.project-window</code>" in html


def test_the_kind_of_removal_has_no_default(registry_admin_client, tinypad):
    _project, release, _wheel = tinypad

    html = page(act(registry_admin_client, "release", "remove_releases", [release.pk]))

    assert '<option value="" selected>Choose the kind of removal…</option>' in html
    assert "selected>Approved deletion exception" not in html


def test_confirming_without_a_kind_of_removal_changes_nothing_until_one_is_chosen(
    registry_admin_client, registry_admin, tinypad
):
    _project, release, _wheel = tinypad
    confirm = {"post": "yes", "reason": "Malware in the wheel"}

    response = act(registry_admin_client, "release", "remove_releases", [release.pk], **confirm)

    html = page(response)
    assert "Choose the kind of removal: it is recorded with the removal event" in html
    assert "Nothing was done: correct the error below, then confirm again." in html
    # The page is the confirmation again, with the impact and the reason typed.
    assert "8 other projects depend on tinypad." in html
    assert "Malware in the wheel" in html
    release.refresh_from_db()
    assert not release.is_removed
    assert not RemovalEvent.objects.exists()

    response = act(
        registry_admin_client,
        "release",
        "remove_releases",
        [release.pk],
        category="security",
        **confirm,
    )

    assert response.status_code == 302
    event = RemovalEvent.objects.get()
    assert (event.category, event.actor, event.is_override) == ("security", registry_admin, True)
    release.refresh_from_db()
    assert release.is_removed


def test_removing_tinypads_last_files_shows_the_impact_and_the_override(
    registry_admin_client, tinypad
):
    _project, _release, wheel = tinypad

    html = page(act(registry_admin_client, "file", "remove_files", [wheel.pk]))

    assert "1 file of tinypad 1.0.0" in html
    assert "8 other projects depend on tinypad." in html
    assert f"{OVERRIDE}: rule removing a project&#x27;s last release" in html
    assert "These are the last live files of tinypad" in html


# Purge and quarantine --------------------------------------------------------------------------


def test_the_purge_confirmation_shows_the_impact_and_asks_why(registry_admin_client, tinypad):
    _project, _release, wheel = tinypad

    html = page(act(registry_admin_client, "file", "purge_files", [wheel.pk]))

    assert "8 other projects depend on tinypad." in html
    assert "63,000 downloads in the last 7 days" in html
    assert OVERRIDE in html
    assert '<option value="" selected>Choose why…</option>' in html

    response = act(
        registry_admin_client, "file", "purge_files", [wheel.pk], post="yes", reason="Malware"
    )
    assert "Choose why the bytes must be destroyed" in page(response)
    wheel.refresh_from_db()
    assert not wheel.is_removed and not wheel.is_purged


def test_the_quarantine_confirmation_shows_the_impact_without_an_override(
    registry_admin_client, tinypad
):
    project, *_ = tinypad

    html = page(act(registry_admin_client, "project", "quarantine_projects", [project.pk]))

    assert "The project tinypad" in html
    assert "8 other projects depend on tinypad." in html
    assert "tinypad is a critical project" in html
    assert OVERRIDE not in html
    project.refresh_from_db()
    assert project.status == ProjectStatus.ACTIVE


def test_a_long_selection_details_the_first_targets_and_counts_the_rest(
    registry_admin_client, monkeypatch, now
):
    monkeypatch.setattr(impacts, "IMPACTS_SHOWN", 2)
    project = ProjectFactory(name="many-pad")
    releases = [ReleaseFactory(project=project, version=f"1.{n}") for n in range(5)]

    html = page(act(registry_admin_client, "release", "remove_releases", [r.pk for r in releases]))

    assert html.count('class="admin-impact"') == 2
    assert "Only the first 2 are detailed here; 3 more are not." in html


# Query counts ----------------------------------------------------------------------------------


def count_queries(client, *args):
    with CaptureQueriesContext(connection) as queries:
        assert act(client, *args).status_code == 200
    return len(queries)


@pytest.mark.parametrize(
    "model, action, target",
    [
        ("release", "remove_releases", lambda p, r, f: r),
        ("project", "remove_projects", lambda p, r, f: p),
        ("project", "quarantine_projects", lambda p, r, f: p),
        ("file", "remove_files", lambda p, r, f: f),
        ("file", "purge_files", lambda p, r, f: f),
    ],
)
def test_a_confirmations_queries_do_not_grow_with_the_dependents(
    registry_admin_client, tinypad, model, action, target
):
    pk = target(*tinypad).pk
    count_queries(registry_admin_client, model, action, [pk])  # warm per-process caches
    with_8 = count_queries(registry_admin_client, model, action, [pk])

    add_dependents(32, start=8)
    html = page(act(registry_admin_client, model, action, [pk]))
    assert "40 other projects depend on tinypad." in html
    assert count_queries(registry_admin_client, model, action, [pk]) == with_8


# Critical projects -----------------------------------------------------------------------------


def listed(response):
    return {project.name for project in response.context["cl"].result_list}


def test_the_project_list_marks_and_filters_critical_projects(registry_admin_client, tinypad):
    url = reverse("admin:registry_project_changelist")

    html = page(registry_admin_client.get(url))
    assert html.count('<span class="badge critical"') == 1
    assert 'title="Rank 1 of 9 by downloads in the last 30 days">critical</span>' in html
    assert "registry/admin-impact.css" in html

    critical = registry_admin_client.get(url, {"critical": "yes"})
    assert listed(critical) == {"tinypad"}
    others = registry_admin_client.get(url, {"critical": "no"})
    assert "tinypad" not in listed(others)
    assert len(listed(others)) == 8


def test_the_project_lists_queries_do_not_grow_with_ranked_projects(registry_admin_client, now):
    url = reverse("admin:registry_project_changelist")
    build_tinypad(now=now, dependents=5)
    registry_admin_client.get(url)

    with CaptureQueriesContext(connection) as few:
        page(registry_admin_client.get(url))
    add_dependents(40, start=5)
    services.recompute_popularity(now=now)
    assert Popularity.objects.count() == 46
    with CaptureQueriesContext(connection) as many:
        html = page(registry_admin_client.get(url))

    assert len(many) == len(few)
    assert html.count('<span class="badge critical"') == 1


def test_the_project_page_shows_the_impact_and_the_badge(registry_admin_client, tinypad):
    project, *_ = tinypad

    html = page(
        registry_admin_client.get(reverse("admin:registry_project_change", args=[project.pk]))
    )

    assert "Who depends on it and how much it is used" in html
    assert "8 other projects depend on tinypad." in html
    assert "63,000 downloads in the last 7 days" in html
    assert ">critical</span>" in html


def test_staff_read_the_ranking_but_cannot_change_it(
    support_client, registry_admin_client, tinypad
):
    project, *_ = tinypad
    url = reverse("admin:registry_popularity_changelist")

    for client in (support_client, registry_admin_client):
        html = page(client.get(url))
        assert ">tinypad<" in html or "tinypad: rank 1" in html
        assert "badge critical" in html
        assert client.get(reverse("admin:registry_popularity_add")).status_code == 403
        change = client.post(
            reverse("admin:registry_popularity_change", args=[project.pk]), {"rank": 5}
        )
        assert change.status_code == 403
    assert Popularity.objects.get(project=project).rank == 1
