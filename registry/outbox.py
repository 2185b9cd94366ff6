"""The outbox: what must leave the machine after a change commits, sent with retries.

Writers queue an e-mail (`enqueue_emails`) or a CDN purge (`enqueue_purges`) in the transaction
of the change itself, so the message exists exactly when the change does. `send_due` sends what
is due: it takes rows with `SELECT ... FOR UPDATE SKIP LOCKED`, so several processes (the
scheduler on two hosts, cron's `send_outbox`, a web process sending right after its commit)
never send one message twice. A message that fails (the mail server or the CDN is down, refuses,
times out) is never lost: its `attempts` grow, `last_error` says what went wrong, and
`next_attempt_at` moves on by a delay that doubles after each failure up to a cap, at which it
keeps being retried until it goes out. A failure never stops the run: the next message is tried.
"""

import logging
import urllib.error
import urllib.request
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from .models import OutboxKind, OutboxMessage
from .words import counted

logger = logging.getLogger(__name__)

CHUNK = 100  # messages per transaction (their rows stay locked while they are sent)
ERROR_LENGTH = 2000


# Queueing ----------------------------------------------------------------------------------------


def enqueue_email(*, subject, body, to, from_email=None, now=None):
    """Queue one e-mail; return its OutboxMessage (None when it has no recipient)."""
    rows = enqueue_emails([(subject, body, from_email, to)], now=now)
    return rows[0] if rows else None


def enqueue_emails(messages, *, now=None):
    """Queue (subject, body, from or None, recipients) e-mails in one insert; return the rows.

    A message to nobody (a request filed without an address, an account without one) is dropped.
    """
    now = now or timezone.now()
    rows = []
    for subject, body, from_email, to in messages:
        recipients = sorted({address for address in to if address})
        if recipients:
            payload = {
                "subject": subject,
                "body": body,
                "from": from_email or settings.DEFAULT_FROM_EMAIL,
                "to": recipients,
            }
            rows.append(_message(OutboxKind.EMAIL, payload, now))
    return OutboxMessage.objects.bulk_create(rows) if rows else []


def purge_configured():
    return bool(getattr(settings, "HOLDFAST_CDN_PURGE_URL", ""))


def enqueue_purges(keys, *, now=None):
    """Queue one CDN purge per surrogate key (none when no purge URL is configured)."""
    template = getattr(settings, "HOLDFAST_CDN_PURGE_URL", "")
    if not template:
        return []
    now = now or timezone.now()
    rows = [
        _message(
            OutboxKind.CDN_PURGE,
            {"url": template.replace("{key}", urllib.request.quote(key, safe="")), "keys": [key]},
            now,
        )
        for key in dict.fromkeys(keys)
    ]
    return OutboxMessage.objects.bulk_create(rows) if rows else []


def _message(kind, payload, now):
    return OutboxMessage(kind=kind, payload=payload, created_at=now, next_attempt_at=now)


def send_on_commit(rows):
    """Try to send `rows` as soon as their transaction commits (what fails waits for a retry)."""
    ids = [row.pk for row in rows]
    if ids:
        transaction.on_commit(lambda: send_due(ids=ids))


# Sending -----------------------------------------------------------------------------------------


@dataclass
class SendReport:
    sent: int = 0
    failed: int = 0  # attempts that failed in this run (each message is retried later)
    waiting: int = 0  # messages not sent yet after this run, failed ones included

    def add(self, other):
        self.sent += other.sent
        self.failed += other.failed

    def summary(self):
        """One line for a command's output: sent, failed (to be retried), waiting."""
        line = f"Outbox: sent {counted(self.sent, 'message')}"
        if self.failed:
            line += (
                f"; {counted(self.failed, 'message')} failed and will be retried (the error is "
                "in the admin's outbox messages)"
            )
        return line + f"; {self.waiting:,} waiting."


def retry_delay(attempts):
    """How long a message waits after its `attempts`-th failure: doubling, capped."""
    base = max(1, int(getattr(settings, "HOLDFAST_OUTBOX_RETRY_SECONDS", 60)))
    cap = max(base, int(getattr(settings, "HOLDFAST_OUTBOX_RETRY_MAX_SECONDS", 6 * 3600)))
    return timedelta(seconds=min(cap, base * 2 ** min(max(attempts - 1, 0), 30)))


