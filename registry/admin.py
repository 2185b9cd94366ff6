"""The registry in the Django admin.

Registry rows change only through registry services (uploads, maintainer pages, admin actions),
so these admins show and search; they never delete, and status fields are never edited by hand.
"""

from django import forms
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.utils import timezone
from packaging.utils import canonicalize_name

from . import services, tokens
from .admin_base import (
    ConfirmItem,
    PlainQueryMixin,
    ReadOnlyTrackedAdmin,
    ReasonForm,
    ReasonOnlyForm,
    RemovedListFilter,
    TrackedAdmin,
    confirmed_action,
)
from .facts import ADMIN_PERMISSION, dependents_of
from .models import (
    ApiToken,
    Dependency,
    DownloadCount,
    File,
    FilenameRegistry,
    NameReservation,
    Project,
    Release,
    RemovalCategory,
    RemovalEvent,
    ReservationReason,
    Role,
)

HISTORY_COLUMNS = ["history_user_username", "history_change_reason"]
DEPENDENTS_SHOWN = 50

ADMIN_CATEGORIES = [
    (value, label)
    for value, label in RemovalCategory.choices
    if value not in (RemovalCategory.OWNER_REQUEST, RemovalCategory.STAGED_REMOVAL)
]


class RemovalForm(ReasonOnlyForm):
    category = forms.ChoiceField(
        label="Kind of removal",
        choices=ADMIN_CATEGORIES,
        help_text="Removal is soft: the rows and bytes stay, and one restore undoes it.",
    )


class PurgeForm(ReasonOnlyForm):
    category = forms.ChoiceField(
        label="Why the bytes must be destroyed",
        choices=[(c.value, c.label) for c in services.PURGE_CATEGORIES],
    )


class AdminPowersMixin:
    """The permission checks behind the admins' actions (several permissions are OR-ed)."""

    def has_act_permission(self, request):
        return request.user.has_perm(ADMIN_PERMISSION)

    def has_purge_permission(self, request):
        return request.user.has_perm("registry.purge_file")

    def has_restore_permission(self, request):
        return request.user.has_perm("registry.restore_removalevent")


def _removal_message(event):
    override = " (admin override of the deletion policy)" if event.is_override else ""
    return f"Removed: {event}{override}. Restore it from Removal events if needed."


def _by_project(files):
    groups = {}
    for file in files.select_related("release__project"):
        groups.setdefault(file.release.project_id, []).append(file)
    return list(groups.values())


@confirmed_action(
    description="Remove selected projects (admin)",
    explanation="Each project, with its live releases and files, is removed in one removal "
    "event: it disappears from the index and its name is reserved as the policy says. Its rows "
    "and files are kept, and a single restore brings everything back.",
    permissions=["act"],
    form_class=RemovalForm,
    submit_label="Remove",
)
def remove_projects(modeladmin, request, project, data):
    event = services.remove_project(
        project=project, actor=request.user, reason=data["reason"], category=data["category"]
    )
    return _removal_message(event)


@confirmed_action(
    description="Quarantine selected projects",
    explanation="A quarantined project stays in the index with no files; its owners can do "
    "nothing until the quarantine is lifted.",
    permissions=["act"],
    submit_label="Quarantine",
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
class ProjectAdmin(AdminPowersMixin, NormalizedNameSearchMixin, ReadOnlyTrackedAdmin):
    list_display = ["name", "status", "created_at", "deletion_locked", "removed_at"]
    list_filter = ["status", "deletion_locked", RemovedListFilter]
    search_fields = ["normalized_name"]
    list_select_related = ["successor"]
    autocomplete_fields = ["successor"]
    date_hierarchy = None
    history_list_display = HISTORY_COLUMNS
    readonly_fields = ["normalized_name", "depended_on_by"]
    actions = [remove_projects, quarantine_projects, release_quarantines, unlock_deletions]

    @admin.display(description="depended on by")
    def depended_on_by(self, project):
        dependents = dependents_of(project).order_by("normalized_name")
        names = list(dependents.values_list("name", flat=True)[:DEPENDENTS_SHOWN])
        if not names:
            return "No other project's latest release requires it."
        more = dependents.count() - len(names) if len(names) == DEPENDENTS_SHOWN else 0
        return ", ".join(names) + (f" and {more} more" if more else "")

    fieldsets = [
        (None, {"fields": ["name", "normalized_name", "created_at", "depended_on_by"]}),
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


@confirmed_action(
    description="Remove selected releases (admin)",
    explanation="Each release, with its live files, is removed in one removal event; rows and "
    "bytes are kept and a single restore brings them back.",
    permissions=["act"],
    form_class=RemovalForm,
    submit_label="Remove",
)
def remove_releases(modeladmin, request, release, data):
    event = services.remove_release(
        release=release, actor=request.user, reason=data["reason"], category=data["category"]
    )
    return _removal_message(event)


@admin.register(Release)
class ReleaseAdmin(AdminPowersMixin, ReadOnlyTrackedAdmin):
    list_display = ["__str__", "project", "version", "created_at", "yanked", "removed_at"]
    list_filter = ["yanked", "is_prerelease", RemovedListFilter]
    search_fields = ["project__normalized_name"]
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
)
def remove_files(modeladmin, request, queryset, data):
    events = [
        services.remove_files(
            files=files, actor=request.user, reason=data["reason"], category=data["category"]
        )
        for files in _by_project(queryset)
    ]
    return " ".join(_removal_message(event) for event in events)


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
)
def purge_files(modeladmin, request, queryset, data):
    purged = []
    for files in _by_project(queryset):
        purged += services.purge_files(
            files=files, actor=request.user, reason=data["reason"], category=data["category"]
        )
    return f"Purged {len(purged)} file(s); their rows remain as tombstones."


