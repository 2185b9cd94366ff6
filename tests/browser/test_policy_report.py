"""Journey: support staff open "Deletion policies compared" from the admin's index, read what each
preset would let owners delete on this registry, see the decile chart drawn without JavaScript,
and narrow it to two presets; a maintainer who tries the page gets the admin's sign-in."""

import pytest
from django.contrib.auth.models import Group
from django.core.cache import cache
from django.utils import timezone
from playwright.sync_api import expect

from registry import services
from tests.browser.conftest import sign_in
from tests.registry.tinypad_graph import build_tinypad

SUPPORT = "Support staff"


@pytest.fixture(autouse=True)
def no_kept_report():
    cache.clear()
    yield
    cache.clear()


def test_support_compares_the_presets_on_the_registrys_data(page, person, shot, site):
    sam = person("sam", is_staff=True)
    sam.groups.add(Group.objects.get(name=SUPPORT))
    now = timezone.now()
    build_tinypad(now=now, owner=person("alice"))
    services.recompute_popularity(now=now)

    sign_in(page, "sam", next_url="/admin/", admin=True)
    page.get_by_role("link", name="Deletion policies compared").click()
    expect(page.get_by_role("heading", name="Deletion policies compared")).to_be_visible()
    totals = page.locator("#preset-totals")
    expect(totals.locator("tr.preset")).to_have_count(7)
    expect(totals.locator('tr[data-preset="pypi-2025"]')).to_be_visible()
    chart = page.locator("svg.decile-chart")
    expect(chart).to_be_visible()
    expect(chart.locator("rect.bar")).to_have_count(7 * 10)
    expect(page.locator("#decile-table caption")).to_have_text(
        "Share of projects deletable, by popularity decile"
    )
    expect(page.locator("#recompute")).to_have_count(0)  # Support staff read; admins recompute.
    shot(page, "every preset compared, with the decile chart")

    page.locator("#presets input[value=pep763]").uncheck()
    for name in ("npm", "crates-io", "rubygems", "immutable"):
        page.locator(f"#presets input[value={name}]").uncheck()
    page.locator("#presets").get_by_role("button").click()
    expect(chart.locator("rect.bar")).to_have_count(2 * 10)
    expect(totals.locator("tr.preset")).to_have_count(2)
    shot(page, "only proposal-2022 and pypi-2025")

    person("alice-maintainer")
    page.context.clear_cookies()
    sign_in(page, "alice-maintainer", next_url="/admin/registry/policy-report/", admin=True)
    expect(page.locator("svg.decile-chart")).to_have_count(0)
    shot(page, "a maintainer is not let in")
