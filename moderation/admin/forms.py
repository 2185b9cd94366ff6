"""The moderation admin's forms: triage acts, and what some steps ask besides a reason."""

from dataclasses import dataclass

from django import forms
from django.contrib.auth import get_user_model

from registry.admin_base import ReasonOnlyForm
from registry.forms import PlainTextMixin

from .. import services
from ..models import Priority


class CounterNoticeForm(ReasonOnlyForm):
    counter_notice = forms.CharField(
        label="Counter-notice",
        widget=forms.Textarea(attrs={"rows": 8, "cols": 60}),
        help_text="Paste it as received (17 U.S.C. § 512(g)(3)): the waiting period starts today.",
    )


def staff_members():
    username = get_user_model().USERNAME_FIELD
    return get_user_model().objects.filter(is_staff=True, is_active=True).order_by(username)


class AssignForm(PlainTextMixin, forms.Form):
    assignee = forms.ModelChoiceField(
        label="Assign to", queryset=staff_members(), required=False, empty_label="Nobody"
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["assignee"].queryset = staff_members()


class PriorityForm(PlainTextMixin, forms.Form):
    priority = forms.TypedChoiceField(label="Priority", choices=Priority.choices, coerce=int)
    reason = forms.CharField(label="Reason", max_length=500)


class RecommendForm(PlainTextMixin, forms.Form):
    text = forms.CharField(
        label="Recommendation",
        widget=forms.Textarea(attrs={"rows": 3, "cols": 60}),
        help_text="What you advise, and why.",
    )


class NoteForm(PlainTextMixin, forms.Form):
    body = forms.CharField(
        label="Note",
        widget=forms.Textarea(attrs={"rows": 3, "cols": 60}),
        help_text="Never shown to the requester.",
    )


class MessageForm(PlainTextMixin, forms.Form):
    body = forms.CharField(
        label="Message",
        widget=forms.Textarea(attrs={"rows": 3, "cols": 60}),
        help_text="Sent by email and shown on the requester's private page.",
    )


def _assign(case, request, data):
    assignee = data["assignee"]
    reason = f"Assigned to {assignee}" if assignee else "Unassigned"
    services.assign(case=case, assignee=assignee, actor=request.user, reason=reason)
    if assignee is None:
        return f"{case.reference}: nobody is assigned now; the case is back in the unassigned list."
    if assignee == request.user:
        return f"{case.reference}: assigned to you; it is in your list now."
    return f"{case.reference}: assigned to {assignee}, who was told by email."


def _set_priority(case, request, data):
    services.set_priority(
        case=case, priority=data["priority"], actor=request.user, reason=data["reason"]
    )
    label = Priority(data["priority"]).label.lower()
    return f"{case.reference}: priority set to {label}; the queue lists higher priorities first."


def _recommend(case, request, data):
    services.recommend(case=case, text=data["text"], actor=request.user)
    return f"{case.reference}: saved your recommendation for the registry admin who decides."


def _note(case, request, data):
    services.add_note(case=case, body=data["body"], actor=request.user)
    return f"{case.reference}: added your note; only staff see it."


def _message(case, request, data):
    services.message_requester(case=case, body=data["body"], actor=request.user)
    return f"{case.reference}: sent your message to the requester by email and on their page."


@dataclass(frozen=True)
class TriageAct:
    """One triage form on the decision page: its heading, what it does, and its button."""

    form_class: type
    perform: object  # (case, request, cleaned_data) -> success message
    heading: str
    does: str
    button: str


def triage_form(what, data=None, *, initial=None):
    # The decision page shows every triage form at once: keep their HTML ids apart.
    return TRIAGE[what].form_class(data, initial=initial, auto_id=f"id_{what}_%s")


TRIAGE = {
    "assign": TriageAct(
        AssignForm,
        _assign,
        "Assign",
        "Who works on this case. Someone else you choose is told by email.",
        "Assign",
    ),
    "priority": TriageAct(
        PriorityForm,
        _set_priority,
        "Priority",
        "How soon the case must be looked at: each queue lists the highest priority first.",
        "Set the priority",
    ),
    "recommend": TriageAct(
        RecommendForm,
        _recommend,
        "Recommend a decision",
        "Advise the registry admin who decides; it replaces your earlier recommendation.",
        "Save the recommendation",
    ),
    "message": TriageAct(
        MessageForm,
        _message,
        "Write to the requester",
        "A message without a change of state, for example to say the case is in hand.",
        "Send the message",
    ),
    "note": TriageAct(
        NoteForm,
        _note,
        "Staff-only note",
        "Something to remember about the case; the requester never sees it.",
        "Add the note",
    ),
}


class ExtendForm(ReasonOnlyForm):
    days = forms.IntegerField(
        label="Days to add",
        min_value=1,
        max_value=365,
        initial=30,
        help_text="A case awaiting review goes back to pending removal for that long.",
    )


# What each transition asks for besides the reason (passed to the engine as its data).
TRANSITION_FORMS = {
    "receive_counter_notice": CounterNoticeForm,
    "extend": ExtendForm,
    "send_back": ExtendForm,
}


def transition_form_class(transition):
    return TRANSITION_FORMS.get(transition.name, ReasonOnlyForm)
