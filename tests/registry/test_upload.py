"""The twine upload endpoint: what it accepts, and a clear 4xx for everything it refuses."""

import base64
import hashlib
import io
import zipfile
from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from registry import services, tokens
from registry.distributions import build_sdist, build_wheel
from registry.models import (
    Dependency,
    File,
    NameReservation,
    Project,
    Release,
    ReservationReason,
    RoleName,
)
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def auth(secret):
    return {
        "HTTP_AUTHORIZATION": "Basic " + base64.b64encode(f"__token__:{secret}".encode()).decode()
    }


def form_for(built, **overrides):
    name, _, rest = built.filename.partition("-")
    data = {
        ":action": "file_upload",
        "protocol_version": "1",
        "name": name,
        "version": rest.partition("-")[0].removesuffix(".tar.gz"),
        "filetype": "bdist_wheel" if built.filename.endswith(".whl") else "sdist",
        "pyversion": "py3",
        "metadata_version": "2.1",
        "sha256_digest": hashlib.sha256(built.content).hexdigest(),
        "content": SimpleUploadedFile(built.filename, built.content),
    }
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not None}


@pytest.fixture
def uploader():
    return UserFactory(username="uploader")


@pytest.fixture
def secret(uploader):
    _token, secret = tokens.create_token(user=uploader, description="tests")
    return secret


def post(client, secret, built, **overrides):
    return client.post("/legacy/", form_for(built, **overrides), **auth(secret))


def test_a_wheel_upload_creates_the_project_with_the_uploader_as_owner(client, uploader, secret):
    built = build_wheel(
        "Fresh_Thing",
        "1.0",
        requires=["requests>=2", "tinypad; python_version<'3.12'"],
        requires_python=">=3.9",
    )

    response = post(client, secret, built)

    assert response.status_code == 200, response.content
    project = Project.objects.get(normalized_name="fresh-thing")
    assert project.name == "Fresh_Thing"
    assert project.roles.get().user == uploader
    assert project.roles.get().role == RoleName.OWNER
    file = File.objects.get(filename=built.filename)
    assert file.release.version == "1.0"
    assert file.requires_python == ">=3.9"
    assert file.sha256 == hashlib.sha256(built.content).hexdigest()
    assert file.blob.read() == built.content
    assert "Requires-Dist: requests>=2" in file.core_metadata
    assert sorted(Dependency.objects.values_list("name", "specifier")) == [
        ("requests", ">=2"),
        ("tinypad", ""),
    ]
    history = file.history.get()
    assert history.history_user == uploader
    assert history.history_change_reason == "Uploaded"


def test_an_sdist_then_a_wheel_of_the_same_version_share_one_release(client, secret):
    assert post(client, secret, build_sdist("pair", "2.0")).status_code == 200
    assert post(client, secret, build_wheel("pair", "2.0")).status_code == 200

    release = Release.objects.get(project__normalized_name="pair")
    assert sorted(release.files.values_list("packagetype", flat=True)) == ["bdist_wheel", "sdist"]


def test_a_second_upload_of_the_same_file_is_refused_clearly(client, secret):
    built = build_wheel("twice", "1.0")
    assert post(client, secret, built).status_code == 200

    response = post(client, secret, built)

    assert response.status_code == 400
    assert "has been used before" in response.content.decode()
    assert "can never be reused" in response.reason_phrase
    assert File.objects.filter(filename=built.filename).count() == 1


def test_the_filename_of_a_removed_file_cannot_be_uploaded_again(client, uploader, secret):
    built = build_wheel("gone", "1.0")
    assert post(client, secret, built).status_code == 200
    file = File.objects.get(filename=built.filename)
    services.remove_files(files=[file], actor=uploader, reason="mistake")

    response = post(client, secret, built)

    assert response.status_code == 400
    assert "can never be reused" in response.content.decode()