@admin.register(File)
class FileAdmin(AdminPowersMixin, ReadOnlyTrackedAdmin):
    list_display = ["filename", "release", "packagetype", "size", "uploaded_at", "removed_at"]
    list_filter = ["packagetype", RemovedListFilter, ("purged_at", admin.EmptyFieldListFilter)]
    search_fields = ["^filename", "=sha256"]
    list_select_related = ["release__project"]
    autocomplete_fields = ["release"]
    history_list_display = HISTORY_COLUMNS
    actions = [remove_files, purge_files]


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
class DownloadCountAdmin(PlainQueryMixin, admin.ModelAdmin):
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
    """Reserve or prohibit a name. The form only reads; `services.reserve_name` writes."""

    class Meta:
        model = NameReservation
        fields = ["normalized_name", "reason", "until", "comment"]
        labels = {"normalized_name": "Name", "reason": "Grounds"}
        help_texts = {"normalized_name": "Any spelling: it is stored normalised."}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["reason"].choices = [
            (value, ReservationReason(value).label) for value in services.names.ADMIN_GROUNDS
        ]

    def validate_unique(self):
        # The service takes over a lapsed reservation of the name and refuses one in force.
        pass

    def clean(self):
        data = super().clean()
        if not self.errors:
            try:
                services.names.refuse_reservation(
                    name=data["normalized_name"],
                    grounds=data["reason"],
                    until=data.get("until"),
                    now=timezone.now(),
                )
            except services.RegistryError as error:
                raise forms.ValidationError(error.message) from None
        return data


@confirmed_action(
    description="End selected name reservations now",
    explanation="Anyone may register these names from now on (a removed project's name is "
    "then taken over by whoever registers it first).",
    permissions=["act"],
    submit_label="End the reservations",
)
def expire_reservations(modeladmin, request, reservation, data):
    services.expire_reservation(reservation=reservation, actor=request.user, reason=data["reason"])
    return f"The name {reservation} is free."


class AllowUserForm(ReasonOnlyForm):
    username = forms.CharField(
        label="Username", help_text="The account that may register the reserved names."
    )

    def clean_username(self):
        username = self.cleaned_data["username"].strip()
        user = get_user_model().objects.filter(username=username, is_active=True).first()
        if user is None:
            raise forms.ValidationError(f"There is no active account called {username!r}.")
        return user


@confirmed_action(
    description="Let a named user register selected reserved names",
    explanation="The reservation stays in force for everyone else.",
    permissions=["act"],
    form_class=AllowUserForm,
    submit_label="Allow",
)
def allow_user(modeladmin, request, reservation, data):
    services.allow_reserved_name(
        reservation=reservation, user=data["username"], actor=request.user, reason=data["reason"]
    )
    return f"{data['username']} may now register {reservation}."


@admin.register(NameReservation)
class NameReservationAdmin(AdminPowersMixin, NormalizedNameSearchMixin, TrackedAdmin):
    """Read-only reservations: they are added through `services.reserve_name` (the add form),
    and ended or opened to a user through the actions, each with a recorded reason."""

    list_display = ["normalized_name", "reason", "until", "created_at", "created_by"]
    list_filter = ["reason"]
    search_fields = ["normalized_name"]
    list_select_related = ["created_by"]
    history_list_display = HISTORY_COLUMNS
    actions = [expire_reservations, allow_user]

    def has_add_permission(self, request):
        return super().has_add_permission(request) and self.has_act_permission(request)

    def has_change_permission(self, request, obj=None):
        # Viewing stays possible through the view permission; changes go through the actions.
        return False

    def get_form(self, request, obj=None, **kwargs):
        if obj is None:
            kwargs["form"] = NameReservationForm
        return super().get_form(request, obj, **kwargs)

    def save_model(self, request, obj, form, change):
        data = form.cleaned_data
        try:
            reservation = services.reserve_name(
                name=data["normalized_name"],
                grounds=data["reason"],
                until=data["until"],
                comment=data["comment"],
                actor=request.user,
                reason=data["change_reason"],
            )
        except services.RegistryError as error:
            # The form asked the same rules a moment ago: only a concurrent change gets here.
            raise PermissionDenied(error.message) from None
        # The admin's log entry and message name the row the service wrote.
        obj.pk, obj.normalized_name = reservation.pk, reservation.normalized_name


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


@confirmed_action(
    description="Revoke selected API tokens",
    explanation="Revoked tokens stop working at once and cannot be turned back on; their owners "
    "can create new ones.",
    permissions=["act"],
    submit_label="Revoke",
)
def revoke_tokens(modeladmin, request, token, data):
    tokens.revoke_token(token=token, actor=request.user, reason=data["reason"])
    return f"Revoked {token}."


@admin.register(ApiToken)
class ApiTokenAdmin(AdminPowersMixin, ReadOnlyTrackedAdmin):
    list_display = [
        "prefix",
        "user",
        "project",
        "description",
        "created_at",
        "last_used_at",
        "revoked_at",
    ]
    list_filter = [("revoked_at", admin.EmptyFieldListFilter)]
    search_fields = ["user__username", "=prefix"]
    list_select_related = ["user", "project"]
    exclude = ["key_hash"]
    history_list_display = HISTORY_COLUMNS
    actions = [revoke_tokens]
