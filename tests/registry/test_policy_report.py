"""The policy report: each preset judged on the registry's own data (command and admin page)."""

import csv
import io
import json
from dataclasses import replace
from datetime import UTC, datetime
from unittest import mock

import pytest
from django.core.management import CommandError, call_command
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from registry import policy
from registry.facts import project_facts
from registry.models import Project
from registry.reports import chart, output
from registry.reports.compare import compare
from registry.reports.facts import live_project_facts
from registry.scale import create_registry
from tests.factories import (
    FileFactory,
    ProjectFactory,
    ReleaseFactory,
    RemovalEventFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

SEEDED = datetime(2026, 1, 15, 12, 0, tzinfo=UTC)
NOW = "2026-01-15T12:00:00+00:00"
PAGE = "/admin/registry/policy-report/"

# What owners may delete on the demo data at NOW: (projects, releases, files) per preset, of
# 18 live projects, 26 live releases and 71 live files.
DEMO_COUNTS = {
    "proposal-2022": (2, 13, 69),
    "pep763": (1, 1, 2),
    "npm": (9, 10, 20),
    "crates-io": (15, 0, 0),
    "rubygems": (1, 2, 4),
    "immutable": (0, 0, 0),
    "pypi-2025": (17, 25, 69),
}


@pytest.fixture(scope="module")
def seeded(django_db_setup, django_db_blocker):
    """The demo registry, seeded once for the module as if it were SEEDED (seed_demo dates
    everything from now), in a transaction rolled back when the module's tests are done."""
    with django_db_blocker.unblock():
        outer = transaction.atomic()
        outer.__enter__()
        try:
            with mock.patch("django.utils.timezone.now", return_value=SEEDED):
                call_command("seed_demo", stdout=io.StringIO())
            yield
        finally:
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)


@pytest.fixture
def demo(seeded, db):
    """The demo registry (each test's changes are rolled back as usual)."""


@pytest.fixture
def at_seeded():
    """Pages see the time the demo was seeded at, as the command's --now does."""
    with mock.patch("django.utils.timezone.now", return_value=SEEDED):
        yield


