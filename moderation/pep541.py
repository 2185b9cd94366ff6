"""PEP 541's rules for name requests, as pure functions (no ORM, no settings, no clock).

PEP 541 (as PyPI publishes it) lets a name change hands in two cases:

- an *abandoned* project: its owners cannot be reached (they are tried for six weeks), it had no
  release in the past twelve months and its owners show no activity. A name is never reassigned
  against the wishes of a reachable owner. Reusing the name for a different project also needs
  the download statistics to show that the project is not used;
- an *invalid* project (malware, spam, against the terms of use, name squatting: "the package
  has no functionality or is empty"): it is removed or transferred.

Disputes over the names of active projects are never arbitrated.

`refusal()` says why a request is refused before it is filed (a `Refusal` whose message names the
rule and what the person can do instead), `needs_reachability()` whether the owners must be
given time to answer, and `cautions()` what the form and the admin show without refusing. They
decide on a `registry.name_facts.NameFacts`, or anything with the same attributes.
"""

from datetime import UTC, datetime, timedelta

from moderation.workflow import Refusal

# The grounds a requester claims, and what they mean to do with the name (the values of the
# request's Django choices).
ABANDONED = "abandoned"
SQUATTING = "squatting"
INVALID = "invalid"
GROUNDS = (ABANDONED, SQUATTING, INVALID)

MAINTAIN = "maintain"  # keep the existing project going
REPLACE = "replace"  # publish a different project under the name
INTENTS = (MAINTAIN, REPLACE)

ABANDONED_AFTER = timedelta(days=365)  # PEP 541: no release within the past twelve months

# Reservations that no name request hands over (ReservationReason values), in words.
NOT_TRANSFERABLE = {
    "prohibited": "is prohibited by the registry",
    "legal": "is reserved for legal reasons (a trademark or a court order)",
}
QUARANTINED = "quarantined"  # the ProjectStatus value
OWNER = "owner"  # the RoleName value
LISTED = 4  # How many versions or names a sentence names before "and N more".


def needs_reachability(ground: str) -> bool:
    """Say whether the owners must be given the reachability period before a decision: yes for
    an abandoned project (PEP 541); a squatted or invalid project may be decided without it,
    though staff may still contact the owners."""
    return ground == ABANDONED


def refusal(
    facts,
    *,
    ground: str,
    intent: str,
    requester_id,
    open_request_reference: str | None = None,
    now: datetime,
    abandoned_after: timedelta = ABANDONED_AFTER,
) -> Refusal | None:
    """Return why a name request on `facts`' project is refused before it is filed, or None.

    The rules, in order: a ground and intent it knows; the requester does not own the project
    already and has no open request on it; the name is not free (a removed project whose name
    is not reserved, or whose reservation lets the requester register it) nor reserved for good
    (prohibited, legal);
    the project is not quarantined; then the ground's own rules: an abandoned project had no
    release, and was not registered, within `abandoned_after`; a squatted one has no live files
    in a release other than version 0. An invalid project is for the admins to judge: no rule of
    its own refuses it.
    """
    name = facts.name
    if ground not in GROUNDS:
        return Refusal(
            "unknown-ground",
            "Choose the PEP 541 ground you claim: an abandoned project, name squatting or an "
            "invalid project.",
        )
    if intent not in INTENTS:
        return Refusal(
            "unknown-intent",
            "Say what you mean to do with the name: maintain the existing project, or replace "
            "it with a different one.",
        )
    removed = facts.is_removed
    if not removed and any(
        owner.user_id == requester_id and owner.role == OWNER for owner in facts.owners
    ):
        return Refusal(
            "already-owner",
            f"You already own {name}: a name request is for a project you do not own. To "
            "share the project or hand it over, add people on its roles page.",
        )
    if open_request_reference:
        return Refusal(
            "already-requested",
            f"You already have an open request for {name} ({open_request_reference}): follow "
            "it under “Your requests”, where you can also add information. Only one request "
            "per name is open at a time.",
        )
    reservation = facts.reservation
    if removed and reservation is None:
        return Refusal(
            "name-free",
            f"{name} was removed and its name is not reserved: the name is free. Upload a "
            "project under it to register it; no name request is needed.",
        )
    if (
        removed
        and reservation is not None
        and requester_id in tuple(reservation.allowed_user_ids or ())
    ):
        return Refusal(
            "may-register",
            f"The name {name} is reserved, but you are among those who may still register "
            "it: upload a project under it to register it; no name request is needed.",
        )
    if reservation is not None and reservation.reason in NOT_TRANSFERABLE:
        return Refusal(
            "name-not-transferable",
            f"The name {name} {NOT_TRANSFERABLE[reservation.reason]}: such a name is not "
            "handed over through a name request. If you believe you should have it, contact "
            "the registry admins.",
        )
    if not removed and facts.status == QUARANTINED:
        return Refusal(
            "quarantined",
            f"{name} is quarantined: an abuse investigation is under way. A name request "
            "waits until it is decided: ask again once the quarantine is lifted or the "
            "project is removed.",
        )
    if ground == ABANDONED:
        return _refuse_abandoned(facts, now=now, period=abandoned_after)
    if ground == SQUATTING:
        return _refuse_squatting(facts, now=now, period=abandoned_after)
    return None  # An invalid project: the admins judge.


