"""PEP 541 name requests in the admin: the queue, the decision page, contacting the owners, the
transfer and the refusal, and the open request on the project's admin page."""

import datetime
import re
from html import unescape

import factory
import pytest
from django.core import mail
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from moderation import services
from moderation.models import Message, MessageKind, NameRequest, NameRequestContact
from moderation.services import hash_key, names, staged
from registry.models import OwnershipTransfer, Role, RoleName
from registry.paginators import timed_count_overhead
from tests.factories import (
    CaseFactory,
    DependencyFactory,
    DownloadCountFactory,
    FileFactory,
    ProjectFactory,
    ReleaseFactory,
    RoleFactory,
    UserFactory,
)
from tests.races import on_postgresql, race

DAY = datetime.timedelta(days=1)
YEAR = 365 * DAY


class NameRequestFactory(CaseFactory):
    """A name request as filed, without the facts (other queues' tests enumerate it too)."""

    requested_name = factory.LazyAttribute(lambda o: o.project.name)
    ground = "abandoned"
    intent = "maintain"
    details = "I maintain the fork everybody uses; the owner has not answered for two years."
    looked_for_another_name = True

    class Meta:
        model = "moderation.NameRequest"
        skip_postgeneration_save = True


def changelist(query=""):
    return reverse("admin:moderation_namerequest_changelist") + query


def decision_url(case):
    return reverse("admin:moderation_namerequest_change", args=[case.pk])


def transition_url(case, name):
    return reverse("admin:moderation_namerequest_transition", args=[case.pk, name])


def listed(response):
    return [case.pk for case in response.context["cl"].result_list]


def client_for(user):
    client = Client()
    client.force_login(user)
    return client


def text_of(response):
    return unescape(re.sub(r"\s+", " ", response.content.decode()))


def owner_with_email(username, *, last_seen):
    return UserFactory(username=username, email=f"{username}@example.org", last_login=last_seen)


def abandoned_project(*owner_names, name="oldpad"):
    """A project last released two years ago, with its owners (last seen as long ago), one
    dependent project (whose owner has an e-mail address) and some downloads."""
    now = timezone.now()
    project = ProjectFactory(name=name, created_at=now - 3 * YEAR)
    owners = []
    for username in owner_names or ("old-owner",):
        owner = owner_with_email(username, last_seen=now - 2 * YEAR)
        RoleFactory(project=project, user=owner, role=RoleName.OWNER, created_at=now - 3 * YEAR)
        owners.append(owner)
    release = ReleaseFactory(project=project, version="1.0", created_at=now - 2 * YEAR)
    wheel = FileFactory(release=release, uploaded_at=now - 2 * YEAR, uploaded_by=owners[0])
    DownloadCountFactory(file=wheel, day=now.date() - DAY, count=120)
    dependent = ProjectFactory(name=f"uses-{name}")
    RoleFactory(
        project=dependent,
        user=UserFactory(username=f"{name}-user", email=f"{name}-user@example.org"),
        role=RoleName.OWNER,
    )
    DependencyFactory(release=ReleaseFactory(project=dependent), name=name)
    return project, owners


@pytest.fixture
def claimant(db):
    return UserFactory(username="claimant", email="claimant@example.org", first_name="Clara")


def file_request(project, requester, *, ground="abandoned", intent="maintain"):
    case, _key = names.submit_name_request(
        project=project,
        requester=requester,
        ground=ground,
        intent=intent,
        details="The owner has not answered my e-mails since 2024; I maintain the fork.",
        looked_for_another_name=True,
        now=timezone.now(),
    )
    return case


def contact(case, support_user):
    return names.apply_transition(
        case=case, name="contact_owners", actor=support_user, reason="The claim holds"
    )


def lapse(case):
    """The scheduler moves the request on once the owners' period is over."""
    later = timezone.now() + 43 * DAY
    assert names.lapse_batch(now=later, actor=staged.scheduler_user()) == [case]
    case.refresh_from_db()
    return case


