"""The request queues: legal takedowns, deletion exceptions and abuse reports.

Each request is a row whose `state` moves only through the moderation engine
(`moderation.services.engine`) along the tables of `moderation.workflow`. The affected registry
objects are linked with PROTECT, and an executed request links the RemovalEvent that carried it
out.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from registry.history import tracked_history
from registry.models import File, Project, Release, RemovalCategory, RemovalEvent

from ..workflow import (
    NOT_STAFF_TURN,
    AbuseState,
    ExceptionState,
    Kind,
    TakedownState,
    choices,
    is_staff_turn,
)

NO_DELETE_PERMISSIONS = ("add", "change", "view")


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
        on_delete=models.PROTECT,
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
        on_delete=models.PROTECT,
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
    possible_duplicate_of = models.ForeignKey(
        "self",
        verbose_name="possible duplicate of",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text="An earlier open request this one may repeat (same kind, same project, and the "
        "same requester or the same text). It is still filed: staff decide.",
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
        return self.reference_of(self.pk)

    @classmethod
    def reference_of(cls, pk):
        """The reference (T-12) of the case `pk` of this queue, without loading it."""
        return f"{cls.kind.value[0].upper()}-{pk}"


def _case_meta_indexes(prefix, kind_field):
    # The admin lists the most pressing first (-priority, due_at, pk), mostly the open ones.
    order = ["-priority", "due_at", "id"]
    return [
        models.Index(fields=["state", "due_at"], name=f"{prefix}_state_due"),
        models.Index(fields=["assignee", "closed_at"], name=f"{prefix}_assignee"),
        models.Index(fields=["-created_at"], name=f"{prefix}_created"),
        models.Index(fields=order, name=f"{prefix}_order"),
        models.Index(fields=order, condition=Q(closed_at__isnull=True), name=f"{prefix}_open"),
        models.Index(fields=[kind_field, *order], name=f"{prefix}_kind"),
    ]


class TakedownKind(models.TextChoices):
    COPYRIGHT = "copyright", "Copyright (DMCA)"
    TRADEMARK = "trademark", "Trademark"
    PRIVACY = "privacy", "Privacy (GDPR and similar)"
    OTHER_LEGAL = "other_legal", "Other legal"


class LegalTakedown(Case):
    kind = Kind.TAKEDOWN
    removal_category = RemovalCategory.LEGAL

    # What a notice holds besides its project and kind, as `services.submit_takedown` takes it.
    NOTICE_FIELDS = (
        "requester_name",
        "requester_email",
        "organisation",
        "postal_address",
        "phone",
        "signature",
        "work_description",
        "material_location",
        "legal_basis",
        "details",
        "good_faith",
        "accurate_under_perjury",
    )
    # The six elements of a copyright notice under 17 U.S.C. § 512(c)(3)(A): (element, label,
    # the fields that carry it).
    DMCA_ELEMENTS = (
        ("signature", "a physical or electronic signature (type your full name)", ("signature",)),
        ("work_description", "the copyrighted work you say is infringed", ("work_description",)),
        (
            "material_location",
            "the infringing material and where it is (project, release, files)",
            ("material_location",),
        ),
        (
            "contact",
            "your contact details (postal address, telephone and email)",
            ("postal_address", "phone", "requester_email"),
        ),
        (
            "good_faith",
            "a statement of good-faith belief that the use is not authorised",
            ("good_faith",),
        ),
        (
            "accurate_under_perjury",
            "a statement, under penalty of perjury, that the notice is accurate and that you are "
            "authorised to act for the owner",
            ("accurate_under_perjury",),
        ),
    )

    state = models.CharField(
        "state", max_length=30, choices=choices(Kind.TAKEDOWN), default=TakedownState.RECEIVED
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
    # A counter-notice sent by an owner through the site's form (17 U.S.C. § 512(g)(3)); one
    # pasted by staff fills only `counter_notice` above.
    counter_notice_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="counter-notice sent by",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text="The owner's account, when they sent it through the site.",
    )
    counter_signature = models.CharField(
        "counter-notice signature", max_length=200, blank=True, help_text="Typed full name."
    )
    counter_name = models.CharField("counter-notice sender's name", max_length=200, blank=True)
    counter_address = models.TextField("counter-notice sender's address", blank=True)
    counter_phone = models.CharField("counter-notice sender's telephone", max_length=50, blank=True)
    counter_material = models.TextField("material removed and where it appeared", blank=True)
    counter_mistake_statement = models.BooleanField(
        "statement under penalty of perjury of removal by mistake or misidentification",
        default=False,
    )
    counter_consent = models.BooleanField(
        "consent to jurisdiction and to accept service of process", default=False
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
        indexes = _case_meta_indexes("mod_takedown", "takedown_kind")
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

    @classmethod
    def missing_elements(cls, data):
        """Return the labels of the § 512(c)(3) elements that `data` (a mapping of notice
        fields) lacks; a blank answer ("   ") is no answer."""
        return [
            label
            for _element, label, fields in cls.DMCA_ELEMENTS
            if not all(_given(data.get(name)) for name in fields)
        ]

    def missing_dmca_elements(self):
        """Return the labels of the elements this notice lacks (none unless it is copyright)."""
        if self.takedown_kind != TakedownKind.COPYRIGHT:
            return []
        return self.missing_elements({name: getattr(self, name) for name in self.NOTICE_FIELDS})


def _given(value):
    return bool(value.strip()) if isinstance(value, str) else bool(value)


class ExceptionCategory(models.TextChoices):
    LEAKED_SECRET = "leaked_secret", "A secret (key, password, token) leaked in a file"
    LEGAL = "legal", "Licence or other legal problem"
    BROKEN_ARTIFACT = "broken_artifact", "A broken file installers still choose"
    STORAGE_CLEANUP = "storage_cleanup", "Storage clean-up (old pre-releases, nightlies)"
    COMPROMISED_ACCOUNT = "compromised_account", "Published from a compromised account"
    OTHER = "other", "Other"


class DeletionException(Case):
    kind = Kind.EXCEPTION
    removal_category = RemovalCategory.POLICY_EXCEPTION

    state = models.CharField(
        "state", max_length=30, choices=choices(Kind.EXCEPTION), default=ExceptionState.SUBMITTED
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
        indexes = _case_meta_indexes("mod_exception", "category")
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


# Priority, then age (oldest first).
ABUSE_QUEUE_ORDER = ["-priority", "created_at", "id"]


class AbuseReport(Case):
    kind = Kind.ABUSE

    state = models.CharField(
        "state", max_length=30, choices=choices(Kind.ABUSE), default=AbuseState.RECEIVED
    )
    category = models.CharField("category", max_length=20, choices=AbuseCategory.choices)
    details = models.TextField("what is wrong")
    evidence = models.TextField("evidence", blank=True, help_text="Links, hashes, analysis.")
    evidence_url = models.URLField(
        "evidence URL",
        max_length=500,
        blank=True,
        help_text="Where the reporter's analysis can be read (a trusted reporter gives one).",
    )
    trusted_reporter = models.ForeignKey(
        "moderation.TrustedReporter",
        verbose_name="trusted reporter",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="reports",
        help_text="The trusted reporter who filed it through the API (empty: the public form).",
    )

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
        # The abuse queue: the most urgent first (a trusted reporter's malware), then the oldest.
        ordering = ABUSE_QUEUE_ORDER
        default_permissions = NO_DELETE_PERMISSIONS
        indexes = [
            *_case_meta_indexes("mod_abuse", "category"),
            models.Index(
                fields=ABUSE_QUEUE_ORDER,
                condition=Q(closed_at__isnull=True),
                name="mod_abuse_queue",
            ),
            # Corroboration: the open malware reports of one project.
            models.Index(
                fields=["project", "category"],
                condition=Q(closed_at__isnull=True),
                name="mod_abuse_open_project",
            ),
        ]
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

    @property
    def removal_category(self):
        """Malware is removed for security; every other abuse as abuse."""
        if self.category == AbuseCategory.MALWARE:
            return RemovalCategory.SECURITY
        return RemovalCategory.ABUSE
