"""The scheduler command `advance_workflows`: idempotent, honest in `--dry-run`, a fixed number of
queries per batch, and safe when several processes run it at once (PostgreSQL).

The command reads the clock itself, so these tests place the cases in time relative to now.
"""

import os
import re
import subprocess
import sys
from datetime import timedelta
from io import StringIO
from pathlib import Path

import pytest
from django.apps import apps
from django.conf import settings as django_settings
from django.core import mail
from django.core.management import CommandError, call_command
from django.db import connection
from django.db.models import Count
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from moderation import services as moderation
from moderation.models import (
    LegalTakedown,
    NameRequest,
    NameRequestContact,
    StagedRemoval,
    StagedState,
)
from moderation.services import names, staged
from moderation.workflow import NameRequestState, TakedownState
from registry import services
from registry.models import (
    NameReservation,
    OutboxKind,
    OutboxMessage,
    Project,
    Release,
    ReservationReason,
    Role,
    RoleName,
)
from tests.factories import LegalTakedownFactory, NameReservationFactory, UserFactory, publish

pytestmark = pytest.mark.django_db

MESSAGE = "Unmaintained; use something else."
DAYS = timedelta(days=30)
NOTHING = (
    "Moved 0 staged removals to pending removal and 0 to review; reminded dependents of 0; "
    "reinstated 0 takedowns; reminded the owners of 0 name requests and handed 0 to the "
    "admins; recorded 0 expired reservations."
)


@pytest.fixture(autouse=True)
def stage_lengths(settings):
    settings.HOLDFAST_STAGED_DEPRECATED_DAYS = DAYS.days
    settings.HOLDFAST_STAGED_PENDING_DAYS = DAYS.days


@pytest.fixture
def now():
    return timezone.now()


@pytest.fixture
def advance(django_capture_on_commit_callbacks):
    """Run the command; return the last line it printed (its report) and the lines before."""

    def advance(*args):
        out = StringIO()
        with django_capture_on_commit_callbacks(execute=True):
            call_command("advance_workflows", *args, stdout=out)
        lines = out.getvalue().splitlines()
        return lines[-1], lines[:-1]

    return advance


def start(name, *, owner, now, days_ago, dependent_owner=None):
    """A project-level case started `days_ago` days before `now` (with a dependent project)."""
    started = now - timedelta(days=days_ago)
    project = services.create_project(name=name, owner=owner, actor=owner, reason="t", now=started)
    publish(project, "1.0", actor=owner, now=started)
    if dependent_owner is not None:
        app = services.create_project(
            name=f"{name}-app", owner=dependent_owner, actor=dependent_owner, reason="t"
        )
        services.set_dependencies(
            release=publish(app, "1.0", actor=dependent_owner, now=now),
            requirements=[name],
            actor=dependent_owner,
            reason="t",
        )
    return staged.start(project=project, message=MESSAGE, actor=owner, now=started)


@pytest.fixture
def due_work(owner, registry_admin, now):
    """One of each kind of work the command does, all due now, and a case that is not."""
    scheduler = staged.scheduler_user()
    work = {
        "to_pending": start("to-pending", owner=owner, now=now, days_ago=31),
        "to_review": start("to-review", owner=owner, now=now, days_ago=61),
        "reminder": start(
            "reminder", owner=owner, now=now, days_ago=25, dependent_owner=UserFactory()
        ),
        "not_due": start("not-due", owner=owner, now=now, days_ago=1),
    }
    staged.advance_batch(now=now - timedelta(days=31), actor=scheduler)
    assert StagedRemoval.objects.get(pk=work["to_review"].pk).state == StagedState.PENDING_REMOVAL
    work["reservation"] = NameReservationFactory(
        reason=ReservationReason.REMOVED_PROJECT, until=now - timedelta(hours=1)
    )
    work["takedown"] = counter_noticed_takedown(owner, registry_admin, now)
    # Name requests: one halfway through its owners' period, one whose period is over, one
    # whose owners were written to yesterday.
    for name, days_ago in (("halfway", 21), ("lapsed", 42), ("just-asked", 1)):
        work[f"name_{name}"] = name_request(
            name, owner=owner, admin=registry_admin, now=now, days_ago=days_ago
        )
    mail.outbox.clear()
    return work


