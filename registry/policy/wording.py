"""How the policy words figures in its explanations."""

from datetime import timedelta

from ..words import counted as _plural


def _owners_limit(max_owners: int) -> str:
    return "a single owner" if max_owners == 1 else f"at most {_plural(max_owners, 'owner')}"


def _depend_on(count: int, name: str) -> str:
    """Say how many other projects depend on `name`: "1 other project depends on it"."""
    return f"{_plural(count, 'other project')} {'depends' if count == 1 else 'depend'} on {name}"


LISTED = 4  # How many items a sentence names before "and N more".


def _listing(items: list[str], limit: int = LISTED, total: int | None = None) -> str:
    """Join `items` for a sentence, naming at most `limit` of them; `total` counts all of them
    when `items` holds only the first ones."""
    total = len(items) if total is None else total
    if total > limit:
        return f"{', '.join(items[:limit])} and {total - limit} more"
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


# What each rule is, in words, for pages: a refusal names its rule this way and keeps the id
# (for support) apart from its sentences.
RULE_WORDS = {
    "admin": "registry admins may act on any project",
    "admin.override": "a registry admin overriding the rule for owners",
    "lock.deletions-locked": "the project's deletion lock",
    "last-release.is-project": "removing a project's last release removes the project",
    "critical.needs-admin": "only an admin deletes from a critical project",
    "status.quarantined": "a quarantined project is frozen",
    "role.anonymous": "only signed-in owners and maintainers act on a project",
    "role.not-a-member": "only the project's owners and maintainers act on it",
    "role.support-cannot-act": "support staff never act on projects",
    "role.maintainer": "what maintainers may do",
    "role.maintainer-cannot-delete": "only owners remove things",
    "role.maintainer-cannot-manage": "only owners manage a project",
    "role.owner": "what owners may do",
    "role.owner-cannot-unlock": "only a registry admin lifts a deletion lock",
    "proposal-2022.files-and-releases": "files and releases may be removed at any time",
    "proposal-2022.project-window": "a project may be removed only while young",
    "proposal-2022.project-version-zero": "a project that only ever had version 0 may be removed",
    "pep763.file-window": "the window for removing a file",
    "pep763.release-window": "the window for removing a release",
    "pep763.prerelease": "pre-releases may be removed",
    "pep763.project-releases": "a project goes only if each of its releases can",
    "npm.window": "the window after publishing",
    "npm.after-window": "the conditions after the window",
    "npm.dependents": "nothing may depend on it",
    "npm.downloads": "the download limit",
    "npm.owners": "the limit on owners",
    "crates-io.window": "the window after publishing",
    "crates-io.after-window": "the conditions after the window",
    "crates-io.dependents": "nothing may depend on it",
    "crates-io.download-cap": "the download limit",
    "crates-io.owners": "the limit on owners",
    "crates-io.whole-projects-only": "only whole projects are removed",
    "rubygems.release-window": "the window for removing a release",
    "rubygems.release-downloads": "the download limit for removing a release",
    "rubygems.project-releases": "a project goes only if each of its releases can",
    "immutable.no-deletion": "nothing published is ever removed",
    "pypi-2025.any-time": "owners may remove at any time",
}


def rule_in_words(rule: str) -> str:
    """Say what the rule `rule` (an id such as "lock.deletions-locked") is, without its id."""
    if rule in RULE_WORDS:
        return RULE_WORDS[rule]
    # A rule added later without words: its last part, readable.
    return rule.rpartition(".")[2].replace("-", " ") or "the registry's policy"
