"""Registry models: the database refuses bad rows, validation is readable, services enforce rules.

Rows that break a database constraint are written with plain `save()` / `create()` / `update()`
(no model validation), each inside its own `transaction.atomic()` so the test can go on.
"""

import hashlib
from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage
from django.db import DatabaseError, IntegrityError, transaction
from django.utils import timezone

from registry import services
from registry.models import (
    File,
    FilenameRegistry,
    NameReservation,
    Project,
    Release,
    RemovalEvent,
)
from registry.services import RegistryError
from tests.factories import (
    DependencyFactory,
    DownloadCountFactory,
    FileFactory,
    NameReservationFactory,
    ProjectFactory,
    ReleaseFactory,
    RemovalEventFactory,
    RoleFactory,
)

pytestmark = pytest.mark.django_db

NOW = timezone.now().replace(microsecond=0)
REASON = "Test upload"


def remove(obj, *, now=NOW):
    """Mark `obj` removed the way the product records it: a RemovalEvent plus removed_at."""
    if isinstance(obj, Project):
        project = obj
    elif isinstance(obj, Release):
        project = obj.project
    else:
        project = obj.release.project
    event = RemovalEventFactory(project=project, created_at=now)
    obj.removed_at = now
    obj.removal_event = event
    obj.save(update_fields=["removed_at", "removal_event"])
    return event


def wheel(name, version):
    return f"{name}-{version}-py3-none-any.whl"


# Database constraints ---------------------------------------------------------------------------


def test_duplicate_normalised_name_is_refused_by_the_database():
    ProjectFactory(name="foo-bar")

    with pytest.raises(IntegrityError), transaction.atomic():
        ProjectFactory(name="Foo_Bar")

    assert Project.objects.count() == 1


def test_empty_normalised_name_is_refused_by_the_database():
    project = ProjectFactory()

    with pytest.raises(IntegrityError), transaction.atomic():
        Project.objects.filter(pk=project.pk).update(normalized_name="")


def test_duplicate_canonical_version_in_one_project_is_refused_by_the_database():
    project = ProjectFactory()
    ReleaseFactory(project=project, version="1.0")

    with pytest.raises(IntegrityError), transaction.atomic():
        ReleaseFactory(project=project, version="1.0.0")

    assert project.releases.count() == 1


def test_same_version_in_another_project_is_allowed():
    ReleaseFactory(project=ProjectFactory(), version="1.0")

    other = ReleaseFactory(project=ProjectFactory(), version="1.0.0")

    assert Release.objects.filter(canonical_version="1").count() == 2
    assert other.pk is not None


def test_empty_canonical_version_is_refused_by_the_database():
    release = ReleaseFactory()

    with pytest.raises(IntegrityError), transaction.atomic():
        Release.objects.filter(pk=release.pk).update(canonical_version="")


def test_file_filename_is_unique_in_the_database_even_after_removal():
    file = FileFactory()
    remove(file)

    with pytest.raises(IntegrityError), transaction.atomic():
        FileFactory(release=file.release, filename=file.filename)


def test_filename_registry_is_unique_in_the_database():
    FilenameRegistry.objects.create(filename="pkg-1.0.tar.gz", project_name="pkg")

    with pytest.raises(IntegrityError), transaction.atomic():
        FilenameRegistry.objects.create(filename="pkg-1.0.tar.gz", project_name="pkg")


def test_add_file_refuses_the_filename_of_a_removed_file(owner):
    project = services.create_project(name="reuse-me", owner=owner, actor=owner, reason=REASON)
    release = services.create_release(project=project, version="1.0", actor=owner, reason=REASON)
    file = services.add_file(
        release=release,
        filename=wheel("reuse_me", "1.0"),
        content=b"first bytes",
        actor=owner,
        reason=REASON,
        now=NOW,
    )
    remove(file)

    with pytest.raises(RegistryError) as excinfo:
        services.add_file(
            release=release,
            filename=wheel("reuse_me", "1.0"),
            content=b"other bytes",
            actor=owner,
            reason=REASON,
            now=NOW,
        )

    assert excinfo.value.code == "filename_reused"
    assert "'reuse_me-1.0-py3-none-any.whl'" in excinfo.value.message
    assert "can never be reused" in excinfo.value.message
    assert File.objects.filter(filename=wheel("reuse_me", "1.0")).count() == 1


