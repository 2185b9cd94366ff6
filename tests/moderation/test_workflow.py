"""The moderation transition tables and the business-day arithmetic: pure, no database.

The expected tables below are written out by hand from the issue and DESIGN.md ("Moderation"),
so a transition that gains a source, loses a role check or changes its target fails here.
"""

from datetime import date, timedelta

import pytest

from moderation import workflow
from moderation.workflow import (
    AbuseState,
    ExceptionState,
    Kind,
    NameRequestState,
    TakedownState,
    Who,
    add_business_days,
    allowed,
    counter_notice_window,
    is_open,
)

T, E, A, N = TakedownState, ExceptionState, AbuseState, NameRequestState
SUPPORT, ADMIN, REQUESTER = Who.SUPPORT, Who.ADMIN, Who.REQUESTER

# name: (sources, target, who, executes, message_required)
EXPECTED = {
    Kind.TAKEDOWN: {
        "request_info": ({T.RECEIVED}, T.NEEDS_INFO, SUPPORT, False, True),
        "provide_info": ({T.NEEDS_INFO}, T.RECEIVED, REQUESTER, False, False),
        "accept": ({T.RECEIVED}, T.ACCEPTED, SUPPORT, False, False),
        "notify_owner": ({T.ACCEPTED}, T.OWNER_NOTIFIED, SUPPORT, False, False),
        "disable_content": (
            {T.ACCEPTED, T.OWNER_NOTIFIED},
            T.CONTENT_DISABLED,
            ADMIN,
            True,
            False,
        ),
        "receive_counter_notice": (
            {T.CONTENT_DISABLED},
            T.COUNTER_NOTICE,
            SUPPORT,
            False,
            False,
        ),
        "send_counter_notice": ({T.CONTENT_DISABLED}, T.COUNTER_NOTICE, Who.OWNER, False, False),
        "report_court_action": ({T.COUNTER_NOTICE}, T.UPHELD, SUPPORT, False, False),
        "reinstate": ({T.COUNTER_NOTICE}, T.REINSTATED, ADMIN, True, False),
        "uphold": ({T.CONTENT_DISABLED}, T.UPHELD, SUPPORT, False, False),
        "reject": (
            {T.RECEIVED, T.NEEDS_INFO, T.ACCEPTED, T.OWNER_NOTIFIED},
            T.REJECTED,
            SUPPORT,
            False,
            True,
        ),
        "retract": (
            {T.RECEIVED, T.NEEDS_INFO, T.ACCEPTED, T.OWNER_NOTIFIED},
            T.RETRACTED,
            REQUESTER,
            False,
            False,
        ),
    },
    Kind.EXCEPTION: {
        "start_review": ({E.SUBMITTED}, E.UNDER_REVIEW, SUPPORT, False, False),
        "approve": ({E.SUBMITTED, E.UNDER_REVIEW}, E.APPROVED, ADMIN, True, False),
        "reject": ({E.SUBMITTED, E.UNDER_REVIEW}, E.REJECTED, SUPPORT, False, True),
        "withdraw": ({E.SUBMITTED, E.UNDER_REVIEW}, E.WITHDRAWN, REQUESTER, False, False),
    },
    Kind.ABUSE: {
        "triage": ({A.RECEIVED}, A.TRIAGED, SUPPORT, False, False),
        "quarantine": ({A.RECEIVED, A.TRIAGED}, A.QUARANTINED, ADMIN, True, False),
        "remove": ({A.TRIAGED, A.QUARANTINED}, A.REMOVED, ADMIN, True, False),
        "clear": ({A.RECEIVED, A.TRIAGED}, A.CLEARED, SUPPORT, False, False),
        "lift_quarantine": ({A.QUARANTINED}, A.CLEARED, ADMIN, True, False),
    },
    # PEP 541 name requests: an owner's answer and the scheduler's lapse are the only moves
    # that are neither staff's nor the requester's.
    Kind.NAME: {
        "contact_owners": ({N.SUBMITTED}, N.CONTACTING_OWNERS, SUPPORT, False, False),
        "keep_project": (
            {N.SUBMITTED, N.CONTACTING_OWNERS, N.AWAITING_DECISION},
            N.REFUSED,
            Who.OWNER,
            False,
            False,
        ),
        "lapse": ({N.CONTACTING_OWNERS}, N.AWAITING_DECISION, Who.SCHEDULER, False, False),
        "transfer": ({N.SUBMITTED, N.AWAITING_DECISION}, N.TRANSFERRED, ADMIN, True, False),
        "refuse": (
            {N.SUBMITTED, N.CONTACTING_OWNERS, N.AWAITING_DECISION},
            N.REFUSED,
            ADMIN,
            False,
            True,
        ),
        "withdraw": (
            {N.SUBMITTED, N.CONTACTING_OWNERS, N.AWAITING_DECISION},
            N.WITHDRAWN,
            REQUESTER,
            False,
            False,
        ),
    },
}

