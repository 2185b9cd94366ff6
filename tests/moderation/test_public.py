"""The public moderation pages and the maintainers' exception requests (issue #5).

Legal notices and abuse reports are posted as anonymous visitors; the private link comes back
on the page and by email. Emails are sent on commit, so posts that should send one run inside
`django_capture_on_commit_callbacks(execute=True)`. The rate limit's clock is pinned one minute
into an hour (`form_clock`), so "try again in 59 minutes" is exact, and moving it on an hour
opens the next window without sleeping.
"""

import re
from datetime import timedelta
from html import escape

import pytest
from django.core import mail
from django.core.cache import cache
from django.db import connection
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from moderation import services, views
from moderation.models import (
    AbuseReport,
    DeletionException,
    ExceptionCategory,
    LegalTakedown,
    Message,
    MessageKind,
    TakedownKind,
)
from moderation.views import throttle
from moderation.workflow import AbuseState, ExceptionState, TakedownState
from registry.facts import Decider
from registry.models import RoleName
from registry.policy import Action
from registry.policy.wording import rule_in_words
from tests.factories import (
    DependencyFactory,
    DownloadCountFactory,
    FileFactory,
    ProjectFactory,
    ReleaseFactory,
    RemovalEventFactory,
    RoleFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

DAY = timedelta(days=1)
HOUR_START = 1_800_000_000  # a whole hour (and day) in Unix time
CLAIMANT = "ada@claimant.example"
SPAMMER = "203.0.113.9"
KEY_IN_PAGE = re.compile(r"/requests/([A-Za-z0-9_-]{40,})/")


@pytest.fixture(autouse=True)
def form_clock(settings, monkeypatch):
    """A fresh local-memory cache, a 5-an-hour limit, and the limiter's clock pinned."""
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": "moderation-public-tests",
        }
    }
    settings.HOLDFAST_PUBLIC_FORM_RATE = "5/h"
    settings.HOLDFAST_TRUSTED_PROXY_COUNT = 0
    settings.HOLDFAST_MODERATION_EMAIL = "legal@registry.example"
    clock = {"now": HOUR_START + 60}
    monkeypatch.setattr(throttle, "clock", lambda: clock["now"])
    cache.clear()
    yield clock
    cache.clear()


@pytest.fixture
def project(owner, maintainer):
    """Demo_Pkg (demo-pkg), 30 days old, with 1.0.0 (two wheels) and 2.0.0 (one wheel)."""
    now = timezone.now()
    project = ProjectFactory(name="Demo_Pkg", created_at=now - 30 * DAY)
    RoleFactory(project=project, user=owner, role=RoleName.OWNER)
    RoleFactory(project=project, user=maintainer, role=RoleName.MAINTAINER)
    first = ReleaseFactory(project=project, version="1.0.0", created_at=now - 20 * DAY)
    FileFactory.create_batch(2, release=first, uploaded_at=now - 20 * DAY)
    second = ReleaseFactory(project=project, version="2.0.0", created_at=now - 10 * DAY)
    FileFactory(release=second, uploaded_at=now - 10 * DAY)
    return project


def first_file(project):
    return project.releases.get(version="1.0.0").files.order_by("filename").first()


def page(response):
    return response.content.decode()


def url(view, **kwargs):
    return reverse(f"moderation:{view}", kwargs=kwargs)


def takedown_url(kind):
    return url("takedown-new", kind=kind.replace("_", "-"))


def copyright_notice(demo, **changes):
    """A complete DMCA notice about 1.0.0 of `demo` and one of its files; `None` omits a field."""
    data = {
        "project": "demo.pkg",
        "versions": "1.0",
        "filenames": first_file(demo).filename,
        "requester_name": "Ada Claimant",
        "organisation": "Claimant Press",
        "requester_email": CLAIMANT,
        "postal_address": "1 Example Street\nSpringfield",
        "phone": "+1 555 0100",
        "work_description": "The book Tiny Pads, chapter 3 (ISBN 978-0-000-00000-0)",
        "material_location": "demo_pkg/data/chapter3.txt in the 1.0.0 wheels",
        "details": "",
        "good_faith": "on",
        "accurate_under_perjury": "on",
        "signature": "Ada Claimant",
        "website": "",
    }
    data.update(changes)
    return {name: value for name, value in data.items() if value is not None}


def report(**changes):
    data = {
        "project": "Demo_Pkg",
        "category": "malware",
        "details": "setup.py downloads and runs a binary from a paste site.",
        "evidence": "sha256 0123abcd",
        "requester_email": "finder@example.org",
        "website": "",
    }
    data.update(changes)
    return data