@pytest.mark.parametrize("status", ["bogus", "", "ACTIVE"])
def test_unknown_project_status_is_refused_by_the_database(status):
    with pytest.raises(IntegrityError), transaction.atomic():
        ProjectFactory(status=status)


def test_unknown_role_is_refused_by_the_database():
    with pytest.raises(IntegrityError), transaction.atomic():
        RoleFactory(role="admin")


def test_second_role_of_a_user_on_one_project_is_refused_by_the_database():
    role = RoleFactory()

    with pytest.raises(IntegrityError), transaction.atomic():
        RoleFactory(user=role.user, project=role.project, role="maintainer")


def test_unknown_packagetype_is_refused_by_the_database():
    release = ReleaseFactory()

    with pytest.raises(IntegrityError), transaction.atomic():
        FileFactory(release=release, packagetype="bdist_egg")


def test_unknown_reservation_reason_is_refused_by_the_database():
    with pytest.raises(IntegrityError), transaction.atomic():
        NameReservationFactory(reason="because")


def test_empty_reserved_name_is_refused_by_the_database():
    with pytest.raises(IntegrityError), transaction.atomic():
        NameReservationFactory(normalized_name="")


def test_unknown_removal_scope_is_refused_by_the_database():
    project = ProjectFactory()

    with pytest.raises(IntegrityError), transaction.atomic():
        RemovalEventFactory(project=project, scope="everything")


def test_unknown_removal_category_is_refused_by_the_database():
    project = ProjectFactory()

    with pytest.raises(IntegrityError), transaction.atomic():
        RemovalEventFactory(project=project, category="whim")


def test_removal_event_without_reason_is_refused_by_the_database():
    project = ProjectFactory()

    with pytest.raises(IntegrityError), transaction.atomic():
        RemovalEventFactory(project=project, reason="")


def test_removed_project_without_removal_event_is_refused_by_the_database():
    with pytest.raises(IntegrityError), transaction.atomic():
        ProjectFactory(removed_at=NOW)


def test_removed_release_without_removal_event_is_refused_by_the_database():
    project = ProjectFactory()

    with pytest.raises(IntegrityError), transaction.atomic():
        ReleaseFactory(project=project, removed_at=NOW)


def test_removed_file_without_removal_event_is_refused_by_the_database():
    release = ReleaseFactory()

    with pytest.raises(IntegrityError), transaction.atomic():
        FileFactory(release=release, removed_at=NOW)


def test_removal_event_without_removed_at_is_refused_by_the_database():
    project = ProjectFactory()
    event = RemovalEventFactory(project=project)

    with pytest.raises(IntegrityError), transaction.atomic():
        ReleaseFactory(project=project, removal_event=event)


def test_removed_file_with_its_event_is_accepted():
    file = FileFactory()

    event = remove(file)

    file.refresh_from_db()
    assert file.is_removed
    assert file.removal_event == event
    assert list(File.objects.removed()) == [file]
    assert list(File.objects.live()) == []


def test_negative_file_size_is_refused_by_the_database():
    release = ReleaseFactory()

    with pytest.raises(IntegrityError), transaction.atomic():
        FileFactory(release=release, size=-1)


@pytest.mark.parametrize("sha256", ["", "abc", "a" * 63])
def test_sha256_shorter_than_64_characters_is_refused_by_the_database(sha256):
    release = ReleaseFactory()

    with pytest.raises(IntegrityError), transaction.atomic():
        FileFactory(release=release, sha256=sha256)


def test_sha256_longer_than_64_characters_is_refused_by_the_database():
    release = ReleaseFactory()

    # PostgreSQL refuses it as too long for varchar(64) (DataError); SQLite, which ignores
    # lengths, through the check constraint (IntegrityError).
    with pytest.raises(DatabaseError), transaction.atomic():
        FileFactory(release=release, sha256="a" * 65)

    assert not File.objects.exists()


def test_purged_file_that_is_not_removed_is_refused_by_the_database():
    release = ReleaseFactory()

    with pytest.raises(IntegrityError), transaction.atomic():
        FileFactory(release=release, purged_at=NOW)


def test_purged_removed_file_is_accepted():
    file = FileFactory()
    remove(file)

    file.purged_at = NOW
    file.save(update_fields=["purged_at"])

    assert list(File.objects.purged()) == [file]


