"""The deletion policy: who may do what to a project, a release or a file, and why.

This module is pure: no ORM, no settings, no clock. Callers take a snapshot of the facts, pass
`now` and a PolicyConfig (built from settings by the caller with `build_config`), and get back a
Decision carrying the rule that decided, a plain-language explanation with the real figures, and
what the actor can do instead. Every refusal a maintainer sees is one of these Decisions.

Order of the rules, the same under every preset:

1. Roles: anonymous users, users without a role and support staff may do nothing; registry
   admins may do everything (an "override" when an owner would be refused).
2. A quarantined project: its owners and maintainers may do nothing.
3. Maintainers may upload, yank and un-yank only. Owners may also archive, deprecate, lock
   deletions and manage roles; only an admin lifts a deletion lock.
4. Owners' deletions: refused while the deletion lock is on, then decided by the preset.
"""

from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from enum import StrEnum
from types import MappingProxyType

from packaging.version import InvalidVersion, Version


class Action(StrEnum):
    DELETE_FILE = "delete_file"
    DELETE_RELEASE = "delete_release"
    DELETE_PROJECT = "delete_project"
    YANK = "yank"
    UNYANK = "unyank"
    ARCHIVE = "archive"
    UNARCHIVE = "unarchive"
    DEPRECATE = "deprecate"
    UNDEPRECATE = "undeprecate"
    LOCK_DELETIONS = "lock_deletions"
    UNLOCK_DELETIONS = "unlock_deletions"
    UPLOAD = "upload"
    MANAGE_ROLES = "manage_roles"


class ActorRole(StrEnum):
    ANONYMOUS = "anonymous"
    OTHER = "other"  # Logged in, without a role on the project.
    MAINTAINER = "maintainer"
    OWNER = "owner"
    SUPPORT = "support"  # Support staff: triage in the admin, never act on projects.
    ADMIN = "admin"  # Registry admin.


DELETIONS = frozenset({Action.DELETE_FILE, Action.DELETE_RELEASE, Action.DELETE_PROJECT})
MAINTAINER_ACTIONS = frozenset({Action.UPLOAD, Action.YANK, Action.UNYANK})
# Everything an owner may do whatever the preset says, because none of it removes anything.
OWNER_ACTIONS = MAINTAINER_ACTIONS | {
    Action.ARCHIVE,
    Action.UNARCHIVE,
    Action.DEPRECATE,
    Action.UNDEPRECATE,
    Action.LOCK_DELETIONS,
    Action.MANAGE_ROLES,
}
_NEEDS_RELEASE = frozenset({Action.DELETE_FILE, Action.DELETE_RELEASE, Action.YANK, Action.UNYANK})

QUARANTINED = "quarantined"


# The facts -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class FileFacts:
    filename: str
    uploaded_at: datetime


@dataclass(frozen=True)
class ReleaseFacts:
    version: str
    created_at: datetime
    downloads_total: int
    files: tuple[FileFacts, ...] = ()  # Live files only.


@dataclass(frozen=True)
class ProjectFacts:
    name: str
    created_at: datetime
    versions_ever: tuple[str, ...]  # Every version ever released, removed releases included.
    releases: tuple[ReleaseFacts, ...]  # Live releases.
    owner_count: int
    downloads_last_7_days: int
    downloads_total: int
    dependent_projects: int  # Other projects whose latest live release depends on this one.
    deletion_locked: bool
    status: str = "active"  # PEP 792: active, archived, deprecated or quarantined.


# The answers ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Alternative:
    action: str  # Stable id, e.g. "yank", "transfer", "request_exception".
    label: str  # Short button text.
    description: str  # One plain sentence.


@dataclass(frozen=True)
class Decision:
    allowed: bool
    rule: str  # Stable id, e.g. "proposal-2022.project-window"; stored with removal events.
    explanation: str
    alternatives: tuple[Alternative, ...] = ()
    override: bool = False  # An admin is allowed what the rules would refuse an owner.

    @property
    def refused(self) -> bool:
        return not self.allowed


@dataclass(frozen=True)
class ReservationRule:
    others_blocked_for: timedelta | None  # None: forever; timedelta(0): free at once.
    previous_owners_may_register: bool
    explanation: str


