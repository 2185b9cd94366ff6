"""Issue #15, the pages: asking for a project's name (PEP 541) with the facts prefilled, the
request's page under "Your requests", an owner's one-click "keep my project" (private link or
signed in), the notices on the project's page, and "Your requests"."""

import html
import re
from datetime import timedelta

import pytest
from django.contrib.auth.models import AnonymousUser
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from moderation import services
from moderation.forms import TEXT_MAX
from moderation.models import Message, MessageKind, NameRequest, NameRequestContact
from moderation.notices import project_notices
from moderation.services import names
from moderation.workflow import NameRequestState
from registry import services as registry
from registry.models import OutboxMessage, RoleName
from tests.factories import UserFactory, publish

pytestmark = pytest.mark.django_db

SITE = "http://testserver"  # what a browser sends as Origin for this site's pages
OWNER_LINK = re.compile(r"/names/owner/([A-Za-z0-9_-]{20,})/")

CLAIM = {
    "ground": "abandoned",
    "intent": "maintain",
    "details": "I wrote to the owner on 2026-01-05 and opened issue #12; no answer. My fork: "
    "https://example.org/fork",
    "looked_for_another_name": "on",
}


@pytest.fixture
def now():
    return timezone.now()


@pytest.fixture
def old(owner, now):
    """Old_Pkg: registered three years ago, last release two years ago, one silent owner."""
    long_ago = now - timedelta(days=3 * 365)
    project = registry.create_project(
        name="Old_Pkg", owner=owner, actor=owner, reason="t", now=long_ago
    )
    publish(project, "1.0", actor=owner, now=now - timedelta(days=2 * 365))
    return project


@pytest.fixture
def rhea(db):
    return UserFactory(username="rhea", first_name="Rhea", last_name="Requester")


@pytest.fixture
def rhea_client(client, rhea):
    client.force_login(rhea)
    return client


def text(response):
    """The page's text as a person reads it: tags gone, spaces collapsed."""
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", response.content.decode())).split())


def request_url(name="old-pkg"):
    return reverse("moderation:name-request", kwargs={"name": name})


def file_claim(project, requester, **changes):
    case, key = names.submit_name_request(
        project=project,
        requester=requester,
        ground=changes.get("ground", "abandoned"),
        intent=changes.get("intent", "maintain"),
        details=changes.get("details", CLAIM["details"]),
        looked_for_another_name=True,
    )
    return case, key


def contact_owners(case, support_user):
    """Support staff contact the owners; return the one-click key of the e-mail to the owner."""
    services.apply_transition(
        case=case, name="contact_owners", actor=support_user, reason="The claim holds"
    )
    bodies = [
        row.payload["body"]
        for row in OutboxMessage.objects.order_by("pk")
        if OWNER_LINK.search(row.payload.get("body", ""))
    ]
    assert bodies, "the owners' e-mail carries the one-click link"
    return OWNER_LINK.search(bodies[-1]).group(1)


# Asking for a name -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "path",
    ["/names/request/", "/names/old-pkg/request/", "/account/name-requests/1/"],
)
def test_asking_or_answering_signed_in_needs_a_sign_in(client, old, path):
    response = client.get(path)
    assert response.status_code == 302
    assert response["Location"] == f"/accounts/login/?next={path}"


def test_the_start_page_leads_to_the_projects_request_page_by_any_spelling(rhea_client, old):
    start = rhea_client.get("/names/request/")
    assert start.status_code == 200
    assert "Ask for a project's name" in text(start)
    assert "A reachable owner's wish always wins" in text(start)

    response = rhea_client.get("/names/request/", {"name": "OLD.pkg"})

    assert response.status_code == 302
    assert response["Location"] == "/names/old-pkg/request/"
    assert rhea_client.get("/names/Old_Pkg/request/")["Location"] == "/names/old-pkg/request/"


def test_an_unknown_name_is_not_found_and_says_it_can_simply_be_uploaded(rhea_client, old):
    for response in (
        rhea_client.get("/names/request/", {"name": "nobody-has-it"}),
        rhea_client.get("/names/nobody-has-it/request/"),
    ):
        assert response.status_code == 404
        assert "No project is registered under the name “nobody-has-it”" in text(response)
        assert "upload a project under it to register it" in text(response)
    invalid = rhea_client.get("/names/request/", {"name": "not a name!"})
    assert invalid.status_code == 400
    assert "is not a project name" in text(invalid)