# The queue ----------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_queue_lists_each_request_with_its_ground_intent_and_answer_date(support_client):
    now = timezone.now()
    waiting = NameRequestFactory(
        state="contacting_owners", reachable_until=now + 20 * DAY, intent="replace"
    )
    squatted = NameRequestFactory(ground="squatting")

    response = support_client.get(changelist("?open=any"))

    assert response.status_code == 200
    assert set(listed(response)) == {waiting.pk, squatted.pk}
    html = text_of(response)
    assert f">{waiting.reference}</a>" in response.content.decode()
    assert "Name squatting" in html and "Abandoned" in html
    assert "replace" in html and "maintain" in html
    assert f"<strong>{timezone.localtime(waiting.reachable_until):%Y-%m-%d}</strong>" in html
    assert "waiting for the owners' answer" in html
    counts = {row["state"]: row["total"] for row in response.context["state_counts"]}
    assert counts["contacting_owners"] == 1 and counts["submitted"] == 1


@pytest.mark.django_db
def test_the_queue_filters_by_state_ground_and_intent(support_client):
    abandoned = NameRequestFactory()
    squatted = NameRequestFactory(ground="squatting", intent="replace")
    awaiting = NameRequestFactory(state="awaiting_decision")
    refused = NameRequestFactory(state="refused", closed_at=timezone.now())

    def shown(query):
        return set(listed(support_client.get(changelist("?open=any&" + query))))

    assert shown("ground__exact=squatting") == {squatted.pk}
    assert shown("ground__exact=abandoned") == {abandoned.pk, awaiting.pk, refused.pk}
    assert shown("intent__exact=replace") == {squatted.pk}
    assert shown("state__exact=awaiting_decision") == {awaiting.pk}
    assert set(listed(support_client.get(changelist("?open=no")))) == {refused.pk}


@pytest.mark.django_db
def test_the_queue_is_searched_by_reference_project_name_and_email(support_client):
    wanted = NameRequestFactory(
        project=ProjectFactory(name="Old_Thing"), requester_email="clara@example.org"
    )
    NameRequestFactory(project=ProjectFactory(name="new-thing"))

    for term in (wanted.reference, "old.thing", "OLD-TH", "clara@example.org"):
        response = support_client.get(changelist("?open=any"), {"q": term})
        assert listed(response) == [wanted.pk], term
    assert listed(support_client.get(changelist("?open=any"), {"q": "thing"})) == []


@pytest.mark.django_db
def test_the_queue_costs_the_same_few_queries_with_5_or_50_requests(
    support_client, support_user, django_assert_max_num_queries
):
    def build(n):
        return NameRequestFactory(
            assignee=support_user if n % 2 else None,
            state=["submitted", "contacting_owners", "awaiting_decision"][n % 3],
            reachable_until=timezone.now() + n * DAY if n % 3 else None,
            ground=["abandoned", "squatting", "invalid"][n % 3],
        )

    for n in range(5):
        build(n)
    url = changelist("?open=any&ground__exact=abandoned")
    support_client.get(url)  # warm the per-process caches (content types)
    with CaptureQueriesContext(connection) as few:
        support_client.get(url)
    for n in range(5, 50):
        build(n)

    with django_assert_max_num_queries(len(few)):
        response = support_client.get(url)
    assert len(listed(response)) == 17
    with django_assert_max_num_queries(12 + timed_count_overhead(connection)):
        support_client.get(changelist("?open=yes&assignee=me_or_nobody"))


