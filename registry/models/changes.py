"""The change journal: one row per change of what clients see, numbered by a global serial.

PyPI tells mirrors and caches what changed by a serial (`X-PyPI-Last-Serial`, XML-RPC
`changelog_since_serial`); Holdfast does the same. A `Change` row's id is the serial: it grows
with every row, across all projects. Every registry service that changes what an installer or a
mirror can see (a new file, a yank, a removal, a restore, a purge, a status change, a stage of a
staged removal) writes its rows through `registry.services.changes` in the same transaction as
the change, and stamps the project's `last_serial` with the highest serial it wrote.

The journal is append-only and is itself the record, so it carries no history of its own.

The outbox holds what must leave the machine after a change commits (an e-mail, a CDN purge):
filled in the change's transaction, sent later by the scheduler with retries, never lost when a
mail server or a CDN is down. Sent rows stay, with when they were sent.
"""

from django.db import models
from django.db.models import Q

from .base import NO_DELETE_PERMISSIONS
from .projects import Project


class Change(models.Model):
    """One change of what clients see. Its id is the global change serial."""

    id = models.BigAutoField(primary_key=True, verbose_name="serial")
    project = models.ForeignKey(
        Project, verbose_name="project", on_delete=models.PROTECT, related_name="changes"
    )
    name = models.CharField(
        "project name", max_length=100, help_text="The project's display name at the time."
    )
    version = models.CharField("version", max_length=100, blank=True)
    filename = models.CharField("filename", max_length=255, blank=True)
    action = models.CharField(
        "action", max_length=255, help_text="What changed, in PyPI's journal wording."
    )
    submitted_at = models.DateTimeField("when")
    submitted_by = models.CharField(
        "by",
        max_length=150,
        blank=True,
        help_text="The actor's username (empty for the scheduler), as PyPI's journal keeps it: "
        "a name, not a link, so the journal never stands in the way of an account's deletion.",
    )

    class Meta:
        verbose_name = "change"
        verbose_name_plural = "changes"
        ordering = ["-id"]
        default_permissions = ("view",)
        indexes = [
            models.Index(fields=["project", "-id"], name="registry_change_project"),
            models.Index(fields=["submitted_at"], name="registry_change_when"),
            # The admin's filter by kind of action: a prefix of the action's words.
            models.Index(
                fields=["action", "id"],
                opclasses=["varchar_pattern_ops", "int8_ops"],
                name="registry_change_action",
            ),
        ]

    def __str__(self):
        return f"#{self.pk} {self.name}: {self.action}"


class OutboxKind(models.TextChoices):
    EMAIL = "email", "e-mail"
    CDN_PURGE = "cdn_purge", "CDN purge"


class OutboxMessage(models.Model):
    """Something to send once its transaction has committed, retried until it is sent."""

    kind = models.CharField("kind", max_length=20, choices=OutboxKind.choices)
    payload = models.JSONField(
        "payload", help_text="For an e-mail: subject, body, from, to. For a purge: url, keys."
    )
    created_at = models.DateTimeField("queued at")
    next_attempt_at = models.DateTimeField("next attempt at")
    attempts = models.PositiveIntegerField("attempts", default=0)
    last_error = models.TextField("last error", blank=True)
    sent_at = models.DateTimeField("sent at", null=True, blank=True)

    class Meta:
        verbose_name = "outbox message"
        verbose_name_plural = "outbox messages"
        ordering = ["-created_at", "-id"]
        default_permissions = NO_DELETE_PERMISSIONS
        constraints = [
            models.CheckConstraint(
                condition=Q(kind__in=OutboxKind.values), name="registry_outbox_kind_valid"
            ),
        ]
        indexes = [
            models.Index(
                fields=["next_attempt_at", "id"],
                name="registry_outbox_due",
                condition=Q(sent_at__isnull=True),
            ),
            models.Index(fields=["-created_at", "-id"], name="registry_outbox_created"),
            # The admin's filters (kind; not sent yet), in the list's order.
            models.Index(fields=["kind", "-created_at", "-id"], name="registry_outbox_kind"),
            models.Index(
                fields=["-created_at", "-id"],
                name="registry_outbox_unsent",
                condition=Q(sent_at__isnull=True),
            ),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} queued {self.created_at:%Y-%m-%d %H:%M}"
