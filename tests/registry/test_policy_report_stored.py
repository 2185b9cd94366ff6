"""The scheduler keeps the policy report in the cache, so the admin page never computes it."""

from datetime import UTC, datetime, timedelta
from io import StringIO
from unittest import mock

import pytest
from django.core.cache import cache
from django.core.management import call_command

from registry.reports import stored
from registry.reports.compare import configs_for
from tests.factories import ProjectFactory

PAGE = "/admin/registry/policy-report/"
NOW = datetime(2026, 3, 2, 10, 30, tzinfo=UTC)


@pytest.fixture(autouse=True)
def empty_cache():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def projects(db):
    return [ProjectFactory(name=f"proj-{n}") for n in range(3)]


def page_without_computing(client):
    """Fetch the page with the comparison made impossible: it must come from the cache."""
    with mock.patch("registry.reports.stored.compare", side_effect=AssertionError("computed")):
        return client.get(PAGE).content.decode()


def scheduler(*args):
    out = StringIO()
    call_command("advance_workflows", *args, stdout=out)
    return out.getvalue()


def test_the_scheduler_computes_the_report_once_an_hour(projects, support_client):
    assert "Compared the deletion-policy presets" in scheduler()
    assert "Compared the deletion-policy presets" not in scheduler()

    page = page_without_computing(support_client)
    assert "3 live projects" in page
    assert "for the current hour" in page


def test_a_dry_run_computes_nothing(projects):
    assert "Compared" not in scheduler("--dry-run")
    assert stored.cached(configs_for(None), now=datetime.now(UTC)) == (None, False)


def test_the_page_shows_the_latest_report_until_the_hour_is_computed(
    projects, support_client, django_assert_max_num_queries
):
    configs = configs_for(None)
    stored.compute(configs, now=datetime.now(UTC) - timedelta(hours=3))
    ProjectFactory(name="brand-new")  # Not in the report kept from three hours ago.

    with django_assert_max_num_queries(8):
        page = page_without_computing(support_client)
    assert "3 live projects" in page
    assert "before this hour: the scheduler computes it again within the hour" in page


def test_the_page_computes_the_report_itself_when_none_is_kept(projects, support_client):
    page = support_client.get(PAGE).content.decode()
    assert "3 live projects" in page
    assert stored.cached(configs_for(None), now=datetime.now(UTC))[1] is True


def test_refresh_computes_only_when_the_hour_has_no_report(projects):
    first = stored.refresh(now=NOW)
    assert first is not None and first["computed_at"] == NOW
    assert stored.refresh(now=NOW + timedelta(minutes=20)) is None
    assert stored.refresh(now=NOW + timedelta(hours=1)) is not None


def test_reports_of_different_presets_are_kept_apart(projects):
    every, one = configs_for(None), configs_for(["npm"])
    stored.compute(one, now=NOW)
    assert stored.cached(every, now=NOW) == (None, False)
    report, current = stored.cached(one, now=NOW)
    assert current and [result.preset for result in report["comparison"].presets] == ["npm"]