def report(*args):
    out, err = io.StringIO(), io.StringIO()
    call_command("policy_report", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


# The comparison ------------------------------------------------------------------------------


def test_counts_per_preset_on_the_demo_data_are_pinned(demo):
    comparison = compare(now=SEEDED)

    assert (comparison.projects, comparison.releases, comparison.files) == (18, 26, 71)
    assert comparison.preset_names == tuple(policy.PRESETS)
    assert {
        result.preset: (
            result.projects.deletable,
            result.releases.deletable,
            result.files.deletable,
        )
        for result in comparison.presets
    } == DEMO_COUNTS
    assert [result.configured for result in comparison.presets] == [True] + [False] * 6


def test_the_top_lists_name_who_each_preset_would_let_go_on_the_demo_data(demo):
    comparison = compare(now=SEEDED)

    downloaded = comparison.top_downloaded
    # Only downloaded projects are ranked: 13 of the 18 had downloads in the last 30 days.
    assert len(downloaded) == 13
    assert [(e.rank, e.name, e.downloads_30_days, e.dependents) for e in downloaded[:2]] == [
        (1, "tinypad", 270_000, 8),
        (2, "oldtorch-demo", 18_000, 0),
    ]
    assert downloaded[0].let_go_by() == ("pypi-2025",)
    refusal = {verdict.preset: verdict.rule for verdict in downloaded[0].verdicts}
    assert refusal["proposal-2022"] == "proposal-2022.project-window"
    assert refusal["npm"] == "npm.dependents"
    assert downloaded[1].let_go_by() == ("crates-io", "pypi-2025")
    fresh = next(entry for entry in downloaded if entry.name == "fresh-start")
    assert set(fresh.let_go_by()) == set(policy.PRESETS) - {"immutable"}

    depended = comparison.top_depended
    assert [(e.name, e.dependents) for e in depended] == [("tinypad", 8), ("atomicfiles", 2)]
    assert depended[1].let_go_by() == ("pypi-2025",)


def test_deciles_split_the_live_projects_by_downloads(demo):
    comparison = compare(now=SEEDED)

    assert [decile.projects for decile in comparison.deciles] == [2, 2, 2, 2, 1, 2, 2, 2, 2, 1]
    assert (comparison.deciles[0].downloads_max, comparison.deciles[0].downloads_min) == (
        270_000,
        18_000,
    )
    pypi = next(result for result in comparison.presets if result.preset == "pypi-2025")
    # Everything but the quarantined project (never downloaded, so in the last decile).
    assert [tally.deletable for tally in pypi.deciles] == [2, 2, 2, 2, 1, 2, 2, 2, 2, 0]
    assert pypi.deciles[0].share == 1.0 and pypi.deciles[9].share == 0.0
    immutable = next(result for result in comparison.presets if result.preset == "immutable")
    assert all(tally.deletable == 0 for tally in immutable.deciles)


def test_the_streamed_facts_are_those_each_project_page_reads(demo, owner):
    # Removed rows are left out as project_facts leaves them out.
    gone = ProjectFactory(name="gone-pkg")
    gone.removed_at, gone.removal_event = SEEDED, RemovalEventFactory(project=gone)
    gone.save()
    FileFactory(release=ReleaseFactory(project=gone))
    atomicfiles = Project.objects.get(name="atomicfiles")
    release = atomicfiles.releases.get(version="1.0.0")
    release.removed_at, release.removal_event = SEEDED, RemovalEventFactory(project=atomicfiles)
    release.save()
    file = atomicfiles.releases.get(version="1.4.1").files.first()
    file.removed_at, file.removal_event = SEEDED, RemovalEventFactory(project=atomicfiles)
    file.save()

    streamed = {row.pk: row.facts for row in live_project_facts(now=SEEDED, chunk_size=3)}

    live = Project.objects.live()
    assert set(streamed) == set(live.values_list("pk", flat=True))
    for project in live:
        assert in_order(streamed[project.pk]) == in_order(project_facts(project, now=SEEDED))


def in_order(facts):
    """The facts with releases and files in one order (rows that tie on time come in any)."""
    releases = sorted(facts.releases, key=lambda r: (r.created_at, r.version))
    return replace(
        facts,
        releases=tuple(
            replace(r, files=tuple(sorted(r.files, key=lambda f: f.filename))) for r in releases
        ),
    )


def test_judging_files_once_per_upload_time_changes_no_count(demo):
    create_registry(150, now=SEEDED)

    assert compare(now=SEEDED) == compare(now=SEEDED, exhaustive=True)


def test_the_configured_preset_keeps_its_overrides_and_the_others_their_defaults(demo, settings):
    settings.HOLDFAST_POLICY = "npm"
    settings.HOLDFAST_POLICY_WEEKLY_DOWNLOAD_LIMIT = 1_000_000
    settings.HOLDFAST_POLICY_MAX_OWNERS = 5

    results = {result.preset: result for result in compare(now=SEEDED).presets}

    assert results["npm"].configured
    assert dict(results["npm"].parameters)["weekly_download_limit"] == 1_000_000
    # Past the window, every project nothing depends on may now go: all but tinypad,
    # atomicfiles (depended on) and the quarantined one.
    assert results["npm"].projects.deletable == 15
    assert not results["proposal-2022"].configured
    assert results["proposal-2022"].projects.deletable == DEMO_COUNTS["proposal-2022"][0]


def test_the_query_count_does_not_grow_with_the_projects(db):
    def queries():
        with CaptureQueriesContext(connection) as captured:
            compare(now=SEEDED)
        return len(captured)

    before = Project.objects.live().count()
    create_registry(50, now=SEEDED)
    at_50 = queries()
    create_registry(150, start=50, now=SEEDED)
    assert Project.objects.live().count() == before + 200

    assert queries() == at_50


# The command ---------------------------------------------------------------------------------


def test_text_is_a_table_and_the_two_lists(demo):
    text, err = report("--now", NOW)

    assert err == ""
    assert "over 18 live projects, 26 live releases and 71 live files" in text
    lines = text.splitlines()
    header = next(line for line in lines if line.startswith("preset "))
    assert header.split() == ["preset", "projects", "releases", "files"]
    row = next(line for line in lines if line.startswith("pep763 "))
    assert row.split() == ["pep763", "1", "(5.6%)", "1", "(3.8%)", "2", "(2.8%)"]
    assert "proposal-2022 (configured)" in text
    assert "The 20 most downloaded projects (last 30 days)" in text
    assert "The 20 most depended-on projects" in text
    tinypad = [line.split() for line in lines if " tinypad " in f" {line} "]
    assert tinypad[0][:4] == ["1", "tinypad", "270,000", "8"]
    assert tinypad[0][4:] == ["-", "-", "-", "-", "-", "-", "yes"]


def test_output_is_the_same_twice_for_a_fixed_now(demo):
    for format in ("text", "csv", "json"):
        assert report("--now", NOW, "--format", format) == report("--now", NOW, "--format", format)


def test_csv_has_stable_columns_and_one_figure_per_row(demo):
    text, _ = report("--now", NOW, "--format", "csv", "--preset", "npm", "--preset", "pep763")

    rows = list(csv.DictReader(io.StringIO(text)))
    assert list(rows[0]) == output.CSV_COLUMNS
    assert {row["preset"] for row in rows} == {"npm", "pep763"}
    totals = {(r["preset"], r["item"]): r for r in rows if r["section"] == "totals"}
    assert totals["npm", "projects"]["total"] == "18"
    assert totals["npm", "projects"]["deletable"] == "9"
    assert totals["npm", "files"]["share"] == "0.2817"
    assert sum(1 for r in rows if r["section"] == "decile") == 2 * 10
    top = [r for r in rows if r["section"] == "top_downloaded" and r["item"] == "tinypad"]
    assert [(r["preset"], r["rank"], r["allowed"], r["rule"]) for r in top] == [
        ("npm", "1", "false", "npm.dependents"),
        ("pep763", "1", "false", "pep763.project-releases"),
    ]
    assert sum(1 for r in rows if r["section"] == "top_depended") == 2 * 2


def test_json_has_stable_keys(demo):
    data = json.loads(report("--now", NOW, "--format", "json")[0])

    assert sorted(data) == ["deciles", "live", "now", "presets", "top_depended", "top_downloaded"]
    assert data["now"] == NOW
    assert data["live"] == {"projects": 18, "releases": 26, "files": 71}
    first = data["presets"][0]
    assert sorted(first) == [
        "configured",
        "deciles",
        "files",
        "parameters",
        "preset",
        "projects",
        "releases",
    ]
    assert first["preset"] == "proposal-2022"
    assert first["projects"] == {"total": 18, "deletable": 2, "share": 0.1111}
    assert first["parameters"]["last_release_is_project"] == 1
    assert first["deciles"][0] == {"decile": 1, "total": 2, "deletable": 0, "share": 0.0}
    assert data["top_downloaded"][0]["project"] == "tinypad"
    assert data["top_downloaded"][0]["presets"]["pypi-2025"] == {
        "allowed": True,
        "rule": "pypi-2025.any-time",
    }
    assert [entry["project"] for entry in data["top_depended"]] == ["tinypad", "atomicfiles"]


def test_an_unknown_preset_lists_the_valid_ones(db):
    with pytest.raises(CommandError) as raised:
        report("--preset", "npm", "--preset", "left-pad")

    message = str(raised.value)
    assert "'left-pad'" in message
    for name in policy.PRESETS:
        assert name in message


@pytest.mark.parametrize("bad", ["yesterday", "2026-13-01", "15/01/2026"])
def test_a_bad_now_says_how_to_write_it(db, bad):
    with pytest.raises(CommandError, match="is not an ISO 8601 time"):
        report("--now", bad)


def test_a_now_without_offset_is_read_in_the_time_zone(demo):
    assert report("--now", "2026-01-15T12:00:00", "--format", "json") == report(
        "--now", NOW, "--format", "json"
    )


def test_the_progress_bar_goes_to_stderr_only_when_asked(demo):
    quiet_out, quiet_err = report("--now", NOW, "--format", "json")
    out, err = report("--now", NOW, "--format", "json", "--progress")

    assert quiet_err == ""
    assert "Judging projects [" in err and "100% (18 of 18)" in err
    assert out == quiet_out
    json.loads(out)


# The admin page ------------------------------------------------------------------------------


@pytest.fixture
def staff_without_permission(db):
    return UserFactory(username="staff-only", is_staff=True)


def chart_of(page):
    start = page.index('<svg xmlns="http://www.w3.org/2000/svg"')
    return page[start : page.index("</svg>", start)]


@pytest.mark.parametrize("who", ["support_client", "registry_admin_client"])
def test_the_page_draws_one_bar_per_decile_and_preset(demo, at_seeded, request, who):
    client = request.getfixturevalue(who)

    page = client.get(PAGE).content.decode()

    svg = chart_of(page)
    assert '<title id="chart-title">' in svg and '<desc id="chart-desc">' in svg
    assert svg.count('<g class="bar-group"') == 10
    assert svg.count('<rect class="bar"') == 10 * len(policy.PRESETS)
    for name in policy.PRESETS:
        assert svg.count(f'data-preset="{name}"') == 10
        assert f">{name}</text>" in svg  # the legend
    assert "Popularity decile" in svg and "Share of projects deletable" in svg
    assert "pypi-2025, decile 1: 2 of 2 projects (100.0%)" in svg
    assert 'id="decile-table"' in page  # the same figures, without the chart
    assert "tinypad" in page[page.index('id="top-downloaded"') :]
    assert "Computed at" in page


def test_the_page_is_refused_to_maintainers_and_staff_without_the_permission(
    client, demo, staff_without_permission
):
    client.force_login(Project.objects.get(name="tinypad").roles.get().user)  # alice
    response = client.get(PAGE)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("admin:login"))

    client.force_login(staff_without_permission)
    assert client.get(PAGE).status_code == 403
    assert reverse("admin:registry_policy_report") not in client.get("/admin/").content.decode()


