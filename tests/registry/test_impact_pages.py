"""The impact summary and refusals on the maintainers' confirmation pages, "Yank its releases"
and the critical badge (issue #13).

The scenario is the issue's: tinypad, owned by alice, one release 1.0.0 three years old, 8
projects whose latest release requires tinypad>=1.0, 9,000 downloads a day (63,000 in 7 days).
"""

import re
from datetime import timedelta

import pytest
from django.db import connection
from django.test import override_settings
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from registry import services
from registry.models import Release, RoleName
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

DAY = timedelta(days=1)
YEARS_3 = timedelta(days=3 * 365)
REASON = "Superseded by tinypad2"
DEPENDED_ON = "8 other projects depend on tinypad"


@pytest.fixture(autouse=True)
def default_policy(settings):
    """The issue's default preset, whatever the environment says; no moderation links."""
    settings.HOLDFAST_POLICY = "proposal-2022"
    settings.HOLDFAST_EXCEPTION_REQUEST_URL_NAME = None
    settings.HOLDFAST_STAGED_REMOVAL_URL_NAME = None


@pytest.fixture
def alice(db):
    return UserFactory(username="alice")


def add_dependents(count, *, start=0):
    """`count` projects whose latest release requires tinypad>=1.0."""
    for n in range(start, start + count):
        release = ReleaseFactory(project=ProjectFactory(name=f"app-{n:02d}"), version="2.0")
        DependencyFactory(release=release, name="tinypad", specifier=">=1.0")


def build_tinypad(owner, *, files=1, dependents=8):
    """tinypad as in the issue: 1.0.0 three years old, `dependents` users, 9,000 downloads a
    day for the last 30 days (63,000 in 7 days, 270,000 in 30)."""
    now = timezone.now()
    created = now - YEARS_3
    project = ProjectFactory(name="tinypad", created_at=created)
    RoleFactory(project=project, user=owner, role=RoleName.OWNER, created_at=created)
    release = ReleaseFactory(project=project, version="1.0.0", created_at=created)
    wheels = [FileFactory(release=release, uploaded_at=created) for _ in range(files)]
    for day in range(30):
        DownloadCountFactory(file=wheels[0], day=(now - day * DAY).date(), count=9_000)
    add_dependents(dependents)
    return project


@pytest.fixture
def tinypad(alice):
    return build_tinypad(alice)


@pytest.fixture
def alice_client(client, alice):
    client.force_login(alice)
    return client


def url(name, project, **kwargs):
    return reverse(f"registry:{name}", kwargs={"name": project.normalized_name, **kwargs})


def page(response):
    return response.content.decode()


def rule_id(response):
    """The rule ids a page names in small print."""
    return re.findall(r'<code class="rule-id"[^>]*>([^<]+)</code>', page(response))


def count_queries(client, path, query=None):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(path, query or {})
    assert response.status_code == 200
    return len(queries)


def same_queries_after(grow, client, path, assert_num_queries, query=None):
    """GET `path`, `grow()` the data, GET it again in exactly as many queries; return that
    response."""
    few = count_queries(client, path, query)
    grow()
    with assert_num_queries(few):
        response = client.get(path, query or {})
    assert response.status_code == 200
    return response


# The scenario --------------------------------------------------------------------------


def test_removing_tinypads_only_release_is_refused_with_the_rule_and_the_figures(
    alice_client, tinypad
):
    path = url("remove_release", tinypad, version="1.0.0")

    response = alice_client.get(path)

    assert response.status_code == 200
    text = page(response)
    assert "last-release.is-project" in rule_id(response)
    assert "Not allowed now." in text
    assert 'name="confirm_name"' not in text  # No form under a refusal.
    assert DEPENDED_ON in text
    assert "63,000" in text
    assert 'class="impact' in text
    # The impact summary comes before the refusal, and names what breaks.
    assert text.index("What this would affect") < text.index("Not allowed now.")
    assert "the only live release that" in text

    posted = alice_client.post(path, {"confirm_name": "tinypad", "reason": REASON})

    assert posted.status_code == 403
    text = page(posted)
    assert "last-release.is-project" in rule_id(posted)
    assert DEPENDED_ON in text and "63,000" in text
    assert not Release.objects.get(project=tinypad).is_removed


