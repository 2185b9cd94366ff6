"""Journey: the owner of a project with 120 releases pages through them to the oldest, yanks
one there and is brought back to that page of releases with the message."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from registry.models import Release
from tests.browser.conftest import sign_in
from tests.registry.test_maintainer_page_scale import DASH, make_project


@pytest.fixture
def bigpad(person, settings):
    """bigpad: 120 releases 1.0 ... 1.119 (newest last), a wheel each; owned by dora."""
    settings.HOLDFAST_POLICY = "proposal-2022"
    dora = person("dora")
    versions = [f"1.{n}" for n in range(120)]
    project, _releases, _files = make_project(
        "bigpad",
        owner=dora,
        versions=versions,
        created_at=timezone.now() - timedelta(days=400),
        files=1,
    )
    return project


def test_owner_pages_to_page_3_yanks_there_and_comes_back(page, bigpad, shot):
    sign_in(page, "dora", next_url="/manage/bigpad/")
    expect(page.get_by_role("heading", name="bigpad", exact=True)).to_be_visible()
    expect(page.locator("#releases-range")).to_contain_text(
        f"Releases 1{DASH}50 of 120, newest first"
    )
    expect(page.locator("article.release")).to_have_count(50)
    shot(page, "page 1 of the releases")

    pager = page.get_by_role("navigation", name="Pages of releases")
    pager.get_by_role("link", name="Older releases").click()
    expect(page.locator("#releases-range")).to_contain_text(f"Releases 51{DASH}100 of 120")
    page.get_by_role("navigation", name="Pages of releases").get_by_role(
        "link", name="Older releases"
    ).click()
    expect(page).to_have_url(re.compile(r"\?page=3"))
    expect(page.locator("#releases-range")).to_contain_text(
        f"Releases 101{DASH}120 of 120, newest first · page 3 of 3"
    )
    expect(page.locator("article.release")).to_have_count(20)
    shot(page, "page 3 of the releases")

    page.locator("#release-1\\.5").get_by_role("link", name="Yank", exact=True).click()
    expect(page.get_by_role("heading", name=re.compile("Yank"))).to_be_visible()
    page.get_by_label(re.compile("Reason", re.I)).fill("1.5 ships a broken wheel")
    shot(page, "the yank page")
    page.get_by_role("button", name=re.compile("Yank", re.I)).click()

    expect(page).to_have_url(re.compile(r"/manage/bigpad/\?page=3$"))
    expect(page.locator(".messages")).to_contain_text("Yanked bigpad 1.5.")
    expect(page.locator("#release-1\\.5 .tag.yanked")).to_have_text("yanked")
    expect(page.locator("#release-1\\.5").get_by_role("link", name="Un-yank")).to_be_visible()
    expect(page.locator("#releases-range")).to_contain_text(f"Releases 101{DASH}120 of 120")
    shot(page, "back on page 3 with the message")
    assert Release.objects.get(project=bigpad, version="1.5").yanked

    # A page number that does not exist shows the last page and says so.
    page.goto("/manage/bigpad/?page=9")
    expect(page.locator("#page-notice")).to_contain_text("There is no such page of releases")
    expect(page.locator("#releases-range")).to_contain_text("page 3 of 3")
    shot(page, "a page that does not exist")