def test_a_confusable_copy_of_a_name_is_refused_on_the_form_naming_the_real_one(rhea_client, old):
    for response in (
        rhea_client.get("/names/request/", {"name": "o1d_pkg"}),
        rhea_client.get("/names/o1d-pkg/request/"),
    ):
        assert response.status_code == 404
        page = text(response)
        assert "and none can be" in page
        assert "If it is the name Old_Pkg you want, ask for that one." in page
        assert "upload a project under it" not in page


def test_the_form_shows_the_facts_read_only_the_rules_and_the_cautions(rhea_client, old, now):
    response = rhea_client.get(request_url())

    assert response.status_code == 200
    page = text(response)
    facts = dict(names.name_facts(old, now=now).rows())
    for label in ("Project", "Status", "Releases", "Last release", "Downloads"):
        assert f"{label} {facts[label]}" in page
    assert "owner (owner) never signed in; last upload" in page
    assert "Projects that depend on it none" in page
    assert "Name reservation none" in page
    # The facts are shown, not fields: only the claim's fields can be typed in.
    markup = response.content.decode()
    assert set(re.findall(r'name="(\w+)"', markup)) >= {"ground", "intent", "details"}
    assert 'name="facts' not in markup
    assert "no release for 12 months" in page  # PEP 541's rules in words
    assert "A reachable owner's wish always wins" in page
    assert "I looked for another name" in page
    # Cautions: the owner's activity is none, but reusing the name would leave old releases.
    assert "If you would reuse the name for a different project" in page
    assert "1 release stays with the name" in page


def test_a_removed_and_reserved_name_may_be_asked_for(rhea_client, old, registry_admin):
    registry.remove_project(
        project=old, actor=registry_admin, reason="Done with it", category="admin"
    )
    response = rhea_client.get(request_url())
    assert response.status_code == 200
    assert "removed on" in text(response)


def post_claim(client, **changes):
    return client.post(request_url(), {**CLAIM, **changes})


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"looked_for_another_name": ""}, "Confirm that you looked for another name"),
        ({"details": "   "}, "Explain your claim"),
        ({"ground": "grudge"}, "Choose one of the PEP 541 grounds listed"),
        ({"intent": ""}, "Say whether you will maintain the existing project or replace it"),
        ({"details": "NUL \x00 byte"}, "control character"),
        ({"details": "x" * (TEXT_MAX + 1)}, "This is too long: at most 10000 characters"),
        ({"ground": "abandoned\x00"}, "Choose one of the PEP 541 grounds listed"),
        # The service's PEP 541 rules, before anything is filed.
        ({"ground": "squatting"}, "it has functionality, so PEP 541 does not treat it as name"),
    ],
)
def test_each_refusal_is_a_form_error_keeping_what_was_typed_and_files_nothing(
    rhea_client, old, changes, message
):
    response = post_claim(rhea_client, **changes)

    assert response.status_code == 400
    assert message in text(response)
    assert "Nothing was sent yet" in text(response)
    assert NameRequest.objects.count() == 0
    if "details" not in changes:
        assert "opened issue #12" in response.content.decode()  # what was typed is kept


def test_a_recent_release_refuses_an_abandoned_claim_with_the_rule(rhea_client, old, owner, now):
    publish(old, "2.0", actor=owner, now=now - timedelta(days=10))
    response = post_claim(rhea_client)
    assert response.status_code == 400
    assert "PEP 541 treats a project with a release in the last 12 months as active" in text(
        response
    )
    assert NameRequest.objects.count() == 0


def test_an_owner_asking_for_their_own_name_is_told_to_use_the_roles_page(client, old, owner):
    client.force_login(owner)
    response = post_claim(client)
    assert response.status_code == 400
    assert "You already own Old_Pkg" in text(response)
    assert NameRequest.objects.count() == 0


def test_filing_redirects_to_the_request_page_and_a_second_post_files_nothing(
    rhea_client, old, rhea
):
    response = post_claim(rhea_client)

    case = NameRequest.objects.get()
    page_url = f"/account/requests/name/{case.pk}/"
    assert response.status_code == 303
    assert response["Location"] == page_url
    assert (case.project, case.requester, case.ground) == (old, rhea, "abandoned")
    assert case.facts["name"] == "Old_Pkg"

    first = rhea_client.get(page_url)
    assert f"Request {case.reference} filed" in text(first)
    assert rhea_client.get(page_url).status_code == 200  # a refresh only reads it
    assert NameRequest.objects.count() == 1
    again = post_claim(rhea_client)
    assert again.status_code == 400
    assert "already have an open request" in text(again)
    assert f'href="{page_url}"' in again.content.decode()
    assert NameRequest.objects.count() == 1
    # The form page itself says so before anyone types.
    assert f'href="{page_url}"' in rhea_client.get(request_url()).content.decode()


