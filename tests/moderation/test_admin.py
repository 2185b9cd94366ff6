"""The moderation queues in the admin: triage lists, decision pages, transitions, dashboard."""

import datetime
import re

import pytest
from django.contrib.auth.models import Permission
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from moderation import services
from moderation.models import (
    AbuseReport,
    DeletionException,
    LegalTakedown,
    Message,
    MessageKind,
    NameRequest,
    Priority,
)
from registry.models import ProjectStatus, RemovalCategory, RemovalEvent, RoleName
from registry.services import lock_deletions
from tests.factories import (
    AbuseReportFactory,
    DeletionExceptionFactory,
    DependencyFactory,
    DownloadCountFactory,
    FileFactory,
    LegalTakedownFactory,
    ProjectFactory,
    ReleaseFactory,
    RoleFactory,
    UserFactory,
)
from tests.moderation.test_admin_names import NameRequestFactory

pytestmark = pytest.mark.django_db

HOUR = datetime.timedelta(hours=1)
DAY = datetime.timedelta(days=1)

QUEUES = {
    "legaltakedown": LegalTakedownFactory,
    "deletionexception": DeletionExceptionFactory,
    "abusereport": AbuseReportFactory,
    "namerequest": NameRequestFactory,
}
EVERYTHING = "?open=any"
DEFAULT_VIEW = "?open=yes&assignee=me_or_nobody"


def now():
    return timezone.now()


def changelist(model_name):
    return reverse(f"admin:moderation_{model_name}_changelist")


def decision_url(case):
    return reverse(f"admin:moderation_{case._meta.model_name}_change", args=[case.pk])


def transition_url(case, name):
    return reverse(f"admin:moderation_{case._meta.model_name}_transition", args=[case.pk, name])


def triage_url(case, what):
    return reverse(f"admin:moderation_{case._meta.model_name}_triage", args=[case.pk, what])


DASHBOARD = "/admin/moderation/legaltakedown/dashboard/"


def shown(response):
    return {case.pk for case in response.context["cl"].result_list}


def buttons(response):
    """The transitions offered as buttons on a decision page."""
    return set(re.findall(r'data-transition="([a-z_]+)"', response.content.decode()))


def row_of(response, case):
    """The change list's table row of `case`, as HTML."""
    html = response.content.decode()
    link = f">{case.reference}</a>"
    rows = [row.split("</tr>")[0] for row in html.split("<tr") if link in row]
    assert len(rows) == 1, f"{case.reference} is not listed once"
    return rows[0]


def client_for(user):
    client = Client()
    client.force_login(user)
    return client


def latest_history(case):
    return case.history.order_by("-history_date", "-history_id").first()


@pytest.fixture(params=["support", "admin"])
def staff(request):
    """Each test runs once as support staff and once as a registry admin."""
    return request.getfixturevalue(
        "support_user" if request.param == "support" else "registry_admin"
    )


@pytest.fixture
def view_only_user(db):
    """Staff who may look at the queues but not triage them."""
    user = UserFactory(username="viewer", is_staff=True)
    user.user_permissions.add(
        *Permission.objects.filter(
            content_type__app_label="moderation", codename__startswith="view_"
        )
    )
    return user


@pytest.fixture
def outsider(db):
    """Staff without any moderation permission."""
    return UserFactory(username="outsider", is_staff=True)


@pytest.fixture
def project_with_files(db):
    """A project an owner published a month ago: one release with two files, one dependent."""
    owner = UserFactory(username="proj-owner")
    project = ProjectFactory(name="tinypad", created_at=now() - 30 * DAY)
    RoleFactory(project=project, user=owner, role=RoleName.OWNER)
    release = ReleaseFactory(project=project, version="1.0", created_at=now() - 30 * DAY)
    files = [FileFactory(release=release), FileFactory(release=release)]
    DownloadCountFactory(file=files[0], day=now().date(), count=42)
    DependencyFactory(release=ReleaseFactory(), name="tinypad")
    return project, release, files, owner


