"""Links from requests to the registry rows they name and to the removals that executed them.

They are evidence, so both sides are PROTECTed (Django's automatic many-to-many tables would
cascade), and every change to a link is recorded in the link's own history.
"""

from django.db import models

from registry.history import tracked_history
from registry.models import File, Release, RemovalEvent


class Link(models.Model):
    history = tracked_history(inherit=True)

    class Meta:
        abstract = True
        default_permissions = ()


def _link_constraint(name, *fields):
    return [models.UniqueConstraint(fields=list(fields), name=name)]


class TakedownRelease(Link):
    case = models.ForeignKey("LegalTakedown", on_delete=models.PROTECT, related_name="+")
    release = models.ForeignKey(Release, on_delete=models.PROTECT, related_name="+")

    class Meta(Link.Meta):
        constraints = _link_constraint("mod_takedownrelease_unique", "case", "release")

    def __str__(self):
        return f"{self.case} -> {self.release}"


class TakedownFile(Link):
    case = models.ForeignKey("LegalTakedown", on_delete=models.PROTECT, related_name="+")
    file = models.ForeignKey(File, on_delete=models.PROTECT, related_name="+")

    class Meta(Link.Meta):
        constraints = _link_constraint("mod_takedownfile_unique", "case", "file")

    def __str__(self):
        return f"{self.case} -> {self.file}"


class TakedownRemovalEvent(Link):
    case = models.ForeignKey("LegalTakedown", on_delete=models.PROTECT, related_name="+")
    removal_event = models.ForeignKey(RemovalEvent, on_delete=models.PROTECT, related_name="+")

    class Meta(Link.Meta):
        constraints = _link_constraint("mod_takedownremovalevent_unique", "case", "removal_event")

    def __str__(self):
        return f"{self.case} -> {self.removal_event}"


class ExceptionRelease(Link):
    case = models.ForeignKey("DeletionException", on_delete=models.PROTECT, related_name="+")
    release = models.ForeignKey(Release, on_delete=models.PROTECT, related_name="+")

    class Meta(Link.Meta):
        constraints = _link_constraint("mod_exceptionrelease_unique", "case", "release")

    def __str__(self):
        return f"{self.case} -> {self.release}"


class ExceptionFile(Link):
    case = models.ForeignKey("DeletionException", on_delete=models.PROTECT, related_name="+")
    file = models.ForeignKey(File, on_delete=models.PROTECT, related_name="+")

    class Meta(Link.Meta):
        constraints = _link_constraint("mod_exceptionfile_unique", "case", "file")

    def __str__(self):
        return f"{self.case} -> {self.file}"


class ExceptionRemovalEvent(Link):
    case = models.ForeignKey("DeletionException", on_delete=models.PROTECT, related_name="+")
    removal_event = models.ForeignKey(RemovalEvent, on_delete=models.PROTECT, related_name="+")

    class Meta(Link.Meta):
        constraints = _link_constraint("mod_exceptionremovalevent_unique", "case", "removal_event")

    def __str__(self):
        return f"{self.case} -> {self.removal_event}"


class ReportRelease(Link):
    case = models.ForeignKey("AbuseReport", on_delete=models.PROTECT, related_name="+")
    release = models.ForeignKey(Release, on_delete=models.PROTECT, related_name="+")

    class Meta(Link.Meta):
        constraints = _link_constraint("mod_reportrelease_unique", "case", "release")

    def __str__(self):
        return f"{self.case} -> {self.release}"


class ReportFile(Link):
    case = models.ForeignKey("AbuseReport", on_delete=models.PROTECT, related_name="+")
    file = models.ForeignKey(File, on_delete=models.PROTECT, related_name="+")

    class Meta(Link.Meta):
        constraints = _link_constraint("mod_reportfile_unique", "case", "file")

    def __str__(self):
        return f"{self.case} -> {self.file}"


class ReportRemovalEvent(Link):
    case = models.ForeignKey("AbuseReport", on_delete=models.PROTECT, related_name="+")
    removal_event = models.ForeignKey(RemovalEvent, on_delete=models.PROTECT, related_name="+")

    class Meta(Link.Meta):
        constraints = _link_constraint("mod_reportremovalevent_unique", "case", "removal_event")

    def __str__(self):
        return f"{self.case} -> {self.removal_event}"


class StagedRemovalEvent(Link):
    case = models.ForeignKey("StagedRemoval", on_delete=models.PROTECT, related_name="+")
    removal_event = models.ForeignKey(RemovalEvent, on_delete=models.PROTECT, related_name="+")

    class Meta(Link.Meta):
        constraints = _link_constraint("mod_stagedremovalevent_unique", "case", "removal_event")

    def __str__(self):
        return f"{self.case} -> {self.removal_event}"
