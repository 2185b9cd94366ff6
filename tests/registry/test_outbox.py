"""The outbox: e-mails and CDN purges queued with the change, sent later, retried, never lost.

A mail server that fails is a test backend (below) that raises `smtplib.SMTPException`; a CDN
is a local HTTP server thread that records the purge requests it gets and answers as told.
"""

import smtplib
import threading
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from io import StringIO

import pytest
from django.core import mail
from django.core.mail.backends import locmem
from django.core.management import call_command
from django.db import connection, transaction
from django.utils import timezone

from registry import cdn, outbox, services
from registry.models import OutboxKind, OutboxMessage, RemovalCategory
from tests.factories import publish
from tests.races import on_postgresql

pytestmark = pytest.mark.django_db

FAILING = "tests.registry.test_outbox.FailingBackend"


class FailingBackend(locmem.EmailBackend):
    """A mail server that refuses the next `FailingBackend.refusals` messages, then takes all."""

    refusals = 0
    refuse_connection = False

    def open(self):
        if FailingBackend.refuse_connection:
            raise ConnectionRefusedError(111, "Connection refused")
        return super().open()

    def send_messages(self, messages):
        if FailingBackend.refusals > 0:
            FailingBackend.refusals -= 1
            raise smtplib.SMTPException("451 4.3.0 Mail server temporarily unavailable")
        return super().send_messages(messages)


@pytest.fixture
def failing_mail(settings):
    settings.EMAIL_BACKEND = FAILING
    FailingBackend.refusals = 1
    FailingBackend.refuse_connection = False
    yield FailingBackend
    FailingBackend.refusals = 0
    FailingBackend.refuse_connection = False


@pytest.fixture
def now():
    return timezone.now()


def queue(n, now):
    return outbox.enqueue_emails(
        [(f"subject {i}", f"body {i}", None, [f"person-{i}@example.org"]) for i in range(n)],
        now=now,
    )


def test_a_queued_email_is_sent_once_and_marked_sent(now):
    (row,) = queue(1, now)

    report = outbox.send_due(now=now)

    assert (report.sent, report.failed, report.waiting) == (1, 0, 0)
    [message] = mail.outbox
    assert (message.subject, message.body, message.to) == (
        "subject 0",
        "body 0",
        ["person-0@example.org"],
    )
    assert message.from_email == "holdfast@localhost"
    row.refresh_from_db()
    assert (row.sent_at, row.attempts, row.last_error) == (now, 1, "")
    assert outbox.send_due(now=now + timedelta(hours=1)).sent == 0
    assert len(mail.outbox) == 1


def test_a_message_to_nobody_is_not_queued(now):
    assert outbox.enqueue_emails([("s", "b", None, ["", None])], now=now) == []
    assert outbox.enqueue_email(subject="s", body="b", to=[]) is None
    assert not OutboxMessage.objects.exists()


def test_a_message_not_yet_due_waits(now):
    queue(1, now + timedelta(minutes=5))

    report = outbox.send_due(now=now)

    assert (report.sent, report.waiting) == (0, 1)
    assert mail.outbox == []


def test_limit_sends_at_most_that_many_oldest_first(now):
    queue(5, now)

    report = outbox.send_due(now=now, limit=2)

    assert (report.sent, report.waiting) == (2, 3)
    assert [m.subject for m in mail.outbox] == ["subject 0", "subject 1"]


def test_an_smtp_failure_delays_the_message_and_the_run_goes_on(failing_mail, now, settings):
    settings.HOLDFAST_OUTBOX_RETRY_SECONDS = 60
    first, _second = queue(2, now)

    report = outbox.send_due(now=now)

    # The first was refused, the second still went out in the same run.
    assert (report.sent, report.failed, report.waiting) == (1, 1, 1)
    assert [m.subject for m in mail.outbox] == ["subject 1"]
    first.refresh_from_db()
    assert first.sent_at is None
    assert first.attempts == 1
    assert "SMTPException: 451 4.3.0 Mail server temporarily unavailable" in first.last_error
    assert "attempt 1" in first.last_error
    assert first.next_attempt_at == now + timedelta(seconds=60)

    # Not retried before its time; retried (and sent) after.
    assert outbox.send_due(now=now + timedelta(seconds=59)).sent == 0
    report = outbox.send_due(now=now + timedelta(seconds=60))
    assert (report.sent, report.failed, report.waiting) == (1, 0, 0)
    first.refresh_from_db()
    assert (first.sent_at, first.attempts, first.last_error) == (now + timedelta(seconds=60), 2, "")
    assert sorted(m.subject for m in mail.outbox) == ["subject 0", "subject 1"]