# Configuration -------------------------------------------------------------------------------


class PolicyConfigError(ValueError):
    """The configured preset or one of its parameters is not valid."""


DEFAULT_PRESET = "proposal-2022"


@dataclass(frozen=True)
class PolicyConfig:
    """A preset and its parameters; parameters left out take the preset's defaults."""

    preset: str
    params: Mapping[str, int]

    def __post_init__(self):
        params = _check_params(self.preset, self.params, coerce=False)
        # Frozen, so write through object; a read-only view keeps the config immutable.
        object.__setattr__(self, "params", MappingProxyType(params))

    def __hash__(self):
        # The generated hash would fail on the mapping; hashable configs can key caches.
        return hash((self.preset, tuple(sorted(self.params.items()))))

    def describe(self) -> str:
        """Summarise the preset and its parameters in a sentence or two, for pages."""
        return f"Deletion policy {self.preset}: {_PRESETS[self.preset].summary(self.params)}"


def build_config(
    preset: str = DEFAULT_PRESET, overrides: Mapping[str, object] | None = None
) -> PolicyConfig:
    """Build a PolicyConfig, accepting numeric strings (from the environment) as values."""
    preset = preset.strip() if isinstance(preset, str) else preset
    return PolicyConfig(preset, _check_params(preset, overrides or {}, coerce=True))


def _check_params(preset: str, given: Mapping[str, object], *, coerce: bool) -> dict[str, int]:
    """Return the preset's defaults updated with `given`, or raise PolicyConfigError."""
    if preset not in _PRESETS:
        raise PolicyConfigError(
            f"Unknown deletion policy preset {preset!r}; "
            f"valid presets are: {', '.join(sorted(_PRESETS))}."
        )
    defaults = _PRESETS[preset].defaults
    params = dict(defaults)
    for given_name, value in given.items():
        # Names from the environment arrive upper-case (HOLDFAST_POLICY_WINDOW_HOURS).
        name = given_name.lower() if coerce and isinstance(given_name, str) else given_name
        if name not in defaults:
            valid = ", ".join(sorted(defaults)) if defaults else "none (it takes no parameters)"
            raise PolicyConfigError(
                f"Unknown parameter {given_name!r} for deletion policy preset {preset!r}; "
                f"valid parameters are: {valid}."
            )
        params[name] = _check_value(preset, name, value, coerce=coerce)
    return params


def _check_value(preset: str, name: str, value: object, *, coerce: bool) -> int:
    if coerce and isinstance(value, str) and value.strip().isascii() and value.strip().isdigit():
        return int(value.strip())
    # bool is an int subclass, but True is a mistake here, not 1.
    if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
        return value
    raise PolicyConfigError(
        f"Parameter {name!r} of deletion policy preset {preset!r} must be a non-negative "
        f"whole number, not {value!r}."
    )


# Deciding ------------------------------------------------------------------------------------


def decide(
    action: Action,
    *,
    project: ProjectFacts,
    actor: ActorRole,
    now: datetime,
    config: PolicyConfig,
    release: ReleaseFacts | None = None,
    file: FileFacts | None = None,
) -> Decision:
    """Decide whether `actor` may perform `action`, and explain the decision.

    `release` is required for deleting, yanking and un-yanking a release; `release` (the file's
    own release) and `file` for deleting a file.
    """
    action, actor = Action(action), ActorRole(actor)
    if action in _NEEDS_RELEASE and release is None:
        raise ValueError(f"Deciding {action} needs the release it applies to.")
    if action is Action.DELETE_FILE and file is None:
        raise ValueError(f"Deciding {action} needs the file it applies to.")
    case = _Case(action, project, release, file, now, config.preset, config.params)

    if actor is ActorRole.ADMIN:
        return _decide_for_admin(case)
    if actor is ActorRole.SUPPORT:
        return _refuse(
            "role.support-cannot-act",
            "Support staff triage reports in the admin but never act on projects themselves; "
            f"only a registry admin can {case.what}.",
            (_ESCALATE,),
        )
    if actor is ActorRole.ANONYMOUS:
        return _refuse(
            "role.anonymous",
            f"You are not logged in; only the owners and maintainers of {project.name} "
            "can act on it.",
            (_CONTACT_ADMINS,),
        )
    if actor is ActorRole.OTHER:
        return _refuse(
            "role.not-a-member",
            f"You have no role on {project.name}; only its owners and maintainers can act on it.",
            (_ASK_OWNER, _CONTACT_ADMINS),
        )
    return _decide_for_member(case, actor)