def test_yanked_release_without_yanked_at_is_refused_by_the_database():
    project = ProjectFactory()

    with pytest.raises(IntegrityError), transaction.atomic():
        ReleaseFactory(project=project, yanked=True, yanked_at=None)


def test_deletion_lock_without_time_is_refused_by_the_database():
    with pytest.raises(IntegrityError), transaction.atomic():
        ProjectFactory(deletion_locked=True, deletion_locked_at=None)


def test_deletion_lock_with_time_is_accepted():
    project = ProjectFactory(deletion_locked=True, deletion_locked_at=NOW)

    assert Project.objects.get(pk=project.pk).deletion_locked


def test_empty_dependency_name_is_refused_by_the_database():
    release = ReleaseFactory()

    with pytest.raises(IntegrityError), transaction.atomic():
        DependencyFactory(release=release, name="")


def test_second_download_count_for_one_file_and_day_is_refused_by_the_database():
    count = DownloadCountFactory()

    with pytest.raises(IntegrityError), transaction.atomic():
        DownloadCountFactory(file=count.file, day=count.day)


# Readable validation ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("-bad-", "'-bad-' is not a valid project name"),
        ("has space", "'has space' is not a valid project name"),
        ("ünïcode", "'ünïcode' is not a valid project name"),
        ("a" * 201, "can be at most 200 characters long; this one has 201"),
    ],
)
def test_invalid_project_name_gives_a_readable_validation_error(name, message):
    with pytest.raises(ValidationError) as excinfo:
        Project(name=name).full_clean()

    errors = excinfo.value.message_dict["name"]
    assert any(message in error for error in errors), errors


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("-bad-", "'-bad-' is not a valid project name"),
        ("has space", "'has space' is not a valid project name"),
        ("ünïcode", "'ünïcode' is not a valid project name"),
        ("a" * 201, "can be at most 200 characters long; this one has 201"),
    ],
)
def test_create_project_refuses_an_invalid_name_with_the_readable_message(owner, name, message):
    with pytest.raises(RegistryError) as excinfo:
        services.create_project(name=name, owner=owner, actor=owner, reason=REASON)

    assert excinfo.value.code == "invalid_name"
    assert message in excinfo.value.message
    assert not Project.objects.exists()


@pytest.mark.parametrize(
    ("version", "message"),
    [
        ("1.0-foo!", "'1.0-foo!' is not a valid version under PEP 440"),
        ("banana", "'banana' is not a valid version under PEP 440"),
        ("1.0+local", "'1.0+local' has a local version label"),
    ],
)
def test_invalid_version_gives_a_readable_validation_error(version, message):
    project = ProjectFactory()

    with pytest.raises(ValidationError) as excinfo:
        Release(project=project, version=version).full_clean()

    errors = excinfo.value.message_dict["version"]
    assert any(message in error for error in errors), errors


@pytest.mark.parametrize(
    ("version", "message"),
    [
        ("1.0-foo!", "'1.0-foo!' is not a valid version under PEP 440"),
        ("banana", "'banana' is not a valid version under PEP 440"),
        ("1.0+local", "'1.0+local' has a local version label"),
    ],
)
def test_create_release_refuses_an_invalid_version_with_the_readable_message(
    owner, version, message
):
    project = ProjectFactory()

    with pytest.raises(RegistryError) as excinfo:
        services.create_release(project=project, version=version, actor=owner, reason=REASON)

    assert excinfo.value.code == "invalid_version"
    assert message in excinfo.value.message
    assert not Release.objects.exists()


def test_full_clean_reports_a_normalised_name_clash_on_the_name_field():
    ProjectFactory(name="foo-bar")

    with pytest.raises(ValidationError) as excinfo:
        Project(name="Foo_Bar").full_clean()

    errors = excinfo.value.message_dict
    assert "name" in errors, errors
    assert "'Foo_Bar' is taken" in errors["name"][0]
    assert "'foo-bar'" in errors["name"][0]


def test_full_clean_reports_a_canonical_version_clash_on_the_version_field():
    project = ProjectFactory(name="clashy")
    ReleaseFactory(project=project, version="1.0")

    with pytest.raises(ValidationError) as excinfo:
        Release(project=project, version="1.0.0").full_clean()

    errors = excinfo.value.message_dict["version"]
    assert any("same release as the existing version 1.0 of clashy" in e for e in errors), errors