def test_the_name_request_form_is_rate_limited_and_keeps_the_text(rhea_client, old, settings):
    settings.HOLDFAST_PUBLIC_FORM_RATE = "1/h"
    post_claim(rhea_client, looked_for_another_name="")
    response = post_claim(rhea_client, details="Typed with care.")
    assert response.status_code == 429
    assert "Typed with care." in response.content.decode()
    assert NameRequest.objects.count() == 0


# The request's page, as its requester follows it -----------------------------------------------


def test_the_requesters_page_shows_the_claim_the_facts_when_filed_and_withdraw(
    rhea_client, old, rhea, owner
):
    case, key = file_claim(old, rhea)
    # The facts change after filing; the page shows them as they were.
    registry.add_role(project=old, user=UserFactory(), role=RoleName.OWNER, actor=owner, reason="r")

    response = rhea_client.get(f"/account/requests/name/{case.pk}/")

    page = text(response)
    assert f"{case.reference}: Name request (PEP 541)" in page
    assert "Your PEP 541 ground Abandoned: no release for 12 months" in page
    assert "What you will do Continue maintaining the existing project" in page
    assert "You looked for another name Yes" in page
    assert "opened issue #12" in page
    assert "The facts when you filed" in page
    assert page.count("(owner)") == 1
    assert "Not contacted yet" in page
    assert f'href="/account/requests/name/{case.pk}/withdraw/"' in response.content.decode()
    # The private link from the e-mail shows the same request.
    assert "The facts when you filed" in text(Client().get(f"/requests/{key}/"))
    # Nobody else opens it under their requests.
    rhea_client.force_login(owner)
    assert rhea_client.get(f"/account/requests/name/{case.pk}/").status_code == 404


def test_the_requester_withdraws_from_their_page(rhea_client, old, rhea):
    case, _key = file_claim(old, rhea)
    url = f"/account/requests/name/{case.pk}/withdraw/"
    assert rhea_client.get(url).status_code == 200
    response = rhea_client.post(url, {"reason": "I found another name."})
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.state == NameRequestState.WITHDRAWN


def test_the_requesters_page_says_how_many_owners_were_contacted_and_until_when(
    rhea_client, old, rhea, support_user
):
    case, _key = file_claim(old, rhea)
    contact_owners(case, support_user)
    case.refresh_from_db()

    page = text(rhea_client.get(f"/account/requests/name/{case.pk}/"))

    assert "1 owner was e-mailed a private link to keep the project" in page
    assert f"They may answer until {case.reachable_until:%Y-%m-%d}" in page
    assert "No owner has answered" in page
    assert "Owners contacted Contacting owners (now)" in page


# The owner's one-click answer --------------------------------------------------------------------


def test_the_owners_private_page_shows_the_request_and_the_facts_now(old, rhea, support_user):
    case, _ = file_claim(old, rhea)
    key = contact_owners(case, support_user)
    case.refresh_from_db()

    response = Client().get(f"/names/owner/{key}/")

    assert response.status_code == 200
    page = text(response)
    assert "Rhea Requester asks the registry for the name Old_Pkg" in page
    assert "PEP 541 ground Abandoned" in page
    assert "What they would do Continue maintaining the existing project" in page
    assert "opened issue #12" in page
    assert "The facts now" in page and "Last release" in page
    assert f"Owners may answer until {case.reachable_until:%Y-%m-%d}" in page
    assert page.count("I am here: keep my project") == 1
    assert response["Referrer-Policy"] == "same-origin"
    assert "no-store" in response["Cache-Control"]
    assert response["X-Robots-Tag"] == "noindex, nofollow"


