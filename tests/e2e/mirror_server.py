"""A live Holdfast for mirror clients: its own database seeded with the demo data, served over TLS
by gunicorn with a throwaway self-signed certificate (bandersnatch accepts only an https master).

The server runs in its own processes on its own database (a SQLite file, or on PostgreSQL a
database made for the test next to the test database), so the test changes it the way an admin
would, through the services, in a `manage.py shell` of the same settings.
"""

import datetime
import http.server
import ipaddress
import os
import socket
import ssl
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from contextlib import contextmanager
from functools import partial
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from django.conf import settings
from django.db import connection

BASE_DIR = Path(settings.BASE_DIR)
HOST = "127.0.0.1"
# The variables of this machine that would send the clients elsewhere (proxies, pip's config).
DROPPED = ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy", "all_proxy")


def make_certificate(directory):
    """Write a self-signed certificate for 127.0.0.1 and localhost; return (cert, key) paths."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Holdfast e2e test")])
    now = datetime.datetime.now(datetime.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName(
                [x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address(HOST))]
            ),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = directory / "cert.pem", directory / "key.pem"
    cert_path.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_path, key_path


def free_port():
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        return probe.getsockname()[1]


def client_env(**extra):
    env = {key: value for key, value in os.environ.items() if key not in DROPPED}
    env.update(PIP_CONFIG_FILE=os.devnull, PIP_NO_INPUT="1", NO_PROXY="*", **extra)
    return env


@contextmanager
def server_database(directory):
    """Yield the DATABASE_URL of an empty database for the server, dropped afterwards."""
    if connection.vendor == "sqlite":
        yield f"sqlite:///{directory / 'holdfast.sqlite3'}"
        return
    name = f"{connection.settings_dict['NAME']}_mirror_e2e"[:63]
    quoted = connection.ops.quote_name(name)
    with connection._nodb_cursor() as cursor:
        cursor.execute(f"DROP DATABASE IF EXISTS {quoted} WITH (FORCE)")
        cursor.execute(f"CREATE DATABASE {quoted}")
    parts = urlsplit(os.environ["DATABASE_URL"])
    try:
        yield urlunsplit(parts._replace(path=f"/{name}"))
    finally:
        with connection._nodb_cursor() as cursor:
            cursor.execute(f"DROP DATABASE IF EXISTS {quoted} WITH (FORCE)")


class Holdfast:
    """The server's settings (environment), its URL, and a way to run code against it."""

    def __init__(self, directory, database_url, port, certificate):
        self.directory = directory
        self.url = f"https://{HOST}:{port}"
        self.port = port
        self.certificate = certificate
        self.env = client_env(
            DATABASE_URL=database_url,
            MEDIA_ROOT=str(directory / "media"),
            DJANGO_SETTINGS_MODULE="config.settings",
            DJANGO_ALLOWED_HOSTS=f"{HOST},localhost",
            DATABASE_CONN_MAX_AGE="0",
        )

    def manage(self, *args, timeout=300):
        result = subprocess.run(
            [sys.executable, "manage.py", *args],
            cwd=BASE_DIR,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
        assert result.returncode == 0, result.stdout + result.stderr
        return result.stdout

    def shell(self, code):
        """Run Python `code` in a Django shell of the server's settings; return its output."""
        return self.manage("shell", "--no-imports", "-c", code)

    def fetch(self, path):
        context = ssl.create_default_context(cafile=str(self.certificate))
        with urllib.request.urlopen(self.url + path, context=context, timeout=30) as response:
            return response.read()


def _wait_until_serving(holdfast, process, log):
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError("gunicorn stopped:\n" + log.read_text())
        try:
            holdfast.fetch("/simple/")
            return
        except (urllib.error.URLError, ConnectionError, OSError):
            time.sleep(0.3)
    raise AssertionError("gunicorn did not answer within 60 s:\n" + log.read_text())


@contextmanager
def live_holdfast(directory):
    """Yield a `Holdfast` with the demo data, served over TLS by gunicorn until the end."""
    certificate, key = make_certificate(directory)
    with server_database(directory) as database_url:
        holdfast = Holdfast(directory, database_url, free_port(), certificate)
        holdfast.manage("migrate", "--noinput", "-v", "0")
        holdfast.manage("seed_demo")
        log = directory / "gunicorn.log"
        with log.open("w") as output:
            process = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "gunicorn",
                    "config.wsgi:application",
                    "--bind",
                    f"{HOST}:{holdfast.port}",
                    "--certfile",
                    str(certificate),
                    "--keyfile",
                    str(key),
                    "--workers",
                    "2",
                    "--access-logfile",
                    "-",
                ],
                cwd=BASE_DIR,
                env=holdfast.env,
                stdout=output,
                stderr=subprocess.STDOUT,
            )
        try:
            _wait_until_serving(holdfast, process, log)
            yield holdfast
        finally:
            process.terminate()
            process.wait(timeout=30)


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format, *args):
        pass


@contextmanager
def static_site(root):
    """Serve the folder `root` over plain HTTP (as a mirror's web server would); yield its URL."""
    server = http.server.ThreadingHTTPServer((HOST, 0), partial(_QuietHandler, directory=str(root)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://{HOST}:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