def test_valid_project_passes_full_clean():
    ProjectFactory(name="foo-bar")

    Project(name="foo-bar-two").full_clean()


# Derived fields ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "normalized"),
    [("Foo_Bar", "foo-bar"), ("Foo_Bar.baz", "foo-bar-baz"), ("A--B__c", "a-b-c"), ("x", "x")],
)
def test_normalized_name_is_derived_on_save(name, normalized):
    project = ProjectFactory(name=name)

    assert Project.objects.get(pk=project.pk).normalized_name == normalized


def test_renaming_with_update_fields_also_saves_the_normalised_name():
    project = ProjectFactory(name="old-name")

    project.name = "New_Name"
    project.save(update_fields=["name"])

    assert Project.objects.get(pk=project.pk).normalized_name == "new-name"


def test_by_name_finds_a_project_by_any_spelling():
    project = ProjectFactory(name="foo-bar")

    assert list(Project.objects.by_name("FOO.bar")) == [project]


@pytest.mark.parametrize(
    ("version", "canonical", "prerelease"),
    [
        ("1.0", "1", False),
        ("1.0.0", "1", False),
        ("01.02.0", "1.2", False),
        ("1.0RC1", "1rc1", True),
        ("1.0.dev1", "1.dev1", True),
        ("0a1", "0a1", True),
        ("2024.1.post1", "2024.1.post1", False),
    ],
)
def test_canonical_version_and_prerelease_are_derived_on_save(version, canonical, prerelease):
    release = ReleaseFactory(version=version)

    stored = Release.objects.get(pk=release.pk)
    assert stored.canonical_version == canonical
    assert stored.is_prerelease is prerelease


# Services ---------------------------------------------------------------------------------------


def test_create_project_makes_the_owner_owner_and_reserves_nothing(owner):
    project = services.create_project(name="Fresh_Pkg", owner=owner, actor=owner, reason=REASON)

    assert project.normalized_name == "fresh-pkg"
    assert [(r.user, r.role) for r in project.roles.all()] == [(owner, "owner")]
    assert not NameReservation.objects.exists()


def test_create_project_refuses_a_taken_name_in_any_spelling(owner):
    ProjectFactory(name="foo-bar")

    with pytest.raises(RegistryError) as excinfo:
        services.create_project(name="Foo_Bar", owner=owner, actor=owner, reason=REASON)

    assert excinfo.value.code == "name_taken"
    assert "'foo-bar'" in excinfo.value.message


def test_create_project_requires_a_reason(owner):
    with pytest.raises(RegistryError) as excinfo:
        services.create_project(name="no-reason", owner=owner, actor=owner, reason="  ")

    assert excinfo.value.code == "no_reason"
    assert not Project.objects.exists()


def test_create_project_refuses_a_name_with_a_reservation_in_force(owner):
    NameReservationFactory(normalized_name="reserved-name", until=None)

    with pytest.raises(RegistryError) as excinfo:
        services.create_project(
            name="Reserved_Name", owner=owner, actor=owner, reason=REASON, now=NOW
        )

    assert excinfo.value.code == "name_reserved"
    assert "'Reserved_Name' is reserved permanently" in excinfo.value.message
    assert not Project.objects.exists()


def test_create_project_refuses_a_name_reserved_until_a_later_time(owner):
    NameReservationFactory(normalized_name="reserved-name", until=NOW + timedelta(days=1))

    with pytest.raises(RegistryError) as excinfo:
        services.create_project(
            name="reserved-name", owner=owner, actor=owner, reason=REASON, now=NOW
        )

    assert excinfo.value.code == "name_reserved"


def test_create_project_allows_the_users_a_reservation_names(owner, other_user):
    reservation = NameReservationFactory(normalized_name="reserved-name", until=None)
    reservation.allowed_users.add(owner)

    with pytest.raises(RegistryError):
        services.create_project(
            name="reserved-name", owner=other_user, actor=other_user, reason=REASON, now=NOW
        )
    project = services.create_project(
        name="reserved-name", owner=owner, actor=owner, reason=REASON, now=NOW
    )

    assert project.roles.get().user == owner


def test_create_project_allows_a_name_whose_reservation_has_ended(owner):
    NameReservationFactory(normalized_name="reserved-name", until=NOW - timedelta(seconds=1))

    project = services.create_project(
        name="reserved-name", owner=owner, actor=owner, reason=REASON, now=NOW
    )

    assert project.normalized_name == "reserved-name"


