"""The facts the pure policy decides on, read from the database in a fixed number of queries."""

import hashlib
from datetime import UTC, datetime, timedelta

import pytest
from django.contrib.auth.models import AnonymousUser
from django.db import connection
from django.test.utils import CaptureQueriesContext

from registry import facts, services
from registry.distributions import distribution_name
from registry.facts import Decider, actor_role, project_facts
from registry.models import DownloadCount, File, PackageType, Project, Release, Role
from registry.policy import Action, ActorRole, PolicyConfigError
from tests.factories import (
    DependencyFactory,
    DownloadCountFactory,
    FileFactory,
    ProjectFactory,
    ReleaseFactory,
    RoleFactory,
    UserFactory,
    publish,
)

pytestmark = pytest.mark.django_db

NOW = datetime(2025, 6, 1, 12, 0, tzinfo=UTC)
DAY = timedelta(days=1)
OLD = NOW - timedelta(days=400)


def bulk_project(name, *, owner, releases, files_per_release):
    """Write a project with `releases` x `files_per_release` files in a few bulk inserts."""
    project = ProjectFactory(name=name, created_at=OLD)
    RoleFactory(project=project, user=owner, role="owner", created_at=OLD)
    release_rows = []
    for n in range(releases):
        release = Release(
            project=project, version=f"1.{n}", created_at=OLD + n * timedelta(hours=1)
        )
        release._derive()  # bulk_create() does not call save(), which derives these
        release_rows.append(release)
    release_rows = Release.objects.bulk_create(release_rows, batch_size=1000)
    dist = distribution_name(name)
    file_rows = [
        File(
            release=release,
            filename=f"{dist}-{release.version}-{build}-py3-none-any.whl",
            packagetype=PackageType.WHEEL,
            python_version="py3",
            sha256=hashlib.sha256(f"{release.version}-{build}".encode()).hexdigest(),
            size=100,
            uploaded_at=release.created_at,
        )
        for release in release_rows
        for build in range(files_per_release)
    ]
    file_rows = File.objects.bulk_create(file_rows, batch_size=2000)
    DownloadCount.objects.bulk_create(
        DownloadCount(file=file, project=project, day=(NOW - n * DAY).date(), count=n + 1)
        for n, file in enumerate(file_rows[:30])
    )
    return project, release_rows, file_rows


def queries_of(function):
    with CaptureQueriesContext(connection) as queries:
        result = function()
    return result, len(queries)


def test_facts_and_decider_take_the_same_queries_for_2_or_2000_releases(owner):
    small, _, _ = bulk_project("small-pkg", owner=owner, releases=2, files_per_release=10)
    big, releases, files = bulk_project("big-pkg", owner=owner, releases=2000, files_per_release=10)
    assert len(files) == 20_000

    small_facts, small_count = queries_of(lambda: project_facts(small, now=NOW))
    big_facts, big_count = queries_of(lambda: project_facts(big, now=NOW))

    assert big_count == small_count
    assert len(big_facts.releases) == 2000
    assert len(big_facts.versions_ever) == 2000
    assert sum(len(release.files) for release in big_facts.releases) == 20_000
    assert big_facts.downloads_total == sum(range(1, 31))
    assert len(small_facts.releases) == 2

    # Fresh user objects: permissions cached on an instance would hide queries.
    owner_for_small, owner_for_big = (type(owner).objects.get(pk=owner.pk) for _ in "ab")
    _, small_decider = queries_of(lambda: Decider(small, owner_for_small, now=NOW))
    decider, big_decider = queries_of(lambda: Decider(big, owner_for_big, now=NOW))
    assert big_decider == small_decider

    # Asking about every release and every file costs no further query.
    with CaptureQueriesContext(connection) as per_object:
        release_answers = [decider.decide(Action.DELETE_RELEASE, release=r) for r in releases]
        file_answers = [decider.decide(Action.DELETE_FILE, file=f) for f in files]
        project_answer = decider.decide(Action.DELETE_PROJECT)
    assert len(per_object) == 0
    assert all(answer.allowed for answer in release_answers + file_answers)
    assert project_answer.rule == "proposal-2022.project-window"
    assert not project_answer.allowed


