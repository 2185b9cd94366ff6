"""The owners' pages for staged removal: schedule it, follow it, cancel it."""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone

from registry.facts import Decider
from registry.forms import ConfirmNameForm, DeprecateForm, PlainTextMixin
from registry.impact import impact_of
from registry.models import Project, Release
from registry.policy import ActorRole
from registry.services import RegistryError
from registry.validators import text_problem

from .. import state_texts, workflow
from ..models import StagedRemoval
from ..services import staged
from ..staged_timeline import next_step, timeline
from ..workflow import Kind
from .common import canonical_redirect, forbidden, not_found

OWNER_ROLES = (ActorRole.OWNER, ActorRole.ADMIN)


class StagedForm(ConfirmNameForm, DeprecateForm):
    """The registry's deprecation form (message, successor) and name confirmation; the reason
    is the message itself."""

    reason = None
    message = forms.CharField(
        label="Message to users",
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Shown by installers and on the index, e.g. 'Unmaintained; use X instead.'",
    )

    field_order = ["message", "successor", "confirm_name"]


class CancelForm(PlainTextMixin, forms.Form):
    reason = forms.CharField(
        label="Why cancel?", max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )


@login_required
def staged_new(request, name):
    """Deprecate a project (or yank a release) and schedule its removal, dates shown first."""
    now = timezone.now()
    project = Project.objects.live().by_name(name).first()
    if project is None:
        return not_found(request, "There is no live project with this name.")
    decider = Decider(project, request.user, now=now)
    if decider.role not in OWNER_ROLES:
        return forbidden(request, project, decider.role)
    version = request.GET.get("release", "").strip()[:100]
    release = None
    if version:
        release = Release.objects.live().filter(project=project).by_version(version).first()
        if release is None:
            problem = text_problem(version)
            if problem is not None:
                return not_found(
                    request,
                    f"{project.name} has no live release with this version: the version in the "
                    f"address {problem}.",
                )
            return not_found(request, f"{project.name} has no live release {version}.")
    if request.method in ("GET", "HEAD") and (
        name != project.normalized_name or (release is not None and version != release.version)
    ):
        return canonical_redirect(
            request,
            "moderation:staged-new",
            params={"release": release.version} if release is not None else {},
            name=project.normalized_name,
        )
    deprecated, pending = staged.stage_days()
    status = 200
    form = StagedForm(request.POST or None, project=project)
    if request.method == "POST" and form.is_valid():
        try:
            case = staged.start(
                project=project,
                release=release,
                message=form.cleaned_data["message"],
                successor=form.cleaned_data["successor"],
                actor=request.user,
                now=now,
            )
        except RegistryError as error:
            form.add_error(None, error.message)
            status = 400
        else:
            messages.success(
                request,
                f"{case.target} is deprecated and its removal is scheduled ({case.reference}). "
                f'{next_step(case)} You can cancel it from this page, which "Your requests" '
                "and the project's page link to.",
            )
            return redirect("moderation:staged-case", pk=case.pk)
    context = {
        "project": project,
        "release": release,
        "form": form,
        "pending_on": now + deprecated,
        "review_on": now + deprecated + pending,
        "impact": impact_of(project, now=now, release=release),
        "open_cases": list(
            StagedRemoval.objects.open().filter(project=project).select_related("release")
        ),
    }
    return render(request, "moderation/staged_form.html", context, status=status)


@login_required
def staged_case(request, pk):
    """Follow a staged removal; its owners may cancel it until it is removed."""
    case = get_object_or_404(
        StagedRemoval.objects.select_related("project", "release", "successor"), pk=pk
    )
    now = timezone.now()
    decider = Decider(case.project, request.user, now=now)
    if decider.role not in OWNER_ROLES and not request.user.is_staff:
        return forbidden(request, case.project, decider.role)
    cancel = workflow.transition(Kind.STAGED, "cancel")
    may_cancel = case.state in cancel.sources and decider.role in OWNER_ROLES
    form = CancelForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if not may_cancel:
            return forbidden(request, case.project, decider.role)
        if form.is_valid():
            try:
                staged.cancel(case=case, actor=request.user, reason=form.cleaned_data["reason"])
            except RegistryError as error:
                form.add_error(None, error.message)
                status = 400
            else:
                messages.success(
                    request,
                    f"The staged removal of {case.target} is cancelled: it is served from the "
                    "index as before.",
                )
                return redirect("moderation:staged-case", pk=case.pk)
    history = [
        {**row, "state_label": workflow.state_label(row["state"])}
        for row in case.history.order_by("-history_date", "-history_id").values(
            "history_date", "history_user_username", "history_change_reason", "state"
        )[:50]
    ]
    context = {
        "case": case,
        "text": state_texts.text(Kind.STAGED, case.state),
        "next_step": next_step(case),
        "stages": timeline(case, now),
        "form": form,
        "may_cancel": may_cancel,
        "history": history,
    }
    return render(request, "moderation/staged_case.html", context, status=status)
