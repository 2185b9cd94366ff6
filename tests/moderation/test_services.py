"""The moderation services: each queue's whole path, every refusal, history, the registry and email.

Every service gets `now`; the takedown tests start on Monday 2 June 2025, so the counter-notice
waiting period (10 business days) ends on a date written out by hand. Emails are sent on commit,
so the tests that look at `mailoutbox` run the services inside
`django_capture_on_commit_callbacks(execute=True)`.
"""

import hashlib
import re
from datetime import UTC, date, datetime, timedelta

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AnonymousUser, Group
from django.db import transaction
from django.db.models import ProtectedError
from django.forms.models import model_to_dict

from moderation import services
from moderation.models import (
    DeletionException,
    LegalTakedown,
    Message,
    MessageKind,
    Priority,
)
from moderation.notifications import follow_url
from moderation.services import names
from registry import services as registry
from registry.models import (
    File,
    Project,
    ProjectStatus,
    RemovalCategory,
    RemovalEvent,
    RemovalScope,
)
from registry.services import RegistryError
from tests.factories import DependencyFactory, DownloadCountFactory, UserFactory, publish
from tests.races import on_postgresql, race

pytestmark = pytest.mark.django_db

NOW = datetime(2025, 6, 2, 9, 0, tzinfo=UTC)  # a Monday
HOUR = timedelta(hours=1)
DAY = timedelta(days=1)
OLD = NOW - timedelta(days=400)
CLAIMANT = "claims@rights.example"


# Fixtures and helpers ---------------------------------------------------------------------------


@pytest.fixture
def co_owner(db):
    return UserFactory(username="co-owner")


@pytest.fixture
def project(owner, co_owner):
    """A 400-day-old project with two owners."""
    project = registry.create_project(
        name="leftpad", owner=owner, actor=owner, reason="New project", now=OLD
    )
    registry.add_role(
        project=project, user=co_owner, role="owner", actor=owner, reason="Co-owner", now=OLD
    )
    return project


@pytest.fixture
def release_1(project, owner):
    return publish(project, "1.0", actor=owner, now=OLD, files=2)


@pytest.fixture
def release_2(project, owner):
    return publish(project, "2.0", actor=owner, now=OLD, files=2)


@pytest.fixture
def reporter(db):
    """A logged-in member of the public (no staff flag, no role on the project)."""
    return UserFactory(username="reporter")


def dmca(**changes):
    """Return a complete copyright notice's form data, with `changes` applied."""
    data = {
        "requester_name": "Rita Holder",
        "requester_email": CLAIMANT,
        "organisation": "Rights Ltd",
        "postal_address": "1 Copyright Lane, Springfield",
        "phone": "+1 555 0100",
        "signature": "Rita Holder",
        "work_description": "The leftpad algorithm book, chapter 3",
        "material_location": "leftpad 1.0 and leftpad-2.0-1-py3-none-any.whl",
        "good_faith": True,
        "accurate_under_perjury": True,
    }
    data.update(changes)
    return data


def submit(project, *, releases=(), files=(), kind="copyright", requester=None, now=NOW, **data):
    return services.submit_takedown(
        project=project,
        takedown_kind=kind,
        data=dmca(**data),
        releases=releases,
        files=files,
        requester=requester,
        now=now,
    )


def request_exception(project, actor, *, releases=(), files=(), now=NOW):
    return services.submit_exception(
        project=project,
        category="leaked_secret",
        details="The 1.0 wheel contains our AWS key.",
        actor=actor,
        releases=releases,
        files=files,
        now=now,
    )


def report(project, *, category="malware", requester_email="finder@example.net", now=NOW):
    case, _key = services.submit_abuse_report(
        project=project,
        category=category,
        details="setup.py sends ~/.aws/credentials to a remote host",
        evidence="sha256 of the sdist, sandbox log",
        requester_name="Finder",
        requester_email=requester_email,
        now=now,
    )
    return case


def claim_name(project, requester=None, *, ground="abandoned", now=NOW):
    """File a PEP 541 request for `project`'s name (abandoned: no release for 12 months)."""
    case, _key = names.submit_name_request(
        project=project,
        requester=requester or UserFactory(username="name-claimant"),
        ground=ground,
        intent="maintain",
        details="I wrote to the owners twice and maintain a fork.",
        looked_for_another_name=True,
        now=now,
    )
    return case


def open_case(kind, project, owner):
    if kind == "takedown":
        return submit(project)[0]
    if kind == "exception":
        return request_exception(project, owner)
    if kind == "name":
        return claim_name(project)
    return report(project)


def act(case, name, actor, reason=None, *, now=NOW, **extra):
    if services.workflow.transition(case.kind, name).who == services.workflow.Who.SCHEDULER:
        # The scheduler's steps run in batches (advance_workflows), never one by one.
        with transaction.atomic():
            locked = [type(case).objects.select_for_update().get(pk=case.pk)]
            services.apply_batch(
                cases=locked, name=name, actor=actor, reason=reason or f"Reason for {name}", now=now
            )
        return locked[0]
    return services.apply_transition(
        case=case, name=name, actor=actor, reason=reason or f"Reason for {name}", now=now, **extra
    )


def installable(project):
    return set(
        File.objects.installable()
        .filter(release__project=project)
        .values_list("filename", flat=True)
    )


def filenames(*releases_or_files):
    names = set()
    for item in releases_or_files:
        if isinstance(item, File):
            names.add(item.filename)
        else:
            names.update(item.files.values_list("filename", flat=True))
    return names


def recorded_transitions(case):
    """Return (state, actor's username, reason) for each change of state in the history."""
    rows, previous = [], None
    for row in type(case).history.filter(id=case.pk).order_by("history_id"):
        if row.state != previous:
            rows.append((row.state, row.history_user_username, row.history_change_reason))
            previous = row.state
    return rows


def messages_to_requester(case):
    return list(
        Message.objects.filter(**{services.MESSAGE_FIELD[case.kind]: case})
        .filter(kind=MessageKind.TO_REQUESTER)
        .values_list("body", flat=True)
    )


def mails(mailoutbox, start=0):
    """Return (recipients, subject) of the emails sent since `start`."""
    return [(sorted(message.to), message.subject) for message in mailoutbox[start:]]


def fresh(user):
    """Reload `user` in this thread (its permission cache must not cross connections)."""
    return get_user_model().objects.get(pk=user.pk)


# Legal takedowns: the whole path ----------------------------------------------------------------