# Change lists ---------------------------------------------------------------------------------


def build_case(factory, n, viewer):
    """Request n: its own project; every other one assigned to the viewer; some overdue."""
    created = now() - datetime.timedelta(days=n % 9, hours=1)
    return factory(
        created_at=created,
        due_at=created + datetime.timedelta(hours=30),
        assignee=viewer if n % 2 else UserFactory(is_staff=True),
        priority=Priority.values[n % len(Priority.values)],
    )


def measure(client, url):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries), response


@pytest.mark.parametrize("model_name", QUEUES)
@pytest.mark.parametrize("url", [EVERYTHING, DEFAULT_VIEW])
def test_changelist_query_count_is_the_same_for_5_and_50_requests(
    client, staff, django_assert_num_queries, model_name, url
):
    factory = QUEUES[model_name]
    client.force_login(staff)
    cases = [build_case(factory, n, staff) for n in range(5)]
    client.get(changelist(model_name) + url)  # warm per-process caches (content types)

    few, response = measure(client, changelist(model_name) + url)
    expected = {c.pk for c in cases if url == EVERYTHING or c.assignee == staff}
    assert shown(response) == expected

    cases += [build_case(factory, n, staff) for n in range(5, 50)]
    with django_assert_num_queries(few):
        response = client.get(changelist(model_name) + url)
    expected = {c.pk for c in cases if url == EVERYTHING or c.assignee == staff}
    assert shown(response) == expected
    assert 'class="overdue"' in response.content.decode()


def test_changelist_shows_counts_per_state(support_client, support_user):
    for _ in range(2):
        LegalTakedownFactory()
    LegalTakedownFactory(state="needs_info", assignee=support_user)
    LegalTakedownFactory(state="rejected", closed_at=now())
    LegalTakedownFactory(state="accepted", due_at=now() - HOUR)

    response = support_client.get(changelist("legaltakedown") + EVERYTHING)

    counts = {row["state"]: row for row in response.context["state_counts"]}
    assert counts["received"]["total"] == 2
    assert counts["needs_info"]["total"] == 1
    assert counts["needs_info"]["mine"] == 1
    assert counts["rejected"]["total"] == 1
    assert counts["accepted"]["overdue"] == 1
    assert counts["content_disabled"]["total"] == 0
    html = response.content.decode()
    assert '<td class="state-received">2</td>' in html
    assert '<td class="state-needs_info">1</td>' in html
    assert '<td class="state-rejected closed-state">1</td>' in html
    assert '<td class="mine-needs_info">1</td>' in html


def test_changelist_opens_on_open_requests_unassigned_or_mine(support_client, support_user):
    mine = LegalTakedownFactory(assignee=support_user)
    mine_closed = LegalTakedownFactory(assignee=support_user, state="rejected", closed_at=now())
    someone_elses = LegalTakedownFactory(assignee=UserFactory(is_staff=True))
    unassigned = LegalTakedownFactory()

    response = support_client.get(changelist("legaltakedown"))
    assert response.status_code == 302
    assert response["Location"] == changelist("legaltakedown") + DEFAULT_VIEW

    response = support_client.get(response["Location"])
    assert shown(response) == {mine.pk, unassigned.pk}
    html = response.content.decode()
    assert '<span class="current">Open, unassigned or mine</span>' in html
    assert 'href="?open=yes">All open</a>' in html
    assert 'href="?open=yes&amp;assignee=me">Open, assigned to me</a>' in html

    response = support_client.get(changelist("legaltakedown") + "?open=yes&assignee=me")
    assert shown(response) == {mine.pk}

    response = support_client.get(changelist("legaltakedown") + "?open=yes")
    assert shown(response) == {mine.pk, someone_elses.pk, unassigned.pk}
    # "Show all" and "Clear all filters" on the list lead to the bare URL: they mean everything.
    response = support_client.get(
        changelist("legaltakedown"),
        headers={"referer": response.request["PATH_INFO"] + "?open=yes"},
    )
    assert response["Location"] == changelist("legaltakedown") + EVERYTHING
    response = support_client.get(changelist("legaltakedown") + EVERYTHING)
    assert shown(response) == {mine.pk, mine_closed.pk, someone_elses.pk, unassigned.pk}


