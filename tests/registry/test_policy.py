"""The deletion policy, pinned at the edges of every rule. Pure: no database, no clock."""

from datetime import UTC, datetime, timedelta

import pytest

from registry.policy import (
    DEFAULT_PRESET,
    PRESETS,
    Action,
    ActorRole,
    Decision,
    FileFacts,
    PolicyConfig,
    PolicyConfigError,
    ProjectFacts,
    ReleaseFacts,
    _duration,
    build_config,
    decide,
    reservation_for_removed_project,
)

NOW = datetime(2025, 6, 1, 12, 0, tzinfo=UTC)
MINUTE = timedelta(minutes=1)
HOUR = timedelta(hours=1)
DAY = timedelta(days=1)
OLD = timedelta(days=400)

OWNER, MAINTAINER, ADMIN = ActorRole.OWNER, ActorRole.MAINTAINER, ActorRole.ADMIN
DELETIONS = (Action.DELETE_FILE, Action.DELETE_RELEASE, Action.DELETE_PROJECT)
SAFE_ACTIONS = (Action.YANK, Action.ARCHIVE, Action.DEPRECATE, Action.LOCK_DELETIONS)


def make_release(version="1.0", *, age=OLD, downloads=0, file_ages=None):
    """Build a release created `age` ago, with one file per entry of `file_ages`."""
    if file_ages is None:
        file_ages = (age,)
    files = tuple(
        FileFacts(f"pkg-{version}-{n}.tar.gz", NOW - file_age)
        for n, file_age in enumerate(file_ages)
    )
    return ReleaseFacts(version, NOW - age, downloads, files)


def make_project(
    *,
    age=OLD,
    releases=None,
    versions_ever=None,
    owners=1,
    weekly=0,
    total=0,
    dependents=0,
    locked=False,
    status="active",
):
    if releases is None:
        releases = (make_release(age=age),)
    if versions_ever is None:
        versions_ever = tuple(r.version for r in releases)
    return ProjectFacts(
        name="pkg",
        created_at=NOW - age,
        versions_ever=tuple(versions_ever),
        releases=tuple(releases),
        owner_count=owners,
        downloads_last_7_days=weekly,
        downloads_total=total,
        dependent_projects=dependents,
        deletion_locked=locked,
        status=status,
    )


def ask(
    action,
    project,
    *,
    actor=OWNER,
    preset=DEFAULT_PRESET,
    overrides=None,
    release=None,
    file=None,
):
    """Decide `action`, defaulting the release and file to the project's first ones."""
    if release is None and project.releases:
        release = project.releases[0]
    if file is None and release is not None and release.files:
        file = release.files[0]
    return decide(
        action,
        project=project,
        actor=actor,
        now=NOW,
        config=build_config(preset, overrides),
        release=release,
        file=file,
    )


def alternative_ids(decision: Decision):
    return tuple(alternative.action for alternative in decision.alternatives)


def assert_decision(decision, allowed, rule, figures=()):
    assert decision.allowed is allowed, decision.explanation
    assert decision.refused is not allowed
    assert decision.rule == rule, decision.explanation
    for figure in figures:
        assert figure in decision.explanation
    assert decision.override is False
    if not allowed:
        assert decision.alternatives, "every refusal offers something else to do"


# A project every preset but `immutable` lets its owner delete (crates-io: whole projects only).
FRESH = make_project(age=HOUR, releases=(make_release("0", age=HOUR),))


# proposal-2022 --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("age", "versions_ever", "live", "allowed", "rule", "figures"),
    [
        (7 * DAY - MINUTE, ["1.0"], ["1.0"], True, "window", ["6 days and 23 hours", "7 days"]),
        (7 * DAY + MINUTE, ["1.0"], ["1.0"], False, "window", ["7 days and 1 minute", "1.0"]),
        (OLD, ["0"], ["0"], True, "version-zero", ["400 days", "version 0"]),
        (OLD, ["0.0.0"], ["0.0.0"], True, "version-zero", ["0.0.0"]),
        (OLD, ["0.0.1"], ["0.0.1"], False, "window", ["0.0.1", "first 7 days"]),
        (OLD, ["0a1"], ["0a1"], False, "window", ["0a1"]),
        # Removed releases count, so deleting the 1.0 release first does not help.
        (OLD, ["0", "1.0"], ["0"], False, "window", ["1.0 (removed)", "Removed releases count"]),
        (OLD, ["1.0"], [], False, "window", ["1.0 (removed)"]),
        (OLD, [], [], True, "version-zero", ["never had a release", "placeholder"]),
    ],
)
def test_proposal_2022_project_deletion(age, versions_ever, live, allowed, rule, figures):
    project = make_project(
        age=age,
        versions_ever=versions_ever,
        releases=[make_release(v) for v in live],
        owners=3,
        weekly=10**6,
        dependents=5,
    )
    decision = ask(Action.DELETE_PROJECT, project)
    assert_decision(decision, allowed, f"proposal-2022.project-{rule}", figures)
    assert "proposal-2022" in decision.explanation


