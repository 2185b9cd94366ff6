"""The last live release counted as the project, critical projects, and what refusals carry.

Pure: no database, no clock. Every preset has two 0/1 parameters (`policy.FLAGS`):
`last_release_is_project` (removing a project's last live release, or the last live files of
it, is judged by the project-deletion rule) and `critical_needs_admin` (only a registry admin
deletes from a critical project).
"""

from datetime import UTC, datetime, timedelta

import pytest

from registry.policy import (
    FLAGS,
    PRESETS,
    Action,
    ActorRole,
    FileFacts,
    PolicyConfigError,
    ProjectFacts,
    ReleaseFacts,
    build_config,
    decide,
    preset_notes,
)
from registry.policy.wording import RULE_WORDS

NOW = datetime(2025, 6, 1, 12, 0, tzinfo=UTC)
HOUR = timedelta(hours=1)
OLD = timedelta(days=400)

OWNER, MAINTAINER, ADMIN = ActorRole.OWNER, ActorRole.MAINTAINER, ActorRole.ADMIN
ALL_PRESETS = sorted(PRESETS)
LAST = "last-release.is-project"
CRITICAL = "critical.needs-admin"

# How each registry behaves, as the presets' notes explain (`preset_notes`).
LAST_RELEASE_IS_PROJECT = {
    "proposal-2022": 1,
    "pep763": 0,
    "npm": 1,
    "crates-io": 0,
    "rubygems": 1,
    "immutable": 1,
    "pypi-2025": 0,
}


def release(version="1.0", *, age=OLD, files=1, downloads=0):
    """A release created `age` ago with `files` live files, uploaded when it was created."""
    return ReleaseFacts(
        version,
        NOW - age,
        downloads,
        tuple(FileFacts(f"pkg-{version}-{n}.whl", NOW - age) for n in range(files)),
    )


def project(
    *releases,
    age=OLD,
    removed=(),
    owners=2,
    weekly=0,
    total=0,
    dependents=0,
    locked=False,
    status="active",
    critical=False,
):
    """A project with the live `releases` (one 1.0 release by default) and `removed` versions."""
    if not releases:
        releases = (release(age=age),)
    return ProjectFacts(
        name="pkg",
        created_at=NOW - age,
        versions_ever=(*(r.version for r in releases), *removed),
        releases=releases,
        owner_count=owners,
        downloads_last_7_days=weekly,
        downloads_total=total,
        dependent_projects=dependents,
        deletion_locked=locked,
        status=status,
        critical=critical,
    )


def ask(action, facts, *, preset="proposal-2022", overrides=None, actor=OWNER, **kwargs):
    """Decide `action` on `facts`; a release or file action defaults to the first release."""
    if action is not Action.DELETE_PROJECT and "release" not in kwargs:
        kwargs["release"] = facts.releases[0]
    if action is Action.DELETE_FILE and "file" not in kwargs:
        kwargs["file"] = kwargs["release"].files[0]
    return decide(
        action,
        project=facts,
        actor=actor,
        now=NOW,
        config=build_config(preset, overrides),
        **kwargs,
    )


def flag(preset, value):
    return build_config(preset, {"last_release_is_project": value})


def ids(decision):
    return tuple(alternative.action for alternative in decision.alternatives)


# Old, used by nine other projects and downloaded a million times a week: deleting it is
# refused under every preset but pypi-2025.
USED = project(weekly=10**6, total=10**8, dependents=9)
# An hour old, version 0 only, nothing depends on it: every preset but immutable lets it go.
FRESH = project(release("0", age=HOUR), age=HOUR)


# The parameters ------------------------------------------------------------------------------


@pytest.mark.parametrize("preset", ALL_PRESETS)
def test_every_preset_has_both_flags_set_as_its_registry_behaves(preset):
    assert FLAGS == ("last_release_is_project", "critical_needs_admin")
    assert PRESETS[preset]["last_release_is_project"] == LAST_RELEASE_IS_PROJECT[preset]
    assert PRESETS[preset]["critical_needs_admin"] == 0
    assert set(LAST_RELEASE_IS_PROJECT) == set(PRESETS)