def test_a_mail_server_that_refuses_connections_loses_nothing(failing_mail, now):
    failing_mail.refuse_connection = True
    failing_mail.refusals = 0
    rows = queue(3, now)

    report = outbox.send_due(now=now)

    assert (report.sent, report.failed, report.waiting) == (0, 3, 3)
    assert mail.outbox == []
    for row in rows:
        row.refresh_from_db()
        assert "ConnectionRefusedError" in row.last_error

    failing_mail.refuse_connection = False
    assert outbox.send_due(now=now + timedelta(days=1)).sent == 3


def test_the_retry_delay_doubles_up_to_its_cap_and_stays_there(settings):
    settings.HOLDFAST_OUTBOX_RETRY_SECONDS = 60
    settings.HOLDFAST_OUTBOX_RETRY_MAX_SECONDS = 3600

    delays = [outbox.retry_delay(attempts).total_seconds() for attempts in range(1, 10)]

    assert delays == [60, 120, 240, 480, 960, 1920, 3600, 3600, 3600]
    assert outbox.retry_delay(10_000) == timedelta(hours=1)


def test_a_message_that_keeps_failing_keeps_being_retried_at_the_cap(failing_mail, now, settings):
    settings.HOLDFAST_OUTBOX_RETRY_SECONDS = 60
    settings.HOLDFAST_OUTBOX_RETRY_MAX_SECONDS = 600
    failing_mail.refusals = 10
    (row,) = queue(1, now)

    when = now
    for _ in range(10):
        outbox.send_due(now=when)
        row.refresh_from_db()
        when = row.next_attempt_at

    assert row.attempts == 10
    assert row.sent_at is None
    assert "attempt 10" in row.last_error
    assert outbox.send_due(now=when).sent == 1


def test_send_outbox_command_says_what_it_sent_and_what_waits(failing_mail, now):
    queue(2, now)

    out = StringIO()
    call_command("send_outbox", stdout=out)

    assert out.getvalue().strip() == (
        "Outbox: sent 1 message; 1 message failed and will be retried (the error is in the "
        "admin's outbox messages); 1 waiting."
    )


def test_nothing_is_queued_when_the_transaction_rolls_back(now):
    with pytest.raises(RuntimeError), transaction.atomic():
        queue(1, now)
        raise RuntimeError

    assert not OutboxMessage.objects.exists()


# CDN purges --------------------------------------------------------------------------------------


class CDN:
    """A local HTTP server that records the purge requests it gets and answers with `status`."""

    def __init__(self):
        self.requests = []
        self.statuses = []
        cdn_server = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                cdn_server.requests.append((self.path, self.headers.get("Fastly-Key")))
                status = cdn_server.statuses.pop(0) if cdn_server.statuses else 200
                self.send_response(status)
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"ok")

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def paths(self):
        return sorted(path for path, _key in self.requests)

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def cdn_server(settings):
    server = CDN()
    settings.HOLDFAST_CDN_PURGE_URL = f"http://127.0.0.1:{server.port}/purge/{{key}}"
    settings.HOLDFAST_CDN_PURGE_HEADERS = {"Fastly-Key": "secret-token"}
    settings.HOLDFAST_CDN_PURGE_TIMEOUT = 5
    yield server
    server.close()


@pytest.fixture
def project(owner):
    project = services.create_project(name="leftpad", owner=owner, actor=owner, reason="t")
    publish(project, "1.0", actor=owner, now=timezone.now())
    return project


def purges():
    return sorted(
        key
        for payload in OutboxMessage.objects.filter(kind=OutboxKind.CDN_PURGE).values_list(
            "payload", flat=True
        )
        for key in payload["keys"]
    )


