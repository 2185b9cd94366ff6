"""The facts a PEP 541 name request turns on: read in a fixed number of queries, said in words."""

import json
from datetime import UTC, datetime, timedelta

import pytest

from registry.models import ProjectStatus, ReservationReason
from registry.name_facts import NameFacts, ago, name_facts
from tests.factories import (
    DependencyFactory,
    DownloadCountFactory,
    FileFactory,
    NameReservationFactory,
    ProjectFactory,
    ReleaseFactory,
    RemovalEventFactory,
    RoleFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)
DAY = timedelta(days=1)


def at(text):
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def remove(obj, *, project, now=NOW - 100 * DAY):
    """Mark a row removed, as a removal event does."""
    obj.removed_at = now
    obj.removal_event = RemovalEventFactory(project=project)
    obj.save()
    return obj


def depend_on(project, *names):
    """Make live projects `names` whose latest release requires `project`."""
    for name in names:
        release = ReleaseFactory(project=ProjectFactory(name=name), version="1.0")
        DependencyFactory(release=release, name=project.normalized_name)


@pytest.fixture
def tinypad():
    """An old project: 3 live releases (one of them 0.0.0) and a removed one, 3 live files,
    two owners, a maintainer, an ended role, downloads and two dependents."""
    alice = UserFactory(username="alice", last_login=at("2025-02-01 09:00"))
    bob = UserFactory(username="bob", last_login=None)
    dave = UserFactory(username="dave", last_login=at("2023-07-01 10:00"))
    project = ProjectFactory(name="TinyPad", created_at=at("2022-01-10 08:00"))
    RoleFactory(project=project, user=alice, role="owner")
    RoleFactory(project=project, user=dave, role="owner")
    RoleFactory(project=project, user=bob, role="maintainer")
    RoleFactory(project=project, user=UserFactory(username="carol"), ended_at=at("2024-01-01"))
    ReleaseFactory(project=project, version="0.0.0", created_at=at("2022-01-10 09:00"))
    one = ReleaseFactory(project=project, version="1.0", created_at=at("2023-05-01 10:00"))
    kept = FileFactory(release=one, uploaded_at=at("2023-05-01 10:00"), uploaded_by=dave)
    remove(FileFactory(release=one, uploaded_at=at("2023-05-01 10:05")), project=project)
    newest = ReleaseFactory(project=project, version="1.1", created_at=at("2024-01-03 10:00"))
    FileFactory(release=newest, uploaded_at=at("2024-01-03 10:00"), uploaded_by=alice)
    FileFactory(release=newest, uploaded_at=at("2024-01-04 11:00"), uploaded_by=alice)
    gone = ReleaseFactory(project=project, version="0.9", created_at=at("2022-06-01 10:00"))
    remove(gone, project=project)
    remove(
        FileFactory(release=gone, uploaded_at=at("2022-06-01 10:00"), uploaded_by=bob),
        project=project,
    )
    for days_ago, count in ((2, 12), (20, 28), (40, 100)):
        DownloadCountFactory(file=kept, day=(NOW - days_ago * DAY).date(), count=count)
    depend_on(project, "foo", "bar")
    return project


def test_the_facts_of_a_live_project(tinypad):
    facts = name_facts(tinypad, now=NOW)

    assert (facts.name, facts.normalized_name, facts.status) == ("TinyPad", "tinypad", "active")
    assert (facts.releases_live, facts.releases_total, facts.files_live) == (3, 4, 3)
    assert facts.latest_versions == ("1.1", "1.0", "0.0.0")
    assert facts.latest_version_at == at("2024-01-03 10:00")
    # A file uploaded after its release was created is the newest release activity.
    assert facts.last_release_at == at("2024-01-04 11:00")
    assert facts.only_version_zero is False
    assert (facts.nonzero_releases_with_files, facts.nonzero_versions_with_files) == (
        2,
        ("1.1", "1.0"),
    )
    assert [(o.username, o.role, o.last_login, o.last_upload_at) for o in facts.owners] == [
        ("alice", "owner", at("2025-02-01 09:00"), at("2024-01-04 11:00")),
        ("dave", "owner", at("2023-07-01 10:00"), at("2023-05-01 10:00")),
        ("bob", "maintainer", None, at("2022-06-01 10:00")),  # a removed file is still activity
    ]
    assert facts.owner_ids == {facts.owners[0].user_id, facts.owners[1].user_id}
    assert (facts.downloads_last_7_days, facts.downloads_last_30_days) == (12, 40)
    assert (facts.dependents, facts.dependent_names) == (2, ("bar", "foo"))
    assert facts.reservation is None
    assert facts.is_removed is False