def depends(project, version, *, on, created_at, removed=False):
    """Give `project` a release `version` that requires `on` (a normalised name)."""
    release = ReleaseFactory(project=project, version=version, created_at=created_at)
    if on:
        DependencyFactory(release=release, name=on)
    if removed:
        services.remove_release(
            release=release,
            actor=UserFactory(username="remover", is_superuser=True),
            reason="Gone",
            category="admin",
            now=NOW,
        )
    return release


def test_dependents_count_only_the_latest_live_release_of_other_live_projects(registry_admin):
    tinypad = ProjectFactory(name="tinypad", created_at=OLD)
    # Counted: its latest release requires tinypad (twice: one project, counted once).
    uses_it = ProjectFactory(name="uses-it")
    depends(uses_it, "1.0", on="tinypad", created_at=OLD)
    depends(uses_it, "2.0", on="tinypad", created_at=OLD + DAY)
    # Not counted: only an older release required it.
    dropped_it = ProjectFactory(name="dropped-it")
    depends(dropped_it, "1.0", on="tinypad", created_at=OLD)
    depends(dropped_it, "2.0", on=None, created_at=OLD + DAY)
    # Counted: the newest release was removed, so the latest live one (which requires it) counts.
    rolled_back = ProjectFactory(name="rolled-back")
    depends(rolled_back, "1.0", on="tinypad", created_at=OLD)
    depends(rolled_back, "2.0", on=None, created_at=OLD + DAY, removed=True)
    # Not counted: a removed project.
    gone = ProjectFactory(name="gone")
    depends(gone, "1.0", on="tinypad", created_at=OLD)
    services.remove_project(
        project=gone, actor=registry_admin, reason="Spam", category="abuse", now=NOW
    )
    # Not counted: tinypad itself, and a project requiring something else.
    depends(tinypad, "1.0", on="tinypad", created_at=OLD)
    depends(ProjectFactory(name="unrelated"), "1.0", on="left-pad", created_at=OLD)

    assert project_facts(tinypad, now=NOW).dependent_projects == 2
    assert facts.dependent_project_count(tinypad) == 2


def test_downloads_of_the_last_7_days_and_in_total(owner):
    project = ProjectFactory(name="counted")
    file = FileFactory(release=ReleaseFactory(project=project))
    for days_ago in range(10):
        DownloadCountFactory(file=file, day=(NOW - days_ago * DAY).date(), count=10**days_ago)

    project_facts_ = project_facts(project, now=NOW)

    assert project_facts_.downloads_last_7_days == 1_111_111  # today and the 6 days before
    assert project_facts_.downloads_total == 1_111_111_111
    assert project_facts_.releases[0].downloads_total == 1_111_111_111


def test_versions_ever_include_removed_releases_and_only_live_ones_are_judged(owner):
    project = services.create_project(
        name="oldies", owner=owner, actor=owner, reason="New", now=OLD
    )
    publish(project, "0.1", actor=owner, now=OLD)
    gone = publish(project, "1.0", actor=owner, now=OLD)
    services.remove_release(release=gone, actor=owner, reason="Oops", now=NOW)

    found = project_facts(project, now=NOW)

    assert sorted(found.versions_ever) == ["0.1", "1.0"]
    assert [release.version for release in found.releases] == ["0.1"]
    decision = Decider(project, owner, now=NOW).decide(Action.DELETE_PROJECT)
    assert decision.rule == "proposal-2022.project-window"
    assert "1.0 (removed)" in decision.explanation