# The decision page --------------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_decision_page_shows_the_claim_the_facts_then_and_now_and_what_to_weigh(
    support_client, claimant
):
    project, _owners = abandoned_project()
    case = file_request(project, claimant)
    earlier = file_request(
        ProjectFactory(name="ancient", created_at=case.created_at - 3 * YEAR),
        claimant,
        ground="squatting",
    )
    # Since it was filed, a second owner joined the project.
    RoleFactory(project=project, user=owner_with_email("newcomer", last_seen=timezone.now()))

    response = support_client.get(decision_url(case))

    assert response.status_code == 200
    html = text_of(response)
    # The claim.
    assert "PEP 541 ground" in html
    assert "Abandoned: no release for 12 months and the owners unreachable" in html
    assert "Continue maintaining the existing project" in html
    assert "The owner has not answered my e-mails since 2024" in html
    assert "Confirmed they looked for another name</th><td><pre>Yes" in html
    # The requester and their other requests.
    assert "account <strong>claimant</strong>" in html
    assert f'href="{decision_url(earlier)}">{earlier.reference}</a>: ancient' in html
    # The facts now beside the facts when filed: the newcomer is new.
    rows = {row["label"]: row for row in response.context["facts"]}
    assert rows["Releases"]["now"] == rows["Releases"]["filed"]
    assert not rows["Releases"]["changed"]
    assert rows["newcomer (owner)"]["filed"] is None and rows["newcomer (owner)"]["changed"]
    assert rows["old-owner (owner)"]["now"].startswith("last signed in")
    assert rows["Projects that depend on it"]["now"] == "1: uses-oldpad"
    assert "120 in the last 7 days" in rows["Downloads"]["now"]
    # What to weigh: the dependents, the newcomer's recent activity, the reachability period.
    cautions = response.context["cautions"]
    assert any("uses-oldpad" in caution and "supply-chain" in caution for caution in cautions)
    assert any(caution.startswith("newcomer has been active") for caution in cautions)
    assert "The owners must be given the reachability period</strong> (42 days)" in html
    assert "The owners have not been contacted." in html
    assert "The name has not changed hands." in html
    # What a change of hands would affect, without a policy judgement.
    assert "1 other project depends on oldpad." in html
    assert "An owner would be refused" not in html
    # Support may contact the owners; the transfer is an admin's, and not yet possible.
    steps = {transition.name for transition, _url, _refusal in response.context["steps"]}
    assert steps == {"contact_owners"}
    assert "Only a registry admin can: transfer the name; refuse the request." in html


@pytest.mark.django_db
def test_a_squatting_claim_does_not_need_the_owners_period(registry_admin_client, claimant):
    project = ProjectFactory(name="emptypad", created_at=timezone.now() - 30 * DAY)
    RoleFactory(project=project, user=owner_with_email("squatter", last_seen=None))
    case = file_request(project, claimant, ground="squatting", intent="replace")

    response = registry_admin_client.get(decision_url(case))

    html = text_of(response)
    assert "The owners' reachability period is not required for this ground" in html
    rows = {row["label"]: row["now"] for row in response.context["facts"]}
    assert rows["Releases"] == "none ever"
    steps = {transition.name: refusal for transition, _url, refusal in response.context["steps"]}
    assert set(steps) == {"contact_owners", "transfer", "refuse"}
    assert steps["transfer"] is None


@pytest.mark.django_db
def test_the_decision_page_costs_a_fixed_number_of_queries(
    registry_admin_client, support_user, claimant, django_assert_max_num_queries
):
    def page(case):
        with CaptureQueriesContext(connection) as queries:
            response = registry_admin_client.get(decision_url(case))
        assert response.status_code == 200
        return len(queries)

    small, _ = abandoned_project(name="small")
    one = contact(file_request(small, claimant), support_user)
    page(one)  # warm the per-process caches
    few = page(one)

    big, _ = abandoned_project(*(f"owner-{n}" for n in range(6)), name="big")
    for _ in range(4):
        file_request(ProjectFactory(created_at=timezone.now() - 3 * YEAR), claimant)
    many = contact(file_request(big, claimant), support_user)
    for n in range(5):
        services.message_requester(case=many, body=f"Note {n}", actor=support_user)
    many.refresh_from_db()
    assert NameRequestContact.objects.filter(request=many).count() == 6

    with django_assert_max_num_queries(few):
        registry_admin_client.get(decision_url(many))
    assert few <= 30