# Legal notices: the copyright (DMCA) form ---------------------------------------------------------


def test_legal_page_explains_each_kind_and_links_its_form(client):
    response = client.get(url("legal"))
    assert response.status_code == 200
    for kind in TakedownKind:
        assert takedown_url(kind.value) in page(response)
        assert escape(kind.label) in page(response)
    assert "17 U.S.C. § 512(c)(3)" in page(response)


def test_copyright_notice_is_filed_and_the_private_link_shown_and_emailed(
    client, project, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(takedown_url("copyright"), copyright_notice(project), follow=True)

    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    takedown = LegalTakedown.objects.get()
    assert takedown.takedown_kind == TakedownKind.COPYRIGHT
    assert takedown.project == project
    assert takedown.state == TakedownState.RECEIVED
    assert [r.version for r in takedown.releases.all()] == ["1.0.0"]
    assert list(takedown.files.all()) == [first_file(project)]
    assert (takedown.requester_name, takedown.requester_email) == ("Ada Claimant", CLAIMANT)
    assert takedown.organisation == "Claimant Press"
    assert takedown.signature == "Ada Claimant"
    assert takedown.phone == "+1 555 0100"
    assert takedown.postal_address == "1 Example Street\nSpringfield"
    assert takedown.work_description.startswith("The book Tiny Pads")
    assert takedown.material_location == "demo_pkg/data/chapter3.txt in the 1.0.0 wheels"
    assert takedown.good_faith and takedown.accurate_under_perjury
    assert takedown.requester is None

    key = KEY_IN_PAGE.search(page(response)).group(1)
    assert services.case_for_key(key) == takedown
    [email] = mail.outbox
    assert email.to == [CLAIMANT]
    assert url("follow", key=key) in email.body


def test_the_copyright_form_shows_all_six_elements(client):
    response = client.get(takedown_url("copyright"))
    assert response.status_code == 200
    text = page(response)
    for name in (
        "signature",
        "work_description",
        "material_location",
        "postal_address",
        "phone",
        "requester_email",
        "good_faith",
        "accurate_under_perjury",
    ):
        assert f'name="{name}"' in text
    assert "under penalty of perjury" in text
    assert "Leave this empty" in text


LABELS = dict(services.DMCA_ELEMENTS)


@pytest.mark.parametrize(
    ("element", "changes"),
    [
        ("signature", {"signature": ""}),
        ("work_description", {"work_description": "   "}),
        ("material_location", {"material_location": ""}),
        ("contact", {"phone": ""}),
        ("contact", {"postal_address": ""}),
        ("good_faith", {"good_faith": None}),
        ("accurate_under_perjury", {"accurate_under_perjury": None}),
    ],
)
def test_a_dmca_notice_missing_one_element_is_refused_naming_it(
    client, project, element, changes, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(takedown_url("copyright"), copyright_notice(project, **changes))

    assert response.status_code == 200
    label = LABELS[element]
    assert f"Missing: {escape(label)}." in page(response)
    summary = " ".join(response.context["form"].non_field_errors())
    others = [other for name, other in services.DMCA_ELEMENTS if name != element]
    assert not [other for other in others if other in summary]
    assert not LegalTakedown.objects.exists()
    assert mail.outbox == []


def test_a_dmca_notice_without_email_names_the_contact_element(client, project):
    response = client.post(takedown_url("copyright"), copyright_notice(project, requester_email=""))
    assert response.status_code == 200
    assert escape(LABELS["contact"]) in page(response)
    assert "Give your email address" in page(response)
    assert not LegalTakedown.objects.exists()


# Legal notices: the other kinds -------------------------------------------------------------------

OTHER_KINDS = {
    "trademark": {
        "work_description": "TINYPAD",
        "legal_basis": "USPTO 1234567, United States",
        "details": "The project's name and logo copy our product's.",
    },
    "privacy": {
        "work_description": "My home address and phone number",
        "material_location": "tests/fixtures/users.csv, line 12",
        "details": "I am the person concerned.",
        "legal_basis": "GDPR Art. 17",
    },
    "other_legal": {
        "legal_basis": "Order of the Springfield District Court, case 24-1234",
        "details": "The court ordered the export-controlled code removed.",
    },
}


def other_notice(kind, **changes):
    data = {
        "project": "DEMO-pkg",
        "requester_name": "Bea Rights",
        "requester_email": "bea@rights.example",
        "good_faith": "on",
        "website": "",
        **OTHER_KINDS[kind],
    }
    data.update(changes)
    return {name: value for name, value in data.items() if value is not None}


@pytest.mark.parametrize("kind", sorted(OTHER_KINDS))
def test_other_legal_notices_are_filed_with_what_their_kind_needs(
    client, project, kind, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            takedown_url(kind), other_notice(kind, versions="2.0.0"), follow=True
        )

    assert response.status_code == 200
    takedown = LegalTakedown.objects.get()
    assert takedown.takedown_kind == kind
    assert takedown.project == project
    for field, value in OTHER_KINDS[kind].items():
        assert getattr(takedown, field) == value
    assert takedown.good_faith
    if "material_location" not in OTHER_KINDS[kind]:
        assert takedown.material_location == "Project Demo_Pkg; releases 2.0.0."
    [email] = mail.outbox
    key = KEY_IN_PAGE.search(page(response)).group(1)
    assert email.to == ["bea@rights.example"]
    assert url("follow", key=key) in email.body


@pytest.mark.parametrize(
    ("kind", "field", "label"),
    [
        ("trademark", "work_description", "The mark"),
        ("trademark", "legal_basis", "Registration number and jurisdiction"),
        ("trademark", "details", "How the project infringes the mark"),
        ("privacy", "work_description", "What personal data"),
        ("privacy", "material_location", "Where it is"),
        ("privacy", "details", "Your relation to the person"),
        ("privacy", "legal_basis", "Legal basis"),
        ("other_legal", "legal_basis", "Legal basis or court order"),
        ("other_legal", "details", "Details"),
        ("other_legal", "good_faith", None),
    ],
)
def test_other_kinds_refuse_a_notice_without_a_required_field(client, project, kind, field, label):
    response = client.post(takedown_url(kind), other_notice(kind, **{field: None}))
    assert response.status_code == 200
    assert field in response.context["form"].errors
    if label:
        assert f"Fill in “{label}”" in page(response)
    assert not LegalTakedown.objects.exists()


def test_an_unknown_kind_of_notice_is_a_plain_404(client):
    response = client.get(url("takedown-new", kind="patent"))
    assert response.status_code == 404
    assert "no such kind of legal notice" in page(response)


# Bad input never 500s -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("changes", "error"),
    [
        ({"project": "no-such-pkg"}, "There is no project named “no-such-pkg” on this index"),
        ({"project": "not a name!"}, "is not a project name"),
        ({"project": ""}, "Name the project"),
        ({"versions": "1.0 9.9 not-a-version"}, "Demo_Pkg has no live release 9.9, not-a-version."),
        ({"filenames": "nope-1.0.tar.gz"}, "Demo_Pkg has no live file named nope-1.0.tar.gz."),
        ({"requester_email": "ada at claimant"}, "This is not a valid email address"),
        (
            {"details": "x" * 10_001},
            "at most 10000 characters, and it has 10001",
        ),
        ({"signature": "A" * 201}, "at most 200 characters, and it has 201"),
    ],
)
def test_bad_input_is_a_form_error_and_nothing_is_filed(client, project, changes, error):
    response = client.post(takedown_url("copyright"), copyright_notice(project, **changes))
    assert response.status_code == 200
    assert escape(error) in page(response)
    assert not LegalTakedown.objects.exists()


def test_a_removed_project_cannot_be_named(client, project):
    removed = ProjectFactory(
        name="gone-pkg", removed_at=timezone.now(), removal_event=RemovalEventFactory()
    )
    for target, data in (
        (takedown_url("copyright"), copyright_notice(project, project=removed.name, versions="")),
        (url("report-new"), report(project=removed.name)),
    ):
        response = client.post(target, {**data, "filenames": ""})
        assert response.status_code == 200
        assert "gone-pkg has already been removed from the index" in page(response)
    assert not LegalTakedown.objects.exists()
    assert not AbuseReport.objects.exists()


def test_a_file_of_another_project_is_refused(client, project):
    stranger = FileFactory()
    response = client.post(
        takedown_url("copyright"), copyright_notice(project, filenames=stranger.filename)
    )
    assert response.status_code == 200
    assert f"Demo_Pkg has no live file named {stranger.filename}." in page(response)


# Spam protection ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("target", "data"),
    [("takedown", "copyright"), ("report", "report")],
)
def test_a_filled_honeypot_is_refused_and_nothing_is_created(
    client, project, target, data, django_capture_on_commit_callbacks
):
    posted = copyright_notice(project) if data == "copyright" else report()
    posted["website"] = "http://cheap-pills.example"
    target_url = takedown_url("copyright") if target == "takedown" else url("report-new")
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(target_url, posted)

    assert response.status_code == 400
    assert "it catches spam robots. Nothing was sent." in page(response)
    assert not LegalTakedown.objects.exists()
    assert not AbuseReport.objects.exists()
    assert mail.outbox == []