def test_proposal_2022_counts_live_versions_missing_from_versions_ever():
    project = make_project(versions_ever=["0"], releases=[make_release("2.0")])
    assert ask(Action.DELETE_PROJECT, project).refused


@pytest.mark.parametrize("action", [Action.DELETE_FILE, Action.DELETE_RELEASE])
def test_proposal_2022_files_and_releases_any_time(action):
    # A second live release: removing the only one is judged as the project (its own tests).
    project = make_project(
        releases=[make_release(downloads=10**7), make_release("2.0")],
        owners=4,
        weekly=10**6,
        dependents=9,
    )
    assert_decision(ask(action, project), True, "proposal-2022.files-and-releases")


@pytest.mark.parametrize(
    ("age", "allowed", "figure"),
    [
        (3 * DAY - MINUTE, True, "71 hours and 59 minutes"),
        (3 * DAY + MINUTE, False, "3 days and 1"),
    ],
)
def test_proposal_2022_project_window_override(age, allowed, figure):
    decision = ask(
        Action.DELETE_PROJECT,
        make_project(age=age),
        overrides={"project_window_days": 3},
    )
    assert_decision(decision, allowed, "proposal-2022.project-window", [figure, "first 3 days"])


# pep763 ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("version", "uploaded", "allowed", "rule", "figures"),
    [
        ("1.0", 72 * HOUR - MINUTE, True, "file-window", ["71 hours and 59 minutes", "72 hours"]),
        ("1.0", 72 * HOUR + MINUTE, False, "file-window", ["3 days and 1 minute", "72 hours"]),
        ("1.0a1", OLD, True, "prerelease", ["1.0a1", "pre-release"]),
        ("1.0rc1", OLD, True, "prerelease", ["1.0rc1"]),
        ("1.0.dev1", OLD, True, "prerelease", ["1.0.dev1"]),
        ("1.0.post1", OLD, False, "file-window", ["400 days"]),
        ("0", OLD, False, "file-window", ["pkg-0-0.tar.gz"]),
    ],
)
def test_pep763_file_deletion(version, uploaded, allowed, rule, figures):
    release = make_release(version, file_ages=[uploaded])
    project = make_project(releases=[release])
    decision = ask(Action.DELETE_FILE, project, preset="pep763")
    assert_decision(decision, allowed, f"pep763.{rule}", figures)


@pytest.mark.parametrize(
    ("version", "age", "file_ages", "allowed", "rule", "figures"),
    [
        ("1.0", OLD, [HOUR, 72 * HOUR - MINUTE], True, "release-window", ["71 hours"]),
        ("1.0", OLD, [HOUR, 72 * HOUR + MINUTE], False, "release-window", ["pkg-1.0-1.tar.gz"]),
        ("1.0", 72 * HOUR - MINUTE, [], True, "release-window", ["no files left"]),
        ("1.0", 72 * HOUR + MINUTE, [], False, "release-window", ["no files left", "3 days"]),
        ("2.0b3", OLD, [OLD, OLD], True, "prerelease", ["2.0b3"]),
        ("2.0b3", OLD, [], True, "prerelease", ["2.0b3"]),
    ],
)
def test_pep763_release_deletion(version, age, file_ages, allowed, rule, figures):
    release = make_release(version, age=age, file_ages=file_ages)
    decision = ask(Action.DELETE_RELEASE, make_project(releases=[release]), preset="pep763")
    assert_decision(decision, allowed, f"pep763.{rule}", figures)


