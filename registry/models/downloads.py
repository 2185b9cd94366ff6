"""Daily download counts per file, the figures behind the policy's download rules."""

from django.db import models

from .base import NO_DELETE_PERMISSIONS
from .projects import Project
from .releases import File


class DownloadCount(models.Model):
    """Downloads of one file on one day. A high-churn counter, deliberately without history."""

    file = models.ForeignKey(
        File, verbose_name="file", on_delete=models.PROTECT, related_name="download_counts"
    )
    project = models.ForeignKey(
        Project,
        verbose_name="project",
        on_delete=models.PROTECT,
        related_name="download_counts",
        help_text="Copied from the file so per-project totals need no join.",
    )
    day = models.DateField("day")
    count = models.PositiveIntegerField("downloads", default=0)

    class Meta:
        verbose_name = "daily download count"
        verbose_name_plural = "daily download counts"
        ordering = ["-day"]
        default_permissions = NO_DELETE_PERMISSIONS
        constraints = [
            models.UniqueConstraint(fields=["file", "day"], name="registry_download_unique_day"),
        ]
        indexes = [
            models.Index(fields=["project", "day"], name="registry_download_project"),
            # The admin's list, newest day first.
            models.Index(fields=["-day", "-id"], name="registry_download_day"),
        ]

    def __str__(self):
        return f"{self.file}: {self.count} on {self.day}"


class Popularity(models.Model):
    """A project's downloads over the last 30 days and its rank, as the scheduler last counted.

    Derived figures, rewritten in place by `services.recompute_popularity` (so without history):
    the impact summary and the policy read them instead of ranking every project on each page.
    """

    project = models.OneToOneField(
        Project,
        verbose_name="project",
        primary_key=True,
        on_delete=models.PROTECT,
        related_name="popularity",
    )
    downloads_30_days = models.PositiveBigIntegerField("downloads in the last 30 days", default=0)
    rank = models.PositiveIntegerField(
        "rank by downloads",
        null=True,
        blank=True,
        help_text="1 for the most downloaded live project over the last 30 days; ties share a "
        "rank. Empty for a removed project.",
    )
    ranked_among = models.PositiveIntegerField(
        "live projects ranked", default=0, help_text="How many live projects were ranked."
    )
    critical = models.BooleanField(
        "critical",
        default=False,
        help_text="Among the most downloaded share of live projects "
        "(HOLDFAST_CRITICAL_PROJECTS_PERCENT, 1% by default).",
    )
    computed_at = models.DateTimeField("computed at")

    class Meta:
        verbose_name = "popularity"
        verbose_name_plural = "popularity"
        default_permissions = NO_DELETE_PERMISSIONS
        indexes = [
            models.Index(fields=["rank"], name="registry_popularity_rank"),
            models.Index(
                fields=["project"],
                condition=models.Q(critical=True),
                name="registry_popularity_critical",
            ),
            # The admin's list (by rank), and its "critical" filter in that order.
            models.Index(
                fields=["rank", "project"],
                condition=models.Q(critical=True),
                name="registry_popularity_crit_rank",
            ),
        ]

    def __str__(self):
        return f"{self.project}: rank {self.rank} of {self.ranked_among}"