def name_request(name, *, owner, admin, now, days_ago):
    """An abandoned project's name asked for, its owners contacted `days_ago` days before now."""
    old = now - timedelta(days=500)
    project = services.create_project(name=name, owner=owner, actor=owner, reason="t", now=old)
    publish(project, "1.0", actor=owner, now=old)
    asked = now - timedelta(days=days_ago)
    case, _key = names.submit_name_request(
        project=project,
        requester=UserFactory(username=f"wants-{name}"),
        ground="abandoned",
        intent="maintain",
        details="Nobody answers.",
        looked_for_another_name=True,
        now=asked,
    )
    return moderation.apply_transition(
        case=case, name="contact_owners", actor=admin, reason="Asking", now=asked
    )


def name_state(case):
    return NameRequest.objects.get(pk=case.pk).state


def counter_noticed_takedown(owner, admin, now):
    """A copyright takedown whose content was disabled, then counter-noticed 30 days ago."""
    created = now - timedelta(days=40)
    project = services.create_project(
        name="disputed", owner=owner, actor=owner, reason="t", now=created
    )
    publish(project, "1.0", actor=owner, now=created)
    takedown = LegalTakedownFactory(project=project, created_at=now - timedelta(days=40))
    for name, days_ago in (("accept", 40), ("disable_content", 39), ("receive_counter_notice", 30)):
        takedown = moderation.apply_transition(
            case=takedown,
            name=name,
            actor=admin,
            reason=f"{name} in a test",
            now=now - timedelta(days=days_ago),
            counter_notice="The code is my own work.",
        )
    project.refresh_from_db()
    assert project.is_removed
    assert takedown.reinstate_after <= now.date()
    return takedown


def snapshot():
    """Row counts of every table (history tables included) and the state of what moves."""
    counts = {model._meta.label: model._default_manager.count() for model in apps.get_models()}
    return (
        counts,
        list(StagedRemoval.objects.order_by("pk").values()),
        list(Project.objects.order_by("pk").values()),
        list(Release.objects.order_by("pk").values()),
        list(LegalTakedown.objects.order_by("pk").values()),
        list(NameReservation.objects.order_by("pk").values()),
        list(NameRequest.objects.order_by("pk").values()),
        list(NameRequestContact.objects.order_by("pk").values()),
    )


def state(case):
    return StagedRemoval.objects.get(pk=case.pk).state


def test_running_twice_changes_nothing_the_second_time(advance, due_work):
    report, lines = advance()

    assert report == (
        "Moved 1 staged removal to pending removal and 1 to review; reminded dependents of "
        "1; reinstated 1 takedown; reminded the owners of 1 name request and handed 1 to the "
        "admins; recorded 2 expired reservations."
    )
    assert f"  {due_work['name_halfway']}: owners reminded" in lines
    assert f"  {due_work['name_lapsed']}: awaits a decision (no owner answered)" in lines
    assert name_state(due_work["name_lapsed"]) == NameRequestState.AWAITING_DECISION
    assert name_state(due_work["name_halfway"]) == NameRequestState.CONTACTING_OWNERS
    assert NameRequest.objects.get(pk=due_work["name_halfway"].pk).owners_reminded_at
    assert not NameRequest.objects.get(pk=due_work["name_just-asked"].pk).owners_reminded_at
    assert any("reminder: a request for the name halfway" in m.subject for m in mail.outbox)
    [digest] = [m for m in mail.outbox if m.subject.startswith("[Holdfast] scheduler run")]
    assert "Name requests awaiting your decision" in digest.body
    assert str(due_work["name_lapsed"]) in digest.body
    assert "  to-pending: deprecated -> pending removal" in lines
    assert "  to-review: pending removal -> awaiting review" in lines
    assert state(due_work["to_pending"]) == StagedState.PENDING_REMOVAL
    assert state(due_work["to_review"]) == StagedState.AWAITING_REVIEW
    assert state(due_work["not_due"]) == StagedState.DEPRECATED
    assert StagedRemoval.objects.get(pk=due_work["reminder"].pk).dependents_warned_at
    takedown = LegalTakedown.objects.get(pk=due_work["takedown"].pk)
    assert takedown.state == TakedownState.REINSTATED
    assert not Project.objects.get(normalized_name="disputed").is_removed
    assert takedown.history.filter(state=TakedownState.REINSTATED).count() == 1
    # The reserved name, and the one the takedown's removal reserved for a day.
    assert {str(r) for r in NameReservation.objects.filter(expired_at__isnull=False)} == {
        due_work["reservation"].normalized_name,
        "disputed",
    }
    assert mail.outbox
    before, sent = snapshot(), len(mail.outbox)

    report, lines = advance()

    assert report == NOTHING
    assert lines == []
    assert snapshot() == before
    assert len(mail.outbox) == sent