def test_overdue_requests_are_highlighted(support_client):
    late = AbuseReportFactory(
        created_at=now() - 2 * DAY, due_at=now() - datetime.timedelta(hours=3, minutes=5)
    )
    on_time = AbuseReportFactory(due_at=now() + datetime.timedelta(hours=5, minutes=10))
    closed_late = AbuseReportFactory(due_at=now() - DAY, state="cleared", closed_at=now())

    response = support_client.get(changelist("abusereport") + EVERYTHING)

    assert 'class="overdue"' in row_of(response, late)
    assert "overdue by 3 h" in row_of(response, late)
    assert "overdue" not in row_of(response, on_time)
    assert "in 5 h" in row_of(response, on_time)
    assert "overdue" not in row_of(response, closed_late)


def test_a_request_waiting_for_the_requester_is_not_overdue(support_client):
    waiting = LegalTakedownFactory(state="needs_info", due_at=now() - DAY)

    response = support_client.get(changelist("legaltakedown") + EVERYTHING)

    assert "overdue" not in row_of(response, waiting)
    assert "waiting for the requester to answer" in row_of(response, waiting)
    response = support_client.get(changelist("legaltakedown") + "?due=overdue")
    assert shown(response) == set()


def test_filters_by_state_kind_assignee_age_and_due(support_client, support_user):
    colleague = UserFactory(username="colleague", is_staff=True)
    fresh = LegalTakedownFactory(assignee=support_user)
    week_old = LegalTakedownFactory(
        takedown_kind="trademark",
        created_at=now() - 3 * DAY,
        due_at=now() + DAY,
        assignee=colleague,
    )
    old_overdue = LegalTakedownFactory(
        takedown_kind="privacy", created_at=now() - 10 * DAY, due_at=now() - 7 * DAY
    )
    closed = LegalTakedownFactory(state="rejected", closed_at=now(), created_at=now() - 2 * DAY)

    def filtered(query):
        response = support_client.get(changelist("legaltakedown") + query)
        assert response.status_code == 200
        return shown(response)

    assert filtered("?state__exact=rejected") == {closed.pk}
    assert filtered("?takedown_kind__exact=trademark") == {week_old.pk}
    assert filtered("?assignee=me&open=any") == {fresh.pk}
    assert filtered("?assignee=nobody&open=any") == {old_overdue.pk, closed.pk}
    assert filtered(f"?assignee={colleague.pk}") == {week_old.pk}
    assert filtered("?age=day") == {fresh.pk}
    assert filtered("?age=week") == {week_old.pk, closed.pk}
    assert filtered("?age=older") == {old_overdue.pk}
    assert filtered("?open=no") == {closed.pk}
    assert filtered("?due=overdue") == {old_overdue.pk}
    assert (
        "colleague" in support_client.get(changelist("legaltakedown") + EVERYTHING).content.decode()
    )


def test_filters_by_category(support_client):
    malware = AbuseReportFactory(category="malware")
    spam = AbuseReportFactory(category="spam")
    response = support_client.get(changelist("abusereport") + "?category__exact=spam")
    assert shown(response) == {spam.pk}
    assert malware.pk not in shown(response)


def test_search_by_reference_and_project_name(support_client):
    wanted = DeletionExceptionFactory(project=ProjectFactory(name="Needle_Pkg"))
    other = DeletionExceptionFactory()

    response = support_client.get(
        changelist("deletionexception") + f"?open=any&q={wanted.reference}"
    )
    assert shown(response) == {wanted.pk}
    response = support_client.get(changelist("deletionexception") + "?open=any&q=needle-pkg")
    assert shown(response) == {wanted.pk}
    assert other.pk not in shown(response)


