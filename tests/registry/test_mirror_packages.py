"""Download paths laid out as PyPI's: /packages/<sha256[:2]>/<sha256[2:4]>/<sha256[4:]>/<file>."""

import hashlib
from datetime import UTC, datetime

import pytest

from registry import services
from registry.models import RemovalCategory
from tests.factories import publish

pytestmark = pytest.mark.django_db

NOW = datetime(2025, 5, 1, 10, 0, 0, tzinfo=UTC)


def path(sha256, filename):
    return f"/packages/{sha256[:2]}/{sha256[2:4]}/{sha256[4:]}/{filename}"


@pytest.fixture
def file(owner):
    project = services.create_project(
        name="fetch-me", owner=owner, actor=owner, reason="New", now=NOW
    )
    return publish(project, "1.0", actor=owner, now=NOW).files.get()


def test_the_file_is_served_at_its_digest_path(client, file):
    response = client.get(path(file.sha256, file.filename))
    assert response.status_code == 200
    content = b"".join(response.streaming_content)
    assert hashlib.sha256(content).hexdigest() == file.sha256
    assert client.head(path(file.sha256, file.filename)).status_code == 200


def test_a_wrong_digest_is_a_404_that_says_why(client, file):
    wrong = "0" * 64
    response = client.get(path(wrong, file.filename))
    assert response.status_code == 404
    assert "not the SHA-256 of fetch_me-1.0-1-py3-none-any.whl" in response.content.decode()
    # Not even the right digest cut in other places.
    response = client.get(f"/packages/{file.sha256[:3]}/{file.sha256[3:4]}/{file.sha256[4:]}/x")
    assert response.status_code == 404


def test_a_purged_file_is_a_404_that_says_why(client, file, registry_admin):
    services.purge_files(
        files=[file],
        actor=registry_admin,
        reason="Leaked credentials",
        category=RemovalCategory.SECURITY,
        now=NOW,
    )
    response = client.get(path(file.sha256, file.filename))
    assert response.status_code == 404
    assert "its bytes were destroyed" in response.content.decode()


@pytest.mark.parametrize("filename", ["nothing.whl", "x" * 300, "a%00b.whl"])
def test_unknown_and_hostile_names_are_a_404(client, filename):
    response = client.get(path("ab" * 32, filename))
    assert response.status_code == 404
    assert response["Content-Type"] == "text/plain; charset=utf-8"


def test_only_get_and_head_are_answered(client, file):
    assert client.post(path(file.sha256, file.filename)).status_code == 405


def test_a_download_takes_a_fixed_number_of_queries(client, file, django_assert_num_queries):
    with django_assert_num_queries(3):  # the digest, the file, the download count
        client.get(path(file.sha256, file.filename))
