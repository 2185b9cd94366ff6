"""A new project named like a popular one: one high-priority report for staff, a word to the
uploader, the upload kept whatever happens."""

import datetime
import logging
import re

import pytest
from django.core import mail
from django.db import DatabaseError
from django.urls import reverse

from moderation import typosquat
from moderation.models import AbuseCategory, AbuseReport, Priority
from moderation.services.staged import SCHEDULER_USERNAME, scheduler_user
from moderation.services.submissions import submit_abuse_report
from moderation.workflow import AbuseState
from registry import services
from registry.confusables import edit_distance
from registry.models import File, OutboxMessage, Project
from registry.services import RegistryError
from tests.factories import DownloadCountFactory, FileFactory, UserFactory
from tests.races import on_postgresql, race

NOW = datetime.datetime(2026, 11, 26, 10, 0, tzinfo=datetime.UTC)
DETAILS = (
    "New project reqvests is one edit away from requests, one of the 1,000 most downloaded "
    "projects: a possible typosquat. It was accepted; check it."
)


@pytest.fixture
def uploader(db):
    return UserFactory(username="newcomer", email="newcomer@example.org")


@pytest.fixture
def squat(uploader):
    return services.create_project(
        name="reqvests", owner=uploader, actor=uploader, reason="Uploaded", now=NOW
    )


def flag(project, uploader, similar_to=("requests",)):
    typosquat.on_new_project(project=project, similar_to=list(similar_to), actor=uploader, now=NOW)


def uploader_mail(uploader):
    return [m for m in OutboxMessage.objects.all() if m.payload["to"] == [uploader.email]]


def test_the_listener_files_one_high_priority_typosquatting_report_naming_both_names(
    squat, uploader
):
    flag(squat, uploader)

    report = AbuseReport.objects.get()
    assert report.project == squat
    assert report.category == AbuseCategory.TYPOSQUATTING
    assert report.priority == Priority.HIGH
    assert report.state == AbuseState.RECEIVED
    assert report.details == DETAILS
    assert report.created_at == NOW
    # Filed by the system account, with no address to write to: nobody else's report.
    assert report.requester.username == SCHEDULER_USERNAME
    assert report.requester_name == "Holdfast (automatic check)"
    assert report.requester_email == ""
    assert len(report.access_key_hash) == 64
    first = report.history.earliest("history_date")
    assert first.history_user.username == SCHEDULER_USERNAME
    assert report.history.latest("history_date").history_change_reason == typosquat.REASON


def test_the_report_names_every_similar_project_and_its_distance(squat, uploader):
    flag(squat, uploader, similar_to=["requests", "reqwests", "requests"])

    assert AbuseReport.objects.get().details == (
        "New project reqvests is one edit away from requests and one edit away from reqwests, "
        "two of the 1,000 most downloaded projects: a possible typosquat. It was accepted; "
        "check it."
    )


@pytest.mark.parametrize(
    ("name", "other", "edits"),
    [
        ("reqvests", "requests", 1),
        ("requets", "requests", 1),
        ("reqeusts", "requests", 1),  # two neighbours swapped: one edit
        ("requestss", "requests", 1),
        ("reqvest", "requests", 2),
        ("numpy", "numpy", 0),
    ],
)
def test_edit_distance(name, other, edits):
    assert edit_distance(name, other) == edits


def test_the_report_is_in_the_abuse_queue_for_support_staff(squat, uploader, support_client):
    older, _key = submit_abuse_report(
        project=squat,
        category=AbuseCategory.OTHER,
        details="Odd README.",
        now=NOW - datetime.timedelta(days=1),
    )
    flag(squat, uploader)
    report = AbuseReport.objects.get(category=AbuseCategory.TYPOSQUATTING)

    # The queue as support staff first see it: open reports, theirs or nobody's.
    page = support_client.get(reverse("admin:moderation_abusereport_changelist"), follow=True)
    assert page.status_code == 200
    # High priority: above the older report at normal priority.
    assert [case.pk for case in page.context["cl"].result_list] == [report.pk, older.pk]
    rows = re.findall(r"<tr>.*?</tr>", page.content.decode(), flags=re.DOTALL)
    (row,) = [row for row in rows if f">{report.reference}<" in row]
    assert "reqvests" in row
    assert "Typosquatting or impersonation" in row
    assert "High" in row

    detail = support_client.get(
        reverse("admin:moderation_abusereport_change", args=[report.pk])
    ).content.decode()
    assert "New project reqvests is one edit away from requests" in detail
    assert "Holdfast (automatic check)" in detail


def test_a_second_call_for_the_same_project_files_nothing(squat, uploader):
    flag(squat, uploader)
    flag(squat, uploader)
    flag(squat, uploader, similar_to=["reqwests"])

    assert AbuseReport.objects.count() == 1
    assert len(uploader_mail(uploader)) == 1


def test_a_closed_typosquatting_report_does_not_stop_a_new_flag(squat, uploader):
    flag(squat, uploader)
    closed = AbuseReport.objects.get()
    closed.closed_at = NOW
    closed.state = AbuseState.CLEARED
    closed.save(update_fields=["closed_at", "state"])

    flag(squat, uploader)

    assert AbuseReport.objects.open().count() == 1
    assert AbuseReport.objects.count() == 2


def test_an_open_report_of_another_category_does_not_stop_the_flag(squat, uploader):
    spam, _key = submit_abuse_report(
        project=squat, category=AbuseCategory.SPAM, details="Spam.", now=NOW
    )
    flag(squat, uploader)

    flagged = AbuseReport.objects.get(category=AbuseCategory.TYPOSQUATTING)
    assert flagged.pk != spam.pk
    assert flagged.details == DETAILS


