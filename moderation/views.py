"""The public pages of the moderation queues, and the maintainers' deletion-exception requests.

Anyone, without an account, files a legal takedown notice (/legal/) or an abuse report
(/report/) and follows it at a private link, /requests/<key>/: the key is the only capability
(Holdfast stores its SHA-256, never the key), so the page needs no login and says nothing about
other keys. Maintainers ask for a deletion exception from a refusal on their project's page
(/manage/<name>/exception/) and follow their requests under /account/requests/. Views change
nothing themselves: every write is a call to `moderation.services`.

Public forms resist spam three ways:

- a rate limit per client address and form, counted in Django's cache on every POST, valid or
  not (HOLDFAST_PUBLIC_FORM_RATE, default 10 an hour; the address is REMOTE_ADDR, or the one
  the outermost trusted proxy saw when HOLDFAST_TRUSTED_PROXY_COUNT > 0). Over it: 429, the
  text the person typed kept on the page, when to try again and where to write instead;
- a honeypot field, hidden by CSS and labelled "Leave this empty". Filled: 400 with the form
  error, and nothing is created (a person who filled it by mistake sees why);
- size limits: every text field has a max_length that its error states, and Django's
  DATA_UPLOAD_MAX_MEMORY_SIZE bounds the whole body.
"""

import hashlib
import ipaddress
import math
import re
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import wraps
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.cache import caches
from django.core.exceptions import ImproperlyConfigured, ValidationError
from django.core.paginator import Paginator
from django.db.models import Prefetch
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import add_never_cache_headers
from django.views.decorators.http import require_POST

from registry.facts import Decider
from registry.models import File, Project, Release
from registry.policy import Action, ActorRole
from registry.services import RegistryError
from registry.validators import validate_project_name

from . import services, workflow
from .forms import (
    TAKEDOWN_FORMS,
    AbuseReportForm,
    ExceptionForm,
    ReasonForm,
    ReplyForm,
    find_files,
    find_releases,
)
from .models import DeletionException, Message, MessageKind, TakedownKind
from .workflow import AbuseState, ExceptionState, Kind, TakedownState, Who

REQUESTS_PER_PAGE = 50
KEY_MAX_LENGTH = 128  # keys are 43 characters; longer ones are not worth hashing

# Rate limit of the public forms -------------------------------------------------------------------

DEFAULT_RATE = "10/h"
UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}
UNIT_NAMES = {1: "second", 60: "minute", 3600: "hour", 86400: "day"}


@dataclass(frozen=True)
class Rate:
    count: int
    seconds: int

    def describe(self):
        unit = UNIT_NAMES.get(self.seconds)
        period = f"an {unit}" if unit == "hour" else f"a {unit}" if unit else f"{self.seconds} s"
        return f"{self.count} {'submission' if self.count == 1 else 'submissions'} {period}"


def parse_rate(value):
    """Return the Rate of a setting such as "5/h", "20/10m" or (5, 3600) (count, seconds)."""
    if isinstance(value, list | tuple):
        count, seconds = value
        return Rate(int(count), int(seconds))
    match = re.fullmatch(r"\s*(\d+)\s*/\s*(\d*)\s*([smhd])\s*", str(value))
    if match is None or int(match[2] or 1) == 0:
        raise ImproperlyConfigured(
            f"HOLDFAST_PUBLIC_FORM_RATE must look like '5/h' or '20/10m', not {value!r}."
        )
    return Rate(int(match[1]), int(match[2] or 1) * UNITS[match[3]])


def clock():
    """Return the current Unix time (tests replace this to pin the rate limit's window)."""
    return time.time()


