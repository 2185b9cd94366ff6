"""What owners and maintainers see of moderation: the project's notices, "Your requests", the
staged case's next step and timeline, a takedown of their project and their counter-notice."""

import re
from datetime import UTC, date, datetime, timedelta

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from moderation import notifications, services
from moderation.models import DeletionException, LegalTakedown, StagedRemoval
from moderation.notices import project_notices
from moderation.services import staged
from moderation.staged_timeline import timeline
from registry import services as registry
from registry.extensions import project_notices as all_project_notices
from registry.models import RoleName
from registry.policy import Action
from tests.factories import (
    AbuseReportFactory,
    DeletionExceptionFactory,
    LegalTakedownFactory,
    UserFactory,
    publish,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def project(owner):
    project = registry.create_project(name="Leaving_Pkg", owner=owner, actor=owner, reason="t")
    publish(project, "1.0", actor=owner, now=timezone.now())
    return project


@pytest.fixture
def disabled(project, registry_admin, owner):
    """A copyright takedown of release 1.0, whose content a registry admin disabled."""
    case = LegalTakedownFactory(
        project=project,
        state="accepted",
        requester_name="Rita Requester",
        requester_email="rita@example.org",
        organisation="Rita Books Ltd",
    )
    case.releases.add(project.releases.get(version="1.0"))
    mail.outbox.clear()
    return services.apply_transition(
        case=case, name="disable_content", actor=registry_admin, reason="Copied chapter"
    )


def page(response):
    return response.content.decode()


COUNTER_NOTICE = {
    "material": "Release 1.0 of leaving-pkg, at /manage/leaving-pkg/",
    "explanation": "I wrote every line myself.",
    "mistake": "on",
    "name": "Olive Owner",
    "address": "2 Example Road, Exampleton",
    "phone": "+44 20 7946 0000",
    "consent": "on",
    "signature": "olive  owner",
}


# The project's notices ------------------------------------------------------------------------


def test_an_open_staged_removal_is_a_notice_that_hides_the_conflicting_actions(owner, project):
    case = staged.start(project=project, message="Bye", actor=owner)

    [notice] = project_notices(project, owner)

    assert notice.url == f"/account/staged/{case.pk}/"
    assert f"On {case.next_step_at:%Y-%m-%d} the scheduler marks it pending removal" in notice.text
    # "Deprecate and schedule removal" is offered as Action.DEPRECATE too.
    assert notice.hides == {Action.DEPRECATE, Action.UNDEPRECATE}
    assert notice in all_project_notices(project, owner), "registered in ready()"


def test_a_release_staged_alone_hides_nothing_of_the_project(owner, project):
    release = project.releases.get()
    staged.start(project=project, release=release, message="Old", actor=owner)

    [notice] = project_notices(project, owner)

    assert notice.hides == frozenset()
    assert "1.0" in notice.text


def test_a_closed_staged_removal_is_no_notice(owner, project):
    case = staged.start(project=project, message="Bye", actor=owner)
    staged.cancel(case=case, actor=owner, reason="Changed my mind")

    assert project_notices(project, owner) == []


def test_a_takedown_that_disabled_content_warns_and_links_to_the_owners_page(
    owner, project, disabled
):
    [notice] = project_notices(project, owner)

    assert notice.level == "warning"
    assert notice.url == f"/account/takedowns/{disabled.pk}/"
    assert "release 1.0" in notice.text
    assert "counter-notice" in notice.text
    assert notice.hides == frozenset()


def test_only_the_projects_people_and_staff_see_the_notices(
    owner, project, disabled, support_user, registry_admin
):
    maintainer = UserFactory()
    registry.add_role(
        project=project, user=maintainer, role=RoleName.MAINTAINER, actor=owner, reason="help"
    )
    staged.start(project=project, message="Bye", actor=owner)
    for user in (owner, maintainer, support_user, registry_admin):
        assert len(project_notices(project, user)) == 2, user
    for user in (UserFactory(), AnonymousUser()):
        assert project_notices(project, user) == [], user


# The staged case page ---------------------------------------------------------------------------


def test_scheduling_says_so_and_the_case_names_its_next_step_and_date(client, owner, project):
    client.force_login(owner)

    response = client.post(
        f"/manage/{project.normalized_name}/schedule-removal/",
        {"message": "Bye", "confirm_name": "Leaving_Pkg"},
        follow=True,
    )

    case = StagedRemoval.objects.get()
    text = page(response)
    day = f"{case.next_step_at:%Y-%m-%d}"
    assert "its removal is scheduled (S-" in text  # the message
    assert f"On {day} the scheduler marks it pending removal" in text
    assert "next step on" not in text
    assert 'class="stage-track"' in text
    assert 'aria-current="step"' in text
    assert text.count("stage stage-today") == 1
    assert "Cancel the staged removal" in text


def test_the_timeline_has_the_stages_their_dates_and_today(owner, project):
    start = datetime(2026, 1, 5, 12, tzinfo=UTC)
    case = staged.start(project=project, message="Bye", actor=owner, now=start)
    now = start + timedelta(days=3)

    stages = timeline(case, now)

    assert [(s.label, s.status) for s in stages] == [
        ("Deprecated", "current"),
        ("Today", "today"),
        ("Pending removal", "planned"),
        ("Awaiting review", "planned"),
        ("Removed", "planned"),
    ]
    assert stages[0].when == start
    assert stages[2].when == case.next_step_at
    assert stages[3].when > stages[2].when
    assert stages[4].when is None and stages[4].note == "after the review"

    staged.cancel(case=case, actor=owner, reason="No", now=now)
    case.refresh_from_db()
    assert [(s.label, s.status) for s in timeline(case, now)] == [
        ("Deprecated", "done"),
        ("Cancelled", "done"),
        ("Today", "today"),
    ]


# "Your requests" --------------------------------------------------------------------------------


def test_your_requests_lists_everything_filed_or_concerning_your_projects(
    client, owner, project, disabled
):
    exception = DeletionExceptionFactory(project=project, requester=owner)
    notice = LegalTakedownFactory(requester=owner)
    report = AbuseReportFactory(requester=owner)
    case = staged.start(project=project, message="Bye", actor=owner)
    someone_elses = DeletionExceptionFactory(project=project, requester=UserFactory())
    client.force_login(owner)

    text = page(client.get("/account/requests/"))

    assert f'href="/account/requests/{exception.pk}/"' in text
    assert f'href="/account/requests/notice/{notice.pk}/"' in text
    assert f'href="/account/requests/report/{report.pk}/"' in text
    assert f'href="/account/takedowns/{disabled.pk}/"' in text
    assert f'href="/account/staged/{case.pk}/"' in text
    assert f"/account/requests/{someone_elses.pk}/" not in text
    assert "Takedown of your project" in text
    assert "The content is disabled" in text
    assert "5 requests." in text


def test_a_notice_filed_while_signed_in_opens_from_your_requests(client, owner):
    notice = LegalTakedownFactory(requester=owner)
    client.force_login(owner)

    response = client.get(f"/account/requests/notice/{notice.pk}/")

    assert response.status_code == 200
    assert f"/account/requests/notice/{notice.pk}/retract/" in page(response)
    client.force_login(UserFactory())
    assert client.get(f"/account/requests/notice/{notice.pk}/").status_code == 404
    assert client.get(f"/account/requests/staged/{notice.pk}/").status_code == 404


def test_your_requests_has_a_fixed_number_of_queries(client, owner, project):
    release = project.releases.get()

    def queries(count):
        for _ in range(count):
            DeletionExceptionFactory(project=project, requester=owner).releases.add(release)
            LegalTakedownFactory(requester=owner)
            case = LegalTakedownFactory(project=project, state="content_disabled")
            case.releases.add(release)
        client.force_login(owner)
        with CaptureQueriesContext(connection) as captured:
            assert client.get("/account/requests/").status_code == 200
        return len(captured)

    assert queries(1) == queries(5)


def test_your_requests_is_paginated(client, owner, project, settings):
    from moderation.views import maintainers

    for _ in range(maintainers.REQUESTS_PER_PAGE + 1):
        DeletionExceptionFactory(project=project, requester=owner)
    client.force_login(owner)

    first = page(client.get("/account/requests/"))
    second = page(client.get("/account/requests/?page=2"))

    assert "Page 1 of 2" in first and "Older requests" in first
    assert second.count("Deletion exception request") == 1


# The takedown as its owners see it, and their counter-notice -----------------------------------


def test_the_owner_sees_what_was_disabled_and_the_claim_without_private_details(
    client, owner, disabled
):
    client.force_login(owner)

    text = page(client.get(f"/account/takedowns/{disabled.pk}/"))

    assert "Release 1.0" in text
    assert "Rita Requester, on behalf of Rita Books Ltd" in text
    assert disabled.work_description.replace("'", "&#x27;") in text
    for private in ("rita@example.org", disabled.postal_address, disabled.phone):
        assert private not in text
    assert f'href="/account/takedowns/{disabled.pk}/counter-notice/"' in text
    # Where it stands, as steps: what it went through behind, content disabled now.
    current = re.search(r'<li class="step step-current" aria-current="step">(.*?)</li>', text, re.S)
    assert "Content disabled" in current.group(1)
    done = re.findall(r'<li class="step step-done">\s*<span class="step-label">(\w+)', text)
    assert done == ["Accepted"]  # the fixture went straight from accepted to disabled


def test_strangers_and_early_takedowns_are_not_found(client, owner, project, disabled):
    client.force_login(UserFactory())
    assert client.get(f"/account/takedowns/{disabled.pk}/").status_code == 404
    assert client.get(f"/account/takedowns/{disabled.pk}/counter-notice/").status_code == 404
    received = LegalTakedownFactory(project=project)  # the owners have not been told yet
    client.force_login(owner)
    assert client.get(f"/account/takedowns/{received.pk}/").status_code == 404


def test_the_owner_sends_a_counter_notice_and_the_waiting_period_starts(
    client, owner, disabled, django_capture_on_commit_callbacks
):
    url = f"/account/takedowns/{disabled.pk}/counter-notice/"
    client.force_login(owner)
    mail.outbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, COUNTER_NOTICE)

    assert response.status_code == 302
    assert response["Location"] == f"/account/takedowns/{disabled.pk}/"
    case = LegalTakedown.objects.get(pk=disabled.pk)
    assert case.state == "counter_notice"
    today = timezone.now().date()
    assert (case.reinstate_after, case.reinstate_by) == services.workflow.counter_notice_window(
        today
    )
    assert case.counter_notice_by == owner
    assert (case.counter_name, case.counter_phone) == ("Olive Owner", "+44 20 7946 0000")
    assert case.counter_mistake_statement and case.counter_consent
    assert "under penalty of perjury" in case.counter_notice
    assert "Signature: /olive  owner/" in case.counter_notice  # as typed
    latest = case.history.latest()
    assert (latest.history_user, latest.state) == (owner, "counter_notice")
    # The claimant gets a copy (§ 512(g)(2)(B)).
    [to_claimant] = [m for m in mail.outbox if "rita@example.org" in m.to]
    assert "I wrote every line myself." in to_claimant.body
    followed = page(client.get(response["Location"]))
    assert "Counter-notice sent." in followed
    assert f"{case.reinstate_after:%Y-%m-%d}" in followed
    # Sending again changes nothing: the takedown is no longer disabled content to answer.
    again = client.post(url, COUNTER_NOTICE)
    assert again.status_code == 302
    assert LegalTakedown.objects.get(pk=disabled.pk).history.count() == case.history.count()


