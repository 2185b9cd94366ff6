"""Trusted reporters: accounts that speak for a security organisation and file abuse reports
through the JSON API (`moderation.views.api`).

Registry admins mark an account as a trusted reporter. Its malware reports are filed as urgent,
and when malware reports from enough distinct active trusted reporters stand open on one project
(HOLDFAST_QUARANTINE_REPORTERS), the project is quarantined at once
(`moderation.services.corroboration`). A reporter is switched off (`active`), never deleted: its
reports keep pointing at it.
"""

from django.conf import settings
from django.db import models
from django.utils import timezone

from registry.history import tracked_history


class TrustedReporterQuerySet(models.QuerySet):
    def active(self):
        """Reporters whose reports count: switched on, and their account active."""
        return self.filter(active=True, user__is_active=True)


class TrustedReporter(models.Model):
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name="account",
        on_delete=models.PROTECT,
        related_name="trusted_reporter",
        help_text="The account whose API tokens file the reports.",
    )
    organisation = models.CharField(
        "organisation",
        max_length=200,
        help_text="Whom the reporter speaks for, as staff and the history show it "
        "(for example 'Acme Security').",
    )
    active = models.BooleanField(
        "active",
        default=True,
        help_text="Only active reporters may use the API, and only their malware reports count "
        "towards an automatic quarantine.",
    )
    added_at = models.DateTimeField("added at", default=timezone.now)
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="added by",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    note = models.TextField("note", blank=True, help_text="For staff: why this account is trusted.")

    objects = TrustedReporterQuerySet.as_manager()
    history = tracked_history()

    class Meta:
        verbose_name = "trusted reporter"
        verbose_name_plural = "trusted reporters"
        ordering = ["organisation", "pk"]
        default_permissions = ("add", "change", "view")

    def __str__(self):
        return self.organisation or str(self.user)

    @property
    def is_usable(self):
        return self.active and self.user.is_active
