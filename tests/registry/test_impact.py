"""registry.impact: the figures every page shows before a removal, pinned on a seeded graph.

The graph around `tinypad` (releases 0.9, 1.0, 1.1 yanked, 2.0; it also requires itself):

    app-a    requires tinypad>=1.0      (gone-tool, removed, requires app-a)
    app-b    requires tinypad==1.0
    lib-c    requires tinypad           tool-d requires lib-c: a dependent of a dependent
    lib-self requires tinypad>=1.0,<2   and itself
    gone-app requires tinypad==2.0      but the project is removed
    dropped-app's 1.0 required tinypad==2.0; its latest release, 2.0, does not
"""

from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from registry import services
from registry.impact import NAMES_SHOWN, Impact, impact_of
from registry.models import File, Popularity, RoleName
from tests.factories import (
    DependencyFactory,
    DownloadCountFactory,
    FileFactory,
    ProjectFactory,
    ReleaseFactory,
    RoleFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

NOW = datetime(2025, 6, 30, 12, 0, tzinfo=UTC)
HOUR = timedelta(hours=1)
DAY = timedelta(days=1)
AGE = timedelta(days=400)


def make(name, *versions, files=1):
    """A project 400 days old with `versions` released an hour apart, `files` wheels each."""
    project = ProjectFactory(name=name, created_at=NOW - AGE)
    for index, version in enumerate(versions or ("1.0",)):
        created = NOW - AGE + index * HOUR
        release = ReleaseFactory(project=project, version=version, created_at=created)
        for _ in range(files):
            FileFactory(release=release, uploaded_at=created)
    return project


def latest(project):
    return project.releases.order_by("-created_at", "-pk").first()


def require(project, name, specifier="", *, release=None):
    DependencyFactory(release=release or latest(project), name=name, specifier=specifier)
    return project


def dependent(name, specifier="", *, on="tinypad"):
    return require(make(name), on, specifier)


def remove(project, admin):
    services.remove_project(
        project=project, actor=admin, reason="Gone", category="admin", now=NOW - DAY
    )


@pytest.fixture
def graph(registry_admin):
    tinypad = make("tinypad", "0.9", "1.0", "1.1", "2.0", files=2)
    releases = {release.version: release for release in tinypad.releases.all()}
    alice, bob = UserFactory(username="alice"), UserFactory(username="bob")
    RoleFactory(project=tinypad, user=bob, role=RoleName.OWNER)
    RoleFactory(project=tinypad, user=alice, role=RoleName.OWNER)
    RoleFactory(project=tinypad, user=UserFactory(username="carol"), role=RoleName.MAINTAINER)
    RoleFactory(
        project=tinypad, user=UserFactory(username="dave"), role=RoleName.OWNER, ended_at=NOW
    )
    services.yank_release(release=releases["1.1"], actor=alice, reason="Broken", now=NOW - DAY)
    require(tinypad, "tinypad", ">=1")

    app_a = dependent("app-a", ">=1.0")
    dependent("app-b", "==1.0")
    lib_c = dependent("lib-c")
    require(dependent("lib-self", "<2,>=1.0"), "lib-self")
    dependent("tool-d", on="lib-c")
    remove(dependent("gone-app", "==2.0"), registry_admin)
    remove(dependent("gone-tool", on="app-a"), registry_admin)
    dropped = make("dropped-app", "1.0", "2.0")
    require(dropped, "tinypad", "==2.0", release=dropped.releases.get(version="1.0"))
    return {"tinypad": tinypad, "app-a": app_a, "lib-c": lib_c, **releases}


def test_direct_dependents_and_those_with_dependents_of_their_own(graph):
    impact = impact_of(graph["tinypad"], now=NOW)

    # Not tinypad itself, not gone-app (removed), not dropped-app (its latest release dropped it).
    assert impact.dependents == 4
    assert impact.dependent_names == ("app-a", "app-b", "lib-c", "lib-self")
    assert impact.more_dependents == 0
    # lib-c (tool-d depends on it); not lib-self (only itself), not app-a (gone-tool is removed).
    assert impact.dependents_with_dependents == 1
    assert impact.release is None


def test_the_first_names_only_and_how_many_more():
    target = make("tinypad")
    for n in range(NAMES_SHOWN + 2):
        dependent(f"dep-{n:02}")

    impact = impact_of(target, now=NOW)

    assert impact.dependents == NAMES_SHOWN + 2
    assert impact.dependent_names == tuple(f"dep-{n:02}" for n in range(NAMES_SHOWN))
    assert impact.more_dependents == 2
    assert impact.dependents_with_dependents == 0


def test_downloads_of_the_last_7_and_30_days_to_the_day(graph):
    tinypad = graph["tinypad"]
    file = File.objects.filter(release__project=tinypad).first()
    # now - 7 days is 23 June, now - 30 days is 31 May: those days are outside their window.
    for day, count in [(30, 1), (24, 10), (23, 100), (1, 1_000)]:
        DownloadCountFactory(
            file=file, project=tinypad, day=NOW.date().replace(day=day), count=count
        )
    DownloadCountFactory(file=file, project=tinypad, day=NOW.date() - 30 * DAY, count=10_000)
    other = File.objects.filter(release__project=graph["app-a"]).first()
    DownloadCountFactory(file=other, day=NOW.date(), count=100_000)

    impact = impact_of(tinypad, now=NOW)

    assert (impact.downloads_7_days, impact.downloads_30_days) == (11, 1_111)


def test_rank_and_critical_come_from_popularity(graph):
    tinypad = graph["tinypad"]
    unranked = impact_of(tinypad, now=NOW)
    assert (unranked.rank, unranked.ranked_among, unranked.critical) == (None, 0, False)

    Popularity.objects.create(
        project=tinypad,
        downloads_30_days=1_111,
        rank=3,
        ranked_among=40,
        critical=True,
        computed_at=NOW - HOUR,
    )
    impact = impact_of(tinypad, now=NOW)

    assert (impact.rank, impact.ranked_among, impact.critical) == (3, 40, True)


def test_age_and_the_active_owners_alphabetically(graph):
    impact = impact_of(graph["tinypad"], now=NOW)

    assert impact.owners == ("alice", "bob")  # not carol (maintainer), not dave (role ended)
    assert (impact.created_at, impact.age) == (NOW - AGE, AGE)


# What removing a release does to what dependents resolve to ---------------------------------


def test_the_only_match_of_a_pinned_dependent(graph):
    impact = impact_of(graph["tinypad"], now=NOW, release=graph["1.0"])

    assert (impact.release, impact.whole_release) == ("1.0", True)
    # app-b pins ==1.0; lib-self's other match, 1.1, is yanked, so it does not count.
    assert impact.only_match_for == ("app-b", "lib-self")
    # app-a (>=1.0) and lib-c (anything) resolve to 2.0, not 1.0.
    assert impact.newest_match_for == ()


def test_the_newest_match_of_an_open_requirement(graph):
    impact = impact_of(graph["tinypad"], now=NOW, release=graph["2.0"])

    # Older matches remain (1.0, and 0.9 for lib-c): they install those instead.
    assert impact.newest_match_for == ("app-a", "lib-c")
    # Neither gone-app (removed) nor dropped-app (no longer requires it) counts, though both
    # pinned ==2.0, nor tinypad's requirement of itself.
    assert impact.only_match_for == ()


@pytest.mark.parametrize("version", ["1.1", "0.9"])
def test_a_release_that_no_dependent_resolves_to_changes_nothing(graph, version):
    # 1.1 is yanked: it never matches. 0.9 matches only lib-c, which has newer matches.
    impact = impact_of(graph["tinypad"], now=NOW, release=graph[version])

    assert (impact.release, impact.whole_release) == (version, True)
    assert (impact.newest_match_for, impact.only_match_for) == ((), ())


def test_files_that_leave_others_of_their_release_claim_nothing(graph):
    kept, chosen = graph["1.0"].files.order_by("filename")

    some = impact_of(graph["tinypad"], now=NOW, files=[chosen])
    every = impact_of(graph["tinypad"], now=NOW, files=[kept, chosen])

    assert (some.release, some.whole_release) == ("1.0", False)
    assert (some.newest_match_for, some.only_match_for) == ((), ())
    assert (every.release, every.whole_release) == ("1.0", True)
    assert every.only_match_for == ("app-b", "lib-self")


def test_the_last_live_files_of_a_release_are_the_whole_release(graph, registry_admin):
    gone, last = graph["2.0"].files.order_by("filename")
    services.remove_files(
        files=[gone], actor=registry_admin, reason="Broken", category="admin", now=NOW - HOUR
    )

    impact = impact_of(graph["tinypad"], now=NOW, files=[last])

    assert impact.whole_release is True
    assert impact.newest_match_for == ("app-a", "lib-c")


# A fixed number of queries whatever the graph -------------------------------------------------


def fan(name, count):
    """`name` with `count` dependents (pinned to its 1.0), each with a dependent of its own."""
    target = make(name, "1.0", "2.0")
    for n in range(count):
        dependent(f"{name}-user-{n}", "==1.0", on=name)
        dependent(f"{name}-user-{n}-app", on=f"{name}-user-{n}")
    return target


def test_the_number_of_queries_does_not_grow_with_the_graph(django_assert_num_queries):
    small, large = fan("small", 3), fan("large", 60)
    small_release = small.releases.get(version="1.0")
    large_release = large.releases.get(version="1.0")

    with CaptureQueriesContext(connection) as measured:
        small_impact = impact_of(small, now=NOW, release=small_release)
    with django_assert_num_queries(len(measured.captured_queries)):
        large_impact = impact_of(large, now=NOW, release=large_release)

    assert len(measured.captured_queries) <= 8  # as registry/impact.py promises
    assert (small_impact.dependents, small_impact.dependents_with_dependents) == (3, 3)
    assert (large_impact.dependents, large_impact.dependents_with_dependents) == (60, 60)
    assert len(large_impact.only_match_for) == 60


# In words ------------------------------------------------------------------------------------


def impact(**changes):
    figures = {
        "project": "tinypad",
        "now": NOW,
        "created_at": NOW - AGE,
        "dependents": 0,
        "dependent_names": (),
        "dependents_with_dependents": 0,
        "downloads_7_days": 0,
        "downloads_30_days": 0,
        "rank": None,
        "ranked_among": 0,
        "critical": False,
        "owners": ("alice",),
    }
    return Impact(**{**figures, **changes})


@pytest.mark.parametrize(
    ("dependents", "with_dependents", "sentence"),
    [
        (0, 0, "No other project depends on tinypad."),
        (1, 0, "1 other project depends on tinypad."),
        (1, 1, "1 other project depends on tinypad; it has dependents of its own."),
        (2, 0, "2 other projects depend on tinypad."),
        (2, 1, "2 other projects depend on tinypad; 1 of them has dependents of its own."),
        (
            1_200,
            1_100,
            "1,200 other projects depend on tinypad; 1,100 of them have dependents of their own.",
        ),
    ],
)
def test_the_dependents_in_words(dependents, with_dependents, sentence):
    said = impact(dependents=dependents, dependents_with_dependents=with_dependents).sentences()
    assert said[0] == sentence


@pytest.mark.parametrize(
    ("figures", "sentence"),
    [
        ({}, "tinypad had 0 downloads in the last 7 days and 0 in the last 30."),
        (
            {"downloads_7_days": 1, "downloads_30_days": 1, "rank": 1, "ranked_among": 1},
            "tinypad had 1 download in the last 7 days and 1 in the last 30, ranked 1 of 1 "
            "projects by downloads.",
        ),
        (
            {
                "downloads_7_days": 63_000,
                "downloads_30_days": 250_000,
                "rank": 12,
                "ranked_among": 4_000,
            },
            "tinypad had 63,000 downloads in the last 7 days and 250,000 in the last 30, ranked "
            "12 of 4,000 projects by downloads.",
        ),
        # A rank among projects nobody downloaded says nothing.
        (
            {"rank": 3, "ranked_among": 3},
            "tinypad had 0 downloads in the last 7 days and 0 in the last 30.",
        ),
    ],
)
def test_the_downloads_in_words(figures, sentence):
    assert impact(**figures).sentences()[1] == sentence


def test_the_sentences_of_a_release_most_serious_first():
    said = impact(
        release="1.0",
        only_match_for=("app-b",),
        newest_match_for=("app-a", "lib-c"),
        dependents=3,
        critical=True,
        owners=("alice", "bob"),
    ).sentences()

    assert said == [
        "Release 1.0 is the only live release that app-b can install: removing it breaks it.",
        "Release 1.0 is what app-a and lib-c resolve to now: removing it makes them install an "
        "older release.",
        "3 other projects depend on tinypad.",
        "tinypad had 0 downloads in the last 7 days and 0 in the last 30.",
        "tinypad is a critical project: among the most downloaded of all.",
        "tinypad is 400 days old; its owners are alice and bob.",
    ]


def test_one_dependent_broken_or_moved_is_said_in_the_singular_and_several_in_the_plural():
    one = impact(release="1.0", only_match_for=("app-b",), newest_match_for=("app-a",))
    several = impact(release="1.0", only_match_for=("app-b", "lib-self"))

    assert one.sentences()[:2] == [
        "Release 1.0 is the only live release that app-b can install: removing it breaks it.",
        "Release 1.0 is what app-a resolves to now: removing it makes it install an older release.",
    ]
    assert several.sentences()[0] == (
        "Release 1.0 is the only live release that app-b and lib-self can install: removing it "
        "breaks them."
    )


def test_files_that_leave_the_release_say_so():
    said = impact(release="1.0", whole_release=False).sentences()
    assert said[0] == "Other files of release 1.0 stay, so installers still find the release."


@pytest.mark.parametrize(
    ("owners", "words"),
    [
        ((), "tinypad is 400 days old; it has no owner."),
        (("alice",), "tinypad is 400 days old; its owner is alice."),
        (
            ("alice", "bob", "carol"),
            "tinypad is 400 days old; its owners are alice, bob and carol.",
        ),
    ],
)
def test_the_age_and_owners_in_words(owners, words):
    assert impact(owners=owners).sentences()[-1] == words
