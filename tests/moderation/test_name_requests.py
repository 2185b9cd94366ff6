"""PEP 541 name requests, every path driven by passing `now`: filing (and the refusals before
filing), contacting the owners, an owner's "keep my project", the halfway reminder, the lapse
of the reachability period, and an admin's transfer or refusal.

E-mails are read where every one of them is queued (`registry.models.OutboxMessage`), so a test
sees what a person's act and what a scheduler batch queued alike.
"""

import re
from datetime import UTC, datetime, timedelta

import pytest
from django.contrib.auth.models import AnonymousUser
from django.db import IntegrityError, transaction

from moderation import notifications
from moderation import services as moderation
from moderation.models import Message, MessageKind, NameRequest, NameRequestContact
from moderation.services import names, staged
from moderation.workflow import NameRequestState
from registry import services as registry
from registry.models import (
    OutboxKind,
    OutboxMessage,
    OwnershipTransfer,
    Project,
    RemovalCategory,
    ReservationReason,
    Role,
    RoleName,
)
from registry.services import RegistryError
from tests.factories import NameRequestFactory, UserFactory, publish, wheel_name

pytestmark = pytest.mark.django_db

NOW = datetime(2025, 6, 2, 9, 0, tzinfo=UTC)
DAY = timedelta(days=1)
OLD = NOW - 400 * DAY
PERIOD = 42 * DAY
DETAILS = "I wrote to both owners in March and April; I maintain the fork everyone uses."
S = NameRequestState


# Fixtures and helpers ---------------------------------------------------------------------------


@pytest.fixture
def co_owner(db):
    return UserFactory(username="co-owner")


@pytest.fixture
def project(owner, co_owner, maintainer):
    """A 400-day-old project with two owners, a maintainer and one release as old."""
    project = registry.create_project(
        name="leftpad", owner=owner, actor=owner, reason="New project", now=OLD
    )
    for user, role in ((co_owner, RoleName.OWNER), (maintainer, RoleName.MAINTAINER)):
        registry.add_role(
            project=project, user=user, role=role, actor=owner, reason="Team", now=OLD
        )
    publish(project, "1.0", actor=owner, now=OLD)
    return project


@pytest.fixture
def requester(db):
    return UserFactory(username="claimant", first_name="Clara", last_name="Claimant")


@pytest.fixture
def scheduler(db):
    return staged.scheduler_user()


def claim(project, requester, *, ground="abandoned", intent="maintain", now=NOW, **changes):
    data = {"details": DETAILS, "looked_for_another_name": True, **changes}
    case, _key = names.submit_name_request(
        project=project, requester=requester, ground=ground, intent=intent, now=now, **data
    )
    return case


def act(case, name, actor, reason=None, *, now=NOW, **extra):
    return moderation.apply_transition(
        case=case, name=name, actor=actor, reason=reason or f"Reason for {name}", now=now, **extra
    )


def queued(since=0):
    """Return (recipients, subject, body) of every e-mail queued after outbox row `since`."""
    return [
        (tuple(row.payload["to"]), row.payload["subject"], row.payload["body"])
        for row in OutboxMessage.objects.filter(kind=OutboxKind.EMAIL, pk__gt=since).order_by("pk")
    ]


def last_outbox():
    return OutboxMessage.objects.order_by("-pk").values_list("pk", flat=True).first() or 0


def link_key(body):
    """Return the key of the private "keep my project" link in an owner's e-mail."""
    match = re.search(r"keep it to yourself\):\n(\S+)", body)
    assert match, body
    return match.group(1).rstrip("/").rsplit("/", 1)[-1]


def contacted(project, requester, support_user, *, now=NOW):
    """A filed abandoned-project claim whose owners were contacted at `now`."""
    case = claim(project, requester, now=now)
    return act(case, "contact_owners", support_user, "Owners to be asked", now=now)


def lapsed(project, requester, support_user, scheduler, *, now=NOW):
    case = contacted(project, requester, support_user, now=now)
    assert names.lapse_batch(now=now + PERIOD, actor=scheduler) == [case]
    case.refresh_from_db()
    return case


def refused(call):
    with pytest.raises(RegistryError) as raised:
        call()
    return raised.value


# Filing -----------------------------------------------------------------------------------------


