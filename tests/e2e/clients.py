"""Run the real clients (pip, twine) the end-to-end tests drive, isolated from this machine."""

import os
import subprocess
import sys

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


def assert_ok(result):
    assert result.returncode == 0, result.stdout + result.stderr
