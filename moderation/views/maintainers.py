"""The maintainers' deletion exceptions: asked for from a refusal on their project's page
(/manage/<name>/exception/) and followed under /account/requests/."""

from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Prefetch
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from registry.facts import Decider
from registry.models import File, Project, Release
from registry.policy import Action, ActorRole
from registry.services import RegistryError

from .. import services
from ..forms import ExceptionForm, find_files, find_releases
from ..models import DeletionException
from .common import canonical_redirect, forbidden, not_found
from .requests import IMPACT_LABELS, Access, act, case_page, reply

REQUESTS_PER_PAGE = 50

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


@login_required
def exception_new(request, name):
    """Ask the registry admins to remove what the policy refuses, seeing the refusal and impact."""
    now = timezone.now()
    project = Project.objects.live().by_name(name).first()
    if project is None:
        return not_found(request, "There is no live project with this name.")
    if name != project.normalized_name and request.method in ("GET", "HEAD"):
        return canonical_redirect(request, "moderation:exception-new", name=project.normalized_name)
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