def test_filing_stores_the_facts_the_requester_and_the_deadline(project, requester):
    since = last_outbox()

    case, key = names.submit_name_request(
        project=project,
        requester=requester,
        ground="abandoned",
        intent="maintain",
        details=f"  {DETAILS}  ",
        looked_for_another_name=True,
        now=NOW,
    )

    case = NameRequest.objects.get(pk=case.pk)
    assert (case.state, case.requested_name, case.ground, case.intent) == (
        S.SUBMITTED,
        "leftpad",
        "abandoned",
        "maintain",
    )
    assert case.details == DETAILS
    assert case.looked_for_another_name is True
    assert (case.requester, case.requester_email, case.requester_name) == (
        requester,
        requester.email,
        "Clara Claimant",
    )
    assert case.created_at == NOW
    assert case.due_at == NOW + timedelta(hours=120)
    assert case.reachable_until is None and case.closed_at is None
    # The facts as they were when filed.
    assert case.facts["name"] == "leftpad"
    assert case.facts["is_removed"] is False
    assert case.facts["last_release_at"].startswith(OLD.date().isoformat())
    assert {owner["username"] for owner in case.facts["owners"]} >= {"owner", "co-owner"}
    [row] = NameRequest.history.filter(id=case.pk)
    assert (row.history_user, row.history_change_reason) == (requester, "Name requested")
    assert moderation.case_for_key(key) == case
    [(to, subject, body)] = queued(since)
    assert to == (requester.email,) and case.reference in subject
    assert notifications.follow_url(key) in body


def test_the_sla_of_a_name_request_is_a_setting(settings, project, requester):
    settings.HOLDFAST_SLA_HOURS = {"name": 24}

    assert claim(project, requester).due_at == NOW + DAY


def remove(project, admin, *, now):
    registry.remove_project(
        project=project, actor=admin, reason="Spam", category=RemovalCategory.ABUSE, now=now
    )


@pytest.mark.parametrize(
    ("scenario", "changes", "code", "words"),
    [
        ("recent_release", {}, "recent-release", "less than 12 months ago"),
        ("young_project", {}, "young-project", "less than 12 months ago"),
        ("squatting_real_release", {"ground": "squatting"}, "has-functionality", "version 0"),
        ("already_owner", {}, "already-owner", "You already own leftpad"),
        ("removed_name_free", {}, "name-free", "the name is free"),
        ("quarantined", {}, "quarantined", "leftpad is quarantined"),
        ("prohibited", {}, "name-not-transferable", "is prohibited by the registry"),
        ("no_details", {"details": "   "}, "details", "Explain your claim"),
        ("not_looked", {"looked_for_another_name": False}, "another_name", "another name"),
        ("anonymous", {}, "not_signed_in", "Sign in"),
        ("nobody", {}, "not_signed_in", "Sign in"),
        ("unknown_ground", {"ground": "trademark"}, "ground", "PEP 541 ground"),
        ("unknown_intent", {"intent": "sell"}, "intent", "maintain the existing project"),
    ],
)
def test_an_obviously_ineligible_request_is_refused_before_anything_is_filed(
    project, owner, requester, registry_admin, scenario, changes, code, words
):
    who = requester
    if scenario == "recent_release":
        publish(project, "2.0", actor=owner, now=NOW - 30 * DAY)
    elif scenario == "young_project":
        project = registry.create_project(
            name="young", owner=owner, actor=owner, reason="New", now=NOW - 30 * DAY
        )
    elif scenario == "already_owner":
        who = owner
    elif scenario == "removed_name_free":
        remove(project, registry_admin, now=OLD)  # its reservation ran out long ago
    elif scenario == "quarantined":
        registry.quarantine_project(project=project, actor=registry_admin, reason="Abuse", now=NOW)
    elif scenario == "prohibited":
        remove(project, registry_admin, now=OLD)
        registry.reserve_name(
            name="leftpad", grounds="prohibited", actor=registry_admin, reason="Abuse", now=NOW
        )
    elif scenario == "anonymous":
        who = AnonymousUser()
    elif scenario == "nobody":
        who = None
    project.refresh_from_db()
    since, history = last_outbox(), NameRequest.history.count()

    error = refused(lambda: claim(project, who, **changes))

    assert error.code == code
    assert words in error.message
    assert NameRequest.objects.count() == 0
    assert NameRequest.history.count() == history
    assert queued(since) == []


