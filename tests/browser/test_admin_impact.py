"""Journey: an admin removes tinypad's only release from the admin. The confirmation shows who
depends on it and how much it is used, says that an owner would be refused (and by which rule),
and will not go ahead until the admin chooses the kind of removal."""

import pytest
from django.contrib.auth.models import Group
from django.utils import timezone
from playwright.sync_api import expect

from registry.models import RemovalEvent
from tests.browser.conftest import sign_in
from tests.registry.tinypad_graph import build_tinypad

ADMINS = "Registry admins"


@pytest.fixture(autouse=True)
def default_policy(settings):
    settings.HOLDFAST_POLICY = "proposal-2022"


def test_an_admin_removes_tinypads_only_release_after_reading_its_impact(page, person, shot):
    admin = person("ada", is_staff=True)
    admin.groups.add(Group.objects.get(name=ADMINS))
    _project, release, _wheel = build_tinypad(now=timezone.now(), owner=person("alice"))

    sign_in(page, "ada", next_url="/admin/registry/release/", admin=True)
    page.locator("#searchbar").fill("tinypad")
    page.get_by_role("button", name="Search").click()
    row = page.locator("#result_list tbody tr", has_text="1.0.0")
    expect(row).to_have_count(1)
    row.locator("input.action-select").check()
    page.locator("select[name=action]").select_option("remove_releases")
    shot(page, "tinypad's only release is selected")
    page.get_by_role("button", name="Go").click()

    expect(page.get_by_role("heading", name="Remove selected releases (admin)")).to_be_visible()
    impact = page.locator(".admin-impact")
    expect(impact.get_by_role("heading", name="Release 1.0.0 of tinypad")).to_be_visible()
    expect(impact).to_contain_text("8 other projects depend on tinypad.")
    expect(impact).to_contain_text("63,000 downloads in the last 7 days")
    expect(impact).to_contain_text("critical project")
    override = page.locator("p.override")
    expect(override).to_contain_text("An owner would be refused: rule removing a project's last")
    expect(override.locator("code")).to_have_text("last-release.is-project")
    expect(page.get_by_label("Kind of removal")).to_have_value("")
    shot(page, "the confirmation shows the impact and the override")

    page.get_by_label("Reason").fill("Malware in the wheel, confirmed by the security team")
    page.get_by_role("button", name="Remove").click()
    expect(page.locator(".errornote")).to_contain_text("Nothing was done")
    expect(page.locator(".errorlist")).to_contain_text("Choose the kind of removal")
    expect(page.locator(".admin-impact")).to_contain_text("8 other projects depend on tinypad.")
    assert not RemovalEvent.objects.exists()
    shot(page, "without a kind of removal nothing is done")

    page.get_by_label("Kind of removal").select_option(
        label="Security (malware, leaked secret, compromised account)"
    )
    shot(page, "the kind of removal is chosen")
    page.get_by_role("button", name="Remove").click()

    expect(page.locator(".messagelist")).to_contain_text("Removed:")
    expect(page.locator(".messagelist")).to_contain_text("admin override of the deletion policy")
    shot(page, "the release is removed as an override")
    event = RemovalEvent.objects.get()
    assert (event.category, event.is_override, event.actor_username) == ("security", True, "ada")
    release.refresh_from_db()
    assert release.is_removed
