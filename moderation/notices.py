"""What a project's page shows its people about moderation cases, through the registry's hook
(`registry.extensions`): an open staged removal, a takedown that disabled its content, and an
open PEP 541 name request on the project.

Only the project's owners and maintainers, the registry admins and support staff see the cases;
the public page of a project says nothing about them. A signed-in person with no role on a
project that never had a release, or had none for 12 months, is offered, quietly, to ask for its
name.
"""

from django.db.models import CharField, Max, Prefetch, Value
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from registry.extensions import ProjectNotice
from registry.facts import actor_role
from registry.models import File, Release
from registry.policy import Action, ActorRole

from . import state_texts
from .models import LegalTakedown, NameRequest, StagedRemoval
from .pep541 import period_in_words
from .services.schedule import abandoned_after, reachability_period
from .staged_timeline import next_step
from .workflow import Kind, NameRequestState, TakedownState, state_label

SEES_CASES = frozenset({ActorRole.OWNER, ActorRole.MAINTAINER, ActorRole.ADMIN, ActorRole.SUPPORT})

# While a whole project's removal is under way, deprecating it again, lifting the deprecation or
# scheduling another removal would contradict it ("Deprecate and schedule removal" is a
# deprecation too); cancelling is done from the case's page.
STAGED_HIDES = frozenset({Action.DEPRECATE.value, Action.UNDEPRECATE.value})

# A takedown whose content is disabled and may still be answered, or is being answered.
DISABLED_STATES = (TakedownState.CONTENT_DISABLED, TakedownState.COUNTER_NOTICE)


def takedown_named(case):
    """What a takedown names, in words: its releases and files, or the whole project."""
    named = [f"release {release.version}" for release in case.releases.all()] + [
        f"file {file.filename}" for file in case.files.all()
    ]
    return ", ".join(named) or f"the whole project {case.project.name}"


def with_targets(cases):
    """`cases` (requests of one queue) with their project and the versions and filenames they
    name, in a fixed number of queries."""
    return cases.select_related("project").prefetch_related(
        Prefetch("releases", queryset=Release.objects.only("pk", "version")),
        Prefetch("files", queryset=File.objects.only("pk", "filename")),
    )


def takedowns_disabling(project_ids):
    """The takedowns whose content is disabled, with what they name, for these projects."""
    return with_targets(
        LegalTakedown.objects.filter(project_id__in=project_ids, state__in=DISABLED_STATES)
    ).order_by("-created_at", "-pk")


def staged_notice(case):
    whole = case.release_id is None
    return ProjectNotice(
        title=f"Removal scheduled ({case.reference}): {case.get_state_display().lower()}",
        text=(
            f"{case.target} is deprecated and scheduled for removal. {next_step(case)} "
            "You can cancel it until it is removed."
        ),
        url=reverse("moderation:staged-case", kwargs={"pk": case.pk}),
        link_text="Follow or cancel the removal",
        hides=STAGED_HIDES if whole else frozenset(),
    )


def takedown_notice(case):
    what = takedown_named(case)
    if case.state == TakedownState.COUNTER_NOTICE:
        text = (
            f"After a {case.get_takedown_kind_display()} notice, the registry disabled {what}. "
            f"Your counter-notice was received; the content may come back from "
            f"{case.reinstate_after:%Y-%m-%d}, unless the claimant reports a court action."
        )
    else:
        text = (
            f"After a {case.get_takedown_kind_display()} notice, the registry disabled {what}: "
            "it is no longer on the index. If you believe it was removed by mistake or "
            "misidentification, you can answer with a counter-notice."
        )
    return ProjectNotice(
        title=f"Content taken down ({case.reference})",
        text=text,
        url=reverse("moderation:owner-takedown", kwargs={"pk": case.pk}),
        link_text="See the takedown and how to answer it",
        level="warning",
    )


# A name request as the project's owners read it, stage by stage.
N = NameRequestState
OWNER_NAME_TEXTS = {
    N.SUBMITTED: "Support staff are checking the claim against PEP 541. If it holds, every owner "
    "is e-mailed a private link to keep the project.",
    N.CONTACTING_OWNERS: "Every owner was e-mailed a private link to keep the project. One "
    "answer from any owner closes the request.",
    N.AWAITING_DECISION: "No owner answered within the reachability period: a registry admin "
    "decides whether to transfer the name.",
    N.TRANSFERRED: "Closed: a registry admin transferred the name to the requester.",
    N.REFUSED: "Closed: the name stays with its owners, and the requester was told.",
    N.WITHDRAWN: "Closed: the requester withdrew the request.",
}


