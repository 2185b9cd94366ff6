"""Move every moderation case whose time has come. Run it from cron or a systemd timer.

Guarantees:
- Idempotent: a case moves only when it is due, and moving it makes it no longer due (a case
  moves at most one stage per run; dependents are reminded once), so a second run right after
  the first changes nothing.
- Safe in several processes at once: each batch is taken with SELECT ... FOR UPDATE SKIP
  LOCKED (PostgreSQL), so two processes never move the same case; SQLite serialises writers.
- Each batch is one transaction, in a fixed number of queries whatever its size.
- `--dry-run` reports everything that is due (however many batches it would take) and changes
  nothing; it reads without locking, so it never holds up a real run.

What it does, in order: staged removals (deprecated -> pending removal -> awaiting review),
the reminder to dependents' owners a week before pending removal, legal takedowns whose
counter-notice waiting period is over (reinstated unless a court action was reported), PEP 541
name requests (owners who have not answered reminded once halfway through the reachability
period; requests whose period is over handed to the registry admins' decision),
name reservations whose period is over (their expiry recorded), and, at most once an hour, the
projects' ranks by 30-day downloads and which are critical (`registry.services.popularity`),
and the comparison of the deletion-policy presets the admin page shows (`registry.reports.stored`,
kept in the cache). Last, one digest e-mail to the registry admins says what the run moved, and
the outbox is sent (this run's e-mails, and earlier ones whose retry is due: `registry.outbox`).
A mail server or CDN that fails delays its messages, never stops the run or loses them.
"""

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from moderation import notifications, services
from moderation.models import LegalTakedown, StagedRemoval, StagedState
from moderation.services import names, staged
from moderation.workflow import TakedownState
from registry import outbox
from registry import services as registry
from registry.models import NameReservation
from registry.reports import stored as policy_report
from registry.services import RegistryError
from registry.words import counted

MOVES = {
    StagedState.DEPRECATED: "deprecated -> pending removal",
    StagedState.PENDING_REMOVAL: "pending removal -> awaiting review",
}