@dataclass(frozen=True)
class _Case:
    """One question put to the policy, with the facts and the preset's parameters."""

    action: Action
    project: ProjectFacts
    release: ReleaseFacts | None
    file: FileFacts | None
    now: datetime
    preset: str
    params: Mapping[str, int]

    def age(self, since: datetime) -> timedelta:
        # A timestamp slightly in the future (clock skew) counts as brand new.
        return max(self.now - since, timedelta(0))

    @property
    def policy(self) -> str:
        return f"this registry's policy (the {self.preset} preset)"

    @property
    def what(self) -> str:
        """Say what the action does to what, e.g. "delete release 1.0 of foo"."""
        name = self.project.name
        match self.action:
            case Action.DELETE_FILE:
                return f"delete the file {self.file.filename}"
            case Action.DELETE_RELEASE:
                return f"delete release {self.release.version} of {name}"
            case Action.DELETE_PROJECT:
                return f"delete the project {name}"
            case Action.YANK:
                return f"yank release {self.release.version} of {name}"
            case Action.UNYANK:
                return f"un-yank release {self.release.version} of {name}"
            case Action.ARCHIVE:
                return f"archive {name}"
            case Action.UNARCHIVE:
                return f"unarchive {name}"
            case Action.DEPRECATE:
                return f"deprecate {name}"
            case Action.UNDEPRECATE:
                return f"lift the deprecation of {name}"
            case Action.LOCK_DELETIONS:
                return f"turn on the deletion lock of {name}"
            case Action.UNLOCK_DELETIONS:
                return f"lift the deletion lock of {name}"
            case Action.UPLOAD:
                return f"upload files to {name}"
            case Action.MANAGE_ROLES:
                return f"manage who has a role on {name}"


def _decide_for_admin(case: _Case) -> Decision:
    as_owner = _decide_for_member(case, ActorRole.OWNER)
    # Lifting a lock is an admin's own power, not an exception to a rule made for owners.
    if as_owner.allowed or case.action is Action.UNLOCK_DELETIONS:
        return _allow(
            "admin",
            f"Registry admins may {case.what} at any time; the reason you give will be recorded.",
        )
    return Decision(
        allowed=True,
        rule="admin.override",
        explanation=(
            f"As a registry admin you may {case.what}, overriding the rule {as_owner.rule} "
            f"that refuses it to owners: {as_owner.explanation} "
            "The reason you give will be recorded with this override."
        ),
        override=True,
    )


def _decide_for_member(case: _Case, role: ActorRole) -> Decision:
    action, project = case.action, case.project
    if project.status == QUARANTINED:
        return _refuse(
            "status.quarantined",
            f"{project.name} is quarantined by the registry admins; its owners and maintainers "
            "cannot act on it until an admin lifts the quarantine.",
            (_CONTACT_ADMINS,),
        )

    if role is ActorRole.MAINTAINER:
        if action in MAINTAINER_ACTIONS:
            return _allow("role.maintainer", f"Maintainers may {case.what}: it removes nothing.")
        if action in DELETIONS:
            project_wide = action is Action.DELETE_PROJECT
            alternatives = (_ASK_OWNER,) if project_wide else (_YANK, _ASK_OWNER)
            return _refuse(
                "role.maintainer-cannot-delete",
                f"Maintainers may upload, yank and un-yank, but only an owner can {case.what}.",
                alternatives,
            )
        if action is Action.UNLOCK_DELETIONS:
            return _refuse_unlock("role.maintainer-cannot-manage")
        return _refuse(
            "role.maintainer-cannot-manage",
            f"Maintainers may upload, yank and un-yank, but only an owner can {case.what}.",
            (_ASK_OWNER,),
        )

    if action is Action.UNLOCK_DELETIONS:
        return _refuse_unlock("role.owner-cannot-unlock")
    if action in OWNER_ACTIONS:
        return _allow("role.owner", f"Owners may {case.what} at any time.")

    if project.deletion_locked:
        return _refuse(
            "lock.deletions-locked",
            f"The deletion lock of {project.name} is on, so its owners cannot delete its files "
            "or releases, nor the project itself (which would delete them). The lock is "
            "one-way: only a registry admin can lift it.",
            (*_deletion_alternatives(case), _UNLOCK_BY_ADMIN),
        )
    decision = _PRESETS[case.preset].deletion(case)
    if decision.refused and not decision.alternatives:
        decision = _refuse(decision.rule, decision.explanation, _deletion_alternatives(case))
    return decision