def test_a_second_open_request_by_the_same_person_is_refused(project, requester, support_user):
    first = claim(project, requester)

    error = refused(lambda: claim(project, requester))

    assert error.code == "already-requested"
    assert first.reference in error.message
    assert NameRequest.objects.count() == 1
    # Once the first is closed, they may ask again.
    act(first, "withdraw", requester, "I found another name")
    assert claim(project, requester).pk != first.pk


def test_another_person_may_ask_for_the_same_name(project, requester):
    claim(project, requester)

    other = claim(project, UserFactory(username="someone-else"))

    assert NameRequest.objects.filter(project=project).count() == 2
    assert other.state == S.SUBMITTED


def test_the_database_keeps_one_open_request_per_person_and_name(project, requester):
    NameRequestFactory(project=project, requester=requester)
    NameRequestFactory(project=project, requester=requester, state=S.REFUSED, closed_at=NOW)

    with pytest.raises(IntegrityError), transaction.atomic():
        NameRequestFactory(project=project, requester=requester)


def test_a_request_that_loses_the_race_to_the_constraint_is_refused_readably(
    monkeypatch, project, requester
):
    claim(project, requester)
    # As if the other copy had not committed yet when this one read the open requests.
    monkeypatch.setattr(names, "open_request_of", lambda project, user: None)

    error = refused(lambda: claim(project, requester))

    assert error.code == "duplicate"
    assert "already have an open request for the name leftpad" in error.message
    assert NameRequest.objects.count() == 1


# Contacting the owners --------------------------------------------------------------------------


def test_contacting_the_owners_writes_to_each_owner_with_their_own_link(
    project, owner, co_owner, maintainer, requester, support_user
):
    case = claim(project, requester)
    since = last_outbox()

    case = act(case, "contact_owners", support_user, "Asking the owners")

    case.refresh_from_db()
    assert case.state == S.CONTACTING_OWNERS
    assert case.reachable_until == NOW + PERIOD
    contacts = list(case.contacts.order_by("owner__username"))
    assert [(c.owner, c.email, c.contacted_at) for c in contacts] == [
        (co_owner, co_owner.email, NOW),
        (owner, owner.email, NOW),
    ]
    assert all(c.answered_at is None and c.reminded_at is None for c in contacts)
    assert not NameRequestContact.objects.filter(owner=maintainer).exists()
    mail = queued(since)
    to_owners = {to: body for to, subject, body in mail if "a request for the name" in subject}
    assert set(to_owners) == {(owner.email,), (co_owner.email,)}
    keys = {to: link_key(body) for to, body in to_owners.items()}
    assert len(set(keys.values())) == 2
    for user in (owner, co_owner):
        contact = names.contact_for_key(keys[(user.email,)])
        assert (contact.owner, contact.request) == (user, case)
        assert "Clara Claimant has asked for the name" in to_owners[(user.email,)]
        assert "2025-07-14" in to_owners[(user.email,)]
    # Only the hash of a key is stored.
    assert all(key not in str(NameRequestContact.objects.values()) for key in keys.values())
    [requester_mail] = [body for to, _s, body in mail if to == (requester.email,)]
    assert "may answer until 2025-07-14" in requester_mail
    assert len(mail) == 3  # two owners and the requester, once each
    history = NameRequestContact.history.filter(request_id=case.pk)
    assert {(r.history_user, r.history_change_reason) for r in history} == {
        (support_user, "Asking the owners")
    }


def test_the_reachability_period_is_a_setting(settings, project, requester, support_user):
    settings.HOLDFAST_NAME_REACHABILITY_DAYS = 14

    case = contacted(project, requester, support_user)

    assert case.reachable_until == NOW + 14 * DAY


@pytest.mark.parametrize("key", ["", "x" * 500, "not-a-key"])
def test_a_wrong_key_finds_no_contact(project, requester, support_user, key):
    contacted(project, requester, support_user)

    assert names.contact_for_key(key) is None


