"""Removal events in the admin: what each took away, and the restore that undoes it."""

from django.contrib import admin

from .. import services
from ..admin_base import ConfirmItem, ReadOnlyTrackedAdmin, confirmed_action
from ..models import RemovalEvent
from .common import HISTORY_COLUMNS, AdminPowersMixin


def _describe_event(event):
    summary = event.summary or {}
    parts = [
        f"{len(summary.get('releases', []))} release(s)",
        f"{len(summary.get('files', []))} file(s)",
    ]
    return ConfirmItem(
        str(event), f"by {event.actor_username or 'unknown'}: {event.reason} ({', '.join(parts)})"
    )


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
    message = (
        f"Restored {event.project}: {result.projects} project, {result.releases} release(s), "
        f"{result.files} file(s)."
    )
    if result.left_removed:
        message += f" {result.left_removed}"
    return message


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
    list_filter = ["scope", "category", "is_override", ("restored_at", admin.EmptyFieldListFilter)]
    search_fields = ["project__normalized_name", "actor_username"]
    list_select_related = ["project"]
    history_list_display = HISTORY_COLUMNS
    actions = [restore_events]
