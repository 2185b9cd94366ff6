"""Notices other apps put on a project page (registry/extensions.py), and the actions hidden."""

import pytest
from django.urls import reverse

from registry import services
from registry.extensions import (
    ProjectNotice,
    project_notices,
    register_project_notices,
    unregister_project_notices,
)
from registry.models import ProjectStatus
from registry.policy import Action
from tests.registry.test_pages import DAY, build_project

pytestmark = pytest.mark.django_db

STAGED = ProjectNotice(
    title="Removal scheduled",
    text="This project is deprecated and its removal is scheduled for 2030-01-01.",
    url="/moderation/staged/7/",
    link_text="Open the case (you can cancel it)",
    level="warning",
    hides=frozenset({Action.DEPRECATE.value, Action.UNDEPRECATE.value, Action.YANK.value}),
)


@pytest.fixture
def notices():
    """A provider registered for one test only; what it returns is the list the test fills."""
    given = []

    def provider(project, user):
        return [notice for notice in given if project.name == "demo-pkg"]

    register_project_notices(provider)
    yield given
    unregister_project_notices(provider)


@pytest.fixture
def project(owner):
    return build_project(owner, age=2 * DAY, files=1)


def page(client, owner, project):
    client.force_login(owner)
    response = client.get(reverse("registry:project", kwargs={"name": project.normalized_name}))
    assert response.status_code == 200
    return response.content.decode()


def test_unregister_forgets_the_provider(owner, project):
    def provider(project, user):
        return [STAGED]

    register_project_notices(provider)
    assert project_notices(project, owner) == [STAGED]
    unregister_project_notices(provider)
    unregister_project_notices(provider)  # Forgetting twice is harmless.
    assert project_notices(project, owner) == []


def test_a_warning_notice_is_shown_at_the_top_with_its_link(client, owner, project, notices):
    notices.append(STAGED)
    html = page(client, owner, project)
    assert "project-notice-warning" in html
    assert "Removal scheduled" in html
    assert "its removal is scheduled for 2030-01-01" in html
    assert 'href="/moderation/staged/7/"' in html
    assert "Open the case (you can cancel it)" in html
    # Above the status panel, where people look first.
    assert html.index("Removal scheduled") < html.index('id="status-heading"')


def test_actions_a_notice_hides_are_not_offered(client, owner, project, notices):
    project.status = ProjectStatus.DEPRECATED
    project.save()
    before = page(client, owner, project)
    assert "Lift the deprecation" in before
    assert ">Yank</a>" in before

    notices.append(STAGED)
    html = page(client, owner, project)
    assert "Lift the deprecation" not in html
    assert ">Deprecate</a>" not in html
    assert "Deprecate and schedule removal" not in html
    assert ">Yank</a>" not in html
    # What the notice does not hide stays.
    assert "Archive" in html
    assert "Remove the project" in html
    assert "are not offered" in html


def test_the_staged_removal_action_is_hidden_with_deprecate(
    client, owner, project, notices, settings
):
    settings.HOLDFAST_STAGED_REMOVAL_URL_NAME = "registry:history"
    assert "Deprecate and schedule removal" in page(client, owner, project)
    notices.append(STAGED)
    assert "Deprecate and schedule removal" not in page(client, owner, project)


def test_the_status_line_points_to_a_warning_and_is_not_plainly_active(
    client, owner, project, notices
):
    notices.append(
        ProjectNotice(
            title="Release 1.0.0 taken down",
            text="An admin disabled a file after a copyright notice.",
            level="warning",
        )
    )
    html = page(client, owner, project)
    status = html[html.index('id="status-heading"') : html.index('id="lock-heading"')]
    assert "Active" in status
    assert 'href="#notice-1">Release 1.0.0 taken down</a>' in status
    assert "A notice above concerns this project" in status


def test_an_info_notice_without_link(client, owner, project, notices):
    notices.append(ProjectNotice(title="Under review", text="Staff are looking at a report."))
    html = page(client, owner, project)
    assert "project-notice-info" in html
    assert "Under review" in html
    assert "See the details" not in html


def test_no_notice_no_section(client, owner, project, notices):
    html = page(client, owner, project)
    assert 'id="notices"' not in html
    assert "status-notices" not in html


def test_alternatives_a_notice_hides_are_not_offered_either(client, owner, project, notices):
    services.lock_deletions(project=project, actor=owner, reason="Stable API")
    assert "Yank the release</a>" in page(client, owner, project)
    notices.append(STAGED)
    html = page(client, owner, project)
    assert "Yank the release" not in html
    assert "Request an exception" in html  # Not an action the notice hides.