@pytest.mark.parametrize("who", ["requester", "owner", "stranger"])
def test_only_support_staff_and_admins_contact_the_owners(project, requester, owner, who):
    case = claim(project, requester)
    actor = {"requester": requester, "owner": owner, "stranger": UserFactory()}[who]

    error = refused(lambda: act(case, "contact_owners", actor))

    assert error.code == "staff"
    case.refresh_from_db()
    assert case.state == S.SUBMITTED and not case.contacts.exists()


def test_the_contact_plan_names_the_owners_and_the_period(project, owner, requester):
    case = claim(project, requester)

    items = moderation.plan(case, moderation.workflow.transition("name", "contact_owners"), NOW)

    assert items[0].label == 'E-mail 2 owners a private "keep my project" link'
    assert "co-owner (co-owner@example.org)" in items[0].detail
    assert "owner (owner@example.org)" in items[0].detail
    assert "2025-07-14" in items[1].label


# An owner answers -------------------------------------------------------------------------------


def test_an_owner_who_answers_by_their_link_closes_the_request(
    project, owner, requester, support_user
):
    case = contacted(project, requester, support_user)
    key = link_key(
        next(body for to, _s, body in queued() if to == (owner.email,) and "request" in body)
    )
    contact = names.contact_for_key(key)
    since = last_outbox()

    names.keep_project(
        case=contact.request,
        owner=contact.owner,
        answer="Still maintained, see the repo.",
        via_key=True,
        now=NOW + 3 * DAY,
    )

    case.refresh_from_db()
    assert (case.state, case.closed_at) == (S.REFUSED, NOW + 3 * DAY)
    contact.refresh_from_db()
    assert (contact.answered_at, contact.answer) == (
        NOW + 3 * DAY,
        "Still maintained, see the repo.",
    )
    last = NameRequest.history.filter(id=case.pk).latest("history_id")
    assert (last.state, last.history_user, last.history_change_reason) == (
        S.REFUSED,
        owner,
        "Still maintained, see the repo.",
    )
    [message] = Message.objects.filter(name_request=case, kind=MessageKind.TO_REQUESTER)
    assert "answered that they keep the project" in message.body
    assert message.author == owner
    [(to, subject, body)] = queued(since)
    assert to == (requester.email,)
    assert "now refused" in subject
    assert "answered that they keep the project" in body


def test_an_owner_may_answer_before_anyone_wrote_to_them(project, co_owner, requester):
    case = claim(project, requester)

    names.keep_project(case=case, owner=co_owner, now=NOW + DAY)

    case.refresh_from_db()
    assert case.state == S.REFUSED
    [contact] = case.contacts.all()
    assert (contact.owner, contact.answered_at, contact.answer) == (
        co_owner,
        NOW + DAY,
        "I am here: keep my project.",
    )


@pytest.mark.parametrize("who", ["ex_owner", "maintainer", "stranger", "requester"])
def test_only_a_current_owner_answers(
    project, owner, co_owner, maintainer, requester, support_user, who
):
    case = contacted(project, requester, support_user)
    if who == "ex_owner":
        registry.remove_role(
            project=project, user=co_owner, actor=owner, reason="Left", now=NOW + DAY
        )
    actor = {
        "ex_owner": co_owner,
        "maintainer": maintainer,
        "stranger": UserFactory(),
        "requester": requester,
    }[who]

    error = refused(
        lambda: names.keep_project(case=case, owner=actor, via_key=True, now=NOW + 2 * DAY)
    )

    assert error.code == "not_allowed"
    assert error.message == "Only the owners of leftpad can answer a name request."
    case.refresh_from_db()
    assert case.state == S.CONTACTING_OWNERS
    assert not case.contacts.filter(answered_at__isnull=False).exists()


def test_a_registry_admin_cannot_answer_for_the_owners(project, requester, registry_admin):
    case = claim(project, requester)

    error = refused(lambda: names.keep_project(case=case, owner=registry_admin, now=NOW))

    assert error.code == "not_allowed"
    assert "Registry admins refuse the request instead" in error.message
    case.refresh_from_db()
    assert case.state == S.SUBMITTED and not case.contacts.exists()


