"""The upload rules, asked of the registry service directly (no HTTP): one test per rule.

`services.publish_file` is what the twine endpoint calls; `services.add_file` is the same rules
for a caller that already holds the release. Each test shows the refusal and that nothing was
written, so it fails if the rule is taken out.
"""

from datetime import UTC, datetime, timedelta

import pytest

from registry import services
from registry.models import (
    File,
    FilenameRegistry,
    NameReservation,
    Project,
    Release,
    RemovalCategory,
    ReservationReason,
    RoleName,
)
from registry.services import RegistryError
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)
DAY = timedelta(days=1)


def wheel(name, version, build=1):
    return f"{name.replace('-', '_')}-{version}-{build}-py3-none-any.whl"


def publish(uploader, name="tool", version="1.0", *, build=1, now=NOW, **extra):
    return services.publish_file(
        name=name,
        version=version,
        filename=wheel(name, version, build),
        content=f"bytes of {name} {version} {build}".encode(),
        uploader=uploader,
        now=now,
        **extra,
    )


def refused(code, uploader, *args, **kwargs):
    """Publish and expect the refusal `code`; return its message after checking no file landed."""
    files, filenames = File.objects.count(), FilenameRegistry.objects.count()
    with pytest.raises(RegistryError) as error:
        publish(uploader, *args, **kwargs)
    assert error.value.code == code, error.value.message
    assert (File.objects.count(), FilenameRegistry.objects.count()) == (files, filenames)
    return error.value.message


@pytest.fixture
def project(owner):
    """`tool`, owned by `owner`, with release 1.0 and its first wheel, published at NOW."""
    publish(owner)
    return Project.objects.get(normalized_name="tool")


def test_publish_file_creates_project_release_file_and_dependencies(owner):
    file = publish(owner, requires_dist=["requests>=2"], requires_python=">=3.9")

    project = Project.objects.get(normalized_name="tool")
    assert project.roles.get().user == owner
    assert file.release.version == "1.0"
    assert file.requires_python == ">=3.9"
    assert list(file.release.dependencies.values_list("name", "specifier")) == [("requests", ">=2")]
    assert FilenameRegistry.objects.filter(filename=file.filename).exists()
    assert file.history.get().history_change_reason == "Uploaded"


def test_a_second_file_of_a_young_release_is_accepted(owner, project):
    publish(owner, build=2, now=NOW + 13 * DAY)

    assert Release.objects.get(project=project).files.count() == 2


def test_a_quarantined_project_refuses_uploads(owner, project, registry_admin):
    services.quarantine_project(project=project, actor=registry_admin, reason="Malware")

    message = refused("quarantined", owner, version="2.0")

    assert "quarantined" in message
    assert not Release.objects.filter(version="2.0").exists()


def test_someone_without_a_role_may_not_upload(project):
    message = refused("not_allowed", UserFactory(), version="2.0")

    assert message.startswith("You cannot upload to tool")


def test_an_archived_project_refuses_uploads(owner, project):
    services.archive_project(project=project, actor=owner, reason="Done")

    assert "tool is archived" in refused("archived", owner, version="2.0")


def test_a_project_pending_removal_refuses_uploads(owner, project, registry_admin):
    services.mark_pending_removal(project=project, actor=registry_admin, reason="Staged")

    assert "tool is pending removal" in refused("pending_removal", owner, version="2.0")


def test_a_release_pending_removal_takes_no_new_file(owner, project, registry_admin):
    release = project.releases.get()
    services.mark_pending_removal(
        project=project, release=release, actor=registry_admin, reason="Staged"
    )

    message = refused("pending_removal", owner, build=2)

    assert "tool 1.0 is pending removal" in message


def test_a_removed_release_cannot_be_published_again(owner, project):
    services.remove_release(release=project.releases.get(), actor=owner, reason="Broken", now=NOW)

    message = refused("version_removed", owner, version="1.0.0", build=2)

    assert "tool 1.0 was removed" in message


def test_a_removed_project_name_stays_reserved_for_strangers(owner, project):
    services.remove_project(project=project, actor=owner, reason="Mistake", now=NOW)

    # proposal-2022 keeps the name from others for 24 hours.
    refused("name_reserved", UserFactory(), version="2.0", now=NOW + DAY / 2)


def test_a_removed_project_taken_back_does_not_take_its_removed_version(owner, project):
    services.remove_project(project=project, actor=owner, reason="Mistake", now=NOW)

    # The previous owner may register the name again at once, but 1.0 stays removed.
    message = refused("version_removed", owner, build=2, now=NOW + DAY)

    assert "was removed" in message


