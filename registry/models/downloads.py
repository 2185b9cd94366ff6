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
        indexes = [models.Index(fields=["project", "day"], name="registry_download_project")]

    def __str__(self):
        return f"{self.file}: {self.count} on {self.day}"
