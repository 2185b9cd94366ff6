"""`make run` on another port, and a plain message when the port is taken."""

import os
import shutil
import socket
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

pytestmark = pytest.mark.skipif(shutil.which("make") is None, reason="make is not installed")


def make(*args):
    return subprocess.run(
        ["make", "--no-print-directory", *args],
        cwd=ROOT,
        env={k: v for k, v in os.environ.items() if k != "HOLDFAST_SITE_URL"},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_a_taken_port_is_named_with_the_command_for_another():
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        result = make("run", f"PORT={port}")
    assert result.returncode != 0
    assert f"Port {port} is already in use" in result.stdout
    assert f"make run PORT={port + 1}" in result.stdout


def test_the_server_and_the_links_in_emails_use_the_port_asked_for():
    plan = make("-n", "run", "PORT=8123").stdout
    assert "runserver 127.0.0.1:8123" in plan
    assert "('127.0.0.1', 8123)" in plan
    assert "HOLDFAST_SITE_URL=http://127.0.0.1:8123 .venv/bin/python manage.py runserver" in plan