def test_a_spammed_form_is_throttled_with_a_clear_message(client, project, form_clock):
    for _ in range(5):
        assert client.post(url("report-new"), report(), REMOTE_ADDR=SPAMMER).status_code == 303

    response = client.post(url("report-new"), report(details="Sixth"), REMOTE_ADDR=SPAMMER)

    assert response.status_code == 429
    assert response["Retry-After"] == str(3600 - 60)
    text = page(response)
    assert "Too many submissions from your address" in text
    assert "this form accepts 5 submissions an hour from one address" in text
    assert "Try again in 59 minutes" in text
    assert "email legal@registry.example instead" in text
    assert "Sixth" in text  # what they typed is still on the page
    assert AbuseReport.objects.count() == 5

    # Another address, and another form from the same address, still work.
    assert client.post(url("report-new"), report(), REMOTE_ADDR="198.51.100.7").status_code == 303
    notice = copyright_notice(project)
    assert client.post(takedown_url("copyright"), notice, REMOTE_ADDR=SPAMMER).status_code == 303
    # The next hour opens a new window.
    form_clock["now"] += 3600
    assert client.post(url("report-new"), report(), REMOTE_ADDR=SPAMMER).status_code == 303
    assert AbuseReport.objects.count() == 7


def test_invalid_posts_count_against_the_limit_too(client, project):
    for _ in range(5):
        response = client.post(url("report-new"), report(project="no-such-pkg"))
        assert response.status_code == 200
    assert client.post(url("report-new"), report()).status_code == 429
    assert not AbuseReport.objects.exists()


