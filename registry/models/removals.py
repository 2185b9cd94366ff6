"""What was taken away and what stays blocked: removal events and name reservations."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from ..confusables import confusable_key
from ..history import tracked_history
from ..validators import PROJECT_NAME_MAX_LENGTH, normalize_project_name
from .base import NO_DELETE_PERMISSIONS
from .projects import Project


class ReservationReason(models.TextChoices):
    REMOVED_PROJECT = "removed_project", "Name of a removed project"
    PROHIBITED = "prohibited", "Prohibited by the registry"
    LEGAL = "legal", "Legal (trademark, court order)"
    RESERVED = "reserved", "Reserved"


class NameReservationQuerySet(models.QuerySet):
    def in_force(self, now):
        return self.filter(Q(until__isnull=True) | Q(until__gt=now))

    def lapsed(self, now):
        """Reservations whose time is over but whose expiry is not yet recorded."""
        return self.filter(until__lte=now, expired_at__isnull=True)


class NameReservation(models.Model):
    """A normalised name that cannot be registered (except by the users it names)."""

    normalized_name = models.CharField(
        "normalised name", max_length=PROJECT_NAME_MAX_LENGTH, unique=True
    )
    confusable_name = models.CharField(
        "confusable name",
        max_length=PROJECT_NAME_MAX_LENGTH,
        db_index=True,
        editable=False,
        default="",
        help_text="The name with look-alike characters folded (registry.confusables): a new "
        "project whose name folds to a reserved one is refused.",
    )
    reason = models.CharField("reason", max_length=20, choices=ReservationReason.choices)
    until = models.DateTimeField(
        "reserved until", null=True, blank=True, help_text="Empty: reserved for ever."
    )
    comment = models.TextField("comment", blank=True)
    created_at = models.DateTimeField("created at", default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="created by",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    allowed_users = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        verbose_name="may still register it",
        blank=True,
        related_name="name_reservations",
        help_text="Usually the previous owners of a removed project.",
    )
    project = models.ForeignKey(
        Project,
        verbose_name="removed project",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="name_reservations",
    )
    expired_at = models.DateTimeField(
        "expiry recorded at",
        null=True,
        blank=True,
        help_text="Set by the scheduler once `until` has passed (the name is free from then).",
    )

    objects = NameReservationQuerySet.as_manager()
    # confusable_name is derived from the name, which history keeps.
    history = tracked_history(m2m_fields=[allowed_users], excluded_fields=["confusable_name"])

    class Meta:
        verbose_name = "name reservation"
        verbose_name_plural = "name reservations"
        ordering = ["normalized_name"]
        default_permissions = NO_DELETE_PERMISSIONS
        constraints = [
            models.CheckConstraint(
                condition=Q(reason__in=ReservationReason.values),
                name="registry_reservation_reason_valid",
            ),
            models.CheckConstraint(
                condition=~Q(normalized_name=""), name="registry_reservation_name_set"
            ),
        ]
        indexes = [
            models.Index(fields=["reason", "normalized_name"], name="registry_reservation_reason")
        ]

    def __str__(self):
        return self.normalized_name

    def save(self, *args, **kwargs):
        self.normalized_name = normalize_project_name(self.normalized_name)
        self.confusable_name = confusable_key(self.normalized_name)
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and "normalized_name" in update_fields:
            kwargs["update_fields"] = {*update_fields, "confusable_name"}
        super().save(*args, **kwargs)

    def is_in_force(self, now):
        return self.until is None or self.until > now


class RemovalCategory(models.TextChoices):
    OWNER_REQUEST = "owner_request", "Owner's own removal (within policy)"
    POLICY_EXCEPTION = "policy_exception", "Approved deletion exception"
    LEGAL = "legal", "Legal (copyright, trademark, privacy, court order)"
    SECURITY = "security", "Security (malware, leaked secret, compromised account)"
    ABUSE = "abuse", "Abuse or spam"
    STAGED_REMOVAL = "staged_removal", "End of a staged removal"
    ADMIN = "admin", "Registry admin decision"


class RemovalScope(models.TextChoices):
    PROJECT = "project", "Whole project"
    RELEASE = "release", "Release"
    FILES = "files", "Files"


class RemovalEventQuerySet(models.QuerySet):
    def restorable(self):
        return self.filter(restored_at__isnull=True)


class RemovalEvent(models.Model):
    """One act of removal. Restoring undoes exactly one event, whatever it contained."""

    created_at = models.DateTimeField("removed at", default=timezone.now, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="removed by",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    actor_username = models.CharField("removed by (username)", max_length=150, blank=True)
    project = models.ForeignKey(
        Project, verbose_name="project", on_delete=models.PROTECT, related_name="removal_events"
    )
    scope = models.CharField("what was removed", max_length=20, choices=RemovalScope.choices)
    category = models.CharField("category", max_length=30, choices=RemovalCategory.choices)
    reason = models.TextField("reason")
    policy_rule = models.CharField(
        "policy rule",
        max_length=100,
        blank=True,
        help_text="The rule of the deletion policy that allowed it, if any.",
    )
    is_override = models.BooleanField(
        "admin override",
        default=False,
        help_text="A registry admin removed what the policy alone would not allow.",
    )
    summary = models.JSONField(
        "what it took away",
        default=dict,
        blank=True,
        help_text="Names of the project, releases and files, kept as evidence.",
    )
    restored_at = models.DateTimeField("restored at", null=True, blank=True)
    restored_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="restored by",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    restore_reason = models.TextField("restore reason", blank=True)

    objects = RemovalEventQuerySet.as_manager()
    history = tracked_history()

    class Meta:
        verbose_name = "removal event"
        verbose_name_plural = "removal events"
        ordering = ["-created_at"]
        default_permissions = NO_DELETE_PERMISSIONS
        permissions = [("restore_removalevent", "Can restore what a removal event took away")]
        constraints = [
            models.CheckConstraint(
                condition=Q(scope__in=RemovalScope.values), name="registry_removal_scope_valid"
            ),
            models.CheckConstraint(
                condition=Q(category__in=RemovalCategory.values),
                name="registry_removal_category_valid",
            ),
            models.CheckConstraint(
                condition=~Q(reason=""),
                name="registry_removal_reason_set",
                violation_error_message="A removal always records its reason.",
            ),
        ]
        indexes = [
            models.Index(fields=["project", "-created_at"], name="registry_removal_proj"),
            # The admin's list, newest first, and its filters in that order.
            models.Index(fields=["-created_at", "-id"], name="registry_removal_created"),
            models.Index(fields=["category", "-created_at"], name="registry_removal_category"),
            models.Index(
                fields=["-created_at", "-id"],
                condition=Q(restored_at__isnull=False),
                name="registry_removal_restored",
            ),
        ]

    def __str__(self):
        what = self.get_scope_display().lower()
        return f"{what} of {self.project} removed {self.created_at:%Y-%m-%d %H:%M}"

    @property
    def is_restored(self):
        return self.restored_at is not None
