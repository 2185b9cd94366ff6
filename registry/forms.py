"""Forms of the maintainers' pages. They check what a person typed; services decide the rest."""

from django import forms
from django.contrib.auth import get_user_model

from .models import Project, RoleName
from .validators import validate_multiline_text, validate_text


class PlainTextMixin:
    """Give every text field of a form the plain-text rule of `validators.text_problem`.

    A field shown as a textarea may hold tabs and line breaks; any other holds one line. A
    control character or a lone surrogate is a form error that says where it is, and nothing
    is saved. Put the mixin before the form class: `class F(PlainTextMixin, forms.Form)`.
    """

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            if isinstance(field, forms.CharField):
                multiline = isinstance(field.widget, forms.Textarea)
                field.validators.append(validate_multiline_text if multiline else validate_text)


class ReasonForm(PlainTextMixin, forms.Form):
    reason = forms.CharField(
        label="Reason",
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Recorded in the project's history with your name.",
    )

    def __init__(self, *args, project, reason_help=None, **kwargs):
        self.project = project
        super().__init__(*args, **kwargs)
        if reason_help:
            self.fields["reason"].help_text = reason_help

    def clean_reason(self):
        reason = self.cleaned_data["reason"].strip()
        if not reason:
            raise forms.ValidationError("Give a reason: it is recorded in the history.")
        return reason


class ConfirmNameForm(ReasonForm):
    """A destructive action: the person types the project's name exactly, as GitHub asks."""

    confirm_name = forms.CharField(label="Type the project's name to confirm", max_length=200)

    field_order = ["confirm_name", "reason"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["confirm_name"].help_text = f"Type {self.project.name} exactly."
        self.fields["confirm_name"].widget.attrs.update(
            {"autocomplete": "off", "autocapitalize": "none", "spellcheck": "false"}
        )

    def clean_confirm_name(self):
        typed = self.cleaned_data["confirm_name"].strip()
        if typed != self.project.name:
            raise forms.ValidationError(
                "That is not the project's name. Type the project's name exactly "
                f"({self.project.name}) to confirm."
            )
        return typed


class RemoveFilesForm(ConfirmNameForm):
    files = forms.MultipleChoiceField(
        label="Files to remove", widget=forms.CheckboxSelectMultiple, required=True
    )

    field_order = ["files", "confirm_name", "reason"]

    def __init__(self, *args, filenames, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["files"].choices = [(name, name) for name in filenames]
        self.fields["files"].error_messages["required"] = "Choose at least one file to remove."


class DeprecateForm(ReasonForm):
    message = forms.CharField(
        label="Message for users",
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Shown to installers next to the deprecated status: say what to do instead.",
    )
    successor = forms.CharField(
        label="Successor project (optional)",
        required=False,
        max_length=200,
        help_text="The name of the project users should move to.",
    )

    field_order = ["message", "successor", "reason"]

    def clean_message(self):
        message = self.cleaned_data["message"].strip()
        if not message:
            raise forms.ValidationError("Say what users should know.")
        return message

    def clean_successor(self):
        name = self.cleaned_data["successor"].strip()
        if not name:
            return None
        successor = Project.objects.live().by_name(name).first()
        if successor is None:
            raise forms.ValidationError(f"There is no live project named {name}.")
        if successor.pk == self.project.pk:
            raise forms.ValidationError("A project cannot be its own successor.")
        return successor


class AddRoleForm(ReasonForm):
    username = forms.CharField(label="Username", max_length=150)
    role = forms.ChoiceField(
        label="Role",
        choices=RoleName.choices,
        help_text="Owners do everything; maintainers upload, yank and un-yank.",
    )

    field_order = ["username", "role", "reason"]

    def clean_username(self):
        username = self.cleaned_data["username"].strip()
        user = get_user_model()._default_manager.filter(username=username).first()
        if user is None:
            raise forms.ValidationError(f"There is no user named {username}.")
        if not user.is_active:
            raise forms.ValidationError(f"The account {username} is deactivated.")
        return user
