"""Journeys in a real browser: Debian's Chromium, headless, driven by Playwright for Python
against a live server on the test database (SQLite or PostgreSQL, as DATABASE_URL says).

Chromium is launched by its path (HOLDFAST_CHROMIUM, default /usr/bin/chromium); Playwright
never downloads a browser. Without Chromium these tests skip with the reason printed, except in
CI (CI=true), where a missing browser fails the run: `.ci/run` installs it.

Every step of a journey saves a screenshot under
tests/browser/screenshots/<sqlite or postgresql>/<test name>/
(HOLDFAST_SCREENSHOTS names another folder), so a failed run shows what the person saw.
"""

import os
import re
import shutil
from pathlib import Path

import pytest

# Playwright's sync API runs an event loop in this thread; Django refuses ORM calls from a
# thread with a running loop unless told that this is deliberate (as pytest-playwright says).
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = os.environ.get("HOLDFAST_CHROMIUM", "/usr/bin/chromium")
SCREENSHOTS = Path(
    os.environ.get("HOLDFAST_SCREENSHOTS", Path(__file__).resolve().parent / "screenshots")
)
PASSWORD = "correct horse battery staple"
TIMEOUT_MS = 15_000


def pytest_collection_modifyitems(items):
    here = Path(__file__).resolve().parent
    for item in items:
        if here in Path(str(item.fspath)).resolve().parents:
            item.add_marker(pytest.mark.e2e)


def chromium_missing():
    if not (os.path.exists(CHROMIUM) or shutil.which(CHROMIUM)):
        return f"Chromium not found at {CHROMIUM} (apt install chromium, or set HOLDFAST_CHROMIUM)"
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "Playwright for Python is not installed (pip install -e '.[dev]')"
    return None


@pytest.fixture(scope="session")
def browser():
    reason = chromium_missing()
    if reason:
        if os.environ.get("CI"):
            pytest.fail(f"CI needs the browser tests: {reason}")
        pytest.skip(reason)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            headless=True,
            args=["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"],
        )
        yield browser
        browser.close()


@pytest.fixture
def site(live_server, browser):
    """A fresh browser context per person, all on the live server; closed after the test."""
    contexts = []

    def new_page():
        context = browser.new_context(base_url=live_server.url, locale="en-GB")
        context.set_default_timeout(TIMEOUT_MS)
        contexts.append(context)
        return context.new_page()

    yield new_page
    for context in contexts:
        context.close()


@pytest.fixture
def page(site):
    """One person's browser tab."""
    return site()


@pytest.fixture
def shot(request):
    """`shot(page, "what the person sees")`: save a numbered full-page screenshot of this step."""
    from django.db import connection

    folder = SCREENSHOTS / connection.vendor / re.sub(r"[^\w.-]+", "_", request.node.name)
    if folder.exists():
        shutil.rmtree(folder)
    folder.mkdir(parents=True)
    counter = iter(range(1, 1000))

    def take(page, name):
        slug = re.sub(r"[^\w-]+", "-", name.lower()).strip("-")
        path = folder / f"{next(counter):02d}-{slug}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    return take


@pytest.fixture
def person(db):
    """`person("alice", staff=False)`: an account that signs in with PASSWORD."""
    from tests.factories import UserFactory

    def make(username, **fields):
        user = UserFactory(username=username, **fields)
        user.set_password(PASSWORD)
        user.save()
        return user

    return make


def sign_in(page, username, *, next_url="/manage/", admin=False):
    """Sign in through the site's login form (or the admin's), as a person does, and land on
    `next_url`."""
    login = "/admin/login/" if admin else "/accounts/login/"
    page.goto(f"{login}?next={next_url}")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_load_state("load")