@pytest.mark.parametrize(
    ("field", "value", "error"),
    [
        ("mistake", "", "§ 512(g)(3)(C)"),
        ("consent", "", "§ 512(g)(3)(D)"),
        ("address", "", "postal address"),
        ("phone", "", "telephone number"),
        ("signature", "Somebody Else", "Type the same full name as above to sign."),
        ("material", "", "Name the material that was removed"),
    ],
)
def test_a_counter_notice_needs_every_statutory_element(
    client, owner, disabled, field, value, error
):
    client.force_login(owner)
    data = {**COUNTER_NOTICE, field: value}
    if not value:
        del data[field]

    response = client.post(f"/account/takedowns/{disabled.pk}/counter-notice/", data)

    assert response.status_code == 400
    assert error in page(response)
    assert LegalTakedown.objects.get(pk=disabled.pk).state == "content_disabled"


def test_a_maintainer_sees_the_takedown_but_cannot_answer_for_the_owners(
    client, owner, project, disabled
):
    maintainer = UserFactory()
    registry.add_role(
        project=project, user=maintainer, role=RoleName.MAINTAINER, actor=owner, reason="help"
    )
    client.force_login(maintainer)

    shown = page(client.get(f"/account/takedowns/{disabled.pk}/"))
    assert "Only the project's owners can send a counter-notice." in shown
    response = client.post(f"/account/takedowns/{disabled.pk}/counter-notice/", COUNTER_NOTICE)
    assert response.status_code == 404
    assert LegalTakedown.objects.get(pk=disabled.pk).state == "content_disabled"