@pytest.mark.parametrize("preset", ALL_PRESETS)
@pytest.mark.parametrize("name", FLAGS)
@pytest.mark.parametrize("value", [0, 1, "0", "1", " 1 "])
def test_a_flag_accepts_0_and_1(preset, name, value):
    assert build_config(preset, {name: value}).params[name] == int(value)


@pytest.mark.parametrize("name", FLAGS)
@pytest.mark.parametrize("value", [2, "2", 10, -1, "-1", "yes", "true", "on", "", True, None, 0.5])
def test_a_flag_refuses_anything_but_0_and_1_with_a_clear_error(name, value):
    with pytest.raises(PolicyConfigError) as raised:
        build_config("npm", {name: value})
    assert str(raised.value) == (
        f"Parameter {name!r} of deletion policy preset 'npm' is on (1) or off (0), not {value!r}."
    )


def test_a_flag_comes_from_the_environment_by_its_upper_case_name():
    config = build_config("pep763", {"LAST_RELEASE_IS_PROJECT": "1", "CRITICAL_NEEDS_ADMIN": "1"})
    assert (config.params["last_release_is_project"], config.params["critical_needs_admin"]) == (
        1,
        1,
    )


LAST_RELEASE_SENTENCE = (
    "Removing a project's last live release, or the last files of it, counts as deleting the "
    "project."
)
CRITICAL_SENTENCE = "Only a registry admin deletes anything of a critical project."


@pytest.mark.parametrize("preset", ALL_PRESETS)
def test_the_summary_mentions_the_flags_that_are_on(preset):
    described = build_config(preset).describe()
    assert (LAST_RELEASE_SENTENCE in described) is bool(LAST_RELEASE_IS_PROJECT[preset])
    assert CRITICAL_SENTENCE not in described

    both = build_config(preset, {"last_release_is_project": 1, "critical_needs_admin": 1})
    assert both.describe().endswith(f" {LAST_RELEASE_SENTENCE} {CRITICAL_SENTENCE}")
    neither = build_config(preset, {"last_release_is_project": 0, "critical_needs_admin": 0})
    assert LAST_RELEASE_SENTENCE not in neither.describe()
    assert CRITICAL_SENTENCE not in neither.describe()


@pytest.mark.parametrize("preset", ALL_PRESETS)
def test_every_preset_says_why_its_flag_is_set_so_with_sources(preset):
    why, sources = preset_notes(preset)
    assert why.endswith(".") and len(why.split()) >= 8
    # The note opens with the setting it explains.
    assert why.startswith("On" if LAST_RELEASE_IS_PROJECT[preset] else "Off")
    assert sources
    for source in sources:
        assert source.title.strip()
        assert source.url.startswith("https://")


def test_the_new_rules_have_words_for_pages():
    assert RULE_WORDS[LAST] == "removing a project's last release removes the project"
    assert RULE_WORDS[CRITICAL] == "only an admin deletes from a critical project"


# The last live release is the project --------------------------------------------------------


@pytest.mark.parametrize("preset", ALL_PRESETS)
@pytest.mark.parametrize("facts", [USED, FRESH], ids=["used", "fresh"])
@pytest.mark.parametrize("action", [Action.DELETE_RELEASE, Action.DELETE_FILE])
def test_with_the_flag_on_the_only_release_is_judged_as_the_project(preset, facts, action):
    config = {"last_release_is_project": 1}
    as_project = ask(Action.DELETE_PROJECT, facts, preset=preset, overrides=config)

    decision = ask(action, facts, preset=preset, overrides=config)

    assert decision.allowed is as_project.allowed
    assert "it is judged as deleting the project" in decision.explanation
    if decision.allowed:
        assert decision.rule == as_project.rule
        assert decision.explanation.endswith(as_project.explanation)
    else:
        assert decision.rule == LAST
        # The project rule's own explanation and figures, after saying why it applies.
        assert decision.explanation.endswith(as_project.explanation)
        version = facts.releases[0].version
        assert decision.explanation.startswith(
            f"Release {version} is the only live release of pkg: "
            if action is Action.DELETE_RELEASE
            else f"These are the last live files of pkg (release {version}, its only release): "
        )


