"""The owners' pages for staged removal: schedule it, follow it, cancel it."""

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone

from registry.facts import Decider, dependents_of
from registry.models import Project, Release
from registry.policy import ActorRole
from registry.services import RegistryError
from registry.validators import validate_project_name

from . import staged
from .models import StagedRemoval
from .views import forbidden, not_found

OWNER_ROLES = (ActorRole.OWNER, ActorRole.ADMIN)


class StagedForm(forms.Form):
    message = forms.CharField(
        label="Message to users",
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Shown by installers and on the index, e.g. 'Unmaintained; use X instead.'",
    )
    successor = forms.CharField(
        label="Successor project (optional)", max_length=200, required=False
    )
    confirm_name = forms.CharField(label="Type the project name to confirm", max_length=200)

    def __init__(self, *args, project, **kwargs):
        super().__init__(*args, **kwargs)
        self.project = project

    def clean_successor(self):
        name = self.cleaned_data["successor"].strip()
        if not name:
            return None
        try:
            validate_project_name(name)
        except ValidationError as error:
            raise forms.ValidationError(error.messages) from None
        successor = Project.objects.live().by_name(name).first()
        if successor is None:
            raise forms.ValidationError(f"There is no live project called {name!r}.")
        if successor.pk == self.project.pk:
            raise forms.ValidationError("A project cannot be its own successor.")
        return successor

    def clean_confirm_name(self):
        typed = self.cleaned_data["confirm_name"].strip()
        if typed != self.project.name:
            raise forms.ValidationError(
                f"Type the project's name exactly ({self.project.name}) to confirm."
            )
        return typed


class CancelForm(forms.Form):
    reason = forms.CharField(
        label="Why cancel?", max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )


@login_required
def staged_new(request, name):
    """Deprecate a project (or yank a release) and schedule its removal, dates shown first."""
    now = timezone.now()
    project = Project.objects.live().by_name(name).first() if name else None
    if project is None:
        return not_found(request, "There is no live project with this name.")
    decider = Decider(project, request.user, now=now)
    if decider.role not in OWNER_ROLES:
        return forbidden(request, project, decider.role)
    version = request.GET.get("release", "").strip()[:100]
    release = None
    if version:
        release = Release.objects.live().filter(project=project, version=version).first()
        if release is None:
            return not_found(request, f"{project.name} has no live release {version}.")
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
            return redirect("moderation:staged-case", pk=case.pk)
    context = {
        "project": project,
        "release": release,
        "form": form,
        "pending_on": now + deprecated,
        "review_on": now + deprecated + pending,
        "dependents": decider.facts.dependent_projects,
        "dependent_names": list(dependents_of(project).values_list("name", flat=True)[:20]),
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
    may_cancel = case.is_open and decider.role in OWNER_ROLES
    form = CancelForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if not may_cancel:
            return forbidden(request, case.project, decider.role)
        if form.is_valid():
            try:
                staged.cancel(case, actor=request.user, reason=form.cleaned_data["reason"])
            except RegistryError as error:
                form.add_error(None, error.message)
                status = 400
            else:
                return redirect("moderation:staged-case", pk=case.pk)
    history = list(
        case.history.order_by("-history_date", "-history_id").values(
            "history_date", "history_user_username", "history_change_reason", "state"
        )[:50]
    )
    return render(
        request,
        "moderation/staged_case.html",
        {"case": case, "form": form, "may_cancel": may_cancel, "history": history},
        status=status,
    )