def answer_window(case):
    """Until when the owners may answer `case`, in words ("" once it is closed)."""
    if not case.is_open:
        return ""
    if case.state == N.CONTACTING_OWNERS and case.reachable_until:
        return (
            f"Owners may answer until {case.reachable_until:%Y-%m-%d}; if none does, a registry "
            "admin may transfer the name."
        )
    if case.state == N.AWAITING_DECISION:
        ended = f" on {case.reachable_until:%Y-%m-%d}" if case.reachable_until else ""
        return (
            f"The reachability period ended{ended}, but an owner's answer still keeps the "
            "project until a registry admin decides."
        )
    return (
        "Owners may answer now. If support staff contact them, they have "
        f"{period_in_words(reachability_period())} from then."
    )


def owner_name_text(case):
    """Where `case` stands, as the owners of its project read it."""
    return " ".join(filter(None, [OWNER_NAME_TEXTS[case.state], answer_window(case)]))


def staff_case_url(case):
    try:
        return reverse(f"admin:moderation_{type(case)._meta.model_name}_change", args=[case.pk])
    except NoReverseMatch:
        return ""


def name_request_notice(case, role):
    """An open name request, as a warning for the project's people (owners may answer it)."""
    text = (
        f"{case.requester_name or 'Someone'} asked for the name {case.project.name} under PEP "
        f"541 ({case.get_ground_display().split(':')[0].lower()}). {owner_name_text(case)} It "
        f"waits for {state_texts.waiting_for(Kind.NAME, case.state)}."
    )
    url, link_text = "", ""
    if role == ActorRole.OWNER:
        url = reverse("moderation:name-owner-case", kwargs={"pk": case.pk})
        link_text = "See the request and keep your project"
    elif role == ActorRole.MAINTAINER:
        text += " Only the project's owners can answer it: tell them."
    else:
        url, link_text = staff_case_url(case), "Open it in the admin"
    return ProjectNotice(
        title=f"Name request {case.reference}: {state_label(case.state).lower()}",
        text=text,
        url=url,
        link_text=link_text,
        level="warning",
    )


def may_be_claimed(project, *, now):
    """Whether `project` may be worth a name request: it never had a release (empty), or had
    none, nor a file, for PEP 541's 12 months. Removed releases and files count as activity: a
    project whose owners (or the registry) removed something lately is not quiet."""
    newest = Release.objects.filter(project=project).aggregate(
        release=Max("created_at"), file=Max("files__uploaded_at")
    )
    last = max(filter(None, newest.values()), default=None)
    return last is None or now - last >= abandoned_after()


def ask_notice(project):
    period = period_in_words(abandoned_after())
    return ProjectNotice(
        title="Ask for this name (PEP 541)",
        text=f"{project.name} has had no release for {period}, or never had one. If its "
        "owners cannot be reached, or it is empty, PEP 541 lets you ask the registry for its "
        "name.",
        url=reverse("moderation:name-request", kwargs={"name": project.normalized_name}),
        link_text="Ask for this name (PEP 541)",
    )


def project_notices(project, user):
    """The notices of `project` for `user`: the cases, for its people and staff; the offer to
    ask for its name, for anyone else signed in, when the project may be claimed.

    One query finds the open staged removals and name requests, one the disabling takedowns;
    only a kind found costs one more. The offer costs one aggregate."""
    role = actor_role(user, project)
    if role == ActorRole.OTHER:
        return [ask_notice(project)] if may_be_claimed(project, now=timezone.now()) else []
    if role not in SEES_CASES:
        return []
    open_cases = open_case_ids(project)
    notices = []
    if "staged" in open_cases:
        notices += [
            staged_notice(case)
            for case in StagedRemoval.objects.filter(pk__in=open_cases["staged"])
            .select_related("project", "release")
            .order_by("created_at", "pk")
        ]
    notices += [takedown_notice(case) for case in takedowns_disabling([project.pk])]
    if "name" in open_cases:
        notices += [
            name_request_notice(case, role)
            for case in NameRequest.objects.filter(pk__in=open_cases["name"])
            .select_related("project")
            .order_by("created_at", "pk")
        ]
    return notices


def open_case_ids(project):
    """{"staged": [pk, ...], "name": [pk, ...]}: the project's open staged removals and name
    requests, in one query (a project's page reads nothing more while there are none)."""
    queries = [
        model.objects.open()
        .filter(project=project)
        .order_by()
        .annotate(case_kind=Value(kind, output_field=CharField()))
        .values_list("case_kind", "pk")
        for kind, model in (("staged", StagedRemoval), ("name", NameRequest))
    ]
    found = {}
    for kind, pk in queries[0].union(*queries[1:], all=True):
        found.setdefault(kind, []).append(pk)
    return found
