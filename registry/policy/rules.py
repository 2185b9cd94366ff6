"""The order of the rules, the same under every preset, and the alternatives to a refusal."""

from dataclasses import replace
from datetime import datetime

from .config import PolicyConfig
from .core import (
    _NEEDS_RELEASE,
    DELETIONS,
    MAINTAINER_ACTIONS,
    OWNER_ACTIONS,
    QUARANTINED,
    Action,
    ActorRole,
    Alternative,
    Decision,
    FileFacts,
    ProjectFacts,
    ReleaseFacts,
    ReservationRule,
    _allow,
    _Case,
    _refuse,
)
from .presets import _PRESETS
from .wording import _depend_on, _plural


def decide(
    action: Action,
    *,
    project: ProjectFacts,
    actor: ActorRole,
    now: datetime,
    config: PolicyConfig,
    release: ReleaseFacts | None = None,
    file: FileFacts | None = None,
    together: frozenset[str] | tuple[str, ...] = (),
) -> Decision:
    """Decide whether `actor` may perform `action`, and explain the decision.

    `release` is required for deleting, yanking and un-yanking a release; `release` (the file's
    own release) and `file` for deleting a file, with `together` naming the other files removed
    in the same act (together they may be the project's last live files).
    """
    action, actor = Action(action), ActorRole(actor)
    if action in _NEEDS_RELEASE and release is None:
        raise ValueError(f"Deciding {action} needs the release it applies to.")
    if action is Action.DELETE_FILE and file is None:
        raise ValueError(f"Deciding {action} needs the file it applies to.")
    chosen = frozenset(together) | ({file.filename} if file is not None else frozenset())
    case = _Case(action, project, release, file, now, config.preset, config.params, chosen)

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

    last_release = _takes_the_last_release(case)
    if project.deletion_locked:
        return _with_impact(
            case,
            _refuse(
                "lock.deletions-locked",
                f"The deletion lock of {project.name} is on, so its owners cannot delete its "
                "files or releases, nor the project itself (which would delete them). The lock "
                "is one-way: only a registry admin can lift it.",
                (*_deletion_alternatives(case, last_release), _UNLOCK_BY_ADMIN),
            ),
            last_release,
        )
    if project.critical and case.params.get("critical_needs_admin"):
        return _with_impact(
            case,
            _refuse(
                "critical.needs-admin",
                f"{project.name} is a critical project, among the most downloaded of this "
                f"registry; under {case.policy} only a registry admin can {case.what}.",
                _deletion_alternatives(case, last_release),
            ),
            last_release,
        )
    if last_release:
        return _judge_as_project(case)
    decision = _PRESETS[case.preset].deletion(case)
    if decision.refused and not decision.alternatives:
        decision = _refuse(decision.rule, decision.explanation, _deletion_alternatives(case))
    return _with_impact(case, decision)


def _takes_the_last_release(case: _Case) -> bool:
    """Say whether the deletion takes the project's last live release (or its last files) when
    the preset judges that as deleting the project (`last_release_is_project`)."""
    if not case.params.get("last_release_is_project"):
        return False
    if case.action not in (Action.DELETE_RELEASE, Action.DELETE_FILE):
        return False
    live = case.project.releases  # The only live release is always given (ProjectFacts).
    if case.project.live_releases != 1 or live[0].version != case.release.version:
        return False
    if case.action is Action.DELETE_RELEASE:
        return True
    return not {file.filename for file in live[0].files} - case.together


def _judge_as_project(case: _Case) -> Decision:
    """Judge removing the last live release (or its last files) by the project-deletion rule."""
    name, version = case.project.name, case.release.version
    if case.action is Action.DELETE_RELEASE:
        what, it = f"Release {version} is the only live release of {name}", "it"
    else:
        what = f"These are the last live files of {name} (release {version}, its only release)"
        it = "them"
    lead = (
        f"{what}: removing {it} takes {name} away from everyone who installs it, so under "
        f"{case.policy} it is judged as deleting the project."
    )
    as_project = _PRESETS[case.preset].deletion(replace(case, action=Action.DELETE_PROJECT))
    if as_project.allowed:
        return _allow(as_project.rule, f"{lead} {as_project.explanation}")
    refusal = _refuse(
        "last-release.is-project",
        f"{lead} {as_project.explanation}",
        _deletion_alternatives(case, last_release=True),
    )
    return _with_impact(case, refusal, True, already=as_project.rule)


def _with_impact(
    case: _Case, decision: Decision, last_release: bool = False, *, already: str = ""
) -> Decision:
    """Add to a refused project deletion (or last release) who depends on it and how much it
    is used: the figures the person must weigh before asking for an exception."""
    if decision.allowed or not (last_release or case.action is Action.DELETE_PROJECT):
        return decision
    project = case.project
    # A rule that decided by a figure (npm.dependents, npm.downloads) has said it already.
    rules = (decision.rule, already)
    told_dependents = any(rule.endswith(".dependents") for rule in rules)
    told_downloads = any(rule.endswith(".downloads") for rule in rules)
    figures = []
    if project.dependent_projects and not told_dependents:
        figures.append(_depend_on(project.dependent_projects, project.name))
    if project.downloads_last_7_days and not told_downloads:
        figures.append(
            f"it had {_plural(project.downloads_last_7_days, 'download')} in the last 7 days"
        )
    if not figures:
        return decision
    sentence = " and ".join(figures)
    sentence = sentence[0].upper() + sentence[1:]
    return replace(decision, explanation=f"{decision.explanation} {sentence}.")


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
_YANK_RELEASES = Alternative(
    "yank_releases",
    "Yank its releases",
    "Installers skip yanked releases unless one is pinned exactly, so nobody new picks the "
    "project up while existing pins keep working; you can undo it.",
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


def _deletion_alternatives(case: _Case, last_release: bool = False) -> tuple[Alternative, ...]:
    """List what an owner can do instead of the refused deletion: yanking first, always."""
    status = case.project.status
    keep_using = (
        *((_ARCHIVE,) if status != "archived" else ()),
        *((_DEPRECATE,) if status != "deprecated" else ()),
    )
    if case.action is Action.DELETE_PROJECT:
        return (_YANK_RELEASES, *keep_using, _TRANSFER, _REQUEST_EXCEPTION)
    if last_release:
        return (_YANK, *keep_using, _REQUEST_EXCEPTION)
    return (_YANK, _REQUEST_EXCEPTION)


def reservation_for_removed_project(
    *, project: ProjectFacts, now: datetime, config: PolicyConfig
) -> ReservationRule:
    """Say who may register the name of `project`, removed at `now`, and when."""
    return _PRESETS[config.preset].reservation(project, now, config)