def test_a_dry_run_reports_what_is_due_and_changes_nothing(advance, due_work):
    before = snapshot()

    report, lines = advance("--dry-run")

    assert report == (
        "Would move 1 staged removal to pending removal and 1 to review; remind dependents "
        "of 1; reinstate 1 takedown; remind the owners of 1 name request and hand 1 to the "
        "admins; record 2 expired reservations."
    )
    assert f"  {due_work['name_halfway']}: owners would be reminded" in lines
    assert f"  {due_work['name_lapsed']}: would await a decision (no owner answered)" in lines
    assert "  to-pending: deprecated -> pending removal" in lines
    assert "  to-review: pending removal -> awaiting review" in lines
    assert "  reminder: dependents would be reminded" in lines
    assert snapshot() == before
    assert mail.outbox == []

    # The real run then does exactly what the dry run announced.
    assert re.findall(r"\d+", advance()[0]) == re.findall(r"\d+", report)


def test_a_dry_run_reports_every_due_case_whatever_the_batch_size(advance, owner, now):
    cases = [start(f"due-{n}", owner=owner, now=now, days_ago=31) for n in range(5)]

    report, lines = advance("--dry-run", "--batch-size", "2")

    assert report.startswith("Would move 5 staged removals to pending removal and 0 to review")
    # One line per due case, and the ranking it would do (never done yet here), nothing more.
    assert len([line for line in lines if line.endswith(": deprecated -> pending removal")]) == 5
    assert lines[5:] == ["Would rank projects by their downloads of the last 30 days."]
    assert all(state(case) == StagedState.DEPRECATED for case in cases)

    report, lines = advance("--batch-size", "2")

    assert report.startswith("Moved 5 staged removals to pending removal and 0 to review")
    assert all(state(case) == StagedState.PENDING_REMOVAL for case in cases)
    assert advance("--batch-size", "2")[0] == NOTHING


def test_every_due_reminder_goes_out_in_one_run_whatever_the_batch_size(advance, owner, now):
    dependent_owner = UserFactory(username="dependent-owner")
    for n in range(3):
        start(f"soon-{n}", owner=owner, now=now, days_ago=25, dependent_owner=dependent_owner)

    report, _lines = advance("--batch-size", "2")

    assert "reminded dependents of 3;" in report
    reminders = [
        m for m in mail.outbox if m.to == [dependent_owner.email] and "reminder" in m.subject
    ]
    assert len(reminders) == 3
    assert advance("--batch-size", "2")[0] == NOTHING


def test_a_batch_size_below_one_is_refused():
    with pytest.raises(CommandError, match="at least 1"):
        call_command("advance_workflows", "--batch-size", "0", stdout=StringIO())


# Queries per batch -------------------------------------------------------------------------------


def bulk_due_cases(count, *, now, prefix="bulk"):
    """`count` due cases (deprecated, next step a day ago), alternately of a whole project and of
    one yanked release, each project with an owner who has an email address.

    Bulk-inserted test data (no history): what is measured is the scheduler's work.
    """
    owner = UserFactory(username=f"{prefix}-owner")
    started = now - timedelta(days=31)
    projects = Project.objects.bulk_create(
        Project(name=f"{prefix}-{n}", normalized_name=f"{prefix}-{n}", created_at=started)
        for n in range(count)
    )
    Role.objects.bulk_create(
        Role(user=owner, project=project, role=RoleName.OWNER) for project in projects
    )
    releases = Release.objects.bulk_create(
        Release(
            project=project,
            version="1.0",
            canonical_version="1",
            created_at=started,
            yanked=True,
            yanked_reason=MESSAGE,
            yanked_at=started,
        )
        for project in projects[1::2]
    )
    release_of = {release.project_id: release for release in releases}
    return StagedRemoval.objects.bulk_create(
        StagedRemoval(
            project=project,
            release=release_of.get(project.pk),
            message=MESSAGE,
            requested_by=owner,
            created_at=started,
            next_step_at=now - timedelta(days=1),
        )
        for project in projects
    )


