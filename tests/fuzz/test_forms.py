"""Hostile values in every form: the public notices and reports, the maintainers' pages, the
admin's triage and transition forms and its actions' confirmation POSTs.

Each example posts a valid form with one field replaced. A control character between two
letters (`surely_invalid`) is refused by every text field, so then no row may change; any
other value must only never be a 5xx.
"""

import pytest
from django import forms
from django.contrib import admin
from hypothesis import strategies as st

import moderation.admin
import moderation.views  # noqa: F401
import registry.admin
import registry.token_views  # noqa: F401
from tests.fuzz.conftest import fuzz, kept_cookies, snapshot
from tests.fuzz.strategies import form_encoded, hostile_text, surely_invalid


def _subclasses(cls):
    for sub in cls.__subclasses__():
        yield sub
        yield from _subclasses(sub)


def text_fields():
    """Names of the text fields (CharField and kin) of every Holdfast form."""
    names = set()
    for form in _subclasses(forms.BaseForm):
        if form.__module__.split(".")[0] in ("registry", "moderation"):
            for name, field in getattr(form, "base_fields", {}).items():
                if isinstance(field, forms.CharField):
                    names.add(name)
    return frozenset(names)


pytestmark = pytest.mark.django_db

COPYRIGHT = {
    "project": "demo",
    "versions": "1.0",
    "requester_name": "Rita",
    "requester_email": "rita@example.org",
    "postal_address": "1 Street",
    "phone": "+1 555",
    "signature": "Rita",
    "work_description": "My novel",
    "material_location": "Every file",
    "good_faith": "on",
    "accurate_under_perjury": "on",
}


# Fields of a copyright notice that a trademark notice's form does not have (and ignores).
TRADEMARK_LACKS = {"signature", "accurate_under_perjury"}


def public_targets(world):
    return [
        ("anonymous", "/report/", {"project": "demo", "category": "malware", "details": "Bad"}),
        ("anonymous", "/legal/copyright/", COPYRIGHT),
        (
            "anonymous",
            "/legal/trademark/",
            {
                **{k: v for k, v in COPYRIGHT.items() if k not in TRADEMARK_LACKS},
                "legal_basis": "USPTO 1",
                "details": "It copies the mark.",
            },
        ),
        ("anonymous", f"/requests/{world.takedown_key}/reply/", {"body": "Here you are."}),
        ("anonymous", f"/requests/{world.takedown_key}/retract/", {"reason": "Sorted."}),
        ("anonymous", f"/names/owner/{world.name_key}/", {"answer": "Still maintained."}),
    ]


def maintainer_targets(world):
    release = "/manage/demo/releases/1.0"
    return [
        ("owner", "/manage/demo/deprecate/", {"message": "Use x", "successor": "other"}),
        ("owner", "/manage/demo/archive/", {"reason": "Done"}),
        ("owner", "/manage/demo/lock-deletions/", {"reason": "Safety"}),
        ("owner", "/manage/demo/remove/", {"confirm_name": "demo", "reason": "Gone"}),
        ("owner", "/manage/demo/roles/", {"username": "support", "role": "owner", "reason": "r"}),
        ("owner", "/manage/demo/roles/maint/remove/", {"reason": "Left"}),
        ("maintainer", f"{release}/yank/", {"reason": "Broken"}),
        ("owner", f"{release}/remove/", {"confirm_name": "demo", "reason": "Broken"}),
        (
            "owner",
            f"{release}/remove-files/",
            {"files": world.filename, "confirm_name": "demo", "reason": "Broken"},
        ),
        (
            "owner",
            "/manage/demo/exception/",
            {"category": "leaked_secret", "details": "A key", "release": "1.0"},
        ),
        (
            "owner",
            "/manage/demo/schedule-removal/",
            {"message": "Moving on", "successor": "", "confirm_name": "demo"},
        ),
        ("owner", f"/account/staged/{world.ids['staged']}/", {"reason": "Changed my mind"}),
        ("owner", f"/account/requests/{world.ids['exception']}/reply/", {"body": "More"}),
        ("owner", f"/account/requests/{world.ids['exception']}/withdraw/", {"reason": "No"}),
        ("owner", "/account/tokens/", {"description": "CI", "project": world.ids["project"]}),
        (
            "support",
            "/names/demo/request/",
            {
                "ground": "invalid",
                "intent": "maintain",
                "details": "It is spam.",
                "looked_for_another_name": "on",
            },
        ),
        ("owner", f"/account/name-requests/{world.ids['name']}/", {"answer": "Mine."}),
        ("maintainer", f"/account/requests/name/{world.ids['name']}/withdraw/", {"reason": "No"}),
    ]


def admin_targets(world):
    ids = world.ids
    case = f"/admin/moderation/legaltakedown/{ids['takedown']}"
    targets = [
        ("support", f"{case}/triage/note/", {"body": "Checked"}),
        ("support", f"{case}/triage/message/", {"body": "Please send more"}),
        ("support", f"{case}/triage/recommend/", {"text": "Accept"}),
        ("support", f"{case}/triage/priority/", {"priority": "1", "reason": "Urgent"}),
        ("support", f"{case}/triage/assign/", {"assignee": str(ids["support"])}),
        ("support", f"{case}/transition/ask_info/", {"reason": "Which file?"}),
        ("admin", f"{case}/transition/accept/", {"reason": "Valid"}),
        ("admin", f"{case}/transition/reject/", {"reason": "Not valid"}),
    ]
    selected = {
        "project": ids["project"],
        "release": ids["release"],
        "file": ids["file"],
        "removalevent": ids["event"],
        "apitoken": ids["token"],
        "stagedremoval": ids["staged"],
        "namereservation": 1,
    }
    for model, model_admin in admin.site._registry.items():
        for action in model_admin.actions or ():
            data = {
                "action": action.__name__,
                "_selected_action": str(selected.get(model._meta.model_name, 1)),
                "post": "yes",
                "reason": "Fuzzing",
                "category": "legal",
                "days": "7",
            }
            url = f"/admin/{model._meta.app_label}/{model._meta.model_name}/"
            targets.append(("admin", url, data))
    return targets


@st.composite
def posts(draw, targets, fields):
    role, url, baseline = draw(st.sampled_from(targets))
    field = draw(st.sampled_from(sorted(baseline)) | st.sampled_from(sorted(fields)))
    invalid = field in baseline and field in fields and draw(st.booleans())
    valid = [str(baseline.get(field, "demo")), "demo", "1.0"]
    value = draw(surely_invalid(*valid) if invalid else hostile_text(*valid))
    return role, url, {**baseline, field: value}, invalid


def fuzz_forms(world, probe, name, targets):
    def check_one(post):
        role, url, form, invalid = post
        client = world.clients[role]
        with probe.example(), kept_cookies(client):
            before = snapshot() if invalid else None
            body = form_encoded(form.items())
            response = client.post(url, body, content_type="application/x-www-form-urlencoded")
            probe.check(response, what=(role, url, form), before=before)

    fuzz(probe, name, posts(targets, text_fields()), check_one)


def test_public_forms(world, probe):
    fuzz_forms(world, probe, "forms_public", public_targets(world))


def test_maintainers_forms(world, probe):
    fuzz_forms(world, probe, "forms_maintainers", maintainer_targets(world))


def test_admin_forms_and_actions(world, probe):
    fuzz_forms(world, probe, "forms_admin", admin_targets(world))