def test_forwarded_for_is_ignored_unless_proxies_are_trusted(client, project, settings):
    for index in range(5):
        forwarded = {"HTTP_X_FORWARDED_FOR": f"192.0.2.{index}"}
        response = client.post(url("report-new"), report(), REMOTE_ADDR=SPAMMER, **forwarded)
        assert response.status_code == 303
    response = client.post(
        url("report-new"), report(), REMOTE_ADDR=SPAMMER, HTTP_X_FORWARDED_FOR="192.0.2.99"
    )
    assert response.status_code == 429


@pytest.mark.parametrize(
    ("proxies", "remote", "forwarded", "counted_as"),
    [
        (0, "203.0.113.9", "192.0.2.1", "203.0.113.9"),
        (1, "10.0.0.1", "192.0.2.1, 198.51.100.7", "198.51.100.7"),  # the left one is spoofable
        (2, "10.0.0.1", "192.0.2.1, 198.51.100.7, 10.0.0.2", "198.51.100.7"),
        (1, "10.0.0.1", "", "10.0.0.1"),
        (0, "2001:db8:1:2:3:4:5:6", "", "2001:db8:1:2::/64"),
        (0, "::ffff:203.0.113.9", "", "203.0.113.9"),
    ],
)
def test_the_client_address_counted(settings, proxies, remote, forwarded, counted_as):
    settings.HOLDFAST_TRUSTED_PROXY_COUNT = proxies
    request = RequestFactory().post("/report/", REMOTE_ADDR=remote)
    if forwarded:
        request.META["HTTP_X_FORWARDED_FOR"] = forwarded
    assert views.client_address(request) == counted_as


@pytest.mark.parametrize(
    ("setting", "rate"),
    [("5/h", (5, 3600)), ("20/10m", (20, 600)), ("1/d", (1, 86400)), ((3, 60), (3, 60))],
)
def test_rate_settings(setting, rate):
    parsed = views.parse_rate(setting)
    assert (parsed.count, parsed.seconds) == rate


# Abuse reports ------------------------------------------------------------------------------------


def test_an_abuse_report_is_filed_without_an_account(
    client, project, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url("report-new"), report(versions="2.0.0"), follow=True)

    assert response.status_code == 200
    case = AbuseReport.objects.get()
    assert (case.project, case.category, case.state) == (project, "malware", AbuseState.RECEIVED)
    assert case.details.startswith("setup.py downloads")
    assert case.evidence == "sha256 0123abcd"
    assert [r.version for r in case.releases.all()] == ["2.0.0"]
    assert case.requester is None
    key = KEY_IN_PAGE.search(page(response)).group(1)
    [email] = mail.outbox
    assert email.to == ["finder@example.org"]
    assert url("follow", key=key) in email.body


