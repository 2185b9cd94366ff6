"""Removal events in the admin: what each took away, in a plain list, and the Restore button
that undoes it (the list action restores several at once)."""

from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.defaultfilters import filesizeformat
from django.template.loader import render_to_string
from django.urls import path, reverse
from packaging.version import InvalidVersion, Version

from .. import services
from ..admin_base import (
    ConfirmItem,
    ReadOnlyTrackedAdmin,
    ReasonOnlyForm,
    confirm_page,
    confirmed_action,
)
from ..models import File, RemovalEvent
from ..words import counted
from .common import HISTORY_COLUMNS, AdminPowersMixin, projects_starting

RESTORE_EXPLANATION = (
    "Everything this removal took away comes back to the index exactly as it was, in one step. "
    "Purged files stay removed (their bytes are gone), and so does a release or project whose "
    "files are all purged; if nothing at all can come back, the restore is refused."
)


def _counts(summary):
    releases = len(summary.get("releases", []))
    files = counted(len(summary.get("files", [])), "file")
    return f"{counted(releases, 'release')}, {files}" if releases else files


def _describe_event(event):
    summary = event.summary or {}
    return ConfirmItem(
        str(event), f"by {event.actor_username or 'unknown'}: {event.reason} ({_counts(summary)})"
    )


def restored_message(event, result):
    came_back = [
        counted(number, word)
        for number, word in ((result.projects, "project"), (result.releases, "release"))
        if number
    ]
    message = f"Restored {event.project}: {', '.join([*came_back, counted(result.files, 'file')])}."
    if result.left_removed:
        message += f" {result.left_removed}"
    return message


@confirmed_action(
    description="Restore what the selected removal events took away",
    explanation="Each event is undone in one step: its project, releases and files come back "
    "to the index exactly as they were. Purged files stay removed (their bytes are gone), and so "
    "does a release or project whose files are all purged; an event of which nothing can come "
    "back is refused and stays unrestored.",
    permissions=["restore"],
    submit_label="Restore",
    describe=_describe_event,
)
def restore_events(modeladmin, request, event, data):
    result = services.restore_removal(event=event, actor=request.user, reason=data["reason"])
    return restored_message(event, result)


def file_state(file, event):
    if file.is_purged:
        return "purged: its bytes are destroyed"
    if file.removal_event_id == event.pk:
        return "removed"
    if file.removed_at is None:
        return "live"
    return "removed again later"


def _version_key(version):
    try:
        return (0, Version(version), version)
    except InvalidVersion:
        return (1, None, version)


def taken_away(event):
    """What `event` took away, as a plain list: the project, releases by version, and files by
    name with their size and state (one query for the files, whatever their number)."""
    summary = event.summary or {}
    names = summary.get("files") or []
    files = list(
        File.objects.filter(release__project_id=event.project_id, filename__in=names)
        .select_related("release")
        .only(
            "filename",
            "size",
            "removed_at",
            "purged_at",
            "removal_event_id",
            "release__version",
        )
        .order_by("release__version", "filename")
    )
    found = {file.filename for file in files}
    left = summary.get("left_removed") or {}
    return {
        "event": event,
        "project": summary.get("project") if event.scope == "project" else "",
        "releases": sorted(summary.get("releases") or [], key=_version_key),
        "files": [(file, filesizeformat(file.size), file_state(file, event)) for file in files],
        "missing": [name for name in names if name not in found],
        "total_size": filesizeformat(sum(file.size for file in files)),
        "left_removed": (left.get("releases") or []) + (left.get("files") or []),
    }


class RestoredListFilter(admin.SimpleListFilter):
    title = "restore"
    parameter_name = "restored"

    def lookups(self, request, model_admin):
        return [("no", "Not restored"), ("yes", "Restored")]

    def queryset(self, request, queryset):
        if self.value() in ("no", "yes"):
            return queryset.filter(restored_at__isnull=self.value() == "no")
        return queryset


@admin.register(RemovalEvent)
class RemovalEventAdmin(AdminPowersMixin, ReadOnlyTrackedAdmin):
    list_display = [
        "__str__",
        "project",
        "scope",
        "category",
        "actor_username",
        "is_override",
        "restored_at",
    ]
    list_filter = ["scope", "category", "is_override", RestoredListFilter]
    search_fields = ["project__normalized_name", "actor_username"]  # see get_search_results
    search_help_text = "The start of a project's name (any spelling), or who removed (exact)."
    list_select_related = ["project"]
    history_list_display = HISTORY_COLUMNS
    actions = [restore_events]
    fields = [
        "created_at",
        "actor_username",
        "project",
        "scope",
        "category",
        "reason",
        "policy_rule",
        "is_override",
        "what_it_took_away",
        "restored_at",
        "restored_by",
        "restore_reason",
    ]
    readonly_fields = ["what_it_took_away"]

    def get_search_results(self, request, queryset, search_term):
        term = search_term.strip()
        if not term:
            return queryset, False
        by_project = Q(project__in=projects_starting(term))
        return queryset.filter(by_project | Q(actor_username=term)), False

    @admin.display(description="what it took away")
    def what_it_took_away(self, event):
        return render_to_string("admin/registry/removalevent/_taken_away.html", taken_away(event))

    def get_urls(self):
        restore = path(
            "<path:object_id>/restore/",
            self.admin_site.admin_view(self.restore_view),
            name="registry_removalevent_restore",
        )
        return [restore, *super().get_urls()]

    def can_restore(self, request, event):
        return not event.is_restored and self.has_restore_permission(request)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        self.refuse_odd_ids(object_id)
        event = self.get_object(request, unquote(object_id))
        extra_context = {
            **(extra_context or {}),
            "can_restore": event is not None and self.can_restore(request, event),
        }
        return super().change_view(request, object_id, form_url, extra_context)

    def restore_view(self, request, object_id):
        """The Restore button: a confirmation page with a required reason, then the restore."""
        self.refuse_odd_ids(object_id)
        event = get_object_or_404(self.get_queryset(request), pk=unquote(object_id))
        if not self.has_restore_permission(request):
            raise PermissionDenied("Only registry admins restore what a removal took away.")
        page = reverse("admin:registry_removalevent_change", args=[event.pk])
        if event.is_restored:
            self.message_user(
                request,
                f"This removal was already restored on {event.restored_at:%Y-%m-%d %H:%M} by "
                f"{event.restored_by or 'someone'}.",
                messages.WARNING,
            )
            return HttpResponseRedirect(page)
        form = ReasonOnlyForm(request.POST if request.method == "POST" else None)
        if request.method == "POST" and form.is_valid():
            try:
                result = services.restore_removal(
                    event=event, actor=request.user, reason=form.cleaned_data["reason"]
                )
            except services.RegistryError as error:
                self.message_user(request, str(error), messages.ERROR)
            else:
                self.message_user(request, restored_message(event, result), messages.SUCCESS)
            return HttpResponseRedirect(page)
        return confirm_page(
            self,
            request,
            title=f"Restore the {event}",
            description=RESTORE_EXPLANATION,
            objects=[_describe_event(event)],
            details=self.what_it_took_away(event),
            form=form,
            submit_label="Restore",
        )