def test_the_engine_refuses_a_counter_notice_from_someone_not_an_owner(project, disabled):
    with pytest.raises(services.engine.RegistryError):
        services.apply_transition(
            case=disabled,
            name="send_counter_notice",
            actor=UserFactory(),
            reason="x",
            counter_notice="mine",
        )


def test_the_email_when_content_is_disabled_links_to_the_counter_notice_form(
    owner, project, registry_admin, django_capture_on_commit_callbacks
):
    case = LegalTakedownFactory(project=project, state="accepted")
    case.releases.add(project.releases.get())
    mail.outbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        services.apply_transition(
            case=case, name="disable_content", actor=registry_admin, reason="Copied"
        )

    [to_owner] = [m for m in mail.outbox if owner.email in m.to]
    assert notifications.counter_notice_url(case) in to_owner.body
    assert to_owner.body.count(f"/account/takedowns/{case.pk}/counter-notice/") == 1


def test_staff_still_record_a_pasted_counter_notice(disabled, support_user):
    received = datetime(2025, 6, 3, 15, 0, tzinfo=UTC)

    case = services.apply_transition(
        case=disabled,
        name="receive_counter_notice",
        actor=support_user,
        reason="By post",
        now=received,
        counter_notice="I own it.",
    )

    assert (case.state, case.counter_notice, case.counter_notice_by) == (
        "counter_notice",
        "I own it.",
        None,
    )
    assert case.reinstate_after == date(2025, 6, 17)


# The deletion-exception form: POST/redirect/GET -------------------------------------------------


def test_filing_an_exception_redirects_with_a_message_and_a_refresh_files_nothing(
    client, owner, project
):
    client.force_login(owner)
    url = f"/manage/{project.normalized_name}/exception/"
    data = {"category": "leaked_secret", "details": "An API key leaked in 1.0."}

    response = client.post(url, data)

    case = DeletionException.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/account/requests/{case.pk}/"
    shown = client.get(response["Location"])
    assert f"Request {case.reference} sent." in page(shown)
    # The browser re-sends the same form (back, then resubmit): nothing is filed twice.
    again = client.post(url, data)
    assert again.status_code == 302
    assert again["Location"] == f"/account/requests/{case.pk}/"
    assert DeletionException.objects.count() == 1
    assert "already filed" in page(client.get(again["Location"]))