def test_rows_say_the_facts_in_plain_words(tinypad):
    assert name_facts(tinypad, now=NOW).rows() == [
        ("Project", "TinyPad, registered 2022-01-10, 4 years 10 months ago"),
        ("Status", "Active"),
        (
            "Releases",
            "3 live (4 ever), 3 files; latest 1.1 on 2024-01-03",
        ),
        ("Last release", "2024-01-04, 2 years 10 months ago"),
        ("alice (owner)", "last signed in 2025-02-01; last upload 2024-01-04"),
        ("dave (owner)", "last signed in 2023-07-01; last upload 2023-05-01"),
        ("bob (maintainer)", "never signed in; last upload 2022-06-01"),
        ("Downloads", "12 in the last 7 days, 40 in the last 30"),
        ("Projects that depend on it", "2: bar and foo"),
        ("Name reservation", "none"),
    ]


def test_last_upload_counts_only_files_uploaded_to_this_project(tinypad):
    other = ReleaseFactory(version="9.0", created_at=NOW - DAY)
    alice = tinypad.roles.get(user__username="alice").user
    FileFactory(release=other, uploaded_at=NOW - DAY, uploaded_by=alice)

    owners = {owner.username: owner for owner in name_facts(tinypad, now=NOW).owners}

    assert owners["alice"].last_upload_at == at("2024-01-04 11:00")


def test_a_removed_project_with_its_name_reserved():
    alice = UserFactory(username="alice")
    project = ProjectFactory(name="gone-pkg", created_at=at("2020-03-01 10:00"))
    RoleFactory(project=project, user=alice)
    release = remove(
        ReleaseFactory(project=project, version="2.0", created_at=at("2021-01-01")),
        project=project,
        now=at("2026-11-01 12:00"),
    )
    remove(FileFactory(release=release, uploaded_by=alice), project=project)
    remove(project, project=project, now=at("2026-11-01 12:00"))
    reservation = NameReservationFactory(
        normalized_name="gone-pkg",
        reason=ReservationReason.REMOVED_PROJECT,
        until=NOW + DAY,
        project=project,
    )
    reservation.allowed_users.add(alice)

    facts = name_facts(project, now=NOW)

    assert facts.is_removed and facts.removed_at == at("2026-11-01 12:00")
    assert (facts.releases_live, facts.releases_total, facts.files_live) == (0, 1, 0)
    assert facts.last_release_at is None
    assert facts.reservation.reason == "removed_project"
    assert facts.reservation.allowed_user_ids == (alice.pk,)
    rows = dict(facts.rows())
    assert rows["Status"] == "removed on 2026-11-01"
    assert rows["Releases"] == "0 live (1 ever), 0 files"
    assert rows["Last release"] == "never"
    assert rows["Name reservation"] == (
        "Name of a removed project, until 2026-11-27; may still register it: alice"
    )
    # Once the reservation's time is over, the name is free: no reservation in force.
    assert name_facts(project, now=NOW + 2 * DAY).reservation is None


def test_a_forever_prohibition_is_read():
    project = ProjectFactory(name="evil")
    NameReservationFactory(normalized_name="evil", reason=ReservationReason.PROHIBITED)

    facts = name_facts(project, now=NOW)

    assert dict(facts.rows())["Name reservation"] == ("Prohibited by the registry, for ever")


@pytest.mark.parametrize(
    ("releases", "only_zero", "with_files", "words"),
    [
        ([], True, (), "none ever"),
        ([("0.0.0", 1, False)], True, (), "; every release it ever had is version 0"),
        ([("0", 0, False), ("1.0", 1, True)], False, (), ""),  # removed releases count
        (
            [("0.0.0", 2, False), ("2.0", 0, False), ("0.5", 1, False)],
            False,
            ("0.5",),
            "",
        ),
        (
            [("0.0", 1, False), ("1.0", 0, False)],
            False,
            (),
            "; its live files are all in version 0",
        ),
    ],
)
def test_version_zero_and_releases_with_files(releases, only_zero, with_files, words):
    project = ProjectFactory(created_at=NOW - 900 * DAY)
    for n, (version, files, removed) in enumerate(releases):
        release = ReleaseFactory(project=project, version=version, created_at=NOW - (n + 1) * DAY)
        for _ in range(files):
            FileFactory(release=release, uploaded_at=release.created_at)
        if removed:
            remove(release, project=project)

    facts = name_facts(project, now=NOW)

    assert facts.only_version_zero is only_zero
    assert facts.nonzero_versions_with_files == with_files
    assert facts.nonzero_releases_with_files == len(with_files)
    assert dict(facts.rows())["Releases"].endswith(words)


