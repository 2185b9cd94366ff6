"""An unmodified bandersnatch (from PyPI, pinned in the dev extra) mirrors a live Holdfast served
over TLS; after an admin removes a release and purges a file, its next run drops them.

bandersnatch reads what PyPI serves: XML-RPC `list_packages_with_serial` on its first run and
`changelog_since_serial` afterwards, the JSON API with `X-PyPI-Last-Serial` (it refuses a page
older than the changelog's serial), download URLs under /packages/. pip then installs from the
mirror's own pages.
"""

import importlib.util
import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.e2e.mirror_server import client_env, live_holdfast, static_site

pytestmark = pytest.mark.e2e

REMOVED_RELEASE = ("atomicfiles", "1.4.1")
PURGED_FILE = "quiet_lib-1.0.0-py3-none-any.whl"

QUARANTINED = "placeholder-pkg"

TAKE_DOWN = f"""
from registry import services
from registry.models import File, Project, Release, RemovalCategory
from django.contrib.auth import get_user_model

admin = get_user_model().objects.get(username="admin")
release = Release.objects.get(project__normalized_name="{REMOVED_RELEASE[0]}",
                              version="{REMOVED_RELEASE[1]}")
services.remove_release(release=release, actor=admin, reason="Licence violation",
                        category=RemovalCategory.LEGAL)
services.purge_files(files=[File.objects.get(filename="{PURGED_FILE}")], actor=admin,
                     reason="Leaked credentials", category=RemovalCategory.SECURITY)
services.quarantine_project(project=Project.objects.get(normalized_name="{QUARANTINED}"),
                            actor=admin, reason="Malware found in its install script")
"""

LAST_SERIAL = "from registry.models import Change; print(Change.objects.order_by('-pk')[0].pk)"


@pytest.fixture(scope="module")
def bandersnatch_installed():
    if importlib.util.find_spec("bandersnatch") is None:
        reason = (
            "bandersnatch is not installed: it comes with the dev extra "
            "(pip install -e '.[dev]'), which `make test` and .ci/run install."
        )
        print(reason)
        pytest.skip(reason)


@pytest.fixture
def holdfast(tmp_path, django_db_blocker, bandersnatch_installed):
    with django_db_blocker.unblock(), live_holdfast(tmp_path) as server:
        yield server


def write_config(holdfast, directory):
    config = directory / "bandersnatch.conf"
    config.write_text(
        f"""[mirror]
directory = {directory / "mirror"}
master = {holdfast.url}
json = true
release-files = true
cleanup = true
api-method = xmlrpc
timeout = 30
global-timeout = 1800
workers = 3
verifiers = 3
hash-index = false
simple-format = ALL
stop-on-error = true
storage-backend = filesystem
compare-method = hash
digest_name = sha256

[plugins]
enabled =
"""
    )
    return config


def bandersnatch(holdfast, config, *args):
    result = subprocess.run(
        [sys.executable, "-m", "bandersnatch", "--config", str(config), *args],
        capture_output=True,
        text=True,
        # bandersnatch's own process trusts the test's certificate, and nothing else changes.
        env=client_env(SSL_CERT_FILE=str(holdfast.certificate)),
        timeout=600,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return result


def pip_install(index_url, requirement, target):
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "install",
            "--no-cache-dir",
            "--disable-pip-version-check",
            "--no-deps",
            "--only-binary",
            ":all:",
            "--target",
            str(target),
            "--index-url",
            index_url,
            requirement,
        ],
        capture_output=True,
        text=True,
        env=client_env(),
        timeout=180,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return sorted(path.name for path in Path(target).glob("*.dist-info"))


def mirrored_files(web, project):
    page = json.loads((web / "simple" / project / "index.v1_json").read_text())
    return {entry["filename"]: entry for entry in page["files"]}, page


def test_bandersnatch_mirrors_the_index_and_follows_takedowns(holdfast, tmp_path):
    config = write_config(holdfast, tmp_path)
    mirror = tmp_path / "mirror"
    web = mirror / "web"

    # First run: the whole index through list_packages_with_serial.
    bandersnatch(holdfast, config, "mirror")
    serial = int(holdfast.shell(LAST_SERIAL))
    assert int((mirror / "generation").exists() and (mirror / "status").read_text()) == serial
    index = (web / "simple" / "index.html").read_text()
    assert "atomicfiles" in index and "tinypad" in index
    files, page = mirrored_files(web, "atomicfiles")
    assert "1.4.1" in page["versions"]
    assert len(files) == 35
    for entry in files.values():
        # bandersnatch writes links into its own /packages/ tree, relative to the page.
        assert entry["url"].startswith("../../packages/")
        path = web / "simple" / "atomicfiles" / entry["url"]
        assert path.resolve().is_file(), entry["url"]
    quiet, _ = mirrored_files(web, "quiet-lib")
    assert PURGED_FILE in quiet
    purged_path = (web / "simple" / "quiet-lib" / quiet[PURGED_FILE]["url"]).resolve()
    assert purged_path.is_file()
    # The quarantined demo project is mirrored as Holdfast shows it: its page, with no files.
    shady, _ = mirrored_files(web, "shady-pkg")
    assert shady == {}

    with static_site(web) as mirror_url:
        installed = pip_install(f"{mirror_url}/simple/", "quiet-lib", tmp_path / "before")
    assert installed == ["quiet_lib-1.0.0.dist-info"]

    assert mirrored_files(web, QUARANTINED)[0]

    # An admin takes a release down, purges a file and quarantines a project; the changelog
    # tells the mirror.
    holdfast.shell(TAKE_DOWN)
    bandersnatch(holdfast, config, "mirror")
    new_serial = int(holdfast.shell(LAST_SERIAL))
    assert new_serial > serial
    assert int((mirror / "status").read_text()) == new_serial

    files, page = mirrored_files(web, "atomicfiles")
    assert "1.4.1" not in page["versions"]
    assert len(files) == 30
    assert not any("-1.4.1" in name for name in files)
    assert "1.4.1" not in (web / "simple" / "atomicfiles" / "index.html").read_text()
    quiet, _ = mirrored_files(web, "quiet-lib")
    assert PURGED_FILE not in quiet
    assert mirrored_files(web, QUARANTINED)[0] == {}
    assert PURGED_FILE not in (web / "simple" / "quiet-lib" / "index.html").read_text()

    with static_site(web) as mirror_url:
        installed = pip_install(f"{mirror_url}/simple/", "quiet-lib", tmp_path / "after")
    assert installed == ["quiet_lib-0.9.0.dist-info"]

    # The mirror's pages no longer list them; `verify --delete` also removes their bytes.
    assert purged_path.is_file()
    bandersnatch(holdfast, config, "verify", "--delete", "--json-update")
    assert not purged_path.exists()
    remaining = {path.name for path in (web / "packages").rglob("*") if path.is_file()}
    assert PURGED_FILE not in remaining
    assert not any("-1.4.1" in name for name in remaining)
    assert "atomicfiles-1.4.0.tar.gz" in remaining
