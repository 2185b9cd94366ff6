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
        help_text="What you advise the registry admin who decides, and why.",
    )


class NoteForm(PlainTextMixin, forms.Form):
    body = forms.CharField(
        label="Staff-only note",
        widget=forms.Textarea(attrs={"rows": 3, "cols": 60}),
        help_text="Never shown to the requester.",
    )


class MessageForm(PlainTextMixin, forms.Form):
    body = forms.CharField(
        label="Message to the requester",
        widget=forms.Textarea(attrs={"rows": 3, "cols": 60}),
        help_text="Sent by email and shown on the requester's private page.",
    )


def _assign(case, request, data):
    assignee = data["assignee"]
    reason = f"Assigned to {assignee}" if assignee else "Unassigned"
    services.assign(case=case, assignee=assignee, actor=request.user, reason=reason)
    return f"{case.reference}: {reason[0].lower()}{reason[1:]}."


def _set_priority(case, request, data):
    services.set_priority(
        case=case, priority=data["priority"], actor=request.user, reason=data["reason"]
    )
    return f"{case.reference}: priority is now {Priority(data['priority']).label.lower()}."


def _recommend(case, request, data):
    services.recommend(case=case, text=data["text"], actor=request.user)
    return f"{case.reference}: recommendation recorded."


def _note(case, request, data):
    services.add_note(case=case, body=data["body"], actor=request.user)
    return f"{case.reference}: staff note added."


def _message(case, request, data):
    services.message_requester(case=case, body=data["body"], actor=request.user)
    return f"{case.reference}: message sent to the requester."


@dataclass(frozen=True)
class TriageAct:
    form_class: type
    perform: object  # (case, request, cleaned_data) -> success message


def triage_form(what, data=None, *, initial=None):
    # The decision page shows every triage form at once: keep their HTML ids apart.
    return TRIAGE[what].form_class(data, initial=initial, auto_id=f"id_{what}_%s")


TRIAGE = {
    "assign": TriageAct(AssignForm, _assign),
    "priority": TriageAct(PriorityForm, _set_priority),
    "recommend": TriageAct(RecommendForm, _recommend),
    "note": TriageAct(NoteForm, _note),
    "message": TriageAct(MessageForm, _message),
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