def test_status_row_says_reason_pending_removal_and_lock():
    project = ProjectFactory(
        name="old-thing",
        status=ProjectStatus.DEPRECATED,
        status_reason="Use new-thing.",
        pending_removal_at=NOW - DAY,
        deletion_locked=True,
        deletion_locked_at=NOW - DAY,
    )

    facts = name_facts(project, now=NOW)

    assert facts.pending_removal and facts.deletion_locked
    assert dict(facts.rows())["Status"] == (
        "Deprecated: Use new-thing.; pending removal (its owners scheduled its removal); "
        "deletions locked"
    )


def test_a_project_without_owners_says_so():
    rows = dict(name_facts(ProjectFactory(), now=NOW).rows())

    assert rows["Owners"] == "none"
    assert rows["Projects that depend on it"] == "none"


def test_many_dependents_are_counted_and_the_first_named():
    project = ProjectFactory(name="core")
    depend_on(project, *(f"dep-{n}" for n in range(7)))

    facts = name_facts(project, now=NOW)

    assert facts.dependents == 7
    assert facts.dependent_names == ("dep-0", "dep-1", "dep-2", "dep-3", "dep-4")
    assert dict(facts.rows())["Projects that depend on it"] == (
        "7: dep-0, dep-1, dep-2, dep-3, dep-4 and 2 more"
    )


@pytest.mark.parametrize(("owners", "releases", "files"), [(1, 1, 1), (5, 30, 2)])
def test_read_in_a_fixed_number_of_queries(django_assert_num_queries, owners, releases, files):
    project = ProjectFactory(name="sized", created_at=NOW - 900 * DAY)
    people = [UserFactory(last_login=NOW - DAY) for _ in range(owners)]
    for n, person in enumerate(people):
        RoleFactory(project=project, user=person, role="owner" if n % 2 == 0 else "maintainer")
    for n in range(releases):
        release = ReleaseFactory(project=project, version=f"1.{n}", created_at=NOW - 400 * DAY)
        for _ in range(files):
            FileFactory(
                release=release, uploaded_at=release.created_at, uploaded_by=people[n % owners]
            )
    depend_on(project, "user-a", "user-b")
    reservation = NameReservationFactory(normalized_name="sized", until=NOW + DAY)
    reservation.allowed_users.add(*people)

    with django_assert_num_queries(10):
        facts = name_facts(project, now=NOW)
        facts.rows()
        facts.as_dict()

    assert len(facts.owners) == owners
    assert facts.files_live == releases * files
    assert len(facts.reservation.allowed_usernames) == owners


def test_as_dict_is_json_and_reads_back(tinypad):
    reservation = NameReservationFactory(
        normalized_name="tinypad", reason=ReservationReason.RESERVED, until=NOW + DAY
    )
    reservation.allowed_users.add(tinypad.roles.get(user__username="alice").user)
    facts = name_facts(tinypad, now=NOW)

    stored = json.loads(json.dumps(facts.as_dict()))

    assert stored["last_release_at"] == "2024-01-04T11:00:00+00:00"
    assert stored["read_at"] == "2026-11-26T12:00:00+00:00"
    assert stored["is_removed"] is False
    assert stored["owners"][0] == {
        "user_id": facts.owners[0].user_id,
        "username": "alice",
        "role": "owner",
        "last_login": "2025-02-01T09:00:00+00:00",
        "last_upload_at": "2024-01-04T11:00:00+00:00",
    }
    assert stored["reservation"]["allowed_usernames"] == ["alice"]
    assert stored["dependent_names"] == ["bar", "foo"]
    back = NameFacts.from_dict(stored)
    assert back == facts
    assert back.rows() == facts.rows()


@pytest.mark.parametrize(
    ("then", "words"),
    [
        ("2024-01-03 10:00", "2 years 10 months ago"),
        ("2025-11-26 12:00", "1 year ago"),
        ("2025-11-26 12:01", "11 months ago"),
        ("2026-10-26 12:00", "1 month ago"),
        ("2026-10-26 12:01", "30 days ago"),
        ("2026-11-25 12:00", "1 day ago"),
        ("2026-11-26 08:00", "today"),
        ("2026-11-27 08:00", "in the future"),
    ],
)
def test_ago_counts_calendar_years_and_months(then, words):
    assert ago(at(then), NOW) == words