@pytest.mark.parametrize(
    ("releases", "allowed", "figures"),
    [
        ([make_release("1.0", age=HOUR), make_release("1.1a1")], True, ["2 live releases"]),
        ([make_release("1.0", age=HOUR), make_release("1.1")], False, ["release 1.1 cannot"]),
        ([], True, ["none left"]),
    ],
)
def test_pep763_project_deletion_follows_every_release(releases, allowed, figures):
    project = make_project(releases=releases, versions_ever=["0.9", "1.0", "1.1"])
    decision = ask(Action.DELETE_PROJECT, project, preset="pep763")
    assert_decision(decision, allowed, "pep763.project-releases", figures)


def test_pep763_window_override():
    project = make_project(releases=[make_release(file_ages=[5 * HOUR])])
    decision = ask(Action.DELETE_FILE, project, preset="pep763", overrides={"window_hours": 4})
    assert_decision(decision, False, "pep763.file-window", ["5 hours", "within 4 hours"])


# npm ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("age", "dependents", "weekly", "owners", "allowed", "rule", "figures"),
    [
        (72 * HOUR - MINUTE, 0, 5000, 3, True, "npm.window", ["71 hours", "72 hours"]),
        (72 * HOUR - MINUTE, 1, 0, 1, False, "npm.dependents", ["1 other project depend"]),
        (72 * HOUR + MINUTE, 0, 299, 1, True, "npm.after-window", ["299 downloads"]),
        (
            72 * HOUR + MINUTE,
            0,
            300,
            1,
            False,
            "npm.downloads",
            ["300 downloads", "fewer than 300"],
        ),
        (72 * HOUR + MINUTE, 0, 0, 2, False, "npm.owners", ["2 owners", "a single owner"]),
        (72 * HOUR + MINUTE, 0, 300, 2, False, "npm.downloads", ["300 downloads", "2 owners"]),
        (OLD, 3, 0, 1, False, "npm.dependents", ["3 other projects"]),
    ],
)
def test_npm_project_deletion(age, dependents, weekly, owners, allowed, rule, figures):
    project = make_project(age=age, dependents=dependents, weekly=weekly, owners=owners)
    decision = ask(Action.DELETE_PROJECT, project, preset="npm")
    assert_decision(decision, allowed, rule, figures)


@pytest.mark.parametrize(
    ("release_age", "weekly", "allowed", "rule"),
    [
        (72 * HOUR - MINUTE, 10**6, True, "npm.window"),
        (72 * HOUR + MINUTE, 10**6, False, "npm.downloads"),
        (72 * HOUR + MINUTE, 12, True, "npm.after-window"),
    ],
)
def test_npm_release_deletion_uses_the_release_age(release_age, weekly, allowed, rule):
    releases = [make_release("2.0", age=release_age), make_release("1.0")]
    project = make_project(age=OLD, releases=releases, weekly=weekly)
    decision = ask(Action.DELETE_RELEASE, project, preset="npm")
    assert_decision(decision, allowed, rule, ["Release 2.0"])


def test_npm_file_follows_its_release_not_its_upload_time():
    release = make_release("2.0", age=OLD, file_ages=[MINUTE])
    project = make_project(releases=[release, make_release("1.0")], weekly=300)
    decision = ask(Action.DELETE_FILE, project, preset="npm")
    assert_decision(decision, False, "npm.downloads", ["A file follows its release's rule"])

    young = make_release("2.0", age=HOUR)
    project = make_project(releases=[young, make_release("1.0")], weekly=300)
    decision = ask(Action.DELETE_FILE, project, preset="npm")
    assert_decision(decision, True, "npm.window")


def test_npm_overrides():
    project = make_project(weekly=300, owners=2)
    overrides = {"weekly_download_limit": 301, "max_owners": 2}
    decision = ask(Action.DELETE_PROJECT, project, preset="npm", overrides=overrides)
    assert_decision(decision, True, "npm.after-window", ["fewer than 301", "at most 2 owners"])


# crates-io ------------------------------------------------------------------------------------


@pytest.mark.parametrize("action", [Action.DELETE_FILE, Action.DELETE_RELEASE])
def test_crates_io_never_deletes_files_or_releases(action):
    decision = ask(action, FRESH, preset="crates-io")
    assert_decision(decision, False, "crates-io.whole-projects-only", ["only yanked"])
    assert alternative_ids(decision) == ("yank", "request_exception")


CRATES_MONTH = 30 * DAY


