"""Staged removal: an owner's "deprecate and schedule removal", moved on by the scheduler."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from registry.history import tracked_history
from registry.models import Project, Release, RemovalCategory, RemovalEvent

from ..workflow import STAGED_OPEN, Kind, StagedState, choices
from .cases import NO_DELETE_PERMISSIONS

# In the order of the migration's constraints.
STAGED_OPEN_STATES = [
    StagedState.DEPRECATED,
    StagedState.PENDING_REMOVAL,
    StagedState.AWAITING_REVIEW,
]


class StagedRemovalQuerySet(models.QuerySet):
    def open(self):
        return self.filter(state__in=STAGED_OPEN_STATES)

    def due(self, now):
        """Cases the scheduler must move now (awaiting review waits for an admin)."""
        return self.filter(
            state__in=[StagedState.DEPRECATED, StagedState.PENDING_REMOVAL], next_step_at__lte=now
        )


class StagedRemoval(models.Model):
    """An owner's "deprecate and schedule removal": deprecated, then pending removal (served
    only at the opt-in index), then an admin's review, then removed or kept."""

    kind = Kind.STAGED
    removal_category = RemovalCategory.STAGED_REMOVAL

    project = models.ForeignKey(
        Project, verbose_name="project", on_delete=models.PROTECT, related_name="+"
    )
    release = models.ForeignKey(
        Release,
        verbose_name="release",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text="Empty: the whole project.",
    )
    state = models.CharField(
        "stage", max_length=20, choices=choices(Kind.STAGED), default=StagedState.DEPRECATED
    )
    message = models.TextField("message to users")
    successor = models.ForeignKey(
        Project,
        verbose_name="successor",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="requested by",
        on_delete=models.PROTECT,
        null=True,
        related_name="+",
    )
    created_at = models.DateTimeField("started at", default=timezone.now)
    pending_at = models.DateTimeField("pending removal since", null=True, blank=True)
    review_at = models.DateTimeField("awaiting review since", null=True, blank=True)
    next_step_at = models.DateTimeField(
        "next step at",
        null=True,
        blank=True,
        help_text="When the scheduler moves the case on; empty once it waits for an admin.",
    )
    dependents_warned_at = models.DateTimeField(
        "dependents reminded at",
        null=True,
        blank=True,
        help_text="The reminder a week before pending removal, sent once.",
    )
    closed_at = models.DateTimeField("closed at", null=True, blank=True)
    removal_events = models.ManyToManyField(
        RemovalEvent,
        verbose_name="removal events",
        blank=True,
        related_name="+",
        through="moderation.StagedRemovalEvent",
    )

    objects = StagedRemovalQuerySet.as_manager()
    history = tracked_history()

    class Meta:
        verbose_name = "staged removal"
        verbose_name_plural = "staged removals"
        ordering = ["next_step_at", "pk"]
        default_permissions = NO_DELETE_PERMISSIONS
        indexes = [
            models.Index(fields=["state", "next_step_at"], name="mod_staged_due"),
            models.Index(fields=["project", "state"], name="mod_staged_project"),
            models.Index(fields=["next_step_at", "id"], name="mod_staged_order"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(state__in=[s.value for s in StagedState]),
                name="mod_staged_state_valid",
            ),
            models.UniqueConstraint(
                fields=["project"],
                condition=Q(release__isnull=True, state__in=STAGED_OPEN_STATES),
                name="mod_staged_one_open_per_project",
                violation_error_message="This project already has a staged removal under way.",
            ),
            models.UniqueConstraint(
                fields=["release"],
                condition=Q(release__isnull=False, state__in=STAGED_OPEN_STATES),
                name="mod_staged_one_open_per_release",
                violation_error_message="This release already has a staged removal under way.",
            ),
        ]

    def __str__(self):
        target = self.release or self.project
        return f"{self.reference}: staged removal of {target} ({self.get_state_display().lower()})"

    @property
    def is_open(self):
        return self.state in STAGED_OPEN

    @property
    def reference(self):
        return f"S-{self.pk}"

    @property
    def target(self):
        return self.release or self.project
