"""PEP 541's rules for name requests: pure tables, no database."""

import ast
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import SimpleNamespace

import pytest

from moderation import pep541
from moderation.workflow import Refusal
from registry.name_facts import NameFacts, OwnerFacts, ReservationFacts

NOW = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)
DAY = timedelta(days=1)
YEAR = timedelta(days=365)
ALICE, BOB, CAROL = 1, 2, 3  # alice owns it, bob maintains it, carol asks for it


def owner(user_id, username, role="owner", *, last_login=None, last_upload_at=None):
    return SimpleNamespace(
        user_id=user_id,
        username=username,
        role=role,
        last_login=last_login,
        last_upload_at=last_upload_at,
    )


def reservation(reason, *, allowed=(), label=None):
    return SimpleNamespace(
        reason=reason,
        reason_label=label or reason.replace("_", " ").capitalize(),
        until=None,
        allowed_usernames=tuple(f"user-{pk}" for pk in allowed),
        allowed_user_ids=tuple(allowed),
    )


def facts(**changes):
    """A stand-in for NameFacts: an old project, its last release 400 days ago, no files."""
    values = {
        "name": "tinypad",
        "created_at": NOW - 3 * YEAR,
        "removed_at": None,
        "status": "active",
        "pending_removal": False,
        "last_release_at": NOW - 400 * DAY,
        "releases_total": 2,
        "owners": (owner(ALICE, "alice"), owner(BOB, "bob", "maintainer")),
        "reservation": None,
        "nonzero_releases_with_files": 0,
        "nonzero_versions_with_files": (),
        "dependents": 0,
        "dependent_names": (),
        "downloads_last_30_days": 0,
        "read_at": NOW,
    }
    values.update(changes)
    values["is_removed"] = values["removed_at"] is not None
    return SimpleNamespace(**values)


def ask(the_facts, *, ground=pep541.ABANDONED, intent=pep541.MAINTAIN, requester=CAROL, **kw):
    return pep541.refusal(
        the_facts, ground=ground, intent=intent, requester_id=requester, now=NOW, **kw
    )


REMOVED = {"removed_at": NOW - 30 * DAY, "last_release_at": None}
FUNCTIONAL = {"nonzero_releases_with_files": 2, "nonzero_versions_with_files": ("1.1", "1.0")}


def test_the_grounds_and_intents_are_the_values_of_the_request_choices():
    assert pep541.GROUNDS == ("abandoned", "squatting", "invalid")
    assert pep541.INTENTS == ("maintain", "replace")


@pytest.mark.parametrize(
    ("ground", "needed"),
    [("abandoned", True), ("squatting", False), ("invalid", False)],
)
def test_only_an_abandoned_claim_waits_for_the_owners(ground, needed):
    assert pep541.needs_reachability(ground) is needed