# Contacting the owners ---------------------------------------------------------------------------


@pytest.mark.django_db
def test_support_contacts_the_owners_and_each_owner_is_written_to(
    support_client, claimant, django_capture_on_commit_callbacks
):
    project, owners = abandoned_project("alice", "bob")
    case = file_request(project, claimant)
    url = transition_url(case, "contact_owners")

    page = support_client.get(url)
    assert page.status_code == 200
    plan = [item.label for item in page.context["plan"]]
    assert plan[0] == 'E-mail 2 owners a private "keep my project" link'
    assert plan[1].startswith("Start the reachability period: owners may answer until")
    assert "alice (alice@example.org), bob (bob@example.org)" in text_of(page)
    assert 'id="facts"' in page.content.decode()
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        response = support_client.post(url, {"reason": "The claim holds: no release since 2024"})

    assert response.status_code == 302
    case.refresh_from_db()
    assert case.state == "contacting_owners"
    assert case.reachable_until is not None
    for owner in owners:
        [message] = [message for message in mail.outbox if owner.email in message.to]
        assert message.to == [owner.email]
        assert "a request for the name oldpad" in message.subject
        assert "If you want to keep your project, say so with one click" in message.body
    assert not [m for m in mail.outbox if "keep your project" in m.body and len(m.to) != 1]
    contacts = NameRequestContact.objects.filter(request=case).order_by("owner__username")
    assert [c.owner for c in contacts] == owners
    page = text_of(support_client.get(decision_url(case)))
    assert "The owners may answer until" in page
    assert page.count('<tr class="contact">') == 2
    assert "alice@example.org" in page and "no answer" in page


@pytest.mark.django_db
def test_each_owner_gets_a_link_to_their_own_answer_page(
    support_client, claimant, django_capture_on_commit_callbacks
):
    project, _owners = abandoned_project("alice", "bob")
    case = file_request(project, claimant)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        support_client.post(transition_url(case, "contact_owners"), {"reason": "Valid"})

    prefix = reverse("moderation:name-owner", kwargs={"key": "KEY"}).split("KEY")[0]
    assert prefix.startswith("/names/owner/")
    for contact_row in NameRequestContact.objects.filter(request=case):
        [message] = [m for m in mail.outbox if m.to == [contact_row.email]]
        [key] = re.findall(re.escape(prefix) + r"([^/\s]+)/", message.body)
        assert hash_key(key) == contact_row.key_hash


@pytest.mark.django_db
def test_the_owners_answer_is_not_a_step_of_the_admin(registry_admin_client, claimant):
    project, _owners = abandoned_project()
    case = file_request(project, claimant)

    assert registry_admin_client.get(transition_url(case, "keep_project")).status_code == 404
    response = registry_admin_client.post(transition_url(case, "keep_project"), {"reason": "x"})
    assert response.status_code == 404
    case.refresh_from_db()
    assert case.state == "submitted"


@pytest.mark.django_db
def test_an_owners_answer_shows_on_the_decision_page(support_client, support_user, claimant):
    project, [owner] = abandoned_project()
    case = contact(file_request(project, claimant), support_user)
    names.keep_project(case=case, owner=owner, answer="Still here, busy with work.")

    html = text_of(support_client.get(decision_url(case)))

    assert '<tr class="contact answered">' in html
    assert ": keep my project</strong>" in html
    assert "Still here, busy with work." in html
    assert '<td id="state"><strong>Refused</strong>' in html