def _allow(rule: str, explanation: str) -> Decision:
    return Decision(allowed=True, rule=rule, explanation=explanation)


def _refuse(rule: str, explanation: str, alternatives: tuple[Alternative, ...] = ()) -> Decision:
    return Decision(allowed=False, rule=rule, explanation=explanation, alternatives=alternatives)


def _refuse_unlock(rule: str) -> Decision:
    return _refuse(
        rule,
        "The deletion lock is one-way: once on, only a registry admin can lift it.",
        (_UNLOCK_BY_ADMIN,),
    )


# The alternatives an owner has to a refused deletion: all of them are things an owner may do.
_YANK = Alternative(
    "yank",
    "Yank the release",
    "Installers skip a yanked release unless it is pinned exactly; its files stay available "
    "and you can undo it.",
)
_ARCHIVE = Alternative(
    "archive",
    "Archive the project",
    "Archiving tells users the project is no longer maintained and stops new uploads; "
    "you can undo it.",
)
_DEPRECATE = Alternative(
    "deprecate",
    "Deprecate the project",
    "Deprecating tells users not to use the project any more, with your reason and an optional "
    "successor.",
)
_TRANSFER = Alternative(
    "transfer",
    "Transfer the project",
    "Hand the project to another owner who will look after it.",
)
_REQUEST_EXCEPTION = Alternative(
    "request_exception",
    "Request an exception",
    "Ask the registry admins to remove it anyway, explaining why.",
)
_UNLOCK_BY_ADMIN = Alternative(
    "unlock_by_admin",
    "Ask an admin to unlock",
    "Only a registry admin can lift the deletion lock; ask them, explaining why.",
)
_ASK_OWNER = Alternative(
    "ask_owner",
    "Ask an owner",
    "An owner of the project can do this or give you a role that allows it.",
)
_CONTACT_ADMINS = Alternative(
    "contact_admins",
    "Contact the admins",
    "Tell the registry admins what is wrong; they can act on any project.",
)
_ESCALATE = Alternative(
    "contact_admins",
    "Escalate to an admin",
    "Hand the case to a registry admin, who can act with a recorded reason.",
)


def _deletion_alternatives(case: _Case) -> tuple[Alternative, ...]:
    """List what an owner can do instead of the refused deletion."""
    if case.action is not Action.DELETE_PROJECT:
        return (_YANK, _REQUEST_EXCEPTION)
    status = case.project.status
    return (
        *((_ARCHIVE,) if status != "archived" else ()),
        *((_DEPRECATE,) if status != "deprecated" else ()),
        _TRANSFER,
        _REQUEST_EXCEPTION,
    )


# The presets: one function per preset decides an owner's deletion once roles and lock passed.


