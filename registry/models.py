"""The registry: projects, releases, files, who may act on them, and what was removed.

Nothing here is ever deleted by the product. Removal is a recorded, restorable state
(`removed_at` plus the RemovalEvent that did it); only a purge destroys a file's bytes, and the
row stays as a tombstone. Writes go through `registry.services`; these models hold the rules the
database itself can enforce.
"""

import hashlib

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.db.models.functions import Length
from django.db.models.lookups import Exact
from django.utils import timezone

from .history import tracked_history
from .validators import (
    PROJECT_NAME_MAX_LENGTH,
    VERSION_MAX_LENGTH,
    canonical_version,
    normalize_project_name,
    parse_version,
    validate_project_name,
    validate_version,
)

# Registry rows are never deleted, so Django's "delete" permission is not created for them.
NO_DELETE_PERMISSIONS = ("add", "change", "view")


class RemovableQuerySet(models.QuerySet):
    def live(self):
        return self.filter(removed_at__isnull=True)

    def removed(self):
        return self.filter(removed_at__isnull=False)


class Removable(models.Model):
    """Fields shared by everything that can be removed (softly) and restored."""

    removed_at = models.DateTimeField(
        "removed at", null=True, blank=True, help_text="Empty while the object is live."
    )
    removed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="removed by",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    removal_reason = models.TextField("removal reason", blank=True)
    removal_event = models.ForeignKey(
        "registry.RemovalEvent",
        verbose_name="removal event",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="removed_%(class)ss",
        help_text="The act of removal this object belongs to; restoring it undoes the event.",
    )

    class Meta:
        abstract = True
        constraints = [
            models.CheckConstraint(
                condition=Q(removed_at__isnull=True, removal_event__isnull=True)
                | Q(removed_at__isnull=False, removal_event__isnull=False),
                name="%(app_label)s_%(class)s_removal_has_event",
                violation_error_message="A removed object must belong to a removal event.",
            ),
        ]

    @property
    def is_removed(self):
        return self.removed_at is not None


class ProjectStatus(models.TextChoices):
    """The project status markers of PEP 792."""

    ACTIVE = "active", "Active"
    ARCHIVED = "archived", "Archived"
    DEPRECATED = "deprecated", "Deprecated"
    QUARANTINED = "quarantined", "Quarantined"


class ProjectQuerySet(RemovableQuerySet):
    def by_name(self, name):
        """Match a project by any spelling of its name (`Foo_Bar` finds `foo-bar`)."""
        if not name or "\x00" in name:  # PostgreSQL refuses NUL in a text parameter
            return self.none()
        return self.filter(normalized_name=normalize_project_name(name))

    def listed(self, index="main"):
        """Projects that have a page on `index` ("main" for /simple/, "pending" for the
        opt-in /pending/simple/): never removed ones; on the main index not those pending
        removal; on the pending index those pending removal or with a release pending."""
        live = self.filter(removed_at__isnull=True)
        if index == "pending":
            return live.filter(
                Q(pending_removal_at__isnull=False)
                | Q(releases__pending_removal_at__isnull=False, releases__removed_at__isnull=True)
            ).distinct()
        return live.filter(pending_removal_at__isnull=True)