def test_takedown_walks_to_reinstated_with_history_and_files_back(
    project, release_1, release_2, support_user, registry_admin
):
    named_file = release_2.files.order_by("pk").first()
    everything = installable(project)
    case, _key = submit(project, releases=[release_1], files=[named_file])
    assert (case.state, case.closed_at, case.due_at) == ("received", None, NOW + 72 * HOUR)

    case = act(case, "request_info", support_user, "Which wheel of 2.0 exactly?")
    assert case.state == "needs_info"
    assert messages_to_requester(case) == ["Which wheel of 2.0 exactly?"]

    services.requester_reply(case=case, body="The first wheel of 2.0.", now=NOW + HOUR)
    case.refresh_from_db()
    assert case.state == "received"

    case = act(case, "accept", support_user, "Complete notice", now=NOW + 2 * HOUR)
    case = act(case, "notify_owner", support_user, "Owners told", now=NOW + 3 * HOUR)
    assert installable(project) == everything

    case = act(case, "disable_content", registry_admin, "Copied code", now=NOW + 4 * HOUR)
    assert case.state == "content_disabled"
    assert installable(project) == everything - filenames(release_1, named_file)
    events = list(case.removal_events.order_by("pk"))
    assert [(e.scope, e.category, e.actor) for e in events] == [
        (RemovalScope.RELEASE, RemovalCategory.LEGAL, registry_admin),
        (RemovalScope.FILES, RemovalCategory.LEGAL, registry_admin),
    ]
    assert {e.reason for e in events} == {"Copied code"}

    received = datetime(2025, 6, 3, 15, 0, tzinfo=UTC)  # a Tuesday
    case = act(
        case,
        "receive_counter_notice",
        support_user,
        "Owner disputes",
        now=received,
        counter_notice="  I wrote every line myself.  ",
    )
    assert case.state == "counter_notice"
    assert case.counter_notice == "I wrote every line myself."
    assert case.counter_notice_at == received
    assert (case.reinstate_after, case.reinstate_by) == (date(2025, 6, 17), date(2025, 6, 23))
    case.refresh_from_db()
    assert (case.reinstate_after, case.reinstate_by) == (date(2025, 6, 17), date(2025, 6, 23))

    too_early = datetime(2025, 6, 16, 23, 59, tzinfo=UTC)
    with pytest.raises(RegistryError) as refused:
        act(case, "reinstate", registry_admin, "Back", now=too_early)
    assert refused.value.code == "waiting_period"
    assert "2025-06-17" in refused.value.message
    case.refresh_from_db()
    assert case.state == "counter_notice"
    assert installable(project) == everything - filenames(release_1, named_file)

    day_one = datetime(2025, 6, 17, 0, 0, tzinfo=UTC)
    case = act(case, "reinstate", registry_admin, "Waiting period over", now=day_one)

    assert (case.state, case.closed_at) == ("reinstated", day_one)
    assert installable(project) == everything
    for event in events:
        event.refresh_from_db()
        assert (event.restored_at, event.restored_by) == (day_one, registry_admin)
        assert event.restore_reason == "Waiting period over"
    assert recorded_transitions(case) == [
        ("received", "", "Notice received"),
        ("needs_info", "support", "Which wheel of 2.0 exactly?"),
        ("received", "", "The claimant answered"),
        ("accepted", "support", "Complete notice"),
        ("owner_notified", "support", "Owners told"),
        ("content_disabled", "registry-admin", "Copied code"),
        ("counter_notice", "support", "Owner disputes"),
        ("reinstated", "registry-admin", "Waiting period over"),
    ]


@pytest.mark.parametrize("named", ["files", "release", "project"])
def test_disabled_content_is_exactly_what_the_takedown_names_and_comes_back(
    project, release_1, release_2, owner, support_user, registry_admin, named
):
    bystander = registry.create_project(name="bystander", owner=owner, actor=owner, reason="New")
    publish(bystander, "1.0", actor=owner, now=OLD, files=2)
    kept = installable(bystander)
    everything = installable(project)
    file = release_1.files.order_by("pk").first()
    targets = {
        "files": ({"files": [file]}, {file.filename}),
        "release": ({"releases": [release_2]}, filenames(release_2)),
        "project": ({}, everything),
    }
    arguments, gone = targets[named]
    case, _key = submit(project, **arguments)
    act(case, "accept", support_user)
    act(case, "disable_content", registry_admin, now=NOW)

    assert installable(project) == everything - gone
    assert installable(bystander) == kept

    act(case, "receive_counter_notice", support_user, now=NOW, counter_notice="Mine")
    case = act(case, "reinstate", registry_admin, now=NOW + 14 * DAY)

    assert installable(project) == everything
    assert installable(bystander) == kept
    assert not case.removal_events.filter(restored_at__isnull=True).exists()


def test_every_transition_history_row_has_the_acting_user(project, support_user, registry_admin):
    case, _key = submit(project)
    act(case, "accept", support_user, "Looks valid")
    act(case, "disable_content", registry_admin, "Disabled")

    rows = LegalTakedown.history.filter(id=case.pk).exclude(history_change_reason="")
    by_state = {row.state: row for row in rows.order_by("history_id")}
    assert by_state["accepted"].history_user == support_user
    assert by_state["content_disabled"].history_user == registry_admin
    assert by_state["content_disabled"].history_change_reason == "Disabled"


def test_takedown_of_a_whole_project_upheld_by_a_court_action(
    project, release_1, release_2, support_user, registry_admin
):
    case, _key = submit(project, kind="trademark")
    act(case, "accept", support_user, "Trademark registered")
    case = act(case, "disable_content", registry_admin, "Infringes the mark")
    assert installable(project) == set()
    assert Project.objects.get(pk=project.pk).is_removed
    [event] = case.removal_events.all()
    assert (event.scope, event.category) == (RemovalScope.PROJECT, RemovalCategory.LEGAL)

    act(case, "receive_counter_notice", support_user, "Disputed", counter_notice="Not so.")
    with pytest.raises(RegistryError) as refused:
        act(case, "reinstate", support_user, "Back", now=NOW + 30 * DAY)
    assert refused.value.code == "admin_only"
    case = act(case, "report_court_action", support_user, "Claimant sued", now=NOW + 5 * DAY)

    assert (case.state, case.closed_at) == ("upheld", NOW + 5 * DAY)
    assert installable(project) == set()
    event.refresh_from_db()
    assert event.restored_at is None
    assert recorded_transitions(case)[-1] == ("upheld", "support", "Claimant sued")


def test_takedown_upheld_when_no_counter_notice_comes(
    project, release_1, release_2, support_user, registry_admin
):
    file = release_1.files.order_by("pk").first()
    case, _key = submit(project, kind="privacy", files=[file])
    act(case, "accept", support_user, "Personal data in the file")
    act(case, "disable_content", registry_admin, "Disabled straight from accepted")

    case = act(case, "uphold", support_user, "No counter-notice", now=NOW + 20 * DAY)

    assert (case.state, case.closed_at) == ("upheld", NOW + 20 * DAY)
    assert installable(project) == filenames(release_1, release_2) - {file.filename}


def test_reinstate_refuses_to_restore_half_and_changes_nothing(
    project, release_1, support_user, registry_admin
):
    """A removal taken over by a later one cannot come back; the request stays where it was."""
    case, _key = submit(project, releases=[release_1])
    act(case, "accept", support_user, "Valid")
    act(case, "disable_content", registry_admin, "Disabled")
    act(case, "receive_counter_notice", support_user, "Disputed", counter_notice="Mine.")
    registry.remove_project(
        project=project, actor=registry_admin, reason="Malware", category="security", now=NOW
    )

    with pytest.raises(RegistryError) as refused:
        act(case, "reinstate", registry_admin, "Back", now=NOW + 30 * DAY)

    assert refused.value.code == "project_removed"
    case.refresh_from_db()
    assert (case.state, case.closed_at) == ("counter_notice", None)
    assert case.removal_events.get().restored_at is None


