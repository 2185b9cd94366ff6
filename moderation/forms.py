"""Forms of the public moderation pages and of the maintainers' exception requests.

They check what a person typed and say, in plain words, what is wrong or missing; the services
in `moderation.services` decide the rest. Every text field has a length limit that its error
states, and every public form carries a honeypot field that people leave empty.
"""

import re

from django import forms
from django.core.exceptions import ValidationError

from registry.forms import PlainTextMixin
from registry.models import File, Project, Release
from registry.validators import (
    PROJECT_NAME_MAX_LENGTH,
    validate_project_name,
)

from .models import AbuseCategory, ExceptionCategory, LegalTakedown, TakedownKind

NAME_MAX = 200
PHONE_MAX = 50
EMAIL_MAX = 254
ADDRESS_MAX = 1_000
REASON_MAX = 2_000
TEXT_MAX = 10_000
LIST_MAX = 5_000  # versions or filenames, several per request
TARGETS_MAX = 50  # how many versions or filenames one request may name

TOO_LONG = (
    "This is too long: at most %(limit_value)d characters, and it has %(show_value)d. "
    "Shorten it, or link to a longer document."
)


def text_field(label, *, max_length, required=False, rows=None, help_text="", **kwargs):
    """Return a CharField whose length limit is in the browser and in its error message."""
    widget = forms.Textarea(attrs={"rows": rows}) if rows else None
    field = forms.CharField(
        label=label,
        max_length=max_length,
        required=required,
        help_text=help_text,
        widget=widget,
        **kwargs,
    )
    field.error_messages["max_length"] = TOO_LONG
    return field


def split_list(value):
    """Split what a person typed into items: spaces, commas and new lines separate them."""
    items = []
    for item in re.split(r"[\s,]+", value or ""):
        if item and item not in items:
            items.append(item)
    return items


def find_project(name):
    """Return the live project `name` (any spelling) or raise a ValidationError that says why."""
    try:
        validate_project_name(name)
    except ValidationError:
        raise ValidationError(
            f"“{name}” is not a project name: names use letters, digits, '.', '_' and '-'. "
            "Copy the name from the project's page or from `pip install …`.",
            code="invalid",
        ) from None
    project = Project.objects.by_name(name).first()
    if project is None:
        raise ValidationError(
            f"There is no project named “{name}” on this index. Check the spelling (case, "
            "'-', '_' and '.' do not matter).",
            code="unknown",
        )
    if project.is_removed:
        raise ValidationError(
            f"{project.name} has already been removed from the index: nobody can install it.",
            code="removed",
        )
    return project


def find_releases(project, versions):
    """Return (live releases of `project` with these versions, versions it does not have)."""
    releases, unknown = [], []
    live = Release.objects.live().filter(project=project)
    for version in versions:
        release = live.by_version(version).first()
        if release is None:
            unknown.append(version)
        elif release not in releases:
            releases.append(release)
    return releases, unknown


def find_files(project, filenames):
    """Return (live files of `project` with these names, names it has no live file for)."""
    searchable = [name for name in filenames if "\x00" not in name]  # PostgreSQL refuses NUL
    found = {
        file.filename: file
        for file in File.objects.live()
        .filter(release__project=project, filename__in=searchable)
        .select_related("release")
        .defer("core_metadata")
    }
    return (
        [found[name] for name in filenames if name in found],
        [name for name in filenames if name not in found],
    )


class PublicForm(PlainTextMixin, forms.Form):
    """A form anyone may post: it carries the honeypot field and groups its fields."""

    HONEYPOT = "website"

    website = forms.CharField(
        label="Leave this empty",
        required=False,
        max_length=200,
        help_text="This field is here to catch spam robots; people leave it empty.",
        widget=forms.TextInput(attrs={"tabindex": "-1", "autocomplete": "off"}),
    )

    fieldsets = ()

    def clean_website(self):
        if self.cleaned_data["website"]:
            raise ValidationError(
                "Leave “Leave this empty” empty: it catches spam robots. Nothing was sent.",
                code="honeypot",
            )
        return ""

    @property
    def is_spam(self):
        """Whether the honeypot was filled (call after is_valid())."""
        return self.has_error(self.HONEYPOT, "honeypot")

    def grouped_fields(self):
        """Return [(legend, [bound fields])] following `fieldsets`, for the templates."""
        return [(legend, [self[name] for name in names]) for legend, names in self.fieldsets]