def client_address(request):
    """Return the address a request is counted against.

    REMOTE_ADDR, unless HOLDFAST_TRUSTED_PROXY_COUNT proxies stand in front of Holdfast: then
    the address the outermost of them saw, which is that many entries from the right of
    X-Forwarded-For (entries further left are whatever the client chose to send, so trusting
    the first one would let anyone pick a fresh address per request). An IPv6 address counts
    as its /64, the block one host usually holds.
    """
    address = request.META.get("REMOTE_ADDR", "")
    proxies = int(getattr(settings, "HOLDFAST_TRUSTED_PROXY_COUNT", 0) or 0)
    if proxies > 0:
        forwarded = [
            part.strip()
            for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")
            if part.strip()
        ]
        if forwarded:
            address = forwarded[-proxies] if len(forwarded) >= proxies else forwarded[0]
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return address or "unknown"
    if ip.version == 6:
        if ip.ipv4_mapped is not None:
            return str(ip.ipv4_mapped)
        return str(ipaddress.ip_network(f"{ip}/64", strict=False))
    return str(ip)


@dataclass(frozen=True)
class Throttled:
    rate: Rate
    retry_after: int  # seconds
    until: datetime

    def message(self):
        minutes = math.ceil(self.retry_after / 60)
        wait = "a minute" if minutes <= 1 else f"{minutes} minutes"
        contact = getattr(settings, "HOLDFAST_MODERATION_EMAIL", settings.DEFAULT_FROM_EMAIL)
        return (
            "Too many submissions from your address: this form accepts "
            f"{self.rate.describe()} from one address. Nothing was sent. Try again in {wait} "
            f"(after {self.until:%H:%M} UTC). If it cannot wait, email {contact} instead."
        )


