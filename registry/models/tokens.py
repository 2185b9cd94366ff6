"""API tokens for uploads."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from ..history import tracked_history
from .base import NO_DELETE_PERMISSIONS
from .projects import Project


class ApiTokenQuerySet(models.QuerySet):
    def usable(self):
        return self.filter(revoked_at__isnull=True, user__is_active=True)


class ApiToken(models.Model):
    """An upload token. Only a hash of the secret is stored; the secret is shown once."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="user",
        on_delete=models.PROTECT,
        related_name="api_tokens",
    )
    project = models.ForeignKey(
        Project,
        verbose_name="limited to project",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="api_tokens",
        help_text="Empty: the token acts for the user on all their projects, and may create "
        "new ones.",
    )
    description = models.CharField("description", max_length=100)
    prefix = models.CharField(
        "prefix", max_length=16, help_text="The first characters, to recognise the token."
    )
    key_hash = models.CharField("SHA-256 of the token", max_length=64, unique=True)
    created_at = models.DateTimeField("created at", default=timezone.now)
    last_used_at = models.DateTimeField("last used at", null=True, blank=True)
    revoked_at = models.DateTimeField("revoked at", null=True, blank=True)

    objects = ApiTokenQuerySet.as_manager()
    history = tracked_history(excluded_fields=["last_used_at"])

    class Meta:
        verbose_name = "API token"
        verbose_name_plural = "API tokens"
        ordering = ["-created_at"]
        default_permissions = NO_DELETE_PERMISSIONS
        indexes = [
            models.Index(fields=["user", "-created_at"], name="registry_token_user"),
            # The admin's list, newest first, and its "revoked" filter.
            models.Index(fields=["-created_at", "-id"], name="registry_token_created"),
            models.Index(
                fields=["-created_at", "-id"],
                condition=Q(revoked_at__isnull=False),
                name="registry_token_revoked",
            ),
        ]

    def __str__(self):
        scope = f"project {self.project}" if self.project_id else "all projects"
        return f"{self.prefix}… ({self.description}, {scope})"

    @property
    def is_revoked(self):
        return self.revoked_at is not None
