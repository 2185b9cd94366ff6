"""Trusted reporters and quarantine on corroboration.

Trusted reporters file through the JSON API (`/api/reports/`, token authentication); their
malware reports are urgent, and when open malware reports from HOLDFAST_QUARANTINE_REPORTERS
distinct active trusted reporters stand on one project, it is quarantined as the system
account, with every report named in the reason. Lifting the quarantine or removing the project
closes every open report on it and tells each reporter.
"""

import json
from datetime import UTC, datetime, timedelta

import pytest
from django.core import mail
from django.db import connection
from django.urls import reverse

from moderation.models import AbuseReport, Priority, TrustedReporter
from moderation.services import apply_transition, submit_abuse_report
from moderation.services.staged import SCHEDULER_USERNAME, scheduler_user
from registry import services as registry
from registry import tokens
from registry.history import record
from registry.models import File, Project, ProjectStatus
from registry.paginators import timed_count_overhead
from tests.factories import UserFactory, publish
from tests.races import on_postgresql, race

NOW = datetime(2025, 6, 2, 9, 0, tzinfo=UTC)
OLD = NOW - timedelta(days=400)
URL = "/api/reports/"
EVIDENCE = "https://security.example/analysis/leftpad"


# Helpers ----------------------------------------------------------------------------------------


@pytest.fixture
def project(owner):
    owner.email = "owner@example.org"
    owner.save(update_fields=["email"])
    project = registry.create_project(
        name="leftpad", owner=owner, actor=owner, reason="New project", now=OLD
    )
    publish(project, "1.0", actor=owner, now=OLD, files=2)
    return project


def make_reporter(username, organisation, *, active=True, admin=None):
    """Return (TrustedReporter, token secret)."""
    user = UserFactory(username=username, email=f"{username}@security.example")
    reporter = TrustedReporter(user=user, organisation=organisation, active=active, added_by=admin)
    record(reporter, actor=admin, reason="Trusted security company").save()
    _token, secret = tokens.create_token(user=user, description="reports API")
    return reporter, secret


@pytest.fixture
def acme(db):
    return make_reporter("acme-bot", "Acme Security")


@pytest.fixture
def labs(db):
    return make_reporter("labs-bot", "Example Labs")


def body(**fields):
    return {
        "project": "leftpad",
        "kind": "malware",
        "evidence_url": EVIDENCE,
        "summary": "setup.py downloads and runs a binary.",
        **fields,
    }


def post(client, secret, data, *, scheme="Bearer"):
    payload = data if isinstance(data, str | bytes) else json.dumps(data)
    headers = {} if secret is None else {"HTTP_AUTHORIZATION": f"{scheme} {secret}"}
    return client.post(URL, data=payload, content_type="application/json", **headers)


def get(client, secret, url=URL):
    return client.get(url, HTTP_AUTHORIZATION=f"Bearer {secret}")


def file_report(reporter, category="malware", *, project, now=NOW):
    report, _key = submit_abuse_report(
        project=project,
        category=category,
        details=f"{category} found",
        evidence_url=EVIDENCE,
        trusted_reporter=reporter,
        now=now,
    )
    return report


def fresh(project):
    return Project.objects.get(pk=project.pk)


def installable(project):
    return File.objects.installable().filter(release__project=project).count()


# Filing through the API -------------------------------------------------------------------------


@pytest.mark.parametrize("scheme", ["Bearer", "token"])
def test_one_trusted_malware_report_is_filed_urgent_and_does_not_quarantine(
    client, project, acme, scheme, django_capture_on_commit_callbacks
):
    reporter, secret = acme
    with django_capture_on_commit_callbacks(execute=True):
        response = post(client, secret, body(version="1.0"), scheme=scheme)

    assert response.status_code == 201, response.json()
    answer = response.json()
    report = AbuseReport.objects.get()
    assert answer == {
        "id": report.pk,
        "reference": report.reference,
        "state": "received",
        "url": f"http://testserver/api/reports/{report.pk}/",
    }
    assert (report.trusted_reporter, report.requester, report.priority) == (
        reporter,
        reporter.user,
        Priority.URGENT,
    )
    assert (report.requester_name, report.evidence_url) == ("Acme Security", EVIDENCE)
    assert [str(release) for release in report.releases.all()] == ["leftpad 1.0"]
    assert fresh(project).status == ProjectStatus.ACTIVE
    assert installable(project) == 2
    assert [message.to for message in mail.outbox] == [["acme-bot@security.example"]]


