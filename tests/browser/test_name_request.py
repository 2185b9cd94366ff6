"""Issue #15's journeys: a signed-in person asks for an abandoned project's name (PEP 541), seeing
the facts prefilled; an owner answers "I am here: keep my project" with one click from the link
in their e-mail, and the requester reads that the request was refused, and why.

Support staff's step (contacting the owners) is taken through the engine service, as their own
admin journey clicks it; everything the requester and the owner do is clicked in the browser.
"""

import re
from datetime import timedelta

from django.utils import timezone
from playwright.sync_api import expect

from moderation import services
from moderation.models import NameRequest
from moderation.workflow import NameRequestState
from registry import services as registry
from registry.models import OutboxMessage
from tests.browser.conftest import sign_in
from tests.factories import publish

OWNER_LINK = re.compile(r"/names/owner/([A-Za-z0-9_-]{20,})/")


def old_project(owner):
    """old-pads: registered three years ago, last release two years ago."""
    now = timezone.now()
    project = registry.create_project(
        name="old-pads", owner=owner, actor=owner, reason="t", now=now - timedelta(days=3 * 365)
    )
    publish(project, "1.0", actor=owner, now=now - timedelta(days=2 * 365))
    return project


def main(page):
    return page.get_by_role("main")


def file_claim(page, shot):
    """From "Your requests", ask for old-pads's name as abandoned; return the request."""
    page.get_by_role("link", name="Your requests").click()
    main(page).get_by_role("link", name="Ask for a project's name").click()
    expect(page.get_by_role("heading", name="Ask for a project's name")).to_be_visible()
    page.get_by_label("The project's name").fill("Old_Pads")
    page.get_by_role("button", name="See the facts").click()
    expect(page.get_by_role("heading", name="Ask for the name old-pads")).to_be_visible()
    facts = page.locator("#name-facts")
    expect(facts).to_contain_text("Last release")
    expect(facts).to_contain_text("2 years ago")
    expect(facts).to_contain_text("never signed in")
    expect(main(page)).to_contain_text("A reachable owner's wish always wins")
    shot(page, "the facts PEP 541 turns on, prefilled")

    page.get_by_label(re.compile(r"Abandoned: no release for 12 months")).check()
    page.get_by_label("Continue maintaining the existing project").check()
    page.get_by_label("Details").fill(
        "I wrote to the owner on 2026-01-05 and opened issue #3 in the repository; no answer. "
        "My fork: https://example.org/old-pads"
    )
    page.get_by_label("I looked for another name").check()
    shot(page, "the claim filled in")
    page.get_by_role("button", name="Send the request").click()
    case = NameRequest.objects.get()
    expect(page.get_by_role("heading", name=f"{case.reference}: Name request (PEP 541)"))
    return case


def test_a_signed_in_person_asks_for_an_abandoned_projects_name(site, person, shot):
    olive = person("olive")
    old_project(olive)
    person("rhea", first_name="Rhea", last_name="Requester")

    page = site()
    sign_in(page, "rhea", next_url="/manage/")
    case = file_claim(page, shot)

    expect(page.locator(".messages")).to_contain_text(f"Request {case.reference} filed.")
    assert page.url.endswith(f"/account/requests/name/{case.pk}/")
    expect(page.locator('[aria-current="step"]')).to_contain_text("Submitted")
    expect(main(page)).to_contain_text("The facts when you filed")
    expect(main(page)).to_contain_text("opened issue #3")
    expect(page.get_by_role("link", name="Withdraw the request")).to_be_visible()
    shot(page, "the request under Your requests")

    page.reload()
    expect(page.get_by_role("heading", name=f"{case.reference}: Name request (PEP 541)"))
    assert NameRequest.objects.count() == 1
    shot(page, "after a refresh: still one request")

    # Asking again is refused with a link to the request that is open.
    page.goto("/names/old-pads/request/")
    expect(main(page)).to_contain_text("You already have an open request for this name")
    assert NameRequest.objects.count() == 1


def test_an_owner_keeps_the_project_with_one_click_and_the_requester_reads_why(
    site, person, shot, support_user
):
    olive = person("olive")
    old_project(olive)
    person("rhea", first_name="Rhea", last_name="Requester")
    requester = site()
    sign_in(requester, "rhea", next_url="/manage/")
    case = file_claim(requester, shot)

    services.apply_transition(
        case=case, name="contact_owners", actor=support_user, reason="The claim holds"
    )
    mail = next(
        row.payload
        for row in OutboxMessage.objects.order_by("-pk")
        if olive.email in row.payload.get("to", [])
    )
    link = OWNER_LINK.search(mail["body"]).group(0)

    owner = site()  # not signed in: the link is the capability
    owner.goto(link)
    expect(owner.get_by_role("heading", name="Do you want to keep your project?")).to_be_visible()
    expect(main(owner)).to_contain_text("Rhea Requester asks the registry for the name old-pads")
    expect(main(owner)).to_contain_text("opened issue #3")
    case.refresh_from_db()
    expect(main(owner)).to_contain_text(f"Owners may answer until {case.reachable_until:%Y-%m-%d}")
    shot(owner, "the owner's one-click page")
    owner.get_by_label("A message for the registry staff (optional)").fill(
        "Still maintained; a release is coming."
    )
    owner.get_by_role("button", name="I am here: keep my project").click()
    confirmation = "You keep old-pads; the request is closed and the requester has been told."
    expect(owner.locator("#outcome")).to_have_text(confirmation)
    shot(owner, "the project is kept")
    case.refresh_from_db()
    assert case.state == NameRequestState.REFUSED
    rows = case.history.count()

    owner.reload()
    expect(owner.locator("#outcome")).to_have_text(confirmation)
    expect(owner.get_by_role("button", name="I am here: keep my project")).to_have_count(0)
    assert case.history.count() == rows
    shot(owner, "after a refresh: nothing new")

    requester.reload()
    expect(requester.locator('[aria-current="step"]')).to_contain_text("Refused")
    expect(main(requester)).to_contain_text("Closed: the name stays with its owners.")
    expect(main(requester)).to_contain_text(
        "An owner of old-pads answered that they keep the project"
    )
    expect(requester.get_by_role("link", name="Withdraw the request")).to_have_count(0)
    shot(requester, "the requester reads the refusal and its reason")
