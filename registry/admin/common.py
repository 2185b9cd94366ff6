"""What the registry's admins share: the admins' permissions, removal forms, name search."""

import re

from django import forms
from django.contrib.auth import get_user_model
from packaging.utils import canonicalize_name

from .. import services
from ..admin_base import ReasonOnlyForm
from ..facts import ADMIN_PERMISSION
from ..models import Project, RemovalCategory

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
    search_help_text = "The start of a project's name, in any spelling (Foo_Bar finds foo-bar)."

    def get_search_results(self, request, queryset, search_term):
        term = search_term.strip()
        if not term:
            return queryset, False
        lookup = {f"{self.normalized_search_field}__startswith": canonicalize_name(term)}
        return queryset.filter(**lookup), False


def projects_starting(term):
    """The ids of the projects whose normalised name starts with `term` (any spelling), as a
    subquery the unique index on the normalised name serves."""
    return Project.objects.filter(normalized_name__startswith=canonicalize_name(term)).values("pk")


def users_starting(term):
    """The ids of the accounts whose username starts with `term`, as typed.

    Case matters: `username LIKE 'term%'` is served by the unique index on the username, where
    a case-blind `UPPER(username) LIKE` would read every account.
    """
    return get_user_model().objects.filter(username__startswith=term).values("pk")


class ProjectOrUserSearchMixin:
    """Search by the start of the project's name (any spelling) or of the username (as typed).

    Each side is a subquery on its own index, the rows of either found through the foreign
    keys' indexes and the two joined by a UNION, instead of a case-blind `LIKE '%…%'` over a
    three-table join (an OR across the two subqueries would read every row of the list).
    """

    project_field = "project"
    user_field = "user"
    search_help_text = (
        "The start of a project's name (any spelling) or of a username (case matters)."
    )

    def get_search_results(self, request, queryset, search_term):
        term = search_term.strip()
        if not term:
            return queryset, False
        rows = self.model._base_manager.order_by()
        by_project = rows.filter(**{f"{self.project_field}__in": projects_starting(term)})
        by_user = rows.filter(**{f"{self.user_field}__in": users_starting(term)})
        ids = by_project.values("pk").union(by_user.values("pk"))
        return queryset.filter(pk__in=ids), False


SHA256 = re.compile(r"[0-9a-fA-F]{64}")
# A substring search needs three characters to use the trigram index; shorter terms match the
# start of the name only.
SUBSTRING_MIN = 3


class FilenameSearchMixin:
    """Search filenames by any part of them (case-blind), or files by their full SHA-256.

    On PostgreSQL a trigram index on `UPPER(filename)` (migration 0012) serves the substring
    search; terms under three characters match the start of the filename, as typed, through
    the filename's unique index.
    """

    sha256_field = None
    search_help_text = (
        "Any part of a filename (three characters or more; shorter: the start of the name)."
    )

    def get_search_results(self, request, queryset, search_term):
        term = search_term.strip()
        if not term:
            return queryset, False
        if self.sha256_field and SHA256.fullmatch(term):
            return queryset.filter(**{self.sha256_field: term.lower()}), False
        if len(term) < SUBSTRING_MIN:
            return queryset.filter(filename__startswith=term), False
        return queryset.filter(filename__icontains=term), False
