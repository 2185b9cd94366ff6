"""Real clients against a live Holdfast: twine uploads, pip installs, and every decision shows.

Each test starts from an empty registry on pytest-django's live server, uploads with twine
(as a maintainer would), changes state through the registry services (as the maintainer pages
and the admin do), and asks pip what it can install.
"""

import os
import subprocess
import sys
from pathlib import Path

import pytest

from registry import services, tokens
from registry.distributions import build_sdist, build_wheel
from registry.models import Project, Release
from tests.factories import UserFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

CLIENT_ENV = {
    **os.environ,
    # Keep the machine's pip configuration (mirrors, caps) and keyrings out of the picture.
    "PIP_CONFIG_FILE": os.devnull,
    "PIP_NO_INPUT": "1",
    "PYTHON_KEYRING_BACKEND": "keyring.backends.null.Keyring",
}


def run(*args):
    return subprocess.run(
        [sys.executable, "-m", *args],
        capture_output=True,
        text=True,
        env=CLIENT_ENV,
        timeout=180,
        check=False,
    )


@pytest.fixture
def maintainer():
    return UserFactory(username="maintainer")


@pytest.fixture
def upload(live_server, maintainer, tmp_path):
    """Write the built distributions to disk and upload them with twine."""
    _token, secret = tokens.create_token(user=maintainer, description="e2e")

    def upload(*built):
        paths = []
        for distribution in built:
            path = tmp_path / "dist" / distribution.filename
            path.parent.mkdir(exist_ok=True)
            path.write_bytes(distribution.content)
            paths.append(str(path))
        return run(
            "twine",
            "upload",
            "--repository-url",
            f"{live_server.url}/legacy/",
            "-u",
            "__token__",
            "-p",
            secret,
            "--non-interactive",
            "--disable-progress-bar",
            *paths,
        )

    return upload


@pytest.fixture
def install(live_server, tmp_path):
    """pip-install a requirement into a fresh target folder; return (result, versions)."""
    counter = iter(range(1000))

    def install(requirement, *, pending=False):
        target = tmp_path / f"site-{next(counter)}"
        index = ["--index-url", f"{live_server.url}/simple/"]
        if pending:
            index += ["--extra-index-url", f"{live_server.url}/pending/simple/"]
        result = run(
            "pip",
            "install",
            "--no-cache-dir",
            "--disable-pip-version-check",
            "--no-deps",
            "--only-binary",
            ":all:",
            "--target",
            str(target),
            *index,
            requirement,
        )
        versions = sorted(
            path.name.removesuffix(".dist-info").rsplit("-", 1)[1]
            for path in Path(target).glob("*.dist-info")
        )
        return result, versions

    return install


def assert_ok(result):
    assert result.returncode == 0, result.stdout + result.stderr


def test_twine_uploads_a_wheel_and_an_sdist_and_pip_installs_the_newest(upload, install):
    assert_ok(upload(build_sdist("e2e-pkg", "1.0"), build_wheel("e2e-pkg", "1.0")))
    assert_ok(upload(build_wheel("e2e-pkg", "1.1")))

    assert sorted(Release.objects.values_list("version", flat=True)) == ["1.0", "1.1"]
    result, versions = install("e2e-pkg")
    assert_ok(result)
    assert versions == ["1.1"]


def test_pip_skips_a_yanked_version_unless_it_is_pinned(upload, install, maintainer):
    assert_ok(upload(build_wheel("yanky", "1.0"), build_wheel("yanky", "2.0")))
    services.yank_release(
        release=Release.objects.get(version="2.0"), actor=maintainer, reason="broken import"
    )

    result, versions = install("yanky")
    assert_ok(result)
    assert versions == ["1.0"]

    pinned, versions = install("yanky==2.0")
    assert_ok(pinned)
    assert versions == ["2.0"]
    assert "broken import" in pinned.stdout + pinned.stderr


def test_a_second_upload_of_the_same_file_is_refused_with_a_clear_message(upload):
    wheel = build_wheel("dupe", "1.0")
    assert_ok(upload(wheel))

    again = upload(wheel)

    assert again.returncode != 0
    assert "File already exists" in again.stdout + again.stderr


def test_an_archived_project_installs_and_refuses_uploads_with_the_reason(
    upload, install, maintainer
):
    assert_ok(upload(build_wheel("old-tool", "1.0")))
    services.archive_project(
        project=Project.objects.get(), actor=maintainer, reason="No longer maintained"
    )

    result, versions = install("old-tool")
    assert_ok(result)
    assert versions == ["1.0"]

    refused = upload(build_wheel("old-tool", "1.1"))
    assert refused.returncode != 0
    assert "old-tool is archived" in refused.stdout + refused.stderr


def test_a_quarantined_project_does_not_install(upload, install, registry_admin):
    assert_ok(upload(build_wheel("evil", "1.0")))
    services.quarantine_project(
        project=Project.objects.get(), actor=registry_admin, reason="Malware"
    )

    result, versions = install("evil")

    assert result.returncode != 0
    assert versions == []


def test_a_project_pending_removal_installs_only_from_the_opt_in_index(
    upload, install, registry_admin
):
    assert_ok(upload(build_wheel("leaving", "1.0")))
    services.mark_pending_removal(
        project=Project.objects.get(), actor=registry_admin, reason="Staged removal"
    )

    refused, versions = install("leaving")
    assert refused.returncode != 0
    assert versions == []

    result, versions = install("leaving", pending=True)
    assert_ok(result)
    assert versions == ["1.0"]


def test_a_removed_project_does_not_install_and_its_filename_is_burned(upload, install, maintainer):
    wheel = build_wheel("short-lived", "1.0")
    assert_ok(upload(wheel))
    services.remove_project(project=Project.objects.get(), actor=maintainer, reason="Mistake")

    result, versions = install("short-lived")
    assert result.returncode != 0
    assert versions == []

    again = upload(wheel)
    assert again.returncode != 0
    assert "can never be reused" in again.stdout + again.stderr