@pytest.mark.parametrize(
    ("age", "dependents", "owners", "total", "allowed", "rule", "figures"),
    [
        (72 * HOUR - MINUTE, 0, 3, 10**6, True, "window", ["71 hours"]),
        (72 * HOUR - MINUTE, 1, 1, 0, False, "dependents", ["1 other project"]),
        (72 * HOUR + MINUTE, 0, 1, 0, True, "after-window", ["1 month", "at most 1,000)"]),
        (CRATES_MONTH - MINUTE, 0, 1, 1000, True, "after-window", ["1 month", "1,000 downloads"]),
        (CRATES_MONTH - MINUTE, 0, 1, 1001, False, "download-cap", ["1 month", "1,001 downloads"]),
        (CRATES_MONTH, 0, 1, 1001, False, "download-cap", ["30 days old", "1 month"]),
        (CRATES_MONTH + MINUTE, 0, 1, 2000, True, "after-window", ["2 months", "2,000"]),
        (CRATES_MONTH + MINUTE, 0, 1, 2001, False, "download-cap", ["at most 2,000", "2,001"]),
        (72 * HOUR + MINUTE, 0, 2, 0, False, "owners", ["2 owners", "a single owner"]),
        (72 * HOUR + MINUTE, 0, 2, 5000, False, "owners", ["2 owners", "5,000 downloads"]),
        (OLD, 2, 1, 0, False, "dependents", ["2 other projects"]),
    ],
)
def test_crates_io_project_deletion(age, dependents, owners, total, allowed, rule, figures):
    project = make_project(age=age, dependents=dependents, owners=owners, total=total)
    decision = ask(Action.DELETE_PROJECT, project, preset="crates-io")
    assert_decision(decision, allowed, f"crates-io.{rule}", figures)


def test_crates_io_download_allowance_override():
    project = make_project(age=CRATES_MONTH + MINUTE, total=21)
    overrides = {"monthly_download_allowance": 10}
    decision = ask(Action.DELETE_PROJECT, project, preset="crates-io", overrides=overrides)
    assert_decision(decision, False, "crates-io.download-cap", ["at most 10 downloads per month"])


# rubygems -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("age", "downloads", "allowed", "rule", "figures"),
    [
        (30 * DAY, 100_000, True, "release-window", ["30 days ago", "100,000 downloads"]),
        (30 * DAY + MINUTE, 0, False, "release-window", ["30 days and 1 minute", "30 days old"]),
        (DAY, 100_001, False, "release-downloads", ["100,001 downloads", "at most 100,000"]),
    ],
)
def test_rubygems_release_deletion(age, downloads, allowed, rule, figures):
    releases = [make_release(age=age, downloads=downloads), make_release("0.9", age=HOUR)]
    project = make_project(releases=releases)
    for action in (Action.DELETE_RELEASE, Action.DELETE_FILE):
        decision = ask(action, project, preset="rubygems")
        assert_decision(decision, allowed, f"rubygems.{rule}", figures)
    assert "A file follows its release's rule" in decision.explanation


@pytest.mark.parametrize(
    ("releases", "allowed", "figures"),
    [
        ([make_release("1.0", age=DAY), make_release("1.1", age=HOUR)], True, ["2 live"]),
        ([make_release("1.0", age=31 * DAY), make_release("1.1", age=HOUR)], False, ["1.0"]),
        ([make_release("1.0", age=DAY, downloads=200_000)], False, ["200,000"]),
        ([], True, ["none left"]),
    ],
)
def test_rubygems_project_deletion_follows_every_release(releases, allowed, figures):
    decision = ask(Action.DELETE_PROJECT, make_project(releases=releases), preset="rubygems")
    assert_decision(decision, allowed, "rubygems.project-releases", figures)


# immutable and pypi-2025 ----------------------------------------------------------------------


@pytest.mark.parametrize("action", DELETIONS)
def test_immutable_refuses_every_deletion(action):
    # Two live releases: the last one is judged as the project (tests of the flag).
    project = make_project(age=HOUR, releases=(*FRESH.releases, make_release("0.1", age=HOUR)))
    decision = ask(action, project, preset="immutable")
    assert_decision(decision, False, "immutable.no-deletion", ["immutable"])


@pytest.mark.parametrize("action", [*SAFE_ACTIONS, Action.UNYANK, Action.UPLOAD])
def test_immutable_still_allows_what_removes_nothing(action):
    assert_decision(ask(action, FRESH, preset="immutable"), True, "role.owner")