def test_counter_notice_needs_its_text(project, support_user, registry_admin):
    case, _key = submit(project)
    act(case, "accept", support_user, "Valid")
    act(case, "disable_content", registry_admin, "Disabled")

    with pytest.raises(RegistryError) as refused:
        act(case, "receive_counter_notice", support_user, "Disputed", counter_notice="   ")

    assert refused.value.code == "counter_notice"
    case.refresh_from_db()
    assert (case.state, case.counter_notice_at, case.reinstate_after) == (
        "content_disabled",
        None,
        None,
    )


@pytest.mark.parametrize("state_path", [[], ["request_info"], ["accept"], ["accept", "notify"]])
def test_takedown_rejected_from_each_open_triage_state_tells_the_claimant(
    project, support_user, state_path
):
    steps = {"request_info": "request_info", "accept": "accept", "notify": "notify_owner"}
    case, _key = submit(project)
    for step in state_path:
        case = act(case, steps[step], support_user)

    case = act(case, "reject", support_user, "The work is in the public domain.")

    assert (case.state, case.closed_at) == ("rejected", NOW)
    assert messages_to_requester(case)[-1] == "The work is in the public domain."
    assert not RemovalEvent.objects.exists()


def test_takedown_retracted_through_the_private_link(project, support_user):
    case, key = submit(project)
    act(case, "accept", support_user)
    act(case, "notify_owner", support_user)

    found = services.case_for_key(key)
    case = act(found, "retract", None, "We settled with the author", via_key=True)

    assert (case.state, case.closed_at) == ("retracted", NOW)
    assert recorded_transitions(case)[-1] == ("retracted", "", "We settled with the author")


def test_takedown_retracted_by_the_requesters_own_account(project, reporter):
    case, _key = submit(project, requester=reporter)

    case = act(case, "retract", reporter, "Filed by mistake")

    assert case.state == "retracted"
    assert recorded_transitions(case)[-1] == ("retracted", "reporter", "Filed by mistake")


@pytest.mark.parametrize("who", ["nobody", "anonymous", "other-user", "support", "admin"])
@pytest.mark.parametrize("filed_by_account", [False, True])
def test_only_the_requester_retracts(
    project, reporter, other_user, support_user, registry_admin, who, filed_by_account
):
    actor = {
        "nobody": None,
        "anonymous": AnonymousUser(),
        "other-user": other_user,
        "support": support_user,
        "admin": registry_admin,
    }[who]
    case, _key = submit(project, requester=reporter if filed_by_account else None)

    with pytest.raises(RegistryError) as refused:
        act(case, "retract", actor, "Not mine to retract")

    assert refused.value.code == "not_requester"
    case.refresh_from_db()
    assert case.state == "received"


def test_needs_info_waits_for_the_claimant_and_staff_cannot_answer_for_them(project, support_user):
    case, _key = submit(project)
    act(case, "request_info", support_user, "Which files?")

    with pytest.raises(RegistryError) as refused:
        act(case, "provide_info", support_user, "Answering for them")

    assert refused.value.code == "not_requester"
    case = act(case, "provide_info", None, "Answered on the private page", via_key=True)
    assert case.state == "received"


# Deletion exceptions ----------------------------------------------------------------------------


def test_exception_reviewed_and_approved_removes_what_it_names(
    project, release_1, release_2, owner, support_user, registry_admin
):
    file = release_1.files.order_by("pk").first()
    everything = installable(project)
    case = request_exception(project, owner, releases=[release_2], files=[file])
    assert (case.state, case.requester, case.requester_email) == ("submitted", owner, owner.email)

    case = act(case, "start_review", support_user, "Looking at the impact", now=NOW + HOUR)
    assert case.state == "under_review"
    with pytest.raises(RegistryError) as refused:
        act(case, "approve", support_user, "Approve please")
    assert refused.value.code == "admin_only"
    assert not RemovalEvent.objects.exists()

    case = act(case, "approve", registry_admin, "Leaked key confirmed", now=NOW + 2 * HOUR)

    assert (case.state, case.closed_at) == ("approved", NOW + 2 * HOUR)
    events = list(RemovalEvent.objects.order_by("pk"))
    assert set(case.removal_events.all()) == set(events)
    assert [(e.scope, e.category, e.reason) for e in events] == [
        (RemovalScope.RELEASE, RemovalCategory.POLICY_EXCEPTION, "Leaked key confirmed"),
        (RemovalScope.FILES, RemovalCategory.POLICY_EXCEPTION, "Leaked key confirmed"),
    ]
    release_2.refresh_from_db()
    file.refresh_from_db()
    assert release_2.is_removed and file.is_removed
    assert release_1.files.exclude(pk=file.pk).get().is_removed is False
    assert installable(project) == everything - filenames(release_2, file)
    assert recorded_transitions(case) == [
        ("submitted", "owner", "Exception requested"),
        ("under_review", "support", "Looking at the impact"),
        ("approved", "registry-admin", "Leaked key confirmed"),
    ]


def test_exception_approved_straight_from_submitted_removes_the_whole_project(
    project, release_1, owner, registry_admin
):
    case = request_exception(project, owner)

    case = act(case, "approve", registry_admin, "Abandoned, no dependents")

    [event] = case.removal_events.all()
    assert (event.scope, event.category) == (RemovalScope.PROJECT, RemovalCategory.POLICY_EXCEPTION)
    assert Project.objects.get(pk=project.pk).is_removed
    assert installable(project) == set()


# release_2 stays live: removing the last live release is judged as deleting the project.
@pytest.mark.usefixtures("release_2")
def test_exception_whose_targets_are_all_gone_is_not_approved(
    project, release_1, owner, registry_admin
):
    case = request_exception(project, owner, releases=[release_1])
    registry.remove_release(release=release_1, actor=owner, reason="Removed it myself", now=NOW)

    with pytest.raises(RegistryError) as refused:
        act(case, "approve", registry_admin, "Approve")

    assert refused.value.code == "nothing"
    case.refresh_from_db()
    assert case.state == "submitted"


def test_exception_rejected_tells_the_maintainer(project, release_1, owner, support_user):
    case = request_exception(project, owner, releases=[release_1])
    act(case, "start_review", support_user)

    case = act(case, "reject", support_user, "Yank 1.0 instead: nothing else needs it.")

    assert (case.state, case.closed_at) == ("rejected", NOW)
    assert messages_to_requester(case) == ["Yank 1.0 instead: nothing else needs it."]
    assert not RemovalEvent.objects.exists()
    assert recorded_transitions(case)[-1] == (
        "rejected",
        "support",
        "Yank 1.0 instead: nothing else needs it.",
    )


def test_exception_withdrawn_by_its_requester(project, owner):
    case = request_exception(project, owner)

    case = act(case, "withdraw", owner, "Rotated the key instead")

    assert (case.state, case.closed_at) == ("withdrawn", NOW)
    assert recorded_transitions(case)[-1] == ("withdrawn", "owner", "Rotated the key instead")