def queries_per_batch(size, *, now, actor, django_capture_on_commit_callbacks):
    with (
        CaptureQueriesContext(connection) as queries,
        django_capture_on_commit_callbacks(execute=True),
    ):
        report = staged.advance_batch(now=now, actor=actor, size=size)
    assert len(report) == size
    return len(queries)


def test_a_batch_takes_the_same_number_of_queries_whatever_its_size(
    registry_admin, now, django_capture_on_commit_callbacks
):
    # SQLite caps a statement at 999 parameters, so Django splits a bulk insert of history rows
    # (about 20 columns each) into several statements past ~45 rows: a limit of the backend,
    # not of the code. PostgreSQL has no such cap and shows the real shape.
    small, large = (10, 100) if connection.vendor == "postgresql" else (10, 40)
    bulk_due_cases(small + large, now=now)
    actor = staged.scheduler_user()
    later = now + DAYS
    kwargs = {
        "actor": actor,
        "django_capture_on_commit_callbacks": django_capture_on_commit_callbacks,
    }

    to_pending = [queries_per_batch(size, now=now, **kwargs) for size in (small, large)]
    to_review = [queries_per_batch(size, now=later, **kwargs) for size in (small, large)]

    assert to_pending[0] == to_pending[1], to_pending
    assert to_review[0] == to_review[1], to_review
    assert StagedRemoval.objects.filter(state=StagedState.AWAITING_REVIEW).count() == small + large
    # Every owner's e-mail of both stages was queued, in those same queries (the admins get one
    # digest per run instead, from the command).
    assert OutboxMessage.objects.filter(kind=OutboxKind.EMAIL).count() == 2 * (small + large)


# Several processes at once (PostgreSQL) ---------------------------------------------------------

PROCESSES = 4
CASES = 1000
REPORT = re.compile(
    r"^Moved ([\d,]+) staged removals? to pending removal and ([\d,]+) to review;", re.M
)


def database_url():
    db = connection.settings_dict
    password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
    port = f":{db['PORT']}" if db.get("PORT") else ""
    return f"postgres://{db['USER']}{password}@{db['HOST'] or 'localhost'}{port}/{db['NAME']}"


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_four_processes_move_each_of_a_thousand_due_cases_exactly_once():
    if connection.vendor != "postgresql":
        pytest.skip(
            f"needs PostgreSQL (SELECT ... FOR UPDATE SKIP LOCKED between processes); this run "
            f"is on {connection.vendor}. Set DATABASE_URL=postgres://..."
        )
    cases = bulk_due_cases(CASES, now=timezone.now())
    env = {
        **os.environ,
        "DATABASE_URL": database_url(),
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "EMAIL_URL": "dummymail://",
    }
    manage = Path(django_settings.BASE_DIR) / "manage.py"
    processes = [
        subprocess.Popen(
            [sys.executable, str(manage), "advance_workflows", "--batch-size", "25"],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=env,
        )
        for _ in range(PROCESSES)
    ]
    outputs = [process.communicate(timeout=120) for process in processes]

    for process, (_stdout, stderr) in zip(processes, outputs, strict=True):
        assert process.returncode == 0, stderr
    moved = [int(REPORT.search(stdout).group(1).replace(",", "")) for stdout, _stderr in outputs]
    print(f"cases moved by each of the {PROCESSES} processes: {moved}")
    assert sum(moved) == CASES
    lines = [line for stdout, _ in outputs for line in stdout.splitlines() if "->" in line]
    assert len(lines) == len(set(lines)) == CASES
    ids = [case.pk for case in cases]
    assert StagedRemoval.objects.filter(pk__in=ids, state=StagedState.PENDING_REMOVAL).count() == (
        CASES
    )
    transitions = (
        StagedRemoval.history.filter(id__in=ids, state=StagedState.PENDING_REMOVAL)
        .values("id")
        .annotate(rows=Count("history_id"))
    )
    assert len(transitions) == CASES
    assert {row["rows"] for row in transitions} == {1}
    marked = (
        Project.history.filter(pending_removal_at__isnull=False)
        .values("id")
        .annotate(rows=Count("history_id"))
    )
    marked_releases = (
        Release.history.filter(pending_removal_at__isnull=False)
        .values("id")
        .annotate(rows=Count("history_id"))
    )
    assert len(marked) + len(marked_releases) == CASES
    assert {row["rows"] for row in [*marked, *marked_releases]} == {1}
