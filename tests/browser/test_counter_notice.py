"""Journey 5: a registry admin disables the content a takedown names, in the admin, by clicking;
the project's owner finds the takedown in "Your requests", sends a counter-notice through the
site's form (17 U.S.C. § 512(g)(3)), and the waiting period starts."""

from django.contrib.auth.models import Group
from django.utils import timezone
from playwright.sync_api import expect

from moderation.models import LegalTakedown
from moderation.workflow import counter_notice_window
from registry import services as registry
from tests.browser.conftest import sign_in
from tests.conftest import REGISTRY_ADMINS
from tests.factories import LegalTakedownFactory, publish


def test_content_disabled_then_the_owner_sends_a_counter_notice(site, person, shot, settings):
    settings.HOLDFAST_STAFF_2FA = False
    carol = person("carol", first_name="Carol", last_name="Owner")
    project = registry.create_project(name="pad-user-3", owner=carol, actor=carol, reason="t")
    now = timezone.now()
    publish(project, "1.0", actor=carol, now=now)
    publish(project, "1.1", actor=carol, now=now)
    case = LegalTakedownFactory(
        project=project,
        state="owner_notified",
        requester_name="Rita Requester",
        requester_email="rita@example.org",
    )
    case.releases.add(project.releases.get(version="1.0"))
    ada = person("ada", is_staff=True)
    ada.groups.add(Group.objects.get(name=REGISTRY_ADMINS))

    admin = site()
    sign_in(admin, "ada", next_url=f"/admin/moderation/legaltakedown/{case.pk}/change/", admin=True)
    shot(admin, "the admin's decision page")
    admin.get_by_role("link", name="Disable the content").click()
    admin.get_by_label("Reason").fill("Chapter 3 of the novel is copied into 1.0.")
    shot(admin, "the admin confirms what will be disabled")
    admin.get_by_role("button", name="Disable the content").click()
    admin.wait_for_load_state("load")
    shot(admin, "content disabled")
    case.refresh_from_db()
    assert case.state == "content_disabled"

    page = site()
    sign_in(page, "carol", next_url="/manage/")
    page.get_by_role("link", name="Your requests").click()
    row = page.get_by_role("row").filter(has_text="Takedown of your project")
    expect(row).to_contain_text("pad-user-3")
    expect(row).to_contain_text("The content is disabled")
    shot(page, "the takedown in your requests")
    # The project page says so too, at the top, and leads to the same takedown.
    page.get_by_role("link", name="Your projects").click()
    page.get_by_role("link", name="pad-user-3").click()
    notice = page.locator(".project-notice").filter(
        has_text=f"Content taken down ({case.reference})"
    )
    expect(notice).to_be_visible()
    shot(page, "the takedown on the project page")
    notice.get_by_role("link", name="See the takedown and how to answer it").click()
    expect(page.get_by_role("heading", name="What was taken down")).to_be_visible()
    expect(page.locator("main")).to_contain_text("Release 1.0")
    expect(page.locator("main")).not_to_contain_text("rita@example.org")
    shot(page, "the owner's view of the takedown")

    page.get_by_role("link", name="Send a counter-notice").click()
    page.get_by_label("Why you believe it was removed by mistake").fill(
        "Every line of 1.0 is my own work; the novel is not in it."
    )
    page.get_by_label("I swear, under penalty of perjury").check()
    page.get_by_label("Your full name:", exact=True).fill("Carol Owner")
    page.get_by_label("Your postal address").fill("3 Example Lane\nExampleville")
    page.get_by_label("Your telephone number").fill("+1 555 0199")
    page.get_by_label("I consent to the jurisdiction").check()
    page.get_by_label("Signature: type your full name").fill("Carol Owner")
    shot(page, "the counter-notice filled in")
    page.get_by_role("button", name="Send the counter-notice").click()

    case.refresh_from_db()
    earliest, latest = counter_notice_window(case.counter_notice_at.date())
    expect(page.locator(".messages")).to_contain_text("Counter-notice sent.")
    expect(page.locator("main")).to_contain_text(f"from {earliest:%Y-%m-%d}")
    shot(page, "the waiting period has started")
    assert case.state == "counter_notice"
    assert (case.reinstate_after, case.reinstate_by) == (earliest, latest)
    assert case.counter_notice_by == carol
    assert case.counter_name == "Carol Owner"
    assert LegalTakedown.objects.get(pk=case.pk).counter_consent
