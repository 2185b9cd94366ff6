"""A project's maintainer page at scale: one page of releases, decided on facts read in a fixed
number of queries, with the same decisions as when every release and file is read."""

import hashlib
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from registry import services
from registry.facts import Decider, page_facts, project_facts
from registry.models import DownloadCount, File, PackageType, Release, Role
from registry.policy import (
    PRESETS,
    Action,
    ProjectFacts,
    ReleaseFacts,
    build_config,
    decide,
    versions_summary,
)
from registry.views.projects import RELEASES_PER_PAGE
from tests.factories import (
    DependencyFactory,
    ProjectFactory,
    RemovalEventFactory,
    RoleFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

DASH = "\N{EN DASH}"  # The page writes ranges with it, as in print.

NOW = datetime(2025, 6, 1, 12, 0, tzinfo=UTC)
HOUR = timedelta(hours=1)


def make_project(name, *, owner, versions, created_at, removed=(), files=2, downloads=True):
    """Write `name` with a release per version (the first oldest), `files` live files each
    (sdist and wheels), the versions in `removed` removed, and a few download counts."""
    project = ProjectFactory(name=name, created_at=created_at)
    RoleFactory(project=project, user=owner, role="owner", created_at=created_at)
    event = RemovalEventFactory(project=project) if removed else None
    rows = []
    for n, version in enumerate(versions):
        release = Release(project=project, version=version, created_at=created_at + n * HOUR)
        if version in removed:
            release.removed_at = created_at + (n + 1) * HOUR
            release.removal_event = event
        release._derive()  # bulk_create() does not call save(), which derives these
        rows.append(release)
    rows = Release.objects.bulk_create(rows)
    dist = project.normalized_name.replace("-", "_")
    file_rows = File.objects.bulk_create(
        File(
            release=release,
            filename=(
                f"{dist}-{release.version}.tar.gz"
                if build == 0
                else f"{dist}-{release.version}-{build}-py3-none-any.whl"
            ),
            packagetype=PackageType.SDIST if build == 0 else PackageType.WHEEL,
            python_version="source" if build == 0 else "py3",
            sha256=hashlib.sha256(f"{name}-{release.version}-{build}".encode()).hexdigest(),
            size=100,
            uploaded_at=release.created_at + build * timedelta(minutes=5),
            removed_at=release.removed_at,
            removal_event=release.removal_event,
        )
        for release in rows
        for build in range(files)
    )
    if downloads:
        DownloadCount.objects.bulk_create(
            DownloadCount(
                file=file, project=project, day=(NOW - n * timedelta(days=2)).date(), count=n + 1
            )
            for n, file in enumerate(file_rows[:12])
        )
    return project, rows, file_rows


def newest_first(releases):
    return sorted(releases, key=lambda r: (r.created_at, r.pk), reverse=True)


# Same decisions from one page's facts as from every release's --------------------------------

OLD = NOW - timedelta(days=400)
SHAPES = {
    # name: (versions oldest first, removed versions, created)
    "many-versions": ([f"1.{n}" for n in range(12)], {"1.3", "1.9"}, OLD),
    # A project has one version 0 at most (1.0 and 1.0.0 are one release): 0.0.0 counts.
    "only-zero": (["0.0.0"], set(), OLD),
    "zero-removed": (["v0"], {"v0"}, OLD),
    "zero-then-others": (["0!0", "0.post0", "1!0", "0.dev0", "0a1"], {"0.post0"}, OLD),
    "one-live-left": (["1.0", "2.0", "3.0rc1"], {"1.0", "3.0rc1"}, OLD),
    "all-removed": (["1.0", "0"], {"1.0", "0"}, OLD),
    "never-released": ([], set(), OLD),
    "young": (["1.0", "1.1", "2.0a1"], set(), NOW - 2 * HOUR - 3 * HOUR),
    "young-dev": (["0.1.dev0", "0.1", "0.2"], {"0.1"}, NOW - timedelta(days=3)),
}


def every_question(decider, releases, files_by_release):
    """Every decision the maintainer page asks about `releases` and the project."""
    answers = [decider.decide(action) for action in Action if action.value not in NEEDS_OBJECT]
    for release in releases:
        if release.removed_at is not None:
            continue
        for action in (Action.YANK, Action.UNYANK, Action.DELETE_RELEASE):
            answers.append(decider.decide(action, release=release))
        for file in files_by_release.get(release.pk, []):
            answers.append(decider.decide(Action.DELETE_FILE, release=release, file=file))
    return answers


NEEDS_OBJECT = {"yank", "unyank", "delete_release", "delete_file"}


@pytest.mark.parametrize("preset", sorted(PRESETS))
def test_a_page_of_facts_decides_as_every_release_does(settings, owner, preset):
    settings.HOLDFAST_POLICY = preset
    maintainer = UserFactory(username="page-maintainer")
    admin = UserFactory(username="page-admin", is_superuser=True)
    for name, (versions, removed, created) in SHAPES.items():
        project, releases, files = make_project(
            name, owner=owner, versions=versions, created_at=created, removed=removed
        )
        RoleFactory(project=project, user=maintainer, role="maintainer")
        if name == "many-versions":
            DependencyFactory(release=ReleaseOf("other-needs-it", owner), name=name)
        files_by_release = {}
        for file in files:
            if file.removed_at is None:
                files_by_release.setdefault(file.release_id, []).append(file)
        ordered = newest_first(releases)
        for user in (owner, maintainer, admin):
            whole = Decider(project, user, now=NOW)
            for page in (ordered[:5], ordered[5:10], ordered[10:], []):
                paged = Decider(project, user, now=NOW, releases=()).for_releases(page)
                got = every_question(paged, page, files_by_release)
                expected = every_question(whole, page, files_by_release)
                assert got == expected, (preset, name, user.username, [r.version for r in page])


def ReleaseOf(name, owner):
    """A live release of a new project `name`, to carry a dependency."""
    _project, releases, _files = make_project(
        name, owner=owner, versions=["1.0"], created_at=OLD, downloads=False
    )
    return releases[0]


def test_page_facts_read_only_the_pages_releases_and_sum_up_the_rest(owner):
    project, releases, _files = make_project(
        "sum-it-up",
        owner=owner,
        versions=[f"2.{n}" for n in range(30)] + ["0"],
        removed={"2.0", "2.1"},
        created_at=OLD,
    )
    page = newest_first(releases)[:3]

    facts = page_facts(project, now=NOW, releases=page)
    whole = project_facts(project, now=NOW)

    assert [r.version for r in facts.releases] == ["0", "2.29", "2.28"]
    assert all(len(r.files) == 2 for r in facts.releases)
    assert facts.versions_ever == ()
    assert facts.live_release_count == 29 == len(whole.releases)
    assert facts.versions.count == 31
    assert facts.versions.not_zero_count == 30
    assert facts.versions.not_zero_listed == (
        ("2.29", True),
        ("2.28", True),
        ("2.27", True),
        ("2.26", True),
    )
    assert facts.downloads_total == whole.downloads_total > 0
    assert facts.downloads_last_7_days == whole.downloads_last_7_days > 0


def test_a_decider_asked_about_a_release_off_its_page_says_so(owner):
    project, releases, _files = make_project(
        "off-page", owner=owner, versions=["1.0", "2.0"], created_at=OLD
    )
    decider = Decider(project, owner, now=NOW, releases=()).for_releases(releases[1:])

    with pytest.raises(ValueError, match="not among the releases asked about"):
        decider.decide(Action.DELETE_RELEASE, release=releases[0])


# The page -------------------------------------------------------------------------------------


@pytest.fixture
def owner_client(client, owner):
    client.force_login(owner)
    return client


def page_url(project, page=None):
    url = reverse("registry:project", kwargs={"name": project.normalized_name})
    return url if page is None else f"{url}?page={page}"


def recent_project(name, owner, count, **kwargs):
    versions = [f"1.{n}" for n in range(count)]
    return make_project(
        name,
        owner=owner,
        versions=versions,
        created_at=timezone.now() - timedelta(days=400),
        **kwargs,
    )


# Session, user, project, permissions (2), role; people; release counts, the page of releases and
# their files; the notices (3); the facts (the page's live releases, their files and downloads,
# the project's downloads, owners, dependents, critical, the newest versions); the dependents
# shown: the same whatever the number of releases and files.
PAGE_QUERIES = 22


@pytest.mark.parametrize("count", [3, 60])
def test_the_page_takes_the_same_queries_for_3_or_60_releases(
    owner_client, owner, count, django_assert_num_queries
):
    project, _releases, _files = recent_project(f"q-{count}", owner, count)
    url = page_url(project)

    with django_assert_num_queries(PAGE_QUERIES):
        response = owner_client.get(url)

    assert response.status_code == 200
    shown = min(count, RELEASES_PER_PAGE)
    assert response.content.decode().count('class="release') == shown
    assert f"Releases 1{DASH}{shown} of {count}, newest first" in response.content.decode()


def test_page_2_shows_the_older_releases_with_their_actions_as_before(owner_client, owner):
    project, _releases, _files = recent_project("two-pages", owner, 60, removed={"1.2"})
    body = owner_client.get(page_url(project, 2)).content.decode()

    assert f"Releases 51{DASH}60 of 60, newest first · page 2 of 2" in body
    assert 'id="release-1.9"' in body and 'id="release-1.10"' not in body
    assert 'id="release-1.0"' in body
    name = project.normalized_name
    for version in ("1.0", "1.9"):
        assert reverse("registry:yank", kwargs={"name": name, "version": version}) in body
        assert reverse("registry:remove_release", kwargs={"name": name, "version": version}) in body
    # A removed release is still shown, marked, without actions.
    assert reverse("registry:yank", kwargs={"name": name, "version": "1.2"}) not in body
    assert 'class="release removed" id="release-1.2"' in body
    assert 'href="?page=1#releases-heading" rel="prev">Newer releases' in body
    assert "Older releases" not in body


def test_decisions_on_a_later_page_are_the_ones_every_release_gives(owner_client, owner):
    project, _releases, _files = recent_project("locked-pages", owner, 60)
    body = owner_client.get(page_url(project, 2)).content.decode()
    # The project's removal is judged by every release it ever had, not by this page's.
    assert "has had 60 releases other than version 0 (1.59, 1.58, 1.57, 1.56 and 56 more)" in body

    services.lock_deletions(project=project, actor=owner, reason="Keep everything")
    body = owner_client.get(page_url(project, 2)).content.decode()
    assert body.count("The deletion lock of locked-pages is on") >= 10


@pytest.mark.parametrize(
    ("wanted", "shown"),
    [
        ("abc", 1),
        ("\x00", 1),
        ("9" * 5000, 1),  # Too many digits for a number: not a page number at all.
        ("", 1),
        ("-1", 3),
        ("0", 3),
        ("99999999999999999999999", 3),
        ("4", 3),
    ],
)
def test_a_page_that_does_not_exist_shows_page_1_or_the_last_with_a_notice(
    owner_client, owner, wanted, shown
):
    project, _releases, _files = recent_project("bad-pages", owner, 120, files=1, downloads=False)
    response = owner_client.get(page_url(project), {"page": wanted})

    body = response.content.decode()
    assert response.status_code == 200
    assert f"Page {shown} of 3" in body
    if wanted:
        assert (
            "There is no such page of releases (pages go from 1 to 3), so this is "
            f"page {shown}." in body
        )
    else:
        assert "There is no such page" not in body


def test_a_good_page_number_has_no_notice(owner_client, owner):
    project, _releases, _files = recent_project("good-page", owner, 60, files=1)
    body = owner_client.get(page_url(project), {"page": "02"}).content.decode()

    assert f"Releases 51{DASH}60 of 60" in body
    assert "There is no such page" not in body


def test_yanking_a_release_on_page_2_returns_to_page_2(owner_client, owner):
    project, _releases, _files = recent_project("yank-back", owner, 60, files=1)
    yank = reverse("registry:yank", kwargs={"name": project.normalized_name, "version": "1.5"})

    response = owner_client.post(yank, {"reason": "Broken build"})

    assert response.status_code == 302
    assert response["Location"] == page_url(project, 2)
    page = owner_client.get(response["Location"])
    assert "Yanked yank-back 1.5." in page.content.decode()
    assert Release.objects.get(project=project, version="1.5").yanked


def test_yanking_a_release_on_page_1_returns_to_the_plain_page(owner_client, owner):
    project, _releases, _files = recent_project("yank-first", owner, 3, files=1)
    yank = reverse("registry:yank", kwargs={"name": project.normalized_name, "version": "1.2"})

    response = owner_client.post(yank, {"reason": "Broken build"})

    assert response["Location"] == page_url(project)
    assert Role.objects.filter(project=project).count() == 1


# The pure policy: a summary decides as the versions it sums up -----------------------------


def facts_of(versions, live):
    """ProjectFacts listing every version (newest first), `live` of them still live."""
    return ProjectFacts(
        name="pure",
        created_at=OLD,
        versions_ever=tuple(versions),
        releases=tuple(
            ReleaseFacts(version=v, created_at=OLD, downloads_total=0)
            for v in versions
            if v in live
        ),
        owner_count=1,
        downloads_last_7_days=0,
        downloads_total=0,
        dependent_projects=0,
        deletion_locked=False,
    )


@pytest.mark.parametrize(
    ("versions", "live"),
    [
        ([], set()),
        (["0.0.0"], {"0.0.0"}),
        (["v0"], set()),
        (["1.0", "0"], {"0"}),
        (["2.0", "1.0", "0", "0.post0", "0.dev0", "1!0"], {"2.0", "0"}),
        ([f"1.{n}" for n in range(9)], {"1.2", "1.7"}),
    ],
)
def test_a_versions_summary_decides_as_the_versions_it_sums_up(versions, live):
    config = build_config("proposal-2022", {})
    whole = facts_of(versions, live)
    summed = replace(
        whole,
        versions_ever=(),
        releases=whole.releases[:1],
        live_release_count=len(whole.releases),
        versions=versions_summary(whole),
    )

    def answer(project):
        return decide(Action.DELETE_PROJECT, project=project, actor="owner", now=NOW, config=config)

    assert answer(summed) == answer(whole)


def test_a_preset_that_judges_every_release_refuses_a_summary():
    config = build_config("rubygems", {})
    whole = facts_of(["1.0", "2.0"], {"1.0", "2.0"})
    summed = replace(whole, releases=whole.releases[:1], live_release_count=2)

    with pytest.raises(ValueError, match="judges a project by every live release"):
        decide(Action.DELETE_PROJECT, project=summed, actor="owner", now=NOW, config=config)
