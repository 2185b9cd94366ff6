"""Ownership transfers: a project handed to a new owner by a registry admin (a PEP 541 name
transfer), recorded with everything needed to undo it."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from ..history import tracked_history
from .base import NO_DELETE_PERMISSIONS
from .projects import Project, Role, RoleName
from .removals import NameReservation


class OwnershipTransferQuerySet(models.QuerySet):
    def in_force(self):
        """Transfers not undone."""
        return self.filter(undone_at__isnull=True)


class OwnershipTransfer(models.Model):
    """One change of hands: the roles it ended, the new owner's role before, the reservation it
    handed over. Undoing it restores exactly that (`registry.services.undo_transfer`)."""

    project = models.ForeignKey(
        Project, verbose_name="project", on_delete=models.PROTECT, related_name="transfers"
    )
    new_owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="new owner",
        on_delete=models.PROTECT,
        related_name="+",
        help_text="The account that became the project's owner.",
    )
    new_owner_previous_role = models.CharField(
        "new owner's role before",
        max_length=20,
        blank=True,
        choices=RoleName.choices,
        help_text="The role the new owner held on the project before; empty if none. Undoing "
        "the transfer gives it back (or ends their role).",
    )
    ended_roles = models.ManyToManyField(
        Role,
        verbose_name="roles ended",
        blank=True,
        related_name="+",
        help_text="The previous owners' and maintainers' roles the transfer ended (not deleted).",
    )
    reservation = models.ForeignKey(
        NameReservation,
        verbose_name="reservation handed over",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text="For a removed project: the reservation of its name, which from the transfer "
        "on lets only the new owner register the name.",
    )
    previous_allowed_users = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        verbose_name="could register the name before",
        blank=True,
        related_name="+",
        help_text="Who the handed-over reservation let register the name before the transfer.",
    )
    reference = models.CharField(
        "reference",
        max_length=50,
        blank=True,
        help_text="The request that decided the transfer, e.g. N-12 for a name request.",
    )
    created_at = models.DateTimeField("transferred at", default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="transferred by",
        on_delete=models.PROTECT,
        related_name="+",
    )
    reason = models.TextField("reason")
    undone_at = models.DateTimeField(
        "undone at", null=True, blank=True, help_text="Empty while the transfer stands."
    )
    undone_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="undone by",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    undo_reason = models.TextField("undo reason", blank=True)

    objects = OwnershipTransferQuerySet.as_manager()
    history = tracked_history()

    class Meta:
        verbose_name = "ownership transfer"
        verbose_name_plural = "ownership transfers"
        ordering = ["-created_at", "-id"]
        default_permissions = NO_DELETE_PERMISSIONS
        constraints = [
            models.CheckConstraint(
                condition=~Q(reason=""),
                name="registry_transfer_reason_set",
                violation_error_message="A transfer always records its reason.",
            ),
            models.CheckConstraint(
                condition=Q(new_owner_previous_role="")
                | Q(new_owner_previous_role__in=RoleName.values),
                name="registry_transfer_previous_role_valid",
            ),
            models.CheckConstraint(
                condition=Q(undone_at__isnull=True, undone_by__isnull=True)
                | Q(undone_at__isnull=False, undone_by__isnull=False),
                name="registry_transfer_undone_by_whom",
                violation_error_message="An undone transfer records who undid it.",
            ),
        ]
        indexes = [
            # A project's transfers, newest first (the undo guard, the project's history).
            models.Index(fields=["project", "-created_at"], name="registry_transfer_proj"),
            # The admin's list, newest first, and its "undone" filter in that order.
            models.Index(fields=["-created_at", "-id"], name="registry_transfer_created"),
            models.Index(
                fields=["-created_at", "-id"],
                condition=Q(undone_at__isnull=False),
                name="registry_transfer_undone",
            ),
        ]

    def __str__(self):
        return f"{self.project} to {self.new_owner} on {self.created_at:%Y-%m-%d %H:%M}"

    @property
    def is_undone(self):
        return self.undone_at is not None