def test_two_trusted_reporters_agreeing_quarantine_the_project_as_the_system(
    client, project, acme, labs, registry_admin, django_capture_on_commit_callbacks
):
    registry_admin.email = "admin@holdfast.example"
    registry_admin.save(update_fields=["email"])
    with django_capture_on_commit_callbacks(execute=True):
        first = post(client, acme[1], body()).json()
        second = post(client, labs[1], body(summary="Credential stealer in the wheel."))

    assert second.status_code == 201
    assert second.json()["state"] == "quarantined"
    project = fresh(project)
    assert project.status == ProjectStatus.QUARANTINED
    assert installable(project) == 0
    reason = (
        f"Quarantined automatically: malware reports {first['reference']} (Acme Security) and "
        f"{second.json()['reference']} (Example Labs) agree"
    )
    for report in AbuseReport.objects.all():
        assert report.state == "quarantined"
        latest = report.history.latest()
        assert (latest.history_user_username, latest.history_change_reason) == (
            SCHEDULER_USERNAME,
            reason,
        )
    latest = project.history.latest()
    assert (latest.status, latest.history_user_username) == ("quarantined", SCHEDULER_USERNAME)
    assert latest.history_change_reason == reason
    # The registry admins are told; the owners get one quarantine e-mail, not one per report.
    to_admins = [m for m in mail.outbox if m.to == ["admin@holdfast.example"]]
    assert len(to_admins) == 1
    assert "leftpad quarantined on trusted reporters' malware reports" in to_admins[0].subject
    assert "Example Labs" in to_admins[0].body
    to_owner = [m for m in mail.outbox if "owner@example.org" in m.to]
    assert len(to_owner) == 1
    assert "Quarantine the project" in to_owner[0].body


def test_a_spam_report_and_a_malware_report_do_not_quarantine(client, project, acme, labs):
    assert post(client, acme[1], body(kind="spam")).status_code == 201
    assert post(client, labs[1], body()).status_code == 201

    assert fresh(project).status == ProjectStatus.ACTIVE
    assert set(AbuseReport.objects.values_list("state", flat=True)) == {"received"}


def test_one_reporter_filing_twice_counts_once(client, project, acme):
    assert post(client, acme[1], body()).status_code == 201
    assert post(client, acme[1], body(summary="Still malware.")).status_code == 201

    assert fresh(project).status == ProjectStatus.ACTIVE


def test_an_inactive_reporters_open_report_does_not_count(project, acme, labs):
    file_report(acme[0], project=project)
    acme[0].active = False
    record(acme[0], actor=None, reason="Contract ended").save()

    file_report(labs[0], project=project, now=NOW + timedelta(hours=1))

    assert fresh(project).status == ProjectStatus.ACTIVE


def test_the_threshold_is_a_setting(settings, project, acme, labs):
    settings.HOLDFAST_QUARANTINE_REPORTERS = 3
    file_report(acme[0], project=project)
    file_report(labs[0], project=project)
    assert fresh(project).status == ProjectStatus.ACTIVE

    third, _secret = make_reporter("third-bot", "Third Party")
    file_report(third, project=project)
    assert fresh(project).status == ProjectStatus.QUARANTINED
    assert AbuseReport.objects.filter(state="quarantined").count() == 3


def test_a_public_malware_report_never_counts(project, acme):
    submit_abuse_report(project=project, category="malware", details="Malware!", now=NOW)
    file_report(acme[0], project=project)

    assert fresh(project).status == ProjectStatus.ACTIVE


def test_an_already_quarantined_project_is_left_as_it_is(project, acme, labs, registry_admin):
    registry.quarantine_project(project=project, actor=registry_admin, reason="Staff", now=NOW)
    file_report(acme[0], project=project)
    file_report(labs[0], project=project)

    assert fresh(project).status_reason == "Staff"
    assert set(AbuseReport.objects.values_list("state", flat=True)) == {"received"}


