"""Staff-only notes and the conversation between staff and a requester."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from registry.history import tracked_history

from .cases import NO_DELETE_PERMISSIONS, AbuseReport, DeletionException, LegalTakedown


class MessageKind(models.TextChoices):
    STAFF_NOTE = "staff_note", "Staff-only note"
    TO_REQUESTER = "to_requester", "Message to the requester"
    FROM_REQUESTER = "from_requester", "Message from the requester"


class Message(models.Model):
    """A staff-only note or a message between staff and the requester, on one request."""

    takedown = models.ForeignKey(
        LegalTakedown, on_delete=models.PROTECT, null=True, blank=True, related_name="messages"
    )
    exception = models.ForeignKey(
        DeletionException, on_delete=models.PROTECT, null=True, blank=True, related_name="messages"
    )
    report = models.ForeignKey(
        AbuseReport, on_delete=models.PROTECT, null=True, blank=True, related_name="messages"
    )
    kind = models.CharField("kind", max_length=20, choices=MessageKind.choices)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="author",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    author_name = models.CharField("author's name", max_length=200, blank=True)
    body = models.TextField("message")
    created_at = models.DateTimeField("written at", default=timezone.now)

    history = tracked_history()

    class Meta:
        verbose_name = "message"
        verbose_name_plural = "messages"
        ordering = ["created_at", "pk"]
        default_permissions = NO_DELETE_PERMISSIONS
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(takedown__isnull=False, exception__isnull=True, report__isnull=True)
                    | Q(takedown__isnull=True, exception__isnull=False, report__isnull=True)
                    | Q(takedown__isnull=True, exception__isnull=True, report__isnull=False)
                ),
                name="mod_message_one_case",
                violation_error_message="A message belongs to exactly one request.",
            ),
            models.CheckConstraint(
                condition=Q(kind__in=MessageKind.values), name="mod_message_kind_valid"
            ),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} by {self.author_name or 'someone'}"

    @property
    def case(self):
        return self.takedown or self.exception or self.report
