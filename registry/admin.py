"""The registry in the Django admin.

Registry rows change only through registry services (uploads, maintainer pages, admin actions),
so these admins show and search; they never delete, and status fields are never edited by hand.
"""

from django.contrib import admin
from packaging.utils import canonicalize_name

from .admin_base import ReadOnlyTrackedAdmin, ReasonForm, RemovedListFilter, TrackedAdmin
from .models import (
    Dependency,
    DownloadCount,
    File,
    FilenameRegistry,
    NameReservation,
    Project,
    Release,
    RemovalEvent,
    Role,
)

HISTORY_COLUMNS = ["history_user_username", "history_change_reason"]


class NormalizedNameSearchMixin:
    """Search a normalised-name column by prefix, whatever spelling the user typed.

    `Foo_Bar` finds `foo-bar`; the prefix match is a plain `LIKE 'foo-bar%'`, which the
    index on the normalised name can serve.
    """

    normalized_search_field = "normalized_name"

    def get_search_results(self, request, queryset, search_term):
        term = search_term.strip()
        if not term:
            return queryset, False
        lookup = {f"{self.normalized_search_field}__startswith": canonicalize_name(term)}
        return queryset.filter(**lookup), False


@admin.register(Project)
class ProjectAdmin(NormalizedNameSearchMixin, ReadOnlyTrackedAdmin):
    list_display = ["name", "status", "created_at", "deletion_locked", "removed_at"]
    list_filter = ["status", "deletion_locked", RemovedListFilter]
    search_fields = ["normalized_name"]
    list_select_related = ["successor"]
    autocomplete_fields = ["successor"]
    date_hierarchy = None
    history_list_display = HISTORY_COLUMNS
    readonly_fields = ["normalized_name"]
    fieldsets = [
        (None, {"fields": ["name", "normalized_name", "created_at"]}),
        ("Status", {"fields": ["status", "status_reason", "successor"]}),
        (
            "Deletion lock",
            {"fields": ["deletion_locked", "deletion_locked_at", "deletion_locked_by"]},
        ),
        (
            "Removal",
            {"fields": ["removed_at", "removed_by", "removal_reason", "removal_event"]},
        ),
    ]


@admin.register(Role)
class RoleAdmin(ReadOnlyTrackedAdmin):
    list_display = ["project", "user", "role", "created_at"]
    list_filter = ["role"]
    search_fields = ["project__normalized_name", "user__username"]
    list_select_related = ["project", "user"]
    autocomplete_fields = ["project", "user"]
    history_list_display = HISTORY_COLUMNS


@admin.register(Release)
class ReleaseAdmin(ReadOnlyTrackedAdmin):
    list_display = ["__str__", "project", "version", "created_at", "yanked", "removed_at"]
    list_filter = ["yanked", "is_prerelease", RemovedListFilter]
    search_fields = ["project__normalized_name"]
    list_select_related = ["project"]
    autocomplete_fields = ["project"]
    history_list_display = HISTORY_COLUMNS

    def get_search_results(self, request, queryset, search_term):
        # "name" or "name version": the project by normalised name, then the version if given.
        name, _, version = search_term.strip().partition(" ")
        if not name:
            return queryset, False
        queryset = queryset.filter(project__normalized_name=canonicalize_name(name))
        if version.strip():
            queryset = queryset.filter(version__startswith=version.strip())
        return queryset, False


@admin.register(File)
class FileAdmin(ReadOnlyTrackedAdmin):
    list_display = ["filename", "release", "packagetype", "size", "uploaded_at", "removed_at"]
    list_filter = ["packagetype", RemovedListFilter, ("purged_at", admin.EmptyFieldListFilter)]
    search_fields = ["^filename", "=sha256"]
    list_select_related = ["release__project"]
    autocomplete_fields = ["release"]
    history_list_display = HISTORY_COLUMNS


@admin.register(FilenameRegistry)
class FilenameRegistryAdmin(ReadOnlyTrackedAdmin):
    list_display = ["filename", "project_name", "first_seen_at"]
    search_fields = ["^filename"]
    history_list_display = HISTORY_COLUMNS


@admin.register(Dependency)
class DependencyAdmin(NormalizedNameSearchMixin, ReadOnlyTrackedAdmin):
    list_display = ["release", "name", "specifier", "marker"]
    search_fields = ["name"]
    normalized_search_field = "name"
    list_select_related = ["release__project"]
    autocomplete_fields = ["release"]
    history_list_display = HISTORY_COLUMNS


@admin.register(DownloadCount)
class DownloadCountAdmin(admin.ModelAdmin):
    list_display = ["file", "project", "day", "count"]
    list_select_related = ["file", "project"]
    search_fields = ["project__normalized_name"]
    autocomplete_fields = ["file", "project"]
    show_full_result_count = False

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class NameReservationForm(ReasonForm):
    class Meta:
        model = NameReservation
        fields = ["normalized_name", "reason", "until", "comment", "allowed_users", "project"]


@admin.register(NameReservation)
class NameReservationAdmin(NormalizedNameSearchMixin, TrackedAdmin):
    form = NameReservationForm
    list_display = ["normalized_name", "reason", "until", "created_at", "created_by"]
    list_filter = ["reason"]
    search_fields = ["normalized_name"]
    list_select_related = ["created_by"]
    autocomplete_fields = ["allowed_users", "project"]
    history_list_display = HISTORY_COLUMNS

    def save_model(self, request, obj, form, change):
        if not change:
            obj.created_by = request.user
        super().save_model(request, obj, form, change)


@admin.register(RemovalEvent)
class RemovalEventAdmin(ReadOnlyTrackedAdmin):
    list_display = [
        "__str__",
        "project",
        "scope",
        "category",
        "actor_username",
        "is_override",
        "restored_at",
    ]
    list_filter = ["scope", "category", "is_override", ("restored_at", admin.EmptyFieldListFilter)]
    search_fields = ["project__normalized_name", "actor_username"]
    list_select_related = ["project"]
    history_list_display = HISTORY_COLUMNS
