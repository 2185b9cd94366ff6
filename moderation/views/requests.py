"""One request, as its requester sees it: by its private link, or under "Your requests".

The private link /requests/<key>/ needs no login: the key is the only capability (Holdfast
stores its SHA-256, never the key), so the page says nothing about other keys. The requester
reads where the request is and what happens next, answers staff, and takes the steps the
transition table gives them (retract, withdraw).
"""

from dataclasses import dataclass

from django.contrib import messages
from django.db.models import Count, Q
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from registry.name_facts import NameFacts
from registry.services import RegistryError

from .. import services, state_texts, workflow
from ..forms import ReasonForm, ReplyForm
from ..models import Message, MessageKind, NameRequestContact
from ..workflow import (
    AbuseState,
    ExceptionState,
    Kind,
    NameRequestState,
    TakedownState,
    Who,
    state_label,
)
from .common import acting_user, not_found, private
from .throttle import throttle, typed_back

KEY_MAX_LENGTH = 128  # keys are 43 characters; longer ones are not worth hashing

# The requester answers "needs information" with the reply form, not with a button.
REPLY_TRANSITIONS = {"provide_info"}

SHOWN_FIELDS = {
    Kind.TAKEDOWN: (
        "organisation",
        "work_description",
        "material_location",
        "legal_basis",
        "details",
        "postal_address",
        "phone",
        "signature",
        "good_faith",
        "accurate_under_perjury",
    ),
    Kind.EXCEPTION: ("category", "details", "refused_rule", "refusal"),
    Kind.ABUSE: ("category", "details", "evidence"),
    Kind.NAME: ("requested_name", "ground", "intent", "details", "looked_for_another_name"),
}

# Labels that speak to the requester where the field's own name is written for staff.
SHOWN_LABELS = {
    Kind.NAME: {
        "requested_name": "The name",
        "ground": "Your PEP 541 ground",
        "intent": "What you will do",
        "details": "What you wrote",
        "looked_for_another_name": "You looked for another name",
    },
}

IMPACT_LABELS = {
    "dependent_projects": "Projects that depend on it",
    "downloads_last_7_days": "Downloads in the last 7 days",
    "downloads_total": "Downloads in total",
    "releases": "Live releases",
    "files": "Live files",
}


# Where a request stands, as steps: each queue's open states grouped into stages, in order, then
# the outcome (the closed state it ended in). A test holds STAGES to `workflow.OPEN_STATES`.
T, E, A, N = TakedownState, ExceptionState, AbuseState, NameRequestState
STAGES = {
    Kind.TAKEDOWN: (
        ("Received", {T.RECEIVED, T.NEEDS_INFO}),
        ("Accepted", {T.ACCEPTED, T.OWNER_NOTIFIED}),
        ("Content disabled", {T.CONTENT_DISABLED, T.COUNTER_NOTICE}),
    ),
    Kind.EXCEPTION: (("Submitted", {E.SUBMITTED}), ("Under review", {E.UNDER_REVIEW})),
    Kind.ABUSE: (
        ("Received", {A.RECEIVED}),
        ("Triaged", {A.TRIAGED}),
        ("Quarantined", {A.QUARANTINED}),
    ),
    Kind.NAME: (
        ("Submitted", {N.SUBMITTED}),
        ("Owners contacted", {N.CONTACTING_OWNERS}),
        ("Awaiting decision", {N.AWAITING_DECISION}),
    ),
}
OUTCOME_STEP = "Decided"


@dataclass(frozen=True)
class Step:
    label: str
    status: str  # "done", "current" or "future"
    detail: str = ""  # the state within the stage, when it says more than the stage's name


def steps(case, visited):
    """Return the Steps of `case`; `visited` is every state its history went through. A stage
    left behind without being visited (a report removed without quarantine) is not shown."""
    result, reached = [], False
    for label, states in STAGES[case.kind]:
        if case.state in states:
            detail = state_label(case.state)
            result.append(Step(label, "current", "" if detail == label else detail))
            reached = True
        elif reached and case.is_open:
            result.append(Step(label, "future"))
        elif visited & states:
            result.append(Step(label, "done"))
    outcome = state_label(case.state) if not case.is_open else OUTCOME_STEP
    result.append(Step(outcome, "future" if case.is_open else "current"))
    return result