# Permissions ----------------------------------------------------------------------------------


def test_staff_without_moderation_permission_get_403(outsider):
    case = LegalTakedownFactory()
    client = client_for(outsider)
    for url in [
        changelist("legaltakedown"),
        changelist("legaltakedown") + EVERYTHING,
        decision_url(case),
        transition_url(case, "accept"),
        DASHBOARD,
    ]:
        assert client.get(url).status_code == 403, url
    response = client.post(transition_url(case, "accept"), {"reason": "Looks fine"})
    assert response.status_code == 403
    case.refresh_from_db()
    assert case.state == "received"


def test_requests_cannot_be_added_or_edited_in_the_admin(registry_admin_client):
    case = AbuseReportFactory()
    add_url = reverse("admin:moderation_abusereport_add")
    assert registry_admin_client.get(add_url).status_code == 403
    response = registry_admin_client.post(decision_url(case), {"state": "cleared"})
    assert response.status_code == 405
    case.refresh_from_db()
    assert case.state == "received"


def test_view_only_staff_see_the_page_but_no_steps_or_triage(view_only_user):
    case = LegalTakedownFactory(state="accepted")
    client = client_for(view_only_user)

    response = client.get(decision_url(case))
    assert response.status_code == 200
    assert buttons(response) == set()
    assert 'id="triage"' not in response.content.decode()

    response = client.post(triage_url(case, "note"), {"body": "I can't write this."})
    assert response.status_code == 403
    assert not Message.objects.filter(takedown=case).exists()


# The decision page ------------------------------------------------------------------------------


def test_decision_page_shows_objects_impact_policy_and_history(
    registry_admin_client, project_with_files
):
    project, _release, files, owner = project_with_files
    lock_deletions(project=project, actor=owner, reason="Stable API")
    case = services.submit_exception(
        project=project,
        category="leaked_secret",
        details="The wheel contains our AWS key.",
        actor=owner,
        files=[files[0]],
    )
    support = UserFactory(username="triager", is_staff=True, is_superuser=True)
    services.apply_transition(
        case=case, name="start_review", actor=support, reason="Looking into it"
    )

    response = registry_admin_client.get(decision_url(case))

    assert response.status_code == 200
    html = response.content.decode()
    # Affected objects, with links to their admin pages.
    assert reverse("admin:registry_project_change", args=[project.pk]) in html
    assert reverse("admin:registry_file_change", args=[files[0].pk]) in html
    assert files[0].filename in html
    assert "Owners: proj-owner." in html
    # Impact: now and when filed.
    assert response.context["impact"]["now"]["dependent_projects"] == 1
    assert response.context["impact"]["now"]["downloads_total"] == 42
    assert response.context["impact"]["when_filed"]["downloads_total"] == 42
    assert '<td class="dependents">1</td>' in html
    # What an owner deleting the file is told: the lock refuses it.
    [(what, decision)] = response.context["decisions"]
    assert what == f"Delete the file {files[0].filename}"
    assert decision.rule == "lock.deletions-locked"
    assert "The deletion lock of tinypad is on" in html
    assert "Request an exception".lower() in html
    # The request and its history.
    assert "The wheel contains our AWS key." in html
    assert "Looking into it" in html
    assert "Exception requested" in html
    assert '<td class="history-user">triager</td>' in html
    assert '<td class="history-state">Under review</td>' in html


def test_decision_page_of_a_whole_project_shows_the_project_deletion_decision(
    support_client, project_with_files
):
    project, *_ = project_with_files
    case = AbuseReportFactory(project=project)

    response = support_client.get(decision_url(case))

    [(what, decision)] = response.context["decisions"]
    assert what == "Delete the project tinypad"
    assert not decision.allowed
    assert decision.rule == "proposal-2022.project-window"
    assert escape(decision.explanation) in response.content.decode()