class TargetsMixin:
    """The project a request is about, and optionally some of its releases and files."""

    def clean_project(self):
        return find_project(self.cleaned_data["project"])

    def clean_targets(self):
        project = self.cleaned_data.get("project")
        self.cleaned_data["releases"] = []
        self.cleaned_data["files"] = []
        if project is None:
            return
        for field, finder, what in (
            ("versions", find_releases, "live release"),
            ("filenames", find_files, "live file named"),
        ):
            items = split_list(self.cleaned_data.get(field, ""))
            if len(items) > TARGETS_MAX:
                self.add_error(
                    field,
                    f"Name at most {TARGETS_MAX} here ({len(items)} given). Describe the rest "
                    "in the text below.",
                )
                continue
            found, unknown = finder(project, items)
            if unknown:
                self.add_error(field, f"{project.name} has no {what} {', '.join(unknown)}.")
            self.cleaned_data["releases" if field == "versions" else "files"] = found


def project_field(help_text):
    return forms.CharField(
        label="Project",
        max_length=PROJECT_NAME_MAX_LENGTH,
        help_text=help_text,
        error_messages={
            "required": "Name the project: its name on this index.",
            "max_length": TOO_LONG,
        },
    )


def versions_field():
    return text_field(
        "Releases (optional)",
        max_length=LIST_MAX,
        rows=2,
        help_text="Versions, separated by spaces, commas or new lines, e.g. “1.0 1.1”. "
        "Leave empty if the whole project is concerned.",
    )


def filenames_field():
    return text_field(
        "Files (optional)",
        max_length=LIST_MAX,
        rows=2,
        help_text="Exact filenames, e.g. “demo-1.0.tar.gz”, separated by spaces or new lines.",
    )


# Legal takedown notices ---------------------------------------------------------------------------


class TakedownForm(TargetsMixin, PublicForm):
    """What every legal notice asks; each kind's form below adds and requires what it needs."""

    kind: TakedownKind
    # Fields each kind requires (besides project, name and email), by their labels.
    required_fields: tuple[str, ...] = ()

    project = project_field("The project the notice is about, as named on this index.")
    versions = versions_field()
    filenames = filenames_field()
    requester_name = text_field("Your full name", max_length=NAME_MAX, required=True)
    organisation = text_field(
        "On behalf of (optional)",
        max_length=NAME_MAX,
        help_text="The company or person you represent, if not yourself.",
    )
    requester_email = forms.EmailField(
        label="Your email address",
        max_length=EMAIL_MAX,
        help_text="We send the private link to follow your notice here, and write to you here.",
        error_messages={
            "required": "Give your email address: we send the private link to follow the "
            "notice there.",
            "invalid": "This is not a valid email address (it should look like name@example.org).",
            "max_length": TOO_LONG,
        },
    )
    postal_address = text_field("Postal address", max_length=ADDRESS_MAX, rows=3)
    phone = text_field("Telephone", max_length=PHONE_MAX)
    signature = text_field("Signature", max_length=NAME_MAX)
    work_description = text_field("The right claimed", max_length=TEXT_MAX, rows=4)
    material_location = text_field("Where it is", max_length=TEXT_MAX, rows=4)
    legal_basis = text_field("Legal basis", max_length=TEXT_MAX, rows=3)
    details = text_field("Details", max_length=TEXT_MAX, rows=5)
    good_faith = forms.BooleanField(
        label="I believe in good faith that the material named above infringes the right "
        "described, and the information in this notice is accurate.",
        required=False,
    )
    accurate_under_perjury = forms.BooleanField(required=False)

    # Each kind's wording: {field: (label, help text)}; None keeps the field's own.
    texts: dict[str, tuple[str, str | None]] = {}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name, (label, help_text) in self.texts.items():
            self.fields[name].label = label
            if help_text is not None:
                self.fields[name].help_text = help_text
        kind_label = TakedownKind(self.kind).label.lower()
        for name in self.required_fields:
            field = self.fields[name]
            field.required = True
            label = field.label.removesuffix(" (optional)")
            field.error_messages["required"] = f"Fill in “{label}”: a {kind_label} notice needs it."
        listed = {name for _legend, names in self.fieldsets for name in names}
        for name in [*self.fields]:
            if name not in listed and name != self.HONEYPOT:
                del self.fields[name]

    def clean(self):
        cleaned = super().clean()
        self.clean_targets()
        return cleaned

    def notice_data(self):
        """Return the notice's fields as `services.submit_takedown` takes them."""
        data = {name: self.cleaned_data.get(name, "") for name in LegalTakedown.NOTICE_FIELDS}
        if not data["material_location"]:
            data["material_location"] = self.named_material()
        return data

    def named_material(self):
        """Describe what the notice names, for kinds where 'where it is' is optional."""
        parts = [f"Project {self.cleaned_data['project'].name}"]
        if self.cleaned_data["releases"]:
            versions = ", ".join(release.version for release in self.cleaned_data["releases"])
            parts.append(f"releases {versions}")
        if self.cleaned_data["files"]:
            parts.append(f"files {', '.join(f.filename for f in self.cleaned_data['files'])}")
        return "; ".join(parts) + "."


