"""The admin's History pages read as a timeline: who, what in words, when (to the minute, with
the time zone) and why; a project's page includes its releases', files' and removals' events."""

import re
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from registry import services
from registry.models import File, RemovalEvent
from tests.factories import LegalTakedownFactory, publish

pytestmark = pytest.mark.django_db

NOW = timezone.now().replace(microsecond=0) - timedelta(days=1)
HOUR = timedelta(hours=1)
RAW_COLUMNS = ("HISTORY_USER_USERNAME", "HISTORY_CHANGE_REASON", "history_user_username")
# 2026-11-26 14:05 UTC: local time to the minute, with the zone; never seconds or microseconds.
MINUTE_TIME = re.compile(r"\d{4}-\d\d-\d\d \d\d:\d\d UTC")
FINER_TIME = re.compile(r"\d\d:\d\d:\d\d")


@pytest.fixture
def project(owner, registry_admin):
    """A project with a yanked release, and files removed and restored."""
    project = services.create_project(
        name="history-pkg", owner=owner, actor=owner, reason="New project", now=NOW
    )
    publish(project, "1.0", actor=owner, now=NOW, files=2)
    release = publish(project, "2.0", actor=owner, now=NOW + HOUR, files=1)
    services.yank_release(release=release, actor=owner, reason="Broken on Windows", now=NOW + HOUR)
    event = services.remove_files(
        files=list(File.objects.filter(release__version="1.0")),
        actor=owner,
        reason="Leaked a token",
        now=NOW + 2 * HOUR,
    )
    services.restore_removal(
        event=event, actor=registry_admin, reason="Token rotated", now=NOW + 3 * HOUR
    )
    return project


def history_url(model, obj):
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_history", args=[obj.pk])


def page_of(response):
    assert response.status_code == 200
    return response.content.decode()


def assert_readable(page):
    for raw in RAW_COLUMNS:
        assert raw not in page
    assert "pk=None" not in page
    assert "Deleted user" not in page
    assert MINUTE_TIME.search(page)
    times = re.findall(r"<time[^>]*>([^<]*)</time>", page)
    assert times
    for shown in times:
        assert MINUTE_TIME.fullmatch(shown.strip()), shown
        assert not FINER_TIME.search(shown)


def test_the_project_history_in_the_admin_includes_its_releases_and_files(
    registry_admin_client, project
):
    page = page_of(registry_admin_client.get(history_url(type(project), project)))

    assert_readable(page)
    assert "<strong>owner</strong> yanked 2.0: <q>Broken on Windows</q>" in page
    assert "<strong>owner</strong> created release 1.0" in page
    assert (
        "uploaded 2 files: history_pkg-1.0-1-py3-none-any.whl, history_pkg-1.0-2-py3-none-any.whl"
        in page
    )
    assert "<strong>owner</strong> removed 2 files: history_pkg-1.0-1" in page
    assert "<q>Leaked a token</q>" in page
    assert "<strong>registry-admin</strong> restored 2 files: history_pkg-1.0-1" in page
    assert "<q>Token rotated</q>" in page
    assert "<strong>owner</strong> created the project history-pkg" in page
    assert "file(s)" not in page and "release(s)" not in page


def test_the_project_history_in_the_admin_takes_a_fixed_number_of_queries(
    registry_admin_client, project, owner, django_assert_max_num_queries
):
    for n in range(3, 30):
        publish(project, f"{n}.0", actor=owner, now=NOW + 4 * HOUR, files=2)
    with django_assert_max_num_queries(15):
        page = page_of(registry_admin_client.get(history_url(type(project), project)))
    assert "Older" in page


def test_the_admin_and_the_maintainers_show_the_same_timeline(
    client, registry_admin_client, project, owner
):
    admin_entries = registry_admin_client.get(history_url(type(project), project)).context[
        "entries"
    ]
    client.force_login(owner)
    maintainers = client.get(reverse("registry:history", kwargs={"name": "history-pkg"}))

    assert maintainers.context["entries"] == admin_entries
    assert "yanked 2.0" in page_of(maintainers)


def test_support_staff_read_a_project_history_too(support_client, project):
    assert "yanked 2.0" in page_of(support_client.get(history_url(type(project), project)))


def test_the_project_history_is_refused_to_a_maintainer(client, owner, project):
    client.force_login(owner)
    response = client.get(history_url(type(project), project))
    assert response.status_code == 302  # to the admin's login


@pytest.mark.parametrize("which", ["release", "file"])
def test_a_release_or_file_history_page_is_readable(registry_admin_client, project, which):
    file = File.objects.get(filename="history_pkg-1.0-1-py3-none-any.whl")
    obj = project.releases.get(version="2.0") if which == "release" else file

    page = page_of(registry_admin_client.get(history_url(type(obj), obj)))

    assert_readable(page)
    assert "<td>owner</td>" in page
    if which == "release":
        assert "<strong>Yanked:</strong> no &rarr; yes" in page
        assert "<td>Broken on Windows</td>" in page
    else:
        # The removal and its restore in words: labels and plain values, no raw ones.
        assert "<strong>Removed by:</strong> owner &rarr; —" in page
        assert "<td>Token rotated</td>" in page


def test_a_removal_event_history_page_is_readable(registry_admin_client, project):
    event = RemovalEvent.objects.get()

    page = page_of(registry_admin_client.get(history_url(RemovalEvent, event)))

    assert_readable(page)
    assert "<strong>Restored by:</strong> — &rarr; registry-admin" in page
    assert "<td>Token rotated</td>" in page


def test_a_moderation_case_history_page_is_readable(registry_admin_client, registry_admin):
    case = LegalTakedownFactory()
    case.assignee = registry_admin
    case._history_user = registry_admin
    case._change_reason = "Taking it"
    case.save()

    page = page_of(registry_admin_client.get(history_url(type(case), case)))

    assert_readable(page)
    assert '<th scope="col">State</th>' in page
    assert '<th scope="col">Assigned to</th>' in page
    assert "<td>Taking it</td>" in page


def test_one_act_on_many_files_is_one_line(registry_admin_client, owner, registry_admin):
    project = services.create_project(
        name="many-pkg", owner=owner, actor=owner, reason="New", now=NOW
    )
    publish(project, "1.0", actor=owner, now=NOW, files=35)
    event = services.remove_files(
        files=list(File.objects.filter(release__project=project)),
        actor=registry_admin,
        reason="False alarm",
        category="admin",
        now=NOW + HOUR,
    )
    services.restore_removal(event=event, actor=registry_admin, reason="Undo", now=NOW + 2 * HOUR)

    page = page_of(registry_admin_client.get(history_url(type(project), project)))

    assert page.count("restored file ") == 0 and page.count("removed file ") == 0
    assert page.count("<strong>registry-admin</strong> restored 35 files:") == 1
    assert page.count("<strong>registry-admin</strong> removed 35 files:") == 1
    assert page.count("<strong>owner</strong> uploaded 35 files:") == 1
    assert "and 30 more" in page