@pytest.mark.parametrize("who", ["co_owner", "support_user", "registry_admin", "other_user"])
def test_only_the_requester_withdraws_an_exception(request, project, owner, who):
    case = request_exception(project, owner)

    with pytest.raises(RegistryError) as refused:
        act(case, "withdraw", request.getfixturevalue(who), "Withdraw")

    assert refused.value.code == "not_requester"
    case.refresh_from_db()
    assert case.state == "submitted"


# Abuse reports ----------------------------------------------------------------------------------


def test_malware_report_triaged_quarantined_then_removed_as_security(
    project, release_1, support_user, registry_admin
):
    case = report(project)
    assert case.priority == Priority.HIGH

    case = act(case, "triage", support_user, "Reproduced in a sandbox", now=NOW + HOUR)
    assert case.state == "triaged"
    case = act(case, "quarantine", registry_admin, "Stop installs now", now=NOW + 2 * HOUR)
    project.refresh_from_db()
    assert (case.state, project.status) == ("quarantined", ProjectStatus.QUARANTINED)
    assert installable(project) == set()
    assert not project.is_removed

    case = act(case, "remove", registry_admin, "Confirmed credential stealer", now=NOW + DAY)

    assert (case.state, case.closed_at) == ("removed", NOW + DAY)
    [event] = case.removal_events.all()
    assert (event.scope, event.category) == (RemovalScope.PROJECT, RemovalCategory.SECURITY)
    assert Project.objects.get(pk=project.pk).is_removed
    assert recorded_transitions(case) == [
        ("received", "", "Report received"),
        ("triaged", "support", "Reproduced in a sandbox"),
        ("quarantined", "registry-admin", "Stop installs now"),
        ("removed", "registry-admin", "Confirmed credential stealer"),
    ]


def test_spam_report_removed_is_recorded_as_abuse(project, support_user, registry_admin):
    case = report(project, category="spam")
    assert case.priority == Priority.NORMAL
    act(case, "triage", support_user)

    case = act(case, "remove", registry_admin, "Spam")

    assert case.removal_events.get().category == RemovalCategory.ABUSE


def test_abuse_report_cleared_changes_nothing(project, release_1, support_user):
    everything = installable(project)
    case = report(project)

    case = act(case, "clear", support_user, "It is a security scanner, documented")

    assert (case.state, case.closed_at) == ("cleared", NOW)
    project.refresh_from_db()
    assert project.status == ProjectStatus.ACTIVE
    assert installable(project) == everything


def test_quarantine_lifted_clears_the_report(project, release_1, registry_admin):
    everything = installable(project)
    case = report(project)
    act(case, "quarantine", registry_admin, "Suspicious")

    case = act(case, "lift_quarantine", registry_admin, "False positive", now=NOW + DAY)

    assert (case.state, case.closed_at) == ("cleared", NOW + DAY)
    project.refresh_from_db()
    assert project.status == ProjectStatus.ACTIVE
    assert installable(project) == everything
    assert recorded_transitions(case)[-1] == ("cleared", "registry-admin", "False positive")


# Who may do what ---------------------------------------------------------------------------------

ADMIN_STEPS = [
    ("takedown", ["accept"], "disable_content"),
    ("takedown", ["accept", "disable_content", "receive_counter_notice"], "reinstate"),
    ("exception", [], "approve"),
    ("abuse", [], "quarantine"),
    ("abuse", ["triage"], "remove"),
    ("abuse", ["quarantine"], "lift_quarantine"),
    ("name", [], "refuse"),
    ("name", ["contact_owners"], "refuse"),
]


def reach(kind, steps, project, owner, admin):
    case = open_case(kind, project, owner)
    for name in steps:
        case = act(case, name, admin, now=NOW - DAY, counter_notice="Counter-notice text")
    return case


@pytest.mark.parametrize(("kind", "steps", "name"), ADMIN_STEPS)
def test_support_staff_cannot_execute_and_the_admin_can(
    project, release_1, owner, support_user, registry_admin, kind, steps, name
):
    case = reach(kind, steps, project, owner, registry_admin)
    state, history, events = case.state, type(case).history.count(), RemovalEvent.history.count()
    files = installable(project)

    with pytest.raises(RegistryError) as refused:
        act(case, name, support_user, now=NOW + 30 * DAY)

    assert refused.value.code == "admin_only"
    assert "Only registry admins" in refused.value.message
    case.refresh_from_db()
    assert case.state == state
    assert (type(case).history.count(), RemovalEvent.history.count()) == (history, events)
    assert installable(project) == files

    case = act(case, name, registry_admin, now=NOW + 30 * DAY)
    assert case.state == services.workflow.transition(kind, name).target


SUPPORT_STEPS = [
    ("takedown", "request_info"),
    ("takedown", "accept"),
    ("takedown", "reject"),
    ("exception", "start_review"),
    ("exception", "reject"),
    ("abuse", "triage"),
    ("abuse", "clear"),
    ("name", "contact_owners"),
]


@pytest.mark.parametrize(("kind", "name"), SUPPORT_STEPS)
@pytest.mark.parametrize("who", ["reporter", "anonymous", "nobody", "staff_without_group"])
def test_people_who_are_not_support_staff_cannot_triage(project, owner, reporter, kind, name, who):
    actor = {
        "reporter": reporter,
        "anonymous": AnonymousUser(),
        "nobody": None,
        "staff_without_group": UserFactory(username="bare-staff", is_staff=True),
    }[who]
    case = open_case(kind, project, owner)

    with pytest.raises(RegistryError) as refused:
        act(case, name, actor)

    assert refused.value.code == "staff"
    case.refresh_from_db()
    assert case.state == case._meta.get_field("state").default


def test_the_project_owner_cannot_triage_their_own_exception(project, owner):
    case = request_exception(project, owner)

    with pytest.raises(RegistryError) as refused:
        act(case, "start_review", owner)

    assert refused.value.code == "staff"


# The steps that bring a new request to a state where each transition may start.
SETUP = {
    "takedown": {
        "request_info": [],
        "provide_info": ["request_info"],
        "accept": [],
        "notify_owner": ["accept"],
        "disable_content": ["accept", "notify_owner"],
        "receive_counter_notice": ["accept", "disable_content"],
        "send_counter_notice": ["accept", "disable_content"],
        "report_court_action": ["accept", "disable_content", "receive_counter_notice"],
        "reinstate": ["accept", "disable_content", "receive_counter_notice"],
        "uphold": ["accept", "disable_content"],
        "reject": ["accept"],
        "retract": ["request_info"],
    },
    "exception": {"start_review": [], "approve": ["start_review"], "reject": [], "withdraw": []},
    "abuse": {
        "triage": [],
        "quarantine": ["triage"],
        "remove": ["quarantine"],
        "clear": ["triage"],
        "lift_quarantine": ["quarantine"],
    },
    # An abandoned project's name (what open_case files) moves only once the owners' period
    # lapsed.
    "name": {
        "contact_owners": [],
        "keep_project": ["contact_owners"],
        "lapse": ["contact_owners"],
        "transfer": ["contact_owners", "lapse"],
        "refuse": ["contact_owners"],
        "withdraw": [],
    },
}


