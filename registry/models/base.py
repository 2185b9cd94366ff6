"""What every removable registry row shares: soft removal fields and their querysets."""

from django.conf import settings
from django.db import models
from django.db.models import Q

# Registry rows are never deleted, so Django's "delete" permission is not created for them.
NO_DELETE_PERMISSIONS = ("add", "change", "view")


class RemovableQuerySet(models.QuerySet):
    def live(self):
        return self.filter(removed_at__isnull=True)

    def removed(self):
        return self.filter(removed_at__isnull=False)


class Removable(models.Model):
    """Fields shared by everything that can be removed (softly) and restored."""

    removed_at = models.DateTimeField(
        "removed at", null=True, blank=True, help_text="Empty while the object is live."
    )
    removed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="removed by",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    removal_reason = models.TextField("removal reason", blank=True)
    removal_event = models.ForeignKey(
        "registry.RemovalEvent",
        verbose_name="removal event",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="removed_%(class)ss",
        help_text="The act of removal this object belongs to; restoring it undoes the event.",
    )

    class Meta:
        abstract = True
        constraints = [
            models.CheckConstraint(
                condition=Q(removed_at__isnull=True, removal_event__isnull=True)
                | Q(removed_at__isnull=False, removal_event__isnull=False),
                name="%(app_label)s_%(class)s_removal_has_event",
                violation_error_message="A removed object must belong to a removal event.",
            ),
        ]

    @property
    def is_removed(self):
        return self.removed_at is not None
