"""Staged removal on the owners' pages and in the admin queue."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from moderation.models import StagedRemoval, StagedState
from moderation.services import staged
from registry import services as registry
from registry.models import Project, ProjectStatus, RoleName
from tests.factories import DependencyFactory, UserFactory, publish

pytestmark = pytest.mark.django_db


@pytest.fixture
def project(owner):
    project = registry.create_project(name="Leaving_Pkg", owner=owner, actor=owner, reason="t")
    publish(project, "1.0", actor=owner, now=timezone.now())
    return project


def start_url(project, query=""):
    return f"/manage/{project.normalized_name}/schedule-removal/{query}"


def test_the_project_page_offers_the_staged_removal_to_owners(client, owner, project):
    client.force_login(owner)

    page = client.get(f"/manage/{project.normalized_name}/").content.decode()

    assert start_url(project) in page
    assert "Deprecate and schedule removal" in page


def test_an_owner_sees_the_dates_then_schedules_the_removal(client, owner, project):
    client.force_login(owner)
    form = client.get(start_url(project))
    assert form.status_code == 200
    pending_on = (timezone.now() + timedelta(days=30)).strftime("%Y-%m-%d")
    assert f"From {pending_on}: pending removal" in form.content.decode()

    wrong = client.post(start_url(project), {"message": "Bye", "confirm_name": "leaving-pkg"})
    assert "Type the project&#x27;s name exactly" in wrong.content.decode()
    assert not StagedRemoval.objects.exists()

    done = client.post(start_url(project), {"message": "Bye", "confirm_name": "Leaving_Pkg"})

    case = StagedRemoval.objects.get()
    assert done.status_code == 302
    assert done["Location"] == f"/account/staged/{case.pk}/"
    project.refresh_from_db()
    assert (project.status, project.status_reason) == (ProjectStatus.DEPRECATED, "Bye")
    assert case.state == StagedState.DEPRECATED


def test_a_release_can_be_staged_alone(client, owner, project):
    client.force_login(owner)

    client.post(
        start_url(project, "?release=1.0"), {"message": "Old", "confirm_name": "Leaving_Pkg"}
    )

    case = StagedRemoval.objects.get()
    assert case.release.version == "1.0"
    assert case.release.yanked
    project.refresh_from_db()
    assert project.status == ProjectStatus.ACTIVE


@pytest.mark.parametrize("who", ["maintainer", "other", "support"])
def test_only_owners_can_schedule(client, owner, project, support_user, who):
    user = {"maintainer": UserFactory(), "other": UserFactory(), "support": support_user}[who]
    if who == "maintainer":
        registry.add_role(
            project=project, user=user, role=RoleName.MAINTAINER, actor=owner, reason="help"
        )
    client.force_login(user)

    response = client.post(start_url(project), {"message": "x", "confirm_name": "Leaving_Pkg"})

    assert response.status_code == 403
    assert not StagedRemoval.objects.exists()


def test_the_owner_cancels_and_everything_goes_back(client, owner, project):
    case = staged.start(project=project, message="Bye", actor=owner)
    client.force_login(owner)

    page = client.get(f"/account/staged/{case.pk}/")
    assert "Cancel the staged removal" in page.content.decode()
    client.post(f"/account/staged/{case.pk}/", {"reason": "Changed my mind"})

    case.refresh_from_db()
    project.refresh_from_db()
    assert case.state == StagedState.CANCELLED
    assert project.status == ProjectStatus.ACTIVE


def test_another_user_cannot_see_or_cancel(client, owner, project):
    case = staged.start(project=project, message="Bye", actor=owner)
    client.force_login(UserFactory())

    assert client.get(f"/account/staged/{case.pk}/").status_code == 403
    assert client.post(f"/account/staged/{case.pk}/", {"reason": "x"}).status_code == 403
    case.refresh_from_db()
    assert case.state == StagedState.DEPRECATED


def make_cases(count, owner, *, start=0):
    now = timezone.now()
    for number in range(start, start + count):
        project = registry.create_project(
            name=f"staged-{number}", owner=owner, actor=owner, reason="t"
        )
        staged.start(project=project, message="Bye", actor=owner, now=now - timedelta(days=25))


def changelist_queries(client):
    with CaptureQueriesContext(connection) as queries:
        assert client.get("/admin/moderation/stagedremoval/").status_code == 200
    return len(queries)


def test_the_admin_queue_has_a_fixed_number_of_queries(client, owner, registry_admin):
    client.force_login(registry_admin)
    make_cases(5, owner)
    five = changelist_queries(client)
    make_cases(45, UserFactory(), start=5)

    assert changelist_queries(client) == five


def test_the_queue_shows_the_next_step_and_filters_the_next_week(client, owner, registry_admin):
    make_cases(2, owner)
    late = registry.create_project(name="later", owner=owner, actor=owner, reason="t")
    staged.start(project=late, message="Later", actor=owner)
    client.force_login(registry_admin)

    page = client.get("/admin/moderation/stagedremoval/?next=week").content.decode()

    assert "staged-0" in page and "staged-1" in page
    assert "later" not in page
    assert "hidden from /simple/ (pending removal)" in page


def awaiting(owner):
    project = Project.objects.get(normalized_name="leaving-pkg")
    then = timezone.now() - timedelta(days=61)
    case = staged.start(project=project, message="Bye", actor=owner, now=then)
    actor = staged.scheduler_user()
    staged.advance_batch(now=then + timedelta(days=31), actor=actor)
    staged.advance_batch(now=then + timedelta(days=61), actor=actor)
    case.refresh_from_db()
    assert case.state == StagedState.AWAITING_REVIEW
    return case


def test_an_admin_approves_through_the_confirmation_page(client, owner, project, registry_admin):
    case = awaiting(owner)
    client.force_login(registry_admin)
    data = {"action": "approve_staged", "_selected_action": [case.pk]}

    confirm = client.post("/admin/moderation/stagedremoval/", data)
    assert "Reason" in confirm.content.decode()
    client.post("/admin/moderation/stagedremoval/", {**data, "post": "yes", "reason": "Reviewed"})

    case.refresh_from_db()
    project.refresh_from_db()
    assert case.state == StagedState.REMOVED
    assert project.is_removed
    assert case.removal_events.get().category == "staged_removal"


def test_support_staff_cannot_approve(client, owner, project, support_user):
    case = awaiting(owner)
    client.force_login(support_user)

    listing = client.get("/admin/moderation/stagedremoval/").content.decode()
    assert "approve_staged" not in listing
    client.post(
        "/admin/moderation/stagedremoval/",
        {"action": "approve_staged", "_selected_action": [case.pk], "post": "yes", "reason": "x"},
    )

    case.refresh_from_db()
    assert case.state == StagedState.AWAITING_REVIEW


def test_an_admin_extends_a_case_awaiting_review(client, owner, project, registry_admin):
    case = awaiting(owner)
    client.force_login(registry_admin)

    client.post(
        "/admin/moderation/stagedremoval/",
        {
            "action": "extend_staged",
            "_selected_action": [case.pk],
            "post": "yes",
            "reason": "Give them time",
            "days": 14,
        },
    )

    case.refresh_from_db()
    assert case.state == StagedState.PENDING_REMOVAL
    assert case.next_step_at > timezone.now() + timedelta(days=13)


def test_the_dashboard_counts_staged_removals(client, owner, project, registry_admin):
    awaiting(owner)
    client.force_login(registry_admin)

    page = client.get("/admin/moderation/legaltakedown/dashboard/").content.decode()

    assert (
        '<td class="staged-review"><a href="/admin/moderation/stagedremoval/?next=review">1</a>'
        in page
    )


def test_any_spelling_of_the_project_and_version_redirects_to_the_canonical_page(
    client, owner, project
):
    client.force_login(owner)

    by_name = client.get("/manage/LEAVING.pkg/schedule-removal/")
    by_version = client.get(start_url(project, "?release=1.0.0"))
    both = client.get("/manage/Leaving-Pkg/schedule-removal/?release=1.0.0&x=1")

    assert (by_name.status_code, by_name["Location"]) == (302, start_url(project))
    assert (by_version.status_code, by_version["Location"]) == (
        302,
        start_url(project, "?release=1.0"),
    )
    assert both["Location"] == start_url(project, "?release=1.0&x=1")
    page = client.get(by_version["Location"])
    assert page.status_code == 200
    assert page.context["release"].version == "1.0"


@pytest.mark.parametrize("version", ["2.0", "not a version", "1.0\x00"])
def test_a_version_the_project_does_not_have_is_a_readable_404(client, owner, project, version):
    client.force_login(owner)

    response = client.get(start_url(project), {"release": version})

    assert response.status_code == 404
    assert "has no live release" in response.content.decode()


@pytest.mark.parametrize(
    ("count", "sentence"),
    [
        (1, "1 other project requires Leaving_Pkg in its latest release: dep-0."),
        (2, "2 other projects require Leaving_Pkg in their latest release: dep-0, dep-1."),
    ],
)
def test_the_form_says_who_depends_on_it_in_plain_words(client, owner, project, count, sentence):
    for n in range(count):
        dependent = registry.create_project(name=f"dep-{n}", owner=owner, actor=owner, reason="t")
        DependencyFactory(
            release=publish(dependent, "1.0", actor=owner, now=timezone.now()), name="leaving-pkg"
        )
    client.force_login(owner)

    assert sentence in client.get(start_url(project)).content.decode()