def test_setup_covers_every_transition():
    assert {kind: set(names) for kind, names in SETUP.items()} == {
        kind.value: {t.name for t in services.workflow.TRANSITIONS[kind]}
        for kind in services.workflow.REQUEST_KINDS
    }


@pytest.mark.parametrize(
    ("kind", "name"), [(kind, name) for kind, names in SETUP.items() for name in names]
)
def test_every_transition_writes_history_with_its_actor_and_reason(
    project, release_1, owner, reporter, support_user, registry_admin, kind, name
):
    if kind == "takedown":
        case = submit(project, requester=reporter)[0]
    elif kind == "exception":
        case = request_exception(project, owner)
    elif kind == "name":
        case = claim_name(project, reporter)
    else:
        case = services.submit_abuse_report(
            project=project, category="malware", details="Bad", requester=reporter, now=NOW
        )[0]
    people = {
        "support": support_user,
        "admin": registry_admin,
        "requester": case.requester,
        "owner": owner,
        "scheduler": registry_admin,
    }
    for step in SETUP[kind][name]:
        who = people[services.workflow.transition(kind, step).who]
        case = act(case, step, who, now=NOW - 30 * DAY, counter_notice="Counter-notice")
    transition = services.workflow.transition(kind, name)
    actor = people[transition.who]
    last = type(case).history.filter(id=case.pk).latest("history_id").history_id

    case = act(case, name, actor, f"Why {name}", counter_notice="Counter-notice")

    assert case.state == transition.target
    rows = type(case).history.filter(id=case.pk, history_id__gt=last)
    assert rows.exists()
    assert {(r.state, r.history_user, r.history_change_reason) for r in rows} == {
        (transition.target, actor, f"Why {name}")
    }
    assert {r.history_user_username for r in rows} == {actor.get_username()}
    assert (case.closed_at is None) is services.workflow.is_open(kind, transition.target)


def test_admins_take_support_transitions_too(project, registry_admin):
    case, _key = submit(project)

    case = act(case, "accept", registry_admin, "Valid")

    assert recorded_transitions(case)[-1] == ("accepted", "registry-admin", "Valid")


def test_a_stale_transition_is_refused_with_a_readable_message(
    project, support_user, registry_admin
):
    case, _key = submit(project)
    opened_by_support = LegalTakedown.objects.get(pk=case.pk)
    act(case, "reject", registry_admin, "Invalid notice")

    with pytest.raises(RegistryError) as refused:
        act(opened_by_support, "accept", support_user, "Accept")

    assert refused.value.code == "stale"
    assert refused.value.message == (
        f"T-{case.pk} is now 'rejected', so 'Accept the notice' is no longer possible (someone "
        "may have acted on it since you opened it). Reload the request."
    )
    case.refresh_from_db()
    assert case.state == "rejected"


@pytest.mark.parametrize("reason", ["", "   ", None])
def test_every_transition_needs_a_reason(project, support_user, reason):
    case, _key = submit(project)

    with pytest.raises(RegistryError) as refused:
        services.apply_transition(
            case=case, name="accept", actor=support_user, reason=reason, now=NOW
        )

    assert refused.value.code == "reason"
    case.refresh_from_db()
    assert case.state == "received"


def test_an_unknown_transition_is_a_programming_error(project, registry_admin):
    case, _key = submit(project)

    with pytest.raises(KeyError):
        act(case, "approve", registry_admin)


# Copyright notices: the six elements of 17 U.S.C. § 512(c)(3) -----------------------------------

ELEMENTS = {
    "signature": "a physical or electronic signature",
    "work_description": "the copyrighted work you say is infringed",
    "material_location": "the infringing material and where it is",
    "postal_address": "your contact details",
    "phone": "your contact details",
    "requester_email": "your contact details",
    "good_faith": "a statement of good-faith belief",
    "accurate_under_perjury": "a statement, under penalty of perjury",
}


@pytest.mark.parametrize("blank", ["", "   ", None, False])
@pytest.mark.parametrize("field", list(ELEMENTS))
def test_copyright_notice_missing_one_element_is_refused_naming_it(
    project, mailoutbox, django_capture_on_commit_callbacks, field, blank
):
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(RegistryError) as refused:
        submit(project, **{field: blank})

    assert refused.value.code == "dmca_incomplete"
    assert "17 U.S.C. § 512(c)(3)" in refused.value.message
    assert ELEMENTS[field] in refused.value.message
    others = {label for other, label in ELEMENTS.items() if label != ELEMENTS[field]}
    assert not [label for label in others if label in refused.value.message]
    assert not LegalTakedown.objects.exists()
    assert mailoutbox == []


def test_copyright_notice_missing_several_elements_names_each(project):
    with pytest.raises(RegistryError) as refused:
        submit(project, signature="", good_faith=False)

    assert ELEMENTS["signature"] in refused.value.message
    assert ELEMENTS["good_faith"] in refused.value.message


def test_missing_dmca_elements_lists_the_six_labels_in_order():
    assert [field for field, _label in services.DMCA_ELEMENTS] == [
        "signature",
        "work_description",
        "material_location",
        "contact",
        "good_faith",
        "accurate_under_perjury",
    ]
    assert services.missing_dmca_elements({}) == [label for _field, label in services.DMCA_ELEMENTS]
    assert services.missing_dmca_elements(dmca()) == []


@pytest.mark.parametrize("kind", ["trademark", "privacy", "other_legal"])
def test_other_legal_notices_do_not_need_the_dmca_elements(project, kind):
    case, _key = services.submit_takedown(
        project=project,
        takedown_kind=kind,
        data={"material_location": "leftpad 1.0", "legal_basis": "EU trademark 0123"},
        now=NOW,
    )

    assert (case.takedown_kind, case.state, case.legal_basis) == (
        kind,
        "received",
        "EU trademark 0123",
    )
    assert (case.good_faith, case.signature, case.requester_email) == (False, "", "")


def test_unknown_notice_kind_is_refused(project):
    with pytest.raises(RegistryError) as refused:
        submit(project, kind="patent")

    assert refused.value.code == "kind"


def test_takedown_targets_must_belong_to_the_project(project, owner, release_1):
    other = registry.create_project(name="other-pkg", owner=owner, actor=owner, reason="New")
    foreign = publish(other, "1.0", actor=owner, now=OLD)

    with pytest.raises(RegistryError) as refused:
        submit(project, releases=[foreign])
    assert refused.value.code == "target"
    with pytest.raises(RegistryError) as refused:
        submit(project, files=[foreign.files.get()])
    assert refused.value.code == "target"
    assert not LegalTakedown.objects.exists()


def test_no_request_about_a_removed_project(project, registry_admin):
    registry.remove_project(
        project=project, actor=registry_admin, reason="Gone", category="admin", now=NOW
    )
    project.refresh_from_db()

    with pytest.raises(RegistryError) as refused:
        report(project)

    assert refused.value.code == "removed"