def _if_every_release(
    case: _Case, rule: str, judge: Callable[[_Case, ReleaseFacts], Decision]
) -> Decision:
    """Allow deleting the project if `judge` allows deleting each of its live releases."""
    for release in case.project.releases:
        blocker = judge(case, release)
        if blocker.refused:
            return _refuse(
                rule,
                "A project can be deleted only if each of its live releases can be, and "
                f"release {release.version} cannot. {blocker.explanation}",
            )
    count = len(case.project.releases)
    every = f"each of its {_plural(count, 'live release')} can" if count else "it has none left"
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
    versions = dict.fromkeys((*project.versions_ever, *(r.version for r in project.releases)))
    not_zero = [v for v in versions if not _is_version_zero(v)]
    if not versions:
        return _allow(
            "proposal-2022.project-version-zero",
            f"This project is {_duration(age)} old but never had a release, so it is a "
            f"placeholder; {rule_text}.",
        )
    if not not_zero:
        return _allow(
            "proposal-2022.project-version-zero",
            f"This project is {_duration(age)} old but every release it ever had is version 0 "
            f"({_listing(list(versions))}); {rule_text}.",
        )
    live = {r.version for r in project.releases}
    shown = [v if v in live else f"{v} (removed)" for v in not_zero]
    return _refuse(
        "proposal-2022.project-window",
        f"This project is {_duration(age)} old and has had "
        f"{_plural(len(not_zero), 'release')} other than version 0 ({_listing(shown)}); "
        f"{rule_text}. Removed releases count too.",
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
            f"{prefix}{_plural(project.dependent_projects, 'other project')} depend on "
            f"{project.name}; under {case.policy} nothing can be deleted from a project that "
            "others depend on.",
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
            f"{_plural(project.dependent_projects, 'other project')} depend on {project.name}; "
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


# Removed names -------------------------------------------------------------------------------


def reservation_for_removed_project(
    *, project: ProjectFacts, now: datetime, config: PolicyConfig
) -> ReservationRule:
    """Say who may register the name of `project`, removed at `now`, and when."""
    return _PRESETS[config.preset].reservation(project, now, config)


def _cooldown(previous_owners_may_register: bool):
    """Make a reservation rule that blocks the name for `name_cooldown_hours`."""

    def reservation(project: ProjectFacts, now: datetime, config: PolicyConfig):
        hours = config.params["name_cooldown_hours"]
        policy = f"this registry's policy (the {config.preset} preset)"
        if previous_owners_may_register:
            who, owners = "others", "; its previous owners may register it again at once"
        else:
            who, owners = "everyone, its previous owners included,", ""
        if hours == 0:
            blocked = f"Under {policy} the name {project.name} is free for anyone at once."
        else:
            blocked = (
                f"Under {policy} the name {project.name} is blocked for {who} for "
                f"{_plural(hours, 'hour')} after its removal{owners}."
            )
        return ReservationRule(timedelta(hours=hours), previous_owners_may_register, blocked)

    return reservation


def _rubygems_reservation(project: ProjectFacts, now: datetime, config: PolicyConfig):
    young, days = config.params["young_project_days"], config.params["name_reservation_days"]
    age = max(now - project.created_at, timedelta(0))
    policy = f"this registry's policy (the {config.preset} preset)"
    if age < timedelta(days=young):
        return ReservationRule(
            timedelta(0),
            True,
            f"{project.name} was {_duration(age)} old when removed, younger than "
            f"{_plural(young, 'day')}, so under {policy} its name is free for anyone at once.",
        )
    return ReservationRule(
        timedelta(days=days),
        True,
        f"{project.name} was {_duration(age)} old when removed, not younger than "
        f"{_plural(young, 'day')}, so under {policy} its name is reserved from others for "
        f"{_plural(days, 'day')}; its previous owners may register it again at once.",
    )


def _immutable_reservation(project: ProjectFacts, now: datetime, config: PolicyConfig):
    # Owners never remove anything here; a name an admin removed is never handed to anyone,
    # since restoring the project is how it comes back.
    return ReservationRule(
        None,
        False,
        f"Under this registry's policy (the {config.preset} preset) nothing is ever reused: the "
        f"name {project.name} stays reserved for good; only restoring the project brings it back.",
    )


def _free_at_once(project: ProjectFacts, now: datetime, config: PolicyConfig):
    return ReservationRule(
        timedelta(0),
        True,
        f"Under this registry's policy (the {config.preset} preset) the name {project.name} is "
        "free for anyone at once.",
    )


# The table of presets ------------------------------------------------------------------------


@dataclass(frozen=True)
class _Preset:
    defaults: Mapping[str, int]
    deletion: Callable[[_Case], Decision]
    reservation: Callable[[ProjectFacts, datetime, PolicyConfig], ReservationRule]
    summary: Callable[[Mapping[str, int]], str]


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
        {"project_window_days": 7, "name_cooldown_hours": 24},
        _proposal_2022,
        _cooldown(previous_owners_may_register=True),
        lambda p: (
            "owners may delete files and releases at any time unless the project's deletion "
            "lock is on, and a project only in its first "
            f"{_plural(p['project_window_days'], 'day')} or if every release it ever had is "
            f"version 0. {_cooldown_summary(p)}"
        ),
    ),
    "pep763": _Preset(
        {"window_hours": 72, "name_cooldown_hours": 24},
        _pep763,
        _cooldown(previous_owners_may_register=True),
        lambda p: (
            f"owners may delete a file within {_plural(p['window_hours'], 'hour')} of its upload "
            "or if its release is a pre-release, a release if all its files can be, and a "
            f"project if all its releases can be. {_cooldown_summary(p)}"
        ),
    ),
    "npm": _Preset(
        {
            "window_hours": 72,
            "weekly_download_limit": 300,
            "max_owners": 1,
            "name_cooldown_hours": 24,
        },
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
    ),
    "crates-io": _Preset(
        {
            "window_hours": 72,
            "max_owners": 1,
            "monthly_download_allowance": 1000,
            "name_cooldown_hours": 24,
        },
        _crates_io,
        _cooldown(previous_owners_may_register=True),
        lambda p: (
            "owners may delete whole projects only (releases and files are yanked), never one "
            f"that others depend on; within {_plural(p['window_hours'], 'hour')} of its "
            f"creation, or later with {_owners_limit(p['max_owners'])} and at most "
            f"{p['monthly_download_allowance']:,} downloads per month of its life. "
            f"{_cooldown_summary(p)}"
        ),
    ),
    "rubygems": _Preset(
        {
            "release_window_days": 30,
            "release_download_limit": 100_000,
            "name_reservation_days": 100,
            "young_project_days": 30,
        },
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
    ),
    "immutable": _Preset(
        {},
        _immutable,
        _immutable_reservation,
        lambda p: (
            "owners never delete anything published; they yank releases and archive or "
            "deprecate projects instead."
        ),
    ),
    "pypi-2025": _Preset(
        {},
        _pypi_2025,
        _free_at_once,
        lambda p: (
            "owners may delete files, releases and projects at any time unless the project's "
            "deletion lock is on. A removed project's name is free for anyone at once."
        ),
    ),
}

