"""What a project's page shows its people about moderation cases, through the registry's hook
(`registry.extensions`): an open staged removal, and a takedown that disabled its content.

Only the project's owners and maintainers, the registry admins and support staff see them; the
public page of a project says nothing about its cases.
"""

from django.db.models import Prefetch
from django.urls import reverse

from registry.extensions import ProjectNotice
from registry.facts import actor_role
from registry.models import File, Release
from registry.policy import Action, ActorRole

from .models import LegalTakedown, StagedRemoval
from .staged_timeline import next_step
from .workflow import TakedownState

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


def project_notices(project, user):
    """The notices of `project` for `user`: none unless they are its people or staff."""
    if actor_role(user, project) not in SEES_CASES:
        return []
    notices = [
        staged_notice(case)
        for case in StagedRemoval.objects.open()
        .filter(project=project)
        .select_related("project", "release")
        .order_by("created_at", "pk")
    ]
    notices += [takedown_notice(case) for case in takedowns_disabling([project.pk])]
    return notices