def test_answering_a_closed_request_is_refused_readably(
    project, owner, requester, support_user, registry_admin
):
    case = contacted(project, requester, support_user)
    act(case, "refuse", registry_admin, "The project is maintained.", now=NOW + DAY)

    error = refused(lambda: names.keep_project(case=case, owner=owner, via_key=True))

    assert error.code == "closed"
    assert error.message == f"{case.reference} is refused; it can no longer be changed."


def test_a_previous_owner_answering_after_the_transfer_is_told_it_is_closed(
    project, owner, requester, support_user, registry_admin, scheduler
):
    case = lapsed(project, requester, support_user, scheduler)
    act(case, "transfer", registry_admin, "Owners unreachable", now=NOW + PERIOD + DAY)

    error = refused(lambda: names.keep_project(case=case, owner=owner, via_key=True))

    assert error.code == "closed"
    assert error.message == f"{case.reference} is transferred; it can no longer be changed."


# The halfway reminder ---------------------------------------------------------------------------


def test_owners_who_have_not_answered_are_reminded_once_halfway(
    project, owner, co_owner, requester, support_user, scheduler
):
    case = contacted(project, requester, support_user)
    first_keys = {
        to: link_key(body) for to, subject, body in queued() if "a request for the name" in subject
    }
    # One owner's answer is on record without closing the request (it cannot happen through
    # the services, where an answer closes it): they are not reminded.
    answered = case.contacts.get(owner=co_owner)
    answered.answered_at = NOW + DAY
    answered.save()

    assert names.remind_batch(now=NOW + 21 * DAY - timedelta(seconds=1), actor=scheduler) == []
    since = last_outbox()
    assert names.remind_batch(now=NOW + 21 * DAY, actor=scheduler) == [case]

    case.refresh_from_db()
    assert case.owners_reminded_at == NOW + 21 * DAY
    assert case.state == S.CONTACTING_OWNERS
    reminded = case.contacts.get(owner=owner)
    assert reminded.reminded_at == NOW + 21 * DAY
    assert case.contacts.get(owner=co_owner).reminded_at is None
    [(to, subject, body)] = queued(since)
    assert to == (owner.email,)
    assert "reminder: a request for the name leftpad" in subject
    assert body.startswith("Reminder: we wrote to you")
    new_key = link_key(body)
    assert new_key != first_keys[(owner.email,)]
    assert names.contact_for_key(new_key) == reminded
    assert names.contact_for_key(first_keys[(owner.email,)]) == reminded
    rows = NameRequestContact.history.filter(id=reminded.pk).latest("history_id")
    assert (rows.history_user, rows.history_change_reason) == (scheduler, names.REMINDER_REASON)

    assert names.remind_batch(now=NOW + 22 * DAY, actor=scheduler) == []
    assert queued(since)[1:] == []


def test_no_reminder_once_the_period_is_over_or_the_request_closed(
    project, owner, requester, support_user, scheduler
):
    case = contacted(project, requester, support_user)

    assert not names.reminders_due(NOW + PERIOD).exists()
    names.keep_project(case=case, owner=owner, now=NOW + DAY)
    assert not names.reminders_due(NOW + 21 * DAY).exists()


# The period lapses, an admin transfers ----------------------------------------------------------


def test_the_period_lapses_to_an_admins_decision(project, requester, support_user, scheduler):
    case = contacted(project, requester, support_user)

    assert names.lapse_batch(now=NOW + PERIOD - timedelta(seconds=1), actor=scheduler) == []
    since = last_outbox()
    assert names.lapse_batch(now=NOW + PERIOD, actor=scheduler) == [case]

    case.refresh_from_db()
    assert case.state == S.AWAITING_DECISION and case.closed_at is None
    assert case.due_at == NOW + PERIOD + timedelta(hours=120)
    last = NameRequest.history.filter(id=case.pk).latest("history_id")
    assert (last.history_user, last.history_change_reason) == (scheduler, names.LAPSE_REASON)
    [(to, subject, _body)] = queued(since)
    assert to == (requester.email,) and "now awaiting decision" in subject
    assert names.lapse_batch(now=NOW + PERIOD + DAY, actor=scheduler) == []


