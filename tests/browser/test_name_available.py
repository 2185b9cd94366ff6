"""Issue #16's page: someone about to publish checks a name in the browser, is told that a
look-alike of an existing project cannot be registered and which project it collides with, then
checks a clearly different name and is told it is available and how it gets registered."""

from playwright.sync_api import expect

from registry import services as registry
from tests.factories import UserFactory


def check(page, name):
    page.get_by_label("Project name").fill(name)
    page.get_by_role("button", name="Check").click()
    page.wait_for_load_state("load")


def test_a_publisher_checks_a_look_alike_name_then_a_free_one(page, shot):
    owner = UserFactory(username="pillow-owner")
    registry.create_project(name="pillow-tools", owner=owner, actor=owner, reason="Mine")

    page.goto("/names/available/")
    expect(page.get_by_role("heading", name="Is this name available?")).to_be_visible()
    check(page, "pi1low_tools")
    answer = page.get_by_role("region", name="Too similar to another name")
    expect(answer).to_be_visible()
    expect(answer).to_contain_text("It collides with pillow-tools.")
    expect(answer).to_contain_text("Choose a clearly different name.")
    shot(page, "a look-alike name is refused, naming the project")

    check(page, "pillow-garden")
    answer = page.get_by_role("region", name="Available")
    expect(answer).to_be_visible()
    expect(answer).to_contain_text("twine upload dist/*")
    expect(page).to_have_url("/names/available/?name=pillow-garden")
    shot(page, "a clearly different name is available")