def send_due(*, now=None, limit=None, ids=None):
    """Send the outbox messages due at `now` (or just `ids`, due or not), at most `limit`.

    Rows another process is sending are skipped (SKIP LOCKED). Return a SendReport.
    """
    report = SendReport()
    pending = OutboxMessage.objects.filter(sent_at__isnull=True)
    if ids is not None:
        # The messages of one commit, sent once, right after it: a failure waits for the
        # scheduler's retry like any other.
        with transaction.atomic():
            report.add(_send_rows(_locked(pending.filter(pk__in=ids)), now or timezone.now()))
        return report
    now = now or timezone.now()
    due = pending.filter(next_attempt_at__lte=now)
    while limit is None or report.sent + report.failed < limit:
        take = CHUNK if limit is None else min(CHUNK, limit - report.sent - report.failed)
        with transaction.atomic():
            rows = _locked(due, take)
            if not rows:
                break
            # A failed row's next attempt is after `now`, so it is not taken again in this run.
            report.add(_send_rows(rows, now))
    report.waiting = pending.count()
    return report


def _locked(queryset, limit=None):
    """The rows of `queryset` no other process holds, locked, oldest due first (the index)."""
    return list(
        queryset.select_for_update(skip_locked=True).order_by("next_attempt_at", "id")[:limit]
    )


def _send_rows(rows, now):
    report = SendReport()
    if not rows:
        return report
    sent, failed = [], []
    emails = [row for row in rows if row.kind == OutboxKind.EMAIL]
    purges = [row for row in rows if row.kind == OutboxKind.CDN_PURGE]
    for row, error in [*_send_emails(emails), *((row, _purge(row)) for row in purges)]:
        (failed if error else sent).append((row, error))
    if sent:
        OutboxMessage.objects.filter(pk__in=[row.pk for row, _ in sent]).update(
            sent_at=now, attempts=F("attempts") + 1, last_error=""
        )
    for row, error in failed:
        row.attempts += 1
        row.last_error = f"{now:%Y-%m-%d %H:%M:%S} UTC, attempt {row.attempts}: {error}"[
            :ERROR_LENGTH
        ]
        row.next_attempt_at = now + retry_delay(row.attempts)
        row.save(update_fields=["attempts", "last_error", "next_attempt_at"])
        logger.warning("Outbox message %s not sent (will retry): %s", row.pk, error)
    report.sent, report.failed = len(sent), len(failed)
    return report


def _describe(error):
    return f"{type(error).__name__}: {error}"


def _send_emails(rows):
    """Yield (row, error or "") for each e-mail, over one connection to the mail server."""
    if not rows:
        return
    connection = get_connection(fail_silently=False)
    try:
        connection.open()
    except Exception as error:  # any failure to connect: every message waits for a retry
        for row in rows:
            yield row, _describe(error)
        return
    try:
        for row in rows:
            payload = row.payload
            message = EmailMessage(
                subject=payload["subject"],
                body=payload["body"],
                from_email=payload.get("from") or settings.DEFAULT_FROM_EMAIL,
                to=payload["to"],
                connection=connection,
            )
            try:
                message.send()
            except Exception as error:  # SMTP refusal, lost connection, bad address, ...
                yield row, _describe(error)
            else:
                yield row, ""
    finally:
        try:
            connection.close()
        except Exception:  # a connection that already broke has nothing left to close
            logger.debug("Closing the mail connection failed", exc_info=True)


def _purge(row):
    """POST the purge request of `row`; return "" when the CDN accepted it, else the error."""
    headers = dict(getattr(settings, "HOLDFAST_CDN_PURGE_HEADERS", {}) or {})
    timeout = float(getattr(settings, "HOLDFAST_CDN_PURGE_TIMEOUT", 10.0))
    request = urllib.request.Request(row.payload["url"], data=b"", method="POST", headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            response.read()
    except urllib.error.HTTPError as error:
        return f"HTTP {error.code} {error.reason} from {row.payload['url']}"
    except Exception as error:  # refused, timed out, DNS: the CDN is unreachable for now
        return f"{_describe(error)} ({row.payload['url']})"
    return ""
