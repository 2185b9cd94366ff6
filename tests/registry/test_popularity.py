"""registry.services.popularity: live projects ranked by 30-day downloads, the critical share,
and the scheduler (`manage.py advance_workflows`) that recomputes them at most once an hour."""

from datetime import UTC, datetime, timedelta
from io import StringIO

import pytest
from django.conf import settings as django_settings
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from registry import services
from registry.models import Popularity
from tests.factories import DownloadCountFactory, FileFactory, ProjectFactory, ReleaseFactory

pytestmark = pytest.mark.django_db

NOW = datetime(2025, 6, 30, 12, 0, tzinfo=UTC)
HOUR = timedelta(hours=1)
DAY = timedelta(days=1)
RANKED = "Ranked projects by their downloads of the last 30 days: "
WOULD_RANK = "Would rank projects by their downloads of the last 30 days."


def downloaded(name, *counts, now=NOW):
    """A project with one file downloaded `counts[i]` times `i` days before `now`."""
    project = ProjectFactory(name=name, created_at=now - 400 * DAY)
    file = FileFactory(release=ReleaseFactory(project=project, created_at=now - 400 * DAY))
    for days_ago, count in enumerate(counts):
        DownloadCountFactory(file=file, day=(now - days_ago * DAY).date(), count=count)
    return project


def figures():
    """{name: (downloads, rank, ranked among, critical)} of every Popularity row."""
    return {
        name: tuple(rest)
        for name, *rest in Popularity.objects.values_list(
            "project__name", "downloads_30_days", "rank", "ranked_among", "critical"
        )
    }


@pytest.fixture
def five():
    """Five live projects: 100, 50, 50, 10 and 0 downloads over the last 30 days."""
    return {
        "a": downloaded("a", 60, 40),
        "b": downloaded("b", 50),
        "c": downloaded("c", 25, 25),
        "d": downloaded("d", 10),
        "e": downloaded("e"),
    }


def test_ranks_follow_downloads_and_ties_share_a_rank(five):
    assert services.recompute_popularity(now=NOW, percent=1) == 1

    assert figures() == {
        "a": (100, 1, 5, True),
        "b": (50, 2, 5, False),
        "c": (50, 2, 5, False),
        "d": (10, 4, 5, False),
        "e": (0, 5, 5, False),
    }
    assert set(Popularity.objects.values_list("computed_at", flat=True)) == {NOW}


def test_only_the_last_30_days_count(five):
    # 30 days before now is outside the window; 29 days before is inside.
    file = five["e"].releases.get().files.get()
    DownloadCountFactory(file=file, day=(NOW - 30 * DAY).date(), count=1_000)
    DownloadCountFactory(file=file, day=(NOW - 29 * DAY).date(), count=7)

    services.recompute_popularity(now=NOW, percent=1)

    assert figures()["e"] == (7, 5, 5, False)


@pytest.mark.parametrize(
    ("percent", "critical"),
    [
        (0, set()),
        (1, {"a"}),  # 5 projects x 1% = 0.05, rounded up: the most used project still counts
        (20, {"a"}),  # exactly 1
        (20.1, {"a", "b", "c"}),  # 1.005 rounded up is 2: rank 2 is shared by b and c
        (60, {"a", "b", "c"}),
        (80, {"a", "b", "c", "d"}),
        (100, {"a", "b", "c", "d"}),  # never e: nobody downloaded it
    ],
)
def test_the_critical_share_is_rounded_up_and_needs_downloads(five, percent, critical):
    returned = services.recompute_popularity(now=NOW, percent=percent)

    assert {name for name, row in figures().items() if row[3]} == critical
    assert returned == len(critical)


def test_a_registry_nobody_downloads_from_has_no_critical_project():
    downloaded("quiet")
    downloaded("silent")

    assert services.recompute_popularity(now=NOW, percent=100) == 0

    assert figures() == {"quiet": (0, 1, 2, False), "silent": (0, 1, 2, False)}


def test_a_removed_project_loses_its_rank_and_its_downloads_count_no_more(five, registry_admin):
    services.recompute_popularity(now=NOW, percent=1)
    services.remove_project(
        project=five["a"], actor=registry_admin, reason="Malware", category="security", now=NOW
    )

    assert services.recompute_popularity(now=NOW + HOUR, percent=1) == 2

    rows = figures()
    _downloads, rank, _among, critical = rows["a"]
    assert (rank, critical) == (None, False)  # the row stays, unranked and not critical
    assert Popularity.objects.get(project=five["a"]).computed_at == NOW + HOUR
    assert {name: row for name, row in rows.items() if name != "a"} == {
        "b": (50, 1, 4, True),
        "c": (50, 1, 4, True),
        "d": (10, 3, 4, False),
        "e": (0, 4, 4, False),
    }