def _refuse_abandoned(facts, *, now, period):
    name = facts.name
    words = period_in_words(period)
    last = facts.last_release_at
    if last is not None and now - last < period:
        return Refusal(
            "recent-release",
            f"{name} had a release on {_day(last)}, less than {words} ago: PEP 541 treats a "
            f"project with a release in the last {words} as active, not abandoned, and never "
            "arbitrates the names of active projects. Contact its owners, or choose another "
            f"name. (It could be claimed as abandoned from {_day(last + period)} if it has no "
            "new release by then.)",
        )
    if now - facts.created_at < period:
        return Refusal(
            "young-project",
            f"{name} was registered on {_day(facts.created_at)}, less than {words} ago: PEP "
            f"541 does not treat a project as abandoned before it has gone {words} without a "
            "release. Contact its owners, or choose another name. If it is empty or does "
            "nothing, claim it as name squatting instead.",
        )
    return None


def _refuse_squatting(facts, *, now, period):
    count = facts.nonzero_releases_with_files
    if not count:
        return None
    name = facts.name
    versions = _listing(list(facts.nonzero_versions_with_files), total=count)
    which = f"release {versions}, which is" if count == 1 else f"releases {versions}, which are"
    last = facts.last_release_at
    instead = "Contact its owners, or choose another name."
    if last is None or now - last >= period:
        instead = (
            f"It had no release for {period_in_words(period)}: if its owners cannot be "
            "reached, claim it as abandoned instead."
        )
    return Refusal(
        "has-functionality",
        f"{name} has files in {which} not version 0: it has functionality, so PEP 541 does not "
        f"treat it as name squatting (a package with no functionality, or empty). {instead}",
    )


def cautions(facts, *, intent: str, now: datetime | None = None) -> list[str]:
    """Say what the requester and the admin should weigh, without refusing: who depends on the
    project, whether it is used, what stays of it, its owners' recent activity."""
    name = facts.name
    said = []
    count = facts.dependents
    if count:
        them = _listing(list(facts.dependent_names), total=count)
        projects = "project" if count == 1 else f"{count:,} projects"
        verb = "depends" if count == 1 else "depend"
        if intent == REPLACE:
            said.append(
                f"Replacing {name} would break the {projects} that {verb} on it: {them}. "
                "Their owners are told of a transfer."
            )
        else:
            said.append(
                f"The {projects} that {verb} on {name} ({them}) would install what its new "
                "owner publishes: a change of hands is a supply-chain event, and their owners "
                "are told of a transfer."
            )
    downloads = facts.downloads_last_30_days
    if downloads and intent == REPLACE:
        said.append(
            f"{name} was downloaded {downloads:,} "
            f"{'time' if downloads == 1 else 'times'} in the last 30 days: PEP 541 lets a name "
            "be reused for a different project only when the downloads show it is not used."
        )
    if intent == REPLACE and facts.releases_total:
        said.append(
            f"{name}'s {_counted(facts.releases_total, 'release')} "
            f"{'stays' if facts.releases_total == 1 else 'stay'} with the name: a "
            "different project under it must use new version numbers (a filename is never "
            "accepted twice), and whoever pins an old version still installs the old code."
        )
    now = now or getattr(facts, "read_at", None)
    if now is not None:
        active = [
            owner.username
            for owner in facts.owners
            if owner.role == OWNER
            and any(
                moment is not None and now - moment < ABANDONED_AFTER
                for moment in (owner.last_login, owner.last_upload_at)
            )
        ]
        if active:
            said.append(
                f"{_listing(active)} {'has' if len(active) == 1 else 'have'} been active in "
                "the last 12 months. Under PEP 541 a name is never reassigned against the "
                "wishes of a reachable owner: one answer from an owner keeps the project."
            )
    if facts.pending_removal:
        said.append(
            f"{name}'s owners have scheduled its removal: it is pending removal now, and its "
            "name may be reserved once it is removed."
        )
    return said


def period_in_words(period: timedelta) -> str:
    """Say a period the way PEP 541 does: 365 days are "12 months", 42 days "6 weeks"."""
    days = period.days
    if days and days % 365 == 0:
        return f"{12 * (days // 365)} months"
    if days and days % 30 == 0:
        months = days // 30
        return "1 month" if months == 1 else f"{months} months"
    if days and days % 7 == 0:
        weeks = days // 7
        return "1 week" if weeks == 1 else f"{weeks} weeks"
    return "1 day" if days == 1 else f"{days} days"


def _counted(number: int, word: str) -> str:
    return f"{number:,} {word if number == 1 else word + 's'}"


def _day(moment: datetime) -> str:
    if moment.tzinfo is not None:
        moment = moment.astimezone(UTC)
    return f"{moment:%Y-%m-%d}"


def _listing(items: list[str], total: int | None = None) -> str:
    """Join `items` for a sentence, naming at most LISTED; `total` counts all of them."""
    total = len(items) if total is None else total
    if total > LISTED or total > len(items):
        shown = items[:LISTED]
        return f"{', '.join(shown)} and {total - len(shown):,} more"
    if len(items) > 1:
        return f"{', '.join(items[:-1])} and {items[-1]}"
    return items[0] if items else ""