def test_owner_count_counts_only_current_owners(owner, maintainer, other_user):
    project = services.create_project(name="owned", owner=owner, actor=owner, reason="New", now=OLD)
    for user, role in ((maintainer, "maintainer"), (other_user, "owner")):
        services.add_role(project=project, user=user, role=role, actor=owner, reason="Add")
    assert project_facts(project, now=NOW).owner_count == 2

    services.remove_role(project=project, user=other_user, actor=owner, reason="Bye", now=NOW)

    assert project_facts(project, now=NOW).owner_count == 1


@pytest.fixture
def roles_project(owner, maintainer):
    project = ProjectFactory(name="roles")
    RoleFactory(project=project, user=owner, role="owner")
    RoleFactory(project=project, user=maintainer, role="maintainer")
    return project


@pytest.mark.parametrize(
    ("who", "expected"),
    [
        ("none", ActorRole.ANONYMOUS),
        ("anonymous", ActorRole.ANONYMOUS),
        ("inactive_owner", ActorRole.ANONYMOUS),
        ("other_user", ActorRole.OTHER),
        ("former_owner", ActorRole.OTHER),
        ("maintainer", ActorRole.MAINTAINER),
        ("owner", ActorRole.OWNER),
        ("support_user", ActorRole.SUPPORT),
        ("staff_without_group", ActorRole.SUPPORT),
        ("staff_maintainer", ActorRole.MAINTAINER),
        ("registry_admin", ActorRole.ADMIN),
        ("admin_who_owns", ActorRole.ADMIN),
        ("superuser", ActorRole.ADMIN),
    ],
)
def test_actor_role_of_each_kind_of_user(request, roles_project, who, expected):
    if who == "none":
        user = None
    elif who == "anonymous":
        user = AnonymousUser()
    elif who == "inactive_owner":
        user = UserFactory(username="inactive", is_active=False)
        RoleFactory(project=roles_project, user=user, role="owner")
    elif who == "former_owner":
        user = UserFactory(username="former")
        RoleFactory(project=roles_project, user=user, role="owner", ended_at=NOW - DAY)
    elif who == "staff_without_group":
        user = UserFactory(username="staff", is_staff=True)
    elif who == "staff_maintainer":
        user = UserFactory(username="staff-maintainer", is_staff=True)
        RoleFactory(project=roles_project, user=user, role="maintainer")
    elif who == "admin_who_owns":
        user = request.getfixturevalue("registry_admin")
        RoleFactory(project=roles_project, user=user, role="owner")
    elif who == "superuser":
        user = UserFactory(username="root", is_staff=True, is_superuser=True)
    else:
        user = request.getfixturevalue(who)

    assert actor_role(user, roles_project) == expected


def test_policy_config_reads_the_preset_and_its_overrides(settings):
    settings.HOLDFAST_POLICY = "pep763"
    settings.HOLDFAST_POLICY_WINDOW_HOURS = "10"

    config = facts.policy_config()

    assert config.preset == "pep763"
    assert config.params["window_hours"] == 10
    assert config.params["name_cooldown_hours"] == 24


def test_policy_config_refuses_a_parameter_the_preset_does_not_have(settings):
    settings.HOLDFAST_POLICY = "immutable"
    settings.HOLDFAST_POLICY_WINDOW_HOURS = "10"

    with pytest.raises(PolicyConfigError):
        facts.policy_config()


def test_decider_describes_removed_objects_without_a_query(owner):
    project = services.create_project(name="gone-bits", owner=owner, actor=owner, reason="New")
    release = publish(project, "1.0", actor=owner, now=OLD, files=1)
    services.remove_release(release=release, actor=owner, reason="Oops", now=NOW)
    file = File.objects.select_related("release").get(release=release)
    decider = Decider(Project.objects.get(pk=project.pk), owner, now=NOW)

    with CaptureQueriesContext(connection) as queries:
        facts_of_release = decider.release_facts(release)
        facts_of_file = decider.file_facts(file)

    assert len(queries) == 0
    assert facts_of_release.version == "1.0"
    assert facts_of_file.filename == file.filename
    assert Role.objects.filter(project=project).count() == 1