@pytest.mark.parametrize("action", DELETIONS)
def test_pypi_2025_allows_any_deletion_any_time(action):
    project = make_project(
        releases=[make_release(downloads=10**8)], owners=5, weekly=10**7, total=10**9, dependents=50
    )
    assert_decision(ask(action, project, preset="pypi-2025"), True, "pypi-2025.any-time")


# The deletion lock ----------------------------------------------------------------------------


@pytest.mark.parametrize("preset", sorted(PRESETS))
@pytest.mark.parametrize("action", DELETIONS)
def test_lock_refuses_owner_deletions_under_every_preset(preset, action):
    unlocked = ask(action, FRESH, preset=preset)
    refused_anyway = preset == "immutable" or (
        preset == "crates-io" and action is not Action.DELETE_PROJECT
    )
    assert unlocked.allowed is not refused_anyway, "the lock, not the preset, must decide"

    locked = make_project(age=HOUR, releases=FRESH.releases, locked=True)
    decision = ask(action, locked, preset=preset)
    assert_decision(decision, False, "lock.deletions-locked", ["deletion lock", "admin"])
    ids = alternative_ids(decision)
    assert "request_exception" in ids
    assert "unlock_by_admin" in ids
    assert ("yank" in ids) is (action is not Action.DELETE_PROJECT)


@pytest.mark.parametrize("action", [*SAFE_ACTIONS, Action.UNYANK, Action.UPLOAD])
def test_lock_does_not_block_what_removes_nothing(action):
    locked = make_project(locked=True)
    assert_decision(ask(action, locked), True, "role.owner")


def test_owners_cannot_lift_the_lock():
    decision = ask(Action.UNLOCK_DELETIONS, make_project(locked=True))
    assert_decision(decision, False, "role.owner-cannot-unlock", ["one-way"])
    assert alternative_ids(decision) == ("unlock_by_admin",)


# Admins ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("preset", "action", "project", "overridden_rule"),
    [
        ("proposal-2022", Action.DELETE_PROJECT, make_project(), "proposal-2022.project-window"),
        ("pep763", Action.DELETE_RELEASE, make_project(), "pep763.release-window"),
        ("npm", Action.DELETE_PROJECT, make_project(dependents=2), "npm.dependents"),
        ("crates-io", Action.DELETE_FILE, FRESH, "crates-io.whole-projects-only"),
        (
            "rubygems",
            Action.DELETE_RELEASE,
            make_project(releases=[make_release("1.0"), make_release("1.1")]),
            "rubygems.release-window",
        ),
        ("immutable", Action.DELETE_PROJECT, FRESH, "immutable.no-deletion"),
        ("pypi-2025", Action.DELETE_FILE, make_project(locked=True), "lock.deletions-locked"),
        ("pypi-2025", Action.YANK, make_project(status="quarantined"), "status.quarantined"),
    ],
)
def test_admin_overrides_what_owners_are_refused(preset, action, project, overridden_rule):
    assert ask(action, project, preset=preset).rule == overridden_rule
    decision = ask(action, project, preset=preset, actor=ADMIN)
    assert decision.allowed
    assert decision.override is True
    assert decision.rule == "admin.override"
    assert overridden_rule in decision.explanation
    assert "reason" in decision.explanation
    assert decision.alternatives == ()


@pytest.mark.parametrize("action", list(Action))
def test_admin_is_allowed_everything_without_override_when_owners_are(action):
    decision = ask(action, FRESH, actor=ADMIN)
    assert (decision.allowed, decision.override, decision.rule) == (True, False, "admin")
    assert "reason" in decision.explanation


def test_admin_lifting_the_lock_is_not_an_override():
    decision = ask(Action.UNLOCK_DELETIONS, make_project(locked=True), actor=ADMIN)
    assert (decision.allowed, decision.override, decision.rule) == (True, False, "admin")


# Every role, every action ---------------------------------------------------------------------

ALLOWED_BY_ROLE = {
    ActorRole.ANONYMOUS: set(),
    ActorRole.OTHER: set(),
    ActorRole.SUPPORT: set(),
    ActorRole.MAINTAINER: {Action.UPLOAD, Action.YANK, Action.UNYANK},
    ActorRole.OWNER: set(Action) - {Action.UNLOCK_DELETIONS},
    ActorRole.ADMIN: set(Action),
}
REFUSAL_RULE = {
    ActorRole.ANONYMOUS: "role.anonymous",
    ActorRole.OTHER: "role.not-a-member",
    ActorRole.SUPPORT: "role.support-cannot-act",
}