def test_one_click_keeps_the_project_refresh_changes_nothing_and_a_second_post_is_409(
    old, rhea, owner, support_user
):
    case, _ = file_claim(old, rhea)
    key = contact_owners(case, support_user)
    url = f"/names/owner/{key}/"
    browser = Client(enforce_csrf_checks=True)
    browser.get(url)
    token = browser.cookies["csrftoken"].value

    response = browser.post(
        url,
        {"answer": "Still maintained, see the repo.", "csrfmiddlewaretoken": token},
        HTTP_ORIGIN=SITE,
    )

    assert response.status_code == 303
    assert response["Location"] == url
    case.refresh_from_db()
    assert case.state == NameRequestState.REFUSED
    contact = NameRequestContact.objects.get(request=case)
    assert contact.answered_at is not None
    assert contact.answer == "Still maintained, see the repo."
    told = Message.objects.get(name_request=case, kind=MessageKind.TO_REQUESTER)
    assert "answered that they keep the project" in told.body
    assert any(
        rhea.email in row.payload["to"] and "keep the project" in row.payload["body"]
        for row in OutboxMessage.objects.all()
    )
    rows = case.history.count()

    for _refresh in range(2):
        page = browser.get(url)
        assert page.status_code == 200
        assert "You keep Old_Pkg; the request is closed and the requester has been told." in text(
            page
        )
        assert "I am here: keep my project" not in text(page)
    again = browser.post(url, {"answer": "", "csrfmiddlewaretoken": token}, HTTP_ORIGIN=SITE)
    assert again.status_code == 409
    assert "is already closed: nothing changed" in text(again)
    assert case.history.count() == rows
    assert Message.objects.filter(name_request=case).count() == 1


def test_the_one_click_post_needs_the_browsers_origin_not_null(old, rhea, support_user):
    case, _ = file_claim(old, rhea)
    key = contact_owners(case, support_user)
    browser = Client(enforce_csrf_checks=True)
    browser.get(f"/names/owner/{key}/")
    token = browser.cookies["csrftoken"].value
    response = browser.post(
        f"/names/owner/{key}/", {"csrfmiddlewaretoken": token}, HTTP_ORIGIN="null"
    )
    assert response.status_code == 403
    case.refresh_from_db()
    assert case.state == NameRequestState.CONTACTING_OWNERS


@pytest.mark.parametrize("key", ["x" * 43, "y" * 500, "short"])
def test_an_unknown_owner_link_is_a_404_in_words(client, key):
    response = client.get(f"/names/owner/{key}/")
    assert response.status_code == 404
    assert "No name request has this link" in text(response)
    assert client.post(f"/names/owner/{key}/").status_code == 404


def test_an_overlong_answer_is_a_form_error_and_changes_nothing(old, rhea, support_user):
    case, _ = file_claim(old, rhea)
    key = contact_owners(case, support_user)
    for answer in ("a" * 2001, "NUL\x00"):
        response = Client().post(f"/names/owner/{key}/", {"answer": answer})
        assert response.status_code == 400
    case.refresh_from_db()
    assert case.state == NameRequestState.CONTACTING_OWNERS


def test_a_signed_in_owner_answers_from_their_account(client, old, rhea, owner):
    case, _ = file_claim(old, rhea)  # not contacted yet: an owner may answer at once
    url = f"/account/name-requests/{case.pk}/"
    client.force_login(owner)
    page = client.get(url)
    assert page.status_code == 200
    assert "I am here: keep my project" in text(page)
    assert "Owners may answer now" in text(page)

    response = client.post(url, {"answer": ""})

    assert response.status_code == 303 and response["Location"] == url
    case.refresh_from_db()
    assert case.state == NameRequestState.REFUSED
    assert "You keep Old_Pkg; the request is closed" in text(client.get(url))
    assert client.post(url, {"answer": ""}).status_code == 409


def test_only_owners_open_the_signed_in_answer_page(client, old, rhea, owner, support_user):
    case, _ = file_claim(old, rhea)
    maintainer = UserFactory(username="mia")
    registry.add_role(
        project=old, user=maintainer, role=RoleName.MAINTAINER, actor=owner, reason="help"
    )
    url = f"/account/name-requests/{case.pk}/"
    client.force_login(maintainer)
    response = client.get(url)
    assert response.status_code == 403
    assert "Only the owners of Old_Pkg can answer" in text(response)
    assert client.post(url, {"answer": ""}).status_code == 403
    client.force_login(rhea)
    response = client.get(url)
    assert response.status_code == 403
    assert "Old_Pkg" not in text(response)
    client.force_login(owner)
    assert client.get("/account/name-requests/99999/").status_code == 404
    case.refresh_from_db()
    assert case.state == NameRequestState.SUBMITTED


