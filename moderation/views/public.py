"""The public forms: legal takedown notices (/legal/) and abuse reports (/report/).

Anyone, without an account, files a notice or a report and is shown (and emailed) a private
link to follow it. A filed form answers with a redirect to its "Received" page under that link
(POST/redirect/GET), so a refresh never files it twice. The forms resist spam three ways: the
rate limit of `throttle`; a honeypot field, hidden by CSS and labelled "Leave this empty"
(filled: 400 with the form error, and nothing is created); and size limits on every field and
on the whole body.
"""

from django.shortcuts import redirect, render
from django.urls import reverse

from registry.services import RegistryError

from .. import services
from ..forms import TAKEDOWN_FORMS, AbuseReportForm
from ..models import TakedownKind
from .common import acting_user, not_found
from .throttle import throttle, throttled_response, typed_back


def prefill(request):
    """Initial values of a public form: the project named in the query, the person's account."""
    initial = {"project": request.GET.get("project", "")[:200]}
    user = request.user
    if user.is_authenticated:
        initial["requester_name"] = user.get_full_name() or user.get_username()
        initial["requester_email"] = user.email
    return initial


def filed(key):
    """Answer a filed form with a redirect (303) to its "Received" page, a GET under the private
    link: a refresh or a Back there only reads the request again, it never files it again."""
    response = redirect(reverse("moderation:follow-received", kwargs={"key": key}))
    response.status_code = 303
    return response


# Legal takedown notices ---------------------------------------------------------------------------

KIND_SLUGS = {kind: kind.value.replace("_", "-") for kind in TakedownKind}

KIND_NEEDS = {
    TakedownKind.COPYRIGHT: (
        "Your own work is copied in a project without permission.",
        [
            "the six elements of a notice under 17 U.S.C. § 512(c)(3): the copyrighted work; "
            "the infringing material and where it is; your postal address, telephone and "
            "email; a good-faith statement; a statement under penalty of perjury that the "
            "notice is accurate and that you may act for the owner; your signature (your typed "
            "full name)",
        ],
    ),
    TakedownKind.TRADEMARK: (
        "A project's name or content misuses your trademark.",
        [
            "the mark",
            "its registration number and jurisdiction",
            "how the project infringes it",
        ],
    ),
    TakedownKind.PRIVACY: (
        "A project publishes personal data about you or someone you act for.",
        [
            "what personal data, and whose",
            "where it is (files, paths)",
            "your relation to the person",
            "the legal basis, for example GDPR Art. 17",
        ],
    ),
    TakedownKind.OTHER_LEGAL: (
        "Another legal reason: a court order, export law, a licence violation, …",
        ["the legal basis or the court order", "what you ask the registry to do, and why"],
    ),
}


def legal_index(request):
    """Choose the kind of legal notice; each says what it needs before the form opens."""
    kinds = [
        {
            "label": kind.label,
            "url": reverse("moderation:takedown-new", kwargs={"kind": KIND_SLUGS[kind]}),
            "summary": KIND_NEEDS[kind][0],
            "needs": KIND_NEEDS[kind][1],
        }
        for kind in TakedownKind
    ]
    return render(request, "moderation/legal.html", {"kinds": kinds})


def takedown_new(request, kind):
    """The notice form of one kind; a valid notice is filed and its private link shown once."""
    kind_value = kind.replace("-", "_")
    if kind_value not in TAKEDOWN_FORMS:
        return not_found(
            request,
            "There is no such kind of legal notice. Choose one on the legal notices page.",
        )
    form_class = TAKEDOWN_FORMS[kind_value]
    template = "moderation/takedown_form.html"
    kind = TakedownKind(kind_value)
    context = {"kind": kind, "summary": KIND_NEEDS[kind][0], "needs": KIND_NEEDS[kind][1]}
    if request.method != "POST":
        return render(request, template, {**context, "form": form_class(initial=prefill(request))})
    throttled = throttle(request, "takedown")
    if throttled is not None:
        return throttled_response(
            request, template, context, throttled, typed_back(form_class, request)
        )
    form = form_class(request.POST)
    if not form.is_valid():
        status = 400 if form.is_spam else 200
        return render(request, template, {**context, "form": form}, status=status)
    try:
        _case, key = services.submit_takedown(
            project=form.cleaned_data["project"],
            takedown_kind=kind.value,
            data=form.notice_data(),
            releases=form.cleaned_data["releases"],
            files=form.cleaned_data["files"],
            requester=acting_user(request),
        )
    except RegistryError as error:
        form.add_error(None, error.message)
        return render(request, template, {**context, "form": form}, status=400)
    return filed(key)


# Abuse reports ------------------------------------------------------------------------------------


def report_new(request):
    """Report malware, typosquatting or spam; no account needed, an email is optional."""
    template = "moderation/report_form.html"
    if request.method != "POST":
        return render(request, template, {"form": AbuseReportForm(initial=prefill(request))})
    throttled = throttle(request, "report")
    if throttled is not None:
        return throttled_response(
            request, template, {}, throttled, typed_back(AbuseReportForm, request)
        )
    form = AbuseReportForm(request.POST)
    if not form.is_valid():
        return render(request, template, {"form": form}, status=400 if form.is_spam else 200)
    data = form.cleaned_data
    try:
        _case, key = services.submit_abuse_report(
            project=data["project"],
            category=data["category"],
            details=data["details"],
            evidence=data["evidence"],
            releases=data["releases"],
            files=data["files"],
            requester_name=data["requester_name"],
            requester_email=data["requester_email"],
            requester=acting_user(request),
        )
    except RegistryError as error:
        form.add_error(None, error.message)
        return render(request, template, {"form": form}, status=400)
    return filed(key)