WHAT = ("What the notice is about", ["project", "versions", "filenames"])
WHO = ("About you", ["requester_name", "organisation", "requester_email"])


class CopyrightForm(TakedownForm):
    """A DMCA notice: all six elements of 17 U.S.C. § 512(c)(3)(A) are required."""

    kind = TakedownKind.COPYRIGHT
    fieldsets = (
        WHAT,
        ("The notice", ["work_description", "material_location", "details"]),
        (WHO[0], [*WHO[1], "postal_address", "phone"]),
        ("Statements and signature", ["good_faith", "accurate_under_perjury", "signature"]),
    )
    texts = {
        "work_description": (
            "The copyrighted work",
            "Identify the work you say is infringed: its title, author, where it is published "
            "(a link), and its registration number if there is one.",
        ),
        "material_location": (
            "The infringing material and where it is",
            "Which releases or files copy the work and where inside them (paths, lines), "
            "precisely enough for us to find it.",
        ),
        "details": ("Anything else (optional)", None),
        "postal_address": ("Postal address", "Your full postal address (the DMCA requires it)."),
        "phone": ("Telephone", "A number where you can be reached."),
        "good_faith": (
            "I have a good-faith belief that use of the material in the manner complained of "
            "is not authorized by the copyright owner, its agent, or the law.",
            None,
        ),
        "accurate_under_perjury": (
            "The information in this notice is accurate, and under penalty of perjury, I am the "
            "owner, or authorized to act on behalf of the owner, of the copyright that is "
            "allegedly infringed.",
            None,
        ),
        "signature": (
            "Signature (type your full name)",
            "Typing your full legal name here signs the notice.",
        ),
    }

    def clean(self):
        cleaned = super().clean()
        data = dict(cleaned)
        if self.has_error("requester_email") and not self.has_error("requester_email", "required"):
            data["requester_email"] = "given, but invalid (its own error says so)"
        missing = set(LegalTakedown.missing_elements(data))
        labels = []
        # Each missing element's error shows on the fields that carry it.
        for _element, label, fields in LegalTakedown.DMCA_ELEMENTS:
            if label not in missing:
                continue
            labels.append(label)
            for name in fields:
                if not cleaned.get(name) and not self.has_error(name):
                    self.add_error(name, f"Missing element of a copyright notice: {label}.")
        if labels:
            self.add_error(
                None,
                "A copyright (DMCA) notice must include all six elements of 17 U.S.C. "
                f"§ 512(c)(3). Missing: {'; '.join(labels)}.",
            )
        return cleaned


OPTIONAL_CONTACT = {
    "postal_address": ("Postal address (optional)", None),
    "phone": ("Telephone (optional)", None),
}


class TrademarkForm(TakedownForm):
    kind = TakedownKind.TRADEMARK
    required_fields = ("work_description", "legal_basis", "details", "good_faith")
    fieldsets = (
        WHAT,
        ("The notice", ["work_description", "legal_basis", "details", "material_location"]),
        (WHO[0], [*WHO[1], "postal_address", "phone"]),
        ("Statement", ["good_faith"]),
    )
    texts = {
        "work_description": ("The mark", "The trademark as registered (word, logo)."),
        "legal_basis": (
            "Registration number and jurisdiction",
            "For example “USPTO 1234567” or “EUIPO 018000000”. For an unregistered mark, say "
            "where and since when it is used.",
        ),
        "details": (
            "How the project infringes the mark",
            "For example: its name or description makes users believe it is your product.",
        ),
        "material_location": ("Where (optional)", "Pages, files or metadata that use the mark."),
        **OPTIONAL_CONTACT,
    }