@pytest.mark.parametrize(
    ("changes", "code"), [({"category": "rude"}, "category"), ({"details": "  "}, "details")]
)
def test_abuse_report_needs_a_category_and_details(project, changes, code):
    arguments = {"project": project, "category": "spam", "details": "Spam", **changes}

    with pytest.raises(RegistryError) as refused:
        services.submit_abuse_report(**arguments, now=NOW)

    assert refused.value.code == code


# Deletion exception requests --------------------------------------------------------------------


@pytest.mark.parametrize("who", ["other_user", "support_user", "registry_admin"])
def test_only_owners_and_maintainers_request_an_exception(request, project, release_1, who):
    with pytest.raises(RegistryError) as refused:
        request_exception(project, request.getfixturevalue(who), releases=[release_1])

    assert refused.value.code == "not_allowed"
    assert not DeletionException.objects.exists()


def test_exception_is_prefilled_with_the_policys_refusal_and_the_impact(owner):
    young = NOW - timedelta(days=30)
    project = registry.create_project(
        name="month-old", owner=owner, actor=owner, reason="New", now=young
    )
    release = publish(project, "1.0", actor=owner, now=young, files=2)
    file = release.files.order_by("pk").first()
    for n in range(3):
        dependent = registry.create_project(
            name=f"user-of-month-old-{n}", owner=owner, actor=owner, reason="New", now=young
        )
        DependencyFactory(
            release=publish(dependent, "1.0", actor=owner, now=young), name="month-old"
        )
    DownloadCountFactory(file=file, day=date(2025, 5, 30), count=40)  # within 7 days
    DownloadCountFactory(file=file, day=date(2025, 5, 10), count=500)  # before them

    case = request_exception(project, owner)

    assert case.refused_rule == "proposal-2022.project-window"
    assert case.refusal.startswith("This project is 30 days old and has had 1 release")
    assert case.impact == {
        "dependent_projects": 3,
        "downloads_last_7_days": 40,
        "downloads_total": 540,
        "releases": 1,
        "files": 2,
    }
    case.refresh_from_db()
    assert case.refused_rule == "proposal-2022.project-window"


# release_2 stays live: removing the last live release is judged as deleting the project.
@pytest.mark.usefixtures("release_2")
def test_exception_for_what_the_policy_allows_has_no_refusal(project, release_1, owner):
    case = request_exception(project, owner, releases=[release_1])

    assert (case.refused_rule, case.refusal) == ("", "")


def test_exception_under_the_deletion_lock_records_the_lock(project, release_1, owner):
    project = registry.lock_deletions(project=project, actor=owner, reason="Lock", now=OLD)

    case = request_exception(project, owner, files=list(release_1.files.all()))

    assert case.refused_rule == "lock.deletions-locked"


def test_maintainer_may_request_and_sees_why_they_cannot_delete(
    project, release_1, owner, maintainer
):
    registry.add_role(
        project=project, user=maintainer, role="maintainer", actor=owner, reason="Helps", now=OLD
    )

    case = request_exception(project, maintainer, releases=[release_1])

    assert (case.refused_rule, case.requester) == ("role.maintainer-cannot-delete", maintainer)


def test_exception_decides_on_every_named_file_not_only_the_first(settings, project, owner):
    """Under pep763 a file is deletable for 72 hours: the old one is what needs the exception."""
    settings.HOLDFAST_POLICY = "pep763"
    old = publish(project, "1.0", actor=owner, now=OLD).files.get()
    new = publish(project, "2.0", actor=owner, now=NOW - HOUR).files.get()

    case = request_exception(project, owner, files=[new, old])

    assert case.refused_rule == "pep763.file-window"
    assert old.filename in case.refusal


def test_exception_targets_must_belong_to_the_project(project, release_1, owner):
    other = registry.create_project(name="other-pkg", owner=owner, actor=owner, reason="New")
    foreign = publish(other, "1.0", actor=owner, now=OLD)

    with pytest.raises(RegistryError) as refused:
        request_exception(project, owner, releases=[release_1, foreign])
    assert refused.value.code == "target"
    with pytest.raises(RegistryError) as refused:
        request_exception(project, owner, files=[foreign.files.get()])
    assert refused.value.code == "target"
    assert not DeletionException.objects.exists()


@pytest.mark.parametrize(
    ("changes", "code"), [({"category": "boredom"}, "category"), ({"details": " "}, "details")]
)
def test_exception_needs_a_category_and_details(project, owner, changes, code):
    arguments = {"category": "other", "details": "Please", **changes}

    with pytest.raises(RegistryError) as refused:
        services.submit_exception(project=project, actor=owner, now=NOW, **arguments)

    assert refused.value.code == code


# Private links ----------------------------------------------------------------------------------


def key_from(message):
    return re.search(r"/requests/([^/\s]+)/", message.body).group(1)


