"""A mail server that hangs cannot hang a request: SMTP connections time out (EMAIL_TIMEOUT)."""

import runpy

from django.conf import settings
from django.core.mail import get_connection


def test_smtp_connections_time_out_by_default():
    assert settings.EMAIL_TIMEOUT == 10
    smtp = get_connection("django.core.mail.backends.smtp.EmailBackend")
    assert smtp.timeout == 10


def test_the_timeout_comes_from_the_environment(monkeypatch):
    monkeypatch.setenv("EMAIL_TIMEOUT", "3")
    assert runpy.run_path(settings.BASE_DIR / "config" / "settings.py")["EMAIL_TIMEOUT"] == 3
