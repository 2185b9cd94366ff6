"""PyPI's JSON API (/pypi/<name>/json, /pypi/<name>/<version>/json): shape, serial, 404 reasons,
query counts, and the /packages/ download URLs it gives."""

import hashlib
import json
from datetime import UTC, datetime

import pytest

from registry import services
from registry.cdn import SURROGATE_KEY_HEADER
from registry.distributions import build_sdist, build_wheel
from registry.models import Project, RemovalCategory
from tests.benchmarks.bench_simple_page import create_project_with_files

pytestmark = pytest.mark.django_db

T0 = datetime(2025, 5, 1, 10, 0, 0, tzinfo=UTC)
T1 = datetime(2025, 5, 2, 8, 30, 0, 5, tzinfo=UTC)
NOW = datetime(2025, 6, 1, 12, 0, tzinfo=UTC)
SERIAL = "X-PyPI-Last-Serial"
URL = "/pypi/mirror-me/json"


def sha256(data):
    return hashlib.sha256(data).hexdigest()


def upload(project, version, dists, *, owner, now, requires_python=""):
    release = services.create_release(
        project=project, version=version, actor=owner, reason="Upload", now=now
    )
    for dist in dists:
        services.add_file(
            release=release,
            filename=dist.filename,
            content=dist.content,
            actor=owner,
            reason="Upload",
            requires_python=requires_python,
            core_metadata=dist.metadata,
            now=now,
        )
    return release


@pytest.fixture
def mirrored(owner):
    """Mirror_Me: 1.0 (sdist + wheel, Requires-Python, Requires-Dist), 1.1 (yanked), 2.0rc1 (a
    pre-release), 1.5 (removed), 0.9 (its only file purged)."""
    project = services.create_project(
        name="Mirror_Me", owner=owner, actor=owner, reason="New", now=T0
    )
    requires = ["tinypad>=1.0", "colour; extra == 'cli'"]
    dists = {
        "sdist": build_sdist("Mirror_Me", "1.0", requires=requires, requires_python=">=3.9"),
        "wheel": build_wheel("Mirror_Me", "1.0", requires=requires, requires_python=">=3.9"),
        "yanked": build_wheel("Mirror_Me", "1.1"),
        "rc": build_wheel("Mirror_Me", "2.0rc1"),
        "removed": build_wheel("Mirror_Me", "1.5"),
        "purged": build_wheel("Mirror_Me", "0.9"),
    }
    upload(project, "1.0", [dists["sdist"], dists["wheel"]], owner=owner, now=T0,
           requires_python=">=3.9")  # fmt: skip
    yanked = upload(project, "1.1", [dists["yanked"]], owner=owner, now=T1)
    services.yank_release(release=yanked, actor=owner, reason="Broken build", now=NOW)
    upload(project, "2.0rc1", [dists["rc"]], owner=owner, now=T1)
    removed = upload(project, "1.5", [dists["removed"]], owner=owner, now=T1)
    services.remove_release(release=removed, actor=owner, reason="Mistake", now=NOW)
    purged = upload(project, "0.9", [dists["purged"]], owner=owner, now=T1)
    return project, dists, purged


def get(client, url=URL, status=200):
    response = client.get(url)
    assert response.status_code == status, response.content
    return response


def test_the_project_page_has_pypis_shape(client, mirrored):
    project, dists, _ = mirrored
    response = get(client)
    project.refresh_from_db()
    assert response["Content-Type"] == "application/json"
    assert response[SERIAL] == str(project.last_serial)
    assert response[SURROGATE_KEY_HEADER] == "project/mirror-me"
    page = json.loads(response.content)
    assert sorted(page) == ["info", "last_serial", "releases", "urls", "vulnerabilities"]
    assert page["last_serial"] == project.last_serial
    assert page["vulnerabilities"] == []
    # Removed releases are gone; releases without files stay (as PyPI), in PEP 440 order.
    assert list(page["releases"]) == ["0.9", "1.0", "1.1", "2.0rc1"]
    info = page["info"]
    # The newest release that is neither a pre-release nor yanked.
    assert info["version"] == "1.0"
    assert info["name"] == "Mirror_Me"
    assert info["summary"] == "The Mirror_Me demo package"
    assert info["requires_python"] == ">=3.9"
    assert info["requires_dist"] == ["tinypad>=1.0", "colour; extra == 'cli'"]
    assert info["yanked"] is False and info["yanked_reason"] is None
    assert info["release_url"] == "http://testserver/pypi/mirror-me/1.0/json"
    assert info["project_url"] == "http://testserver/simple/mirror-me/"
    wheel = dists["wheel"]
    digest = sha256(wheel.content)
    assert page["urls"][1] == {
        "comment_text": "",
        "digests": {"sha256": digest},
        "downloads": -1,
        "filename": wheel.filename,
        "has_sig": False,
        "packagetype": "bdist_wheel",
        "python_version": "py3",
        "requires_python": ">=3.9",
        "size": len(wheel.content),
        "upload_time": "2025-05-01T10:00:00",
        "upload_time_iso_8601": "2025-05-01T10:00:00.000000Z",
        "url": (
            f"http://testserver/packages/{digest[:2]}/{digest[2:4]}/{digest[4:]}/{wheel.filename}"
        ),
        "yanked": False,
        "yanked_reason": None,
    }
    assert page["urls"][0]["packagetype"] == "sdist"
    assert page["releases"]["1.0"] == page["urls"]
    yanked = page["releases"]["1.1"][0]
    assert yanked["yanked"] is True and yanked["yanked_reason"] == "Broken build"
    assert yanked["upload_time_iso_8601"] == "2025-05-02T08:30:00.000005Z"


