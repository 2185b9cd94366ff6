"""A takedown as the owners of its project see it, and their counter-notice.

The owners read what was disabled and what the claim says, and answer with a counter-notice
through a form holding every element of 17 U.S.C. § 512(g)(3). They see the claimant's name (and
organisation): their counter-notice consents to accept service of process from that person. The
claimant's email, postal address, telephone and signature stay private: the law does not make
the registry hand them over, and the registry itself forwards the counter-notice to the claimant
(§ 512(g)(2)(B)).
"""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone

from registry.facts import actor_role
from registry.forms import PlainTextMixin
from registry.policy import ActorRole
from registry.services import RegistryError

from .. import services, workflow
from ..forms import ADDRESS_MAX, NAME_MAX, PHONE_MAX, TEXT_MAX, text_field
from ..models import LegalTakedown
from ..notices import SEES_CASES, takedown_named, with_targets
from ..workflow import Kind, TakedownState
from .common import not_found
from .requests import steps, visited_states

T = TakedownState

# The states the owners have been told about (from "accepted" on), with what they mean for them.
OWNER_TEXTS = {
    T.ACCEPTED: "The registry accepted this notice as complete. A registry admin decides "
    "whether to disable the content; you may write to the registry before that.",
    T.OWNER_NOTIFIED: "You have been notified of this notice. A registry admin decides whether "
    "to disable the content; you may write to the registry before that.",
    T.CONTENT_DISABLED: "The content is disabled: it is no longer on the index, but it is kept. "
    "If you believe it was removed by mistake or misidentification, send a counter-notice: "
    "the content then comes back after 10 to 14 business days, unless the claimant tells us "
    "they have filed a court action.",
    T.COUNTER_NOTICE: "Your counter-notice was received and forwarded to the claimant.",
    T.REINSTATED: "Closed: the content was reinstated after the counter-notice.",
    T.UPHELD: "Closed: the content stays disabled.",
}

NOT_YOURS = "There is no takedown with this number about a project of yours."

PERJURY = (
    "I swear, under penalty of perjury, that I have a good faith belief that the material "
    "was removed or disabled as a result of mistake or misidentification of the material to be "
    "removed or disabled."
)
CONSENT = (
    "I consent to the jurisdiction of the Federal District Court for the judicial district in "
    "which my address is located or, if my address is outside the United States, of any "
    "judicial district in which Holdfast may be found, and I will accept service of process "
    "from the person who provided the notice, or an agent of that person."
)


def squeeze(text):
    return " ".join(text.split()).casefold()


class CounterNoticeForm(PlainTextMixin, forms.Form):
    material = text_field(
        "The material that was removed and where it appeared",
        max_length=TEXT_MAX,
        rows=4,
        required=True,
        help_text="The releases or files, and their project's address on Holdfast.",
        error_messages={"required": "Name the material that was removed and where it was."},
    )
    explanation = text_field(
        "Why you believe it was removed by mistake (optional)",
        max_length=TEXT_MAX,
        rows=4,
        help_text="For example: the code is your own work, or it is under a licence that allows "
        "this use. It is forwarded to the claimant with the rest.",
    )
    mistake = forms.BooleanField(
        label=PERJURY,
        error_messages={"required": "A counter-notice needs this statement (§ 512(g)(3)(C))."},
    )
    name = text_field(
        "Your full name",
        max_length=NAME_MAX,
        required=True,
        error_messages={"required": "Give your full name."},
    )
    address = text_field(
        "Your postal address",
        max_length=ADDRESS_MAX,
        rows=3,
        required=True,
        error_messages={"required": "Give your postal address (§ 512(g)(3)(D))."},
    )
    phone = text_field(
        "Your telephone number",
        max_length=PHONE_MAX,
        required=True,
        error_messages={"required": "Give your telephone number (§ 512(g)(3)(D))."},
    )
    consent = forms.BooleanField(
        label=CONSENT,
        error_messages={"required": "A counter-notice needs this consent (§ 512(g)(3)(D))."},
    )
    signature = text_field(
        "Signature: type your full name",
        max_length=NAME_MAX,
        required=True,
        help_text="Your typed name is your electronic signature.",
        error_messages={"required": "Sign the counter-notice by typing your full name."},
    )

    def clean(self):
        data = super().clean()
        name, signature = data.get("name"), data.get("signature")
        if name and signature and squeeze(name) != squeeze(signature):
            self.add_error(
                "signature", ValidationError("Type the same full name as above to sign.")
            )
        return data

    def text(self):
        """The counter-notice as one text: what staff read and the claimant receives."""
        data = self.cleaned_data
        parts = [
            "Counter-notice under 17 U.S.C. § 512(g)(3).",
            f"Material removed and where it appeared:\n{data['material']}",
        ]
        if data["explanation"]:
            parts.append(f"Why it was removed by mistake:\n{data['explanation']}")
        parts += [
            PERJURY,
            f"Name: {data['name']}\nAddress: {data['address']}\nTelephone: {data['phone']}",
            CONSENT,
            f"Signature: /{data['signature']}/",
        ]
        return "\n\n".join(parts)

    def record_fields(self):
        data = self.cleaned_data
        return {
            "counter_signature": data["signature"],
            "counter_name": data["name"],
            "counter_address": data["address"],
            "counter_phone": data["phone"],
            "counter_material": data["material"],
            "counter_mistake_statement": data["mistake"],
            "counter_consent": data["consent"],
        }


