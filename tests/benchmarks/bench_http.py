"""Benchmark the simple page of the 10,000-file project over HTTP, side by side with pypiserver.

Part of `make bench` (tests/benchmarks/run_all.py). `measure` starts, on free ports:

- Holdfast under gunicorn (`GUNICORN_ARGS`) against the benchmark's database, with the page
  cache in Redis (`CACHE_URL`, flushed by the runner before the run);
- pypiserver from PyPI, installed by the benchmark into its own virtual environment
  (`~/.cache/holdfast-bench/pypiserver`, made once), serving a folder of empty files with the
  same 10,000 file names;

then requests each page with one keep-alive connection (`http.client`; a server that closes the
connection gets a new one), after warm-up requests, and times each request from sending it to
having read the whole body. Holdfast: the HTML page, the JSON page (PEP 691) and a conditional
request for each (If-None-Match with the page's ETag: 304). pypiserver has HTML only.
Both servers are stopped afterwards, whatever happens.
"""

import contextlib
import http.client
import os
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import quote

from .report import Figure, Threshold, time_calls

JSON = "application/vnd.pypi.simple.v1+json"
HTML = "text/html"
CACHED_PAGE = Threshold(median_ms=15)
NOT_MODIFIED = Threshold(median_ms=5)
RATIO = Threshold(min_ratio=20)
# gthread workers keep connections alive (sync workers close each one).
GUNICORN_ARGS = ("--workers", "2", "--worker-class", "gthread", "--threads", "2")
PYPISERVER = "pypiserver>=2.4,<3"
PEER_VENV = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "holdfast-bench"
STARTUP_SECONDS = 60


def measure(project, *, runs, peer_runs, warmup=10):
    """Return (figures, server facts) for `project`'s simple page on both servers."""
    from registry.models import File

    filenames = list(
        File.objects.filter(release__project=project, removed_at=None).values_list(
            "filename", flat=True
        )
    )
    path = f"/simple/{project.normalized_name}/"
    with contextlib.ExitStack() as stack:
        port = stack.enter_context(holdfast_server())
        peer_port, peer_version = stack.enter_context(pypiserver(filenames))
        client = Client(port)
        figures = []
        html = client.get(path, HTML)
        json_page = client.get(path, JSON)
        _check_links(html, json_page, len(filenames))
        for label, accept, extra, threshold in (
            ("HTML", HTML, {}, CACHED_PAGE),
            ("JSON", JSON, {}, CACHED_PAGE),
            ("HTML, If-None-Match -> 304", HTML, {"If-None-Match": html.etag}, NOT_MODIFIED),
            ("JSON, If-None-Match -> 304", JSON, {"If-None-Match": json_page.etag}, NOT_MODIFIED),
        ):
            expected = 304 if extra else 200
            timings = time_calls(
                lambda a=accept, e=extra, x=expected: client.get(path, a, e, expect=x),
                runs=runs,
                warmup=warmup,
            )
            note = "" if extra else f"{len(client.last.body):,} bytes"
            figures.append(
                Figure(f"Holdfast {path} {label}", timings, threshold=threshold, note=note)
            )
        peer = Client(peer_port)
        peer_page = peer.get(path, HTML)
        peer_links = peer_page.body.count(b"<a ")
        if peer_links != len(filenames):
            raise RuntimeError(f"pypiserver lists {peer_links:,} files, not {len(filenames):,}.")
        peer_figure = Figure(
            f"pypiserver {peer_version} {path} HTML",
            time_calls(lambda: peer.get(path, HTML), runs=peer_runs, warmup=2),
            note=f"{len(peer_page.body):,} bytes, {peer_links:,} links",
        )
        figures.append(peer_figure)
        figures.append(
            Figure(
                "pypiserver median ÷ Holdfast HTML median",
                ratio=peer_figure.median / figures[0].median,
                threshold=RATIO,
            )
        )
        facts = [
            (
                "Holdfast server",
                f"gunicorn {' '.join(GUNICORN_ARGS)}, CACHE_URL={os.environ.get('CACHE_URL')}",
            ),
            ("Peer", f"pypiserver {peer_version} (its default server), {len(filenames):,} files"),
        ]
        return figures, facts


class Response:
    def __init__(self, status, headers, body):
        self.status, self.headers, self.body = status, headers, body

    @property
    def etag(self):
        return self.headers.get("ETag", "")


