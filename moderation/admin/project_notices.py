"""The open moderation cases of a project, on the project's registry admin page.

The registry never imports moderation: its project admin asks `registry.extensions` for the
admin notices of a project, and this provider answers with the project's open cases of every
queue (a name request with its stage and the end of the owners' reachability period), each
linked to its admin page. The staff member sees only the queues they may view. One query per
queue, whatever the number of cases.
"""

from django.urls import reverse
from django.utils import timezone

from registry.extensions import ProjectNotice, register_admin_project_notices

from .. import state_texts
from ..models import AbuseReport, DeletionException, LegalTakedown, NameRequest, StagedRemoval
from ..workflow import NameRequestState

REQUEST_QUEUES = [
    (NameRequest, "ground"),
    (LegalTakedown, "takedown_kind"),
    (DeletionException, "category"),
    (AbuseReport, "category"),
]


def may_view(user, model):
    return user.has_perm(f"moderation.view_{model._meta.model_name}")


def change_url(case):
    return reverse(f"admin:moderation_{case._meta.model_name}_change", args=[case.pk])


def name_request_text(case):
    ground = case.get_ground_display().split(":")[0].lower()
    intent = "to maintain it" if case.intent == "maintain" else "for a different project"
    text = (
        f"{case.requester_name or 'Someone'} asks for the name ({ground}, {intent}). "
        f"Stage: {case.get_state_display().lower()}; waiting for "
        f"{state_texts.waiting_for(case.kind, case.state)}."
    )
    if case.reachable_until is not None:
        until = f"{timezone.localtime(case.reachable_until):%Y-%m-%d %H:%M}"
        if case.state == NameRequestState.CONTACTING_OWNERS:
            text += f" The owners may answer until {until}."
        else:
            text += f" The owners' reachability period ended {until}."
    return text


def request_notice(case, kind_field):
    verbose = case._meta.verbose_name
    if isinstance(case, NameRequest):
        text = name_request_text(case)
        level = "warning"
    else:
        kind = getattr(case, f"get_{kind_field}_display")()
        text = (
            f"{kind}, received {timezone.localtime(case.created_at):%Y-%m-%d}. Stage: "
            f"{case.get_state_display().lower()}; waiting for "
            f"{state_texts.waiting_for(case.kind, case.state)}."
        )
        level = "info"
    return ProjectNotice(
        title=f"{case.reference}: {verbose}, {case.get_state_display().lower()}",
        text=text,
        url=change_url(case),
        link_text=f"Open {case.reference}",
        level=level,
    )


def staged_notice(case):
    when = ""
    if case.next_step_at is not None:
        when = f" Its next step is due {timezone.localtime(case.next_step_at):%Y-%m-%d}."
    return ProjectNotice(
        title=f"{case.reference}: staged removal, {case.get_state_display().lower()}",
        text=(
            f"Its owners scheduled the removal of {case.target}.{when} "
            f"{state_texts.text(case.kind, case.state).staff}"
        ),
        url=change_url(case),
        link_text=f"Open {case.reference}",
    )


@register_admin_project_notices
def open_cases(project, user):
    """The open cases of `project` in the queues `user` may view, oldest first per queue."""
    notices = []
    for model, kind_field in REQUEST_QUEUES:
        if not may_view(user, model):
            continue
        cases = model.objects.open().filter(project=project).order_by("created_at", "pk")
        notices += [request_notice(case, kind_field) for case in cases]
    if may_view(user, StagedRemoval):
        notices += [
            staged_notice(case)
            for case in StagedRemoval.objects.open()
            .filter(project=project)
            .select_related("project", "release__project")
            .order_by("created_at", "pk")
        ]
    return notices