# The decision -------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_transfer_page_shows_the_plan_the_facts_and_the_impact(
    registry_admin_client, support_user, claimant
):
    project, _owners = abandoned_project()
    case = lapse(contact(file_request(project, claimant), support_user))
    assert case.state == "awaiting_decision"

    response = registry_admin_client.get(transition_url(case, "transfer"))

    assert response.status_code == 200
    html = text_of(response)
    assert "This changes the registry" in html
    plan = [item.label for item in response.context["plan"]]
    assert plan[0] == "Make claimant an owner of oldpad"
    assert plan[1] == "End 1 role: kept in history, restorable from the transfer"
    assert plan[2].startswith("Tell the owners of 1 dependent project")
    assert "old-owner (owner)" in html
    # The impact of a change of hands, without a policy judgement; the facts and cautions.
    [assessment] = response.context["impacts"].shown
    assert assessment.refusal is None
    assert "1 other project depends on oldpad." in html
    assert "An owner would be refused" not in html
    assert 'id="facts"' in html and "uses-oldpad" in html
    assert 'id="cautions"' in html


@pytest.mark.django_db
def test_an_admin_transfers_the_name_and_the_previous_roles_end(
    registry_admin_client,
    registry_admin,
    support_user,
    claimant,
    django_capture_on_commit_callbacks,
):
    project, _owners = abandoned_project()
    case = lapse(contact(file_request(project, claimant), support_user))
    mail.outbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        response = registry_admin_client.post(
            transition_url(case, "transfer"), {"reason": "Owners unreachable for 6 weeks"}
        )

    assert response.status_code == 302
    case.refresh_from_db()
    assert case.state == "transferred" and not case.is_open
    transfer = OwnershipTransfer.objects.get(project=project)
    assert case.transfer == transfer
    assert transfer.new_owner == claimant and transfer.reference == case.reference
    roles = {
        (role.user.username, role.role, role.ended_at is None)
        for role in Role.objects.filter(project=project)
    }
    assert roles == {("claimant", RoleName.OWNER, True), ("old-owner", RoleName.OWNER, False)}
    recipients = {address for message in mail.outbox for address in message.to}
    assert {
        "claimant@example.org",
        "old-owner@example.org",
        "oldpad-user@example.org",
    } <= recipients
    follow = registry_admin_client.get(response.url)
    html = text_of(follow)
    assert "Transfer recorded: oldpad to claimant" in html
    transfer_url = reverse("admin:registry_ownershiptransfer_change", args=[transfer.pk])
    assert f'<a href="{transfer_url}">' in html
    assert "the previous owners can be restored from it" in html
    assert "Owners unreachable for 6 weeks" in html  # the history


@pytest.mark.django_db
def test_a_squatted_empty_project_is_transferred_without_contacting_the_owners(
    registry_admin_client, claimant
):
    project = ProjectFactory(name="emptypad", created_at=timezone.now() - 30 * DAY)
    squatter = owner_with_email("squatter", last_seen=None)
    RoleFactory(project=project, user=squatter)
    case = file_request(project, claimant, ground="squatting", intent="replace")

    response = registry_admin_client.post(
        transition_url(case, "transfer"), {"reason": "An empty placeholder since registration"}
    )

    assert response.status_code == 302
    case.refresh_from_db()
    assert case.state == "transferred"
    assert Role.objects.active().get(project=project).user == claimant
    assert Role.objects.get(project=project, user=squatter).ended_at is not None


@pytest.mark.django_db
def test_a_removed_projects_name_and_its_reservation_are_handed_over(
    registry_admin_client, registry_admin, claimant
):
    from registry import services as registry

    project, [previous] = abandoned_project()
    registry.remove_project(
        project=project, actor=registry_admin, reason="Abandoned spam", category="admin"
    )
    case = file_request(project, claimant, ground="invalid", intent="replace")

    decision = registry_admin_client.get(decision_url(case))
    page = registry_admin_client.get(transition_url(case, "transfer"))

    assert decision.status_code == 200 and page.status_code == 200
    assert "<strong>removed</strong>" in text_of(decision)
    rows = {row["label"]: row["now"] for row in page.context["facts"]}
    assert rows["Status"].startswith("removed on")
    assert rows["Name reservation"].startswith("Name of a removed project, until")
    plan = [item.label for item in page.context["plan"]]
    assert "Hand the reservation of the name oldpad over to claimant" in plan
    response = registry_admin_client.post(
        transition_url(case, "transfer"), {"reason": "The new maintainer of the fork"}
    )
    assert response.status_code == 302
    transfer = OwnershipTransfer.objects.get(project=project)
    assert list(transfer.reservation.allowed_users.all()) == [claimant]
    assert previous in transfer.previous_allowed_users.all()