def test_decision_page_checks_the_dmca_elements(support_client):
    complete = LegalTakedownFactory()
    incomplete = LegalTakedownFactory(signature="", good_faith=False)

    assert "All six elements" in support_client.get(decision_url(complete)).content.decode()
    html = support_client.get(decision_url(incomplete)).content.decode()
    assert "Missing elements" in html
    assert "a physical or electronic signature" in html


def test_decision_page_shows_messages_with_staff_notes_marked(support_client, support_user):
    case, _key = services.submit_abuse_report(
        project=ProjectFactory(),
        category="spam",
        details="Spam links in the description.",
        requester_name="Reporter",
        requester_email="reporter@example.org",
    )
    services.add_note(case=case, body="Probably a competitor.", actor=support_user)
    services.message_requester(case=case, body="Which release?", actor=support_user)
    services.requester_reply(case=case, body="Release 2.0.")

    response = support_client.get(decision_url(case))

    html = response.content.decode()
    assert re.search(r'class="staff-note">.*?Staff only.*?Probably a competitor\.', html, re.S)
    assert "Which release?" in html
    assert "Release 2.0." in html
    assert "Message from the requester" in html


@pytest.mark.parametrize(
    ("factory", "state", "for_support", "for_admin"),
    [
        (
            LegalTakedownFactory,
            "received",
            {"request_info", "accept", "reject"},
            {"request_info", "accept", "reject"},
        ),
        (
            LegalTakedownFactory,
            "accepted",
            {"notify_owner", "reject"},
            {"notify_owner", "disable_content", "reject"},
        ),
        (
            LegalTakedownFactory,
            "counter_notice",
            {"report_court_action"},
            {"report_court_action", "reinstate"},
        ),
        (
            DeletionExceptionFactory,
            "submitted",
            {"start_review", "reject"},
            {"start_review", "approve", "reject"},
        ),
        (AbuseReportFactory, "received", {"triage", "clear"}, {"triage", "quarantine", "clear"}),
        (AbuseReportFactory, "quarantined", set(), {"remove", "lift_quarantine"}),
        (AbuseReportFactory, "cleared", set(), set()),
        (
            NameRequestFactory,
            "submitted",
            {"contact_owners"},
            {"contact_owners", "transfer", "refuse"},
        ),
        (NameRequestFactory, "contacting_owners", set(), {"refuse"}),
        (NameRequestFactory, "awaiting_decision", set(), {"transfer", "refuse"}),
        (NameRequestFactory, "transferred", set(), set()),
    ],
)
def test_decision_page_offers_only_the_allowed_steps(
    support_user, registry_admin, factory, state, for_support, for_admin
):
    case = factory(state=state)

    support_page = client_for(support_user).get(decision_url(case))
    admin_page = client_for(registry_admin).get(decision_url(case))

    assert buttons(support_page) == for_support
    assert buttons(admin_page) == for_admin
    # Requester steps (retract, withdraw, provide_info) are never offered.
    for response in (support_page, admin_page):
        assert "retract" not in buttons(response)
        assert "withdraw" not in buttons(response)
        assert "keep_project" not in buttons(response)
    executing = for_admin - for_support
    for name in executing:
        assert transition_url(case, name) not in support_page.content.decode()
        assert transition_url(case, name) in admin_page.content.decode()


def test_requester_steps_have_no_confirmation_page(registry_admin_client):
    case = LegalTakedownFactory()
    assert registry_admin_client.get(transition_url(case, "retract")).status_code == 404
    response = registry_admin_client.post(transition_url(case, "retract"), {"reason": "x"})
    assert response.status_code == 404
    assert registry_admin_client.get(transition_url(case, "no_such_step")).status_code == 404
    case.refresh_from_db()
    assert case.state == "received"


# Transitions ----------------------------------------------------------------------------------