def test_a_logged_in_reporter_is_prefilled_and_recorded(client, other_user, project):
    client.force_login(other_user)
    response = client.get(url("report-new") + "?project=Demo_Pkg")
    assert f'value="{other_user.email}"' in page(response)
    assert 'value="Demo_Pkg"' in page(response)

    response = client.post(url("report-new"), report(requester_email=other_user.email))
    assert response.status_code == 303
    assert AbuseReport.objects.get().requester == other_user


def test_an_abuse_report_needs_a_category_and_details(client, project):
    response = client.post(url("report-new"), report(category="", details=""))
    assert response.status_code == 200
    assert "Choose what kind of abuse this is." in page(response)
    assert "Say what is wrong with the project." in page(response)
    assert not AbuseReport.objects.exists()


def test_a_report_without_email_sends_no_email(client, project, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url("report-new"), report(requester_email=""), follow=True)
    assert response.status_code == 200
    assert "You gave no email address" in page(response)
    assert mail.outbox == []


# Following a request by its private link ----------------------------------------------------------


def file_notice(project, **data):
    return services.submit_takedown(
        project=project,
        takedown_kind="copyright",
        data={
            "requester_name": "Ada Claimant",
            "requester_email": CLAIMANT,
            "postal_address": "1 Example Street",
            "phone": "+1 555 0100",
            "signature": "Ada Claimant",
            "work_description": "Tiny Pads",
            "material_location": "chapter3.txt",
            "good_faith": True,
            "accurate_under_perjury": True,
            **data,
        },
    )


def test_the_follow_page_shows_state_and_messages_but_never_staff_notes(
    client, project, support_user
):
    takedown, key = file_notice(project)
    services.message_requester(
        case=takedown, body="Which file exactly, please?", actor=support_user
    )
    services.add_note(case=takedown, body="INTERNAL: claimant looks legitimate", actor=support_user)

    response = client.get(url("follow", key=key))

    assert response.status_code == 200
    text = page(response)
    assert "Received: support staff will check that the notice is complete" in text
    assert "What happens next" in text
    assert "Which file exactly, please?" in text
    assert "INTERNAL" not in text
    assert f"<strong>{support_user.get_username()}</strong>" not in text
    assert "<strong>Registry staff</strong> wrote" in text
    assert "Retract the notice" in text
    assert "no-store" in response["Cache-Control"]
    assert response["Referrer-Policy"] == "same-origin"


def test_answering_needs_information_sends_the_notice_back_to_the_queue(
    client, project, support_user, django_capture_on_commit_callbacks
):
    takedown, key = file_notice(project)
    services.apply_transition(
        case=takedown,
        name="request_info",
        actor=support_user,
        reason="Name the exact file, please.",
    )
    response = client.get(url("follow", key=key))
    assert "Waiting for your answer" in page(response)
    assert "Name the exact file, please." in page(response)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            url("follow-reply", key=key), {"body": "demo_pkg/data/chapter3.txt", "website": ""}
        )

    assert response.status_code == 302
    assert response["Location"] == url("follow", key=key)
    takedown.refresh_from_db()
    assert takedown.state == TakedownState.RECEIVED
    answer = Message.objects.get(takedown=takedown, kind=MessageKind.FROM_REQUESTER)
    assert answer.body == "demo_pkg/data/chapter3.txt"
    followed = client.get(url("follow", key=key))
    assert "Your answer was sent" in page(followed)
    assert "demo_pkg/data/chapter3.txt" in page(followed)


def test_an_empty_or_spam_reply_is_refused(client, project):
    _takedown, key = file_notice(project)
    response = client.post(url("follow-reply", key=key), {"body": "  ", "website": ""})
    assert response.status_code == 200
    assert "Write your answer." in page(response)
    response = client.post(url("follow-reply", key=key), {"body": "Hi", "website": "x"})
    assert response.status_code == 400
    assert not Message.objects.exists()


def test_replies_are_throttled_per_address(client, project):
    takedown, key = file_notice(project)
    for index in range(5):
        response = client.post(url("follow-reply", key=key), {"body": f"Note {index}"})
        assert response.status_code == 302
    response = client.post(url("follow-reply", key=key), {"body": "One more"})
    assert response.status_code == 429
    assert "Too many submissions from your address" in page(response)
    assert "One more" in page(response)
    assert Message.objects.filter(takedown=takedown).count() == 5


