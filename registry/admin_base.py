"""Admin building blocks shared by the registry and moderation admins."""

from django import forms
from django.contrib import admin
from django.core.paginator import Paginator
from django.db import connections
from django.utils.functional import cached_property
from simple_history.admin import SimpleHistoryAdmin

from .history import record

# Above this many rows an unfiltered change list shows PostgreSQL's estimate instead of counting.
ESTIMATE_ABOVE = 100_000


class EstimatedCountPaginator(Paginator):
    """Count unfiltered PostgreSQL tables from the planner's statistics, not with COUNT(*).

    Counting hundreds of millions of history rows on every page view would take seconds; an
    unfiltered list only needs to know roughly how many pages there are. Filtered lists (and
    SQLite) keep the exact count.
    """

    @cached_property
    def count(self):
        qs = self.object_list
        query = getattr(qs, "query", None)
        if query is not None and not query.where:
            connection = connections[qs.db]
            if connection.vendor == "postgresql":
                with connection.cursor() as cursor:
                    cursor.execute(
                        "SELECT reltuples::bigint FROM pg_class WHERE oid = %s::regclass",
                        [qs.model._meta.db_table],
                    )
                    row = cursor.fetchone()
                if row and row[0] > ESTIMATE_ABOVE:
                    return row[0]
        return super().count


class RemovedListFilter(admin.SimpleListFilter):
    title = "removal"
    parameter_name = "removed"

    def lookups(self, request, model_admin):
        return [("no", "Live"), ("yes", "Removed")]

    def queryset(self, request, queryset):
        if self.value() == "no":
            return queryset.filter(removed_at__isnull=True)
        if self.value() == "yes":
            return queryset.filter(removed_at__isnull=False)
        return queryset


class ReasonForm(forms.ModelForm):
    """A model form that asks why, so the history row of an admin edit carries a reason."""

    change_reason = forms.CharField(
        label="Reason for this change",
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="Recorded in the history with your name.",
    )


class TrackedAdmin(SimpleHistoryAdmin):
    """Base admin for tracked models: history view, no deletion, big-table friendly lists."""

    paginator = EstimatedCountPaginator
    show_full_result_count = False
    list_per_page = 50

    def has_delete_permission(self, request, obj=None):
        return False

    def get_actions(self, request):
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)
        return actions

    def save_model(self, request, obj, form, change):
        record(obj, actor=request.user, reason=form.cleaned_data.get("change_reason", ""))
        super().save_model(request, obj, form, change)


class ReadOnlyTrackedAdmin(TrackedAdmin):
    """Rows that only registry services write: viewable here, changed through admin actions."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        # Viewing the change form stays possible through the view permission.
        return False
