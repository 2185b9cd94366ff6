"""The change journal and the outbox in the admin: read only, as the services wrote them."""

from django.contrib import admin
from django.db.models import Q
from django.template.defaultfilters import truncatechars

from ..admin_base import ReadOnlyAdmin
from ..models import Change, OutboxMessage
from .common import projects_starting

# The kinds of change the journal's filter offers: the whole action (an exact match, which the
# index on (action, id) serves in the list's order) or, for the acts that name a file or a
# status, the start of its words (registry.services.changes).
ACTION_KINDS = [
    ("create", "Projects created", Q(action="create")),
    ("release", "New releases", Q(action="new release")),
    ("add", "Files added", Q(action__startswith="add ")),
    ("remove-file", "Files removed", Q(action__startswith="remove file ")),
    ("remove-release", "Releases removed", Q(action="remove release")),
    ("remove-project", "Projects removed", Q(action="remove project")),
    ("restore", "Restores", Q(action__startswith="restore ")),
    ("purge", "Purges", Q(action__startswith="purge ")),
    ("yank", "Yanks", Q(action="yank release")),
    ("unyank", "Yanks undone", Q(action="unyank release")),
    ("status", "Status changes", Q(action__startswith="set status")),
    ("pending", "Pending removals", Q(action__startswith="pending removal")),
]


class ActionKindListFilter(admin.SimpleListFilter):
    title = "kind of change"
    parameter_name = "kind"

    def lookups(self, request, model_admin):
        return [(value, label) for value, label, _prefix in ACTION_KINDS]

    def queryset(self, request, queryset):
        for value, _label, condition in ACTION_KINDS:
            if self.value() == value:
                return queryset.filter(condition)
        return queryset


@admin.register(Change)
class ChangeAdmin(ReadOnlyAdmin):
    list_display = ["id", "name", "version", "filename", "action", "submitted_at", "submitted_by"]
    list_filter = [ActionKindListFilter]
    search_fields = ["name"]  # see get_search_results
    search_help_text = "The start of a project's name, in any spelling (Foo_Bar finds foo-bar)."
    ordering = ["-id"]

    def get_search_results(self, request, queryset, search_term):
        term = search_term.strip()
        if not term:
            return queryset, False
        return queryset.filter(project__in=projects_starting(term)), False


class SentListFilter(admin.SimpleListFilter):
    title = "sent"
    parameter_name = "sent"

    def lookups(self, request, model_admin):
        return [("no", "Not sent yet"), ("yes", "Sent")]

    def queryset(self, request, queryset):
        if self.value() in ("no", "yes"):
            return queryset.filter(sent_at__isnull=self.value() == "no")
        return queryset


@admin.register(OutboxMessage)
class OutboxMessageAdmin(ReadOnlyAdmin):
    list_display = ["__str__", "kind", "attempts", "next_attempt_at", "sent_at", "error"]
    list_filter = ["kind", SentListFilter]
    ordering = ["-created_at", "-id"]

    @admin.display(description="last error")
    def error(self, message):
        return truncatechars(message.last_error, 80)
