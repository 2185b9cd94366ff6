"""Staged removals in the admin: the list of cases, and the admins' approve, keep and extend.

Each action is a transition of `moderation.workflow`: its confirmation page lists, for every
selected case, the plan of the transition that case would take, and the engine carries it out.
"""

from django.contrib import admin
from django.template.loader import render_to_string
from django.utils import timezone

from registry.admin.common import NormalizedNameSearchMixin
from registry.admin.impacts import Assessor, assess_each
from registry.admin_base import ConfirmItem, TrackedAdmin, confirmed_action
from registry.facts import is_registry_admin

from .. import services, state_texts, workflow
from ..models import StagedRemoval
from ..services import staged
from ..workflow import Kind
from .filters import StagedDueListFilter
from .forms import ExtendForm


def assess_staged(cases, *, now):
    """What removing each case's project or release would affect, and what it overrides."""
    assessor = Assessor(now=now)

    def assess_one(case):
        return assessor.release(case.release) if case.release_id else assessor.project(case.project)

    return assess_each(cases, assess_one)


def describe_with_plan(names):
    """Describe a selected case by what the first of the transitions `names` that applies to
    it would do (or why none can)."""

    def describe(case):
        transition = workflow.taken_by(Kind.STAGED, case.state, names)
        if transition is None:
            return ConfirmItem(str(case), "nothing: this case cannot take that step now")
        items = services.plan(case, transition, timezone.now())
        return ConfirmItem(str(case), "; ".join(f"{i.label}: {i.detail}" for i in items))

    return describe


@confirmed_action(
    description="Approve: remove the selected projects or releases",
    explanation=workflow.transition(Kind.STAGED, "approve").help,
    permissions=["act"],
    submit_label="Remove",
    describe=describe_with_plan(["approve"]),
    assess=assess_staged,
)
def approve_staged(modeladmin, request, case, data):
    staged.approve(case=case, actor=request.user, reason=data["reason"])
    return f"{case.target} was removed."


@confirmed_action(
    description="Keep the selected projects or releases",
    explanation=workflow.transition(Kind.STAGED, "keep").help,
    permissions=["act"],
    submit_label="Keep",
    describe=describe_with_plan(["keep"]),
)
def keep_staged(modeladmin, request, case, data):
    staged.keep(case=case, actor=request.user, reason=data["reason"])
    return f"{case.target} is kept."


@confirmed_action(
    description="Extend the current stage of the selected cases",
    explanation=workflow.transition(Kind.STAGED, "extend").help,
    permissions=["act"],
    form_class=ExtendForm,
    submit_label="Extend",
    describe=describe_with_plan(staged.EXTEND),
)
def extend_staged(modeladmin, request, case, data):
    case = staged.extend(case=case, actor=request.user, reason=data["reason"], days=data["days"])
    return f"{case.target}: next step on {case.next_step_at:%Y-%m-%d}."


@admin.register(StagedRemoval)
class StagedRemovalAdmin(NormalizedNameSearchMixin, TrackedAdmin):
    list_display = ["__str__", "state", "next_step", "next_step_at", "requested_by", "created_at"]
    list_filter = [StagedDueListFilter, "state"]
    list_select_related = ["project", "release__project", "requested_by"]
    search_fields = ["project__normalized_name"]
    normalized_search_field = "project__normalized_name"
    ordering = ["next_step_at", "pk"]
    actions = [approve_staged, keep_staged, extend_staged]
    history_list_display = []  # "Changed by" and "Change reason" are simple-history's own
    readonly_fields = ["what_removal_would_affect"]

    class Media:
        css = {"all": ["registry/admin-impact.css"]}

    def get_fields(self, request, obj=None):
        # What the removal would affect comes right after what is being removed.
        shown = self.readonly_fields
        fields = [name for name in super().get_fields(request, obj) if name not in shown]
        at = fields.index("release") + 1 if "release" in fields else 0
        return [*fields[:at], *shown, *fields[at:]]

    @admin.display(description="what its removal would affect")
    def what_removal_would_affect(self, case):
        assessments = assess_staged([case], now=timezone.now())
        return render_to_string("admin/_impacts.html", {"assessments": assessments})

    @admin.display(description="next step")
    def next_step(self, case):
        return state_texts.text(Kind.STAGED, case.state).staff

    def has_act_permission(self, request):
        return is_registry_admin(request.user)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
