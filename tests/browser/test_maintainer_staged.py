"""Journey 2: a maintainer deprecates a project and schedules its removal from /manage/, finds
the case again by clicking, reads its next step and date, and cancels it."""

import re

from playwright.sync_api import expect

from moderation.models import StagedRemoval
from registry import services as registry
from registry.models import ProjectStatus
from tests.browser.conftest import sign_in
from tests.factories import publish


def test_schedule_find_again_and_cancel_a_staged_removal(page, person, shot):
    from django.utils import timezone

    olive = person("olive")
    project = registry.create_project(name="leaving-pkg", owner=olive, actor=olive, reason="t")
    publish(project, "1.0", actor=olive, now=timezone.now())

    sign_in(page, "olive")
    shot(page, "your projects")
    page.get_by_role("link", name="leaving-pkg", exact=True).click()
    shot(page, "the project page")
    page.get_by_role("link", name="Deprecate and schedule removal").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("schedule the removal")
    page.get_by_label("Message to users").fill("Unmaintained; use better-pkg instead.")
    page.get_by_label("Type the project's name to confirm").fill("leaving-pkg")
    shot(page, "the form filled in")
    page.get_by_role("button", name="Deprecate and schedule removal").click()

    case = StagedRemoval.objects.get()
    day = f"{case.next_step_at:%Y-%m-%d}"
    expect(page.locator(".messages")).to_contain_text("its removal is scheduled")
    expect(page.locator(".next-step")).to_contain_text(
        f"On {day} the scheduler marks it pending removal"
    )
    expect(page.locator(".stage-track .stage-current")).to_contain_text("Deprecated")
    shot(page, "scheduled with its next step and timeline")

    # Later: back to the projects, then to the case by clicking.
    page.get_by_role("navigation", name="Account").get_by_role("link", name="Your projects").click()
    expect(page).to_have_url(re.compile(r"/manage/$"))
    shot(page, "back on your projects")
    page.get_by_role("link", name="Your requests").click()
    row = page.get_by_role("row").filter(has_text="Staged removal")
    expect(row).to_contain_text("leaving-pkg")
    expect(row).to_contain_text(f"On {day}")
    shot(page, "the case in your requests")
    row.get_by_role("link", name=case.reference).click()
    expect(page.locator(".next-step")).to_contain_text(day)
    shot(page, "the case found again")

    page.get_by_label("Why cancel?").fill("A new maintainer stepped up.")
    page.get_by_role("button", name="Cancel the staged removal").click()
    expect(page.locator(".messages")).to_contain_text("is cancelled")
    expect(page.locator(".status").first).to_have_text("Cancelled")
    shot(page, "cancelled")

    case.refresh_from_db()
    project.refresh_from_db()
    assert case.state == "cancelled"
    assert project.status == ProjectStatus.ACTIVE