def test_after_the_lapse_an_admin_transfers_the_name(
    project, owner, co_owner, maintainer, requester, support_user, registry_admin, scheduler
):
    # Two projects depend on leftpad: one is the co-owner's (told once, as a previous owner).
    fan = UserFactory(username="fan")
    for name, who in (("app", fan), ("tool", co_owner)):
        dependent = registry.create_project(name=name, owner=who, actor=who, reason="New", now=OLD)
        registry.set_dependencies(
            release=publish(dependent, "1.0", actor=who, now=OLD),
            requirements=["leftpad>=1"],
            actor=who,
            reason="Upload",
        )
    case = lapsed(project, requester, support_user, scheduler)
    when = NOW + PERIOD + DAY
    items = moderation.plan(case, moderation.workflow.transition("name", "transfer"), when)
    assert [item.label for item in items][:2] == [
        f"Make {requester} an owner of leftpad",
        "End 3 roles: kept in history, restorable from the transfer",
    ]
    assert any("app, tool" in item.detail for item in items)
    roles = {role.user: role.pk for role in Role.objects.filter(project=project)}
    since = last_outbox()

    act(case, "transfer", registry_admin, "Owners unreachable for six weeks", now=when)

    case.refresh_from_db()
    assert (case.state, case.closed_at) == (S.TRANSFERRED, when)
    transfer = OwnershipTransfer.objects.get()
    assert case.transfer == transfer
    assert (transfer.new_owner, transfer.reference, transfer.created_by) == (
        requester,
        case.reference,
        registry_admin,
    )
    assert Role.objects.active().get(project=project).user == requester
    assert Role.objects.get(project=project, user=requester).role == RoleName.OWNER
    for user in (owner, co_owner, maintainer):
        role = Role.objects.get(pk=roles[user])  # ended, not deleted
        assert role.ended_at == when
        last = role.history.latest("history_id")
        assert (last.history_user, last.history_change_reason) == (
            registry_admin,
            "Owners unreachable for six weeks",
        )
    mail = queued(since)
    recipients = [address for to, _s, _b in mail for address in to]
    assert sorted(recipients) == sorted(
        [requester.email, owner.email, co_owner.email, maintainer.email, fan.email]
    ), "everyone concerned is told, nobody twice"
    by_person = {address: (subject, body) for to, subject, body in mail for address in to}
    assert "now transferred" in by_person[requester.email][0]
    assert "leftpad was transferred" in by_person[owner.email][0]
    assert "Owners unreachable for six weeks" in by_person[owner.email][1]
    assert "Your role on leftpad was ended" in by_person[maintainer.email][1]
    assert "changed hands" in by_person[fan.email][0]
    assert "supply-chain event" in by_person[fan.email][1]


def test_the_new_owner_uploads_and_the_previous_owner_no_longer_can(
    project, owner, requester, support_user, registry_admin, scheduler
):
    case = lapsed(project, requester, support_user, scheduler)
    when = NOW + PERIOD + DAY
    act(case, "transfer", registry_admin, "Owners unreachable", now=when)

    def upload(user, version):
        return registry.publish_file(
            name="leftpad",
            version=version,
            filename=wheel_name(project, version, 1),
            content=b"wheel",
            uploader=user,
            now=when + DAY,
        )

    assert upload(requester, "2.0").release.version == "2.0"
    with pytest.raises(RegistryError):
        upload(owner, "3.0")


def test_a_removed_project_s_reservation_goes_to_the_requester(
    project, owner, requester, registry_admin
):
    remove(project, registry_admin, now=NOW - timedelta(hours=1))
    project.refresh_from_db()
    case = claim(project, requester, ground="invalid", intent="replace")
    assert case.facts["is_removed"] is True

    act(case, "transfer", registry_admin, "Spam project, removed", now=NOW)

    case.refresh_from_db()
    assert case.state == S.TRANSFERRED
    reservation = case.transfer.reservation
    assert reservation.reason == ReservationReason.REMOVED_PROJECT
    assert list(reservation.allowed_users.all()) == [requester]
    error = refused(
        lambda: registry.create_project(
            name="leftpad", owner=owner, actor=owner, reason="Again", now=NOW + DAY / 2
        )
    )
    assert error.code == "name_reserved"
    registry.create_project(
        name="leftpad", owner=requester, actor=requester, reason="Mine now", now=NOW + DAY / 2
    )
    assert not Project.objects.get(normalized_name="leftpad").is_removed


