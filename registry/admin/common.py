"""What the registry's admins share: the admins' permissions, removal forms, name search."""

from django import forms
from packaging.utils import canonicalize_name

from .. import services
from ..admin_base import ReasonOnlyForm
from ..facts import ADMIN_PERMISSION
from ..models import RemovalCategory

HISTORY_COLUMNS = ["history_user_username", "history_change_reason"]
DEPENDENTS_SHOWN = 50

ADMIN_CATEGORIES = [
    (value, label)
    for value, label in RemovalCategory.choices
    if value not in (RemovalCategory.OWNER_REQUEST, RemovalCategory.STAGED_REMOVAL)
]


def chosen_category(label, choices, *, prompt, missing, **extra):
    """A required choice with no default: the admin picks the kind themselves, every time."""
    return forms.ChoiceField(
        label=label,
        choices=[("", prompt), *choices],
        error_messages={"required": missing},
        **extra,
    )


class RemovalForm(ReasonOnlyForm):
    category = chosen_category(
        "Kind of removal",
        ADMIN_CATEGORIES,
        prompt="Choose the kind of removal…",
        missing="Choose the kind of removal: it is recorded with the removal event, beside "
        "your reason.",
        help_text="Removal is soft: the rows and bytes stay, and one restore undoes it.",
    )


class PurgeForm(ReasonOnlyForm):
    category = chosen_category(
        "Why the bytes must be destroyed",
        [(c.value, c.label) for c in services.PURGE_CATEGORIES],
        prompt="Choose why…",
        missing="Choose why the bytes must be destroyed: only a legal or a security reason "
        "allows a purge.",
    )


class AdminPowersMixin:
    """The permission checks behind the admins' actions (several permissions are OR-ed)."""

    def has_act_permission(self, request):
        return request.user.has_perm(ADMIN_PERMISSION)

    def has_purge_permission(self, request):
        return request.user.has_perm("registry.purge_file")

    def has_restore_permission(self, request):
        return request.user.has_perm("registry.restore_removalevent")


def removal_message(event):
    override = " (admin override of the deletion policy)" if event.is_override else ""
    return f"Removed: {event}{override}. Restore it from Removal events if needed."


def by_project(files):
    groups = {}
    for file in files.select_related("release__project"):
        groups.setdefault(file.release.project_id, []).append(file)
    return list(groups.values())


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
