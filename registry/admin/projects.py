"""Projects, their roles, releases, files and dependencies in the admin."""

from functools import partial

from django.contrib import admin
from django.contrib.admin.utils import unquote
from django.contrib.humanize.templatetags.humanize import intcomma
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404
from django.template.loader import render_to_string
from django.template.response import TemplateResponse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.text import capfirst
from packaging.utils import canonicalize_name

from .. import services
from ..admin_base import (
    ConfirmItem,
    ReadOnlyAdmin,
    ReadOnlyTrackedAdmin,
    RemovedListFilter,
    confirmed_action,
)
from ..extensions import admin_project_notices
from ..facts import dependents_of
from ..impact import impact_of
from ..models import (
    Dependency,
    DownloadCount,
    File,
    FilenameRegistry,
    Popularity,
    Project,
    Release,
    Role,
)
from ..views.timeline import timeline_context
from ..words import counted
from .common import (
    DEPENDENTS_SHOWN,
    HISTORY_COLUMNS,
    AdminPowersMixin,
    FilenameSearchMixin,
    NormalizedNameSearchMixin,
    ProjectOrUserSearchMixin,
    PurgeForm,
    RemovalForm,
    by_project,
    removal_message,
)
from .impacts import assess_files, assess_projects, assess_releases


@confirmed_action(
    description="Remove selected projects (admin)",
    explanation="Each project, with its live releases and files, is removed in one removal "
    "event: it disappears from the index and its name is reserved as the policy says. Its rows "
    "and files are kept, and a single restore brings everything back.",
    permissions=["act"],
    form_class=RemovalForm,
    submit_label="Remove",
    assess=assess_projects,
)
def remove_projects(modeladmin, request, project, data):
    event = services.remove_project(
        project=project, actor=request.user, reason=data["reason"], category=data["category"]
    )
    return removal_message(event)


@confirmed_action(
    description="Quarantine selected projects",
    explanation="A quarantined project stays in the index with no files; its owners can do "
    "nothing until the quarantine is lifted.",
    permissions=["act"],
    submit_label="Quarantine",
    assess=partial(assess_projects, judge=False),
)
def quarantine_projects(modeladmin, request, project, data):
    services.quarantine_project(project=project, actor=request.user, reason=data["reason"])
    return f"{project} is quarantined."


@confirmed_action(
    description="Lift the quarantine of selected projects",
    explanation="The projects become active again and their files are served.",
    permissions=["act"],
    submit_label="Lift quarantine",
)
def release_quarantines(modeladmin, request, project, data):
    services.release_quarantine(project=project, actor=request.user, reason=data["reason"])
    return f"{project} is no longer quarantined."


@confirmed_action(
    description="Turn off the deletion lock of selected projects",
    explanation="Owners locked deletions of these projects on purpose (the lock is one-way for "
    "them). Turning it off lets them delete releases and files again, as the policy allows.",
    permissions=["act"],
    submit_label="Turn the lock off",
)
def unlock_deletions(modeladmin, request, project, data):
    services.unlock_deletions(project=project, actor=request.user, reason=data["reason"])
    return f"Deletions of {project} are unlocked."


class CriticalListFilter(admin.SimpleListFilter):
    title = "critical"
    parameter_name = "critical"

    def lookups(self, request, model_admin):
        return [("yes", "Critical"), ("no", "Not critical")]

    def queryset(self, request, queryset):
        if self.value() == "yes":
            return queryset.filter(popularity__critical=True)
        if self.value() == "no":
            return queryset.exclude(popularity__critical=True)
        return queryset


def critical_badge(popularity):
    """The "critical" badge of a project's Popularity (empty for the others)."""
    if popularity is None or not popularity.critical:
        return ""
    return format_html(
        '<span class="badge critical" title="Rank {} of {} by downloads in the last 30 days">'
        "critical</span>",
        intcomma(popularity.rank),
        intcomma(popularity.ranked_among),
    )


