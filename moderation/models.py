"""The moderation queues: legal takedowns, deletion exceptions and abuse reports.

Each request is a row whose `state` moves only through `moderation.services.apply_transition`
along the tables of `moderation.workflow`. The affected registry objects are linked with
PROTECT, and an executed request links the RemovalEvent that carried it out.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from registry.history import tracked_history
from registry.models import File, Project, Release, RemovalEvent

from .workflow import (
    NOT_STAFF_TURN,
    AbuseState,
    ExceptionState,
    Kind,
    TakedownState,
    is_staff_turn,
)

NO_DELETE_PERMISSIONS = ("add", "change", "view")


def choices(enum):
    return [(member.value, member.value.replace("_", " ").capitalize()) for member in enum]


class Priority(models.IntegerChoices):
    LOW = 1, "Low"
    NORMAL = 2, "Normal"
    HIGH = 3, "High"
    URGENT = 4, "Urgent"


class CaseQuerySet(models.QuerySet):
    def open(self):
        return self.filter(closed_at__isnull=True)

    def overdue(self, now):
        """Open requests past due in a state where staff must act (see NOT_STAFF_TURN)."""
        return (
            self.open()
            .filter(due_at__lt=now)
            .exclude(state__in=sorted(NOT_STAFF_TURN[self.model.kind]))
        )


class Case(models.Model):
    """What every queue's request has: state, triage fields, requester, affected objects."""

    kind: Kind

    priority = models.PositiveSmallIntegerField(
        "priority", choices=Priority.choices, default=Priority.NORMAL
    )
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="assigned to",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField("received at", default=timezone.now)
    due_at = models.DateTimeField("due by", help_text="From the queue's service-level target.")
    closed_at = models.DateTimeField("closed at", null=True, blank=True)
    project = models.ForeignKey(
        Project, verbose_name="project", on_delete=models.PROTECT, related_name="+"
    )
    requester_name = models.CharField("requester's name", max_length=200, blank=True)
    requester_email = models.EmailField("requester's email", blank=True)
    requester = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="requester's account",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    access_key_hash = models.CharField(
        "SHA-256 of the private link's key", max_length=64, unique=True, editable=False
    )
    recommendation = models.TextField(
        "support staff's recommendation", blank=True, help_text="For the admin who decides."
    )
    objects = CaseQuerySet.as_manager()

    class Meta:
        abstract = True

    @property
    def is_open(self):
        return self.closed_at is None

    def is_overdue(self, now):
        return is_staff_turn(self.kind, self.state) and self.due_at < now

    @property
    def reference(self):
        return f"{self.kind.value[0].upper()}-{self.pk}"


# Links from requests to registry rows: evidence, so both sides are PROTECTed (Django's automatic
# many-to-many tables would cascade).


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


def _case_meta_indexes(prefix):
    return [
        models.Index(fields=["state", "due_at"], name=f"{prefix}_state_due"),
        models.Index(fields=["assignee", "closed_at"], name=f"{prefix}_assignee"),
        models.Index(fields=["-created_at"], name=f"{prefix}_created"),
    ]


class TakedownKind(models.TextChoices):
    COPYRIGHT = "copyright", "Copyright (DMCA)"
    TRADEMARK = "trademark", "Trademark"
    PRIVACY = "privacy", "Privacy (GDPR and similar)"
    OTHER_LEGAL = "other_legal", "Other legal"


class LegalTakedown(Case):
    kind = Kind.TAKEDOWN

    state = models.CharField(
        "state", max_length=30, choices=choices(TakedownState), default=TakedownState.RECEIVED
    )
    takedown_kind = models.CharField("kind", max_length=20, choices=TakedownKind.choices)
    organisation = models.CharField("on behalf of", max_length=200, blank=True)
    postal_address = models.TextField("postal address", blank=True)
    phone = models.CharField("telephone", max_length=50, blank=True)
    signature = models.CharField(
        "signature", max_length=200, blank=True, help_text="Typed full name, as an e-signature."
    )
    work_description = models.TextField(
        "work or right claimed", blank=True, help_text="The copyrighted work, mark or data."
    )
    material_location = models.TextField(
        "infringing material and where it is", help_text="URLs, filenames, versions."
    )
    good_faith = models.BooleanField("good-faith statement", default=False)
    accurate_under_perjury = models.BooleanField(
        "accuracy statement under penalty of perjury", default=False
    )
    legal_basis = models.TextField(
        "legal basis", blank=True, help_text="Registration number, law, court order, ..."
    )
    details = models.TextField("details", blank=True)
    counter_notice = models.TextField("counter-notice", blank=True)
    counter_notice_at = models.DateTimeField("counter-notice received", null=True, blank=True)
    reinstate_after = models.DateField(
        "reinstate from", null=True, blank=True, help_text="10 business days after it."
    )
    reinstate_by = models.DateField(
        "reinstate by", null=True, blank=True, help_text="14 business days after it."
    )

    releases = models.ManyToManyField(
        Release,
        verbose_name="releases",
        blank=True,
        related_name="+",
        through="moderation.TakedownRelease",
    )
    files = models.ManyToManyField(
        File, verbose_name="files", blank=True, related_name="+", through="moderation.TakedownFile"
    )
    removal_events = models.ManyToManyField(
        RemovalEvent,
        verbose_name="removal events",
        blank=True,
        related_name="+",
        through="moderation.TakedownRemovalEvent",
        help_text="The registry removals that executed this request.",
    )

    history = tracked_history()

    class Meta:
        verbose_name = "legal takedown"
        verbose_name_plural = "legal takedowns"
        ordering = ["due_at"]
        default_permissions = NO_DELETE_PERMISSIONS
        indexes = _case_meta_indexes("mod_takedown")
        constraints = [
            models.CheckConstraint(
                condition=Q(state__in=[s.value for s in TakedownState]),
                name="mod_takedown_state_valid",
            ),
            models.CheckConstraint(
                condition=Q(takedown_kind__in=TakedownKind.values),
                name="mod_takedown_kind_valid",
            ),
        ]

    def __str__(self):
        return f"{self.reference}: {self.get_takedown_kind_display()} notice about {self.project}"