@pytest.mark.parametrize("actor", list(ActorRole))
@pytest.mark.parametrize("action", list(Action))
def test_every_role_tries_every_action(actor, action):
    decision = ask(action, FRESH, actor=actor)
    assert decision.allowed is (action in ALLOWED_BY_ROLE[actor]), decision.explanation
    if actor in REFUSAL_RULE:
        assert decision.rule == REFUSAL_RULE[actor]
        assert alternative_ids(decision)[-1] == "contact_admins"
    elif actor is MAINTAINER and decision.refused:
        expected = "delete" if action in DELETIONS else "manage"
        assert decision.rule == f"role.maintainer-cannot-{expected}"
        who = "admin" if action is Action.UNLOCK_DELETIONS else "owner"
        assert who in decision.explanation


def test_support_staff_are_told_they_never_act():
    decision = ask(Action.DELETE_PROJECT, FRESH, actor=ActorRole.SUPPORT)
    assert "never act on projects" in decision.explanation
    assert alternative_ids(decision) == ("contact_admins",)


@pytest.mark.parametrize(
    ("action", "expected"),
    [
        (Action.DELETE_FILE, ("yank", "ask_owner")),
        (Action.DELETE_RELEASE, ("yank", "ask_owner")),
        (Action.DELETE_PROJECT, ("ask_owner",)),
        (Action.ARCHIVE, ("ask_owner",)),
        (Action.MANAGE_ROLES, ("ask_owner",)),
        (Action.UNLOCK_DELETIONS, ("unlock_by_admin",)),
    ],
)
def test_maintainer_refusals_offer_what_a_maintainer_can_do(action, expected):
    assert alternative_ids(ask(action, FRESH, actor=MAINTAINER)) == expected


# Quarantine -----------------------------------------------------------------------------------


@pytest.mark.parametrize("preset", sorted(PRESETS))
@pytest.mark.parametrize("actor", [OWNER, MAINTAINER])
@pytest.mark.parametrize("action", list(Action))
def test_quarantined_project_refuses_owners_and_maintainers(preset, actor, action):
    project = make_project(age=HOUR, releases=FRESH.releases, status="quarantined")
    decision = ask(action, project, actor=actor, preset=preset)
    assert_decision(decision, False, "status.quarantined", ["quarantined"])
    assert alternative_ids(decision) == ("contact_admins",)


# Alternatives ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "expected"),
    [
        ("active", ("yank_releases", "archive", "deprecate", "transfer", "request_exception")),
        ("archived", ("yank_releases", "deprecate", "transfer", "request_exception")),
        ("deprecated", ("yank_releases", "archive", "transfer", "request_exception")),
    ],
)
def test_refused_project_deletion_offers_the_owner_alternatives(status, expected):
    decision = ask(Action.DELETE_PROJECT, make_project(status=status))
    assert decision.refused
    assert alternative_ids(decision) == expected


@pytest.mark.parametrize("action", [Action.DELETE_FILE, Action.DELETE_RELEASE])
def test_refused_release_deletion_offers_yank(action):
    decision = ask(action, make_project(), preset="pep763")
    assert alternative_ids(decision) == ("yank", "request_exception")
    assert all(a.label and a.description.endswith(".") for a in decision.alternatives)


# What each alternative asks the actor to do; the others are requests to people.
ALTERNATIVE_ACTIONS = {
    "yank": Action.YANK,
    "archive": Action.ARCHIVE,
    "deprecate": Action.DEPRECATE,
    "transfer": Action.MANAGE_ROLES,
}
SCENARIOS = [
    FRESH,
    make_project(owners=2, weekly=1000, total=10**6, dependents=1),
    make_project(locked=True),
    make_project(status="archived"),
    make_project(status="quarantined"),
]


@pytest.mark.parametrize("preset", sorted(PRESETS))
@pytest.mark.parametrize("actor", list(ActorRole))
def test_refusals_only_offer_what_the_actor_may_do(preset, actor):
    for project in SCENARIOS:
        for action in Action:
            decision = ask(action, project, actor=actor, preset=preset)
            if decision.allowed:
                continue
            assert decision.alternatives, (project, action)
            for alternative in decision.alternatives:
                if alternative.action in ALTERNATIVE_ACTIONS:
                    follow_up = ask(
                        ALTERNATIVE_ACTIONS[alternative.action],
                        project,
                        actor=actor,
                        preset=preset,
                    )
                    assert follow_up.allowed, (project, action, alternative)
                if alternative.action == "request_exception":
                    assert actor is OWNER