class Project(Removable):
    name = models.CharField(
        "name",
        max_length=PROJECT_NAME_MAX_LENGTH,
        validators=[validate_project_name],
        help_text="The display name, as first uploaded.",
    )
    normalized_name = models.CharField(
        "normalised name",
        max_length=PROJECT_NAME_MAX_LENGTH,
        unique=True,
        editable=False,
        help_text="PEP 503 normalised name; unique across live and removed projects.",
    )
    created_at = models.DateTimeField("created at", default=timezone.now, db_index=True)
    status = models.CharField(
        "status",
        max_length=20,
        choices=ProjectStatus.choices,
        default=ProjectStatus.ACTIVE,
        help_text="PEP 792 status shown to installers. Changed only through registry actions.",
    )
    status_reason = models.TextField(
        "status reason", blank=True, help_text="Shown to installers next to the status."
    )
    successor = models.ForeignKey(
        "self",
        verbose_name="successor",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="predecessors",
        help_text="For a deprecated project: the project users should move to.",
    )
    pending_removal_at = models.DateTimeField(
        "pending removal since",
        null=True,
        blank=True,
        help_text="Set while a staged removal is in its pending stage: the project is hidden "
        "from /simple/ and served only at the opt-in index /pending/simple/.",
    )
    deletion_locked = models.BooleanField(
        "deletions locked",
        default=False,
        help_text="One-way owner switch: owners can no longer delete releases or files. "
        "Only a registry admin can turn it off.",
    )
    deletion_locked_at = models.DateTimeField("deletions locked at", null=True, blank=True)
    deletion_locked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="deletions locked by",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    objects = ProjectQuerySet.as_manager()
    history = tracked_history()

    class Meta(Removable.Meta):
        verbose_name = "project"
        verbose_name_plural = "projects"
        ordering = ["normalized_name"]
        default_permissions = NO_DELETE_PERMISSIONS
        permissions = [
            (
                "act_as_registry_admin",
                "Can act on any project whatever the deletion policy says (with a reason)",
            ),
        ]
        constraints = [
            *Removable.Meta.constraints,
            models.CheckConstraint(
                condition=Q(status__in=ProjectStatus.values),
                name="registry_project_status_valid",
                violation_error_message="Unknown project status.",
            ),
            models.CheckConstraint(
                condition=~Q(normalized_name=""),
                name="registry_project_normalized_name_set",
            ),
            models.CheckConstraint(
                condition=Q(deletion_locked=False) | Q(deletion_locked_at__isnull=False),
                name="registry_project_lock_has_time",
                violation_error_message="A deletion lock records when it was turned on.",
            ),
        ]
        indexes = [
            models.Index(fields=["status", "normalized_name"], name="registry_project_status"),
            models.Index(
                fields=["removed_at"],
                name="registry_project_removed",
                condition=Q(removed_at__isnull=False),
            ),
        ]

    def __str__(self):
        return self.name

    def save(self, *args, **kwargs):
        self.normalized_name = normalize_project_name(self.name)
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and "name" in update_fields:
            kwargs["update_fields"] = {*update_fields, "normalized_name"}
        super().save(*args, **kwargs)

    def clean(self):
        if self.name:
            self.normalized_name = normalize_project_name(self.name)

    def validate_unique(self, exclude=None):
        # normalized_name is derived, not editable: report a clash against the name field.
        super().validate_unique(exclude={*(exclude or ()), "normalized_name"})
        if self.name and (exclude is None or "name" not in exclude):
            clash = Project.objects.by_name(self.name).exclude(pk=self.pk).first()
            if clash is not None:
                raise ValidationError(
                    {
                        "name": f"The name {self.name!r} is taken: it is the same name as "
                        f"the existing project {clash.name!r} once normalised "
                        f"({clash.normalized_name!r})."
                    }
                )


class RoleName(models.TextChoices):
    OWNER = "owner", "Owner"
    MAINTAINER = "maintainer", "Maintainer"


class RoleQuerySet(models.QuerySet):
    def active(self):
        return self.filter(ended_at__isnull=True)