def owners_takedown(request, pk):
    """Return (case, role) when the person may see this takedown as its project's, else None."""
    case = with_targets(LegalTakedown.objects.filter(pk=pk, state__in=list(OWNER_TEXTS))).first()
    if case is None:
        return None, None
    role = actor_role(request.user, case.project)
    return (case, role) if role in SEES_CASES else (None, None)


def may_answer(case, role):
    return case.state == T.CONTENT_DISABLED and role in (ActorRole.OWNER, ActorRole.ADMIN)


@login_required
def owner_takedown(request, pk):
    """A takedown of the person's project: what was disabled, the claim, how to answer it."""
    case, role = owners_takedown(request, pk)
    if case is None:
        return not_found(request, NOT_YOURS)
    context = {
        "case": case,
        "what": takedown_named(case),
        "steps": steps(case, visited_states(case)),
        "text": OWNER_TEXTS[case.state],
        "may_answer": may_answer(case, role),
        "is_owner": role in (ActorRole.OWNER, ActorRole.ADMIN),
        "sent_here": case.counter_notice_by_id is not None,
    }
    return render(request, "moderation/owner_takedown.html", context)


@login_required
def counter_notice_new(request, pk):
    """An owner's counter-notice: every statutory element, then the waiting period starts."""
    case, role = owners_takedown(request, pk)
    if case is None:
        return not_found(request, NOT_YOURS)
    page = reverse("moderation:owner-takedown", kwargs={"pk": case.pk})
    if not may_answer(case, role):
        if case.state != T.CONTENT_DISABLED:
            messages.info(
                request,
                f"{case.reference} is now {case.get_state_display().lower()}: a counter-notice "
                "answers only disabled content.",
            )
            return redirect(page)
        return not_found(
            request,
            f"Only the owners of {case.project.name} can send a counter-notice. Ask one of "
            "them to send it.",
            title="Owners only",
        )
    status = 200
    if request.method == "POST":
        form = CounterNoticeForm(request.POST)
        if form.is_valid():
            try:
                services.apply_transition(
                    case=case,
                    name="send_counter_notice",
                    actor=request.user,
                    reason="Counter-notice sent by an owner through the site.",
                    counter_notice=form.text(),
                    counter_notice_by=request.user,
                    **form.record_fields(),
                )
            except RegistryError as error:
                form.add_error(None, error.message)
                status = 400
            else:
                case.refresh_from_db()
                messages.success(
                    request,
                    f"Counter-notice sent. We forward it to the claimant. The content may come "
                    f"back from {case.reinstate_after:%Y-%m-%d}, unless the claimant tells us "
                    "they have filed a court action.",
                )
                return redirect(page)
        else:
            status = 400
    else:
        form = CounterNoticeForm(
            initial={
                "material": f"{takedown_named(case)}, at "
                + request.build_absolute_uri(
                    reverse("registry:project", kwargs={"name": case.project.normalized_name})
                ),
                "name": request.user.get_full_name(),
            }
        )
    earliest, latest = workflow.counter_notice_window(timezone.now().date())
    context = {
        "case": case,
        "what": takedown_named(case),
        "form": form,
        "earliest": earliest,
        "latest": latest,
        "transition": workflow.transition(Kind.TAKEDOWN, "send_counter_notice"),
    }
    return render(request, "moderation/counter_notice_form.html", context, status=status)