def test_the_project_removal_refusal_offers_yank_its_releases_first(alice_client, tinypad):
    response = alice_client.get(url("remove", tinypad))

    assert response.status_code == 200
    text = page(response)
    assert "Not allowed now." in text
    assert DEPENDED_ON in text and "63,000" in text
    link = f'<a href="{url("yank_releases", tinypad)}">Yank its releases</a>'
    assert link in text
    # Offered first among the alternatives.
    alternatives = re.findall(r"<li>(?:<a [^>]*>|<strong>)([^<]+)</", text.split("instead:")[1])
    assert alternatives[0] == "Yank its releases"


def test_yank_its_releases_from_the_refusal_yanks_every_release(alice_client, alice, tinypad):
    path = url("yank_releases", tinypad)

    response = alice_client.get(path)

    assert response.status_code == 200
    text = page(response)
    assert "<code>1.0.0</code>" in text
    assert "1 release to yank" in text
    assert 'name="reason"' in text

    posted = alice_client.post(path, {"reason": REASON})

    assert posted.status_code == 302
    assert posted["Location"] == url("project", tinypad)
    release = Release.objects.get(project=tinypad)
    assert release.yanked and release.yanked_reason == REASON and release.yanked_by == alice
    row = release.history.latest("history_date")
    assert (row.history_user, row.history_change_reason) == (alice, REASON)
    # Nothing left: the page says so and offers no form.
    again = alice_client.get(path)
    assert "nothing is left to yank" in page(again)
    assert 'name="reason"' not in page(again)
    assert alice_client.post(path, {"reason": REASON}).status_code == 403


@override_settings(HOLDFAST_POLICY="pypi-2025")
def test_under_pypi_2025_the_same_removal_is_allowed_and_shows_the_impact(alice_client, tinypad):
    path = url("remove_release", tinypad, version="1.0.0")

    response = alice_client.get(path)

    assert response.status_code == 200
    text = page(response)
    assert "Not allowed now." not in text
    assert 'name="confirm_name"' in text
    assert DEPENDED_ON in text
    assert "63,000" in text and "270,000" in text
    assert "app-00" in text
    # Shown above the form.
    assert text.index("What this would affect") < text.index('name="confirm_name"')

    posted = alice_client.post(path, {"confirm_name": "tinypad", "reason": REASON})

    assert posted.status_code == 302
    assert Release.objects.get(project=tinypad).is_removed


# The remove-files page: every remaining file of the last release counts as the project ---------


@pytest.fixture
def two_wheels(alice):
    """tinypad whose only release has two files."""
    return build_tinypad(alice, files=2)


def test_the_files_page_says_before_submitting_that_every_file_counts_as_the_project(
    alice_client, two_wheels
):
    response = alice_client.get(url("remove_files", two_wheels, version="1.0.0"))

    assert response.status_code == 200
    text = page(response)
    assert "Choosing every remaining file counts as removing tinypad" in text
    assert "last-release.is-project" in rule_id(response)
    assert DEPENDED_ON in text and "63,000" in text
    assert "You may remove some of these files, but not all of them at once" in text
    assert 'name="files"' in text  # One of them may still go.


def test_posting_every_remaining_file_is_refused_together(alice_client, two_wheels):
    path = url("remove_files", two_wheels, version="1.0.0")
    filenames = sorted(two_wheels.releases.get().files.values_list("filename", flat=True))

    posted = alice_client.post(
        path, {"files": filenames, "confirm_name": "tinypad", "reason": REASON}
    )

    assert posted.status_code == 403
    text = page(posted)
    assert "last-release.is-project" in rule_id(posted)
    assert DEPENDED_ON in text and "63,000" in text
    assert "What you can do instead:" in text and "Yank the release" in text
    # The impact of the chosen set: the whole release, so the dependents it breaks.
    assert "What this would affect" in text and "the only live release that" in text
    assert not two_wheels.releases.get().files.filter(removed_at__isnull=False).exists()

    one = alice_client.post(
        path, {"files": filenames[:1], "confirm_name": "tinypad", "reason": REASON}
    )

    assert one.status_code == 302
    assert two_wheels.releases.get().files.filter(removed_at__isnull=False).count() == 1


