"""Journey 4: support staff triage a new takedown notice and find nothing that executes."""

import re

from django.contrib.auth.models import Group
from playwright.sync_api import expect

from moderation.models import LegalTakedown
from tests.browser.conftest import sign_in
from tests.conftest import SUPPORT_STAFF
from tests.factories import LegalTakedownFactory, ProjectFactory, UserFactory

EXECUTING = re.compile(r"disable|restore|reinstate|remove|quarantine|approve", re.IGNORECASE)


def test_support_triage_a_new_notice_and_cannot_execute(page, person, shot):
    sam = person("sam", is_staff=True)
    sam.groups.add(Group.objects.get(name=SUPPORT_STAFF))
    colleague = UserFactory(username="colleague", is_staff=True)
    notice = LegalTakedownFactory(project=ProjectFactory(name="tinypad"))
    LegalTakedownFactory(assignee=colleague)  # someone else's: not in sam's default view

    # Sign in to the admin and open the takedown queue, without touching any filter.
    sign_in(page, "sam", next_url="/admin/", admin=True)
    expect(page.get_by_role("link", name="Legal takedowns").first).to_be_visible()
    shot(page, "admin home")

    page.get_by_role("link", name="Legal takedowns").first.click()
    expect(page.locator("#queue-views .current")).to_have_text("Open, unassigned or mine")
    rows = page.locator("#result_list tbody tr")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text(notice.reference)
    shot(page, "the queue opens on unassigned and mine")

    # Open the notice; assign it to themselves (the form offers them first).
    page.get_by_role("link", name=notice.reference, exact=True).click()
    expect(page.locator("#waiting-for")).to_contain_text("Support staff to check the notice")
    shot(page, "the decision page")
    assign = page.locator("#assign-form")
    expect(assign.get_by_label("Assign to")).to_have_value(str(sam.pk))
    assign.get_by_role("button", name="Assign").click()
    expect(page.locator(".messagelist .success")).to_have_text(
        f"{notice.reference}: assigned to you; it is in your list now."
    )
    expect(page.locator("#assignee")).to_have_text("sam")
    shot(page, "assigned to me")

    # Ask for information: a confirmation page, a reason, one button.
    page.locator("#steps").get_by_role("link", name="Ask for information").click()
    page.get_by_label("Reason").fill("Which files of tinypad contain the chapter?")
    shot(page, "asking for information")
    page.get_by_role("button", name="Ask for information").click()
    expect(page.locator(".messagelist .success")).to_have_text(
        f"{notice.reference}: Asked the requester for more information; the case waits for "
        "their answer."
    )
    expect(page.locator("#waiting-for")).to_contain_text("The requester to answer")
    shot(page, "waiting for the requester")

    # Recommend a decision for the admin who decides.
    recommend = page.locator("#recommend-form")
    recommend.get_by_label("Recommendation").fill("Reject unless they name the files.")
    recommend.get_by_role("button", name="Save the recommendation").click()
    expect(page.locator(".messagelist .success")).to_contain_text("saved your recommendation")
    expect(page.locator("#recommendation")).to_contain_text("Reject unless they name the files.")
    shot(page, "recommendation saved")

    # Nothing on the page executes anything for support staff.
    controls = page.locator("#content-main").locator("a.button, input[type=submit], button")
    labels = [
        (control.get_attribute("value") or control.inner_text()).strip()
        for control in controls.all()
    ]
    assert labels, "the decision page offers no control at all"
    assert not [label for label in labels if EXECUTING.search(label)], labels
    expect(page.locator("#content-main a.executes")).to_have_count(0)

    # The history rows name the people who acted, without links to accounts sam may not open;
    # an account page typed by hand explains the refusal and offers a way back.
    page.get_by_role("link", name="History rows").click()
    expect(page.locator("#content-main")).to_contain_text("sam")
    expect(page.locator('#content-main a[href*="/auth/user/"]')).to_have_count(0)
    shot(page, "history rows without account links")
    page.goto(f"/admin/auth/user/{sam.pk}/change/")
    expect(page.get_by_role("heading", name="You may not open this page")).to_be_visible()
    shot(page, "a refused page")
    page.get_by_role("link", name="Back to the admin home").click()
    expect(page).to_have_url(re.compile(r"/admin/$"))

    notice = LegalTakedown.objects.get(pk=notice.pk)
    assert notice.assignee == sam
    assert notice.state == "needs_info"
    assert notice.recommendation == "Reject unless they name the files."
