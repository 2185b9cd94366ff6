"""Send the outbox: e-mails and CDN purges whose (next) attempt is due. Run it from cron.

Guarantees:
- Nothing is lost: a message the mail server or the CDN refuses stays in the outbox with its
  error (`last_error`, shown in the admin) and is retried later, the delay doubling after each
  failure up to HOLDFAST_OUTBOX_RETRY_MAX_SECONDS, then at that interval until it goes out.
- A failure never stops the run: the next message is tried.
- Safe in several processes at once: messages are taken with SELECT ... FOR UPDATE SKIP LOCKED
  (PostgreSQL), so no message is sent twice by two senders.

`advance_workflows` sends the outbox at the end of each run too; this command is for sending
more often than the scheduler runs, or on another host.
"""

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from registry import outbox


class Command(BaseCommand):
    help = "Send the e-mails and CDN purges that are due in the outbox, retrying failed ones."

    def add_arguments(self, parser):
        parser.add_argument(
            "--limit", type=int, default=None, help="Send at most this many (default: all due)."
        )

    def handle(self, *args, limit=None, **options):
        if limit is not None and limit < 1:
            raise CommandError("--limit must be at least 1.")
        report = outbox.send_due(now=timezone.now(), limit=limit)
        self.stdout.write(report.summary())