# Admin decisions that execute nothing in the registry: refusing a name request is the admins'
# (PEP 541 leaves the name's fate to them, not to support staff) but changes no registry row.
ADMIN_DECIDES_NOTHING_EXECUTED = {(Kind.NAME, "refuse")}

STATES = {
    Kind.TAKEDOWN: TakedownState,
    Kind.EXCEPTION: ExceptionState,
    Kind.ABUSE: AbuseState,
    Kind.NAME: NameRequestState,
}
OPEN = {
    Kind.TAKEDOWN: {
        T.RECEIVED,
        T.NEEDS_INFO,
        T.ACCEPTED,
        T.OWNER_NOTIFIED,
        T.CONTENT_DISABLED,
        T.COUNTER_NOTICE,
    },
    Kind.EXCEPTION: {E.SUBMITTED, E.UNDER_REVIEW},
    Kind.ABUSE: {A.RECEIVED, A.TRIAGED, A.QUARANTINED},
    Kind.NAME: {N.SUBMITTED, N.CONTACTING_OWNERS, N.AWAITING_DECISION},
}

ALL_TRANSITIONS = [(kind, name) for kind, table in EXPECTED.items() for name in table]
ALL_STATES = [(kind, state) for kind, states in STATES.items() for state in states]

# Who is acting, as allowed() is asked: (is_admin, is_staff, is_requester).
ROLES = {
    "anonymous": (False, False, False),
    "requester": (False, False, True),
    "support": (False, True, False),
    "admin": (True, True, False),
}
MAY = {
    "anonymous": set(),
    "requester": {REQUESTER},
    "support": {SUPPORT},
    "admin": {SUPPORT, ADMIN},
}


# The tables -------------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", list(workflow.REQUEST_KINDS))
def test_each_queue_has_exactly_the_expected_transitions(kind):
    assert [t.name for t in workflow.TRANSITIONS[kind]] == list(EXPECTED[kind])


@pytest.mark.parametrize(("kind", "name"), ALL_TRANSITIONS)
def test_transition_sources_target_and_who(kind, name):
    sources, target, who, executes, message_required = EXPECTED[kind][name]

    found = workflow.transition(kind, name)

    assert found.name == name
    assert found.sources == frozenset(sources)
    assert found.target == target
    assert found.who == who
    assert found.executes is executes
    assert found.message_required is message_required
    assert found.label and found.help


@pytest.mark.parametrize(("kind", "name"), ALL_TRANSITIONS)
def test_only_admin_transitions_execute(kind, name):
    found = workflow.transition(kind, name)

    if (kind, name) in ADMIN_DECIDES_NOTHING_EXECUTED:
        assert found.who == Who.ADMIN and not found.executes
    else:
        assert found.executes is (found.who == Who.ADMIN)


def test_the_only_admin_decision_that_executes_nothing_is_refusing_a_name_request():
    found = {
        (kind, t.name)
        for kind in workflow.REQUEST_KINDS
        for t in workflow.TRANSITIONS[kind]
        if t.who == Who.ADMIN and not t.executes
    }

    assert found == ADMIN_DECIDES_NOTHING_EXECUTED


