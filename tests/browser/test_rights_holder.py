"""Journey 3 of issue #12: a rights holder sends a copyright notice, follows it by its private
link, answers staff and retracts another notice; and a reporter's short journey.

The staff side (asking for information) is taken through the engine service, as support staff's
own journey clicks it; everything the rights holder does is clicked in the browser.
"""

import re

from playwright.sync_api import expect

from moderation import services
from moderation.models import AbuseReport, LegalTakedown
from moderation.workflow import TakedownState
from tests.factories import FileFactory, ProjectFactory, ReleaseFactory

CLAIMANT = "ada@claimant.example"


def tiny_pads():
    project = ProjectFactory(name="tiny-pads")
    FileFactory(release=ReleaseFactory(project=project, version="1.0.0"))
    return project


def label(text):
    """A field's whole label (Django adds a colon), so "Your full name" is not the signature's."""
    return re.compile(rf"^{re.escape(text)}:?$")


def main(page):
    return page.get_by_role("main")


def test_rights_holder_sends_a_notice_answers_staff_and_retracts_another(page, shot, support_user):
    project = tiny_pads()
    other_project = ProjectFactory(name="pad-mirror")
    other, other_key = services.submit_takedown(
        project=other_project,
        takedown_kind="trademark",
        data={
            "requester_name": "Ada Claimant",
            "requester_email": CLAIMANT,
            "work_description": "The mark TINY PADS",
            "legal_basis": "EUTM 0001",
            "material_location": "The project's name.",
            "good_faith": True,
        },
    )

    # The home page leads to legal notices.
    page.goto("/")
    expect(page.get_by_role("heading", name="Holdfast package index")).to_be_visible()
    shot(page, "home page")
    main(page).get_by_role("link", name="Legal notices", exact=True).click()
    expect(page.get_by_role("heading", name="Send a legal notice")).to_be_visible()
    shot(page, "legal notices")
    page.get_by_role("link", name="Copyright (DMCA)").click()

    # A notice missing one statutory element (the signature) is refused, naming it.
    page.get_by_label(label("Project")).fill("tiny-pads")
    page.get_by_label(label("Releases (optional)")).fill("1.0.0")
    page.get_by_label(label("Your full name")).fill("Ada Claimant")
    page.get_by_label(label("Your email address")).fill(CLAIMANT)
    page.get_by_label(label("Postal address")).fill("1 Example Street\nSpringfield")
    page.get_by_label(label("Telephone")).fill("+1 555 0100")
    page.get_by_label(label("The copyrighted work")).fill("The book Tiny Pads, chapter 3")
    page.get_by_label(label("The infringing material and where it is")).fill("data/chapter3.txt")
    page.get_by_label(re.compile("good-faith belief that use")).check()
    page.get_by_label(re.compile("under penalty of perjury, I am")).check()
    shot(page, "copyright form filled without a signature")
    page.get_by_role("button", name="Send the notice").click()
    expect(page.get_by_text(re.compile("a physical or electronic signature")).first).to_be_visible()
    assert not LegalTakedown.objects.filter(project=project).exists()
    shot(page, "the missing signature is named")

    # Completed, it is received: the private link is on a page a refresh cannot file again.
    page.get_by_label(label("Signature (type your full name)")).fill("Ada Claimant")
    page.get_by_role("button", name="Send the notice").click()
    expect(page.get_by_role("heading", name=re.compile(r"^Received: T-\d+"))).to_be_visible()
    shot(page, "received")
    page.reload()
    expect(page.get_by_role("heading", name=re.compile(r"^Received: T-\d+"))).to_be_visible()
    assert LegalTakedown.objects.filter(project=project).count() == 1
    notice = LegalTakedown.objects.get(project=project)
    assert notice.possible_duplicate_of is None
    shot(page, "received after a refresh: still one notice")

    # The private link shows where the notice stands.
    page.locator("code.secret").click()
    expect(page.get_by_role("heading", name=f"{notice.reference}: Copyright (DMCA) notice"))
    current = page.locator('[aria-current="step"]')
    expect(current).to_contain_text("Received")
    shot(page, "private page")

    # Staff ask for information; the rights holder answers on the private page.
    services.apply_transition(
        case=notice, name="request_info", actor=support_user, reason="Which wheel has the chapter?"
    )
    page.reload()
    expect(page.get_by_text("Which wheel has the chapter?")).to_be_visible()
    expect(current).to_contain_text("Needs info")
    shot(page, "staff asked a question")
    page.get_by_label(label("Your answer")).fill("tiny_pads-1.0.0-py3-none-any.whl")
    page.get_by_role("button", name="Send").click()
    expect(page.get_by_text("Your answer was sent to the registry staff.")).to_be_visible()
    notice.refresh_from_db()
    assert notice.state == TakedownState.RECEIVED
    shot(page, "answer sent")

    # Another notice of theirs, retracted through its own private link (from its email).
    page.goto(f"/requests/{other_key}/")
    page.get_by_role("link", name="Retract the notice").click()
    shot(page, "confirm the retraction")
    page.get_by_label(label("Why")).fill("We settled with the project.")
    page.get_by_role("button", name="Retract the notice").click()
    expect(page.locator(".messages")).to_contain_text("the notice was retracted")
    expect(page.locator('[aria-current="step"]')).to_contain_text("Retracted")
    other.refresh_from_db()
    assert other.state == TakedownState.RETRACTED
    shot(page, "retracted")


def test_reporter_reports_malware_and_a_refresh_files_nothing_more(page, shot):
    tiny_pads()
    page.goto("/")
    main(page).get_by_role("link", name="Report abuse or malware").click()
    page.get_by_label(label("Project")).fill("tiny-pads")
    page.get_by_role("radio", name="Malware").check()
    page.get_by_label(label("Details")).fill("setup.py downloads and runs a binary.")
    page.get_by_label(label("Your email address (optional)")).fill("finder@example.org")
    shot(page, "report form")
    page.get_by_role("button", name="Send the report").click()
    expect(page.get_by_role("heading", name=re.compile(r"^Received: A-\d+"))).to_be_visible()
    shot(page, "report received")
    page.reload()
    expect(page.get_by_role("heading", name=re.compile(r"^Received: A-\d+"))).to_be_visible()
    assert AbuseReport.objects.count() == 1
    shot(page, "received after a refresh: still one report")
