"""The admins of the three request queues: what each lists, filters and shows."""

from django.contrib import admin

from ..models import AbuseReport, DeletionException, LegalTakedown, TakedownKind
from .cases import CaseAdmin
from .filters import (
    AgeListFilter,
    AssigneeListFilter,
    DueListFilter,
    DuplicateListFilter,
    OpenListFilter,
)


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
    detail_fields = ["category", "requester_name", "requester_email", "details", "evidence"]