@pytest.mark.parametrize(
    ("case", "ground", "changes", "requester", "code"),
    [
        # Who asks.
        ("owner asks", "abandoned", {}, ALICE, "already-owner"),
        ("owner asks, squatting", "squatting", {}, ALICE, "already-owner"),
        ("owner asks, invalid", "invalid", {}, ALICE, "already-owner"),
        ("a maintainer may claim it", "abandoned", {}, BOB, None),
        ("a stranger may claim it", "abandoned", {}, CAROL, None),
        # The name.
        ("removed, not reserved", "abandoned", REMOVED, CAROL, "name-free"),
        ("removed, not reserved, invalid", "invalid", REMOVED, CAROL, "name-free"),
        (
            "removed, reserved for the requester",
            "abandoned",
            {**REMOVED, "reservation": reservation("removed_project", allowed=(CAROL,))},
            CAROL,
            "may-register",
        ),
        (
            "removed, reserved for its previous owners",
            "abandoned",
            {**REMOVED, "reservation": reservation("removed_project", allowed=(ALICE,))},
            CAROL,
            None,
        ),
        (
            "a live project reserved for the requester",
            "abandoned",
            {"reservation": reservation("reserved", allowed=(CAROL,))},
            CAROL,
            None,
        ),
        (
            "a previous owner of a removed project is no longer its owner",
            "abandoned",
            {**REMOVED, "reservation": reservation("removed_project")},
            ALICE,
            None,
        ),
        (
            "prohibited",
            "abandoned",
            {"reservation": reservation("prohibited")},
            CAROL,
            "name-not-transferable",
        ),
        ("legal", "invalid", {"reservation": reservation("legal")}, CAROL, "name-not-transferable"),
        (
            "removed and prohibited",
            "squatting",
            {**REMOVED, "reservation": reservation("prohibited")},
            CAROL,
            "name-not-transferable",
        ),
        (
            "reserved by the admins",
            "abandoned",
            {"reservation": reservation("reserved")},
            CAROL,
            None,
        ),
        # The project.
        ("quarantined", "abandoned", {"status": "quarantined"}, CAROL, "quarantined"),
        ("quarantined, invalid", "invalid", {"status": "quarantined"}, CAROL, "quarantined"),
        ("archived", "abandoned", {"status": "archived"}, CAROL, None),
        ("deprecated", "abandoned", {"status": "deprecated"}, CAROL, None),
        # Abandoned: no release, and not registered, within 12 months.
        ("release a day ago", "abandoned", {"last_release_at": NOW - DAY}, CAROL, "recent-release"),
        (
            "release 12 months less a second ago",
            "abandoned",
            {"last_release_at": NOW - YEAR + timedelta(seconds=1)},
            CAROL,
            "recent-release",
        ),
        (
            "release exactly 12 months ago",
            "abandoned",
            {"last_release_at": NOW - YEAR},
            CAROL,
            None,
        ),
        ("never a release", "abandoned", {"last_release_at": None}, CAROL, None),
        (
            "registered 200 days ago",
            "abandoned",
            {"created_at": NOW - 200 * DAY, "last_release_at": None},
            CAROL,
            "young-project",
        ),
        (
            "registered 12 months less a second ago",
            "abandoned",
            {"created_at": NOW - YEAR + timedelta(seconds=1), "last_release_at": None},
            CAROL,
            "young-project",
        ),
        (
            "registered exactly 12 months ago",
            "abandoned",
            {"created_at": NOW - YEAR, "last_release_at": None},
            CAROL,
            None,
        ),
        # Squatting: no live files in a release that is not version 0.
        ("squatting an empty project", "squatting", {}, CAROL, None),
        (
            "squatting a young empty project",
            "squatting",
            {"created_at": NOW - DAY, "last_release_at": NOW - DAY},
            CAROL,
            None,
        ),
        (
            "squatting a project with functionality",
            "squatting",
            FUNCTIONAL,
            CAROL,
            "has-functionality",
        ),
        ("abandoning a project with functionality", "abandoned", FUNCTIONAL, CAROL, None),
        # Invalid: the admins judge.
        (
            "invalid, young, released, functional",
            "invalid",
            {"created_at": NOW - DAY, "last_release_at": NOW - DAY, **FUNCTIONAL},
            CAROL,
            None,
        ),
    ],
    ids=lambda value: value if isinstance(value, str) and " " in value else None,
)
def test_refusals_before_filing(case, ground, changes, requester, code):
    for intent in pep541.INTENTS:
        found = ask(facts(**changes), ground=ground, intent=intent, requester=requester)

        assert (found.code if found else None) == code, case


def test_a_refusal_says_the_rule_and_what_to_do_instead():
    cases = {
        "already-owner": ask(facts(), requester=ALICE),
        "already-requested": ask(facts(), open_request_reference="NR-42"),
        "name-free": ask(facts(**REMOVED)),
        "may-register": ask(
            facts(**REMOVED, reservation=reservation("removed_project", allowed=(CAROL,)))
        ),
        "name-not-transferable": ask(
            facts(reservation=reservation("legal", label="Legal (trademark, court order)"))
        ),
        "quarantined": ask(facts(status="quarantined")),
        "recent-release": ask(facts(last_release_at=datetime(2026, 3, 1, tzinfo=UTC))),
        "young-project": ask(
            facts(created_at=datetime(2026, 5, 2, tzinfo=UTC), last_release_at=None)
        ),
        "has-functionality": ask(facts(**FUNCTIONAL), ground=pep541.SQUATTING),
    }
    expected = {
        "already-owner": ["You already own tinypad", "roles page"],
        "already-requested": ["NR-42", "“Your requests”"],
        "name-free": ["the name is free", "Upload a project under it", "no name request"],
        "may-register": ["you are among those who may still register it", "upload"],
        "name-not-transferable": [
            "The name tinypad is reserved for legal reasons (a trademark or a court order)",
            "not handed over through a name request",
            "contact the registry admins",
        ],
        "quarantined": ["abuse investigation is under way", "waits until it is decided"],
        "recent-release": [
            "tinypad had a release on 2026-03-01, less than 12 months ago",
            "active, not abandoned",
            "Contact its owners, or choose another name",
            "from 2027-03-01",
        ],
        "young-project": [
            "registered on 2026-05-02, less than 12 months ago",
            "Contact its owners, or choose another name",
            "claim it as name squatting instead",
        ],
        "has-functionality": [
            "releases 1.1 and 1.0, which are not version 0",
            "it has functionality",
            "claim it as abandoned instead",
        ],
    }
    for code, found in cases.items():
        assert isinstance(found, Refusal)
        assert found.code == code
        for words in expected[code]:
            assert words in found.message, (code, found.message)