def test_the_admin_index_links_to_the_page(support_client):
    assert reverse("admin:registry_policy_report") == PAGE
    assert PAGE in support_client.get("/admin/").content.decode()


def test_the_result_is_cached_for_the_hour(
    support_client, demo, at_seeded, django_assert_max_num_queries
):
    first = support_client.get(PAGE)
    assert first.status_code == 200
    ProjectFactory(name="brand-new")  # not seen until the hour ends or an admin recomputes

    with django_assert_max_num_queries(12):
        page = support_client.get(PAGE).content.decode()
    assert "18 live projects" in page


def test_only_admins_recompute(support_client, demo, at_seeded, registry_admin):
    assert 'id="recompute"' not in support_client.get(PAGE).content.decode()
    ProjectFactory(name="brand-new")
    assert support_client.post(PAGE).status_code == 403

    support_client.force_login(registry_admin)
    page = support_client.get(PAGE).content.decode()
    assert 'id="recompute"' in page and "csrfmiddlewaretoken" in page
    assert "18 live projects" in page
    response = support_client.post(PAGE)
    assert response.status_code == 302 and response["Location"] == PAGE
    assert "19 live projects" in support_client.get(PAGE).content.decode()


def test_the_recompute_button_needs_the_csrf_token(demo, registry_admin):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(registry_admin)
    assert client.post(PAGE).status_code == 403


def test_the_page_shows_only_the_presets_asked_for(support_client, demo, at_seeded):
    page = support_client.get(f"{PAGE}?preset=npm&preset=immutable").content.decode()

    svg = chart_of(page)
    assert svg.count('<rect class="bar"') == 2 * 10
    assert 'data-preset="pep763"' not in svg

    page = support_client.get(f"{PAGE}?preset=left-pad", follow=True).content.decode()
    assert "Unknown deletion policy preset" in page
    assert chart_of(page).count('<rect class="bar"') == 10 * len(policy.PRESETS)


def test_the_chart_colours_stand_out_from_the_white_plot():
    def luminance(colour):
        channels = [int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
        linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
        return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]

    for colour in chart.PALETTE:
        assert (1.05) / (luminance(colour) + 0.05) >= 3, colour
    assert len(set(chart.PALETTE)) >= len(policy.PRESETS)
