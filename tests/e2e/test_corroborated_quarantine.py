"""Quarantine on corroboration as real clients see it: two trusted reporters POST malware
reports to the live server's /api/reports/ (plain HTTP, as a security company's scanner would),
pip can no longer install the project, and once an admin lifts the quarantine pip installs it
again."""

import json
import urllib.error
import urllib.request

import pytest

from moderation.models import AbuseReport, TrustedReporter
from moderation.services import apply_transition
from registry import tokens
from registry.distributions import build_wheel
from registry.history import record
from registry.models import Project, ProjectStatus
from tests.e2e.clients import assert_ok
from tests.factories import UserFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def trusted_reporter(username, organisation, admin):
    user = UserFactory(username=username)
    reporter = TrustedReporter(user=user, organisation=organisation, added_by=admin)
    record(reporter, actor=admin, reason="Trusted security company").save()
    _token, secret = tokens.create_token(user=user, description="reports API")
    return secret


def post_report(server_url, secret, body):
    request = urllib.request.Request(
        f"{server_url}/api/reports/",
        data=json.dumps(body).encode(),
        headers={"Authorization": f"Bearer {secret}", "Content-Type": "application/json"},
        method="POST",
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, json.load(response)
    except urllib.error.HTTPError as error:
        return error.code, json.load(error)


def test_two_trusted_reporters_quarantine_a_project_until_an_admin_lifts_it(
    live_server, upload, install, registry_admin
):
    assert_ok(upload(build_wheel("leftpad", "1.0")))
    result, versions = install("leftpad")
    assert_ok(result)
    assert versions == ["1.0"]

    acme = trusted_reporter("acme-bot", "Acme Security", registry_admin)
    labs = trusted_reporter("labs-bot", "Example Labs", registry_admin)
    report = {
        "project": "leftpad",
        "version": "1.0",
        "kind": "malware",
        "evidence_url": "https://security.example/leftpad-1.0",
        "summary": "The wheel's __init__ sends ~/.ssh to a remote host.",
    }

    status, first = post_report(live_server.url, acme, report)
    assert (status, first["state"]) == (201, "received")
    result, versions = install("leftpad")
    assert versions == ["1.0"]  # one reporter alone does not quarantine

    status, second = post_report(live_server.url, labs, report)
    assert (status, second["state"]) == (201, "quarantined")
    project = Project.objects.get(normalized_name="leftpad")
    assert project.status == ProjectStatus.QUARANTINED
    result, versions = install("leftpad")
    assert result.returncode != 0
    assert versions == []

    case = AbuseReport.objects.get(pk=first["id"])
    apply_transition(
        case=case,
        name="lift_quarantine",
        actor=registry_admin,
        reason="The reported code is a documented backup feature.",
    )

    assert set(AbuseReport.objects.values_list("state", flat=True)) == {"cleared"}
    result, versions = install("leftpad")
    assert_ok(result)
    assert versions == ["1.0"]