def test_a_project_removal_purges_its_key_and_the_index(
    cdn_server, project, registry_admin, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        services.remove_project(
            project=project,
            actor=registry_admin,
            reason="Malware",
            category=RemovalCategory.SECURITY,
        )

    assert purges() == sorted([cdn.INDEX_KEY, cdn.project_key("leftpad")])
    # Sent right after the commit, with the configured header.
    assert cdn_server.paths() == sorted(["/purge/project%2Fleftpad", f"/purge/{cdn.INDEX_KEY}"])
    assert {key for _path, key in cdn_server.requests} == {"secret-token"}
    assert not OutboxMessage.objects.filter(sent_at__isnull=True).exists()


def test_a_release_removal_quarantine_and_restore_purge_the_project(
    cdn_server, project, registry_admin
):
    release = project.releases.get()

    event = services.remove_release(
        release=release,
        actor=registry_admin,
        reason="Leaked key",
        category=RemovalCategory.SECURITY,
    )
    assert purges() == [cdn.project_key("leftpad")]
    services.restore_removal(event=event, actor=registry_admin, reason="Fixed")
    services.quarantine_project(project=project, actor=registry_admin, reason="Looking")

    assert purges() == [cdn.project_key("leftpad")] * 3


def test_a_yank_or_upload_purges_nothing(cdn_server, project, owner):
    services.yank_release(release=project.releases.get(), actor=owner, reason="broken")
    publish(project, "2.0", actor=owner, now=timezone.now())

    assert purges() == []


def test_nothing_is_queued_without_a_purge_url(settings, project, registry_admin):
    settings.HOLDFAST_CDN_PURGE_URL = ""

    services.quarantine_project(project=project, actor=registry_admin, reason="Looking")

    assert not OutboxMessage.objects.exists()


def test_a_failing_cdn_is_retried_later(cdn_server, project, registry_admin, now, settings):
    settings.HOLDFAST_OUTBOX_RETRY_SECONDS = 30
    cdn_server.statuses = [500]
    services.quarantine_project(project=project, actor=registry_admin, reason="Looking")
    (row,) = OutboxMessage.objects.filter(kind=OutboxKind.CDN_PURGE)

    report = outbox.send_due(now=now + timedelta(seconds=1))

    assert (report.sent, report.failed) == (0, 1)
    row.refresh_from_db()
    assert "HTTP 500" in row.last_error
    assert row.sent_at is None

    report = outbox.send_due(now=row.next_attempt_at)

    assert report.sent == 1
    assert cdn_server.paths() == ["/purge/project%2Fleftpad"] * 2


def test_an_unreachable_cdn_is_retried_later(settings, project, registry_admin, now):
    with socket_without_server() as port:
        settings.HOLDFAST_CDN_PURGE_URL = f"http://127.0.0.1:{port}/purge/{{key}}"
        services.quarantine_project(project=project, actor=registry_admin, reason="Looking")

        report = outbox.send_due(now=now + timedelta(seconds=1))

    assert (report.sent, report.failed, report.waiting) == (0, 1, 1)
    row = OutboxMessage.objects.get()
    assert "Connection refused" in row.last_error or "URLError" in row.last_error


class socket_without_server:
    """A local port nothing listens on (bound, never listening: connections are refused)."""

    def __enter__(self):
        import socket

        self.socket = socket.socket()
        self.socket.bind(("127.0.0.1", 0))
        return self.socket.getsockname()[1]

    def __exit__(self, *exc):
        self.socket.close()


# Several senders at once (PostgreSQL) ------------------------------------------------------------


@on_postgresql
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_message_another_sender_holds_is_skipped_not_sent_twice(now):
    held, free = queue(2, now)
    locked = threading.Event()
    release = threading.Event()

    def other_sender():
        try:
            with transaction.atomic():
                OutboxMessage.objects.select_for_update().get(pk=held.pk)
                locked.set()
                release.wait(10)
        finally:
            connection.close()

    thread = threading.Thread(target=other_sender)
    thread.start()
    assert locked.wait(10)
    try:
        report = outbox.send_due(now=now)
    finally:
        release.set()
        thread.join(10)

    assert (report.sent, report.failed, report.waiting) == (1, 0, 1)
    assert [m.subject for m in mail.outbox] == ["subject 1"]
    held.refresh_from_db()
    free.refresh_from_db()
    assert held.sent_at is None and held.attempts == 0
    assert free.sent_at == now