def test_transition_accepts_the_kind_as_a_plain_string():
    assert workflow.transition("exception", "approve").target == E.APPROVED


@pytest.mark.parametrize(
    ("kind", "name"),
    [("takedown", "approve"), ("exception", "disable_content"), ("abuse", "retract")],
)
def test_unknown_transition_raises_key_error(kind, name):
    with pytest.raises(KeyError, match=name):
        workflow.transition(kind, name)


@pytest.mark.parametrize("kind", list(workflow.REQUEST_KINDS))
def test_closed_states_have_no_way_out(kind):
    for transition in workflow.TRANSITIONS[kind]:
        assert transition.sources <= OPEN[kind], transition.name


@pytest.mark.parametrize("kind", list(workflow.REQUEST_KINDS))
def test_every_state_is_reachable_from_the_first(kind):
    first = next(iter(STATES[kind]))
    reached, frontier = {first}, [first]
    while frontier:
        state = frontier.pop()
        for transition in workflow.TRANSITIONS[kind]:
            if state in transition.sources and transition.target not in reached:
                reached.add(transition.target)
                frontier.append(transition.target)

    assert reached == set(STATES[kind])


# is_open and allowed() ------------------------------------------------------------------------


@pytest.mark.parametrize(("kind", "state"), ALL_STATES)
def test_is_open(kind, state):
    assert is_open(kind, state) is (state in OPEN[kind])
    assert is_open(kind.value, state.value) is (state in OPEN[kind])


@pytest.mark.parametrize("role", list(ROLES))
@pytest.mark.parametrize(("kind", "state"), ALL_STATES)
def test_allowed_lists_what_this_role_may_do_from_this_state(kind, state, role):
    is_admin, is_staff, is_requester = ROLES[role]
    expected = [
        name
        for name, (sources, _target, who, _x, _m) in EXPECTED[kind].items()
        if state in sources and who in MAY[role]
    ]

    found = allowed(
        kind.value, state.value, is_admin=is_admin, is_staff=is_staff, is_requester=is_requester
    )

    assert [t.name for t in found] == expected


@pytest.mark.parametrize(
    ("kind", "state", "role", "names"),
    [
        ("takedown", "received", "support", ["request_info", "accept", "reject"]),
        ("takedown", "received", "requester", ["retract"]),
        ("takedown", "needs_info", "requester", ["provide_info", "retract"]),
        ("takedown", "owner_notified", "support", ["reject"]),
        ("takedown", "owner_notified", "admin", ["disable_content", "reject"]),
        ("takedown", "content_disabled", "support", ["receive_counter_notice", "uphold"]),
        ("takedown", "counter_notice", "support", ["report_court_action"]),
        ("takedown", "counter_notice", "admin", ["report_court_action", "reinstate"]),
        ("takedown", "reinstated", "admin", []),
        ("exception", "under_review", "support", ["reject"]),
        ("exception", "under_review", "admin", ["approve", "reject"]),
        ("exception", "under_review", "requester", ["withdraw"]),
        ("exception", "approved", "requester", []),
        ("abuse", "received", "support", ["triage", "clear"]),
        ("abuse", "received", "admin", ["triage", "quarantine", "clear"]),
        ("abuse", "quarantined", "support", []),
        ("abuse", "quarantined", "admin", ["remove", "lift_quarantine"]),
        ("abuse", "triaged", "anonymous", []),
        ("name", "submitted", "support", ["contact_owners"]),
        ("name", "submitted", "admin", ["contact_owners", "transfer", "refuse"]),
        ("name", "contacting_owners", "support", []),
        ("name", "contacting_owners", "admin", ["refuse"]),
        ("name", "awaiting_decision", "admin", ["transfer", "refuse"]),
        ("name", "awaiting_decision", "requester", ["withdraw"]),
        ("name", "transferred", "admin", []),
    ],
)
def test_allowed_spot_checks(kind, state, role, names):
    is_admin, is_staff, is_requester = ROLES[role]

    found = allowed(kind, state, is_admin=is_admin, is_staff=is_staff, is_requester=is_requester)

    assert [t.name for t in found] == names