def visited_states(case):
    return set(case.history.values_list("state", flat=True).distinct())


@dataclass(frozen=True)
class Access:
    """How the person reached a request: by its private link's key, or as its requester."""

    case: object
    key: str | None = None

    @property
    def via_key(self):
        return self.key is not None

    def url(self, suffix="", **kwargs):
        if self.via_key:
            return reverse(f"moderation:follow{suffix}", kwargs={"key": self.key, **kwargs})
        return reverse(f"moderation:my-request{suffix}", kwargs={"pk": self.case.pk, **kwargs})


def kind_label(case):
    match case.kind:
        case Kind.TAKEDOWN:
            return f"{case.get_takedown_kind_display()} notice"
        case Kind.EXCEPTION:
            return "Deletion exception request"
        case Kind.NAME:
            return "Name request (PEP 541)"
        case _:
            return f"Abuse report ({case.get_category_display().lower()})"


def requester_transitions(case):
    """The transitions the requester may take now (shown as buttons)."""
    return [
        transition
        for transition in workflow.allowed(
            case.kind, case.state, is_admin=False, is_staff=False, is_requester=True
        )
        if transition.name not in REPLY_TRANSITIONS
    ]


def what_was_sent(case):
    rows = []
    for name in SHOWN_FIELDS[case.kind]:
        field = case._meta.get_field(name)
        value = getattr(case, name)
        if field.choices:
            value = getattr(case, f"get_{name}_display")()
        elif isinstance(value, bool):
            value = "Yes" if value else ""
        if value:
            label = SHOWN_LABELS.get(case.kind, {}).get(name) or field.verbose_name.capitalize()
            rows.append((label, value))
    return rows


def conversation(case):
    """Messages to and from the requester, oldest first; staff-only notes never."""
    return list(
        Message.objects.filter(
            **{services.MESSAGE_FIELD[case.kind]: case},
            kind__in=[MessageKind.TO_REQUESTER, MessageKind.FROM_REQUESTER],
        )
        .only("kind", "body", "created_at")
        .order_by("created_at", "pk")
    )


@dataclass(frozen=True)
class OwnersContacted:
    """What the requester may know of the owners' side of a name request."""

    count: int
    answered: int
    until: object  # when the reachability period ends (None: not started)


def owners_contacted(case):
    """How many owners were contacted about `case`, and how many answered (one query)."""
    counts = NameRequestContact.objects.filter(request=case).aggregate(
        count=Count("pk"), answered=Count("pk", filter=Q(answered_at__isnull=False))
    )
    return OwnersContacted(counts["count"], counts["answered"], case.reachable_until)


def name_request_context(case):
    """What a name request's page shows besides every request's: the facts when it was filed,
    and the owners contacted."""
    if case.kind != Kind.NAME:
        return {}
    return {
        "facts": NameFacts.from_dict(case.facts).rows() if case.facts else [],
        "contacted": owners_contacted(case),
    }


def case_page(request, access, *, reply_form=None, error=None, throttled=None, status=200):
    case = access.case
    names = case.kind == Kind.NAME  # a name request names no release or file
    text = state_texts.text(case.kind, case.state)
    waiting_on_requester = case.state in workflow.WAITING_ON_REQUESTER[case.kind]
    if reply_form is None and case.is_open:
        reply_form = ReplyForm()
    if reply_form is not None and not waiting_on_requester:
        reply_form.fields["body"].label = "Your message"  # nobody asked a question yet
    context = {
        "case": case,
        "kind_label": kind_label(case),
        "headline": text.headline,
        "next_step": text.next_step,
        "waiting_on_requester": waiting_on_requester,
        "steps": steps(case, visited_states(case)),
        "thread": conversation(case),
        "releases": []
        if names
        else list(case.releases.order_by("version").values_list("version", flat=True)),
        "files": []
        if names
        else list(case.files.order_by("filename").values_list("filename", flat=True)),
        "sent": what_was_sent(case),
        "impact": [
            (label, case.impact[key])
            for key, label in IMPACT_LABELS.items()
            if case.kind == Kind.EXCEPTION and key in case.impact
        ],
        "actions": [
            (transition, access.url("-act", transition=transition.name))
            for transition in requester_transitions(case)
        ],
        "reply_url": access.url("-reply") if case.is_open else None,
        "reply_form": reply_form,
        "error": error,
        "throttled": throttled,
        "via_key": access.via_key,
        **name_request_context(case),
    }
    return render(request, "moderation/case.html", context, status=status)