@pytest.mark.parametrize(
    ("overrides", "expected"),
    [
        ({"sha256_digest": "0" * 64}, "sha256_digest sent does not match"),
        ({"sha256_digest": None}, "has no digest"),
        ({"md5_digest": "nope", "sha256_digest": None}, "md5_digest sent does not match"),
        ({"filetype": "sdist"}, "filetype is 'sdist'"),
        ({"name": "other-name"}, "name field 'other-name' does not match"),
        ({"version": "9.9"}, "version field '9.9' does not match"),
        ({":action": "submit"}, "Unknown :action"),
        ({"protocol_version": "2"}, "Unknown protocol_version"),
        ({"content": None}, "has no file"),
    ],
)
def test_malformed_uploads_get_a_400_with_the_reason(client, secret, overrides, expected):
    response = post(client, secret, build_wheel("shaped", "1.0"), **overrides)

    assert response.status_code == 400
    assert expected in response.content.decode()
    assert not Project.objects.exists()


def test_a_filename_that_does_not_match_its_metadata_is_refused(client, secret):
    built = build_wheel("real-name", "1.0")
    renamed = type(built)("other_name-1.0-py3-none-any.whl", built.content, built.metadata)

    response = post(client, secret, renamed, name="other-name")

    assert response.status_code == 400
    assert "its metadata says real-name 1.0" in response.content.decode()


def test_an_invalid_filename_is_refused(client, secret):
    built = build_wheel("ok", "1.0")
    bad = type(built)("not a wheel.whl", built.content, built.metadata)

    response = post(client, secret, bad, name="ok", version="1.0")

    assert response.status_code == 400
    assert "not a valid wheel filename" in response.content.decode()


def wheel_with_metadata(metadata):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("broken-1.0.dist-info/METADATA", metadata)
        archive.writestr("broken/__init__.py", "")
    content = buffer.getvalue()
    return build_wheel("broken", "1.0").__class__("broken-1.0-py3-none-any.whl", content, metadata)


def test_metadata_that_does_not_parse_is_refused(client, secret):
    built = wheel_with_metadata("Metadata-Version: 2.1\nName: broken\nVersion: not-a-version\n\n")

    response = post(client, secret, built)

    assert response.status_code == 400
    assert "core metadata does not parse" in response.content.decode()


def test_a_file_that_is_not_an_archive_is_refused(client, secret):
    built = build_wheel("junk", "1.0")
    junk = type(built)(built.filename, b"this is not a zip file", built.metadata)

    response = post(client, secret, junk)

    assert response.status_code == 400
    assert "not a readable archive" in response.content.decode()


def test_a_file_over_the_size_limit_is_refused(client, secret, settings):
    settings.HOLDFAST_MAX_FILE_SIZE = 100

    response = post(client, secret, build_wheel("big", "1.0"))

    assert response.status_code == 400
    assert "accepts files up to 100 bytes" in response.content.decode()


@pytest.mark.parametrize(
    ("header", "status"),
    [
        (None, 401),
        ("Bearer abc", 401),
        ("Basic !!!", 401),
        ("Basic " + base64.b64encode(b"uploader:password").decode(), 403),
        ("Basic " + base64.b64encode(b"__token__:hf-wrong").decode(), 403),
    ],
)
def test_uploads_without_a_valid_token_are_refused(client, uploader, header, status):
    extra = {"HTTP_AUTHORIZATION": header} if header else {}

    response = client.post("/legacy/", form_for(build_wheel("noauth", "1.0")), **extra)

    assert response.status_code == status
    assert "token" in response.content.decode()
    assert not Project.objects.exists()


def test_a_revoked_token_is_refused(client, uploader):
    token, secret = tokens.create_token(user=uploader, description="old")
    tokens.revoke_token(token=token, actor=uploader)

    response = post(client, secret, build_wheel("revoked", "1.0"))

    assert response.status_code == 403


def test_get_is_refused_with_a_hint(client):
    response = client.get("/legacy/")

    assert response.status_code == 405
    assert "twine upload" in response.content.decode()


@pytest.fixture
def existing(uploader):
    return services.create_project(name="existing", owner=uploader, actor=uploader, reason="test")


