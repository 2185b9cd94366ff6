"""Journey 1: the owner of a popular, depended-on project tries to remove it, reads the refusal,
yanks a release instead, asks the admins for an exception and follows the request."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from registry.models import Release
from tests.browser.conftest import sign_in
from tests.factories import (
    DependencyFactory,
    DownloadCountFactory,
    FileFactory,
    ProjectFactory,
    ReleaseFactory,
    RoleFactory,
)


@pytest.fixture
def popular(person, settings):
    """tinypad: two years old, 8 projects depend on it, 63,000 downloads; owned by carol."""
    settings.HOLDFAST_POLICY = "proposal-2022"
    settings.HOLDFAST_EXCEPTION_REQUEST_URL_NAME = "moderation:exception-new"
    carol = person("carol")
    created = timezone.now() - timedelta(days=730)
    project = ProjectFactory(name="tinypad", created_at=created)
    RoleFactory(project=project, user=carol, role="owner", created_at=created)
    for index, version in enumerate(("1.0.0", "1.1.0")):
        release = ReleaseFactory(
            project=project, version=version, created_at=created + timedelta(days=index)
        )
        wheel = FileFactory(release=release, uploaded_at=release.created_at)
        DownloadCountFactory(file=wheel, count=31_500)
    for index in range(8):
        user = ProjectFactory(name=f"tinypad-user-{index}")
        DependencyFactory(release=ReleaseFactory(project=user), name="tinypad")
    return project


def test_owner_is_refused_removal_yanks_instead_and_asks_for_an_exception(page, popular, shot):
    sign_in(page, "carol")
    expect(page.get_by_role("heading", name="Your projects")).to_be_visible()
    shot(page, "your projects")

    page.get_by_role("link", name="tinypad", exact=True).click()
    expect(page.get_by_role("heading", name="tinypad", exact=True)).to_be_visible()
    expect(
        page.get_by_text("8 other projects require tinypad in their latest release")
    ).to_be_visible()
    shot(page, "the project page")

    page.get_by_role("link", name="Remove the project").click()
    expect(page.get_by_text("Not allowed now.")).to_be_visible()
    refusal = page.locator(".refusal")
    expect(refusal).to_contain_text("only in its first")
    expect(refusal).to_contain_text("Rule: A project may be removed only while young.")
    for alternative in (
        "Archive the project",
        "Deprecate the project",
        "Transfer the project",
        "Request an exception",
    ):
        expect(refusal.get_by_role("link", name=alternative)).to_be_visible()
    expect(page.get_by_role("button", name=re.compile("Remove", re.I))).to_have_count(0)
    shot(page, "the refusal and its alternatives")

    # Yank the newest release instead, from the project page.
    page.get_by_role("link", name="Back to tinypad").click()
    page.locator("#release-1\\.1\\.0").get_by_role("link", name="Yank", exact=True).click()
    expect(page.get_by_role("heading", name=re.compile("Yank"))).to_be_visible()
    shot(page, "the yank page")
    page.get_by_label(re.compile("Reason", re.I)).fill("1.1.0 breaks the CLI on Windows")
    page.get_by_role("button", name=re.compile("Yank", re.I)).click()
    expect(page.locator(".messages")).to_contain_text("1.1.0")
    release = page.locator("#release-1\\.1\\.0")
    expect(release.locator(".tag.yanked")).to_have_text("yanked")
    expect(release).to_contain_text("1.1.0 breaks the CLI on Windows")
    shot(page, "release yanked")
    assert Release.objects.get(version="1.1.0", project=popular).yanked

    # Still wants it gone: ask the admins, from the refusal's link.
    page.get_by_role("link", name="Remove the project").click()
    page.locator(".refusal").get_by_role("link", name="Request an exception").click()
    expect(
        page.get_by_role("heading", name="Ask for a deletion exception: tinypad")
    ).to_be_visible()
    shot(page, "the exception request form")
    page.get_by_label("Published from a compromised account").check()
    page.get_by_label("Details").fill(
        "Our maintainer account was taken over in May; every release may carry the intruder's "
        "code. We published tinypad2 from a fresh account."
    )
    page.get_by_role("button", name=re.compile("Send|Submit|Ask", re.I)).click()
    page.wait_for_load_state("load")
    shot(page, "request sent")

    page.get_by_role("link", name="Your requests").first.click()
    expect(page.get_by_role("heading", name=re.compile("Your requests"))).to_be_visible()
    expect(page.locator("main")).to_contain_text("tinypad")
    shot(page, "your requests")
    page.locator("main").get_by_role("link", name=re.compile(r"^[A-Z]+-\d+")).first.click()
    expect(page.locator("main")).to_contain_text("compromised account")
    shot(page, "the request page")


def test_owner_finds_the_upload_url_and_a_ready_pypirc_on_the_tokens_page(
    page, popular, shot, settings
):
    settings.HOLDFAST_SITE_URL = "https://registry.example"
    sign_in(page, "carol")
    page.get_by_role("link", name="Upload tokens").click()
    expect(page.locator("code.upload-url")).to_have_text("https://registry.example/legacy/")
    shot(page, "the tokens page")

    page.get_by_label("What is it for?").fill("release workflow on CI")
    page.get_by_label("Limit to one project").select_option(label="tinypad")
    page.get_by_role("button", name="Create token").click()
    secret = page.locator("code.secret").inner_text()
    expect(page.locator(".upload-setup")).to_contain_text(f"password = {secret}")
    shot(page, "a new token, filled in")


def test_a_locked_project_under_a_notice_reads_well(page, popular, shot, settings):
    """How the project page looks with another app's warning and the deletion lock on."""
    from registry import services
    from registry.extensions import (
        ProjectNotice,
        register_project_notices,
        unregister_project_notices,
    )

    settings.HOLDFAST_MODERATION_EMAIL = "admins@registry.example"
    services.lock_deletions(project=popular, actor=popular.roles.get().user, reason="Stable API")

    def provider(project, user):
        return [
            ProjectNotice(
                title="Release 1.1.0 taken down",
                text="A registry admin disabled its files after a copyright notice (T-5). "
                "You can send a counter-notice.",
                url="/account/requests/",
                link_text="See the takedown in your requests",
                level="warning",
                hides=frozenset({"yank", "unyank"}),
            )
        ]

    register_project_notices(provider)
    try:
        sign_in(page, "carol", next_url="/manage/tinypad/")
        expect(page.get_by_role("heading", name="Release 1.1.0 taken down")).to_be_visible()
        expect(page.locator(".status-warning")).to_have_text("Release 1.1.0 taken down")
        expect(page.get_by_role("link", name="Yank", exact=True)).to_have_count(0)
        unlock = page.get_by_role("link", name="Ask an admin to unlock").first
        expect(unlock).to_have_attribute("href", re.compile(r"^mailto:admins@registry\.example\?"))
        shot(page, "a warning and the lock")
    finally:
        unregister_project_notices(provider)