class Role(models.Model):
    """A user's role on a project: owners do everything, maintainers upload and yank.

    Leaving a project ends the role (`ended_at`); the row stays, and adding the person again
    revives it.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="user",
        on_delete=models.CASCADE,
        related_name="project_roles",
    )
    project = models.ForeignKey(
        Project, verbose_name="project", on_delete=models.PROTECT, related_name="roles"
    )
    role = models.CharField("role", max_length=20, choices=RoleName.choices)
    created_at = models.DateTimeField("created at", default=timezone.now)
    ended_at = models.DateTimeField(
        "ended at", null=True, blank=True, help_text="Empty while the role is held."
    )

    objects = RoleQuerySet.as_manager()
    history = tracked_history()

    class Meta:
        verbose_name = "role"
        verbose_name_plural = "roles"
        ordering = ["project_id", "role", "user_id"]
        default_permissions = NO_DELETE_PERMISSIONS
        constraints = [
            models.UniqueConstraint(fields=["project", "user"], name="registry_role_unique"),
            models.CheckConstraint(
                condition=Q(role__in=RoleName.values), name="registry_role_valid"
            ),
        ]

    def __str__(self):
        held = "was" if self.ended_at else "is"
        return f"{self.user} {held} {self.get_role_display().lower()} of {self.project}"


class ReleaseQuerySet(RemovableQuerySet):
    def by_version(self, version):
        """Match a release by any spelling of its version (`1.0.0` finds `1.0`, `1.0-RC1`
        finds `1.0rc1`); a string that is not a PEP 440 version matches nothing."""
        try:
            canonical = canonical_version(parse_version(version))
        except ValidationError:
            return self.none()
        return self.filter(canonical_version=canonical)


class Release(Removable):
    project = models.ForeignKey(
        Project, verbose_name="project", on_delete=models.PROTECT, related_name="releases"
    )
    version = models.CharField(
        "version",
        max_length=VERSION_MAX_LENGTH,
        validators=[validate_version],
        help_text="The version as uploaded (PEP 440).",
    )
    canonical_version = models.CharField(
        "canonical version",
        max_length=VERSION_MAX_LENGTH,
        editable=False,
        help_text="Used for uniqueness: 1.0 and 1.0.0 are the same release.",
    )
    is_prerelease = models.BooleanField(
        "pre-release", default=False, editable=False, help_text="PEP 440 pre- or dev-release."
    )
    created_at = models.DateTimeField("created at", default=timezone.now)
    pending_removal_at = models.DateTimeField(
        "pending removal since",
        null=True,
        blank=True,
        help_text="Set while a staged removal of this release is pending: its files are served "
        "only at the opt-in index /pending/simple/.",
    )
    yanked = models.BooleanField("yanked", default=False)
    yanked_reason = models.TextField("yank reason", blank=True)
    yanked_at = models.DateTimeField("yanked at", null=True, blank=True)
    yanked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="yanked by",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    objects = ReleaseQuerySet.as_manager()
    history = tracked_history()

    class Meta(Removable.Meta):
        verbose_name = "release"
        verbose_name_plural = "releases"
        ordering = ["-created_at"]
        default_permissions = NO_DELETE_PERMISSIONS
        constraints = [
            *Removable.Meta.constraints,
            models.UniqueConstraint(
                fields=["project", "canonical_version"],
                name="registry_release_unique_version",
                violation_error_message="This project already has a release with this version.",
            ),
            models.CheckConstraint(
                condition=~Q(canonical_version=""), name="registry_release_version_set"
            ),
            models.CheckConstraint(
                condition=Q(yanked=False) | Q(yanked_at__isnull=False),
                name="registry_release_yank_has_time",
            ),
        ]
        indexes = [
            models.Index(fields=["project", "created_at"], name="registry_release_project"),
            models.Index(fields=["-created_at"], name="registry_release_created"),
        ]

    def __str__(self):
        return f"{self.project} {self.version}"

    def save(self, *args, **kwargs):
        self._derive()
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and "version" in update_fields:
            kwargs["update_fields"] = {*update_fields, "canonical_version", "is_prerelease"}
        super().save(*args, **kwargs)

    def clean(self):
        if self.version:
            try:
                self._derive()
            except ValidationError as error:
                raise ValidationError({"version": error.messages}) from None

    def _derive(self):
        parsed = parse_version(self.version)
        self.canonical_version = canonical_version(parsed)
        self.is_prerelease = parsed.is_prerelease

    def validate_unique(self, exclude=None):
        super().validate_unique(exclude=exclude)
        if self.project_id and self.canonical_version:
            clash = (
                Release.objects.filter(
                    project_id=self.project_id, canonical_version=self.canonical_version
                )
                .exclude(pk=self.pk)
                .first()
            )
            if clash is not None:
                state = " (removed)" if clash.is_removed else ""
                raise ValidationError(
                    {
                        "version": f"Version {self.version} is the same release as the "
                        f"existing version {clash.version}{state} of {self.project}; "
                        "a version can be published only once."
                    }
                )


class PackageType(models.TextChoices):
    SDIST = "sdist", "Source distribution"
    WHEEL = "bdist_wheel", "Wheel"


def file_blob_path(instance, filename):
    """Store blobs under their digest, as PyPI does, so paths never collide."""
    digest = instance.sha256
    return f"packages/{digest[:2]}/{digest[2:4]}/{digest[4:]}/{filename}"


class Index(models.TextChoices):
    """The two indexes installers can use: the normal one and the opt-in pending one."""

    MAIN = "main", "/simple/"
    PENDING = "pending", "/pending/simple/"


class FileQuerySet(RemovableQuerySet):
    def purged(self):
        return self.filter(purged_at__isnull=False)

    def installable(self, index=Index.MAIN):
        """Files an installer may see on `index`: the one definition of visibility.

        Removed files, releases and projects never show; a quarantined project shows no files;
        files of a release or project pending removal show only on the pending index.
        """
        visible = self.filter(
            removed_at__isnull=True,
            release__removed_at__isnull=True,
            release__project__removed_at__isnull=True,
        ).exclude(release__project__status=ProjectStatus.QUARANTINED)
        pending = Q(release__pending_removal_at__isnull=False) | Q(
            release__project__pending_removal_at__isnull=False
        )
        return visible.filter(pending) if index == Index.PENDING else visible.exclude(pending)


class File(Removable):
    release = models.ForeignKey(
        Release, verbose_name="release", on_delete=models.PROTECT, related_name="files"
    )
    filename = models.CharField(
        "filename",
        max_length=255,
        unique=True,
        help_text="Never reused, even after removal (see the filename registry).",
    )
    packagetype = models.CharField("package type", max_length=20, choices=PackageType.choices)
    python_version = models.CharField(
        "Python version tag",
        max_length=100,
        help_text="'source' for an sdist, the wheel's Python tag (e.g. py3) otherwise.",
    )
    requires_python = models.CharField("Requires-Python", max_length=255, blank=True)
    sha256 = models.CharField("SHA-256", max_length=64, db_index=True)
    size = models.BigIntegerField("size in bytes")
    uploaded_at = models.DateTimeField("uploaded at", default=timezone.now)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="uploaded by",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    blob = models.FileField("stored file", upload_to=file_blob_path, max_length=500, blank=True)
    core_metadata = models.TextField(
        "core metadata",
        blank=True,
        help_text="The METADATA / PKG-INFO file of the distribution, as uploaded.",
    )
    metadata_sha256 = models.CharField(
        "SHA-256 of the core metadata",
        max_length=64,
        blank=True,
        help_text="Of the UTF-8 bytes served at <file>.metadata (PEP 658); empty without one.",
    )
    purged_at = models.DateTimeField(
        "purged at",
        null=True,
        blank=True,
        help_text="When the bytes were destroyed. A purged file cannot be restored.",
    )
    purged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="purged by",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    purge_reason = models.TextField("purge reason", blank=True)

    objects = FileQuerySet.as_manager()
    history = tracked_history()

    class Meta(Removable.Meta):
        verbose_name = "file"
        verbose_name_plural = "files"
        ordering = ["-uploaded_at"]
        default_permissions = NO_DELETE_PERMISSIONS
        permissions = [("purge_file", "Can purge file bytes (legal or security reasons only)")]
        constraints = [
            *Removable.Meta.constraints,
            models.CheckConstraint(
                condition=Q(packagetype__in=PackageType.values),
                name="registry_file_packagetype_valid",
            ),
            models.CheckConstraint(condition=Q(size__gte=0), name="registry_file_size_positive"),
            models.CheckConstraint(
                condition=Exact(Length("sha256"), 64), name="registry_file_sha256_length"
            ),
            models.CheckConstraint(
                condition=Q(purged_at__isnull=True) | Q(removed_at__isnull=False),
                name="registry_file_purged_is_removed",
                violation_error_message="A purged file must stay removed.",
            ),
        ]
        indexes = [
            models.Index(fields=["release", "filename"], name="registry_file_release"),
            models.Index(fields=["-uploaded_at"], name="registry_file_uploaded"),
        ]

    def __str__(self):
        return self.filename

    def save(self, *args, **kwargs):
        self.metadata_sha256 = metadata_digest(self.core_metadata)
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and "core_metadata" in update_fields:
            kwargs["update_fields"] = {*update_fields, "metadata_sha256"}
        super().save(*args, **kwargs)

    @property
    def is_purged(self):
        return self.purged_at is not None


def metadata_digest(core_metadata):
    """Return the hex SHA-256 of the metadata file's bytes, or "" when there is none."""
    return hashlib.sha256(core_metadata.encode()).hexdigest() if core_metadata else ""