def test_the_report_stands_when_the_automatic_quarantine_cannot_run(project, acme, labs):
    scheduler_user().groups.clear()  # the system account is no longer a registry admin
    file_report(acme[0], project=project)

    report = file_report(labs[0], project=project)

    assert AbuseReport.objects.filter(pk=report.pk, state="received").exists()
    assert fresh(project).status == ProjectStatus.ACTIVE


# Who may use the API ----------------------------------------------------------------------------


def test_an_untrusted_account_is_refused_and_nothing_is_filed(client, project):
    user = UserFactory(username="someone")
    _token, secret = tokens.create_token(user=user, description="mine")

    response = post(client, secret, body())

    assert response.status_code == 403
    assert response.json()["code"] == "not_trusted"
    assert "public form at /report/" in response.json()["error"]
    assert not AbuseReport.objects.exists()
    assert get(client, secret).status_code == 403


def test_a_switched_off_reporter_is_refused(client, project):
    _reporter, secret = make_reporter("old-bot", "Old Partner", active=False)

    response = post(client, secret, body())

    assert (response.status_code, response.json()["code"]) == (403, "not_trusted")
    assert not AbuseReport.objects.exists()


@pytest.mark.parametrize("header", [None, "Basic abc", "Bearer ", "Bearer hf-not-a-token"])
def test_without_a_valid_token_the_answer_is_401(client, project, header):
    headers = {} if header is None else {"HTTP_AUTHORIZATION": header}
    response = client.post(URL, data=json.dumps(body()), content_type="application/json", **headers)

    assert response.status_code == 401
    assert response["WWW-Authenticate"].startswith("Bearer")
    assert "error" in response.json()
    assert not AbuseReport.objects.exists()


def test_token_guessing_is_throttled_even_for_a_valid_token(client, settings, project, acme):
    settings.HOLDFAST_TOKEN_ADDRESS_RATE = "2/h"
    for _ in range(2):
        assert post(client, "hf-wrong", body()).status_code == 401

    response = post(client, acme[1], body())

    assert response.status_code == 429
    assert int(response["Retry-After"]) > 0
    assert "Too many failed" in response.json()["error"]
    assert not AbuseReport.objects.exists()


def test_each_reporter_may_file_only_so_many_reports(client, settings, project, acme):
    settings.HOLDFAST_REPORTER_RATE = "1/h"
    assert post(client, acme[1], body()).status_code == 201

    response = post(client, acme[1], body(kind="spam"))

    assert response.status_code == 429
    assert int(response["Retry-After"]) > 0
    assert AbuseReport.objects.count() == 1


# Hostile input ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("payload", "status", "field"),
    [
        ("not json", 400, None),
        (b"\xff\xfe{}", 400, None),
        ("[" * 100_000 + "]" * 100_000, 400, None),
        ([1, 2], 400, None),
        (body(project="left\x00pad"), 400, "project"),
        (body(summary="nul \x00 here"), 400, "summary"),
        (body(summary="\ud800"), 400, "summary"),
        (body(kind=5), 400, "kind"),
        (body(kind="ransom"), 400, "kind"),
        (body(summary=["a"]), 400, "summary"),
        (body(summary="   "), 400, "summary"),
        (body(evidence_url="javascript:alert(1)"), 400, "evidence_url"),
        (body(evidence_url=None), 400, "evidence_url"),
        (body(version={"a": 1}), 400, "version"),
        (body(version="9.9"), 400, "version"),
        (body(filename="other.whl"), 400, "filename"),
        (body(extra="x"), 400, "extra"),
        (body(summary="x" * 30_000), 400, "summary"),
        (body(project="nothing-here"), 404, None),
    ],
)
def test_hostile_json_is_refused_with_reasons_and_files_nothing(
    client, project, acme, payload, status, field
):
    response = post(client, acme[1], payload)

    assert response.status_code == status
    answer = response.json()
    assert answer["error"]
    if field is not None:
        assert field in answer["fields"]
    assert not AbuseReport.objects.exists()