def test_a_closed_request_takes_no_reply(client, project, support_user):
    takedown, key = file_notice(project)
    services.apply_transition(
        case=takedown, name="reject", actor=support_user, reason="Not a copy."
    )
    response = client.get(url("follow", key=key))
    assert "Closed: the notice was rejected" in page(response)
    assert "Not a copy." in page(response)
    assert url("follow-reply", key=key) not in page(response)

    response = client.post(url("follow-reply", key=key), {"body": "But it is!"})
    assert response.status_code == 400
    assert "This request is closed" in page(response)


def test_the_claimant_retracts_a_notice_after_confirming(
    client, project, django_capture_on_commit_callbacks
):
    takedown, key = file_notice(project)
    act_url = url("follow-act", key=key, transition="retract")
    assert act_url in page(client.get(url("follow", key=key)))

    confirm = client.get(act_url)
    assert confirm.status_code == 200
    assert "This closes the request." in page(confirm)
    # In the requester's words, not the staff's ("The claimant withdraws the notice.").
    assert "Closed: the notice was retracted." in page(confirm)
    assert "The claimant" not in page(confirm)
    refused = client.post(act_url, {"reason": ""})
    assert refused.status_code == 200
    assert "Say why" in page(refused)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(act_url, {"reason": "We settled with the authors."})

    assert response.status_code == 302
    takedown.refresh_from_db()
    assert takedown.state == TakedownState.RETRACTED
    assert takedown.closed_at is not None
    latest = takedown.history.latest()
    assert latest.history_change_reason == "We settled with the authors."
    assert latest.history_user is None
    assert [email.to for email in mail.outbox] == [[CLAIMANT]]
    # Said in words where it stands, on the page and in the email; no "Done: retract".
    followed = client.get(response["Location"])
    assert "Closed: the notice was retracted." in page(followed)
    assert "Done:" not in page(followed)
    assert "Closed: the notice was retracted." in mail.outbox[0].body
    assert " is now " not in mail.outbox[0].body

    again = client.get(act_url)
    assert again.status_code == 409
    assert "no longer possible" in page(again)
    assert act_url not in page(client.get(url("follow", key=key)))


def test_requests_without_requester_actions_have_no_buttons(client, project):
    case, key = services.submit_abuse_report(
        project=project, category="spam", details="Spam.", requester_email="x@example.org"
    )
    assert "Change your mind?" not in page(client.get(url("follow", key=key)))
    for name in ("retract", "provide_info", "approve"):
        assert client.get(url("follow-act", key=key, transition=name)).status_code == 404
    assert client.post(url("follow-act", key=key, transition="retract")).status_code == 404
    case.refresh_from_db()
    assert case.state == AbuseState.RECEIVED


@pytest.mark.parametrize("key", ["x" * 43, "nope", "A" * 500])
def test_an_unknown_key_is_a_plain_404(client, project, key):
    file_notice(project)
    response = client.get(url("follow", key=key))
    assert response.status_code == 404
    assert "No request has this link" in page(response)
    assert client.post(url("follow-reply", key=key), {"body": "hi"}).status_code == 404
    assert client.get(url("follow-act", key=key, transition="retract")).status_code == 404


def test_the_follow_page_query_count_does_not_grow_with_messages(client, project):
    def queries(count):
        takedown, key = file_notice(project)
        Message.objects.bulk_create(
            Message(takedown=takedown, kind=MessageKind.TO_REQUESTER, body=f"Message {n}")
            for n in range(count)
        )
        with CaptureQueriesContext(connection) as captured:
            response = client.get(url("follow", key=key))
        assert page(response).count("Registry staff") == count
        return len(captured)

    assert queries(5) == queries(50)


# Deletion exceptions, filed by maintainers --------------------------------------------------------


@pytest.fixture
def locked(project, owner):
    """Demo_Pkg with deletions locked (files are refused), one dependent and some downloads."""
    project.deletion_locked = True
    project.deletion_locked_at = timezone.now() - DAY
    project.deletion_locked_by = owner
    project.save()
    dependent = ReleaseFactory(project=ProjectFactory(name="user-app"), version="3.0")
    DependencyFactory(release=dependent, name="demo-pkg")
    today = timezone.now().date()
    DownloadCountFactory(file=first_file(project), day=today - 2 * DAY, count=4321)
    DownloadCountFactory(file=first_file(project), day=today - 100 * DAY, count=10000)
    return project


def exception_url(project, **query):
    path = url("exception-new", name=project.normalized_name)
    if query:
        path += "?" + "&".join(f"{name}={value}" for name, value in query.items())
    return path