def test_a_settled_release_takes_no_new_file(owner, project, settings):
    settings.HOLDFAST_RELEASE_UPLOAD_WINDOW_DAYS = 14

    message = refused("release_settled", owner, build=2, now=NOW + 14 * DAY + timedelta(minutes=1))

    assert "accepts new files only for 14 days" in message


def test_a_reserved_name_is_refused(owner):
    NameReservation.objects.create(normalized_name="tool", reason=ReservationReason.PROHIBITED)

    refused("name_reserved", owner)

    assert not Project.objects.exists()


def test_a_filename_is_never_accepted_twice(owner, project):
    message = refused("filename_reused", owner)

    assert "can never be reused" in message


def test_the_filename_of_a_removed_file_is_never_accepted_again(owner, project):
    file = File.objects.get()
    services.remove_files(files=[file], actor=owner, reason="Mistake", now=NOW)

    refused("filename_reused", owner, now=NOW + DAY)


def test_a_file_over_the_size_limit_is_refused(owner, settings):
    settings.HOLDFAST_MAX_FILE_SIZE = 10

    message = refused("too_large", owner)

    assert "accepts files up to 10 bytes" in message
    assert not Project.objects.exists()


def test_a_token_limited_to_another_project_is_refused(owner, project):
    other = services.create_project(name="other", owner=owner, actor=owner, reason="New")

    message = refused("token_scope", owner, version="2.0", token_project=other)

    assert "limited to the project other, not tool" in message


def test_a_token_limited_to_a_project_cannot_create_one(owner, project):
    message = refused("token_scope", owner, name="brand-new", token_project=project)

    assert "creating brand-new needs a token for your whole account" in message
    assert not Project.objects.filter(normalized_name="brand-new").exists()


def test_a_token_limited_to_the_project_may_upload_to_it(owner, project):
    publish(owner, version="2.0", token_project=project)

    assert project.releases.filter(version="2.0").exists()


def test_a_maintainer_may_upload(owner, project):
    maintainer = UserFactory()
    services.add_role(
        project=project, user=maintainer, role=RoleName.MAINTAINER, actor=owner, reason="Help"
    )

    publish(maintainer, version="2.0")

    assert project.releases.filter(version="2.0").exists()


# add_file: the same rules for a caller that holds the release ---------------------------------


def add(release, uploader, *, build=2, now=NOW, **extra):
    return services.add_file(
        release=release,
        filename=wheel("tool", release.version, build),
        content=b"more bytes",
        actor=uploader,
        reason="Upload",
        now=now,
        **extra,
    )


def archive(project, owner, admin):
    services.archive_project(project=project, actor=owner, reason="Done")


def quarantine(project, owner, admin):
    services.quarantine_project(project=project, actor=admin, reason="Malware")


def stage(project, owner, admin):
    services.mark_pending_removal(project=project, actor=admin, reason="Staged")


@pytest.mark.parametrize(
    ("setup", "code"),
    [(archive, "archived"), (quarantine, "quarantined"), (stage, "pending_removal")],
)
def test_add_file_checks_the_project_rules(owner, project, registry_admin, setup, code):
    setup(project, owner, registry_admin)

    with pytest.raises(RegistryError) as error:
        add(project.releases.get(), owner)

    assert error.value.code == code
    assert File.objects.count() == 1


def test_add_file_checks_the_upload_window(owner, project):
    with pytest.raises(RegistryError) as error:
        add(project.releases.get(), owner, now=NOW + 15 * DAY)

    assert error.value.code == "release_settled"


def test_add_file_checks_the_token_scope(owner, project):
    other = services.create_project(name="other", owner=owner, actor=owner, reason="New")

    with pytest.raises(RegistryError) as error:
        add(project.releases.get(), owner, token_project=other)

    assert error.value.code == "token_scope"


def test_add_file_checks_the_role(project):
    with pytest.raises(RegistryError) as error:
        add(project.releases.get(), UserFactory())

    assert error.value.code == "not_allowed"


def test_add_file_refuses_a_removed_release(owner, project, registry_admin):
    release = project.releases.get()
    services.remove_release(
        release=release,
        actor=registry_admin,
        reason="Leak",
        category=RemovalCategory.SECURITY,
        now=NOW,
    )

    with pytest.raises(RegistryError) as error:
        add(release, owner)

    assert error.value.code == "release_removed"


def test_add_file_checks_the_size_limit(owner, project, settings):
    settings.HOLDFAST_MAX_FILE_SIZE = 5

    with pytest.raises(RegistryError) as error:
        add(project.releases.get(), owner)

    assert error.value.code == "too_large"
