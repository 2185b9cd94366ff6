"""The presets: one function per preset decides an owner's deletion once roles and lock passed.

Each row of the table joins a preset's parameters (with their defaults), its deletion rule, its
rule for a removed project's name and the summary pages show.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from types import MappingProxyType
from typing import TYPE_CHECKING

from .core import (
    Action,
    Decision,
    FileFacts,
    ProjectFacts,
    ReleaseFacts,
    ReservationRule,
    _allow,
    _Case,
    _refuse,
)
from .reservations import _cooldown, _free_at_once, _immutable_reservation, _rubygems_reservation
from .versions import _is_prerelease, versions_summary
from .wording import _depend_on, _duration, _listing, _owners_limit, _plural

if TYPE_CHECKING:
    from .config import PolicyConfig


def _if_every_release(
    case: _Case, rule: str, judge: Callable[[_Case, ReleaseFacts], Decision]
) -> Decision:
    """Allow deleting the project if `judge` allows deleting each of its live releases."""
    if not case.project.every_release_given:
        raise ValueError(f"The {case.preset} preset judges a project by every live release.")
    for release in case.project.releases:
        blocker = judge(case, release)
        if blocker.refused:
            return _refuse(
                rule,
                "A project can be deleted only if each of its live releases can be, and "
                f"release {release.version} cannot. {blocker.explanation}",
            )
    count = len(case.project.releases)
    if count > 1:
        every = f"each of its {_plural(count, 'live release')} can"
    else:
        every = "its only live release can" if count else "it has none left"
    return _allow(
        rule,
        f"Under {case.policy} a project can be deleted if each of its live releases can be, "
        f"and {every}.",
    )


def _proposal_2022(case: _Case) -> Decision:
    """Allow files and releases at any time; a project only while young or never past 0."""
    project, days = case.project, case.params["project_window_days"]
    if case.action is not Action.DELETE_PROJECT:
        return _allow(
            "proposal-2022.files-and-releases",
            f"Under {case.policy} owners may delete files and releases at any time while the "
            "project's deletion lock is off.",
        )
    rule_text = (
        f"under {case.policy} a project can be deleted only in its first {_plural(days, 'day')}, "
        "or if every release it ever had is version 0"
    )
    age = case.age(project.created_at)
    if age < timedelta(days=days):
        return _allow(
            "proposal-2022.project-window",
            f"This project is {_duration(age)} old; {rule_text}.",
        )
    # Removed releases count: deleting every release must not make a project deletable.
    versions = versions_summary(project)
    if not versions.count:
        return _allow(
            "proposal-2022.project-version-zero",
            f"This project is {_duration(age)} old but never had a release, so it is a "
            f"placeholder; {rule_text}.",
        )
    if not versions.not_zero_count:
        listed = [version for version, _live in versions.listed]
        return _allow(
            "proposal-2022.project-version-zero",
            f"This project is {_duration(age)} old but every release it ever had is version 0 "
            f"({_listing(listed, total=versions.count)}); {rule_text}.",
        )
    shown = [v if live else f"{v} (removed)" for v, live in versions.not_zero_listed]
    return _refuse(
        "proposal-2022.project-window",
        f"This project is {_duration(age)} old and has had "
        f"{_plural(versions.not_zero_count, 'release')} other than version 0 "
        f"({_listing(shown, total=versions.not_zero_count)}); {rule_text}. "
        "Removed releases count too.",
    )


def _pep763(case: _Case) -> Decision:
    """Allow recent files and pre-releases; a release or project only if all of it is."""
    if case.action is Action.DELETE_FILE:
        return _pep763_file(case, case.release, case.file)
    if case.action is Action.DELETE_RELEASE:
        return _pep763_release(case, case.release)
    return _if_every_release(case, "pep763.project-releases", _pep763_release)


def _pep763_rule(case: _Case) -> str:
    hours = _plural(case.params["window_hours"], "hour")
    return (
        f"under {case.policy} a file can be deleted within {hours} of its upload, or at any "
        "time if its release is a pre-release; a release only if every file of it can be"
    )


def _pep763_file(case: _Case, release: ReleaseFacts, file: FileFacts) -> Decision:
    if _is_prerelease(release.version):
        return _pep763_prerelease(case, release)
    age = case.age(file.uploaded_at)
    return Decision(
        allowed=age < timedelta(hours=case.params["window_hours"]),
        rule="pep763.file-window",
        explanation=(
            f"The file {file.filename} was uploaded {_duration(age)} ago and its release "
            f"{release.version} is not a pre-release; {_pep763_rule(case)}."
        ),
    )


def _pep763_release(case: _Case, release: ReleaseFacts) -> Decision:
    if _is_prerelease(release.version):
        return _pep763_prerelease(case, release)
    if not release.files:
        # Nothing left to judge by upload time, so the release's own age stands in.
        age = case.age(release.created_at)
        return Decision(
            allowed=age < timedelta(hours=case.params["window_hours"]),
            rule="pep763.release-window",
            explanation=(
                f"Release {release.version} has no files left, is not a pre-release and was "
                f"created {_duration(age)} ago; {_pep763_rule(case)}."
            ),
        )
    oldest = min(release.files, key=lambda f: f.uploaded_at)
    age = case.age(oldest.uploaded_at)
    return Decision(
        allowed=age < timedelta(hours=case.params["window_hours"]),
        rule="pep763.release-window",
        explanation=(
            f"Release {release.version} is not a pre-release and its oldest file, "
            f"{oldest.filename}, was uploaded {_duration(age)} ago; {_pep763_rule(case)}."
        ),
    )


def _pep763_prerelease(case: _Case, release: ReleaseFacts) -> Decision:
    return _allow(
        "pep763.prerelease",
        f"Release {release.version} is a pre-release; {_pep763_rule(case)}.",
    )


def _npm(case: _Case) -> Decision:
    """Allow a young project or release if nothing depends on it; later only small ones."""
    project, params = case.project, case.params
    if case.action is Action.DELETE_PROJECT:
        subject, created = "This project", project.created_at
    else:
        subject, created = f"Release {case.release.version}", case.release.created_at
    # A file cannot outlive its release's rule: npm has no per-file deletion.
    prefix = "A file follows its release's rule. " if case.action is Action.DELETE_FILE else ""
    hours = _plural(params["window_hours"], "hour")
    limit, max_owners = params["weekly_download_limit"], params["max_owners"]
    later_rule = (
        f"under {case.policy} it can be deleted after that only if nothing depends on the "
        f"project, the project had fewer than {limit:,} downloads in the last 7 days and it has "
        f"{_owners_limit(max_owners)}"
    )
    if project.dependent_projects > 0:
        return _refuse(
            "npm.dependents",
            f"{prefix}{_depend_on(project.dependent_projects, project.name)}; under "
            f"{case.policy} nothing can be deleted from a project that others depend on.",
        )
    age = case.age(created)
    if age < timedelta(hours=params["window_hours"]):
        return _allow(
            "npm.window",
            f"{prefix}{subject} was created {_duration(age)} ago and nothing depends on "
            f"{project.name}; under {case.policy} it can be deleted within {hours} of its "
            "creation.",
        )
    problems = []
    if project.downloads_last_7_days >= limit:
        problems.append(
            (
                "npm.downloads",
                f"it had {project.downloads_last_7_days:,} downloads in the last 7 days",
            )
        )
    if project.owner_count > max_owners:
        problems.append(("npm.owners", f"it has {_plural(project.owner_count, 'owner')}"))
    head = f"{prefix}{subject} was created {_duration(age)} ago, past the {hours} window; "
    if problems:
        reasons = " and ".join(text for _, text in problems)
        return _refuse(problems[0][0], f"{head}{later_rule}, but {reasons}.")
    return _allow(
        "npm.after-window",
        f"{head}{later_rule}, and it qualifies: nothing depends on it, it had "
        f"{project.downloads_last_7_days:,} downloads in the last 7 days and it has "
        f"{_plural(project.owner_count, 'owner')}.",
    )


_MONTH = timedelta(days=30)


def _crates_io(case: _Case) -> Decision:
    """Allow whole young projects, or old small ones with one owner; never files or releases."""
    project, params = case.project, case.params
    if case.action is not Action.DELETE_PROJECT:
        return _refuse(
            "crates-io.whole-projects-only",
            f"Under {case.policy} files and releases are never deleted, only yanked; only a "
            "whole project can be deleted.",
        )
    if project.dependent_projects > 0:
        return _refuse(
            "crates-io.dependents",
            f"{_depend_on(project.dependent_projects, project.name)}; "
            f"under {case.policy} a project that others depend on is never deleted.",
        )
    age = case.age(project.created_at)
    hours = _plural(params["window_hours"], "hour")
    if age < timedelta(hours=params["window_hours"]):
        return _allow(
            "crates-io.window",
            f"This project is {_duration(age)} old and nothing depends on it; under "
            f"{case.policy} a project can be deleted within {hours} of its creation.",
        )
    months = -(-age // _MONTH)  # Started months count: 30 days and a minute is 2 months.
    allowance, max_owners = params["monthly_download_allowance"], params["max_owners"]
    cap = allowance * months
    head = (
        f"This project is {_duration(age)} old, past the {hours} window; under {case.policy} it "
        f"can be deleted after that only if nothing depends on it, it has "
        f"{_owners_limit(max_owners)} and at most {allowance:,} downloads per month of its life "
        f"(months of 30 days, rounded up: {_plural(months, 'month')}, so at most {cap:,})"
    )
    problems = []
    if project.owner_count > max_owners:
        problems.append(("crates-io.owners", f"it has {_plural(project.owner_count, 'owner')}"))
    if project.downloads_total > cap:
        problems.append(
            ("crates-io.download-cap", f"it has {_plural(project.downloads_total, 'download')}")
        )
    if problems:
        reasons = " and ".join(text for _, text in problems)
        return _refuse(problems[0][0], f"{head}, but {reasons}.")
    return _allow(
        "crates-io.after-window",
        f"{head}, and it qualifies with {_plural(project.owner_count, 'owner')} and "
        f"{_plural(project.downloads_total, 'download')}.",
    )


def _rubygems(case: _Case) -> Decision:
    """Allow young, little-downloaded releases (and their files); a project if all are."""
    if case.action is Action.DELETE_FILE:
        decision = _rubygems_release(case, case.release)
        return replace(
            decision, explanation=f"A file follows its release's rule. {decision.explanation}"
        )
    if case.action is Action.DELETE_RELEASE:
        return _rubygems_release(case, case.release)
    return _if_every_release(case, "rubygems.project-releases", _rubygems_release)


def _rubygems_release(case: _Case, release: ReleaseFacts) -> Decision:
    days, limit = case.params["release_window_days"], case.params["release_download_limit"]
    age = case.age(release.created_at)
    facts = (
        f"Release {release.version} was created {_duration(age)} ago and has "
        f"{_plural(release.downloads_total, 'download')}"
    )
    rule_text = (
        f"under {case.policy} a release can be deleted only while it is at most "
        f"{_plural(days, 'day')} old and has at most {limit:,} downloads"
    )
    if age > timedelta(days=days):
        return _refuse("rubygems.release-window", f"{facts}; {rule_text}.")
    if release.downloads_total > limit:
        return _refuse("rubygems.release-downloads", f"{facts}; {rule_text}.")
    return _allow("rubygems.release-window", f"{facts}; {rule_text}.")


def _immutable(case: _Case) -> Decision:
    """Refuse every deletion: releases are yanked, projects archived or deprecated."""
    return _refuse(
        "immutable.no-deletion",
        f"Under {case.policy} nothing published is ever deleted by its owners: releases can be "
        "yanked and projects archived or deprecated instead.",
    )


def _pypi_2025(case: _Case) -> Decision:
    """Allow every deletion, as PyPI does today."""
    return _allow(
        "pypi-2025.any-time",
        f"Under {case.policy} owners may delete files, releases and projects at any time while "
        "the project's deletion lock is off.",
    )


# The table of presets ------------------------------------------------------------------------


@dataclass(frozen=True)
class Source:
    title: str
    url: str


@dataclass(frozen=True)
class _Preset:
    defaults: Mapping[str, int]
    deletion: Callable[[_Case], Decision]
    reservation: Callable[[ProjectFacts, datetime, PolicyConfig], ReservationRule]
    summary: Callable[[Mapping[str, int]], str]
    # Why `last_release_is_project` is set as it is: how that registry behaves, and its sources.
    last_release: str = ""
    sources: tuple[Source, ...] = ()
    # The project rule judges each live release, so it needs every one of them with its files.
    judges_every_release: bool = False


# Parameters every preset has, checked as 0 (off) or 1 (on):
# - last_release_is_project: removing a project's last live release (or the last live files of
#   its last release) is judged by the project-deletion rule, since it takes the project away
#   from everyone who installs it (`rules._judge_as_project`);
# - critical_needs_admin: deleting anything of a critical project (the most downloaded share,
#   `registry.impact`) is refused to owners; only a registry admin can.
FLAGS = ("last_release_is_project", "critical_needs_admin")


def _with_flags(last_release_is_project: int, **params: int) -> dict[str, int]:
    return {**params, "last_release_is_project": last_release_is_project, "critical_needs_admin": 0}


def flags_summary(params: Mapping[str, int]) -> str:
    """Say what the flags common to every preset add to its summary ("" when both are off)."""
    parts = []
    if params.get("last_release_is_project"):
        parts.append(
            "Removing a project's last live release, or the last files of it, counts as "
            "deleting the project."
        )
    if params.get("critical_needs_admin"):
        parts.append("Only a registry admin deletes anything of a critical project.")
    return " ".join(parts)


def _cooldown_summary(p: Mapping[str, int], *, owners_at_once: bool = True) -> str:
    hours = p["name_cooldown_hours"]
    if hours == 0:
        return "A removed project's name is free for anyone at once."
    if owners_at_once:
        return (
            f"A removed project's name is blocked for others for {_plural(hours, 'hour')}; "
            "its previous owners may take it back at once."
        )
    return f"A removed project's name is blocked for everyone for {_plural(hours, 'hour')}."


_PRESETS: dict[str, _Preset] = {
    "proposal-2022": _Preset(
        _with_flags(1, project_window_days=7, name_cooldown_hours=24),
        _proposal_2022,
        _cooldown(previous_owners_may_register=True),
        lambda p: (
            "owners may delete files and releases at any time unless the project's deletion "
            "lock is on, and a project only in its first "
            f"{_plural(p['project_window_days'], 'day')} or if every release it ever had is "
            f"version 0. {_cooldown_summary(p)}"
        ),
        last_release=(
            "On: the discussion that started Holdfast turned on left-pad, and removing a "
            "project's only release takes it from every installer as surely as deleting it; "
            "without this, the project rule could be walked around one release at a time."
        ),
        sources=(
            Source(
                "Stop allowing deleting things from PyPI? (discuss.python.org, 2022)",
                "https://discuss.python.org/t/stop-allowing-deleting-things-from-pypi/17227",
            ),
        ),
    ),
    "pep763": _Preset(
        _with_flags(0, window_hours=72, name_cooldown_hours=24),
        _pep763,
        _cooldown(previous_owners_may_register=True),
        lambda p: (
            f"owners may delete a file within {_plural(p['window_hours'], 'hour')} of its upload "
            "or if its release is a pre-release, a release if all its files can be, and a "
            f"project if all its releases can be. {_cooldown_summary(p)}"
        ),
        last_release=(
            "Off: PEP 763 judges every release by its own files and age, the last one too; its "
            "project rule asks the same of each release, so the answer would not change."
        ),
        sources=(
            Source("PEP 763: Limiting deletions on PyPI", "https://peps.python.org/pep-0763/"),
        ),
        judges_every_release=True,
    ),
    "npm": _Preset(
        _with_flags(
            1,
            window_hours=72,
            weekly_download_limit=300,
            max_owners=1,
            name_cooldown_hours=24,
        ),
        _npm,
        _cooldown(previous_owners_may_register=False),
        lambda p: (
            "owners may delete a project or release within "
            f"{_plural(p['window_hours'], 'hour')} of its creation if nothing depends on the "
            "project; later only if nothing depends on it, it had fewer than "
            f"{p['weekly_download_limit']:,} downloads in the last 7 days and it has "
            f"{_owners_limit(p['max_owners'])}. "
            f"{_cooldown_summary(p, owners_at_once=False)}"
        ),
        last_release=(
            "On: npm removes the package entry itself when its last version is unpublished, "
            "and blocks the name as for a whole package."
        ),
        sources=(
            Source("npm Unpublish Policy", "https://docs.npmjs.com/policies/unpublish"),
            Source("npm-unpublish", "https://docs.npmjs.com/cli/commands/npm-unpublish"),
        ),
    ),
    "crates-io": _Preset(
        _with_flags(
            0,
            window_hours=72,
            max_owners=1,
            monthly_download_allowance=1000,
            name_cooldown_hours=24,
        ),
        _crates_io,
        _cooldown(previous_owners_may_register=True),
        lambda p: (
            "owners may delete whole projects only (releases and files are yanked), never one "
            f"that others depend on; within {_plural(p['window_hours'], 'hour')} of its "
            f"creation, or later with {_owners_limit(p['max_owners'])} and at most "
            f"{p['monthly_download_allowance']:,} downloads per month of its life. "
            f"{_cooldown_summary(p)}"
        ),
        last_release=(
            "Off: crates.io never deletes a version, the last one included (versions are only "
            "yanked); deleting a whole crate has its own rule."
        ),
        sources=(
            Source(
                "RFC 3660: crates.io crate deletions",
                "https://rust-lang.github.io/rfcs/3660-crates-io-crate-deletions.html",
            ),
            Source("crates.io usage policy", "https://crates.io/policies"),
        ),
    ),
    "rubygems": _Preset(
        _with_flags(
            1,
            release_window_days=30,
            release_download_limit=100_000,
            name_reservation_days=100,
            young_project_days=30,
        ),
        _rubygems,
        _rubygems_reservation,
        lambda p: (
            "owners may delete a release at most "
            f"{_plural(p['release_window_days'], 'day')} old with at most "
            f"{p['release_download_limit']:,} downloads, and a project if each of its releases "
            f"can be deleted. A removed project's name is reserved from others for "
            f"{_plural(p['name_reservation_days'], 'day')}, unless the project was younger than "
            f"{_plural(p['young_project_days'], 'day')}."
        ),
        last_release=(
            "On: on RubyGems.org, once every version of a gem is yanked the gem itself is gone "
            "and its name is treated as a deleted gem's."
        ),
        sources=(
            Source(
                "RubyGems: Removing a published gem",
                "https://guides.rubygems.org/removing-a-published-gem/",
            ),
        ),
        judges_every_release=True,
    ),
    "immutable": _Preset(
        _with_flags(1),
        _immutable,
        _immutable_reservation,
        lambda p: (
            "owners never delete anything published; they yank releases and archive or "
            "deprecate projects instead."
        ),
        last_release=(
            "On, though it changes nothing: in Maven Central, NuGet and Hackage nothing "
            "published is deleted, the last version neither."
        ),
        sources=(
            Source(
                "Maven Central: Can I change, modify, delete, remove or update a component?",
                "https://central.sonatype.org/faq/can-i-change-a-component/",
            ),
            Source(
                "NuGet: Deleting packages",
                "https://learn.microsoft.com/en-us/nuget/nuget-org/policies/deleting-packages",
            ),
        ),
    ),
    "pypi-2025": _Preset(
        _with_flags(0),
        _pypi_2025,
        _free_at_once,
        lambda p: (
            "owners may delete files, releases and projects at any time unless the project's "
            "deletion lock is on. A removed project's name is free for anyone at once."
        ),
        last_release=(
            "Off: PyPI lets an owner delete every release; the project stays registered, "
            "empty, and its name stays taken."
        ),
        sources=(
            Source(
                "PyPI help: Why isn't my desired project name available? / deleting releases",
                "https://pypi.org/help/",
            ),
            Source(
                "Stop allowing deleting things from PyPI? (discuss.python.org, 2022)",
                "https://discuss.python.org/t/stop-allowing-deleting-things-from-pypi/17227",
            ),
        ),
    ),
}


def needs_every_release(config: PolicyConfig) -> bool:
    """Say whether the preset of `config` needs the facts of every live release to decide (a
    project's deletion judged release by release); otherwise the facts of the releases asked
    about, with a VersionsSummary and the live release count, decide the same."""
    return _PRESETS[config.preset].judges_every_release


def preset_notes(name: str) -> tuple[str, tuple[Source, ...]]:
    """Return why the preset sets `last_release_is_project` as it does, and its sources."""
    preset = _PRESETS[name]
    return preset.last_release, preset.sources


# The parameters of each preset, with their defaults (read-only).
PRESETS: dict[str, Mapping[str, int]] = {
    name: MappingProxyType(dict(preset.defaults)) for name, preset in _PRESETS.items()
}