def throttle(request, scope):
    """Count this POST against the client's allowance for the form `scope`.

    Return None while within HOLDFAST_PUBLIC_FORM_RATE, else a Throttled saying until when.
    Windows are fixed (aligned to the epoch), so one counter per address and window works in
    any of Django's cache backends; at a window's edge a client may get up to twice the rate.
    Several web processes need a shared cache (CACHE_URL) to share the counts.
    """
    rate = parse_rate(getattr(settings, "HOLDFAST_PUBLIC_FORM_RATE", DEFAULT_RATE))
    now = clock()
    window = int(now // rate.seconds)
    ends = (window + 1) * rate.seconds
    timeout = max(1, math.ceil(ends - now))
    address = hashlib.sha256(client_address(request).encode()).hexdigest()[:32]
    key = f"holdfast:public-form:{scope}:{address}:{window}"
    cache = caches["default"]
    cache.add(key, 0, timeout)
    try:
        count = cache.incr(key)
    except ValueError:  # the counter expired between add() and incr()
        cache.set(key, 1, timeout)
        count = 1
    else:
        cache.touch(key, timeout)  # the database and file caches' incr() reset the expiry
    if count <= rate.count:
        return None
    return Throttled(rate, math.ceil(ends - now), datetime.fromtimestamp(ends, tz=UTC))


def throttled_response(request, template, context, throttled, form):
    context = {**context, "form": form, "throttled": throttled.message()}
    response = render(request, template, context, status=429)
    response["Retry-After"] = str(throttled.retry_after)
    return response


def typed_back(form_class, request):
    """An unbound form showing what was posted, so a throttled person keeps what they wrote."""
    data = request.POST.dict()
    data.pop(form_class.HONEYPOT, None)
    return form_class(initial=data)


def private(view):
    """Keep pages that carry or answer a private link out of caches, indexes and referrers."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        response = view(request, *args, **kwargs)
        add_never_cache_headers(response)
        response["Referrer-Policy"] = "no-referrer"
        response["X-Robots-Tag"] = "noindex, nofollow"
        return response

    return wrapper


def not_found(request, message, *, title="Not found"):
    return render(
        request, "moderation/not_found.html", {"title": title, "message": message}, status=404
    )


def acting_user(request):
    return request.user if request.user.is_authenticated else None


def prefill(request):
    """Initial values of a public form: the project named in the query, the person's account."""
    initial = {"project": request.GET.get("project", "")[:200]}
    user = request.user
    if user.is_authenticated:
        initial["requester_name"] = user.get_full_name() or user.get_username()
        initial["requester_email"] = user.email
    return initial


def submitted(request, case, key):
    """The page after a public form: the private link, shown this once (and emailed)."""
    link = request.build_absolute_uri(reverse("moderation:follow", kwargs={"key": key}))
    return render(
        request,
        "moderation/submitted.html",
        {"case": case, "link": link, "emailed_to": case.requester_email},
        status=201,
    )


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
        case, key = services.submit_takedown(
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
    return private(submitted)(request, case, key)


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
        case, key = services.submit_abuse_report(
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
    return private(submitted)(request, case, key)


# One request, as its requester sees it ------------------------------------------------------------

T, E, A = TakedownState, ExceptionState, AbuseState

# For each state: where the request is, in plain words, and what happens next.
STATE_TEXT = {
    (Kind.TAKEDOWN, T.RECEIVED): (
        "Received: support staff will check that the notice is complete and valid.",
        "If something is missing we ask you here and by email. Otherwise the project's owners "
        "are told and a registry admin decides whether to disable the content.",
    ),
    (Kind.TAKEDOWN, T.NEEDS_INFO): (
        "Waiting for your answer: support staff need more information (see the messages).",
        "Answer with the form below; the notice goes back to the queue as soon as you do.",
    ),
    (Kind.TAKEDOWN, T.ACCEPTED): (
        "Accepted: the notice is complete and valid.",
        "The project's owners are told; a registry admin then decides whether to disable the "
        "content.",
    ),
    (Kind.TAKEDOWN, T.OWNER_NOTIFIED): (
        "The project's owners have been notified of your notice.",
        "They may answer. A registry admin then decides whether to disable the content.",
    ),
    (Kind.TAKEDOWN, T.CONTENT_DISABLED): (
        "The content is disabled: it is no longer on the index.",
        "If the owners send a counter-notice we forward it to you. The content then comes "
        "back after 10 to 14 business days unless you tell us you have filed a court action.",
    ),
    (Kind.TAKEDOWN, T.COUNTER_NOTICE): (
        "The owners sent a counter-notice disputing your claim.",
        "The content comes back after the waiting period below unless you tell us, with the "
        "form below, that you have filed a court action.",
    ),
    (Kind.TAKEDOWN, T.REINSTATED): (
        "Closed: the content was reinstated after a counter-notice.",
        "",
    ),
    (Kind.TAKEDOWN, T.UPHELD): ("Closed: the content stays disabled.", ""),
    (Kind.TAKEDOWN, T.REJECTED): (
        "Closed: the notice was rejected. The messages below say why.",
        "You may send a new notice if you can add what was missing.",
    ),
    (Kind.TAKEDOWN, T.RETRACTED): ("Closed: the notice was retracted.", ""),
    (Kind.EXCEPTION, E.SUBMITTED): (
        "Submitted: waiting for support staff to review it.",
        "Support staff look at the request and its impact; a registry admin decides. You can "
        "withdraw it until then.",
    ),
    (Kind.EXCEPTION, E.UNDER_REVIEW): (
        "Under review by support staff.",
        "A registry admin approves it (and removes what you asked for) or rejects it; you are "
        "told by email either way.",
    ),
    (Kind.EXCEPTION, E.APPROVED): (
        "Approved: what you asked for was removed from the index.",
        "The removal is recorded in the project's history; the registry admins can restore it.",
    ),
    (Kind.EXCEPTION, E.REJECTED): (
        "Closed: the request was rejected. The messages below say why.",
        "Yanking, archiving or deprecating remain open to you.",
    ),
    (Kind.EXCEPTION, E.WITHDRAWN): ("Closed: the request was withdrawn.", ""),
    (Kind.ABUSE, A.RECEIVED): (
        "Received: waiting for support staff.",
        "Malware reports are looked at first. You hear from us if we need anything.",
    ),
    (Kind.ABUSE, A.TRIAGED): (
        "Triaged: the report is credible and waits for a registry admin's decision.",
        "A registry admin quarantines or removes the project, or closes the report.",
    ),
    (Kind.ABUSE, A.QUARANTINED): (
        "The project is quarantined: installers see it with no files.",
        "A registry admin decides whether to remove it for good or lift the quarantine.",
    ),
    (Kind.ABUSE, A.REMOVED): ("Closed: the project was removed from the index.", ""),
    (Kind.ABUSE, A.CLEARED): (
        "Closed: after review, nothing needed to change.",
        "Thank you for reporting. Write a new report if you find more.",
    ),
}

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
}

IMPACT_LABELS = {
    "dependent_projects": "Projects that depend on it",
    "downloads_last_7_days": "Downloads in the last 7 days",
    "downloads_total": "Downloads in total",
    "releases": "Live releases",
    "files": "Live files",
}


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
            rows.append((field.verbose_name.capitalize(), value))
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


def case_page(request, access, *, reply_form=None, error=None, throttled=None, status=200):
    case = access.case
    headline, next_step = STATE_TEXT[(case.kind, case.state)]
    context = {
        "case": case,
        "kind_label": kind_label(case),
        "headline": headline,
        "next_step": next_step,
        "waiting_on_requester": case.state in workflow.WAITING_ON_REQUESTER[case.kind],
        "thread": conversation(case),
        "releases": list(case.releases.order_by("version").values_list("version", flat=True)),
        "files": list(case.files.order_by("filename").values_list("filename", flat=True)),
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
        "reply_form": reply_form or (ReplyForm() if case.is_open else None),
        "error": error,
        "throttled": throttled,
        "via_key": access.via_key,
    }
    return render(request, "moderation/case.html", context, status=status)


def reply(request, access):
    form = ReplyForm(request.POST)
    if not form.is_valid():
        status = 400 if form.is_spam else 200
        return case_page(request, access, reply_form=form, status=status)
    try:
        services.requester_reply(access.case, body=form.cleaned_data["body"])
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
            services.apply_transition(
                case,
                transition.name,
                actor=acting_user(request),
                reason=form.cleaned_data["reason"],
                via_key=access.via_key,
            )
        except RegistryError as refusal:
            error = refusal.message
            status = 409 if refusal.code == "stale" else 400
        else:
            messages.success(request, f"Done: {transition.label.lower()}.")
            return redirect(access.url())
    context = {
        "case": case,
        "kind_label": kind_label(case),
        "transition": transition,
        "possible": possible,
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


# The maintainers' deletion exceptions -------------------------------------------------------------

EXCEPTION_ROLES = frozenset({ActorRole.OWNER, ActorRole.MAINTAINER})


def exception_target(project, version, filename):
    """Return (release, file, error) named by the query or the form (both optional)."""
    release = file = None
    if version:
        found, _unknown = find_releases(project, [version])
        if not found:
            return None, None, f"{project.name} has no live release {version}."
        release = found[0]
    if filename:
        found, _unknown = find_files(project, [filename])
        if not found:
            return None, None, f"{project.name} has no live file named {filename}."
        file = found[0]
        if release is not None and file.release_id != release.pk:
            return None, None, f"{filename} is not a file of release {release.version}."
        release = file.release
    return release, file, None


def self_service_url(project, release, file):
    """The maintainers' own page for the removal, when the policy allows it now."""
    kwargs = {"name": project.normalized_name}
    if file is not None:
        url = reverse("registry:remove_files", kwargs={**kwargs, "version": release.version})
        return f"{url}?{urlencode({'file': file.filename})}"
    if release is not None:
        return reverse("registry:remove_release", kwargs={**kwargs, "version": release.version})
    return reverse("registry:remove", kwargs=kwargs)


def forbidden(request, project, role):
    return render(
        request,
        "moderation/forbidden.html",
        {"project": project, "role": role},
        status=403,
    )


@login_required
def exception_new(request, name):
    """Ask the registry admins to remove what the policy refuses, seeing the refusal and impact."""
    now = timezone.now()
    try:
        validate_project_name(name)
    except ValidationError:
        return not_found(request, "There is no live project with this name.")
    project = Project.objects.by_name(name).first()
    if project is None or project.is_removed:
        return not_found(request, "There is no live project with this name.")
    if name != project.normalized_name and request.method in ("GET", "HEAD"):
        url = reverse("moderation:exception-new", kwargs={"name": project.normalized_name})
        query = request.GET.urlencode()
        return redirect(f"{url}?{query}" if query else url)
    decider = Decider(project, request.user, now=now)
    if decider.role not in EXCEPTION_ROLES:
        return forbidden(request, project, decider.role)
    source = request.POST if request.method == "POST" else request.GET
    release, file, target_error = exception_target(
        project, source.get("release", "").strip()[:200], source.get("file", "").strip()[:300]
    )
    context = {"project": project, "error": target_error}
    if target_error:
        return render(request, "moderation/exception_form.html", context, status=404)
    if file is not None:
        action, releases, files = Action.DELETE_FILE, [], [file]
    elif release is not None:
        action, releases, files = Action.DELETE_RELEASE, [release], []
    else:
        action, releases, files = Action.DELETE_PROJECT, [], []
    decision = decider.decide(action, release=release, file=file)
    status = 200
    if request.method == "POST":
        form = ExceptionForm(request.POST)
        if form.is_valid():
            try:
                case = services.submit_exception(
                    project=project,
                    category=form.cleaned_data["category"],
                    details=form.cleaned_data["details"],
                    actor=request.user,
                    releases=releases,
                    files=files,
                    now=now,
                )
            except RegistryError as error:
                form.add_error(None, error.message)
                status = 400
            else:
                messages.success(
                    request,
                    f"Request {case.reference} sent. The registry staff review it; you hear "
                    "from them by email and on this page.",
                )
                return redirect("moderation:my-request", pk=case.pk)
    else:
        form = ExceptionForm(
            initial={
                "release": release.version if release is not None else "",
                "file": file.filename if file is not None else "",
            }
        )
    impact = services.exception_impact(project, now=now)
    release_facts = decider.release_facts(release) if release is not None else None
    context.update(
        {
            "release": release,
            "file": file,
            "release_facts": release_facts,
            "decision": decision,
            "remove_url": self_service_url(project, release, file) if decision.allowed else None,
            "impact": [(label, impact[key]) for key, label in IMPACT_LABELS.items()],
            "open_requests": list(
                DeletionException.objects.open()
                .filter(project=project, requester=request.user)
                .order_by("-created_at", "-pk")[:10]
            ),
            "form": form,
        }
    )
    return render(request, "moderation/exception_form.html", context, status=status)


@login_required
def my_requests(request):
    """The person's deletion exception requests, newest first, with their state."""
    requests = (
        DeletionException.objects.filter(requester=request.user)
        .select_related("project")
        .prefetch_related(
            Prefetch("releases", queryset=Release.objects.only("pk", "version")),
            Prefetch("files", queryset=File.objects.only("pk", "filename")),
        )
        .order_by("-created_at", "-pk")
    )
    page = Paginator(requests, REQUESTS_PER_PAGE).get_page(request.GET.get("page"))
    rows = [
        {
            "case": case,
            "what": ", ".join(
                [release.version for release in case.releases.all()]
                + [file.filename for file in case.files.all()]
            )
            or "the whole project",
        }
        for case in page
    ]
    return render(request, "moderation/my_requests.html", {"page": page, "rows": rows})


def own_exception(request, pk):
    return (
        DeletionException.objects.filter(pk=pk, requester=request.user)
        .select_related("project")
        .first()
    )


NOT_YOURS = "You have no request with this number."


@login_required
def my_request(request, pk):
    case = own_exception(request, pk)
    if case is None:
        return not_found(request, NOT_YOURS)
    return case_page(request, Access(case))


@login_required
@require_POST
def my_request_reply(request, pk):
    case = own_exception(request, pk)
    if case is None:
        return not_found(request, NOT_YOURS)
    return reply(request, Access(case))


@login_required
def my_request_act(request, pk, transition):
    case = own_exception(request, pk)
    if case is None:
        return not_found(request, NOT_YOURS)
    return act(request, Access(case), transition)
