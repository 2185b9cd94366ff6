"""Releases, their distribution files, the filenames ever used, and dependencies."""

import hashlib

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.db.models.functions import Length
from django.db.models.lookups import Exact
from django.utils import timezone

from ..history import tracked_history
from ..validators import (
    PROJECT_NAME_MAX_LENGTH,
    VERSION_MAX_LENGTH,
    canonical_version,
    parse_version,
    validate_version,
)
from .base import NO_DELETE_PERMISSIONS, Removable, RemovableQuerySet
from .projects import Project, ProjectStatus


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
        on_delete=models.PROTECT,
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
            # The admin's filters, in the list's order.
            models.Index(
                fields=["-created_at", "-id"],
                name="registry_release_removed",
                condition=Q(removed_at__isnull=False),
            ),
            models.Index(
                fields=["-created_at", "-id"],
                name="registry_release_yanked",
                condition=Q(yanked=True),
            ),
            models.Index(
                fields=["-created_at", "-id"],
                name="registry_release_pre",
                condition=Q(is_prerelease=True),
            ),
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
        on_delete=models.PROTECT,
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
        on_delete=models.PROTECT,
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
            # The admin's filters, in the list's order. Substring search of filenames uses a
            # trigram index that only PostgreSQL has (migration 0012).
            models.Index(fields=["packagetype", "-uploaded_at", "-id"], name="registry_file_type"),
            models.Index(
                fields=["-uploaded_at", "-id"],
                name="registry_file_removed",
                condition=Q(removed_at__isnull=False),
            ),
            models.Index(
                fields=["-uploaded_at", "-id"],
                name="registry_file_purged",
                condition=Q(purged_at__isnull=False),
            ),
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
        indexes = [
            models.Index(fields=["release", "name", "id"], name="registry_dependency_order"),
        ]

    def __str__(self):
        return f"{self.release} requires {self.name}{self.specifier}"