def reply(request, access):
    form = ReplyForm(request.POST)
    if not form.is_valid():
        status = 400 if form.is_spam else 200
        return case_page(request, access, reply_form=form, status=status)
    try:
        services.requester_reply(case=access.case, body=form.cleaned_data["body"])
    except RegistryError as error:
        return case_page(request, access, reply_form=form, error=error.message, status=400)
    messages.success(request, "Your answer was sent to the registry staff.")
    return redirect(access.url())


def act(request, access, name):
    """Confirm a requester's transition (retract, withdraw) with a reason, then take it."""
    case = access.case
    transition = next(
        (
            candidate
            for candidate in workflow.TRANSITIONS[case.kind]
            if candidate.name == name
            and candidate.who == Who.REQUESTER
            and candidate.name not in REPLY_TRANSITIONS
        ),
        None,
    )
    if transition is None:
        return not_found(request, "This request has no such action.")
    possible = case.state in transition.sources
    form = ReasonForm(request.POST if request.method == "POST" else None)
    error = None
    status = 200 if possible else 409
    if request.method == "POST" and possible and form.is_valid():
        try:
            case = services.apply_transition(
                case=case,
                name=transition.name,
                actor=acting_user(request),
                reason=form.cleaned_data["reason"],
                via_key=access.via_key,
            )
        except RegistryError as refusal:
            error = refusal.message
            status = 409 if refusal.code == "stale" else 400
        else:
            # Where the request stands now, as the person reads it on their page.
            messages.success(request, state_texts.text(case.kind, case.state).headline)
            return redirect(access.url())
    context = {
        "case": case,
        "kind_label": kind_label(case),
        "transition": transition,
        "possible": possible,
        # Said to the person who filed it, in the words of their own page (the transition's
        # `help` is written for staff).
        "now_text": state_texts.text(case.kind, case.state).headline,
        "after_text": state_texts.text(case.kind, transition.target_from(case.state)).headline,
        "form": form,
        "error": error,
        "back_url": access.url(),
    }
    return render(request, "moderation/act.html", context, status=status)


def by_key(key):
    if len(key) > KEY_MAX_LENGTH:
        return None
    return services.case_for_key(key)


NO_SUCH_LINK = (
    "No request has this link. Check that you copied the whole link from the email we sent "
    "when you filed your request."
)


@private
def follow(request, key):
    """A request, as its requester sees it through the private link (no login needed)."""
    case = by_key(key)
    if case is None:
        return not_found(request, NO_SUCH_LINK, title="Unknown link")
    return case_page(request, Access(case, key))


@private
def follow_received(request, key):
    """The page a public form redirects to once filed: the reference and the private link.

    It lives under the private link, so it shows the link only to whoever already holds it,
    and reading it again (a refresh, Back) changes nothing."""
    case = by_key(key)
    if case is None:
        return not_found(request, NO_SUCH_LINK, title="Unknown link")
    link = request.build_absolute_uri(reverse("moderation:follow", kwargs={"key": key}))
    context = {"case": case, "link": link, "emailed_to": case.requester_email}
    return render(request, "moderation/submitted.html", context)


@private
@require_POST
def follow_reply(request, key):
    case = by_key(key)
    if case is None:
        return not_found(request, NO_SUCH_LINK, title="Unknown link")
    access = Access(case, key)
    throttled = throttle(request, "reply")
    if throttled is not None:
        response = case_page(
            request,
            access,
            reply_form=typed_back(ReplyForm, request),
            throttled=throttled.message(),
            status=429,
        )
        response["Retry-After"] = str(throttled.retry_after)
        return response
    return reply(request, access)


@private
def follow_act(request, key, transition):
    case = by_key(key)
    if case is None:
        return not_found(request, NO_SUCH_LINK, title="Unknown link")
    return act(request, Access(case, key), transition)