def test_a_step_asks_for_a_reason_then_changes_the_state(support_client, support_user):
    case = LegalTakedownFactory()
    url = transition_url(case, "accept")

    response = support_client.get(url)
    assert response.status_code == 200
    html = response.content.decode()
    assert "The notice is complete and valid" in html
    assert 'name="reason"' in html

    response = support_client.post(url, {"reason": "  "})
    assert response.status_code == 400
    case.refresh_from_db()
    assert case.state == "received"

    response = support_client.post(url, {"reason": "All six elements are there."})
    assert response.status_code == 302
    assert response["Location"] == decision_url(case)
    case.refresh_from_db()
    assert case.state == "accepted"
    row = latest_history(case)
    assert row.history_user == support_user
    assert row.history_user_username == "support"
    assert row.history_change_reason == "All six elements are there."
    assert row.state == "accepted"


def test_asking_for_information_sends_the_reason_to_the_requester(support_client):
    case = LegalTakedownFactory()

    response = support_client.get(transition_url(case, "request_info"))
    assert "Your reason is sent to the requester." in response.content.decode()
    support_client.post(transition_url(case, "request_info"), {"reason": "Which files?"})

    case.refresh_from_db()
    assert case.state == "needs_info"
    message = Message.objects.get(takedown=case)
    assert message.kind == MessageKind.TO_REQUESTER
    assert message.body == "Which files?"


def test_support_cannot_execute(support_client, project_with_files):
    project, _release, files, _owner = project_with_files
    case = LegalTakedownFactory(project=project, state="accepted")
    case.files.add(files[0])
    url = transition_url(case, "disable_content")

    response = support_client.get(url)
    assert response.status_code == 403
    assert 'name="reason"' not in response.content.decode()

    response = support_client.post(url, {"reason": "Forged"})
    assert response.status_code == 403
    assert "Only registry admins can disable the content" in response.content.decode()
    case.refresh_from_db()
    assert case.state == "accepted"
    assert not case.removal_events.exists()
    assert not RemovalEvent.objects.exists()
    files[0].refresh_from_db()
    assert not files[0].is_removed


def test_support_cannot_quarantine_by_a_forged_post(support_client, project_with_files):
    project, *_ = project_with_files
    case = AbuseReportFactory(project=project)

    response = support_client.post(transition_url(case, "quarantine"), {"reason": "Forged"})

    assert response.status_code == 403
    case.refresh_from_db()
    project.refresh_from_db()
    assert case.state == "received"
    assert project.status == ProjectStatus.ACTIVE


def test_admin_disables_content_and_the_request_links_its_removal_event(
    registry_admin_client, registry_admin, project_with_files
):
    project, _release, files, _owner = project_with_files
    case = LegalTakedownFactory(project=project, state="accepted")
    case.files.add(files[0])
    url = transition_url(case, "disable_content")

    response = registry_admin_client.get(url)
    assert response.status_code == 200
    plan = response.content.decode().split('id="plan"')[1].split("</ul>")[0]
    assert files[0].filename in plan
    assert files[1].filename not in plan

    response = registry_admin_client.post(url, {"reason": "Valid DMCA notice."})

    assert response.status_code == 302
    case.refresh_from_db()
    assert case.state == "content_disabled"
    [event] = case.removal_events.all()
    assert event.category == RemovalCategory.LEGAL
    assert event.actor == registry_admin
    assert event.reason == "Valid DMCA notice."
    files[0].refresh_from_db()
    files[1].refresh_from_db()
    assert files[0].removal_event == event
    assert not files[1].is_removed
    assert latest_history(case).history_change_reason == "Valid DMCA notice."
    page = registry_admin_client.get(decision_url(case)).content.decode()
    assert reverse("admin:registry_removalevent_change", args=[event.pk]) in page


def test_admin_approves_an_exception_and_the_release_is_removed(
    registry_admin_client, project_with_files
):
    project, release, _files, owner = project_with_files
    case = services.submit_exception(
        project=project,
        category="broken_artifact",
        details="1.0 is broken and still chosen.",
        actor=owner,
        releases=[release],
    )

    page = registry_admin_client.get(transition_url(case, "approve")).content.decode()
    assert "Release 1.0: with its 2 live files" in page
    response = registry_admin_client.post(
        transition_url(case, "approve"), {"reason": "Approved: broken artifact."}
    )

    assert response.status_code == 302
    case.refresh_from_db()
    assert case.state == "approved"
    assert case.closed_at is not None
    [event] = case.removal_events.all()
    assert event.category == RemovalCategory.POLICY_EXCEPTION
    release.refresh_from_db()
    assert release.removal_event == event