@pytest.mark.parametrize("preset", ALL_PRESETS)
@pytest.mark.parametrize("facts", [USED, FRESH], ids=["used", "fresh"])
@pytest.mark.parametrize("action", [Action.DELETE_RELEASE, Action.DELETE_FILE])
def test_with_the_flag_off_the_only_release_follows_the_release_rule(preset, facts, action):
    off = {"last_release_is_project": 0}
    decision = ask(action, facts, preset=preset, overrides=off)
    # The same release with a second live one beside it: the preset's own release rule.
    with_another = project(
        *facts.releases,
        release("0.1", age=HOUR),
        age=NOW - facts.created_at,
        weekly=facts.downloads_last_7_days,
        total=facts.downloads_total,
        dependents=facts.dependent_projects,
    )
    ordinary = ask(action, with_another, preset=preset, overrides=off)

    assert decision.rule != LAST
    assert "judged as deleting the project" not in decision.explanation
    assert (decision.allowed, decision.rule) == (ordinary.allowed, ordinary.rule)


@pytest.mark.parametrize(
    ("preset", "allowed", "rule"),
    [
        ("proposal-2022", False, LAST),
        ("pep763", False, "pep763.release-window"),
        ("npm", False, LAST),
        ("crates-io", False, "crates-io.whole-projects-only"),
        ("rubygems", False, LAST),
        ("immutable", False, LAST),
        ("pypi-2025", True, "pypi-2025.any-time"),
    ],
)
def test_each_preset_by_default_on_the_only_release_of_a_used_project(preset, allowed, rule):
    decision = ask(Action.DELETE_RELEASE, USED, preset=preset)
    assert (decision.allowed, decision.rule) == (allowed, rule)


def test_the_flag_overrides_the_preset_both_ways():
    assert ask(Action.DELETE_RELEASE, USED).rule == LAST
    off = ask(Action.DELETE_RELEASE, USED, overrides={"last_release_is_project": 0})
    assert (off.allowed, off.rule) == (True, "proposal-2022.files-and-releases")

    on = ask(
        Action.DELETE_RELEASE, USED, preset="pypi-2025", overrides={"last_release_is_project": 1}
    )
    assert (on.allowed, on.rule) == (True, "pypi-2025.any-time")
    assert "judged as deleting the project" in on.explanation
    crates = ask(
        Action.DELETE_RELEASE, USED, preset="crates-io", overrides={"last_release_is_project": 1}
    )
    assert (crates.allowed, crates.rule) == (False, LAST)
    assert "never deleted" in crates.explanation


def test_the_last_files_chosen_together_are_judged_as_the_project():
    facts = project(release(files=2), weekly=10**6, dependents=9)
    first, second = facts.releases[0].files

    together = ask(
        Action.DELETE_FILE, facts, file=first, together={first.filename, second.filename}
    )
    assert (together.allowed, together.rule) == (False, LAST)
    assert together.explanation.startswith(
        "These are the last live files of pkg (release 1.0, its only release): removing them "
        "takes pkg away from everyone who installs it"
    )
    # `together` need not repeat the file decided on.
    assert ask(Action.DELETE_FILE, facts, file=first, together={second.filename}).rule == LAST

    # One file of two: the release stays installable, so it is not the project.
    alone = ask(Action.DELETE_FILE, facts, file=first)
    assert (alone.allowed, alone.rule) == (True, "proposal-2022.files-and-releases")
    unrelated = ask(Action.DELETE_FILE, facts, file=first, together={"pkg-2.0-0.whl"})
    assert unrelated.rule == "proposal-2022.files-and-releases"


def test_a_single_file_that_is_the_last_is_judged_as_the_project():
    decision = ask(Action.DELETE_FILE, USED)
    assert (decision.allowed, decision.rule) == (False, LAST)


def test_a_project_with_two_live_releases_is_not_judged():
    facts = project(release("1.0"), release("2.0"), weekly=10**6, dependents=9)
    for action in (Action.DELETE_RELEASE, Action.DELETE_FILE):
        for version in facts.releases:
            decision = ask(action, facts, release=version)
            assert (decision.allowed, decision.rule) == (True, "proposal-2022.files-and-releases")


def test_a_removed_second_release_does_not_count_as_live():
    facts = project(release("1.0"), removed=("2.0",), weekly=10**6, dependents=9)

    decision = ask(Action.DELETE_RELEASE, facts)

    assert (decision.allowed, decision.rule) == (False, LAST)
    assert "1.0 and 2.0 (removed)" in decision.explanation  # the project rule counts it


