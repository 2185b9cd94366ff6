"""Staff-only notes and the conversation between staff and a requester."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from registry.history import tracked_history

from .cases import NO_DELETE_PERMISSIONS, AbuseReport, DeletionException, LegalTakedown
from .names import NameRequest

# The field of each queue's request on a message (exactly one is set).
CASE_FIELDS = ("takedown", "exception", "report", "name_request")


class MessageKind(models.TextChoices):
    STAFF_NOTE = "staff_note", "Staff-only note"
    TO_REQUESTER = "to_requester", "Message to the requester"
    FROM_REQUESTER = "from_requester", "Message from the requester"


def _exactly_one(fields):
    """A condition that exactly one of the foreign keys `fields` is set."""
    condition = Q()
    for chosen in fields:
        condition |= Q(**{f"{name}__isnull": name != chosen for name in fields})
    return condition


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
    name_request = models.ForeignKey(
        NameRequest, on_delete=models.PROTECT, null=True, blank=True, related_name="messages"
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
                condition=_exactly_one(CASE_FIELDS),
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
        return next(getattr(self, name) for name in CASE_FIELDS if getattr(self, f"{name}_id"))