# The parameters of each preset, with their defaults (read-only).
PRESETS: dict[str, Mapping[str, int]] = {
    name: MappingProxyType(dict(preset.defaults)) for name, preset in _PRESETS.items()
}


# Wording -------------------------------------------------------------------------------------


def _plural(count: int, noun: str) -> str:
    return f"{count:,} {noun}" if count == 1 else f"{count:,} {noun}s"


def _owners_limit(max_owners: int) -> str:
    return "a single owner" if max_owners == 1 else f"at most {_plural(max_owners, 'owner')}"


def _listing(items: list[str], limit: int = 4) -> str:
    """Join `items` for a sentence, naming at most `limit` of them."""
    if len(items) > limit:
        return f"{', '.join(items[:limit])} and {len(items) - limit} more"
    if len(items) > 1:
        return f"{', '.join(items[:-1])} and {items[-1]}"
    return items[0]


def _duration(delta: timedelta) -> str:
    """Say how long `delta` is, truncated, in its largest unit and the next one that is not 0.

    Truncating never makes an age look younger than a limit it has passed, and the second unit
    tells "72 hours and 1 minute" apart from "72 hours" at the edges of the rules.
    """
    minutes = max(int(delta.total_seconds() // 60), 0)
    if minutes == 0:
        return "less than a minute"
    if minutes < 60:
        return _plural(minutes, "minute")
    hours, mins = divmod(minutes, 60)
    if hours < 72:  # "71 hours" reads better than "2 days and 23 hours" near a 72-hour limit.
        return _plural(hours, "hour") + (f" and {_plural(mins, 'minute')}" if mins else "")
    days, hours = divmod(hours, 24)
    if hours:
        return f"{_plural(days, 'day')} and {_plural(hours, 'hour')}"
    return _plural(days, "day") + (f" and {_plural(mins, 'minute')}" if mins else "")


def _version(text: str) -> Version | None:
    try:
        return Version(text)
    except InvalidVersion:
        return None  # Versions are validated on upload; an odd legacy one counts as ordinary.


def _is_version_zero(text: str) -> bool:
    version = _version(text)
    return version is not None and version == Version("0")


def _is_prerelease(text: str) -> bool:
    version = _version(text)
    return version is not None and version.is_prerelease