class PrivacyForm(TakedownForm):
    kind = TakedownKind.PRIVACY
    required_fields = ("work_description", "material_location", "details", "legal_basis")
    required_fields += ("good_faith",)
    fieldsets = (
        WHAT,
        ("The notice", ["work_description", "material_location", "details", "legal_basis"]),
        WHO,
        ("Statement", ["good_faith"]),
    )
    texts = {
        "work_description": (
            "What personal data",
            "Whose data and what kind (name, address, email, photo, …). Do not repeat the "
            "data itself.",
        ),
        "material_location": ("Where it is", "Files and paths inside them, or metadata fields."),
        "details": (
            "Your relation to the person",
            "You are the person, or act for them: say how (parent, lawyer, employer, …).",
        ),
        "legal_basis": (
            "Legal basis",
            "For example “GDPR Art. 17 (right to erasure)”, or the law of your country.",
        ),
        "good_faith": (
            "The information in this notice is accurate, and I am the person concerned or "
            "entitled to act for them.",
            None,
        ),
    }


class OtherLegalForm(TakedownForm):
    kind = TakedownKind.OTHER_LEGAL
    required_fields = ("legal_basis", "details", "good_faith")
    fieldsets = (
        WHAT,
        ("The notice", ["legal_basis", "details", "material_location"]),
        (WHO[0], [*WHO[1], "postal_address", "phone"]),
        ("Statement", ["good_faith"]),
    )
    texts = {
        "legal_basis": (
            "Legal basis or court order",
            "The law, the decision or the court order (court, case number, date); link to it.",
        ),
        "details": ("Details", "What is unlawful, and what you ask the registry to do."),
        "material_location": ("Where (optional)", None),
        **OPTIONAL_CONTACT,
    }


TAKEDOWN_FORMS = {
    form.kind: form for form in (CopyrightForm, TrademarkForm, PrivacyForm, OtherLegalForm)
}


# Abuse reports ------------------------------------------------------------------------------------


class AbuseReportForm(TargetsMixin, PublicForm):
    project = project_field("The project you report, as named on this index.")
    versions = versions_field()
    filenames = filenames_field()
    category = forms.ChoiceField(
        label="What is wrong",
        choices=AbuseCategory.choices,
        widget=forms.RadioSelect,
        error_messages={
            "required": "Choose what kind of abuse this is.",
            "invalid_choice": "Choose one of the kinds of abuse listed.",
        },
    )
    details = text_field(
        "Details",
        max_length=TEXT_MAX,
        rows=6,
        required=True,
        help_text="What the project does or pretends to be, and how you found out.",
        error_messages={"required": "Say what is wrong with the project."},
    )
    evidence = text_field(
        "Evidence (optional)",
        max_length=TEXT_MAX,
        rows=4,
        help_text="Links, file hashes, the lines of code, an analysis report.",
    )
    requester_name = text_field("Your name (optional)", max_length=NAME_MAX)
    requester_email = forms.EmailField(
        label="Your email address (optional)",
        max_length=EMAIL_MAX,
        required=False,
        help_text="To receive the private link and hear what happens. Without it, keep the "
        "link shown after sending.",
        error_messages={
            "invalid": "This is not a valid email address (it should look like name@example.org).",
            "max_length": TOO_LONG,
        },
    )

    fieldsets = (
        ("What you report", ["project", "versions", "filenames", "category"]),
        ("The report", ["details", "evidence"]),
        ("About you", ["requester_name", "requester_email"]),
    )

    def clean(self):
        cleaned = super().clean()
        self.clean_targets()
        return cleaned


# Following a request ------------------------------------------------------------------------------


class ReplyForm(PublicForm):
    body = text_field(
        "Your answer",
        max_length=TEXT_MAX,
        rows=6,
        required=True,
        error_messages={"required": "Write your answer."},
    )

    fieldsets = (("", ["body"]),)


class ReasonForm(PlainTextMixin, forms.Form):
    reason = text_field(
        "Why",
        max_length=REASON_MAX,
        rows=3,
        required=True,
        help_text="Recorded with the request and sent to the registry staff.",
        error_messages={"required": "Say why: it is recorded with the request."},
    )


# Maintainers' deletion exceptions -----------------------------------------------------------------


class ExceptionForm(PlainTextMixin, forms.Form):
    category = forms.ChoiceField(
        label="Why must it be removed?",
        choices=ExceptionCategory.choices,
        widget=forms.RadioSelect,
        error_messages={
            "required": "Choose the reason for the removal.",
            "invalid_choice": "Choose one of the reasons listed.",
        },
    )
    details = text_field(
        "Details",
        max_length=TEXT_MAX,
        rows=6,
        required=True,
        help_text="What happened, what exactly must go, and why yanking, archiving or "
        "deprecating is not enough. The registry admins decide from what you write.",
        error_messages={"required": "Explain why the removal is needed."},
    )
    release = forms.CharField(required=False, max_length=200, widget=forms.HiddenInput)
    file = forms.CharField(required=False, max_length=300, widget=forms.HiddenInput)