def test_the_owner_is_told_first_then_the_open_request():
    assert ask(facts(), requester=ALICE, open_request_reference="NR-1").code == "already-owner"
    assert ask(facts(**REMOVED), open_request_reference="NR-1").code == "already-requested"


def test_squatting_a_recently_released_project_says_contact_the_owners_not_abandoned():
    found = ask(facts(**FUNCTIONAL, last_release_at=NOW - DAY), ground=pep541.SQUATTING)

    assert found.code == "has-functionality"
    assert "Contact its owners, or choose another name." in found.message
    assert "abandoned instead" not in found.message


def test_squatting_names_one_release_and_counts_the_others():
    one = ask(
        facts(nonzero_releases_with_files=1, nonzero_versions_with_files=("0.1",)),
        ground=pep541.SQUATTING,
    )
    many = ask(
        facts(nonzero_releases_with_files=9, nonzero_versions_with_files=("9", "8", "7", "6", "5")),
        ground=pep541.SQUATTING,
    )

    assert "files in release 0.1, which is not version 0" in one.message
    assert "releases 9, 8, 7, 6 and 5 more, which are" in many.message


@pytest.mark.parametrize(
    ("period", "words", "released_ago", "refused"),
    [
        (timedelta(days=30), "1 month", 29, True),
        (timedelta(days=30), "1 month", 30, False),
        (timedelta(days=42), "6 weeks", 41, True),
        (timedelta(days=730), "24 months", 400, True),
        (timedelta(days=730), "24 months", 730, False),
    ],
)
def test_the_abandonment_period_is_a_parameter(period, words, released_ago, refused):
    found = ask(facts(last_release_at=NOW - released_ago * DAY), abandoned_after=period)

    assert (found is not None) is refused
    if refused:
        assert f"less than {words} ago" in found.message


@pytest.mark.parametrize(
    ("ground", "intent", "code"),
    [("stolen", "maintain", "unknown-ground"), ("abandoned", "sell", "unknown-intent")],
)
def test_an_unknown_ground_or_intent_is_refused_in_words(ground, intent, code):
    found = ask(facts(), ground=ground, intent=intent)

    assert found.code == code
    assert "PEP 541" in found.message or "maintain the existing project" in found.message


def test_refusal_decides_on_real_name_facts_as_on_a_stand_in():
    real = NameFacts(
        read_at=NOW,
        project_id=7,
        name="tinypad",
        normalized_name="tinypad",
        status="active",
        status_display="Active",
        status_reason="",
        created_at=NOW - 3 * YEAR,
        removed_at=None,
        pending_removal=False,
        deletion_locked=False,
        releases_live=1,
        releases_total=1,
        files_live=1,
        latest_versions=("1.0",),
        latest_version_at=NOW - 10 * DAY,
        only_version_zero=False,
        nonzero_releases_with_files=1,
        nonzero_versions_with_files=("1.0",),
        last_release_at=NOW - 10 * DAY,
        owners=(OwnerFacts(ALICE, "alice", "owner", None, None),),
        downloads_last_7_days=0,
        downloads_last_30_days=0,
        dependents=0,
        dependent_names=(),
        reservation=ReservationFacts("reserved", "Reserved", None, ("carol",), (CAROL,)),
    )

    assert ask(real, requester=ALICE).code == "already-owner"
    # A live project's name cannot be registered, whoever its reservation names.
    assert ask(real).code == "recent-release"
    assert ask(real, requester=BOB).code == "recent-release"
    assert ask(real, requester=BOB, ground=pep541.SQUATTING).code == "has-functionality"
    assert ask(real, requester=BOB, ground=pep541.INVALID) is None


