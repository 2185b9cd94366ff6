"""The admins of the request queues: what each lists, filters and shows."""

from django.contrib import admin
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html

from registry.services import RegistryError

from .. import state_texts
from ..models import (
    ABUSE_QUEUE_ORDER,
    AbuseReport,
    DeletionException,
    LegalTakedown,
    NameRequest,
    TakedownKind,
)
from ..services import engine
from ..workflow import NameRequestState
from .cases import CaseAdmin, assess_project
from .filters import (
    AgeListFilter,
    AssigneeListFilter,
    DueListFilter,
    DuplicateListFilter,
    OpenListFilter,
)
from .names import contacts_of, name_facts_context, other_requests, transfer_link


@admin.register(LegalTakedown)
class LegalTakedownAdmin(CaseAdmin):
    kind_field = "takedown_kind"
    serves_dashboard = True
    list_filter = [
        OpenListFilter,
        AssigneeListFilter,
        DueListFilter,
        "state",
        "takedown_kind",
        "priority",
        AgeListFilter,
        DuplicateListFilter,
    ]
    detail_fields = [
        "takedown_kind",
        "requester_name",
        "organisation",
        "requester_email",
        "postal_address",
        "phone",
        "signature",
        "work_description",
        "material_location",
        "good_faith",
        "accurate_under_perjury",
        "legal_basis",
        "details",
        "counter_notice",
        "counter_notice_at",
        "reinstate_after",
        "reinstate_by",
    ]

    def dmca_missing(self, case):
        if case.takedown_kind != TakedownKind.COPYRIGHT:
            return None
        return case.missing_dmca_elements()


@admin.register(DeletionException)
class DeletionExceptionAdmin(CaseAdmin):
    kind_field = "category"
    list_filter = [
        OpenListFilter,
        AssigneeListFilter,
        DueListFilter,
        "state",
        "category",
        "priority",
        AgeListFilter,
        DuplicateListFilter,
    ]
    detail_fields = [
        "category",
        "requester_name",
        "requester_email",
        "details",
        "refused_rule",
        "refusal",
    ]

    def impact(self, case, decider):
        impact = super().impact(case, decider)
        impact["when_filed"] = case.impact or {}
        return impact


@admin.register(AbuseReport)
class AbuseReportAdmin(CaseAdmin):
    kind_field = "category"
    list_filter = [
        OpenListFilter,
        AssigneeListFilter,
        DueListFilter,
        "state",
        "category",
        "priority",
        AgeListFilter,
        DuplicateListFilter,
    ]
    list_display = [
        "reference",
        "project",
        "kind_display",
        "reporter",
        "state",
        "priority",
        "assignee",
        "due",
        "created_at",
    ]
    list_select_related = ["project", "assignee", "trusted_reporter"]
    case_related = [*CaseAdmin.case_related, "trusted_reporter"]
    # Priority, then age (oldest first): a trusted reporter's malware report is urgent, so it
    # comes first.
    ordering = ABUSE_QUEUE_ORDER
    detail_fields = [
        "category",
        "trusted_reporter",
        "requester_name",
        "requester_email",
        "details",
        "evidence",
        "evidence_url",
    ]

    @admin.display(description="reporter", ordering="trusted_reporter__organisation")
    def reporter(self, case):
        if case.trusted_reporter_id is not None:
            return format_html(
                '{} <span class="trusted" title="A trusted reporter, through the API">'
                "(trusted)</span>",
                case.trusted_reporter.organisation,
            )
        return case.requester_name or case.requester_email or "anonymous"


@admin.register(NameRequest)
class NameRequestAdmin(CaseAdmin):
    """PEP 541 name requests: support staff check the claim and contact the owners; a registry
    admin transfers the name or refuses, on pages that show the facts and the owners' answers."""

    kind_field = "ground"
    list_display = [
        "reference",
        "project",
        "kind_display",
        "intent_display",
        "state",
        "answer_by",
        "priority",
        "assignee",
        "due",
        "created_at",
    ]
    list_select_related = ["project", "assignee"]
    list_filter = [
        OpenListFilter,
        AssigneeListFilter,
        DueListFilter,
        "state",
        "ground",
        "intent",
        "priority",
        AgeListFilter,
        DuplicateListFilter,
    ]
    search_help_text = "A reference (N-12), a project name, or the requester's email address."
    detail_fields = ["requested_name", "ground", "intent", "details", "looked_for_another_name"]
    history_list_display = ["state", "assignee", "reachable_until"]
    case_related = [*CaseAdmin.case_related, "transfer__project", "transfer__new_owner"]
    decision_template = "admin/moderation/decision_name.html"
    transition_template = "admin/moderation/transition_name.html"

    @admin.display(description="ground", ordering="ground")
    def kind_display(self, case):
        # "Abandoned", "Name squatting", "Invalid project": the label before its explanation.
        return case.get_ground_display().split(":")[0]

    @admin.display(description="intent", ordering="intent")
    def intent_display(self, case):
        return "maintain" if case.intent == "maintain" else "replace"

    @admin.display(description="owners may answer until", ordering="reachable_until")
    def answer_by(self, case):
        if case.reachable_until is None:
            return "-"
        until = f"{timezone.localtime(case.reachable_until):%Y-%m-%d}"
        if case.state == NameRequestState.CONTACTING_OWNERS:
            return format_html("<strong>{}</strong>", until)
        return until

    def case_context(self, request, case, now):
        return {
            **name_facts_context(case, now),
            "project_url": reverse("admin:registry_project_change", args=[case.project_id]),
            "contacts": contacts_of(case),
            "reachability_over": case.reachable_until is not None and case.reachable_until <= now,
            "transfer_url": transfer_link(case, request.user),
            "other_requests": other_requests(case, admin_url=lambda pk: self.url("change", pk)),
            "requests_by_email_url": (
                f"{self.url('changelist')}?open=any&q={case.requester_email}"
                if case.requester_email
                else ""
            ),
            "impacts": assess_project(case, now),
        }

    def step_refusal(self, case, transition, now):
        # A transfer of an abandoned project's name waits for the owners' period to lapse:
        # the page says so beside the button rather than after a reason was typed.
        return transition.refusal(case, now, {})

    def refusal(self, request, case, transition):
        error = super().refusal(request, case, transition)
        if error is not None:
            return error
        try:
            engine.check_guard(transition, case, timezone.now(), {})
        except RegistryError as refused:
            return refused
        return None

    def transition_context(self, request, case, transition, now):
        return name_facts_context(case, now)

    def transition_message(self, case, transition):
        message = f"{case.reference}: {state_texts.done(case.kind, transition, case.state)}"
        if case.transfer_id:
            message += f" Transfer recorded: {case.transfer}."
        return message