def test_the_project_page_links_refusals_to_the_exception_form(client, owner, locked):
    client.force_login(owner)
    response = client.get(reverse("registry:project", kwargs={"name": "demo-pkg"}))
    assert escape(exception_url(locked)) in page(response)


def test_the_exception_form_shows_the_refusal_and_the_impact_before_submitting(
    client, owner, locked
):
    file = first_file(locked)
    client.force_login(owner)
    redirected = client.get(
        url("exception-new", name="Demo_Pkg") + f"?release=1.0.0&file={file.filename}"
    )
    assert redirected.status_code == 302
    assert redirected["Location"] == exception_url(locked, release="1.0.0", file=file.filename)

    response = client.get(redirected["Location"])

    assert response.status_code == 200
    decision = Decider(locked, owner, now=timezone.now()).decide(Action.DELETE_FILE, file=file)
    assert not decision.allowed
    text = page(response)
    # The rule in words; its id only in small print, never inside the sentence.
    words = escape(rule_in_words(decision.rule))
    assert f"Rule: {words[:1].upper()}{words[1:]}." in text
    assert f"Rule: {decision.rule}" not in text
    assert f">{decision.rule}</code>" in text
    assert escape(decision.explanation) in text
    assert file.filename in text
    assert "Projects that depend on it: <strong>1</strong>" in text
    assert "Downloads in the last 7 days: <strong>4,321</strong>" in text
    assert "Downloads in total: <strong>14,321</strong>" in text
    assert f'name="file" value="{file.filename}"' in text
    for category in ExceptionCategory:
        assert escape(category.label) in text
    assert not DeletionException.objects.exists()


def test_a_maintainer_files_an_exception_and_is_emailed_a_link(
    client, maintainer, locked, django_capture_on_commit_callbacks
):
    file = first_file(locked)
    client.force_login(maintainer)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            exception_url(locked),
            {
                "category": ExceptionCategory.LEAKED_SECRET,
                "details": "An AWS key is in the wheel's config.py.",
                "release": "1.0.0",
                "file": file.filename,
            },
        )

    case = DeletionException.objects.get()
    assert response.status_code == 302
    assert response["Location"] == url("my-request", pk=case.pk)
    assert case.state == ExceptionState.SUBMITTED
    assert case.requester == maintainer
    assert case.category == ExceptionCategory.LEAKED_SECRET
    assert case.details == "An AWS key is in the wheel's config.py."
    assert list(case.files.all()) == [file]
    assert not case.releases.exists()
    assert case.refused_rule
    assert case.impact["downloads_last_7_days"] == 4321
    [email] = mail.outbox
    assert email.to == [maintainer.email]
    assert "/requests/" in email.body

    followed = client.get(response["Location"])
    assert "Request E-" in page(followed)
    assert "Submitted: waiting for support staff" in page(followed)


def test_an_exception_for_a_release_or_the_whole_project(client, owner, locked):
    client.force_login(owner)
    data = {"category": ExceptionCategory.STORAGE_CLEANUP, "details": "Old nightlies."}
    client.post(exception_url(locked), {**data, "release": "2.0.0"})
    client.post(exception_url(locked), data)
    by_release, whole = DeletionException.objects.order_by("pk")
    assert [r.version for r in by_release.releases.all()] == ["2.0.0"]
    assert not by_release.files.exists()
    assert not whole.releases.exists() and not whole.files.exists()
    assert whole.refused_rule  # a 30-day-old project with version 1.0.0 is not deletable


def test_the_exception_form_requires_a_reason_and_details(client, owner, locked):
    client.force_login(owner)
    response = client.post(exception_url(locked), {"category": "", "details": ""})
    assert response.status_code == 200
    assert "Choose the reason for the removal." in page(response)
    assert "Explain why the removal is needed." in page(response)
    assert not DeletionException.objects.exists()


@pytest.mark.parametrize(
    ("query", "error"),
    [
        ({"release": "9.9"}, "Demo_Pkg has no live release 9.9."),
        ({"file": "nope.whl"}, "Demo_Pkg has no live file named nope.whl."),
    ],
)
def test_an_exception_for_something_that_does_not_exist_is_a_404(
    client, owner, locked, query, error
):
    client.force_login(owner)
    response = client.get(exception_url(locked, **query))
    assert response.status_code == 404
    assert error in page(response)
    response = client.post(exception_url(locked), {**query, "category": "other", "details": "x"})
    assert response.status_code == 404
    assert not DeletionException.objects.exists()