class FilenameRegistry(models.Model):
    """Every filename ever accepted. Rows are never removed, so a filename is never reused."""

    filename = models.CharField("filename", max_length=255, unique=True)
    project_name = models.CharField(
        "normalised project name", max_length=PROJECT_NAME_MAX_LENGTH, db_index=True
    )
    first_seen_at = models.DateTimeField("first accepted at", default=timezone.now)

    history = tracked_history()

    class Meta:
        verbose_name = "used filename"
        verbose_name_plural = "filename registry"
        ordering = ["filename"]
        default_permissions = NO_DELETE_PERMISSIONS

    def __str__(self):
        return self.filename


class Dependency(models.Model):
    """One `Requires-Dist` of a release, pointing at the required project by normalised name."""

    release = models.ForeignKey(
        Release, verbose_name="release", on_delete=models.PROTECT, related_name="dependencies"
    )
    name = models.CharField(
        "required project (normalised)", max_length=PROJECT_NAME_MAX_LENGTH, db_index=True
    )
    specifier = models.CharField("version specifier", max_length=1000, blank=True)
    marker = models.CharField("environment marker", max_length=1000, blank=True)
    extras = models.CharField("extras of the dependency", max_length=500, blank=True)

    history = tracked_history()

    class Meta:
        verbose_name = "dependency"
        verbose_name_plural = "dependencies"
        ordering = ["release_id", "name"]
        default_permissions = NO_DELETE_PERMISSIONS
        constraints = [
            models.CheckConstraint(condition=~Q(name=""), name="registry_dependency_name_set"),
        ]

    def __str__(self):
        return f"{self.release} requires {self.name}{self.specifier}"


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