def test_an_admin_who_is_not_flagged_staff_still_gets_support_transitions():
    found = allowed("abuse", "received", is_admin=True, is_staff=False)

    assert [t.name for t in found] == ["triage", "quarantine", "clear"]


def test_an_owner_answers_a_name_request_and_admins_are_not_offered_it_in_their_name():
    owner = allowed("name", "contacting_owners", is_admin=False, is_staff=False, is_owner=True)
    admin = allowed("name", "contacting_owners", is_admin=True, is_staff=True)

    assert [t.name for t in owner] == ["keep_project"]
    assert "keep_project" not in [t.name for t in admin]


def test_staff_who_filed_the_request_also_get_the_requester_transitions():
    found = allowed("exception", "submitted", is_admin=False, is_staff=True, is_requester=True)

    assert [t.name for t in found] == ["start_review", "reject", "withdraw"]


# Business days ----------------------------------------------------------------------------------

MON = date(2025, 6, 2)


@pytest.mark.parametrize(
    ("start", "days", "expected"),
    [
        (MON, 0, MON),
        (MON, 1, date(2025, 6, 3)),
        (MON, 4, date(2025, 6, 6)),  # Friday
        (MON, 5, date(2025, 6, 9)),  # over one weekend
        (date(2025, 6, 6), 1, date(2025, 6, 9)),  # Friday + 1 = Monday
        (date(2025, 6, 7), 1, date(2025, 6, 9)),  # from a Saturday
        (date(2025, 6, 8), 1, date(2025, 6, 9)),  # from a Sunday
        (date(2025, 6, 7), 0, date(2025, 6, 7)),  # no days: no move, even on a weekend
        (date(2025, 7, 31), 2, date(2025, 8, 4)),  # Thursday, month end and a weekend
        (date(2025, 2, 27), 2, date(2025, 3, 3)),  # end of a 28-day February
        (date(2024, 2, 28), 2, date(2024, 3, 1)),  # over 29 February 2024
        (date(2025, 12, 31), 3, date(2026, 1, 5)),  # year end
        (date(2025, 4, 30), 10, date(2025, 5, 14)),
    ],
)
def test_add_business_days(start, days, expected):
    assert add_business_days(start, days) == expected


def test_add_business_days_counts_exactly_the_weekdays_after_the_start():
    """For every start in a year and up to 20 days: lands on a weekday after `days` of them."""
    start = date(2024, 1, 1)
    for offset in range(366):
        day = start + timedelta(days=offset)
        for days in range(1, 21):
            result = add_business_days(day, days)
            between = [day + timedelta(days=n) for n in range(1, (result - day).days + 1)]
            assert result.weekday() < 5, (day, days)
            assert sum(1 for d in between if d.weekday() < 5) == days, (day, days)


# The counter-notice window (17 U.S.C. § 512(g)(2)(C)) --------------------------------------------


def test_counter_notice_window_is_10_to_14_business_days():
    assert workflow.COUNTER_NOTICE_MIN_BUSINESS_DAYS == 10
    assert workflow.COUNTER_NOTICE_MAX_BUSINESS_DAYS == 14


@pytest.mark.parametrize(
    ("received", "earliest", "latest"),
    [
        (MON, date(2025, 6, 16), date(2025, 6, 20)),  # two full weeks, then Friday
        (date(2025, 6, 3), date(2025, 6, 17), date(2025, 6, 23)),  # Tuesday
        (date(2025, 6, 6), date(2025, 6, 20), date(2025, 6, 26)),  # Friday
        (date(2025, 6, 7), date(2025, 6, 20), date(2025, 6, 26)),  # Saturday: Monday counts
        (date(2025, 6, 23), date(2025, 7, 7), date(2025, 7, 11)),  # over a month end
        (date(2025, 12, 24), date(2026, 1, 7), date(2026, 1, 13)),  # over the year end
    ],
)
def test_counter_notice_window(received, earliest, latest):
    assert counter_notice_window(received) == (earliest, latest)
