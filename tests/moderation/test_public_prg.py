"""Issue #12, public side: private links that work in browsers, POST/redirect/GET on the public
forms, possible duplicates flagged to staff, and the requester's case page."""

import re

import pytest
from django.test import Client
from django.urls import reverse

from moderation import services, views
from moderation.models import AbuseReport, DeletionException, LegalTakedown, Message, MessageKind
from moderation.workflow import OPEN_STATES, REQUEST_KINDS, TakedownState
from tests.factories import ProjectFactory
from tests.moderation.test_public import (
    copyright_notice,
    file_notice,
    form_clock,  # noqa: F401 (autouse: a fresh cache and a pinned limiter clock)
    project,  # noqa: F401 (as `demo`)
    report,
    takedown_url,
    url,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo(request):
    """Demo_Pkg of test_public, with its releases and files."""
    return request.getfixturevalue("project")


SITE = "http://testserver"  # what a browser sends as Origin for this site's pages
RECEIVED = re.compile(r"^/requests/([A-Za-z0-9_-]{40,})/received/$")


def csrf_client():
    return Client(enforce_csrf_checks=True)


def token_of(client, page_url):
    """GET the page as a browser does and return the CSRF token its form carries."""
    response = client.get(page_url)
    assert response.status_code == 200
    return client.cookies["csrftoken"].value


# Private pages in browsers ------------------------------------------------------------------------


def test_private_pages_keep_the_link_on_this_site_yet_let_browsers_send_their_origin(demo):
    _takedown, key = file_notice(demo)
    for page_url in (
        url("follow", key=key),
        url("follow-received", key=key),
        url("follow-act", key=key, transition="retract"),
    ):
        response = Client().get(page_url)
        # same-origin: no Referer to other sites; a real (non-null) Origin on our own forms.
        assert response["Referrer-Policy"] == "same-origin"
        assert "no-store" in response["Cache-Control"]
        assert response["X-Robots-Tag"] == "noindex, nofollow"


def test_a_reply_posted_with_the_browsers_origin_passes_the_csrf_check(demo, support_user):
    takedown, key = file_notice(demo)
    services.apply_transition(
        case=takedown, name="request_info", actor=support_user, reason="Which file?"
    )
    client = csrf_client()
    token = token_of(client, url("follow", key=key))

    response = client.post(
        url("follow-reply", key=key),
        {"body": "chapter3.txt", "website": "", "csrfmiddlewaretoken": token},
        HTTP_ORIGIN=SITE,
    )

    assert response.status_code == 302
    takedown.refresh_from_db()
    assert takedown.state == TakedownState.RECEIVED
    assert Message.objects.filter(takedown=takedown, kind=MessageKind.FROM_REQUESTER).exists()


@pytest.mark.parametrize(
    ("origin", "status", "state"),
    [
        (SITE, 302, TakedownState.RETRACTED),  # what browsers send under `same-origin`
        ("null", 403, TakedownState.RECEIVED),  # what `no-referrer` made them send (the bug)
    ],
)
def test_a_retraction_passes_the_csrf_check_with_the_browsers_origin(demo, origin, status, state):
    takedown, key = file_notice(demo)
    act_url = url("follow-act", key=key, transition="retract")
    client = csrf_client()
    token = token_of(client, act_url)

    response = client.post(
        act_url, {"reason": "Settled.", "csrfmiddlewaretoken": token}, HTTP_ORIGIN=origin
    )

    assert response.status_code == status
    takedown.refresh_from_db()
    assert takedown.state == state


# POST/redirect/GET --------------------------------------------------------------------------------

OTHER_KIND_FIELDS = {
    "trademark": {"work_description": "The mark PADS", "legal_basis": "EUTM 0001", "details": "x"},
    "privacy": {
        "work_description": "My home address",
        "details": "I am the person.",
        "legal_basis": "GDPR Art. 17",
    },
    "other_legal": {"legal_basis": "Court order 12/2026", "details": "Remove the project."},
}


def filed_location(response):
    assert response.status_code == 303
    match = RECEIVED.match(response["Location"])
    assert match, response["Location"]
    return match.group(1)


def assert_received_page_is_harmless(client, key, model):
    received = url("follow-received", key=key)
    for _refresh in range(3):
        response = client.get(received)
        assert response.status_code == 200
        text = response.content.decode()
        case = model.objects.get()
        assert f"Received: {case.reference}" in text
        assert reverse("moderation:follow", kwargs={"key": key}) in text
        assert response["Referrer-Policy"] == "same-origin"
    assert model.objects.count() == 1
    assert services.case_for_key(key) == model.objects.get()


def test_a_copyright_notice_redirects_to_its_received_page(client, demo):
    response = client.post(takedown_url("copyright"), copyright_notice(demo))
    key = filed_location(response)
    assert_received_page_is_harmless(client, key, LegalTakedown)


@pytest.mark.parametrize("kind", sorted(OTHER_KIND_FIELDS))
def test_every_kind_of_notice_redirects_to_its_received_page(client, demo, kind):
    data = {
        "project": "Demo_Pkg",
        "requester_name": "Bea Rights",
        "requester_email": "bea@rights.example",
        "good_faith": "on",
        "signature": "Bea Rights",
        "material_location": "The whole project.",
        "website": "",
        **OTHER_KIND_FIELDS[kind],
    }
    response = client.post(takedown_url(kind), data)
    if response.status_code != 303:  # show the form's errors, not just a status
        pytest.fail(re.sub(r"\s+", " ", response.content.decode())[-3000:])
    key = filed_location(response)
    assert_received_page_is_harmless(client, key, LegalTakedown)


def test_an_abuse_report_redirects_to_its_received_page(client, demo):
    key = filed_location(client.post(url("report-new"), report()))
    assert_received_page_is_harmless(client, key, AbuseReport)


def test_a_received_page_with_an_unknown_key_is_a_plain_404(client, demo):
    response = client.get(url("follow-received", key="x" * 43))
    assert response.status_code == 404
    assert "No request has this link" in response.content.decode()


# Possible duplicates ------------------------------------------------------------------------------


def test_a_notice_sent_twice_is_filed_again_but_flagged_as_a_possible_duplicate(client, demo):
    client.post(takedown_url("copyright"), copyright_notice(demo))
    client.post(takedown_url("copyright"), copyright_notice(demo, details="Sent again."))

    first, second = LegalTakedown.objects.order_by("pk")
    assert first.possible_duplicate_of is None
    assert second.possible_duplicate_of == first
    latest = second.history.latest()
    assert latest.possible_duplicate_of_id == first.pk
    assert latest.history_change_reason == (
        f"Notice received; it may repeat {first.reference} (the same requester email), still open"
    )


def test_the_same_text_from_another_person_is_a_possible_duplicate(demo):
    first, _ = services.submit_abuse_report(
        project=demo, category="malware", details="setup.py  runs a Binary.", requester_email=""
    )
    second, _ = services.submit_abuse_report(
        project=demo, category="malware", details="Setup.py runs a binary.\n", requester_email=""
    )
    assert second.possible_duplicate_of == first
    assert "(the same what is wrong)" in second.history.latest().history_change_reason


@pytest.mark.parametrize(
    "change",
    [
        {"category": "spam"},  # another kind of report
        {"details": "Something else entirely.", "requester_email": "other@example.org"},
        {"closed": True},  # the earlier one is closed
        {"project": "other"},
    ],
)
def test_what_is_not_a_duplicate(demo, change):
    first, _ = services.submit_abuse_report(
        project=demo, category="malware", details="Runs a binary.", requester_email="a@example.org"
    )
    if change.pop("closed", False):
        AbuseReport.objects.filter(pk=first.pk).update(closed_at=first.created_at)
    if change.pop("project", None):
        change["project"] = ProjectFactory(name="other-pkg")
    data = {
        "project": demo,
        "category": "malware",
        "details": "Runs a binary.",
        "requester_email": "a@example.org",
        **change,
    }
    second, _ = services.submit_abuse_report(**data)
    assert second.possible_duplicate_of is None
    assert "may repeat" not in second.history.latest().history_change_reason


def test_a_duplicate_links_the_earliest_open_request(demo):
    cases = [
        services.submit_abuse_report(
            project=demo, category="spam", details=f"Spam {n}.", requester_email="a@example.org"
        )[0]
        for n in range(3)
    ]
    assert [case.possible_duplicate_of for case in cases] == [None, cases[0], cases[0]]


# The requester's case page ------------------------------------------------------------------------


def plain(response):
    """The page's text as a person reads it: tags gone, spaces collapsed."""
    return " ".join(re.sub(r"<[^>]+>", " ", response.content.decode()).split())


def step_items(response):
    """[(label, status)] of the step indicator."""
    html = response.content.decode()
    return [
        (label, status)
        for status, label in re.findall(
            r'class="step step-(\w+)"[^>]*>\s*<span class="step-label">([^<]+)</span>', html
        )
    ]


def test_every_open_state_of_every_request_queue_is_in_one_step():
    for kind in REQUEST_KINDS:
        stages = [states for _label, states in views.requests.STAGES[kind]]
        assert set().union(*stages) == OPEN_STATES[kind]
        assert sum(len(states) for states in stages) == len(OPEN_STATES[kind])


def test_a_new_notice_shows_its_steps_and_no_answer_before_a_question(client, demo):
    _takedown, key = file_notice(demo)
    response = client.get(url("follow", key=key))
    assert step_items(response) == [
        ("Received", "current"),
        ("Accepted", "future"),
        ("Content disabled", "future"),
        ("Decided", "future"),
    ]
    assert 'aria-current="step"' in response.content.decode()
    text = plain(response)
    assert "Received Received" not in text
    assert "Your answer" not in text
    assert "Write to the registry staff Your message" in text


def test_a_question_from_staff_asks_for_your_answer(client, demo, support_user):
    takedown, key = file_notice(demo)
    services.apply_transition(case=takedown, name="request_info", actor=support_user, reason="?")
    response = client.get(url("follow", key=key))
    assert step_items(response)[0] == ("Received", "current")
    assert '<span class="step-detail">Needs info</span>' in response.content.decode()
    assert "Answer the registry staff" in plain(response)
    assert "Your answer" in plain(response)


def test_a_rejected_notice_shows_the_steps_it_went_through(client, demo, support_user):
    takedown, key = file_notice(demo)
    services.apply_transition(case=takedown, name="reject", actor=support_user, reason="No.")
    assert step_items(client.get(url("follow", key=key))) == [
        ("Received", "done"),
        ("Rejected", "current"),
    ]


def test_an_abuse_report_shows_its_steps(client, demo, support_user):
    report_case, key = services.submit_abuse_report(
        project=demo, category="spam", details="Spam.", requester_email="x@example.org"
    )
    services.apply_transition(case=report_case, name="triage", actor=support_user, reason="Yes")
    assert step_items(client.get(url("follow", key=key))) == [
        ("Received", "done"),
        ("Triaged", "current"),
        ("Quarantined", "future"),
        ("Decided", "future"),
    ]


def test_an_exception_page_says_submitted_once_with_plurals_and_grouped_numbers(
    client, demo, owner
):
    exception = services.submit_exception(
        project=demo,
        category="leaked_secret",
        details="Leaked token.",
        actor=owner,
        releases=[demo.releases.get(version="1.0.0")],
    )
    key, digest = services.new_access_key()
    DeletionException.objects.filter(pk=exception.pk).update(
        access_key_hash=digest, impact={**exception.impact, "downloads_total": 63000}
    )
    response = client.get(url("follow", key=key))
    text = plain(response)
    assert step_items(response) == [
        ("Submitted", "current"),
        ("Under review", "future"),
        ("Decided", "future"),
    ]
    assert "Submitted Submitted" not in text
    assert "Submitted: waiting for support staff" in text
    assert "Downloads in total: 63,000" in text
    assert "Release: 1.0.0" in text