class ReservationReason(models.TextChoices):
    REMOVED_PROJECT = "removed_project", "Name of a removed project"
    PROHIBITED = "prohibited", "Prohibited by the registry"
    LEGAL = "legal", "Legal (trademark, court order)"
    RESERVED = "reserved", "Reserved"


class NameReservationQuerySet(models.QuerySet):
    def in_force(self, now):
        return self.filter(Q(until__isnull=True) | Q(until__gt=now))

    def lapsed(self, now):
        """Reservations whose time is over but whose expiry is not yet recorded."""
        return self.filter(until__lte=now, expired_at__isnull=True)


class NameReservation(models.Model):
    """A normalised name that cannot be registered (except by the users it names)."""

    normalized_name = models.CharField(
        "normalised name", max_length=PROJECT_NAME_MAX_LENGTH, unique=True
    )
    reason = models.CharField("reason", max_length=20, choices=ReservationReason.choices)
    until = models.DateTimeField(
        "reserved until", null=True, blank=True, help_text="Empty: reserved for ever."
    )
    comment = models.TextField("comment", blank=True)
    created_at = models.DateTimeField("created at", default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="created by",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    allowed_users = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        verbose_name="may still register it",
        blank=True,
        related_name="name_reservations",
        help_text="Usually the previous owners of a removed project.",
    )
    project = models.ForeignKey(
        Project,
        verbose_name="removed project",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="name_reservations",
    )
    expired_at = models.DateTimeField(
        "expiry recorded at",
        null=True,
        blank=True,
        help_text="Set by the scheduler once `until` has passed (the name is free from then).",
    )

    objects = NameReservationQuerySet.as_manager()
    history = tracked_history(m2m_fields=[allowed_users])

    class Meta:
        verbose_name = "name reservation"
        verbose_name_plural = "name reservations"
        ordering = ["normalized_name"]
        default_permissions = NO_DELETE_PERMISSIONS
        constraints = [
            models.CheckConstraint(
                condition=Q(reason__in=ReservationReason.values),
                name="registry_reservation_reason_valid",
            ),
            models.CheckConstraint(
                condition=~Q(normalized_name=""), name="registry_reservation_name_set"
            ),
        ]

    def __str__(self):
        return self.normalized_name

    def save(self, *args, **kwargs):
        self.normalized_name = normalize_project_name(self.normalized_name)
        super().save(*args, **kwargs)

    def is_in_force(self, now):
        return self.until is None or self.until > now