# Cautions: shown, never refusing.


def test_a_plain_abandoned_project_has_no_caution():
    assert pep541.cautions(facts(releases_total=0), intent=pep541.REPLACE) == []
    assert pep541.cautions(facts(), intent=pep541.MAINTAIN) == []


def test_replacing_a_project_others_depend_on_would_break_them():
    depended_on = facts(dependents=2, dependent_names=("bar", "foo"))

    replace = pep541.cautions(depended_on, intent=pep541.REPLACE)
    maintain = pep541.cautions(depended_on, intent=pep541.MAINTAIN)

    assert (
        "Replacing tinypad would break the 2 projects that depend on it: bar and foo."
        in (replace[0])
    )
    assert "supply-chain event" in maintain[0]
    assert "bar and foo" in maintain[0]


def test_many_dependents_are_named_in_part():
    said = pep541.cautions(
        facts(dependents=12, dependent_names=("a", "b", "c", "d", "e")), intent=pep541.REPLACE
    )

    assert "the 12 projects that depend on it: a, b, c, d and 8 more" in said[0]


def test_downloads_matter_only_to_a_different_project_under_the_name():
    used = facts(downloads_last_30_days=5000, releases_total=0)

    replace = pep541.cautions(used, intent=pep541.REPLACE)

    assert replace == [
        "tinypad was downloaded 5,000 times in the last 30 days: PEP 541 lets a name be reused "
        "for a different project only when the downloads show it is not used."
    ]
    assert pep541.cautions(used, intent=pep541.MAINTAIN) == []


def test_replacing_says_the_old_versions_stay():
    said = pep541.cautions(facts(), intent=pep541.REPLACE)

    assert said == [
        "tinypad's 2 releases stay with the name: a different project under it must use new "
        "version numbers (a filename is never accepted twice), and whoever pins an old version "
        "still installs the old code."
    ]
    assert pep541.cautions(facts(), intent=pep541.MAINTAIN) == []


@pytest.mark.parametrize(
    ("login", "upload", "cautioned"),
    [
        (NOW - 30 * DAY, None, True),
        (None, NOW - 30 * DAY, True),
        (NOW - 400 * DAY, NOW - 400 * DAY, False),
        (None, None, False),
    ],
)
def test_an_owner_active_in_the_last_year_is_pointed_out(login, upload, cautioned):
    the_facts = facts(
        owners=(
            owner(ALICE, "alice", last_login=login, last_upload_at=upload),
            owner(BOB, "bob", "maintainer", last_login=NOW - DAY),  # maintainers do not count
        )
    )

    said = pep541.cautions(the_facts, intent=pep541.MAINTAIN)

    assert any("alice has been active in the last 12 months" in s for s in said) is cautioned
    assert not any("bob" in s for s in said)


def test_a_project_pending_removal_is_pointed_out():
    said = pep541.cautions(facts(pending_removal=True), intent=pep541.MAINTAIN)

    assert said == [
        "tinypad's owners have scheduled its removal: it is pending removal now, and its name "
        "may be reserved once it is removed."
    ]


def test_the_rules_are_pure():
    """The module imports no ORM, no settings and no clock: only the engine's Refusal and
    datetime."""
    tree = ast.parse(Path(pep541.__file__).read_text())
    imported = {
        node.module if isinstance(node, ast.ImportFrom) else alias.name
        for node in ast.walk(tree)
        if isinstance(node, ast.Import | ast.ImportFrom)
        for alias in node.names
    }

    assert imported == {"datetime", "moderation.workflow"}


def test_a_single_dependent_is_worded_in_the_singular():
    one = facts(dependents=1, dependent_names=("bar",))

    maintain = pep541.cautions(one, intent=pep541.MAINTAIN)
    replace = pep541.cautions(one, intent=pep541.REPLACE)

    assert maintain[0].startswith("The project that depends on tinypad (bar)")
    assert "would break the project that depends on it: bar." in replace[0]