def test_the_uploader_is_told_what_to_do(squat, uploader, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        flag(squat, uploader)

    (queued,) = uploader_mail(uploader)
    assert queued.payload["subject"] == "[Holdfast] Your new project reqvests looks like requests"
    (sent,) = [m for m in mail.outbox if m.to == [uploader.email]]
    assert sent.subject == queued.payload["subject"]
    assert "Your new project reqvests was published" in sent.body
    assert "requests, one of the 1,000 most downloaded projects" in sent.body
    assert "registry staff will look at it" in sent.body
    assert "If reqvests is a genuine project of its own, you need not do anything" in sent.body
    assert "If you meant to install or depend on requests, check the spelling" in sent.body
    # Nobody else is written to: the system account that filed the report has no address.
    assert [m.to for m in mail.outbox] == [[uploader.email]]


def test_an_uploader_without_an_address_still_gets_the_report_filed(squat, uploader):
    uploader.email = ""
    uploader.save(update_fields=["email"])

    flag(squat, uploader)

    assert AbuseReport.objects.count() == 1
    assert OutboxMessage.objects.count() == 0


def test_no_similar_name_files_nothing(squat, uploader):
    flag(squat, uploader, similar_to=[])

    assert AbuseReport.objects.count() == 0
    assert OutboxMessage.objects.count() == 0


@pytest.mark.parametrize(
    "error", [RegistryError("refused", code="removed"), DatabaseError("connection lost")]
)
def test_a_failure_is_logged_and_never_raised(squat, uploader, monkeypatch, caplog, error):
    def broken(**kwargs):
        raise error

    monkeypatch.setattr(typosquat, "submit_abuse_report", broken)

    with caplog.at_level(logging.ERROR, logger="moderation.typosquat"):
        flag(squat, uploader)  # does not raise

    assert "Could not flag reqvests as a possible typosquat of requests" in caplog.text
    assert str(error) in caplog.text
    assert AbuseReport.objects.count() == 0
    assert OutboxMessage.objects.count() == 0  # no word to the uploader about a flag not raised


def test_a_failure_after_filing_leaves_no_half_flag(squat, uploader, monkeypatch, caplog):
    def broken(**kwargs):
        raise DatabaseError("deadlock detected")

    monkeypatch.setattr(typosquat, "set_priority", broken)

    with caplog.at_level(logging.ERROR, logger="moderation.typosquat"):
        flag(squat, uploader)

    assert "deadlock detected" in caplog.text
    assert AbuseReport.objects.count() == 0  # the report at normal priority was rolled back


# Through the registry: an upload of a new project near a popular one ---------------------------


@pytest.fixture
def popular_requests(db):
    """`requests`, ranked first by its downloads (the ranking the scheduler keeps)."""
    maker = UserFactory(username="kenneth")
    requests = services.create_project(
        name="requests", owner=maker, actor=maker, reason="Uploaded", now=NOW
    )
    file = FileFactory(release__project=requests)
    DownloadCountFactory(file=file, day=(NOW - datetime.timedelta(days=1)).date(), count=10**6)
    services.recompute_popularity(now=NOW)
    return requests


def upload(name, uploader):
    filename = f"{name}-1.0-py3-none-any.whl"
    return services.publish_file(
        name=name,
        version="1.0",
        filename=filename,
        content=f"bytes of {filename}".encode(),
        uploader=uploader,
        now=NOW,
    )


def test_an_upload_of_a_typosquat_is_accepted_and_flagged_after_its_commit(
    popular_requests, uploader, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        file = upload("reqvests", uploader)
        # Nothing is filed inside the upload's transaction: only once it has committed.
        assert AbuseReport.objects.count() == 0

    assert callbacks  # the listener ran as an on-commit callback
    assert File.objects.filter(pk=file.pk, release__project__name="reqvests").exists()
    report = AbuseReport.objects.get()
    assert report.project == Project.objects.get(name="reqvests")
    assert report.details == DETAILS
    assert report.priority == Priority.HIGH
    assert [m.to for m in mail.outbox if "looks like requests" in m.subject] == [[uploader.email]]


def test_an_upload_of_an_unrelated_name_files_nothing(
    popular_requests, uploader, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        upload("tidyframes", uploader)

    assert AbuseReport.objects.count() == 0
    assert mail.outbox == []


def test_a_failing_flag_does_not_lose_the_upload(
    popular_requests, uploader, monkeypatch, caplog, django_capture_on_commit_callbacks
):
    def broken(**kwargs):
        raise DatabaseError("connection lost")

    monkeypatch.setattr(typosquat, "submit_abuse_report", broken)

    with (
        caplog.at_level(logging.ERROR, logger="moderation.typosquat"),
        django_capture_on_commit_callbacks(execute=True),
    ):
        file = upload("reqvests", uploader)

    assert File.objects.filter(pk=file.pk).exists()
    assert "Could not flag reqvests" in caplog.text
    assert AbuseReport.objects.count() == 0


@on_postgresql
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_calls_at_once_for_one_project_file_one_report(squat, uploader):
    scheduler_user()  # the system account exists, as after the first flag or scheduler run

    results = race(
        Project,
        squat.pk,
        lambda n: typosquat.flag_possible_typosquat(
            project=squat, similar_to=["requests"], actor=uploader, now=NOW
        ),
    )

    assert sorted(result is None for result in results) == [False, True], results
    assert AbuseReport.objects.count() == 1
    assert len(uploader_mail(uploader)) == 1