class Client:
    """GET with one kept-alive connection to 127.0.0.1:`port` (reopened when the server
    closes it)."""

    def __init__(self, port):
        self.connection = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
        self.last = None

    def get(self, path, accept, headers=None, *, expect=200):
        self.connection.request("GET", path, headers={"Accept": accept, **(headers or {})})
        answer = self.connection.getresponse()
        body = answer.read()
        if answer.status != expect:
            raise RuntimeError(f"GET {path} ({accept}) answered {answer.status}, not {expect}.")
        self.last = Response(answer.status, answer.headers, body)
        return self.last


def _check_links(html, json_page, expected):
    import json

    files = len(json.loads(json_page.body)["files"])
    if files != expected:
        raise RuntimeError(f"The JSON page lists {files:,} files, not {expected:,}.")
    if html.body.count(b"<a ") != expected:
        raise RuntimeError(f"The HTML page does not list the {expected:,} files.")


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def database_url():
    """The URL of the database this process uses (the benchmark's throwaway one)."""
    from django.db import connection

    settings = connection.settings_dict
    if connection.vendor != "postgresql":
        raise RuntimeError("The live server needs PostgreSQL (BENCH_DATABASE_URL).")
    user = quote(settings["USER"] or "", safe="")
    password = f":{quote(settings['PASSWORD'], safe='')}" if settings["PASSWORD"] else ""
    host = settings["HOST"] or "127.0.0.1"
    port = settings["PORT"] or "5432"
    return f"postgres://{user}{password}@{host}:{port}/{settings['NAME']}"


@contextlib.contextmanager
def holdfast_server():
    """Run Holdfast under gunicorn on a free port; yield the port."""
    port = free_port()
    env = {
        **os.environ,
        "DATABASE_URL": database_url(),
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
        "DJANGO_DEBUG": "false",
    }
    command = [
        str(Path(sys.executable).with_name("gunicorn")),
        "config.wsgi",
        "--bind",
        f"127.0.0.1:{port}",
        *GUNICORN_ARGS,
    ]
    root = Path(__file__).resolve().parents[2]
    with _running(command, env=env, cwd=root, port=port, name="gunicorn"):
        yield port


@contextlib.contextmanager
def pypiserver(filenames):
    """Run pypiserver on a folder of empty files named `filenames`; yield (port, version)."""
    python = peer_python()
    version = subprocess.run(
        [python, "-c", "import pypiserver; print(pypiserver.__version__)"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()
    with tempfile.TemporaryDirectory(prefix="bench-pypiserver-") as folder:
        for filename in filenames:
            Path(folder, filename).touch()
        port = free_port()
        command = [
            str(Path(python).with_name("pypi-server")),
            "run",
            "--interface",
            "127.0.0.1",
            "--port",
            str(port),
            "--authenticate",
            ".",
            "--passwords",
            ".",
            folder,
        ]
        with _running(command, env=dict(os.environ), cwd=folder, port=port, name="pypiserver"):
            yield port, version


def peer_python():
    """The Python of pypiserver's own virtual environment, made (once) with pip from PyPI."""
    venv = PEER_VENV / "pypiserver"
    python = venv / "bin" / "python"
    if not (venv / "bin" / "pypi-server").exists():
        subprocess.run([sys.executable, "-m", "venv", "--clear", str(venv)], check=True)
        subprocess.run([str(python), "-m", "pip", "install", "--quiet", PYPISERVER], check=True)
    return str(python)


@contextlib.contextmanager
def _running(command, *, env, cwd, port, name):
    """Start `command`, wait until `port` accepts connections, stop it on leaving."""
    with tempfile.TemporaryFile() as log:
        process = subprocess.Popen(command, env=env, cwd=cwd, stdout=log, stderr=log)
        try:
            _wait_for(port, process, name, log)
            yield process
        finally:
            process.terminate()
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def _wait_for(port, process, name, log):
    deadline = time.monotonic() + STARTUP_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            log.seek(0)
            output = log.read().decode(errors="replace")[-3000:]
            raise RuntimeError(f"{name} stopped at start (exit {process.returncode}):\n{output}")
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.2)
    raise RuntimeError(f"{name} did not listen on port {port} within {STARTUP_SECONDS} s.")
