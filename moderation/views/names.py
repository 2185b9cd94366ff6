"""PEP 541 name requests on the pages people use.

- A signed-in person asks for a project's name: the start page (/names/request/) takes the name,
  the request page (/names/<name>/request/) shows the facts PEP 541 turns on, prefilled, its
  rules in plain words and the cautions, and files the claim. The service refuses what PEP 541
  makes ineligible before anything is filed; the page shows why, keeping what was typed. A filed
  request answers with a redirect (303) to its page under "Your requests", so a refresh or a
  second click files nothing.
- An owner answers "I am here: keep my project" with one click: from the private link the e-mail
  carries (/names/owner/<key>/, no sign-in: the key is the capability), or signed in from their
  project's notice (/account/name-requests/<pk>/). Either way the request closes as refused and
  the requester is told.

Views change nothing themselves: every write is a call to `moderation.services.names`.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone

from registry.facts import actor_role
from registry.models import Project
from registry.name_facts import name_facts
from registry.policy import ActorRole
from registry.services import RegistryError
from registry.services.names import check_name

from .. import pep541
from ..models import NameRequest, NameRequestContact
from ..name_forms import NameLookupForm, NameRequestForm, OwnerAnswerForm
from ..notices import answer_window, owner_name_text
from ..services import names
from ..services.schedule import abandoned_after, reachability_period
from .common import canonical_redirect, not_found, private
from .maintainers import FiledAccess
from .throttle import throttle, throttled_response


def see_other(url):
    """A redirect (303) after a POST: the browser GETs the page, and a refresh only reads it."""
    response = redirect(url)
    response.status_code = 303
    return response


def rules():
    """PEP 541's rules in plain words, with the periods this registry applies."""
    abandoned = pep541.period_in_words(abandoned_after())
    reachable = pep541.period_in_words(reachability_period())
    return [
        (
            "Abandoned project",
            f"It had no release for {abandoned}, and its owners cannot be reached: support staff "
            f"e-mail every owner, who then have {reachable} to answer. Only if none answers may "
            "a registry admin transfer the name.",
        ),
        (
            "Name squatting",
            "The project is empty or has no functionality: no release other than version 0 has "
            "files. A registry admin may decide without waiting for the owners.",
        ),
        (
            "Invalid project",
            "Spam, malware, a project against the terms of use or an abuse of the index: the "
            "registry admins judge.",
        ),
        (
            "A reachable owner's wish always wins",
            "A name never changes hands against the wishes of an owner who answers: one answer "
            "“keep my project” from any owner closes the request. The names of active projects "
            "are never arbitrated.",
        ),
    ]


def not_registered(name):
    return (
        f"No project is registered under the name “{name}”, so there is nothing to ask for: "
        "upload a project under it to register it (if the name is reserved, the upload says "
        "why). No name request is needed."
    )


def unregistered(name, *, user, now):
    """Why nothing can be asked for under `name`: it is free to upload, or (the registry's rule
    at a first upload) it is a confusable copy of another name, which is the one to ask for."""
    check = check_name(name, user=user, now=now)
    if check.code == "confusable_name":
        return (
            f"No project is registered under the name “{name}”, and none can be: "
            f"{check.message} If it is the name {check.collides_with} you want, ask for that one."
        )
    return not_registered(name)


# Asking for a name -------------------------------------------------------------------------------


@login_required
def name_request_start(request):
    """Ask for a project's name: the name box, which leads to that project's request page."""
    form = NameLookupForm(request.GET or None)
    status = 200
    if form.is_bound:
        status = 400
        if form.is_valid():
            project = Project.objects.by_name(form.cleaned_data["name"]).first()
            if project is not None:
                return redirect("moderation:name-request", name=project.normalized_name)
            form.add_error(
                "name",
                unregistered(form.cleaned_data["name"], user=request.user, now=timezone.now()),
            )
            status = 404
    return render(
        request, "moderation/name_start.html", {"form": form, "rules": rules()}, status=status
    )


def split_cautions(facts, now):
    """(cautions whatever the intent, the further ones of reusing the name for a new project)."""
    always = pep541.cautions(facts, intent=pep541.MAINTAIN, now=now)
    replacing = pep541.cautions(facts, intent=pep541.REPLACE, now=now)
    return always, [caution for caution in replacing if caution not in always]


