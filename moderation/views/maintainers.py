"""The maintainers' deletion exceptions: asked for from a refusal on their project's page
(/manage/<name>/exception/) and followed under /account/requests/."""

from dataclasses import dataclass
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import CharField, Q, Value
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from registry.facts import Decider
from registry.impact import impact_of
from registry.models import Project, Role, RoleName
from registry.policy import Action, ActorRole
from registry.policy.wording import rule_in_words
from registry.services import RegistryError

from .. import services, state_texts
from ..forms import ExceptionForm, find_files, find_releases
from ..models import AbuseReport, DeletionException, LegalTakedown, NameRequest, StagedRemoval
from ..notices import owner_name_text, takedown_named, with_targets
from ..staged_timeline import next_step
from ..workflow import Kind, NameRequestState
from .common import canonical_redirect, forbidden, not_found
from .owners import OWNER_TEXTS
from .requests import IMPACT_LABELS, Access, act, case_page, kind_label, reply

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


def same_open_request(project, user, data, releases, files):
    """The person's open request that says exactly this about exactly these, if any."""
    wanted = ({r.pk for r in releases}, {f.pk for f in files})
    for case in DeletionException.objects.open().filter(
        project=project, requester=user, category=data["category"], details=data["details"]
    ):
        named = (
            set(case.releases.values_list("pk", flat=True)),
            set(case.files.values_list("pk", flat=True)),
        )
        if named == wanted:
            return case
    return None


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
        duplicate = form.is_valid() and same_open_request(
            project, request.user, form.cleaned_data, releases, files
        )
        if duplicate:
            # The browser sent the same form again (back, then resubmit): file nothing twice.
            messages.info(
                request,
                f"You already filed this request as {duplicate.reference}; here it is. Write "
                "to the registry staff below to add something.",
            )
            return redirect("moderation:my-request", pk=duplicate.pk)
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
            "rule_words": rule_in_words(decision.rule),
            "remove_url": self_service_url(project, release, file) if decision.allowed else None,
            "impact": [(label, impact[key]) for key, label in IMPACT_LABELS.items()],
            "summary": impact_of(
                project, now=now, release=release, files=[file] if file is not None else None
            ),
            "open_requests": list(
                DeletionException.objects.open()
                .filter(project=project, requester=request.user)
                .order_by("-created_at", "-pk")[:10]
            ),
            "form": form,
        }
    )
    return render(request, "moderation/exception_form.html", context, status=status)


# "Your requests": everything the person filed or is subject to ------------------------------------

# The URL segment of each queue a person files into while signed in.
FILED_KINDS = {
    "exception": DeletionException,
    "notice": LegalTakedown,
    "report": AbuseReport,
    "name": NameRequest,
}


@dataclass(frozen=True)
class FiledAccess(Access):
    """A notice or report the signed-in person filed, at /account/requests/<kind>/<pk>/."""

    segment: str = ""

    def url(self, suffix="", **kwargs):
        if self.segment == "exception":
            return super().url(suffix, **kwargs)
        return reverse(
            f"moderation:my-filed{suffix}",
            kwargs={"kind": self.segment, "pk": self.case.pk, **kwargs},
        )


def person_rows(user):
    """(kind, pk, created_at) of every row of "Your requests", as one query, newest first."""
    owned = Role.objects.active().filter(user=user, role=RoleName.OWNER).values("project_id")
    parts = {
        "exception": DeletionException.objects.filter(requester=user),
        "notice": LegalTakedown.objects.filter(requester=user),
        "report": AbuseReport.objects.filter(requester=user),
        "takedown": LegalTakedown.objects.filter(
            project_id__in=owned, state__in=list(OWNER_TEXTS)
        ).exclude(requester=user),
        "staged": StagedRemoval.objects.filter(Q(requested_by=user) | Q(project_id__in=owned)),
        "name": NameRequest.objects.filter(requester=user),
        # Name requests on a project the person owns: theirs to answer.
        "claim": NameRequest.objects.filter(project_id__in=owned).exclude(requester=user),
    }
    queries = [
        query.order_by()
        .annotate(row_kind=Value(kind, output_field=CharField()))
        .values_list("row_kind", "pk", "created_at")
        for kind, query in parts.items()
    ]
    return queries[0].union(*queries[1:], all=True).order_by("-created_at", "row_kind", "-pk")


