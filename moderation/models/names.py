"""PEP 541 name requests: a signed-in user's claim on an abandoned, squatted or invalid
project's name, and the owners' reachability period that decides whether it may move.

A request moves only through the moderation engine, like every other queue. "Contact the
owners" gives each owner a private one-click link (`NameRequestContact`, of which only the
key's SHA-256 is stored); an owner who answers "keep my project" closes the request as
refused. A transfer is the registry's `OwnershipTransfer`, linked here.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from registry.history import tracked_history
from registry.models import OwnershipTransfer

from ..workflow import Kind, NameRequestState, choices
from .cases import NO_DELETE_PERMISSIONS, Case, _case_meta_indexes


class NameGround(models.TextChoices):
    """The PEP 541 case the requester claims (moderation.pep541 holds its rules)."""

    ABANDONED = "abandoned", "Abandoned: no release for 12 months and the owners unreachable"
    SQUATTING = "squatting", "Name squatting: the project is empty or has no functionality"
    INVALID = "invalid", "Invalid project: spam, terms of use, or abuse of the index"


class NameIntent(models.TextChoices):
    MAINTAIN = "maintain", "Continue maintaining the existing project"
    REPLACE = "replace", "Reuse the name for a different project"


class NameRequest(Case):
    kind = Kind.NAME

    state = models.CharField(
        "state", max_length=30, choices=choices(Kind.NAME), default=NameRequestState.SUBMITTED
    )
    requested_name = models.CharField(
        "name asked for", max_length=200, help_text="The project's name when the request was filed."
    )
    ground = models.CharField("PEP 541 ground", max_length=20, choices=NameGround.choices)
    intent = models.CharField(
        "what the requester will do", max_length=20, choices=NameIntent.choices
    )
    details = models.TextField(
        "why, and what they will do with it",
        help_text="Their attempts to reach the owners, their fork or project, why another name "
        "will not do.",
    )
    looked_for_another_name = models.BooleanField(
        "confirmed they looked for another name", default=False
    )
    facts = models.JSONField(
        "facts when filed",
        default=dict,
        blank=True,
        help_text="What PEP 541 turns on, as the registry held it when the request was filed.",
    )
    reachable_until = models.DateTimeField(
        "owners may answer until",
        null=True,
        blank=True,
        help_text="The end of the reachability period that starts when the owners are contacted.",
    )
    owners_reminded_at = models.DateTimeField(
        "owners reminded at", null=True, blank=True, help_text="The halfway reminder."
    )
    transfer = models.ForeignKey(
        OwnershipTransfer,
        verbose_name="transfer",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text="The registry's record of the transfer that carried out this request.",
    )

    history = tracked_history()

    class Meta:
        verbose_name = "name request"
        verbose_name_plural = "name requests"
        ordering = ["due_at"]
        default_permissions = NO_DELETE_PERMISSIONS
        indexes = [
            *_case_meta_indexes("mod_name", "ground"),
            # The scheduler: periods that lapse, reminders that are due.
            models.Index(fields=["state", "reachable_until"], name="mod_name_reachable"),
            models.Index(fields=["requester", "-created_at"], name="mod_name_requester"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(state__in=[s.value for s in NameRequestState]),
                name="mod_name_state_valid",
            ),
            models.CheckConstraint(
                condition=Q(ground__in=NameGround.values), name="mod_name_ground_valid"
            ),
            models.CheckConstraint(
                condition=Q(intent__in=NameIntent.values), name="mod_name_intent_valid"
            ),
            # One open request per person and name: a refresh or a second click files nothing.
            models.UniqueConstraint(
                fields=["project", "requester"],
                condition=Q(closed_at__isnull=True),
                name="mod_name_one_open_per_requester",
                violation_error_message="You already have an open request for this name.",
            ),
        ]

    def __str__(self):
        return (
            f"{self.reference}: {self.requester_name or 'someone'} asks for {self.requested_name}"
        )

    @property
    def needs_reachability(self):
        return self.ground == NameGround.ABANDONED


class NameRequestContact(models.Model):
    """One owner asked, by "contact the owners", whether they want to keep their project."""

    request = models.ForeignKey(
        NameRequest, verbose_name="name request", on_delete=models.PROTECT, related_name="contacts"
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="owner", on_delete=models.PROTECT, related_name="+"
    )
    email = models.EmailField("written to", blank=True, help_text="Empty: the account has none.")
    key_hash = models.CharField(
        "SHA-256 of the owner's private link key", max_length=64, unique=True, editable=False
    )
    reminder_key_hash = models.CharField(
        "SHA-256 of the reminder's link key",
        max_length=64,
        unique=True,
        null=True,
        blank=True,
        editable=False,
        help_text="The halfway reminder carries a new link; the first one keeps working.",
    )
    contacted_at = models.DateTimeField("contacted at", default=timezone.now)
    reminded_at = models.DateTimeField("reminded at", null=True, blank=True)
    answered_at = models.DateTimeField(
        "answered at", null=True, blank=True, help_text="When the owner said: keep my project."
    )
    answer = models.TextField("their answer", blank=True)

    history = tracked_history()

    class Meta:
        verbose_name = "owner contacted"
        verbose_name_plural = "owners contacted"
        ordering = ["request_id", "contacted_at", "pk"]
        default_permissions = NO_DELETE_PERMISSIONS
        constraints = [
            models.UniqueConstraint(fields=["request", "owner"], name="mod_contact_unique"),
        ]

    def __str__(self):
        answered = "answered: keep" if self.answered_at else "no answer"
        return f"{self.owner} on {self.request.reference} ({answered})"