def test_a_purged_file_leaves_the_page_and_moves_the_serial(client, mirrored, registry_admin):
    purged_release = mirrored[2]
    before = json.loads(get(client).content)
    assert len(before["releases"]["0.9"]) == 1
    services.purge_files(
        files=list(purged_release.files.all()),
        actor=registry_admin,
        reason="Leaked credentials",
        category=RemovalCategory.SECURITY,
        now=NOW,
    )
    response = get(client)
    after = json.loads(response.content)
    assert after["releases"]["0.9"] == []
    assert after["last_serial"] > before["last_serial"]
    assert response[SERIAL] == str(after["last_serial"])


def test_the_release_page_shows_that_release_only(client, mirrored):
    page = json.loads(get(client, "/pypi/mirror-me/1.1/json").content)
    assert sorted(page) == ["info", "last_serial", "urls", "vulnerabilities"]
    assert page["info"]["version"] == "1.1"
    assert page["info"]["yanked"] is True
    assert page["info"]["yanked_reason"] == "Broken build"
    assert [file["filename"] for file in page["urls"]] == ["mirror_me-1.1-py3-none-any.whl"]


def test_any_spelling_of_a_version_finds_the_release(client, mirrored):
    page = json.loads(get(client, "/pypi/mirror-me/2.0.0-RC1/json").content)
    assert page["info"]["version"] == "2.0rc1"


def test_other_spellings_of_the_name_redirect_to_the_normalized_one(client, mirrored):
    response = client.get("/pypi/Mirror_Me/json")
    assert response.status_code == 301
    assert response["Location"] == URL
    response = client.get("/pypi/Mirror.Me/1.0/json")
    assert response["Location"] == "/pypi/mirror-me/1.0/json"


def test_a_conditional_request_is_answered_from_the_serial(client, mirrored):
    response = get(client)
    again = client.get(URL, HTTP_IF_NONE_MATCH=response["ETag"])
    assert again.status_code == 304
    assert again["ETag"] == response["ETag"]


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("/pypi/nobody/json", "There is no project named 'nobody'."),
        ("/pypi/-bad-/json", "That is not a valid project name"),
        ("/pypi/mirror-me/1.5/json", "Version 1.5 of 'mirror-me' was removed from the index."),
        ("/pypi/mirror-me/7.0/json", "The project 'mirror-me' has no version '7.0'."),
        ("/pypi/mirror-me/not a version/json", "has no version"),
        ("/pypi/mirror-me/1%00/json", "has no such version"),
    ],
)
def test_what_is_not_there_is_a_404_that_says_why(client, mirrored, url, reason):
    response = get(client, url, status=404)
    assert response["Content-Type"] == "text/plain; charset=utf-8"
    assert reason in response.content.decode()


def test_a_removed_project_is_a_404_that_says_why(client, mirrored, registry_admin):
    project = mirrored[0]
    services.remove_project(
        project=project, actor=registry_admin, reason="Malware", category=RemovalCategory.SECURITY
    )
    response = get(client, status=404)
    assert "The project 'mirror-me' was removed from the index." in response.content.decode()


def test_a_quarantined_project_shows_its_versions_without_files_or_metadata(
    client, mirrored, registry_admin
):
    before = get(client).json()
    assert before["urls"] and before["info"]["summary"]
    services.quarantine_project(project=mirrored[0], actor=registry_admin, reason="Malware")

    response = get(client)

    page = response.json()
    # A mirror's next sync rewrites its page without files, as the simple page shows it.
    assert set(page["releases"]) == set(before["releases"])
    assert all(files == [] for files in page["releases"].values())
    assert page["urls"] == []
    assert page["info"]["summary"] == ""
    assert page["last_serial"] > before["last_serial"]
    assert response["X-PyPI-Last-Serial"] == str(page["last_serial"])


def test_a_project_pending_removal_is_a_404_that_points_to_the_opt_in_index(client, mirrored):
    project = Project.objects.get(pk=mirrored[0].pk)
    project.pending_removal_at = NOW
    project.save(update_fields=["pending_removal_at"])
    response = get(client, status=404)
    assert "/pending/simple/mirror-me/" in response.content.decode()


def test_a_release_pending_removal_is_left_out(client, mirrored, owner):
    project = mirrored[0]
    release = project.releases.get(version="2.0rc1")
    services.mark_pending_removal(project=project, release=release, actor=owner, reason="Staged")
    page = json.loads(get(client).content)
    assert "2.0rc1" not in page["releases"]
    response = get(client, "/pypi/mirror-me/2.0rc1/json", status=404)
    assert "pending removal" in response.content.decode()


def test_a_project_without_releases_is_a_404(client, owner):
    services.create_project(name="empty", owner=owner, actor=owner, reason="New", now=T0)
    response = get(client, "/pypi/empty/json", status=404)
    assert "has no releases" in response.content.decode()


def test_only_get_and_head_are_answered(client, mirrored):
    response = client.post(URL)
    assert response.status_code == 405


@pytest.mark.parametrize("versions", [3, 300])
def test_the_page_takes_the_same_queries_whatever_the_projects_size(
    client, django_assert_num_queries, versions
):
    create_project_with_files("big", versions)
    with django_assert_num_queries(4):  # project, releases, files, one file's metadata
        page = json.loads(get(client, "/pypi/big/json").content)
    assert len(page["releases"]) == versions
    assert sum(len(files) for files in page["releases"].values()) == 2 * versions
    with django_assert_num_queries(4):
        get(client, "/pypi/big/0.2.0/json")
    with django_assert_num_queries(1):  # a conditional request: the project row only
        assert client.get("/pypi/big/json", HTTP_IF_NONE_MATCH="*").status_code == 304