def test_the_impact_follows_the_files_chosen(alice_client, two_wheels):
    filename = two_wheels.releases.get().files.order_by("filename").first().filename
    path = url("remove_files", two_wheels, version="1.0.0")

    one = page(alice_client.get(path, {"file": filename}))
    every = page(alice_client.get(path))

    assert "Other files of release 1.0.0 stay" in one
    assert "the only live release that" not in one
    assert "Until you choose" in every and "the only live release that" in every


@override_settings(HOLDFAST_POLICY="pypi-2025")
def test_without_the_flag_the_files_page_has_no_warning(alice_client, two_wheels):
    path = url("remove_files", two_wheels, version="1.0.0")
    filenames = list(two_wheels.releases.get().files.values_list("filename", flat=True))

    text = page(alice_client.get(path))
    assert "counts as removing" not in text
    assert "What this would affect" in text
    posted = alice_client.post(
        path, {"files": filenames, "confirm_name": "tinypad", "reason": REASON}
    )
    assert posted.status_code == 302


def test_a_young_project_says_every_file_counts_as_the_project_and_allows_it(alice_client, alice):
    project = build_tinypad(alice, files=2, dependents=0)
    project.created_at = timezone.now() - DAY
    project.save()

    text = page(alice_client.get(url("remove_files", project, version="1.0.0")))

    assert "Choosing every remaining file counts as removing tinypad" in text
    assert "The policy allows that now:" in text


def test_a_project_with_another_release_has_no_warning(alice_client, two_wheels):
    ReleaseFactory(project=two_wheels, version="0.9", created_at=timezone.now() - YEARS_3)
    FileFactory(release=two_wheels.releases.get(version="0.9"))

    text = page(alice_client.get(url("remove_files", two_wheels, version="1.0.0")))

    assert "counts as removing" not in text
    assert "What this would affect" in text


# Every confirmation page -------------------------------------------------------------------------


def confirmation_pages(project):
    return {
        "remove": url("remove", project),
        "remove_release": url("remove_release", project, version="1.0.0"),
        "remove_files": url("remove_files", project, version="1.0.0"),
        "deprecate": url("deprecate", project),
        "yank_releases": url("yank_releases", project),
    }


@pytest.mark.parametrize("name", ["remove", "remove_release", "remove_files", "deprecate"])
def test_each_confirmation_page_shows_the_impact(alice_client, tinypad, name):
    text = page(alice_client.get(confirmation_pages(tinypad)[name]))

    assert "What this would affect" in text
    assert DEPENDED_ON in text and "63,000" in text
    assert "alice" in text  # The owners.


@pytest.mark.parametrize("name", ["remove", "remove_release", "remove_files", "deprecate"])
@pytest.mark.parametrize("policy", ["proposal-2022", "pypi-2025"])
def test_confirmation_pages_take_the_same_queries_for_8_and_40_dependents(
    alice_client, alice, name, policy, settings, django_assert_num_queries
):
    settings.HOLDFAST_POLICY = policy
    project = build_tinypad(alice, files=2)
    path = confirmation_pages(project)[name]
    response = same_queries_after(
        lambda: add_dependents(32, start=8), alice_client, path, django_assert_num_queries
    )
    assert "40 other projects depend on tinypad" in page(response)


def test_yank_releases_takes_the_same_queries_for_2_and_40_releases(
    alice_client, tinypad, django_assert_num_queries
):
    ReleaseFactory(project=tinypad, version="1.1.0")

    def grow():
        for n in range(2, 40):
            ReleaseFactory(project=tinypad, version=f"1.{n}.0")

    path = url("yank_releases", tinypad)
    response = same_queries_after(grow, alice_client, path, django_assert_num_queries)
    assert "40 releases to yank" in page(response)


def test_the_impact_is_computed_once_per_request(alice_client, tinypad, monkeypatch):
    from registry.views import actions

    calls = []
    real = actions.impact_of

    def counting(*args, **kwargs):
        calls.append(kwargs)
        return real(*args, **kwargs)

    monkeypatch.setattr(actions, "impact_of", counting)
    alice_client.post(
        url("remove_release", tinypad, version="1.0.0"),
        {"confirm_name": "tinypad", "reason": REASON},
    )
    assert len(calls) == 1


# Yank its releases: who may, and the page's refusals ---------------------------------------------


def test_a_maintainer_may_yank_every_release(client, tinypad):
    maintainer = UserFactory(username="mo")
    RoleFactory(project=tinypad, user=maintainer, role=RoleName.MAINTAINER)
    client.force_login(maintainer)

    response = client.post(url("yank_releases", tinypad), {"reason": REASON})

    assert response.status_code == 302
    assert Release.objects.get(project=tinypad).yanked_by == maintainer