def test_admin_quarantines_then_removes_a_reported_project(
    registry_admin_client, project_with_files
):
    project, *_ = project_with_files
    case = AbuseReportFactory(project=project, category="malware")

    response = registry_admin_client.post(
        transition_url(case, "quarantine"), {"reason": "Confirmed malware."}
    )
    assert response.status_code == 302
    case.refresh_from_db()
    project.refresh_from_db()
    assert case.state == "quarantined"
    assert project.status == ProjectStatus.QUARANTINED
    assert not case.removal_events.exists()

    page = registry_admin_client.get(transition_url(case, "remove")).content.decode()
    assert "Remove the whole project tinypad: with 1 live release and 2 live files" in page
    response = registry_admin_client.post(
        transition_url(case, "remove"), {"reason": "Malware: remove."}
    )
    assert response.status_code == 302
    case.refresh_from_db()
    project.refresh_from_db()
    assert case.state == "removed"
    [event] = case.removal_events.all()
    assert event.category == RemovalCategory.SECURITY
    assert project.removal_event == event


def test_a_counter_notice_must_be_pasted_and_reinstating_waits(
    support_user, registry_admin, project_with_files
):
    project, release, _files, _owner = project_with_files
    case = LegalTakedownFactory(project=project, state="accepted")
    case.releases.add(release)
    services.apply_transition(
        case=case, name="disable_content", actor=registry_admin, reason="Valid"
    )
    support = client_for(support_user)
    url = transition_url(case, "receive_counter_notice")

    assert 'name="counter_notice"' in support.get(url).content.decode()
    response = support.post(url, {"reason": "Owner disputes"})
    assert response.status_code == 400
    response = support.post(url, {"reason": "Owner disputes", "counter_notice": "I own it."})
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.state == "counter_notice"
    assert case.counter_notice == "I own it."

    response = client_for(registry_admin).post(
        transition_url(case, "reinstate"), {"reason": "Too early"}
    )
    assert response.status_code == 400
    assert "waiting period runs until" in response.content.decode()
    case.refresh_from_db()
    release.refresh_from_db()
    assert case.state == "counter_notice"
    assert release.is_removed


def test_a_step_taken_meanwhile_is_refused_readably(support_user, registry_admin):
    case = LegalTakedownFactory()
    support = client_for(support_user)
    assert support.get(transition_url(case, "accept")).status_code == 200
    services.apply_transition(case=case, name="reject", actor=registry_admin, reason="Invalid")

    response = support.post(transition_url(case, "accept"), {"reason": "Valid"})

    assert response.status_code == 400
    assert "no longer possible" in response.content.decode()
    case.refresh_from_db()
    assert case.state == "rejected"


# Triage on the decision page --------------------------------------------------------------------


def test_support_triages_from_the_decision_page(support_client, support_user):
    case = DeletionExceptionFactory(requester_email="maintainer@example.org")

    response = support_client.post(triage_url(case, "assign"), {"assignee": support_user.pk})
    assert response.status_code == 302
    response = support_client.post(
        triage_url(case, "priority"), {"priority": Priority.URGENT, "reason": "Leaked key"}
    )
    assert response.status_code == 302
    support_client.post(triage_url(case, "recommend"), {"text": "Approve: the key is live."})
    support_client.post(triage_url(case, "note"), {"body": "Checked the key with AWS."})
    support_client.post(triage_url(case, "message"), {"body": "We are on it."})

    case.refresh_from_db()
    assert case.assignee == support_user
    assert case.priority == Priority.URGENT
    assert case.recommendation == "Approve: the key is live."
    kinds = list(Message.objects.filter(exception=case).values_list("kind", "body"))
    assert kinds == [
        (MessageKind.STAFF_NOTE, "Checked the key with AWS."),
        (MessageKind.TO_REQUESTER, "We are on it."),
    ]
    reasons = set(case.history.values_list("history_change_reason", flat=True))
    assert {"Assigned to support", "Leaked key", "Recommendation"} <= reasons
    page = support_client.get(decision_url(case)).content.decode()
    assert "Approve: the key is live." in page
    assert '<td id="assignee">support</td>' in page

    response = support_client.post(triage_url(case, "assign"), {"assignee": ""})
    case.refresh_from_db()
    assert case.assignee is None