@admin.register(Project)
class ProjectAdmin(AdminPowersMixin, NormalizedNameSearchMixin, ReadOnlyTrackedAdmin):
    list_display = ["name", "status", "critical", "created_at", "deletion_locked", "removed_at"]
    list_filter = ["status", CriticalListFilter, "deletion_locked", RemovedListFilter]
    search_fields = ["normalized_name"]
    list_select_related = ["successor", "popularity"]
    autocomplete_fields = ["successor"]
    date_hierarchy = None
    history_list_display = HISTORY_COLUMNS
    readonly_fields = ["normalized_name", "critical", "depended_on_by", "impact"]
    actions = [remove_projects, quarantine_projects, release_quarantines, unlock_deletions]

    class Media:
        css = {"all": ["registry/admin-impact.css"]}

    @admin.display(description="critical", ordering="popularity__critical")
    def critical(self, project):
        # Selected with the row (`list_select_related`); a project never ranked has no row.
        return critical_badge(getattr(project, "popularity", None))

    @admin.display(description="impact")
    def impact(self, project):
        return render_to_string(
            "registry/_impact.html", {"impact": impact_of(project, now=timezone.now())}
        )

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        # What other apps hold about the project (moderation: its open cases of every queue),
        # at the top of its page, each linked to its own admin page.
        if obj is not None:
            context["project_notices"] = admin_project_notices(obj, request.user)
        return super().render_change_form(request, context, add, change, form_url, obj)

    def history_view(self, request, object_id, extra_context=None):
        """The project's timeline, its releases', files', roles' and removals' included: the
        same one as on the maintainers' history page."""
        self.refuse_odd_ids(object_id)
        project = get_object_or_404(self.get_queryset(request), pk=unquote(object_id))
        if not self.has_view_or_change_permission(request, project):
            raise PermissionDenied
        request.current_app = self.admin_site.name
        context = {
            **self.admin_site.each_context(request),
            **timeline_context(project, request, newest_url=request.path),
            "title": f"History of {project.name}",
            "opts": self.opts,
            "object": project,
            "module_name": capfirst(self.opts.verbose_name_plural),
        }
        return TemplateResponse(request, "admin/registry/project/object_history.html", context)

    @admin.display(description="depended on by")
    def depended_on_by(self, project):
        dependents = dependents_of(project).order_by("normalized_name")
        names = list(dependents.values_list("name", flat=True)[:DEPENDENTS_SHOWN])
        if not names:
            return "No other project's latest release requires it."
        more = dependents.count() - len(names) if len(names) == DEPENDENTS_SHOWN else 0
        return ", ".join(names) + (f" and {more} more" if more else "")

    fieldsets = [
        (None, {"fields": ["name", "normalized_name", "created_at", "critical"]}),
        ("Who depends on it and how much it is used", {"fields": ["depended_on_by", "impact"]}),
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
class RoleAdmin(ProjectOrUserSearchMixin, ReadOnlyTrackedAdmin):
    list_display = ["project", "user", "role", "created_at"]
    list_filter = ["role"]
    search_fields = ["project__normalized_name", "user__username"]  # see get_search_results
    list_select_related = ["project", "user"]
    autocomplete_fields = ["project", "user"]
    history_list_display = HISTORY_COLUMNS


@confirmed_action(
    description="Remove selected releases (admin)",
    explanation="Each release, with its live files, is removed in one removal event; rows and "
    "bytes are kept and a single restore brings them back.",
    permissions=["act"],
    form_class=RemovalForm,
    submit_label="Remove",
    assess=assess_releases,
)
def remove_releases(modeladmin, request, release, data):
    event = services.remove_release(
        release=release, actor=request.user, reason=data["reason"], category=data["category"]
    )
    return removal_message(event)


@admin.register(Release)
class ReleaseAdmin(AdminPowersMixin, ReadOnlyTrackedAdmin):
    list_display = ["__str__", "project", "version", "created_at", "yanked", "removed_at"]
    list_filter = ["yanked", "is_prerelease", RemovedListFilter]
    search_fields = ["project__normalized_name"]
    search_help_text = "A project's name (any spelling), then the start of a version: django 4."
    list_select_related = ["project"]
    autocomplete_fields = ["project"]
    history_list_display = HISTORY_COLUMNS
    actions = [remove_releases]

    def get_search_results(self, request, queryset, search_term):
        # "name" or "name version": the project by normalised name, then the version if given.
        name, _, version = search_term.strip().partition(" ")
        if not name:
            return queryset, False
        queryset = queryset.filter(project__normalized_name=canonicalize_name(name))
        if version.strip():
            queryset = queryset.filter(version__startswith=version.strip())
        return queryset, False


def _describe_file(file):
    return ConfirmItem(file.filename, f"{file.release}, {file.size:,} bytes, sha256 {file.sha256}")


@confirmed_action(
    description="Remove selected files (admin)",
    explanation="The files disappear from the index, one removal event per project; rows and "
    "bytes are kept and a single restore brings them back.",
    permissions=["act"],
    form_class=RemovalForm,
    submit_label="Remove",
    describe=_describe_file,
    batch=True,
    assess=assess_files,
)
def remove_files(modeladmin, request, queryset, data):
    events = [
        services.remove_files(
            files=files, actor=request.user, reason=data["reason"], category=data["category"]
        )
        for files in by_project(queryset)
    ]
    return " ".join(removal_message(event) for event in events)


@confirmed_action(
    description="Purge selected files: destroy their bytes (legal or security only)",
    explanation="This cannot be undone. The bytes are deleted from storage; the rows stay as "
    "tombstones with their SHA-256, the filenames stay burned, and a purged file can never be "
    "restored. Live files are removed first. Use it only for a legal or security reason.",
    permissions=["purge"],
    form_class=PurgeForm,
    submit_label="Destroy the bytes",
    describe=_describe_file,
    batch=True,
    assess=assess_files,
)
def purge_files(modeladmin, request, queryset, data):
    purged = []
    for files in by_project(queryset):
        purged += services.purge_files(
            files=files, actor=request.user, reason=data["reason"], category=data["category"]
        )
    return f"Purged {counted(len(purged), 'file')}; their rows remain as tombstones."


@admin.register(File)
class FileAdmin(AdminPowersMixin, FilenameSearchMixin, ReadOnlyTrackedAdmin):
    list_display = ["filename", "release", "packagetype", "size", "uploaded_at", "removed_at"]
    list_filter = ["packagetype", RemovedListFilter, ("purged_at", admin.EmptyFieldListFilter)]
    search_fields = ["filename", "sha256"]  # see get_search_results
    sha256_field = "sha256"
    search_help_text = (
        "Any part of a filename (three characters or more; shorter: the start of the name), "
        "or a file's full SHA-256."
    )
    list_select_related = ["release__project"]
    autocomplete_fields = ["release"]
    history_list_display = HISTORY_COLUMNS
    actions = [remove_files, purge_files]


@admin.register(FilenameRegistry)
class FilenameRegistryAdmin(FilenameSearchMixin, ReadOnlyTrackedAdmin):
    list_display = ["filename", "project_name", "first_seen_at"]
    search_fields = ["filename"]  # see get_search_results
    history_list_display = HISTORY_COLUMNS


@admin.register(Dependency)
class DependencyAdmin(NormalizedNameSearchMixin, ReadOnlyTrackedAdmin):
    list_display = ["release", "name", "specifier", "marker"]
    search_fields = ["name"]
    normalized_search_field = "name"
    list_select_related = ["release__project"]
    autocomplete_fields = ["release"]
    history_list_display = HISTORY_COLUMNS


@admin.register(Popularity)
class PopularityAdmin(NormalizedNameSearchMixin, ReadOnlyAdmin):
    """The scheduler's ranking by 30-day downloads (`services.recompute_popularity`): read
    only, since it is rewritten every hour."""

    list_display = ["project", "rank", "ranked_among", "downloads_30_days", "critical_mark"]
    list_filter = ["critical"]
    list_select_related = ["project"]
    search_fields = ["project__normalized_name"]
    normalized_search_field = "project__normalized_name"
    ordering = ["rank", "project"]

    class Media:
        css = {"all": ["registry/admin-impact.css"]}

    @admin.display(description="critical", ordering="critical")
    def critical_mark(self, popularity):
        return critical_badge(popularity)

    def has_view_permission(self, request, obj=None):
        # Figures derived from the projects' downloads: whoever may see projects sees them,
        # with no permission of their own for the staff groups to be given.
        return request.user.has_perm("registry.view_project")


@admin.register(DownloadCount)
class DownloadCountAdmin(NormalizedNameSearchMixin, ReadOnlyAdmin):
    list_display = ["file", "project", "day", "count"]
    list_select_related = ["file", "project"]
    search_fields = ["project__normalized_name"]
    normalized_search_field = "project__normalized_name"
    # Served by the index on (-day, -id): the newest figures first, a page at a time.
    ordering = ["-day", "-id"]
    autocomplete_fields = ["file", "project"]
