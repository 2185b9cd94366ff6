"""The one moderation engine: every queue's table, effects, texts and emails hold together.

The first half is pure (no database): the staged-removal table written out by hand, and the
invariants that tie every transition of every queue to its effect (plan and executor), every
state to its words, and the scheduler's transitions to the scheduler alone. The second half
shows on rows that what a confirmation page plans is what the executor does.
"""

from datetime import UTC, datetime, timedelta

import pytest
from django.core import mail

from moderation import notifications, state_texts, workflow
from moderation.models import CASE_MODELS, StagedRemoval, StagedState
from moderation.services import EFFECTS, apply_transition, plan, staged
from moderation.workflow import Kind, Who
from registry import services as registry
from registry.models import File, Release
from registry.services import RegistryError
from tests.factories import DeletionExceptionFactory, LegalTakedownFactory, publish

S = StagedState
OPEN = {S.DEPRECATED, S.PENDING_REMOVAL, S.AWAITING_REVIEW}

# name: (sources, target, who, executes, effect)
STAGED = {
    "to_pending": ({S.DEPRECATED}, S.PENDING_REMOVAL, Who.SCHEDULER, True, "mark_pending"),
    "to_review": ({S.PENDING_REMOVAL}, S.AWAITING_REVIEW, Who.SCHEDULER, False, "await_review"),
    "approve": ({S.AWAITING_REVIEW}, S.REMOVED, Who.ADMIN, True, "remove_staged"),
    "keep": (OPEN, S.KEPT, Who.ADMIN, True, "keep_staged"),
    "extend": ({S.DEPRECATED, S.PENDING_REMOVAL}, None, Who.ADMIN, False, "extend_stage"),
    "send_back": ({S.AWAITING_REVIEW}, S.PENDING_REMOVAL, Who.ADMIN, False, "extend_stage"),
    "cancel": (OPEN, S.CANCELLED, Who.OWNER, True, "cancel_staged"),
}

# The admins' decisions on requests that execute nothing (test_workflow holds the same list).
ADMIN_DECIDES_NOTHING_EXECUTED = {(Kind.NAME, "refuse")}

ALL = [(kind, t) for kind in Kind for t in workflow.TRANSITIONS[kind]]
ALL_STATES = [(kind, state) for kind in Kind for state in workflow.STATES[kind]]


def ids(pairs):
    return [f"{kind}-{getattr(item, 'name', item)}" for kind, item in pairs]


# The staged-removal table -----------------------------------------------------------------------


def test_staged_removal_has_exactly_the_expected_transitions():
    found = {
        t.name: (set(t.sources), t.target, t.who, t.executes, t.effect)
        for t in workflow.TRANSITIONS[Kind.STAGED]
    }

    assert found == {name: (set(s), *rest) for name, (s, *rest) in STAGED.items()}


def test_every_queue_has_its_states_in_the_table():
    assert set(workflow.TRANSITIONS) == set(Kind) == set(workflow.STATES)
    assert set(workflow.OPEN_STATES) == set(Kind)
    assert workflow.OPEN_STATES[Kind.STAGED] == OPEN


@pytest.mark.parametrize("kind", list(Kind))
def test_every_state_is_reachable_and_every_open_state_has_a_way_out(kind):
    states = list(workflow.STATES[kind])
    reached, frontier = {states[0]}, [states[0]]
    while frontier:
        state = frontier.pop()
        for transition in workflow.TRANSITIONS[kind]:
            target = transition.target_from(state)
            if state in transition.sources and target not in reached:
                reached.add(target)
                frontier.append(target)
    assert reached == set(states)
    for state in workflow.OPEN_STATES[kind]:
        assert any(state in t.sources for t in workflow.TRANSITIONS[kind]), state
    for transition in workflow.TRANSITIONS[kind]:
        assert transition.sources <= workflow.OPEN_STATES[kind], transition.name


# Effects: plans and executors ----------------------------------------------------------------


@pytest.mark.parametrize(("kind", "transition"), ALL, ids=ids(ALL))
def test_every_transition_with_an_effect_has_a_plan_and_an_executor(kind, transition):
    if transition.executes:
        assert transition.effect, f"{transition.name} changes the registry but names no effect"
    if not transition.effect:
        return
    effect = EFFECTS[transition.effect]
    assert callable(effect.plan)
    assert callable(effect.execute) or callable(effect.execute_many)
    if transition.who == Who.SCHEDULER:
        assert callable(effect.execute_many), "the scheduler moves cases in batches"