def test_the_refusal_names_the_project_rule_the_dependents_and_the_downloads():
    decision = ask(Action.DELETE_RELEASE, USED)

    assert decision.explanation == (
        "Release 1.0 is the only live release of pkg: removing it takes pkg away from everyone "
        "who installs it, so under this registry's policy (the proposal-2022 preset) it is judged "
        "as deleting the project. This project is 400 days old and has had 1 release other than "
        "version 0 (1.0); under this registry's policy (the proposal-2022 preset) a project can "
        "be deleted only in its first 7 days, or if every release it ever had is version 0. "
        "Removed releases count too. 9 other projects depend on pkg and it had 1,000,000 "
        "downloads in the last 7 days."
    )


@pytest.mark.parametrize(
    ("weekly", "dependents", "figures"),
    [
        (0, 0, ""),
        (1, 0, " It had 1 download in the last 7 days."),
        (0, 1, " 1 other project depends on pkg."),
        (
            5_000,
            2,
            " 2 other projects depend on pkg and it had 5,000 downloads in the last 7 days.",
        ),
    ],
)
def test_the_figures_a_refusal_carries(weekly, dependents, figures):
    facts = project(weekly=weekly, dependents=dependents)
    project_refusal = ask(Action.DELETE_PROJECT, facts)
    last_release = ask(Action.DELETE_RELEASE, facts)

    for decision in (project_refusal, last_release):
        assert decision.refused
        assert decision.explanation.endswith("Removed releases count too." + figures)


@pytest.mark.parametrize(
    ("status", "expected"),
    [
        ("active", ("yank", "archive", "deprecate", "request_exception")),
        ("archived", ("yank", "deprecate", "request_exception")),
        ("deprecated", ("yank", "archive", "request_exception")),
    ],
)
def test_the_last_release_refusal_offers_yanking_first(status, expected):
    decision = ask(Action.DELETE_RELEASE, project(status=status))
    assert decision.rule == LAST
    assert ids(decision) == expected
    yank = decision.alternatives[0]
    assert (yank.label, yank.description.endswith(".")) == ("Yank the release", True)


def test_the_lock_refusing_the_last_release_offers_the_projects_ways_out_and_figures():
    decision = ask(Action.DELETE_RELEASE, project(locked=True, weekly=70, dependents=3))
    assert decision.rule == "lock.deletions-locked"
    assert ids(decision) == ("yank", "archive", "deprecate", "request_exception", "unlock_by_admin")
    assert decision.explanation.endswith(
        " 3 other projects depend on pkg and it had 70 downloads in the last 7 days."
    )
    # Not the last release: a release's own ways out, and no project figures.
    facts = project(release("1.0"), release("2.0"), locked=True, weekly=70, dependents=3)
    other = ask(Action.DELETE_RELEASE, facts)
    assert ids(other) == ("yank", "request_exception", "unlock_by_admin")
    assert "depend on pkg" not in other.explanation


# Refused project deletions -------------------------------------------------------------------

PROJECT_WAYS_OUT = ("yank_releases", "archive", "deprecate", "transfer", "request_exception")


@pytest.mark.parametrize("preset", [p for p in ALL_PRESETS if p != "pypi-2025"])
def test_every_refused_project_deletion_offers_yanking_first_and_carries_the_figures(preset):
    decision = ask(Action.DELETE_PROJECT, USED, preset=preset)

    assert decision.refused
    assert ids(decision) == PROJECT_WAYS_OUT
    yank = decision.alternatives[0]
    assert yank.label == "Yank its releases"
    assert "unless one is pinned exactly" in yank.description
    # Said once, whether the rule itself decided by the dependents (npm, crates-io) or not.
    assert decision.explanation.count("9 other projects depend on pkg") == 1
    assert decision.explanation.count("1,000,000 downloads in the last 7 days") == 1


@pytest.mark.parametrize("preset", ["npm", "crates-io"])
def test_a_dependents_rule_is_not_followed_by_the_same_sentence(preset):
    facts = project(release("0", age=HOUR), age=HOUR, dependents=1)

    decision = ask(Action.DELETE_PROJECT, facts, preset=preset)

    assert decision.rule == f"{preset}.dependents"
    assert decision.explanation.startswith("1 other project depends on pkg; under ")
    assert decision.explanation.count("depends on pkg") == 1