@login_required
def name_request_new(request, name):
    """The claim on one project's name, with the facts PEP 541 turns on, prefilled."""
    now = timezone.now()
    project = Project.objects.by_name(name).first()
    if project is None:
        return not_found(
            request, unregistered(name, user=request.user, now=now), title="Name not registered"
        )
    if name != project.normalized_name and request.method in ("GET", "HEAD"):
        return canonical_redirect(request, "moderation:name-request", name=project.normalized_name)
    template = "moderation/name_request_form.html"
    facts = name_facts(project, now=now)
    always, replacing = split_cautions(facts, now)
    context = {
        "project": project,
        "facts": facts.rows(),
        "cautions": always,
        "replace_cautions": replacing,
        "rules": rules(),
    }
    if request.method != "POST":
        earlier = names.open_request_of(project, request.user)
        context.update({"form": NameRequestForm(), **earlier_request(earlier)})
        return render(request, template, context)
    throttled = throttle(request, "name-request")
    if throttled is not None:
        typed = NameRequestForm(initial=request.POST.dict())
        return throttled_response(request, template, context, throttled, typed)
    form = NameRequestForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            case, _key = names.submit_name_request(
                project=project,
                requester=request.user,
                ground=data["ground"],
                intent=data["intent"],
                details=data["details"],
                looked_for_another_name=data["looked_for_another_name"],
                now=now,
            )
        except RegistryError as error:
            form.add_error(None, error.message)
        else:
            messages.success(
                request,
                f"Request {case.reference} filed. Support staff check it against PEP 541; you "
                "hear from them by e-mail and on this page.",
            )
            return see_other(FiledAccess(case, segment="name").url())
    earlier = names.open_request_of(project, request.user)
    context.update({"form": form, **earlier_request(earlier)})
    return render(request, template, context, status=400)


def earlier_request(case):
    """The person's open request on this name, which a new one would repeat, and its page."""
    if case is None:
        return {"earlier": None}
    return {"earlier": case, "earlier_url": FiledAccess(case, segment="name").url()}


# The owners' answer -------------------------------------------------------------------------------


def who_answered(case):
    """The contact of the owner who answered "keep my project", if one did."""
    return (
        NameRequestContact.objects.filter(request=case, answered_at__isnull=False)
        .select_related("owner")
        .order_by("answered_at", "pk")
        .first()
    )


def outcome(case, owner):
    """What the owner reads once `case` is closed."""
    name = case.project.name
    answered = who_answered(case)
    if answered is not None and answered.owner_id == owner.pk:
        return f"You keep {name}; the request is closed and the requester has been told."
    if answered is not None:
        return (
            f"{answered.owner.get_username()}, an owner, answered that they keep {name}; the "
            "request is closed and the requester has been told."
        )
    return owner_name_text(case)


def owner_page(request, case, owner, *, form=None, error=None, closed_now="", status=200):
    context = {
        "case": case,
        "project": case.project,
        "facts": name_facts(case.project, now=timezone.now()).rows(),
        "where": owner_name_text(case),
        "until": answer_window(case),
        "outcome": "" if case.is_open else outcome(case, owner),
        "form": form if form is not None else OwnerAnswerForm(),
        "error": error,
        "closed_now": closed_now,
        "you": owner,
    }
    return render(request, "moderation/name_owner.html", context, status=status)


def answer(request, case, owner, *, via_key, page_url):
    """Record the owner's "keep my project" (a POST), then show the page again (303)."""
    if not case.is_open:
        return owner_page(
            request,
            case,
            owner,
            closed_now=f"{case.reference} is already closed: nothing changed.",
            status=409,
        )
    throttled = throttle(request, "name-owner")
    if throttled is not None:
        response = owner_page(
            request,
            case,
            owner,
            form=OwnerAnswerForm(initial=request.POST.dict()),
            error=throttled.message(),
            status=429,
        )
        response["Retry-After"] = str(throttled.retry_after)
        return response
    form = OwnerAnswerForm(request.POST)
    if not form.is_valid():
        return owner_page(request, case, owner, form=form, status=400)
    try:
        names.keep_project(
            case=case, owner=owner, answer=form.cleaned_data["answer"], via_key=via_key
        )
    except RegistryError as refusal:
        case.refresh_from_db()
        if refusal.code == "closed":
            return owner_page(
                request, case, owner, closed_now=f"{refusal.message} Nothing changed.", status=409
            )
        status = 403 if refusal.code == "not_allowed" else 400
        return owner_page(request, case, owner, form=form, error=refusal.message, status=status)
    messages.success(request, f"Thank you: you keep {case.project.name}.")
    return see_other(page_url)


NO_SUCH_LINK = (
    "No name request has this link. Check that you copied the whole link from the e-mail we "
    "sent you about the request."
)


@private
def name_owner(request, key):
    """A name request as an owner reads it through the link in their e-mail (no sign-in)."""
    contact = names.contact_for_key(key)
    if contact is None:
        return not_found(request, NO_SUCH_LINK, title="Unknown link")
    case = contact.request
    if request.method == "POST":
        page_url = reverse("moderation:name-owner", kwargs={"key": key})
        return answer(request, case, contact.owner, via_key=True, page_url=page_url)
    return owner_page(request, case, contact.owner)


@login_required
def name_owner_case(request, pk):
    """A name request on the person's project, answered from their account."""
    case = NameRequest.objects.select_related("project").filter(pk=pk).first()
    if case is None:
        return not_found(request, "There is no name request with this number.")
    role = actor_role(request.user, case.project)
    if role != ActorRole.OWNER:
        context = {"case": case, "project": case.project, "role": role}
        return render(request, "moderation/name_forbidden.html", context, status=403)
    if request.method == "POST":
        page_url = reverse("moderation:name-owner-case", kwargs={"pk": case.pk})
        return answer(request, case, request.user, via_key=False, page_url=page_url)
    return owner_page(request, case, request.user)