@pytest.mark.django_db
def test_refusing_needs_a_reason_which_the_requester_reads(registry_admin_client, claimant):
    project, _owners = abandoned_project()
    case = file_request(project, claimant)
    url = transition_url(case, "refuse")

    page = registry_admin_client.get(url)
    assert "Your reason is sent to the requester." in text_of(page)
    empty = registry_admin_client.post(url, {"reason": "  "})
    assert empty.status_code == 400
    case.refresh_from_db()
    assert case.state == "submitted"

    response = registry_admin_client.post(url, {"reason": "The project is used: 120 downloads."})

    assert response.status_code == 302
    case.refresh_from_db()
    assert case.state == "refused"
    [message] = Message.objects.filter(name_request=case, kind=MessageKind.TO_REQUESTER)
    assert message.body == "The project is used: 120 downloads."


@pytest.mark.django_db
@pytest.mark.parametrize("name", ["transfer", "refuse"])
def test_support_staff_are_told_only_an_admin_decides(support_client, claimant, name):
    project = ProjectFactory(name="emptypad", created_at=timezone.now() - 30 * DAY)
    case = file_request(project, claimant, ground="squatting")
    url = transition_url(case, name)

    page = support_client.get(url)
    forged = support_client.post(url, {"reason": "Looks squatted"})

    assert page.status_code == 403 and forged.status_code == 403
    for response in (page, forged):
        assert "Only registry admins can" in text_of(response)
        assert "Support staff can add a recommendation for them." in text_of(response)
    case.refresh_from_db()
    assert case.state == "submitted"
    assert not OwnershipTransfer.objects.exists()


@pytest.mark.django_db
def test_transferring_an_abandoned_name_before_the_period_lapsed_is_refused_readably(
    registry_admin_client, support_user, claimant
):
    project, _owners = abandoned_project()
    case = file_request(project, claimant)
    url = transition_url(case, "transfer")

    decision = registry_admin_client.get(decision_url(case))
    page = registry_admin_client.get(url)
    forged = registry_admin_client.post(url, {"reason": "Looks abandoned"})

    refusal = (
        "PEP 541 transfers an abandoned project's name only when its owners could not be reached"
    )
    assert f"Not now: {refusal}" in text_of(decision)
    for response in (page, forged):
        assert response.status_code == 400
        assert refusal in text_of(response)
        assert 'id="error"' in response.content.decode()
    assert 'type="submit"' not in page.content.decode().split('id="content-main"')[1]
    # While the owners may still answer, too.
    contact(case, support_user)
    assert registry_admin_client.post(url, {"reason": "Too soon"}).status_code == 400
    case.refresh_from_db()
    assert case.state == "contacting_owners"
    assert not OwnershipTransfer.objects.exists()


# The project's admin page -------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_project_admin_page_shows_the_open_name_request_and_its_stage(
    support_client, support_user, claimant
):
    project, _owners = abandoned_project()
    case = contact(file_request(project, claimant), support_user)
    closed = NameRequestFactory(project=project, state="refused", closed_at=timezone.now())
    url = reverse("admin:registry_project_change", args=[project.pk])

    response = support_client.get(url)

    assert response.status_code == 200
    html = text_of(response)
    assert "Open cases about this project" in html
    assert f"{case.reference}: name request, contacting owners" in html
    assert "Stage: contacting owners" in html
    until = timezone.localtime(case.reachable_until)
    assert f"The owners may answer until {until:%Y-%m-%d %H:%M}." in html
    assert f'href="{decision_url(case)}">Open {case.reference}</a>' in html
    assert closed.reference not in html
    other = text_of(
        support_client.get(reverse("admin:registry_project_change", args=[ProjectFactory().pk]))
    )
    assert "Open cases about this project" not in other