def test_only_json_is_accepted(client, project, acme):
    response = client.post(URL, data=body(), HTTP_AUTHORIZATION=f"Bearer {acme[1]}")

    assert response.status_code == 415
    assert not AbuseReport.objects.exists()


# Following one's reports ------------------------------------------------------------------------


def test_a_reporter_lists_and_reads_only_their_own_reports(
    client, project, acme, labs, django_assert_max_num_queries
):
    mine = [file_report(acme[0], category, project=project) for category in ("spam", "other")]
    theirs = file_report(labs[0], "spam", project=project)
    apply_transition(case=mine[0], name="clear", actor=scheduler_user(), reason="Not spam", now=NOW)

    with django_assert_max_num_queries(8):
        response = get(client, acme[1])

    assert response.status_code == 200
    listed = response.json()["reports"]
    assert [report["id"] for report in listed] == [mine[1].pk, mine[0].pk]
    assert listed[1]["state"] == "cleared"
    assert listed[1]["open"] is False
    assert listed[1]["outcome"]
    assert listed[0]["outcome"] is None
    detail = get(client, acme[1], f"{URL}{mine[0].pk}/")
    assert detail.json()["reference"] == mine[0].reference
    assert get(client, acme[1], f"{URL}{theirs.pk}/").status_code == 404
    assert get(client, acme[1], f"{URL}{10**30}/").status_code == 404


def test_the_list_pages_on(client, project, acme, monkeypatch):
    monkeypatch.setattr("moderation.views.api.PAGE_SIZE", 2)
    reports = [file_report(acme[0], "spam", project=project) for _ in range(3)]

    first = get(client, acme[1]).json()
    assert [r["id"] for r in first["reports"]] == [reports[2].pk, reports[1].pk]
    second = get(client, acme[1], first["next"].removeprefix("http://testserver")).json()
    assert [r["id"] for r in second["reports"]] == [reports[0].pk]
    assert second["next"] is None
    assert get(client, acme[1], f"{URL}?before=x").status_code == 400
    assert get(client, acme[1], f"{URL}?before=\u00b2").status_code == 400


# Lifting and removing close every open report ---------------------------------------------------


@pytest.fixture
def quarantined(project, acme, labs):
    """A project quarantined by two trusted reports, with a public report and a spam report
    still open on it; return the four reports."""
    public, _key = submit_abuse_report(
        project=project,
        category="other",
        details="Looks odd.",
        requester_email="public@example.org",
        now=NOW,
    )
    spam = file_report(acme[0], "spam", project=project)
    first = file_report(acme[0], project=project)
    second = file_report(labs[0], project=project)
    assert fresh(project).status == ProjectStatus.QUARANTINED
    return [public, spam, first, second]


def test_lifting_the_quarantine_closes_every_open_report_and_tells_each_reporter(
    project, quarantined, registry_admin, django_capture_on_commit_callbacks
):
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        apply_transition(
            case=quarantined[2],
            name="lift_quarantine",
            actor=registry_admin,
            reason="False positive: a documented backup feature.",
            now=NOW + timedelta(hours=2),
        )

    assert fresh(project).status == ProjectStatus.ACTIVE
    for report in AbuseReport.objects.all():
        assert (report.state, report.closed_at) == ("cleared", NOW + timedelta(hours=2))
        assert report.history.latest().history_user == registry_admin
    told = {address for message in mail.outbox for address in message.to}
    assert {"public@example.org", "acme-bot@security.example", "labs-bot@security.example"} <= told
    to_labs = [m for m in mail.outbox if m.to == ["labs-bot@security.example"]]
    assert "lifted the quarantine of leftpad" in to_labs[0].body


def test_removing_the_project_closes_every_open_report_and_tells_each_reporter(
    project, quarantined, registry_admin, django_capture_on_commit_callbacks
):
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        case = apply_transition(
            case=quarantined[3],
            name="remove",
            actor=registry_admin,
            reason="Confirmed credential stealer.",
            now=NOW + timedelta(hours=2),
        )

    assert fresh(project).is_removed
    (event,) = case.removal_events.all()
    for report in AbuseReport.objects.all():
        assert report.state == "removed"
        assert list(report.removal_events.all()) == [event]
    to_public = [m for m in mail.outbox if m.to == ["public@example.org"]]
    assert "removed the project leftpad" in to_public[0].body
    assert {"acme-bot@security.example", "labs-bot@security.example"} <= {
        address for message in mail.outbox for address in message.to
    }