def test_every_effect_serves_a_transition():
    used = {t.effect for _kind, t in ALL if t.effect}

    assert used == set(EFFECTS)


@pytest.mark.parametrize(("kind", "transition"), ALL, ids=ids(ALL))
def test_only_admins_owners_and_the_scheduler_change_the_registry(kind, transition):
    if transition.executes:
        assert transition.who in {Who.ADMIN, Who.OWNER, Who.SCHEDULER}
    if (kind, transition.name) in ADMIN_DECIDES_NOTHING_EXECUTED:
        # Refusing a name request is the admins' decision (not support staff's), yet it leaves
        # the registry as it is.
        assert transition.who == Who.ADMIN and not transition.executes
    elif kind in workflow.REQUEST_KINDS:
        assert transition.executes is (transition.who == Who.ADMIN)


@pytest.mark.parametrize(("kind", "state"), ALL_STATES, ids=ids(ALL_STATES))
def test_nobody_is_offered_the_schedulers_transitions(kind, state):
    offered = workflow.allowed(
        kind, state, is_admin=True, is_staff=True, is_requester=True, is_owner=True
    )

    assert all(t.who != Who.SCHEDULER for t in offered)


# Texts ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("kind", "state"), ALL_STATES, ids=ids(ALL_STATES))
def test_every_state_has_its_requester_and_staff_text(kind, state):
    text = state_texts.text(kind, state)

    assert text.headline.strip() and text.staff.strip()
    if workflow.is_open(kind, state):
        assert text.next_step.strip(), "an open case tells its requester what happens next"


def test_the_text_table_names_no_state_that_does_not_exist():
    for kind, texts in state_texts.TEXTS.items():
        assert set(texts) == set(workflow.STATES[kind]), kind


def test_every_state_label_is_the_models_choice_label():
    for kind, model in {**CASE_MODELS, Kind.STAGED: StagedRemoval}.items():
        field = model._meta.get_field("state")
        assert dict(field.choices) == dict(workflow.choices(kind)), kind


# Guards -------------------------------------------------------------------------------------------

NOW = datetime(2026, 3, 2, 12, tzinfo=UTC)


def test_guards_are_pure_checks_of_the_case_and_what_was_typed():
    extend = workflow.transition(Kind.STAGED, "extend")
    assert extend.refusal(None, NOW, {"days": 0}).code == "days"
    assert extend.refusal(None, NOW, {"days": 1}) is None

    counter = workflow.transition(Kind.TAKEDOWN, "receive_counter_notice")
    assert counter.refusal(None, NOW, {"counter_notice": "  "}).code == "counter_notice"
    assert counter.refusal(None, NOW, {"counter_notice": "I own it"}) is None

    reinstate = workflow.transition(Kind.TAKEDOWN, "reinstate")
    takedown = LegalTakedownFactory.build(reinstate_after=NOW.date() + timedelta(days=1))
    assert reinstate.refusal(takedown, NOW, {}).code == "waiting_period"
    takedown.reinstate_after = NOW.date()
    assert reinstate.refusal(takedown, NOW, {}) is None


# Plans are what executors do (rows) ---------------------------------------------------------------


@pytest.fixture
def project(owner):
    project = registry.create_project(name="planned", owner=owner, actor=owner, reason="t")
    for version in ("1.0", "2.0"):
        publish(project, version, actor=owner, now=NOW, files=2)
    return project


def live_files(project):
    return set(
        File.objects.filter(release__project=project, removed_at__isnull=True).values_list(
            "filename", flat=True
        )
    )


@pytest.mark.django_db
def test_the_removal_plan_lists_exactly_what_the_executor_removes(project, registry_admin):
    release_1 = Release.objects.get(project=project, version="1.0")
    release_2 = Release.objects.get(project=project, version="2.0")
    inside, outside = release_1.files.first(), release_2.files.order_by("filename").first()
    case = DeletionExceptionFactory(project=project)
    case.releases.set([release_1])
    case.files.set([inside, outside])  # a file of release 1.0 goes with its release
    transition = workflow.transition(Kind.EXCEPTION, "approve")
    before = live_files(project)

    items = plan(case, transition, NOW)
    apply_transition(case=case, name="approve", actor=registry_admin, reason="Leaked key")

    assert [item.label for item in items] == ["Release 1.0", f"File {outside.filename}"]
    removed = before - live_files(project)
    assert removed == {f.filename for f in release_1.files.all()} | {outside.filename}
    assert plan(case, transition, NOW)[0].label.startswith("Nothing")