@pytest.mark.django_db
def test_the_project_admin_page_lists_every_queues_open_cases_in_fixed_queries(
    registry_admin_client, claimant
):
    from tests.factories import AbuseReportFactory, DeletionExceptionFactory, LegalTakedownFactory

    project, _owners = abandoned_project()
    url = reverse("admin:registry_project_change", args=[project.pk])
    file_request(project, claimant)
    registry_admin_client.get(url)
    with CaptureQueriesContext(connection) as few:
        registry_admin_client.get(url)
    for factory_class in (
        NameRequestFactory,
        LegalTakedownFactory,
        DeletionExceptionFactory,
        AbuseReportFactory,
    ):
        factory_class.create_batch(3, project=project)

    with CaptureQueriesContext(connection) as many:
        response = registry_admin_client.get(url)

    assert len(many) == len(few)
    notices = response.context["project_notices"]
    assert len(notices) == 13
    assert {notice.title.split(":")[0][0] for notice in notices} == {"N", "T", "E", "A"}


# Two admins at once (PostgreSQL) ------------------------------------------------------------------


@on_postgresql
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_admins_deciding_at_once_one_transfers_and_the_other_reads_why_not(
    registry_admin, second_admin, claimant
):
    project = ProjectFactory(name="emptypad", created_at=timezone.now() - 30 * DAY)
    RoleFactory(project=project, user=owner_with_email("squatter", last_seen=None))
    case = file_request(project, claimant, ground="squatting")
    admins = [registry_admin, second_admin]
    steps = [("transfer", "Empty since 2024"), ("refuse", "The name is in use")]

    def decide(n):
        name, reason = steps[n]
        response = client_for(admins[n]).post(transition_url(case, name), {"reason": reason})
        return response.status_code, text_of(response)

    first, second = race(NameRequest, case.pk, decide, in_order=True)

    assert first[0] == 302
    assert second[0] == 400
    assert "so 'Refuse the request' is no longer possible" in second[1]
    assert "someone may have acted on it since you opened it" in second[1]
    case.refresh_from_db()
    assert case.state == "transferred"
    assert OwnershipTransfer.objects.filter(project=project).count() == 1
    decisions = [row.state for row in case.history.order_by("history_date", "history_id")]
    assert decisions.count("transferred") == 1 and "refused" not in decisions


# The dashboard ------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_dashboard_counts_name_requests_like_every_other_queue(support_client, support_user):
    now = timezone.now()
    NameRequestFactory(due_at=now - DAY)  # overdue: staff must act
    NameRequestFactory(state="contacting_owners", due_at=now - DAY)  # the owners' turn
    NameRequestFactory(assignee=support_user)
    NameRequestFactory(state="transferred", closed_at=now)

    response = support_client.get(reverse("admin:moderation_dashboard"))

    queues = {queue["name"]: queue for queue in response.context["queues"]}
    numbers = queues["name requests"]
    assert (numbers["open"], numbers["overdue"], numbers["unassigned"], numbers["mine"]) == (
        3,
        1,
        2,
        1,
    )
    work = f"{changelist()}?open=yes&amp;assignee=me_or_nobody"
    assert f'<a href="{work}">Name requests</a>' in response.content.decode()


@pytest.mark.django_db
def test_staff_who_may_not_view_a_queue_see_none_of_its_cases_on_the_project_page(claimant):
    from django.contrib.auth.models import Permission

    project, _owners = abandoned_project()
    file_request(project, claimant)
    viewer = UserFactory(username="registry-viewer", is_staff=True)
    viewer.user_permissions.add(Permission.objects.get(codename="view_project"))

    response = client_for(viewer).get(reverse("admin:registry_project_change", args=[project.pk]))

    assert response.status_code == 200
    assert response.context["project_notices"] == []
    assert "Open cases about this project" not in text_of(response)
