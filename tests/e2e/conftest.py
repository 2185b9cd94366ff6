"""Fixtures of the end-to-end tests: a maintainer, twine uploads and pip installs against the
live server."""

from pathlib import Path

import pytest

from registry import tokens
from tests.e2e.clients import run
from tests.factories import UserFactory


def twine_upload(server_url, secret, folder, built):
    """Write the built distributions into `folder` and upload them with twine, authenticated
    by the token `secret`; return twine's result."""
    folder.mkdir(exist_ok=True)
    paths = []
    for distribution in built:
        path = folder / distribution.filename
        path.write_bytes(distribution.content)
        paths.append(str(path))
    return run(
        "twine",
        "upload",
        "--repository-url",
        f"{server_url}/legacy/",
        "-u",
        "__token__",
        "-p",
        secret,
        "--non-interactive",
        "--disable-progress-bar",
        *paths,
    )


@pytest.fixture
def maintainer():
    return UserFactory(username="maintainer")


@pytest.fixture
def upload(live_server, maintainer, tmp_path):
    """Write the built distributions to disk and upload them with twine."""
    _token, secret = tokens.create_token(user=maintainer, description="e2e")

    def upload(*built):
        return twine_upload(live_server.url, secret, tmp_path / "dist", built)

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