class Command(BaseCommand):
    help = (
        "Advance due staged removals, counter-notice periods, name requests and name reservations."
    )

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true", help="Report; change nothing.")
        parser.add_argument(
            "--batch-size", type=int, default=500, help="Cases per transaction (default 500)."
        )

    def handle(self, *args, dry_run=False, batch_size=500, **options):
        if batch_size < 1:
            raise CommandError("--batch-size must be at least 1.")
        now = timezone.now()
        actor = staged.scheduler_user()
        self.digest = notifications.Digest()
        moved = self.advance_staged(now=now, actor=actor, size=batch_size, dry_run=dry_run)
        reminded = self.remind_dependents(now=now, actor=actor, size=batch_size, dry_run=dry_run)
        reinstated = self.finish_counter_notices(now=now, actor=actor, dry_run=dry_run)
        names_moved = self.advance_name_requests(
            now=now, actor=actor, size=batch_size, dry_run=dry_run
        )
        lapsed = self.record_lapsed(now=now, actor=actor, dry_run=dry_run)
        self.rank_projects(now=now, dry_run=dry_run)
        if not dry_run:  # Computing a cached report changes nothing a dry run should tell.
            self.compare_policies(now=now)
        if dry_run:
            self.stdout.write(
                f"Would move {counted(moved['pending'], 'staged removal')} to pending removal "
                f"and {moved['review']:,} to review; remind dependents of {reminded:,}; reinstate "
                f"{counted(reinstated, 'takedown')}; remind the owners of "
                f"{counted(names_moved['reminded'], 'name request')} and hand "
                f"{names_moved['lapsed']:,} to the admins; record "
                f"{counted(lapsed, 'expired reservation')}."
            )
        else:
            notifications.scheduler_digest(self.digest, now=now)
            self.send_outbox()
            self.stdout.write(
                f"Moved {counted(moved['pending'], 'staged removal')} to pending removal and "
                f"{moved['review']:,} to review; reminded dependents of {reminded:,}; reinstated "
                f"{counted(reinstated, 'takedown')}; reminded the owners of "
                f"{counted(names_moved['reminded'], 'name request')} and handed "
                f"{names_moved['lapsed']:,} to the admins; recorded "
                f"{counted(lapsed, 'expired reservation')}."
            )

    def send_outbox(self):
        """Send what is due in the outbox; say so only when there was something to send."""
        report = outbox.send_due(now=timezone.now())
        if report.sent or report.failed or report.waiting:
            self.stdout.write(report.summary())

    def rank_projects(self, *, now, dry_run):
        if not registry.popularity_is_stale(now=now):
            return
        if dry_run:
            self.stdout.write("Would rank projects by their downloads of the last 30 days.")
            return
        critical = registry.recompute_popularity(now=now)
        self.stdout.write(
            f"Ranked projects by their downloads of the last 30 days: "
            f"{counted(critical, 'critical project')}."
        )

    def compare_policies(self, *, now):
        report = policy_report.refresh(now=now)
        if report is not None:
            self.stdout.write(
                "Compared the deletion-policy presets for the admin page in "
                f"{report['seconds']:.1f} s."
            )

    def advance_staged(self, *, now, actor, size, dry_run):
        totals = {"pending": 0, "review": 0}
        if dry_run:
            # Every due case, not one batch: a dry run moves nothing, so batches would repeat.
            due = (
                StagedRemoval.objects.due(now)
                .select_related("project", "release__project")
                .order_by("state", "next_step_at")
            )
            for case in due.iterator(chunk_size=2000):
                self.report_move(case, case.state)
                totals["pending" if case.state == StagedState.DEPRECATED else "review"] += 1
            return totals
        while report := staged.advance_batch(now=now, actor=actor, size=size):
            for case in report.to_pending:
                self.report_move(case, StagedState.DEPRECATED)
            for case in report.to_review:
                self.report_move(case, StagedState.PENDING_REMOVAL)
            totals["pending"] += len(report.to_pending)
            totals["review"] += len(report.to_review)
            self.digest.add("to_pending", report.to_pending)
            self.digest.add("to_review", report.to_review)
        return totals

    def report_move(self, case, state):
        self.stdout.write(f"  {case.target}: {MOVES[state]}")

    def remind_dependents(self, *, now, actor, size, dry_run):
        if dry_run:
            due = (
                staged.reminders_due(now)
                .select_related("project", "release__project")
                .order_by("state", "next_step_at")
            )
            count = 0
            for case in due.iterator(chunk_size=2000):
                self.stdout.write(f"  {case.target}: dependents would be reminded")
                count += 1
            return count
        total = 0
        while cases := staged.remind_dependents(now=now, actor=actor, size=size):
            for case in cases:
                self.stdout.write(f"  {case.target}: dependents reminded")
            total += len(cases)
        return total

    def finish_counter_notices(self, *, now, actor, dry_run):
        due = LegalTakedown.objects.filter(
            state=TakedownState.COUNTER_NOTICE, reinstate_after__lte=now.date()
        ).order_by("reinstate_after", "pk")
        count = 0
        for takedown in due.iterator():
            if dry_run:
                self.stdout.write(f"  {takedown}: would be reinstated")
                count += 1
                continue
            try:
                with transaction.atomic():
                    services.apply_transition(
                        case=takedown,
                        name="reinstate",
                        actor=actor,
                        reason="Counter-notice waiting period over; no court action reported",
                        now=now,
                    )
            except RegistryError as error:
                # Another process took it, or an admin acted first: nothing to do here.
                self.stdout.write(f"  {takedown}: skipped ({error})")
                continue
            self.stdout.write(f"  {takedown}: reinstated")
            self.digest.add("reinstated", [takedown])
            count += 1
        return count

    def advance_name_requests(self, *, now, actor, size, dry_run):
        """Remind the owners halfway through their period, then hand the requests whose
        period is over to the registry admins."""
        totals = {"reminded": 0, "lapsed": 0}
        if dry_run:
            for case in names.reminders_due(now).select_related("project").iterator():
                self.stdout.write(f"  {case}: owners would be reminded")
                totals["reminded"] += 1
            for case in names.lapsed(now).select_related("project").iterator():
                self.stdout.write(f"  {case}: would await a decision (no owner answered)")
                totals["lapsed"] += 1
            return totals
        while cases := names.remind_batch(now=now, actor=actor, size=size):
            for case in cases:
                self.stdout.write(f"  {case}: owners reminded")
            totals["reminded"] += len(cases)
        while cases := names.lapse_batch(now=now, actor=actor, size=size):
            for case in cases:
                self.stdout.write(f"  {case}: awaits a decision (no owner answered)")
            totals["lapsed"] += len(cases)
            self.digest.add("name_lapsed", cases)
        return totals

    def record_lapsed(self, *, now, actor, dry_run):
        if dry_run:
            return NameReservation.objects.lapsed(now).count()
        total = 0
        while lapsed := registry.record_lapsed_reservations(actor=actor, now=now):
            for reservation in lapsed:
                self.stdout.write(f"  name {reservation}: reservation over")
            total += len(lapsed)
        return total
