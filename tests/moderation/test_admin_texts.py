"""What the decision page and its messages say, in words, in every state and after every step."""

import re
from html import unescape

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse

from moderation import state_texts, workflow
from moderation.workflow import Kind, Who
from tests.factories import AbuseReportFactory, DeletionExceptionFactory, LegalTakedownFactory
from tests.moderation.test_admin_names import NameRequestFactory

pytestmark = pytest.mark.django_db

FACTORIES = {
    Kind.TAKEDOWN: LegalTakedownFactory,
    Kind.EXCEPTION: DeletionExceptionFactory,
    Kind.ABUSE: AbuseReportFactory,
    Kind.NAME: NameRequestFactory,
}
ALL_STATES = [(kind, state) for kind in workflow.STATES for state in workflow.STATES[kind]]


def decision_url(case):
    return reverse(f"admin:moderation_{case._meta.model_name}_change", args=[case.pk])


def raw_values(kind):
    """State values that would show a code rather than words (needs_info, owner_notified)."""
    return {state.value for state in workflow.STATES[kind] if "_" in state.value}


@pytest.mark.parametrize(("kind", "state"), ALL_STATES, ids=lambda v: str(v))
def test_every_state_says_whom_it_waits_for(kind, state):
    words = state_texts.waiting_for(kind, state)

    if not workflow.is_open(kind, state):
        assert words == "nothing: the case is closed"
        return
    assert words in state_texts.WAITING_FOR[kind].values()
    mentions_requester = "requester" in words
    assert mentions_requester == (state in workflow.WAITING_ON_REQUESTER[kind])
    staff_must_act = workflow.is_staff_turn(kind, state)
    mentions_staff = "support staff" in words or "registry admin" in words
    assert mentions_staff == staff_must_act
    assert not raw_values(kind) & set(re.findall(r"[a-z_]+", words))


@pytest.mark.parametrize(
    ("kind", "state"), [(k, s) for k, s in ALL_STATES if k in FACTORIES], ids=lambda v: str(v)
)
def test_the_decision_page_says_whom_it_waits_for_in_every_state(
    registry_admin_client, kind, state
):
    case = FACTORIES[kind](state=state)

    html = unescape(registry_admin_client.get(decision_url(case)).content.decode())

    waiting = re.search(r'<td id="waiting-for">(.*?)</td>', html, re.S)[1]
    assert waiting.lower().startswith(state_texts.waiting_for(kind, state)[:20].lower())
    if state not in workflow.WAITING_ON_REQUESTER[kind]:
        assert "requester" not in waiting
        assert "waiting for the requester" not in html.lower()


def test_a_takedown_whose_content_is_disabled_waits_for_the_owners_not_the_requester(
    support_client,
):
    case = LegalTakedownFactory(state="content_disabled")

    html = unescape(support_client.get(decision_url(case)).content.decode())

    assert 'Waiting for</th><td id="waiting-for">A counter-notice from the owners' in html
    assert "waiting for the requester" not in html.lower()


def admin_steps():
    for kind, transitions in workflow.TRANSITIONS.items():
        for transition in transitions:
            if transition.who in (Who.SUPPORT, Who.ADMIN) and kind in FACTORIES:
                yield kind, transition.name


@pytest.mark.parametrize(("kind", "name"), list(admin_steps()), ids=lambda v: str(v))
def test_every_step_of_the_admin_says_what_it_did_in_words(kind, name):
    words = state_texts.DONE[kind][name]

    assert words.endswith(".") and words[0].isupper()
    # Not the fallback ("...: done. The case now waits for ..."); "now" may say who acts next
    # or what someone has become.
    plain = words.replace("now decides", "")
    assert "done" not in words and " now " not in plain
    for state in workflow.STATES[kind]:
        assert state.value not in words or "_" not in state.value


def test_asking_for_information_says_so_in_words(support_client):
    case = LegalTakedownFactory()
    url = reverse("admin:moderation_legaltakedown_transition", args=[case.pk, "request_info"])

    response = support_client.post(url, {"reason": "Which files?"}, follow=True)

    said = [str(message) for message in get_messages(response.wsgi_request)]
    said = said or re.findall(r'<li class="success">(.*?)</li>', response.content.decode())
    assert said == [
        f"{case.reference}: Asked the requester for more information; the case waits for "
        "their answer."
    ]


def test_notifying_the_owners_does_not_print_a_state_value(support_client):
    case = LegalTakedownFactory(state="accepted")
    url = reverse("admin:moderation_legaltakedown_transition", args=[case.pk, "notify_owner"])

    response = support_client.post(url, {"reason": "Valid notice."}, follow=True)

    html = response.content.decode()
    assert "Notified the project&#x27;s owners" in html
    assert "owner notified" not in html.lower().split('<td id="state">')[0]


def test_the_decision_pages_history_reads_to_the_minute_with_the_zone(support_client):
    case = LegalTakedownFactory()
    html = support_client.get(decision_url(case)).content.decode()
    history = html[html.index('id="history"') :]

    created = case.history.earliest().history_date
    assert f">{created:%Y-%m-%d %H:%M} UTC</time>" in history
    assert not re.search(r"\d\d:\d\d:\d\d<", history)