@pytest.mark.django_db
def test_a_request_naming_nothing_plans_and_removes_the_whole_project(project, registry_admin):
    case = DeletionExceptionFactory(project=project)
    transition = workflow.transition(Kind.EXCEPTION, "approve")

    (item,) = plan(case, transition, NOW)
    apply_transition(case=case, name="approve", actor=registry_admin, reason="Placeholder")

    assert item.label == "The whole project planned"
    assert "2 live releases and 4 live files" in item.detail
    project.refresh_from_db()
    assert project.is_removed


@pytest.mark.django_db
def test_an_effect_that_finds_nothing_left_refuses_and_changes_nothing(project, registry_admin):
    release = Release.objects.get(project=project, version="1.0")
    registry.remove_release(
        release=release, actor=registry_admin, reason="Gone", category="admin", now=NOW
    )
    case = DeletionExceptionFactory(project=project)
    case.releases.set([release])

    with pytest.raises(RegistryError) as refused:
        apply_transition(case=case, name="approve", actor=registry_admin, reason="Again")

    assert refused.value.code == "nothing"
    case.refresh_from_db()
    assert case.state == "submitted"


# Staged removals through the engine ---------------------------------------------------------------


@pytest.fixture
def staged_case(project, owner):
    return staged.start(project=project, message="Unmaintained", actor=owner, now=NOW)


def test_the_owners_email_table_covers_exactly_the_staged_transitions():
    assert set(notifications.STAGED_OWNER_MAIL) == set(STAGED)


@pytest.mark.django_db
@pytest.mark.parametrize("name", sorted(STAGED))
def test_every_staged_transition_has_an_email_for_the_owners(
    name, staged_case, registry_admin, django_capture_on_commit_callbacks
):
    transition = workflow.transition(Kind.STAGED, name)
    staged_case.state = next(iter(sorted(transition.sources)))
    staged_case.next_step_at = NOW + timedelta(days=3)
    mail.outbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        notifications.on_staged_transition(
            [staged_case], transition, reason="Because", actor=registry_admin
        )

    assert any("planned" in message.subject for message in mail.outbox)


@pytest.mark.django_db
def test_an_admins_extend_is_one_act_whatever_the_stage(staged_case, registry_admin):
    actor = staged.scheduler_user()
    staged.advance_batch(now=NOW + timedelta(days=30), actor=actor)
    stale_copy = StagedRemoval.objects.get(pk=staged_case.pk)  # pending removal, read now
    staged.advance_batch(now=NOW + timedelta(days=60), actor=actor)

    # The copy in hand still says "pending removal"; the engine reads the row under its lock
    # and takes the transition that starts from "awaiting review".
    case = staged.extend(
        case=stale_copy, actor=registry_admin, reason="More time", days=5, now=NOW + timedelta(61)
    )

    assert (case.state, case.next_step_at) == (S.PENDING_REMOVAL, NOW + timedelta(days=66))
    history = list(case.history.order_by("history_id").values_list("state", flat=True))
    assert history[-2:] == [S.AWAITING_REVIEW, S.PENDING_REMOVAL]


@pytest.mark.django_db
def test_the_scheduler_refuses_an_account_that_is_no_longer_an_admin(db):
    user = staged.scheduler_user()
    user.groups.clear()

    with pytest.raises(RegistryError) as refused:
        staged.scheduler_user()

    assert refused.value.code == "admin_only"


@pytest.mark.django_db
def test_a_person_cannot_take_a_scheduler_transition(staged_case, registry_admin):
    with pytest.raises(RegistryError) as refused:
        apply_transition(
            case=staged_case, name="to_pending", actor=registry_admin, reason="Let me", now=NOW
        )
    assert refused.value.code == "scheduler_only"
    staged_case.refresh_from_db()
    assert staged_case.state == S.DEPRECATED