ROW_QUERIES = {
    "exception": lambda: with_targets(DeletionException.objects),
    "notice": lambda: LegalTakedown.objects.select_related("project"),
    "report": lambda: AbuseReport.objects.select_related("project"),
    "takedown": lambda: with_targets(LegalTakedown.objects),
    "staged": lambda: StagedRemoval.objects.select_related("project", "release"),
    "name": lambda: NameRequest.objects.select_related("project"),
    "claim": lambda: NameRequest.objects.select_related("project"),
}


def describe(kind, case):
    """One row of "Your requests": what it is, where it stands in words, and its page."""
    if kind == "takedown":
        return {
            "label": f"Takedown of your project ({case.get_takedown_kind_display()})",
            "state": OWNER_TEXTS[case.state],
            "what": takedown_named(case),
            "url": reverse("moderation:owner-takedown", kwargs={"pk": case.pk}),
        }
    if kind == "staged":
        return {
            "label": "Staged removal",
            "state": " ".join(
                filter(None, [state_texts.text(Kind.STAGED, case.state).headline, next_step(case)])
            ),
            "what": f"release {case.release.version}" if case.release_id else "",
            "url": reverse("moderation:staged-case", kwargs={"pk": case.pk}),
        }
    if kind == "claim":
        return {
            "label": "Name request on your project (PEP 541)",
            "state": owner_name_text(case),
            "what": f"asked by {case.requester_name or 'someone'}",
            "url": reverse("moderation:name-owner-case", kwargs={"pk": case.pk}),
        }
    what = ""
    if kind == "name":
        what = f"the name {case.requested_name}"
        if case.state == NameRequestState.CONTACTING_OWNERS and case.reachable_until:
            what += f"; owners may answer until {case.reachable_until:%Y-%m-%d}"
    if kind == "exception":
        what = (
            ", ".join(
                [release.version for release in case.releases.all()]
                + [file.filename for file in case.files.all()]
            )
            or "the whole project"
        )
    return {
        "label": kind_label(case) + ("" if kind == "exception" else " you filed"),
        "state": state_texts.text(case.kind, case.state).headline,
        "what": what,
        "url": FiledAccess(case, segment=kind).url(),
    }


@login_required
def my_requests(request):
    """Everything the person filed or is subject to, newest first: deletion exceptions, notices,
    reports and name requests filed while signed in, their projects' takedowns, staged removals
    and the name requests on them."""
    page = Paginator(person_rows(request.user), REQUESTS_PER_PAGE).get_page(request.GET.get("page"))
    wanted = {}
    for kind, pk, _created in page:
        wanted.setdefault(kind, []).append(pk)
    found = {kind: ROW_QUERIES[kind]().in_bulk(pks) for kind, pks in wanted.items()}
    rows = []
    for kind, pk, _created in page:
        case = found[kind][pk]
        rows.append({"case": case, "kind": kind, **describe(kind, case)})
    return render(request, "moderation/my_requests.html", {"page": page, "rows": rows})


def own_request(request, pk, segment="exception"):
    model = FILED_KINDS.get(segment)
    if model is None:
        return None
    return model.objects.filter(pk=pk, requester=request.user).select_related("project").first()


NOT_YOURS = "You have no request with this number."


@login_required
def my_request(request, pk, kind="exception"):
    case = own_request(request, pk, kind)
    if case is None:
        return not_found(request, NOT_YOURS)
    return case_page(request, FiledAccess(case, segment=kind))


@login_required
@require_POST
def my_request_reply(request, pk, kind="exception"):
    case = own_request(request, pk, kind)
    if case is None:
        return not_found(request, NOT_YOURS)
    return reply(request, FiledAccess(case, segment=kind))


@login_required
def my_request_act(request, pk, transition, kind="exception"):
    case = own_request(request, pk, kind)
    if case is None:
        return not_found(request, NOT_YOURS)
    return act(request, FiledAccess(case, segment=kind), transition)
