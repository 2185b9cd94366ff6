"""Projects (with their PEP 792 status and deletion lock) and the roles people hold on them."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone

from ..confusables import confusable_key
from ..history import tracked_history
from ..validators import PROJECT_NAME_MAX_LENGTH, normalize_project_name, validate_project_name
from .base import NO_DELETE_PERMISSIONS, Removable, RemovableQuerySet


class ProjectStatus(models.TextChoices):
    """The project status markers of PEP 792."""

    ACTIVE = "active", "Active"
    ARCHIVED = "archived", "Archived"
    DEPRECATED = "deprecated", "Deprecated"
    QUARANTINED = "quarantined", "Quarantined"


class ProjectQuerySet(RemovableQuerySet):
    def by_name(self, name):
        """Match a project by any spelling of its name (`Foo_Bar` finds `foo-bar`)."""
        if not name or "\x00" in name:  # PostgreSQL refuses NUL in a text parameter
            return self.none()
        return self.filter(normalized_name=normalize_project_name(name))

    def listed(self, index="main"):
        """Projects that have a page on `index` ("main" for /simple/, "pending" for the
        opt-in /pending/simple/): never removed ones; on the main index not those pending
        removal; on the pending index those pending removal or with a release pending."""
        live = self.filter(removed_at__isnull=True)
        if index == "pending":
            return live.filter(
                Q(pending_removal_at__isnull=False)
                | Q(releases__pending_removal_at__isnull=False, releases__removed_at__isnull=True)
            ).distinct()
        return live.filter(pending_removal_at__isnull=True)


class Project(Removable):
    name = models.CharField(
        "name",
        max_length=PROJECT_NAME_MAX_LENGTH,
        validators=[validate_project_name],
        help_text="The display name, as first uploaded.",
    )
    normalized_name = models.CharField(
        "normalised name",
        max_length=PROJECT_NAME_MAX_LENGTH,
        unique=True,
        editable=False,
        help_text="PEP 503 normalised name; unique across live and removed projects.",
    )
    confusable_name = models.CharField(
        "confusable name",
        max_length=PROJECT_NAME_MAX_LENGTH,
        db_index=True,
        editable=False,
        default="",
        help_text="The name with look-alike characters folded (registry.confusables): a new "
        "project whose name folds to an existing one's is refused.",
    )
    created_at = models.DateTimeField("created at", default=timezone.now, db_index=True)
    status = models.CharField(
        "status",
        max_length=20,
        choices=ProjectStatus.choices,
        default=ProjectStatus.ACTIVE,
        help_text="PEP 792 status shown to installers. Changed only through registry actions.",
    )
    status_reason = models.TextField(
        "status reason", blank=True, help_text="Shown to installers next to the status."
    )
    successor = models.ForeignKey(
        "self",
        verbose_name="successor",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="predecessors",
        help_text="For a deprecated project: the project users should move to.",
    )
    pending_removal_at = models.DateTimeField(
        "pending removal since",
        null=True,
        blank=True,
        help_text="Set while a staged removal is in its pending stage: the project is hidden "
        "from /simple/ and served only at the opt-in index /pending/simple/.",
    )
    deletion_locked = models.BooleanField(
        "deletions locked",
        default=False,
        help_text="One-way owner switch: owners can no longer delete releases or files. "
        "Only a registry admin can turn it off.",
    )
    deletion_locked_at = models.DateTimeField("deletions locked at", null=True, blank=True)
    deletion_locked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="deletions locked by",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )

    last_serial = models.BigIntegerField(
        "last change serial",
        default=0,
        editable=False,
        help_text="The serial of the newest change clients can see (registry.models.changes).",
    )

    objects = ProjectQuerySet.as_manager()
    # last_serial is a stamp of the change journal, which is the record of those changes;
    # confusable_name is derived from the name, which history keeps.
    history = tracked_history(excluded_fields=["last_serial", "confusable_name"])

    class Meta(Removable.Meta):
        verbose_name = "project"
        verbose_name_plural = "projects"
        ordering = ["normalized_name"]
        default_permissions = NO_DELETE_PERMISSIONS
        permissions = [
            (
                "act_as_registry_admin",
                "Can act on any project whatever the deletion policy says (with a reason)",
            ),
        ]
        constraints = [
            *Removable.Meta.constraints,
            models.CheckConstraint(
                condition=Q(status__in=ProjectStatus.values),
                name="registry_project_status_valid",
                violation_error_message="Unknown project status.",
            ),
            models.CheckConstraint(
                condition=~Q(normalized_name=""),
                name="registry_project_normalized_name_set",
            ),
            models.CheckConstraint(
                condition=Q(deletion_locked=False) | Q(deletion_locked_at__isnull=False),
                name="registry_project_lock_has_time",
                violation_error_message="A deletion lock records when it was turned on.",
            ),
        ]
        indexes = [
            models.Index(fields=["status", "normalized_name"], name="registry_project_status"),
            models.Index(
                fields=["removed_at"],
                name="registry_project_removed",
                condition=Q(removed_at__isnull=False),
            ),
            # The admin's "Removed" and "deletion locked" filters, in the list's order.
            models.Index(
                fields=["normalized_name"],
                name="registry_project_removed_name",
                condition=Q(removed_at__isnull=False),
            ),
            models.Index(
                fields=["normalized_name"],
                name="registry_project_locked",
                condition=Q(deletion_locked=True),
            ),
        ]

    def __str__(self):
        return self.name

    def save(self, *args, **kwargs):
        self.normalized_name = normalize_project_name(self.name)
        self.confusable_name = confusable_key(self.name)
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and "name" in update_fields:
            kwargs["update_fields"] = {*update_fields, "normalized_name", "confusable_name"}
        super().save(*args, **kwargs)

    def clean(self):
        if self.name:
            self.normalized_name = normalize_project_name(self.name)
            self.confusable_name = confusable_key(self.name)

    def validate_unique(self, exclude=None):
        # normalized_name is derived, not editable: report a clash against the name field.
        super().validate_unique(exclude={*(exclude or ()), "normalized_name"})
        if self.name and (exclude is None or "name" not in exclude):
            clash = Project.objects.by_name(self.name).exclude(pk=self.pk).first()
            if clash is not None:
                raise ValidationError(
                    {
                        "name": f"The name {self.name!r} is taken: it is the same name as "
                        f"the existing project {clash.name!r} once normalised "
                        f"({clash.normalized_name!r})."
                    }
                )


class RoleName(models.TextChoices):
    OWNER = "owner", "Owner"
    MAINTAINER = "maintainer", "Maintainer"


class RoleQuerySet(models.QuerySet):
    def active(self):
        return self.filter(ended_at__isnull=True)


class Role(models.Model):
    """A user's role on a project: owners do everything, maintainers upload and yank.

    Leaving a project ends the role (`ended_at`); the row stays, and adding the person again
    revives it.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="user",
        on_delete=models.PROTECT,
        related_name="project_roles",
    )
    project = models.ForeignKey(
        Project, verbose_name="project", on_delete=models.PROTECT, related_name="roles"
    )
    role = models.CharField("role", max_length=20, choices=RoleName.choices)
    created_at = models.DateTimeField("created at", default=timezone.now)
    ended_at = models.DateTimeField(
        "ended at", null=True, blank=True, help_text="Empty while the role is held."
    )

    objects = RoleQuerySet.as_manager()
    history = tracked_history()

    class Meta:
        verbose_name = "role"
        verbose_name_plural = "roles"
        ordering = ["project_id", "role", "user_id"]
        default_permissions = NO_DELETE_PERMISSIONS
        constraints = [
            models.UniqueConstraint(fields=["project", "user"], name="registry_role_unique"),
            models.CheckConstraint(
                condition=Q(role__in=RoleName.values), name="registry_role_valid"
            ),
        ]
        indexes = [
            # The default order, and the admin's filter by role in that order.
            models.Index(fields=["project", "role", "user"], name="registry_role_order"),
            models.Index(fields=["role", "project", "user"], name="registry_role_kind"),
        ]

    def __str__(self):
        held = "was" if self.ended_at else "is"
        return f"{self.user} {held} {self.get_role_display().lower()} of {self.project}"