class RemovalCategory(models.TextChoices):
    OWNER_REQUEST = "owner_request", "Owner's own removal (within policy)"
    POLICY_EXCEPTION = "policy_exception", "Approved deletion exception"
    LEGAL = "legal", "Legal (copyright, trademark, privacy, court order)"
    SECURITY = "security", "Security (malware, leaked secret, compromised account)"
    ABUSE = "abuse", "Abuse or spam"
    STAGED_REMOVAL = "staged_removal", "End of a staged removal"
    ADMIN = "admin", "Registry admin decision"


class RemovalScope(models.TextChoices):
    PROJECT = "project", "Whole project"
    RELEASE = "release", "Release"
    FILES = "files", "Files"


class RemovalEventQuerySet(models.QuerySet):
    def restorable(self):
        return self.filter(restored_at__isnull=True)


class RemovalEvent(models.Model):
    """One act of removal. Restoring undoes exactly one event, whatever it contained."""

    created_at = models.DateTimeField("removed at", default=timezone.now, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="removed by",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    actor_username = models.CharField("removed by (username)", max_length=150, blank=True)
    project = models.ForeignKey(
        Project, verbose_name="project", on_delete=models.PROTECT, related_name="removal_events"
    )
    scope = models.CharField("what was removed", max_length=20, choices=RemovalScope.choices)
    category = models.CharField("category", max_length=30, choices=RemovalCategory.choices)
    reason = models.TextField("reason")
    policy_rule = models.CharField(
        "policy rule",
        max_length=100,
        blank=True,
        help_text="The rule of the deletion policy that allowed it, if any.",
    )
    is_override = models.BooleanField(
        "admin override",
        default=False,
        help_text="A registry admin removed what the policy alone would not allow.",
    )
    summary = models.JSONField(
        "what it took away",
        default=dict,
        blank=True,
        help_text="Names of the project, releases and files, kept as evidence.",
    )
    restored_at = models.DateTimeField("restored at", null=True, blank=True)
    restored_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="restored by",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    restore_reason = models.TextField("restore reason", blank=True)

    objects = RemovalEventQuerySet.as_manager()
    history = tracked_history()

    class Meta:
        verbose_name = "removal event"
        verbose_name_plural = "removal events"
        ordering = ["-created_at"]
        default_permissions = NO_DELETE_PERMISSIONS
        permissions = [("restore_removalevent", "Can restore what a removal event took away")]
        constraints = [
            models.CheckConstraint(
                condition=Q(scope__in=RemovalScope.values), name="registry_removal_scope_valid"
            ),
            models.CheckConstraint(
                condition=Q(category__in=RemovalCategory.values),
                name="registry_removal_category_valid",
            ),
            models.CheckConstraint(
                condition=~Q(reason=""),
                name="registry_removal_reason_set",
                violation_error_message="A removal always records its reason.",
            ),
        ]
        indexes = [models.Index(fields=["project", "-created_at"], name="registry_removal_proj")]

    def __str__(self):
        what = self.get_scope_display().lower()
        return f"{what} of {self.project} removed {self.created_at:%Y-%m-%d %H:%M}"

    @property
    def is_restored(self):
        return self.restored_at is not None


class ApiTokenQuerySet(models.QuerySet):
    def usable(self):
        return self.filter(revoked_at__isnull=True, user__is_active=True)


class ApiToken(models.Model):
    """An upload token. Only a hash of the secret is stored; the secret is shown once."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="user",
        on_delete=models.CASCADE,
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
        indexes = [models.Index(fields=["user", "-created_at"], name="registry_token_user")]

    def __str__(self):
        scope = f"project {self.project}" if self.project_id else "all projects"
        return f"{self.prefix}… ({self.description}, {scope})"

    @property
    def is_revoked(self):
        return self.revoked_at is not None