def test_the_plan_says_the_other_reports_close(project, quarantined):
    from moderation import workflow
    from moderation.services import plan

    case = AbuseReport.objects.get(pk=quarantined[2].pk)
    items = plan(case, workflow.transition(case.kind, "lift_quarantine"), NOW)

    assert "Close the 3 other open reports on leftpad as cleared" in [item.label for item in items]


# The abuse queue --------------------------------------------------------------------------------


def test_the_abuse_queue_sorts_by_priority_then_age(
    support_client, project, acme, django_assert_max_num_queries
):
    public_old, _key = submit_abuse_report(
        project=project, category="malware", details="Old", now=NOW - timedelta(days=2)
    )
    spam = file_report(acme[0], "spam", project=project, now=NOW - timedelta(days=3))
    trusted_new = file_report(acme[0], project=project, now=NOW)
    trusted_old = file_report(acme[0], project=project, now=NOW - timedelta(days=1))

    # The changelist's queries do not grow with the rows (the reporter is joined).
    with django_assert_max_num_queries(12 + timed_count_overhead(connection)):
        response = support_client.get(
            reverse("admin:moderation_abusereport_changelist") + "?open=any"
        )

    assert response.status_code == 200
    order = [case.pk for case in response.context["cl"].result_list]
    assert order == [trusted_old.pk, trusted_new.pk, public_old.pk, spam.pk]
    page = response.content.decode()
    assert "Acme Security" in page
    assert "(trusted)" in page


def test_the_decision_page_shows_the_reporter(support_client, project, acme):
    report = file_report(acme[0], project=project)

    response = support_client.get(reverse("admin:moderation_abusereport_change", args=[report.pk]))

    page = response.content.decode()
    assert "Acme Security" in page
    assert EVIDENCE in page


# The trusted reporters' admin -------------------------------------------------------------------


def test_registry_admins_mark_an_account_as_a_trusted_reporter(
    registry_admin_client, registry_admin
):
    user = UserFactory(username="new-bot")
    response = registry_admin_client.post(
        reverse("admin:moderation_trustedreporter_add"),
        {
            "user": user.pk,
            "organisation": "New Labs",
            "active": "on",
            "note": "Signed the programme.",
            "change_reason": "Joined the trusted reporter programme",
        },
    )

    assert response.status_code == 302, response.content.decode()[:2000]
    reporter = TrustedReporter.objects.get()
    assert (reporter.user, reporter.added_by) == (user, registry_admin)
    latest = reporter.history.latest()
    assert latest.history_change_reason == "Joined the trusted reporter programme"


def test_support_staff_only_view_trusted_reporters(support_client, acme):
    reporter = acme[0]
    assert (
        support_client.get(reverse("admin:moderation_trustedreporter_changelist")).status_code
        == 200
    )
    assert support_client.get(reverse("admin:moderation_trustedreporter_add")).status_code == 403
    response = support_client.post(
        reverse("admin:moderation_trustedreporter_change", args=[reporter.pk]),
        {"organisation": "Hijacked", "change_reason": "x"},
    )
    assert response.status_code == 403
    reporter.refresh_from_db()
    assert reporter.organisation == "Acme Security"


# Two reports at once (PostgreSQL) ---------------------------------------------------------------


@on_postgresql
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_trusted_reports_arriving_at_once_quarantine_once(project, acme, labs):
    scheduler_user()  # created before the race, as the first run of the scheduler would
    reporters = [acme[0], labs[0]]

    results = race(
        Project,
        project.pk,
        lambda n: file_report(reporters[n], project=project, now=NOW + timedelta(seconds=n)),
    )

    assert all(isinstance(result, AbuseReport) for result in results), results
    project = fresh(project)
    assert project.status == ProjectStatus.QUARANTINED
    quarantines = [row for row in project.history.all() if row.status == "quarantined"]
    assert len(quarantines) == 1
    assert set(AbuseReport.objects.values_list("state", flat=True)) == {"quarantined"}