# The notices on the project's page ----------------------------------------------------------------


def test_an_open_name_request_warns_the_owners_and_maintainers_on_the_project_page(
    client, old, rhea, owner, support_user
):
    case, _ = file_claim(old, rhea)
    contact_owners(case, support_user)
    case.refresh_from_db()
    maintainer = UserFactory(username="mia")
    registry.add_role(
        project=old, user=maintainer, role=RoleName.MAINTAINER, actor=owner, reason="help"
    )

    [notice] = project_notices(old, owner)

    assert notice.level == "warning"
    assert notice.title == f"Name request {case.reference}: contacting owners"
    assert f"Owners may answer until {case.reachable_until:%Y-%m-%d}" in notice.text
    assert "It waits for the owners' answer, or the end of the reachability period" in notice.text
    assert notice.url == f"/account/name-requests/{case.pk}/"
    [for_maintainer] = project_notices(old, maintainer)
    assert (
        for_maintainer.url == "" and "Only the project's owners can answer" in for_maintainer.text
    )
    client.force_login(owner)
    page = text(client.get("/manage/old-pkg/"))
    assert f"Name request {case.reference}: contacting owners" in page
    assert "See the request and keep your project" in page

    names.keep_project(case=case, owner=owner)
    assert project_notices(old, owner) == []


def test_strangers_are_offered_to_ask_for_an_old_projects_name_and_only_then(old, owner, now):
    stranger = UserFactory()
    [notice] = project_notices(old, stranger)
    assert notice.title == "Ask for this name (PEP 541)"
    assert notice.level == "info"
    assert notice.url == "/names/old-pkg/request/"
    assert project_notices(old, AnonymousUser()) == []
    assert project_notices(old, owner) == []  # the owner is told of requests, not offered one

    publish(old, "2.0", actor=owner, now=now - timedelta(days=30))
    assert project_notices(old, stranger) == []
    empty = registry.create_project(name="empty-pkg", owner=owner, actor=owner, reason="t")
    assert [n.title for n in project_notices(empty, stranger)] == ["Ask for this name (PEP 541)"]


def test_a_stranger_on_an_old_projects_pages_is_refused_and_offered_to_ask_for_its_name(
    client, old, now
):
    client.force_login(UserFactory())

    page = client.get("/manage/old-pkg/")

    assert page.status_code == 403
    assert "You cannot open the maintainers' pages of this project." in text(page)
    assert 'href="/names/old-pkg/request/"' in page.content.decode()


# "Your requests" ----------------------------------------------------------------------------------


def test_your_requests_lists_name_requests_and_offers_to_ask(client, old, rhea, owner):
    case, _ = file_claim(old, rhea)
    client.force_login(rhea)
    page = client.get("/account/requests/")
    markup = page.content.decode()
    assert f'href="/account/requests/name/{case.pk}/"' in markup
    assert "Name request (PEP 541) you filed" in text(page)
    assert "the name Old_Pkg" in text(page)
    assert 'href="/names/request/"' in markup
    assert "Ask for a project's name" in text(page)
    # The owner finds it among theirs, with the page to answer it.
    client.force_login(owner)
    page = client.get("/account/requests/")
    assert f'href="/account/name-requests/{case.pk}/"' in page.content.decode()
    assert "Name request on your project (PEP 541)" in text(page)


def test_your_requests_takes_the_same_queries_for_1_and_6_name_requests(
    client, rhea, owner, now, django_assert_max_num_queries
):
    def claim(count):
        for _ in range(count):
            project = registry.create_project(
                name=f"empty-{NameRequest.objects.count()}",
                owner=owner,
                actor=owner,
                reason="t",
                now=now - timedelta(days=800),
            )
            file_claim(project, rhea)

    def queries(user):
        client.force_login(user)
        with CaptureQueriesContext(connection) as captured:
            assert client.get("/account/requests/").status_code == 200
        return len(captured)

    claim(1)
    few = {user: queries(user) for user in (rhea, owner)}
    claim(5)
    for user, label in (
        (rhea, "Name request (PEP 541) you filed"),
        (owner, "Name request on your project (PEP 541)"),
    ):
        client.force_login(user)
        with django_assert_max_num_queries(few[user]):
            response = client.get("/account/requests/")
        assert text(response).count(label) == 6
