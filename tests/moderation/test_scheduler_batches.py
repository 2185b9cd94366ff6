"""The scheduler at scale: one UPDATE per batch (not a CASE per row), history row by row as
before, its mail through the outbox (one digest to the admins per run), and a mail server that
fails delaying mail without stopping the run or losing it."""

from datetime import timedelta
from io import StringIO

import pytest
from django.core import mail
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from moderation.models import StagedRemoval, StagedState
from moderation.services import staged
from registry import outbox
from registry.history import bulk_set_tracked, bulk_update_tracked
from registry.models import OutboxMessage, Project, Release
from tests.factories import UserFactory
from tests.moderation.test_advance_workflows import bulk_due_cases
from tests.registry.test_outbox import FAILING, FailingBackend

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def stage_lengths(settings):
    settings.HOLDFAST_STAGED_DEPRECATED_DAYS = 30
    settings.HOLDFAST_STAGED_PENDING_DAYS = 30


@pytest.fixture
def now():
    return timezone.now()


def updates(queries):
    return [q["sql"] for q in queries.captured_queries if q["sql"].startswith("UPDATE")]


def batch_updates(size, *, now, actor):
    with CaptureQueriesContext(connection) as queries:
        report = staged.advance_batch(now=now, actor=actor, size=size)
    assert len(report) == size
    return updates(queries)


def test_a_batch_writes_its_rows_in_as_many_updates_whatever_its_size(registry_admin, now):
    bulk_due_cases(5 + 40, now=now)
    actor = staged.scheduler_user()

    small, large = (batch_updates(size, now=now, actor=actor) for size in (5, 40))
    small_review, large_review = (
        batch_updates(size, now=now + timedelta(days=31), actor=actor) for size in (5, 40)
    )

    assert len(small) == len(large), large
    assert len(small_review) == len(large_review), large_review
    # The cases, the projects and the releases: each one UPDATE ... WHERE id IN (...), no CASE.
    for statement in large + large_review:
        assert "CASE WHEN" not in statement
    table = StagedRemoval._meta.db_table
    assert len([sql for sql in large if f'UPDATE "{table}"' in sql]) == 1
    assert StagedRemoval.objects.filter(state=StagedState.AWAITING_REVIEW).count() == 45


def test_each_case_and_registry_row_still_gets_its_own_history_row(registry_admin, now):
    cases = bulk_due_cases(6, now=now)
    actor = staged.scheduler_user()

    staged.advance_batch(now=now, actor=actor, size=10)

    for case in cases:
        (row,) = StagedRemoval.history.filter(id=case.pk)
        assert (row.state, row.pending_at, row.next_step_at) == (
            StagedState.PENDING_REMOVAL,
            now,
            now + timedelta(days=30),
        )
        assert (row.history_user, row.history_user_username) == (actor, actor.username)
        assert row.history_change_reason.startswith("Deprecation period over")
        assert row.history_date == now
        target = case.release or case.project
        (marked,) = type(target).history.filter(id=target.pk)
        assert (marked.pending_removal_at, marked.history_user) == (now, actor)
        assert marked.history_change_reason == row.history_change_reason


def test_bulk_set_tracked_sets_the_instances_and_writes_history_with_the_new_values(now):
    actor = UserFactory(username="setter")
    projects = Project.objects.bulk_create(
        Project(name=f"p{n}", normalized_name=f"p{n}", created_at=now) for n in range(3)
    )

    with CaptureQueriesContext(connection) as queries:
        updated = bulk_set_tracked(
            Project, projects, {"pending_removal_at": now}, actor=actor, reason="why", when=now
        )

    assert updated == 3
    assert len(updates(queries)) == 1
    assert all(project.pending_removal_at == now for project in projects)
    assert set(Project.objects.values_list("pending_removal_at", flat=True)) == {now}
    rows = Project.history.filter(id__in=[p.pk for p in projects])
    assert [
        (r.pending_removal_at, r.history_user_username, r.history_change_reason) for r in rows
    ] == [(now, "setter", "why")] * 3
    assert bulk_set_tracked(Project, [], {"pending_removal_at": now}, actor=actor, reason="x") == 0