# Reservation of removed names -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("preset", "age", "blocked_for", "previous_owners", "figures"),
    [
        ("proposal-2022", OLD, 24 * HOUR, True, ["24 hours", "previous owners"]),
        ("pep763", OLD, 24 * HOUR, True, ["24 hours"]),
        ("npm", OLD, 24 * HOUR, False, ["24 hours", "previous owners included"]),
        ("crates-io", OLD, 24 * HOUR, True, ["24 hours"]),
        ("rubygems", 30 * DAY - MINUTE, timedelta(0), True, ["29 days and 23 hours", "at once"]),
        ("rubygems", 30 * DAY, 100 * DAY, True, ["30 days old", "100 days"]),
        ("immutable", OLD, None, False, ["for good"]),
        ("pypi-2025", OLD, timedelta(0), True, ["free for anyone at once"]),
    ],
)
def test_reservation_of_a_removed_name(preset, age, blocked_for, previous_owners, figures):
    rule = reservation_for_removed_project(
        project=make_project(age=age), now=NOW, config=build_config(preset)
    )
    assert rule.others_blocked_for == blocked_for
    assert rule.previous_owners_may_register is previous_owners
    for figure in figures:
        assert figure in rule.explanation


@pytest.mark.parametrize(
    ("preset", "overrides", "blocked_for", "figure"),
    [
        ("proposal-2022", {"name_cooldown_hours": 48}, 48 * HOUR, "48 hours"),
        ("npm", {"name_cooldown_hours": 0}, timedelta(0), "free for anyone at once"),
        ("rubygems", {"name_reservation_days": 10}, 10 * DAY, "10 days"),
        ("rubygems", {"young_project_days": 500}, timedelta(0), "younger than 500 days"),
    ],
)
def test_reservation_overrides(preset, overrides, blocked_for, figure):
    rule = reservation_for_removed_project(
        project=make_project(), now=NOW, config=build_config(preset, overrides)
    )
    assert rule.others_blocked_for == blocked_for
    assert figure in rule.explanation


# Configuration --------------------------------------------------------------------------------


def test_presets_and_their_parameters():
    assert DEFAULT_PRESET == "proposal-2022"

    # Every preset also has the two 0/1 flags; last_release_is_project as its registry behaves.
    def flags(last_release_is_project):
        return {"last_release_is_project": last_release_is_project, "critical_needs_admin": 0}

    assert {name: dict(params) for name, params in PRESETS.items()} == {
        "proposal-2022": {"project_window_days": 7, "name_cooldown_hours": 24, **flags(1)},
        "pep763": {"window_hours": 72, "name_cooldown_hours": 24, **flags(0)},
        "npm": {
            "window_hours": 72,
            "weekly_download_limit": 300,
            "max_owners": 1,
            "name_cooldown_hours": 24,
            **flags(1),
        },
        "crates-io": {
            "window_hours": 72,
            "max_owners": 1,
            "monthly_download_allowance": 1000,
            "name_cooldown_hours": 24,
            **flags(0),
        },
        "rubygems": {
            "release_window_days": 30,
            "release_download_limit": 100_000,
            "name_reservation_days": 100,
            "young_project_days": 30,
            **flags(1),
        },
        "immutable": flags(1),
        "pypi-2025": flags(0),
    }


def test_build_config_defaults():
    config = build_config()
    assert config == PolicyConfig("proposal-2022", {"project_window_days": 7})
    assert dict(config.params) == {
        "project_window_days": 7,
        "name_cooldown_hours": 24,
        "last_release_is_project": 1,
        "critical_needs_admin": 0,
    }
    with pytest.raises(TypeError):
        config.params["project_window_days"] = 1
    assert hash(config) == hash(build_config("proposal-2022", {"name_cooldown_hours": "24"}))


@pytest.mark.parametrize("value", [3, "3", " 3 "])
def test_build_config_accepts_whole_numbers_and_numeric_strings(value):
    assert build_config("proposal-2022", {"project_window_days": value}).params == {
        "project_window_days": 3,
        "name_cooldown_hours": 24,
        "last_release_is_project": 1,
        "critical_needs_admin": 0,
    }