def test_create_release_refuses_the_version_of_a_removed_release(owner):
    project = ProjectFactory(name="gone-release")
    release = ReleaseFactory(project=project, version="1.0")
    remove(release)

    with pytest.raises(RegistryError) as excinfo:
        services.create_release(project=project, version="1.0.0", actor=owner, reason=REASON)

    assert excinfo.value.code == "version_exists"
    assert "existing release 1.0 (removed)" in excinfo.value.message
    assert project.releases.count() == 1


def test_create_release_refuses_an_existing_version(owner):
    project = ProjectFactory()
    ReleaseFactory(project=project, version="2.0")

    with pytest.raises(RegistryError) as excinfo:
        services.create_release(project=project, version="2.0.0", actor=owner, reason=REASON)

    assert excinfo.value.code == "version_exists"
    assert "(removed)" not in excinfo.value.message


def test_add_file_refuses_a_filename_naming_another_project(owner):
    release = ReleaseFactory(project=ProjectFactory(name="right-pkg"), version="1.0")

    with pytest.raises(RegistryError) as excinfo:
        services.add_file(
            release=release,
            filename=wheel("wrong_pkg", "1.0"),
            content=b"bytes",
            actor=owner,
            reason=REASON,
        )

    assert excinfo.value.code == "filename_mismatch"
    assert "names the project 'wrong-pkg'" in excinfo.value.message
    assert not File.objects.exists()
    assert not FilenameRegistry.objects.exists()


def test_add_file_refuses_a_filename_naming_another_version(owner):
    release = ReleaseFactory(project=ProjectFactory(name="right-pkg"), version="1.0")

    with pytest.raises(RegistryError) as excinfo:
        services.add_file(
            release=release,
            filename="right_pkg-2.0.tar.gz",
            content=b"bytes",
            actor=owner,
            reason=REASON,
        )

    assert excinfo.value.code == "filename_mismatch"
    assert "names version 2.0" in excinfo.value.message
    assert not File.objects.exists()


def test_add_file_accepts_an_equivalent_spelling_of_the_version(owner):
    # add_file checks the upload rules: the uploader needs a role on the project.
    project = RoleFactory(user=owner, project=ProjectFactory(name="right-pkg")).project
    release = ReleaseFactory(project=project, version="1.0")

    file = services.add_file(
        release=release,
        filename="right_pkg-1.0.0.tar.gz",
        content=b"bytes",
        actor=owner,
        reason=REASON,
    )

    assert file.packagetype == "sdist"
    assert file.python_version == "source"


def test_add_file_refuses_an_invalid_filename(owner):
    release = ReleaseFactory(project=ProjectFactory(name="right-pkg"), version="1.0")

    with pytest.raises(RegistryError) as excinfo:
        services.add_file(
            release=release,
            filename="right_pkg-1.0-py3.whl",
            content=b"bytes",
            actor=owner,
            reason=REASON,
        )

    assert excinfo.value.code == "invalid_filename"


def test_add_file_saves_the_blob_in_storage_with_digest_and_size(owner, media_root):
    project = RoleFactory(user=owner, project=ProjectFactory(name="stored-pkg")).project
    release = ReleaseFactory(project=project, version="1.0")
    content = b"the bytes of a wheel"

    file = services.add_file(
        release=release,
        filename=wheel("stored_pkg", "1.0"),
        content=content,
        actor=owner,
        reason=REASON,
        now=NOW,
    )

    digest = hashlib.sha256(content).hexdigest()
    stored = File.objects.get(pk=file.pk)
    assert stored.sha256 == digest
    assert stored.size == len(content)
    assert stored.uploaded_at == NOW
    assert stored.blob.name == f"packages/{digest[:2]}/{digest[2:4]}/{digest[4:]}/{file.filename}"
    assert default_storage.exists(stored.blob.name)
    with default_storage.open(stored.blob.name) as blob:
        assert blob.read() == content
    assert (media_root / stored.blob.name).is_file()
    registered = FilenameRegistry.objects.get(filename=file.filename)
    assert registered.project_name == "stored-pkg"
    assert registered.first_seen_at == NOW


def test_removal_event_records_its_project():
    project = ProjectFactory()

    event = RemovalEventFactory(project=project)

    assert RemovalEvent.objects.restorable().get() == event
    assert list(project.removal_events.all()) == [event]