def test_another_user_cannot_upload_to_a_project(client, existing):
    stranger = UserFactory()
    _token, secret = tokens.create_token(user=stranger, description="x")

    response = post(client, secret, build_wheel("existing", "1.0"))

    assert response.status_code == 403
    assert "You cannot upload to existing" in response.content.decode()


def test_a_maintainer_can_upload(client, uploader, existing):
    maintainer = UserFactory()
    services.add_role(
        project=existing, user=maintainer, role=RoleName.MAINTAINER, actor=uploader, reason="help"
    )
    _token, secret = tokens.create_token(user=maintainer, description="x")

    assert post(client, secret, build_wheel("existing", "1.0")).status_code == 200


def test_an_archived_project_refuses_uploads_with_the_reason(client, uploader, secret, existing):
    services.archive_project(project=existing, actor=uploader, reason="done")

    response = post(client, secret, build_wheel("existing", "1.0"))

    assert response.status_code == 403
    assert "existing is archived" in response.content.decode()
    assert "archived" in response.reason_phrase


def test_a_quarantined_project_refuses_uploads(client, secret, existing, registry_admin):
    services.quarantine_project(project=existing, actor=registry_admin, reason="malware")

    response = post(client, secret, build_wheel("existing", "1.0"))

    assert response.status_code == 403
    assert "quarantined" in response.content.decode()


def test_a_project_pending_removal_refuses_uploads(client, secret, existing):
    Project.objects.filter(pk=existing.pk).update(pending_removal_at=timezone.now())

    response = post(client, secret, build_wheel("existing", "1.0"))

    assert response.status_code == 403
    assert "pending removal" in response.content.decode()


def test_a_reserved_name_is_refused(client, secret, registry_admin):
    NameReservation.objects.create(
        normalized_name="taken-name", reason=ReservationReason.PROHIBITED
    )

    response = post(client, secret, build_wheel("taken_name", "1.0"))

    assert response.status_code == 400
    assert "reserved" in response.content.decode()
    assert not Project.objects.exists()


def test_a_project_token_uploads_only_to_its_project(client, uploader, existing):
    other = services.create_project(name="other", owner=uploader, actor=uploader, reason="t")
    _token, secret = tokens.create_token(user=uploader, description="ci", project=existing)

    assert post(client, secret, build_wheel("existing", "1.0")).status_code == 200
    refused = post(client, secret, build_wheel("other", "1.0"))
    assert refused.status_code == 403
    assert "limited to the project existing" in refused.content.decode()
    new = post(client, secret, build_wheel("brand-new", "1.0"))
    assert new.status_code == 403
    assert not Project.objects.filter(normalized_name="brand-new").exists()
    assert other.releases.count() == 0


def test_a_settled_release_accepts_no_new_file(client, uploader, secret, existing, settings):
    settings.HOLDFAST_RELEASE_UPLOAD_WINDOW_DAYS = 14
    services.create_release(
        project=existing,
        version="1.0",
        actor=uploader,
        reason="t",
        now=timezone.now() - timedelta(days=14, minutes=1),
    )

    response = post(client, secret, build_wheel("existing", "1.0"))

    assert response.status_code == 400
    assert "accepts new files only for 14 days" in response.content.decode()


def test_a_young_release_still_accepts_a_new_file(client, uploader, secret, existing):
    services.create_release(
        project=existing,
        version="1.0",
        actor=uploader,
        reason="t",
        now=timezone.now() - timedelta(days=13, hours=23),
    )

    assert post(client, secret, build_wheel("existing", "1.0")).status_code == 200


def test_a_removed_version_cannot_be_uploaded_again(client, uploader, secret, existing):
    release = services.create_release(project=existing, version="1.0", actor=uploader, reason="t")
    services.remove_release(release=release, actor=uploader, reason="bad")

    response = post(client, secret, build_wheel("existing", "1.0.0"))

    assert response.status_code == 400
    assert "was removed" in response.content.decode()
