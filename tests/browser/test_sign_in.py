"""The smallest journey: a maintainer signs in through the real form and sees their projects."""

from playwright.sync_api import expect

from tests.browser.conftest import sign_in
from tests.factories import ProjectFactory, RoleFactory


def test_maintainer_signs_in_and_sees_their_projects(page, person, shot):
    alice = person("alice")
    RoleFactory(user=alice, project=ProjectFactory(name="tinypad"))
    sign_in(page, "alice")
    expect(page.get_by_role("heading", name="Your projects")).to_be_visible()
    expect(page.get_by_role("link", name="tinypad")).to_be_visible()
    shot(page, "your projects")