def test_a_name_held_on_other_grounds_is_not_transferred_and_the_plan_says_so(
    project, requester, registry_admin
):
    remove(project, registry_admin, now=OLD)  # its removed project's reservation ran out
    registry.reserve_name(
        name="leftpad", grounds="reserved", actor=registry_admin, reason="Held", now=NOW - DAY
    )
    case = claim(project, requester, ground="invalid", intent="replace")
    transfer = moderation.workflow.transition("name", "transfer")

    plan = [item.label for item in moderation.plan(case, transfer, NOW)]
    error = refused(lambda: act(case, "transfer", registry_admin, "Spam project", now=NOW))

    assert "This transfer will be refused: a reservation holds the name (reserved)" in plan
    assert error.code == "name_reserved"
    case.refresh_from_db()
    assert case.state == S.SUBMITTED and case.transfer is None


@pytest.mark.parametrize("zero", [False, True], ids=["no-release", "only-0.0.0"])
def test_a_squatted_empty_project_is_transferred_without_contacting_anyone(
    owner, requester, registry_admin, zero
):
    project = registry.create_project(
        name="squatted", owner=owner, actor=owner, reason="Mine", now=NOW - 10 * DAY
    )
    if zero:
        publish(project, "0.0.0", actor=owner, now=NOW - 10 * DAY)
    case = claim(project, requester, ground="squatting", intent="replace")

    act(case, "transfer", registry_admin, "Empty placeholder", now=NOW + DAY)

    case.refresh_from_db()
    assert case.state == S.TRANSFERRED
    assert not case.contacts.exists()
    assert Role.objects.active().get(project=project).user == requester


def test_an_abandoned_claim_is_not_transferred_before_the_period_lapsed(
    project, requester, support_user, registry_admin
):
    case = claim(project, requester)

    error = refused(lambda: act(case, "transfer", registry_admin, "Looks abandoned"))

    assert error.code == "reachability"
    assert "contact the owners first" in error.message
    case = act(case, "contact_owners", support_user, "Asking")
    error = refused(lambda: act(case, "transfer", registry_admin, "Looks abandoned"))
    assert error.code == "stale"
    assert not OwnershipTransfer.objects.exists()
    case.refresh_from_db()
    assert case.state == S.CONTACTING_OWNERS


# Refuse, withdraw, who may decide ----------------------------------------------------------------


def test_an_admin_refuses_with_a_reason_the_requester_reads(
    project, requester, support_user, registry_admin
):
    case = contacted(project, requester, support_user)
    assert refused(lambda: act(case, "refuse", registry_admin, "  ")).code == "reason"
    since = last_outbox()

    act(case, "refuse", registry_admin, "The project is in use by many.", now=NOW + DAY)

    case.refresh_from_db()
    assert (case.state, case.closed_at) == (S.REFUSED, NOW + DAY)
    assert [m.body for m in Message.objects.filter(name_request=case)] == [
        "The project is in use by many."
    ]
    [(to, _subject, body)] = queued(since)
    assert to == (requester.email,)
    assert "The project is in use by many." in body


@pytest.mark.parametrize("name", ["transfer", "refuse"])
def test_support_staff_can_neither_transfer_nor_refuse(
    project, requester, support_user, scheduler, name
):
    case = lapsed(project, requester, support_user, scheduler)

    error = refused(lambda: act(case, name, support_user, now=NOW + PERIOD + DAY))

    assert error.code == "admin_only"
    case.refresh_from_db()
    assert case.state == S.AWAITING_DECISION
    assert not OwnershipTransfer.objects.exists()


def test_the_requester_withdraws_and_nobody_else_can(project, requester, owner):
    case = claim(project, requester)

    assert refused(lambda: act(case, "withdraw", owner)).code == "not_requester"
    act(case, "withdraw", requester, "Found another name", now=NOW + DAY)

    case.refresh_from_db()
    assert (case.state, case.closed_at) == (S.WITHDRAWN, NOW + DAY)


def test_the_scheduler_lapse_is_not_a_persons_step(
    project, requester, support_user, registry_admin
):
    case = contacted(project, requester, support_user)

    assert refused(lambda: act(case, "lapse", registry_admin)).code == "scheduler_only"