def test_a_quarantined_project_cannot_be_yanked_by_its_owner(alice_client, tinypad):
    tinypad.status = "quarantined"
    tinypad.save()
    path = url("yank_releases", tinypad)

    shown = alice_client.get(path)
    posted = alice_client.post(path, {"reason": REASON})

    assert "status.quarantined" in rule_id(shown)
    assert 'name="reason"' not in page(shown)
    assert posted.status_code == 403
    assert not Release.objects.get(project=tinypad).yanked


def test_someone_without_a_role_cannot_open_yank_releases(client, tinypad):
    client.force_login(UserFactory(username="mallory"))

    assert client.get(url("yank_releases", tinypad)).status_code == 403
    assert client.post(url("yank_releases", tinypad), {"reason": REASON}).status_code == 403
    assert not Release.objects.get(project=tinypad).yanked


def test_yank_releases_lists_only_live_releases_not_yet_yanked(alice_client, alice, tinypad):
    now = timezone.now()
    yanked = ReleaseFactory(project=tinypad, version="0.9.0", created_at=now - 2 * DAY)
    services.yank_release(release=yanked, actor=alice, reason="old")
    gone = ReleaseFactory(project=tinypad, version="0.8.0", created_at=now - 3 * DAY)
    services.remove_release(release=gone, actor=alice, reason="mistake")
    ReleaseFactory(project=tinypad, version="1.1.0", created_at=now - DAY)

    text = page(alice_client.get(url("yank_releases", tinypad)))

    assert "2 releases to yank" in text
    assert "<code>1.1.0</code>" in text and "<code>1.0.0</code>" in text
    assert "<code>0.9.0</code>" not in text and "<code>0.8.0</code>" not in text
    assert "The same goes for the 1 other release listed." in text


def test_the_yank_releases_link_is_absent_for_a_removed_project():
    from registry.policy import Alternative
    from registry.views.base import present_alternative

    alternative = Alternative("yank_releases", "Yank its releases", "…")
    live = ProjectFactory.build(name="live-one", normalized_name="live-one")
    removed = ProjectFactory.build(
        name="gone-one", normalized_name="gone-one", removed_at=timezone.now()
    )

    assert present_alternative(alternative, project=live).url == url("yank_releases", live)
    assert present_alternative(alternative, project=removed).url is None


# The critical badge ------------------------------------------------------------------------------


def test_your_projects_and_the_project_page_show_the_critical_badge(alice_client, tinypad):
    quiet = ProjectFactory(name="quiet")
    RoleFactory(project=quiet, user=tinypad.roles.get().user, role=RoleName.OWNER)
    services.recompute_popularity(now=timezone.now(), percent=1.0)

    listing = page(alice_client.get(reverse("registry:projects")))
    card = listing.split("tinypad</a>")[1].split("</h2>")[0]
    assert "critical project" in card
    assert "critical project" not in listing.split("quiet</a>")[1].split("</h2>")[0]

    text = page(alice_client.get(url("project", tinypad)))
    heading = text.split("<h1>")[1].split("</h1>")[0]
    assert "critical project" in heading
    assert "Ranked 1 of 10 projects by downloads in the last 30 days (270,000)" in text
    assert "critical project" not in page(alice_client.get(url("project", quiet)))


def test_your_projects_takes_the_same_queries_with_critical_projects(
    alice_client, alice, tinypad, django_assert_num_queries
):
    def grow():
        for n in range(20):
            project = ProjectFactory(name=f"mine-{n}")
            RoleFactory(project=project, user=alice, role=RoleName.OWNER)
        services.recompute_popularity(now=timezone.now(), percent=50.0)

    path = reverse("registry:projects")
    response = same_queries_after(grow, alice_client, path, django_assert_num_queries)
    assert page(response).count('class="badge critical"') == 1


def test_the_project_page_takes_the_same_queries_with_popularity(
    alice_client, tinypad, django_assert_num_queries
):
    response = same_queries_after(
        lambda: services.recompute_popularity(now=timezone.now()),
        alice_client,
        url("project", tinypad),
        django_assert_num_queries,
    )
    assert "critical project" in page(response)