class ExceptionCategory(models.TextChoices):
    LEAKED_SECRET = "leaked_secret", "A secret (key, password, token) leaked in a file"
    LEGAL = "legal", "Licence or other legal problem"
    BROKEN_ARTIFACT = "broken_artifact", "A broken file installers still choose"
    STORAGE_CLEANUP = "storage_cleanup", "Storage clean-up (old pre-releases, nightlies)"
    COMPROMISED_ACCOUNT = "compromised_account", "Published from a compromised account"
    OTHER = "other", "Other"


class DeletionException(Case):
    kind = Kind.EXCEPTION

    state = models.CharField(
        "state", max_length=30, choices=choices(ExceptionState), default=ExceptionState.SUBMITTED
    )
    category = models.CharField("reason", max_length=30, choices=ExceptionCategory.choices)
    details = models.TextField("details")
    refused_rule = models.CharField(
        "rule that refused it", max_length=100, blank=True, help_text="The policy's rule id."
    )
    refusal = models.TextField("what the policy said", blank=True)
    impact = models.JSONField(
        "impact when filed",
        default=dict,
        blank=True,
        help_text="Dependents and downloads at the time of the request.",
    )

    releases = models.ManyToManyField(
        Release,
        verbose_name="releases",
        blank=True,
        related_name="+",
        through="moderation.ExceptionRelease",
    )
    files = models.ManyToManyField(
        File, verbose_name="files", blank=True, related_name="+", through="moderation.ExceptionFile"
    )
    removal_events = models.ManyToManyField(
        RemovalEvent,
        verbose_name="removal events",
        blank=True,
        related_name="+",
        through="moderation.ExceptionRemovalEvent",
        help_text="The registry removals that executed this request.",
    )

    history = tracked_history()

    class Meta:
        verbose_name = "deletion exception"
        verbose_name_plural = "deletion exceptions"
        ordering = ["due_at"]
        default_permissions = NO_DELETE_PERMISSIONS
        indexes = _case_meta_indexes("mod_exception")
        constraints = [
            models.CheckConstraint(
                condition=Q(state__in=[s.value for s in ExceptionState]),
                name="mod_exception_state_valid",
            ),
            models.CheckConstraint(
                condition=Q(category__in=ExceptionCategory.values),
                name="mod_exception_category_valid",
            ),
        ]

    def __str__(self):
        return f"{self.reference}: remove from {self.project} ({self.get_category_display()})"


class AbuseCategory(models.TextChoices):
    MALWARE = "malware", "Malware"
    TYPOSQUATTING = "typosquatting", "Typosquatting or impersonation"
    SPAM = "spam", "Spam"
    OTHER = "other", "Other abuse"


class AbuseReport(Case):
    kind = Kind.ABUSE

    state = models.CharField(
        "state", max_length=30, choices=choices(AbuseState), default=AbuseState.RECEIVED
    )
    category = models.CharField("category", max_length=20, choices=AbuseCategory.choices)
    details = models.TextField("what is wrong")
    evidence = models.TextField("evidence", blank=True, help_text="Links, hashes, analysis.")

    releases = models.ManyToManyField(
        Release,
        verbose_name="releases",
        blank=True,
        related_name="+",
        through="moderation.ReportRelease",
    )
    files = models.ManyToManyField(
        File, verbose_name="files", blank=True, related_name="+", through="moderation.ReportFile"
    )
    removal_events = models.ManyToManyField(
        RemovalEvent,
        verbose_name="removal events",
        blank=True,
        related_name="+",
        through="moderation.ReportRemovalEvent",
        help_text="The registry removals that executed this request.",
    )

    history = tracked_history()

    class Meta:
        verbose_name = "abuse report"
        verbose_name_plural = "abuse reports"
        ordering = ["due_at"]
        default_permissions = NO_DELETE_PERMISSIONS
        indexes = _case_meta_indexes("mod_abuse")
        constraints = [
            models.CheckConstraint(
                condition=Q(state__in=[s.value for s in AbuseState]),
                name="mod_abuse_state_valid",
            ),
            models.CheckConstraint(
                condition=Q(category__in=AbuseCategory.values),
                name="mod_abuse_category_valid",
            ),
        ]

    def __str__(self):
        return f"{self.reference}: {self.get_category_display()} report about {self.project}"


CASE_MODELS = {
    Kind.TAKEDOWN: LegalTakedown,
    Kind.EXCEPTION: DeletionException,
    Kind.ABUSE: AbuseReport,
}


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
        on_delete=models.SET_NULL,
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


class StagedState(models.TextChoices):
    DEPRECATED = "deprecated", "Deprecated"
    PENDING_REMOVAL = "pending_removal", "Pending removal"
    AWAITING_REVIEW = "awaiting_review", "Awaiting review"
    REMOVED = "removed", "Removed"
    KEPT = "kept", "Kept"
    CANCELLED = "cancelled", "Cancelled"


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
        "stage", max_length=20, choices=StagedState.choices, default=StagedState.DEPRECATED
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
        on_delete=models.SET_NULL,
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
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(state__in=StagedState.values), name="mod_staged_state_valid"
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
        return f"S-{self.pk}: staged removal of {target} ({self.get_state_display().lower()})"

    @property
    def is_open(self):
        return self.state in STAGED_OPEN_STATES

    @property
    def target(self):
        return self.release or self.project