@pytest.mark.parametrize(
    "path",
    [
        "/manage/demo-pkg/exception/?file=%00",
        "/manage/demo-pkg/exception/?release=%00",
        "/manage/demo%00pkg/exception/",
        "/manage/not a name/exception/",
    ],
)
def test_garbage_in_the_exception_address_is_a_404_not_a_500(client, owner, locked, path):
    client.force_login(owner)
    assert client.get(path).status_code == 404


def test_garbage_in_a_public_form_is_a_form_error(client, project):
    notice = copyright_notice(project, filenames="a\x00b", project="demo\x00pkg")
    response = client.post(takedown_url("copyright"), notice)
    assert response.status_code == 200
    assert set(response.context["form"].errors) >= {"project", "filenames"}


@pytest.mark.parametrize("who", ["other_user", "support_user", "registry_admin"])
def test_only_owners_and_maintainers_may_ask_for_an_exception(client, locked, request, who):
    client.force_login(request.getfixturevalue(who))
    response = client.get(exception_url(locked))
    assert response.status_code == 403
    assert "Only the owners and maintainers of Demo_Pkg" in page(response)
    response = client.post(exception_url(locked), {"category": "other", "details": "Please."})
    assert response.status_code == 403
    assert not DeletionException.objects.exists()


def test_the_exception_form_needs_a_login(client, locked):
    response = client.get(exception_url(locked))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_no_exception_for_a_removed_project(client, owner):
    removed = ProjectFactory(
        name="gone-pkg", removed_at=timezone.now(), removal_event=RemovalEventFactory()
    )
    RoleFactory(project=removed, user=owner, role=RoleName.OWNER)
    client.force_login(owner)
    assert client.get(exception_url(removed)).status_code == 404


# The maintainer's requests ------------------------------------------------------------------------


def ask(project, actor, details="Leaked token."):
    return services.submit_exception(
        project=project, category=ExceptionCategory.LEAKED_SECRET, details=details, actor=actor
    )


def test_your_requests_lists_only_your_own(client, owner, maintainer, locked):
    mine = ask(locked, owner, "Mine")
    theirs = ask(locked, maintainer, "Theirs")
    client.force_login(owner)
    response = client.get(url("my-requests"))
    assert response.status_code == 200
    assert url("my-request", pk=mine.pk) in page(response)
    assert url("my-request", pk=theirs.pk) not in page(response)
    assert "Submitted" in page(response)
    assert client.get(url("my-request", pk=theirs.pk)).status_code == 404


def test_the_requester_withdraws_from_the_account_page(client, owner, locked, support_user):
    case = ask(locked, owner)
    services.message_requester(case=case, body="Can you rotate the key first?", actor=support_user)
    services.add_note(case=case, body="INTERNAL only", actor=support_user)
    client.force_login(owner)
    detail = client.get(url("my-request", pk=case.pk))
    assert "Can you rotate the key first?" in page(detail)
    assert "INTERNAL" not in page(detail)
    act_url = url("my-request-act", pk=case.pk, transition="withdraw")
    assert act_url in page(detail)

    response = client.post(act_url, {"reason": "Rotated the key; a yank is enough."})

    assert response.status_code == 302
    case.refresh_from_db()
    assert case.state == ExceptionState.WITHDRAWN
    assert case.history.latest().history_user == owner
    client.force_login(UserFactory(username="stranger"))
    assert client.post(act_url, {"reason": "Hijack"}).status_code == 404


def test_the_requester_withdraws_by_the_emailed_link(
    client, owner, locked, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        case = ask(locked, owner)
    key = KEY_IN_PAGE.search(mail.outbox[0].body).group(1)
    act_url = url("follow-act", key=key, transition="withdraw")
    assert act_url in page(client.get(url("follow", key=key)))

    response = client.post(act_url, {"reason": "Not needed any more."})

    assert response.status_code == 302
    case.refresh_from_db()
    assert case.state == ExceptionState.WITHDRAWN


def test_your_requests_query_count_does_not_grow_with_requests(client, locked):
    file = first_file(locked)

    def queries(count):
        requester = UserFactory()
        RoleFactory(project=locked, user=requester, role=RoleName.MAINTAINER)
        for n in range(count):
            case = DeletionException.objects.create(
                project=locked,
                category=ExceptionCategory.OTHER,
                details=f"Request {n}",
                requester=requester,
                access_key_hash=services.new_access_key()[1],
                due_at=timezone.now(),
            )
            case.files.add(file)
        client.force_login(requester)
        with CaptureQueriesContext(connection) as captured:
            response = client.get(url("my-requests"))
        assert page(response).count(file.filename) == count
        return len(captured)

    assert queries(5) == queries(50)
