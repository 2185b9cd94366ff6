"""Forms of the PEP 541 name-request pages: the name a person asks for, their claim, and an
owner's "keep my project" answer.

They refuse what `moderation.forms` refuses everywhere (control characters and NUL bytes through
`PlainTextMixin`, text over its stated length); the PEP 541 rules themselves are the service's
(`moderation.services.names.submit_name_request`), whose refusal the page shows as a form error.
"""

from django import forms
from django.core.exceptions import ValidationError

from registry.forms import PlainTextMixin
from registry.validators import PROJECT_NAME_MAX_LENGTH, validate_project_name

from .forms import REASON_MAX, TEXT_MAX, TOO_LONG, text_field
from .models import NameGround, NameIntent


class NameLookupForm(PlainTextMixin, forms.Form):
    """The start page's one box: the name of the project a person asks for."""

    name = forms.CharField(
        label="The project's name",
        max_length=PROJECT_NAME_MAX_LENGTH,
        help_text="As on its page or in `pip install …`; case, '-', '_' and '.' do not matter.",
        error_messages={"required": "Type the project's name.", "max_length": TOO_LONG},
    )

    def clean_name(self):
        name = self.cleaned_data["name"].strip()
        try:
            validate_project_name(name)
        except ValidationError:
            raise ValidationError(
                f"“{name}” is not a project name: names use letters, digits, '.', '_' and '-'.",
                code="invalid",
            ) from None
        return name


class NameRequestForm(PlainTextMixin, forms.Form):
    """A PEP 541 claim: the ground, what the person will do with the name, and why."""

    ground = forms.ChoiceField(
        label="Your PEP 541 ground",
        choices=NameGround.choices,
        widget=forms.RadioSelect,
        error_messages={
            "required": "Choose the PEP 541 ground you claim.",
            "invalid_choice": "Choose one of the PEP 541 grounds listed.",
        },
    )
    intent = forms.ChoiceField(
        label="What you will do with the name",
        choices=NameIntent.choices,
        widget=forms.RadioSelect,
        error_messages={
            "required": "Say whether you will maintain the existing project or replace it.",
            "invalid_choice": "Choose one of the two things listed.",
        },
    )
    details = text_field(
        "Details",
        max_length=TEXT_MAX,
        rows=8,
        required=True,
        help_text="How you tried to reach the owners (when, where: e-mail, issue tracker), your "
        "fork or project (a link), and why another name will not do. The registry admins decide "
        "from what you write.",
        error_messages={
            "required": "Explain your claim: how you tried to reach the owners, your fork or "
            "project, and why another name will not do."
        },
    )
    looked_for_another_name = forms.BooleanField(
        label="I looked for another name, and none will do.",
        error_messages={
            "required": "Confirm that you looked for another name: PEP 541 asks why a "
            "different name would not do."
        },
    )

    def clean_details(self):
        details = self.cleaned_data["details"].strip()
        if not details:
            raise ValidationError(self.fields["details"].error_messages["required"])
        return details


class OwnerAnswerForm(PlainTextMixin, forms.Form):
    """An owner's one click "I am here: keep my project", with an optional message."""

    answer = text_field(
        "A message for the registry staff (optional)",
        max_length=REASON_MAX,
        rows=3,
        help_text="Recorded with the request; for example, your plans for the project.",
    )