def test_an_npm_download_rule_is_not_followed_by_the_same_downloads():
    facts = project(owners=1, weekly=300)

    for action in (Action.DELETE_PROJECT, Action.DELETE_RELEASE):
        decision = ask(action, facts, preset="npm")
        assert decision.rule == ("npm.downloads" if action is Action.DELETE_PROJECT else LAST)
        assert decision.explanation.count("had 300 downloads in the last 7 days") == 1


def test_a_project_locked_against_deletion_also_offers_yanking_first():
    decision = ask(Action.DELETE_PROJECT, project(locked=True))
    assert ids(decision) == (*PROJECT_WAYS_OUT, "unlock_by_admin")


def test_a_maintainer_is_offered_what_a_maintainer_can_do_not_yank_releases():
    decision = ask(Action.DELETE_PROJECT, USED, actor=MAINTAINER)
    assert (decision.rule, ids(decision)) == ("role.maintainer-cannot-delete", ("ask_owner",))


# Critical projects ---------------------------------------------------------------------------

NEEDS_ADMIN = {"critical_needs_admin": 1}
DELETIONS = (Action.DELETE_FILE, Action.DELETE_RELEASE, Action.DELETE_PROJECT)


@pytest.mark.parametrize("preset", ALL_PRESETS)
@pytest.mark.parametrize("action", DELETIONS)
def test_critical_needs_admin_refuses_the_owners_of_a_critical_project(preset, action):
    # Two live releases: the refusal is the critical rule's, not the last release's.
    facts = project(
        release("0", age=HOUR), release("0.1", age=HOUR), age=HOUR, critical=True, weekly=10**6
    )

    decision = ask(action, facts, preset=preset, overrides=NEEDS_ADMIN)

    assert (decision.allowed, decision.rule) == (False, CRITICAL)
    assert decision.explanation.startswith(
        "pkg is a critical project, among the most downloaded of this registry; under this "
        f"registry's policy (the {preset} preset) only a registry admin can "
    )
    if action is Action.DELETE_PROJECT:
        assert ids(decision)[0] == "yank_releases"
        assert decision.explanation.endswith("It had 1,000,000 downloads in the last 7 days.")
    else:
        assert ids(decision) == ("yank", "request_exception")


@pytest.mark.parametrize("preset", ALL_PRESETS)
def test_an_admin_override_of_a_critical_project_names_the_rule(preset):
    facts = project(release("0", age=HOUR), release("0.1", age=HOUR), age=HOUR, critical=True)

    decision = ask(Action.DELETE_RELEASE, facts, preset=preset, overrides=NEEDS_ADMIN, actor=ADMIN)

    assert (decision.allowed, decision.override, decision.rule) == (True, True, "admin.override")
    assert f"overriding the rule {CRITICAL} that refuses it to owners" in decision.explanation


def test_critical_needs_admin_judges_only_critical_projects_and_only_when_on():
    critical = project(release("0", age=HOUR), release("0.1", age=HOUR), age=HOUR, critical=True)
    ordinary = project(release("0", age=HOUR), release("0.1", age=HOUR), age=HOUR)

    assert ask(Action.DELETE_RELEASE, ordinary, overrides=NEEDS_ADMIN).allowed
    assert ask(Action.DELETE_RELEASE, critical).allowed  # off by default
    assert ask(Action.DELETE_PROJECT, critical).allowed
    # Nothing that removes nothing is refused, and maintainers keep their own refusal.
    for action in (Action.YANK, Action.ARCHIVE, Action.DEPRECATE, Action.LOCK_DELETIONS):
        assert ask(action, critical, overrides=NEEDS_ADMIN).allowed
    maintainer = ask(Action.DELETE_RELEASE, critical, overrides=NEEDS_ADMIN, actor=MAINTAINER)
    assert maintainer.rule == "role.maintainer-cannot-delete"


def test_the_lock_is_said_before_the_critical_rule():
    facts = project(critical=True, locked=True)
    assert ask(Action.DELETE_RELEASE, facts, overrides=NEEDS_ADMIN).rule == "lock.deletions-locked"
