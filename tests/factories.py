"""factory_boy factories that produce valid registry rows (names, versions, filenames, digests)."""

import datetime
import hashlib

import factory
from django.contrib.auth import get_user_model

from registry import services
from registry.distributions import distribution_name
from registry.models import (
    Dependency,
    DownloadCount,
    File,
    NameReservation,
    PackageType,
    Project,
    Release,
    RemovalCategory,
    RemovalEvent,
    RemovalScope,
    ReservationReason,
    Role,
    RoleName,
)


class UserFactory(factory.django.DjangoModelFactory):
    username = factory.Sequence(lambda n: f"user-{n}")
    email = factory.LazyAttribute(lambda o: f"{o.username}@example.org")

    class Meta:
        model = get_user_model()
        django_get_or_create = ["username"]
        skip_postgeneration_save = True


class ProjectFactory(factory.django.DjangoModelFactory):
    name = factory.Sequence(lambda n: f"pkg-{n}")

    class Meta:
        model = Project
        skip_postgeneration_save = True


class RoleFactory(factory.django.DjangoModelFactory):
    user = factory.SubFactory(UserFactory)
    project = factory.SubFactory(ProjectFactory)
    role = RoleName.OWNER

    class Meta:
        model = Role
        skip_postgeneration_save = True


class ReleaseFactory(factory.django.DjangoModelFactory):
    project = factory.SubFactory(ProjectFactory)
    version = factory.Sequence(lambda n: f"1.{n}.0")

    class Meta:
        model = Release
        skip_postgeneration_save = True


def _wheel_filename(file, n):
    # The build tag (a number) keeps several wheels of one release apart.
    release = file.release
    return f"{distribution_name(release.project.name)}-{release.version}-{n}-py3-none-any.whl"


class FileFactory(factory.django.DjangoModelFactory):
    release = factory.SubFactory(ReleaseFactory)
    filename = factory.LazyAttributeSequence(_wheel_filename)
    packagetype = PackageType.WHEEL
    python_version = "py3"
    sha256 = factory.LazyAttribute(lambda o: hashlib.sha256(o.filename.encode()).hexdigest())
    size = 1234

    class Meta:
        model = File
        skip_postgeneration_save = True


class RemovalEventFactory(factory.django.DjangoModelFactory):
    project = factory.SubFactory(ProjectFactory)
    scope = RemovalScope.FILES
    category = RemovalCategory.ADMIN
    reason = "Removed in a test."

    class Meta:
        model = RemovalEvent
        skip_postgeneration_save = True


class NameReservationFactory(factory.django.DjangoModelFactory):
    normalized_name = factory.Sequence(lambda n: f"reserved-{n}")
    reason = ReservationReason.RESERVED

    class Meta:
        model = NameReservation
        skip_postgeneration_save = True


class DependencyFactory(factory.django.DjangoModelFactory):
    release = factory.SubFactory(ReleaseFactory)
    name = "tinypad"
    specifier = ">=1.0"

    class Meta:
        model = Dependency
        skip_postgeneration_save = True


class DownloadCountFactory(factory.django.DjangoModelFactory):
    file = factory.SubFactory(FileFactory)
    project = factory.LazyAttribute(lambda o: o.file.release.project)
    # Days long past, never today's last 7 or 30 days however many a test run makes (a plain
    # sequence reached this week after some thousand counts and made downloads look recent).
    day = factory.Sequence(lambda n: datetime.date(2020, 1, 1) + datetime.timedelta(days=n % 1500))
    count = 10

    class Meta:
        model = DownloadCount
        skip_postgeneration_save = True


def wheel_name(project, version, build):
    """Return a valid wheel filename of `project` `version`; the build tag keeps wheels apart."""
    return f"{distribution_name(project.name)}-{version}-{build}-py3-none-any.whl"


def publish(project, version, *, actor, now, files=1, reason="Upload"):
    """Create `version` of `project` through the services with `files` small stored wheels."""
    release = services.create_release(
        project=project, version=version, actor=actor, reason=reason, now=now
    )
    for build in range(1, files + 1):
        filename = wheel_name(project, version, build)
        services.add_file(
            release=release,
            filename=filename,
            content=f"bytes of {filename}".encode(),
            actor=actor,
            reason=reason,
            now=now,
        )
    return release


# Moderation requests (models named by label, so this module imports nothing from moderation).


def _now():
    return datetime.datetime.now(datetime.UTC)


class CaseFactory(factory.django.DjangoModelFactory):
    """Fields every moderation request has; due at the queue's default 72 h after receipt."""

    project = factory.SubFactory(ProjectFactory)
    created_at = factory.LazyFunction(_now)
    due_at = factory.LazyAttribute(lambda o: o.created_at + datetime.timedelta(hours=72))
    requester_name = "Rita Requester"
    requester_email = factory.Sequence(lambda n: f"requester-{n}@example.org")
    access_key_hash = factory.Sequence(
        lambda n: hashlib.sha256(f"moderation-key-{n}".encode()).hexdigest()
    )

    class Meta:
        abstract = True
        skip_postgeneration_save = True


class LegalTakedownFactory(CaseFactory):
    """A complete copyright notice (all six § 512(c)(3) elements present)."""

    takedown_kind = "copyright"
    signature = "Rita Requester"
    work_description = "The novel 'Holdfast', chapter 3."
    material_location = "Every file of the project."
    postal_address = "1 Example Street, Exampletown"
    phone = "+1 555 0100"
    good_faith = True
    accurate_under_perjury = True

    class Meta:
        model = "moderation.LegalTakedown"
        skip_postgeneration_save = True


class DeletionExceptionFactory(CaseFactory):
    category = "leaked_secret"
    details = "An API key leaked in the wheel."

    class Meta:
        model = "moderation.DeletionException"
        skip_postgeneration_save = True


class AbuseReportFactory(CaseFactory):
    category = "malware"
    details = "The setup.py downloads and runs a binary."

    class Meta:
        model = "moderation.AbuseReport"
        skip_postgeneration_save = True


class NameRequestFactory(CaseFactory):
    """A PEP 541 request for the project's name (an abandoned-project claim), just filed."""

    requester = factory.SubFactory(UserFactory)
    requester_email = factory.LazyAttribute(lambda o: o.requester.email)
    requested_name = factory.LazyAttribute(lambda o: o.project.name)
    ground = "abandoned"
    intent = "maintain"
    details = "I wrote to the owners twice; nobody answered."
    looked_for_another_name = True
    due_at = factory.LazyAttribute(lambda o: o.created_at + datetime.timedelta(hours=120))

    class Meta:
        model = "moderation.NameRequest"
        skip_postgeneration_save = True


class NameRequestContactFactory(factory.django.DjangoModelFactory):
    """An owner written to about a name request (their key's hash; the key is not kept)."""

    request = factory.SubFactory(NameRequestFactory)
    owner = factory.SubFactory(UserFactory)
    email = factory.LazyAttribute(lambda o: o.owner.email)
    key_hash = factory.Sequence(lambda n: hashlib.sha256(f"owner-key-{n}".encode()).hexdigest())
    contacted_at = factory.LazyFunction(_now)

    class Meta:
        model = "moderation.NameRequestContact"
        skip_postgeneration_save = True