def test_build_config_accepts_upper_case_names_from_the_environment():
    config = build_config("npm", {"WINDOW_HOURS": "12"})
    assert config.params["window_hours"] == 12


def test_build_config_rejects_an_unknown_preset_listing_the_valid_ones():
    with pytest.raises(PolicyConfigError, match="'left-pad'") as raised:
        build_config("left-pad")
    for name in PRESETS:
        assert name in str(raised.value)
    assert isinstance(raised.value, ValueError)


def test_build_config_rejects_an_unknown_parameter_listing_the_valid_ones():
    with pytest.raises(PolicyConfigError, match="'window_days'") as raised:
        build_config("npm", {"window_days": 3})
    for name in PRESETS["npm"]:
        assert name in str(raised.value)
    # immutable has no parameters of its own, only the flags every preset has.
    with pytest.raises(PolicyConfigError) as raised:
        build_config("immutable", {"window_hours": 1})
    assert str(raised.value).endswith(
        "valid parameters are: critical_needs_admin, last_release_is_project."
    )


@pytest.mark.parametrize("value", [-1, "-1", "abc", "", 1.5, "1.5", True, None, "٣"])
def test_build_config_rejects_values_that_are_not_non_negative_whole_numbers(value):
    with pytest.raises(PolicyConfigError, match="non-negative whole number"):
        build_config("pep763", {"window_hours": value})


def test_policy_config_checks_itself_when_built_directly():
    with pytest.raises(PolicyConfigError):
        PolicyConfig("npm", {"window_hours": "3"})  # Strings are for build_config only.
    with pytest.raises(PolicyConfigError):
        PolicyConfig("nope", {})


@pytest.mark.parametrize(
    ("preset", "overrides", "figures"),
    [
        ("proposal-2022", None, ["proposal-2022", "first 7 days", "version 0", "24 hours"]),
        ("proposal-2022", {"project_window_days": 3}, ["first 3 days"]),
        ("pep763", None, ["72 hours", "pre-release"]),
        ("npm", {"weekly_download_limit": 1500}, ["fewer than 1,500", "a single owner"]),
        ("crates-io", None, ["1,000 downloads per month", "72 hours"]),
        ("rubygems", None, ["30 days", "100,000", "100 days"]),
        ("immutable", None, ["never delete", "yank"]),
        ("pypi-2025", None, ["any time", "free for anyone at once"]),
    ],
)
def test_describe_names_the_preset_and_its_figures(preset, overrides, figures):
    description = build_config(preset, overrides).describe()
    assert preset in description
    for figure in figures:
        assert figure in description


# Calling conventions --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("action", "release", "file"),
    [
        (Action.DELETE_RELEASE, None, None),
        (Action.YANK, None, None),
        (Action.UNYANK, None, None),
        (Action.DELETE_FILE, None, FRESH.releases[0].files[0]),
        (Action.DELETE_FILE, FRESH.releases[0], None),
    ],
)
def test_decide_requires_the_release_and_file(action, release, file):
    with pytest.raises(ValueError, match="needs the"):
        decide(
            action,
            project=FRESH,
            actor=ADMIN,
            now=NOW,
            config=build_config(),
            release=release,
            file=file,
        )


def test_decide_accepts_plain_strings_for_action_and_role():
    decision = decide(
        "delete_project", project=FRESH, actor="owner", now=NOW, config=build_config()
    )
    assert decision.rule == "proposal-2022.project-window"


@pytest.mark.parametrize(
    ("delta", "expected"),
    [
        (timedelta(seconds=59), "less than a minute"),
        (-HOUR, "less than a minute"),
        (59 * MINUTE, "59 minutes"),
        (HOUR, "1 hour"),
        (71 * HOUR, "71 hours"),
        (72 * HOUR - MINUTE, "71 hours and 59 minutes"),
        (72 * HOUR, "3 days"),
        (9 * DAY, "9 days"),
        (9 * DAY + 5 * HOUR + 3 * MINUTE, "9 days and 5 hours"),
        (30 * DAY + MINUTE, "30 days and 1 minute"),
    ],
)
def test_durations_read_plainly_and_are_never_rounded_up(delta, expected):
    assert _duration(delta) == expected