def test_bulk_update_tracked_still_writes_different_values_row_by_row(now):
    actor = UserFactory(username="updater")
    releases = Release.objects.bulk_create(
        Release(
            project=Project.objects.create(name=f"r{n}", normalized_name=f"r{n}", created_at=now),
            version="1.0",
            canonical_version="1",
            created_at=now,
        )
        for n in range(3)
    )
    for n, release in enumerate(releases):
        release.yanked_reason = f"reason {n}"

    bulk_update_tracked(Release, releases, ["yanked_reason"], actor=actor, reason="r", when=now)

    assert sorted(Release.objects.values_list("yanked_reason", flat=True)) == [
        "reason 0",
        "reason 1",
        "reason 2",
    ]
    assert sorted(Release.history.values_list("yanked_reason", flat=True)) == [
        "reason 0",
        "reason 1",
        "reason 2",
    ]


# The run's mail ----------------------------------------------------------------------------------


def advance():
    out = StringIO()
    call_command("advance_workflows", stdout=out)
    return out.getvalue().splitlines()


def test_the_admins_get_one_digest_per_run_not_one_email_per_case(
    registry_admin, second_admin, now
):
    bulk_due_cases(25, now=now)

    lines = advance()

    to_admins = [m for m in mail.outbox if registry_admin.email in m.to]
    assert len(to_admins) == 1
    [digest] = to_admins
    assert sorted(digest.to) == sorted([registry_admin.email, second_admin.email])
    assert digest.subject == "[Holdfast] scheduler run: now pending removal: 25"
    assert "Now pending removal (installable only from /pending/simple/): 25 staged removals" in (
        digest.body
    )
    assert "  bulk-0\n" in digest.body
    assert "  ... and 5 more" in digest.body
    assert "/admin/moderation/stagedremoval/?state__exact=pending_removal" in digest.body
    # Every owner's e-mail went out too, in the same run, which says so.
    assert len(mail.outbox) == 25 + 1
    assert "Outbox: sent 26 messages; 0 waiting." in lines

    # Nothing moved: no digest.
    mail.outbox.clear()
    advance()
    assert mail.outbox == []


def test_a_failing_mail_server_delays_the_runs_mail_but_moves_every_case(
    registry_admin, now, settings
):
    settings.EMAIL_BACKEND = FAILING
    FailingBackend.refusals = 1
    try:
        cases = bulk_due_cases(3, now=now)

        lines = advance()

        assert lines[-1].startswith("Moved 3 staged removals to pending removal")
        assert StagedRemoval.objects.filter(state=StagedState.PENDING_REMOVAL).count() == 3
        assert (
            "Outbox: sent 3 messages; 1 message failed and will be retried (the error is in "
            "the admin's outbox messages); 1 waiting."
        ) in lines
        (waiting,) = OutboxMessage.objects.filter(sent_at__isnull=True)
        assert "SMTPException" in waiting.last_error

        report = outbox.send_due(now=waiting.next_attempt_at)

        assert (report.sent, report.waiting) == (1, 0)
        assert len(mail.outbox) == len(cases) + 1
    finally:
        FailingBackend.refusals = 0


def test_a_batch_runs_with_fewer_garbage_collections_and_restores_the_thresholds(
    registry_admin, now, monkeypatch
):
    import gc

    bulk_due_cases(3, now=now)
    seen = []
    apply_batch = staged.apply_batch

    def spy(**kwargs):
        seen.append(gc.get_threshold())
        return apply_batch(**kwargs)

    monkeypatch.setattr(staged, "apply_batch", spy)
    before = gc.get_threshold()

    staged.advance_batch(now=now, actor=staged.scheduler_user(), size=3)

    assert seen and set(seen) == {staged.BATCH_GC_THRESHOLD}
    assert gc.get_threshold() == before