def test_triage_errors_are_shown_not_raised(support_client):
    case = AbuseReportFactory()
    not_staff = UserFactory(username="not-staff")

    response = support_client.post(triage_url(case, "note"), {"body": ""})
    assert response.status_code == 400
    response = support_client.post(triage_url(case, "assign"), {"assignee": not_staff.pk})
    assert response.status_code == 400
    assert support_client.get(triage_url(case, "note")).status_code == 405
    assert support_client.post(triage_url(case, "nonsense"), {}).status_code == 404
    case.refresh_from_db()
    assert case.assignee is None


# The dashboard --------------------------------------------------------------------------------


def test_dashboard_shows_open_overdue_and_oldest_per_queue(support_client, support_user):
    oldest = now() - 5 * DAY - 2 * HOUR
    LegalTakedownFactory(created_at=oldest, due_at=now() - DAY)
    LegalTakedownFactory(state="needs_info", due_at=now() - DAY)  # waits for the requester
    LegalTakedownFactory(assignee=support_user)
    LegalTakedownFactory(state="rejected", closed_at=now(), created_at=now() - 30 * DAY)
    AbuseReportFactory(assignee=support_user, due_at=now() - HOUR)

    response = support_client.get(DASHBOARD)

    assert response.status_code == 200
    queues = {queue["name"]: queue for queue in response.context["queues"]}
    takedowns = queues["legal takedowns"]
    assert (takedowns["open"], takedowns["overdue"], takedowns["unassigned"]) == (3, 1, 2)
    assert takedowns["mine"] == 1
    assert takedowns["oldest"] == oldest
    assert takedowns["waiting_for"] == "5 d 2 h"
    exceptions = queues["deletion exceptions"]
    assert (exceptions["open"], exceptions["overdue"], exceptions["oldest"]) == (0, 0, None)
    reports = queues["abuse reports"]
    assert (reports["open"], reports["overdue"], reports["mine"]) == (1, 1, 1)
    html = response.content.decode()
    assert f"received {oldest:%Y-%m-%d %H:%M} (5 d 2 h ago)" in html
    assert "nothing open" in html


def test_dashboard_query_count_does_not_grow(support_client, django_assert_num_queries):
    for factory in QUEUES.values():
        factory()
    support_client.get(DASHBOARD)
    few, _ = measure(support_client, DASHBOARD)
    for factory in QUEUES.values():
        for _ in range(20):
            factory(due_at=now() - HOUR)
    with django_assert_num_queries(few):
        support_client.get(DASHBOARD)


def test_dashboard_is_linked_from_the_moderation_app_index(support_client):
    response = support_client.get(reverse("admin:app_list", args=["moderation"]))
    assert response.status_code == 200
    assert reverse("admin:moderation_dashboard") in response.content.decode()
    assert reverse("admin:moderation_dashboard") == DASHBOARD


def test_history_rows_of_a_request_can_be_read(support_client):
    case = LegalTakedownFactory()
    response = support_client.get(reverse("admin:moderation_legaltakedown_history", args=[case.pk]))
    assert response.status_code == 200


def test_every_queue_is_registered():
    from django.contrib import admin

    for model in (LegalTakedown, DeletionException, AbuseReport, NameRequest):
        assert admin.site.is_registered(model)