def test_case_for_key_finds_each_kind_and_stores_only_the_hash(
    project, owner, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        takedown, takedown_key = submit(project)
        abuse, abuse_key = services.submit_abuse_report(
            project=project, category="spam", details="Spam", requester_email="a@b.example"
        )
        exception = request_exception(project, owner)
    exception_key = key_from(mailoutbox[-1])

    for case, key in ((takedown, takedown_key), (abuse, abuse_key), (exception, exception_key)):
        found = services.case_for_key(key)
        assert (type(found), found.pk) == (type(case), case.pk)
        assert case.access_key_hash == hashlib.sha256(key.encode()).hexdigest()
        stored = [model_to_dict(case), *type(case).history.filter(id=case.pk).values()]
        assert key not in repr(stored)
    assert len({takedown_key, abuse_key, exception_key}) == 3


@pytest.mark.parametrize("key", ["wrong", "", None])
def test_a_wrong_key_finds_nothing(project, key):
    _case, real = submit(project)

    assert services.case_for_key(key) is None
    assert services.case_for_key(real[:-1]) is None


# Emails -----------------------------------------------------------------------------------------


def test_submission_emails_the_requester_their_private_link(
    project, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        case, key = submit(project)

    [message] = mailoutbox
    assert message.to == [CLAIMANT]
    assert f"T-{case.pk}" in message.subject
    link = follow_url(key)
    assert link.startswith("http") and key in link
    assert link in message.body


def test_nothing_is_sent_before_the_transaction_commits(project, mailoutbox):
    submit(project)

    assert mailoutbox == []


def test_requester_and_owners_hear_of_each_takedown_step(
    project,
    release_1,
    support_user,
    registry_admin,
    mailoutbox,
    django_capture_on_commit_callbacks,
):
    owners = sorted(["owner@example.org", "co-owner@example.org"])
    case, _key = submit(project, releases=[release_1])
    reference = f"T-{case.pk}"
    steps = [
        ("request_info", support_user, {}, "now needs info", False),
        ("provide_info", None, {"via_key": True}, "now received", False),
        ("accept", support_user, {}, "now accepted", True),
        ("notify_owner", support_user, {}, "now owner notified", True),
        ("disable_content", registry_admin, {}, "now content disabled", True),
        ("receive_counter_notice", support_user, {"counter_notice": "Mine"}, "now counter", False),
        ("reinstate", registry_admin, {"now": NOW + 30 * DAY}, "now reinstated", True),
    ]
    for name, actor, extra, subject, owners_told in steps:
        start = len(mailoutbox)
        with django_capture_on_commit_callbacks(execute=True):
            act(case, name, actor, **extra)

        sent = mails(mailoutbox, start)
        assert sent[0][0] == [CLAIMANT], name
        assert sent[0][1].startswith(f"[Holdfast {reference}] {subject}"), name
        if owners_told:
            assert sent[1:] == [(owners, sent[1][1])], name
            assert "leftpad" in sent[1][1]
        else:
            assert sent[1:] == [], name


def test_owner_email_says_what_the_takedown_names(
    project, release_1, release_2, support_user, mailoutbox, django_capture_on_commit_callbacks
):
    file = release_2.files.order_by("pk").first()
    case, _key = submit(project, releases=[release_1], files=[file])

    with django_capture_on_commit_callbacks(execute=True):
        act(case, "accept", support_user, "Valid notice")

    owner_mail = mailoutbox[-1]
    assert "leftpad 1.0" in owner_mail.body
    assert file.filename in owner_mail.body
    assert "counter-notice" in owner_mail.body


def test_the_requester_who_is_an_owner_gets_one_email_not_two(
    project, owner, registry_admin, mailoutbox, django_capture_on_commit_callbacks
):
    case = request_exception(project, owner)

    with django_capture_on_commit_callbacks(execute=True):
        act(case, "approve", registry_admin, "Approved")

    assert sorted(mails(mailoutbox)) == sorted(
        [
            (["owner@example.org"], f"[Holdfast E-{case.pk}] now approved"),
            (["co-owner@example.org"], f"[Holdfast E-{case.pk}] leftpad: approve and remove"),
        ]
    )


def test_requester_address_is_compared_without_case(
    project, support_user, mailoutbox, django_capture_on_commit_callbacks
):
    case, _key = submit(project, requester_email="Owner@Example.ORG")

    with django_capture_on_commit_callbacks(execute=True):
        act(case, "accept", support_user)

    recipients = [address.lower() for message in mailoutbox for address in message.to]
    assert sorted(recipients) == ["co-owner@example.org", "owner@example.org"]


def test_abuse_reporter_and_owners_hear_of_quarantine_and_removal(
    project, support_user, registry_admin, mailoutbox, django_capture_on_commit_callbacks
):
    case = report(project)
    owners = ["co-owner@example.org", "owner@example.org"]
    expected = {"triage": False, "quarantine": True, "remove": True}
    for name, owners_told in expected.items():
        start = len(mailoutbox)
        with django_capture_on_commit_callbacks(execute=True):
            act(case, name, registry_admin)
        recipients = [to for to, _subject in mails(mailoutbox, start)]
        assert recipients == [["finder@example.net"], *([owners] if owners_told else [])], name


def test_nothing_is_sent_to_an_empty_address(
    project, owner, support_user, registry_admin, mailoutbox, django_capture_on_commit_callbacks
):
    owner.email = ""
    owner.save()
    with django_capture_on_commit_callbacks(execute=True):
        case = report(project, requester_email="")
        act(case, "triage", support_user)
        services.message_requester(case=case, body="Thanks", actor=support_user)
        mute = UserFactory(username="mute", email="", is_staff=True)
        mute.groups.add(Group.objects.get(name="Support staff"))
        services.assign(case=case, assignee=mute, actor=support_user)
        act(case, "quarantine", registry_admin)

    assert [message.to for message in mailoutbox] == [["co-owner@example.org"]]
    assert all(address for message in mailoutbox for address in message.recipients())


def test_assignee_is_emailed_unless_they_assign_themselves(
    project, support_user, registry_admin, mailoutbox, django_capture_on_commit_callbacks
):
    case, _key = submit(project)

    with django_capture_on_commit_callbacks(execute=True):
        services.assign(case=case, assignee=support_user, actor=support_user)
    assert mailoutbox == []

    with django_capture_on_commit_callbacks(execute=True):
        services.assign(case=case, assignee=registry_admin, actor=support_user)
    assert mails(mailoutbox) == [
        (["registry-admin@example.org"], f"[Holdfast T-{case.pk}] assigned to you")
    ]

    with django_capture_on_commit_callbacks(execute=True):
        services.assign(case=case, assignee=None, actor=support_user, reason="Back to the pool")
    assert len(mailoutbox) == 1
    case.refresh_from_db()
    assert case.assignee is None


def test_staff_notes_are_never_emailed(
    project, support_user, mailoutbox, django_capture_on_commit_callbacks
):
    case, _key = submit(project)
    services.assign(case=case, assignee=support_user, actor=support_user)

    with django_capture_on_commit_callbacks(execute=True):
        note = services.add_note(
            case=case, body="Claimant filed 40 notices today", actor=support_user
        )

    assert mailoutbox == []
    assert (note.kind, note.author, note.takedown) == (MessageKind.STAFF_NOTE, support_user, case)


def test_message_to_the_requester_is_emailed_and_kept(
    project, support_user, mailoutbox, django_capture_on_commit_callbacks
):
    case, _key = submit(project)

    with django_capture_on_commit_callbacks(execute=True):
        message = services.message_requester(
            case=case, body="Which version do you mean?", actor=support_user, now=NOW
        )

    assert (message.kind, message.author_name, message.created_at) == (
        MessageKind.TO_REQUESTER,
        "support",
        NOW,
    )
    [mail] = mailoutbox
    assert mail.to == [CLAIMANT]
    assert "Which version do you mean?" in mail.body


def test_staff_reasons_reach_the_requester_only_when_meant_for_them(
    project, support_user, mailoutbox, django_capture_on_commit_callbacks
):
    case, _key = submit(project)

    with django_capture_on_commit_callbacks(execute=True):
        act(case, "request_info", support_user, "Please name the files.")
        act(case, "provide_info", None, "Answered", via_key=True)
        act(case, "accept", support_user, "Internal: counsel says it holds")

    to_claimant = [m.body for m in mailoutbox if m.to == [CLAIMANT]]
    assert "Please name the files." in to_claimant[0]
    assert not [body for body in to_claimant if "counsel" in body]


@pytest.mark.parametrize("state", ["received", "needs_info"])
def test_the_assignee_hears_the_requesters_answer(
    project, support_user, mailoutbox, django_capture_on_commit_callbacks, state
):
    case, _key = submit(project)
    services.assign(case=case, assignee=support_user, actor=support_user)
    if state == "needs_info":
        act(case, "request_info", support_user, "Which files?")

    with django_capture_on_commit_callbacks(execute=True):
        message = services.requester_reply(case=case, body="All of 1.0.", now=NOW + HOUR)

    assert (message.kind, message.author, message.author_name) == (
        MessageKind.FROM_REQUESTER,
        None,
        "Rita Holder",
    )
    to_assignee = [m for m in mailoutbox if m.to == ["support@example.org"]]
    assert len(to_assignee) == 1
    assert "All of 1.0." in to_assignee[0].body


def test_a_closed_request_takes_no_answer(project, support_user):
    case, _key = submit(project)
    act(case, "reject", support_user, "No")

    with pytest.raises(RegistryError) as refused:
        services.requester_reply(case=case, body="But why?")

    assert refused.value.code == "closed"


# Triage without a change of state ----------------------------------------------------------------


def test_assign_priority_and_recommendation_are_recorded(project, support_user, registry_admin):
    case, _key = submit(project)

    services.assign(case=case, assignee=registry_admin, actor=support_user, reason="For a decision")
    services.set_priority(
        case=case, priority=Priority.URGENT, actor=support_user, reason="Court date"
    )
    services.recommend(case=case, text="  Disable 1.0 only.  ", actor=support_user)

    case.refresh_from_db()
    assert (case.assignee, case.priority, case.recommendation) == (
        registry_admin,
        Priority.URGENT,
        "Disable 1.0 only.",
    )
    rows = case.history.order_by("-history_id")[:3]
    assert [(r.history_user, r.history_change_reason) for r in rows] == [
        (support_user, "Recommendation"),
        (support_user, "Court date"),
        (support_user, "For a decision"),
    ]


def test_priority_must_be_one_of_the_choices(project, support_user):
    case, _key = submit(project)

    with pytest.raises(RegistryError) as refused:
        services.set_priority(case=case, priority=9, actor=support_user, reason="Very")

    assert refused.value.code == "priority"
    case.refresh_from_db()
    assert case.priority == Priority.NORMAL


def test_only_staff_members_can_be_assigned(project, support_user, reporter):
    case, _key = submit(project)

    with pytest.raises(RegistryError) as refused:
        services.assign(case=case, assignee=reporter, actor=support_user)

    assert refused.value.code == "not_staff"


@pytest.mark.parametrize(
    "call",
    [
        lambda case, actor: services.assign(case=case, assignee=None, actor=actor),
        lambda case, actor: services.set_priority(case=case, priority=3, actor=actor, reason="Hi"),
        lambda case, actor: services.recommend(case=case, text="Remove it", actor=actor),
        lambda case, actor: services.add_note(case=case, body="Note", actor=actor),
        lambda case, actor: services.message_requester(case=case, body="Hello", actor=actor),
    ],
    ids=["assign", "set_priority", "recommend", "add_note", "message_requester"],
)
def test_triage_is_for_staff_only(project, reporter, call):
    case, _key = submit(project)

    with pytest.raises(RegistryError) as refused:
        call(case, reporter)

    assert refused.value.code == "staff"
    assert not Message.objects.exists()


# Two admins at once (PostgreSQL) ----------------------------------------------------------------


def assert_executed_once(results, case):
    done = [r for r in results if isinstance(r, type(case))]
    refused = [r for r in results if isinstance(r, RegistryError)]
    assert len(done) == 1 and len(refused) == 1, results
    assert refused[0].code == "stale"
    assert "no longer possible" in refused[0].message
    assert RemovalEvent.objects.count() == 1
    assert case.removal_events.count() == 1
    return done[0]


@on_postgresql
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_admins_approving_one_exception_at_once_remove_once(
    project, release_1, owner, registry_admin, second_admin
):
    case = request_exception(project, owner, releases=[release_1])
    admins = [registry_admin, second_admin]

    def approve(n):
        return services.apply_transition(
            case=DeletionException.objects.get(pk=case.pk),
            name="approve",
            actor=fresh(admins[n]),
            reason=f"Approved by admin {n}",
            now=NOW,
        )

    results = race(DeletionException, case.pk, approve)

    done = assert_executed_once(results, case)
    assert done.state == "approved"
    approvals = DeletionException.history.filter(id=case.pk, state="approved")
    assert approvals.values("history_change_reason").distinct().count() == 1
    assert File.history.filter(history_change_reason__startswith="Approved by admin").count() == 2


@on_postgresql
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_admins_disabling_one_takedown_at_once_disable_once(
    project, release_1, support_user, registry_admin, second_admin
):
    case, _key = submit(project, releases=[release_1])
    act(case, "accept", support_user, "Valid")
    admins = [registry_admin, second_admin]

    def disable(n):
        return services.apply_transition(
            case=LegalTakedown.objects.get(pk=case.pk),
            name="disable_content",
            actor=fresh(admins[n]),
            reason=f"Disabled by admin {n}",
            now=NOW,
        )

    results = race(LegalTakedown, case.pk, disable)

    done = assert_executed_once(results, case)
    assert done.state == "content_disabled"
    assert RemovalEvent.objects.get().category == RemovalCategory.LEGAL
    assert LegalTakedown.history.filter(id=case.pk, state="content_disabled").count() >= 1
    assert installable(project) == set()


# Deadlines and triage guards ---------------------------------------------------------------------


def test_a_case_waiting_on_others_is_not_overdue(project, support_user, registry_admin):
    case, _key = submit(project)
    later = NOW + timedelta(days=30)
    assert LegalTakedown.objects.overdue(later).filter(pk=case.pk).exists()

    case = act(case, "accept", support_user)
    case = act(case, "disable_content", registry_admin)

    assert not case.is_overdue(later)
    assert not LegalTakedown.objects.overdue(later).filter(pk=case.pk).exists()


def test_an_answer_from_the_claimant_starts_a_new_deadline(project, support_user, settings):
    settings.HOLDFAST_SLA_HOURS = {"takedown": 72}
    case, _key = submit(project)
    case = act(case, "request_info", support_user, "Which files?")
    answered = NOW + timedelta(days=10)

    services.requester_reply(case=case, body="These files.", now=answered)

    case.refresh_from_db()
    assert case.state == "received"
    assert case.due_at == answered + timedelta(hours=72)


def test_a_forged_admin_step_is_refused_as_admin_only_even_when_stale(project, support_user):
    case, _key = submit(project)

    with pytest.raises(RegistryError) as refused:
        act(case, "reinstate", support_user)

    assert refused.value.code == "admin_only"


def test_only_people_who_can_work_the_queue_can_be_assigned(project, support_user):
    case, _key = submit(project)
    outsider = UserFactory(is_staff=True)  # staff, but in no group with moderation access

    with pytest.raises(RegistryError, match="cannot work on this queue"):
        services.assign(case=case, assignee=outsider, actor=support_user)

    case.refresh_from_db()
    assert case.assignee is None


def test_closed_requests_are_not_triaged_but_take_notes(project, support_user):
    case, _key = submit(project)
    case = act(case, "reject", support_user, "Not a valid notice")

    for attempt in (
        lambda: services.assign(case=case, assignee=support_user, actor=support_user),
        lambda: services.set_priority(case=case, priority=4, actor=support_user, reason="x"),
        lambda: services.recommend(case=case, text="x", actor=support_user),
    ):
        with pytest.raises(RegistryError, match="is closed"):
            attempt()
    assert services.add_note(case=case, body="Counsel agreed.", actor=support_user).pk


def test_the_links_to_affected_objects_protect_them(project, release_1, support_user):
    case, _key = submit(project, releases=[release_1], files=[release_1.files.first()])

    with pytest.raises(ProtectedError):
        release_1.files.first().delete()
    with pytest.raises(ProtectedError):
        release_1.delete()
    assert list(case.releases.all()) == [release_1]