def test_running_it_again_changes_nothing_but_the_time(five):
    services.recompute_popularity(now=NOW, percent=1)
    first = figures()

    assert services.recompute_popularity(now=NOW, percent=1) == 1
    assert figures() == first
    assert Popularity.objects.count() == 5

    services.recompute_popularity(now=NOW + HOUR, percent=1)
    assert figures() == first
    assert set(Popularity.objects.values_list("computed_at", flat=True)) == {NOW + HOUR}


def test_new_downloads_move_the_ranks_on_the_next_run(five):
    services.recompute_popularity(now=NOW, percent=1)
    file = five["e"].releases.get().files.get()
    DownloadCountFactory(file=file, day=NOW.date(), count=500)

    services.recompute_popularity(now=NOW + HOUR, percent=1)

    assert figures()["e"] == (500, 1, 5, True)
    assert figures()["a"] == (100, 2, 5, False)


def test_the_share_comes_from_the_setting(five, settings):
    assert django_settings.HOLDFAST_CRITICAL_PROJECTS_PERCENT == 1.0  # the documented default
    assert services.recompute_popularity(now=NOW) == 1

    settings.HOLDFAST_CRITICAL_PROJECTS_PERCENT = 40  # 2 of 5: ranks 1 and 2 (b and c tie)
    assert services.recompute_popularity(now=NOW) == 3
    assert services.recompute_popularity(now=NOW, percent=0) == 0  # an explicit share wins


def test_recomputing_takes_the_same_queries_for_3_projects_or_30(django_assert_num_queries):
    for n in range(3):
        downloaded(f"small-{n}", n)
    with CaptureQueriesContext(connection) as small:
        services.recompute_popularity(now=NOW)
    for n in range(27):
        downloaded(f"more-{n}", n)

    with django_assert_num_queries(len(small.captured_queries)):
        services.recompute_popularity(now=NOW + HOUR)


def test_the_figures_are_stale_when_never_computed_or_an_hour_old(five):
    assert services.popularity_is_stale(now=NOW)

    services.recompute_popularity(now=NOW)

    assert not services.popularity_is_stale(now=NOW)
    assert not services.popularity_is_stale(now=NOW + HOUR - timedelta(seconds=1))
    assert services.popularity_is_stale(now=NOW + HOUR)
    assert not services.popularity_is_stale(now=NOW + 2 * HOUR, max_age=3 * HOUR)


# The scheduler -------------------------------------------------------------------------------


def advance(*args):
    out = StringIO()
    call_command("advance_workflows", *args, stdout=out)
    return out.getvalue().splitlines()


@pytest.fixture
def now_five():
    """Five projects downloaded up to today (the command reads the clock itself)."""
    now = timezone.now()
    for name, counts in [("a", (100,)), ("b", (50,)), ("c", (50,)), ("d", (10,)), ("e", ())]:
        downloaded(name, *counts, now=now)
    return now


def computed_at():
    return set(Popularity.objects.values_list("computed_at", flat=True))


def test_the_scheduler_ranks_when_the_figures_are_stale_and_not_otherwise(now_five):
    lines = advance()

    assert f"{RANKED}1 critical project." in lines
    assert figures()["a"] == (100, 1, 5, True)
    (first,) = computed_at()
    assert first >= now_five

    # Right after: not stale, so nothing is computed or said (the command stays idempotent).
    lines = advance()
    assert not [line for line in lines if "rank" in line.lower()]
    assert computed_at() == {first}

    # An hour later the figures are stale again.
    Popularity.objects.update(computed_at=first - HOUR)
    assert f"{RANKED}1 critical project." in advance()
    (again,) = computed_at()
    assert again > first - HOUR


def test_a_dry_run_says_it_would_rank_and_changes_nothing(now_five):
    lines = advance("--dry-run")

    assert WOULD_RANK in lines
    assert not Popularity.objects.exists()

    advance()
    stale = timezone.now() - 2 * HOUR
    Popularity.objects.update(computed_at=stale)
    file = FileFactory(release=ReleaseFactory(project=ProjectFactory(name="f")))
    DownloadCountFactory(file=file, day=timezone.now().date(), count=1_000)
    before = figures()

    lines = advance("--dry-run")

    assert WOULD_RANK in lines
    assert figures() == before  # f not ranked, a still first
    assert computed_at() == {stale}


def test_a_dry_run_with_fresh_figures_says_nothing_about_ranks(now_five):
    advance()

    lines = advance("--dry-run")

    assert WOULD_RANK not in lines
    assert not [line for line in lines if "rank" in line.lower()]
