"""Journey: alice tries to remove tinypad's only release, sees the refusal with the figures that
decided it (8 dependents, 63,000 downloads in 7 days), and yanks its releases instead, from the
project removal's refusal (issue #13)."""

import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from registry import services
from registry.models import Release
from tests.browser.conftest import sign_in
from tests.registry.test_impact_pages import build_tinypad


@pytest.fixture
def tinypad(person, settings):
    settings.HOLDFAST_POLICY = "proposal-2022"
    project = build_tinypad(person("alice"))
    services.recompute_popularity(now=timezone.now())  # The most downloaded: critical.
    return project


def test_alice_is_refused_removing_the_last_release_and_yanks_instead(page, tinypad, shot):
    sign_in(page, "alice")
    expect(page.get_by_role("heading", name="Your projects")).to_be_visible()
    expect(page.locator(".card h2 .badge.critical")).to_have_text("critical project")
    shot(page, "your projects, tinypad marked critical")

    page.get_by_role("link", name="tinypad", exact=True).click()
    expect(page.locator("h1")).to_contain_text("tinypad")
    expect(page.locator("h1 .badge.critical")).to_be_visible()
    expect(page.get_by_text("Ranked 1 of 9 projects by downloads")).to_be_visible()
    expect(
        page.get_by_text("8 other projects require tinypad in their latest release")
    ).to_be_visible()
    shot(page, "the project page")

    # Removing the only release: the impact first, then the refusal with its rule and figures.
    release = page.locator("#release-1\\.0\\.0")
    release.get_by_role("link", name="Remove this release").click()
    expect(page.get_by_role("heading", name="Remove a release: tinypad 1.0.0")).to_be_visible()
    impact = page.locator("section.impact")
    expect(impact.get_by_role("heading", name="What this would affect")).to_be_visible()
    expect(impact).to_contain_text("8 other projects depend on tinypad.")
    expect(impact).to_contain_text("63,000 downloads in the last 7 days")
    expect(impact).to_contain_text("is the only live release that")
    refusal = page.locator(".refusal")
    expect(refusal).to_contain_text("Not allowed now.")
    expect(refusal).to_contain_text("judged as deleting the project")
    expect(refusal).to_contain_text("8 other projects depend on tinypad")
    expect(refusal).to_contain_text("63,000 downloads in the last 7 days")
    expect(refusal.locator("code.rule-id")).to_have_text("last-release.is-project")
    expect(refusal.get_by_role("link", name="Yank the release")).to_be_visible()
    expect(page.get_by_role("button", name=re.compile("Remove", re.I))).to_have_count(0)
    shot(page, "the release removal refused with the figures")

    # The project itself: refused too, and yanking its releases is offered first.
    page.get_by_role("link", name="Back to tinypad").click()
    page.get_by_role("link", name="Remove the project").click()
    refusal = page.locator(".refusal")
    expect(refusal).to_contain_text("8 other projects depend on tinypad")
    expect(refusal.locator(".alternatives li").first).to_contain_text("Yank its releases")
    shot(page, "the project removal refused, yank offered first")

    refusal.get_by_role("link", name="Yank its releases").click()
    expect(page.get_by_role("heading", name="Yank its releases: tinypad")).to_be_visible()
    expect(page.get_by_role("heading", name="1 release to yank")).to_be_visible()
    expect(page.locator("ul.items")).to_have_text("1.0.0")
    shot(page, "the yank its releases page")

    page.get_by_label(re.compile("Reason", re.I)).fill("Unmaintained: use tinypad2")
    page.get_by_role("button", name="Yank every release").click()
    expect(page.locator(".messages")).to_contain_text("Yanked 1 release of tinypad.")
    release = page.locator("#release-1\\.0\\.0")
    expect(release.locator(".tag.yanked")).to_have_text("yanked")
    expect(release).to_contain_text("Unmaintained: use tinypad2")
    shot(page, "every release yanked")

    yanked = Release.objects.get(project=tinypad)
    assert yanked.yanked and yanked.yanked_by.username == "alice"
    assert not yanked.is_removed
