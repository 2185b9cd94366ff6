"""Production settings from the environment (issue 11): the README's production variables pass
`manage.py check --deploy --fail-level WARNING`, CI checks exactly those, every variable the
settings read is documented, and the Content-Security-Policy holds without breaking pages.
"""

import os
import re
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.urls import reverse

TOP = Path(__file__).resolve().parent.parent
README = (TOP / "README.md").read_text()
CI = (TOP / ".ci" / "run").read_text()
VARIABLE = re.compile(r"^\s*([A-Z][A-Z0-9_]*)=(.*?)\s*$", re.M)


def readme_production_variables():
    section = README.split("\n## Production\n", 1)[1].split("\n## ", 1)[0]
    block = re.search(r"```sh\n(.*?)```", section, re.S).group(1)
    return dict(VARIABLE.findall(block))


def ci_production_variables():
    block = CI.split("# production variables: begin", 1)[1].split("# production variables: end")[0]
    return dict(VARIABLE.findall(block.split("\n", 1)[1]))


def manage(*args, **variables):
    """Run manage.py in a clean environment: no DJANGO_*, HOLDFAST_* or *_URL of ours."""
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DJANGO_", "HOLDFAST_")) and not key.endswith("_URL")
    }
    env.update(variables)
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=TOP,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def production():
    return {**ci_production_variables(), "DJANGO_SECRET_KEY": secrets.token_urlsafe(50)}


def test_ci_checks_exactly_the_readmes_production_variables():
    documented = readme_production_variables()
    assert documented.pop("DJANGO_SECRET_KEY").startswith("<50+ random characters")
    assert ci_production_variables() == documented
    assert "DJANGO_SECRET_KEY=\"$(.venv/bin/python -c 'import secrets" in CI
    assert "manage.py check --deploy --fail-level WARNING" in CI


def test_the_production_variables_pass_the_deploy_check():
    result = manage("check", "--deploy", "--fail-level", "WARNING", **production())

    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


def test_without_them_the_deploy_check_names_what_is_missing():
    result = manage("check", "--deploy", "--fail-level", "WARNING")

    assert result.returncode != 0
    for warning in ("W004", "W008", "W009", "W012", "W016", "W020", "holdfast.W001"):
        assert warning in result.stderr + result.stdout


def test_the_production_variables_become_these_settings():
    code = (
        "from django.conf import settings as s; print(repr(("
        "s.DEBUG, s.SECURE_SSL_REDIRECT, s.SECURE_HSTS_SECONDS, s.SECURE_HSTS_INCLUDE_SUBDOMAINS,"
        " s.SECURE_HSTS_PRELOAD, s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE,"
        " s.SECURE_PROXY_SSL_HEADER, s.HOLDFAST_STAFF_2FA, s.CACHES['default']['BACKEND'])))"
    )
    result = manage("shell", "-v", "0", "-c", code, **production())

    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == repr(
        (
            False,
            True,
            31536000,
            True,
            True,
            True,
            True,
            ("HTTP_X_FORWARDED_PROTO", "https"),
            True,
            "django.core.cache.backends.redis.RedisCache",
        )
    )


def test_development_defaults_serve_plain_http():
    code = (
        "from django.conf import settings as s; print(repr((s.SECURE_SSL_REDIRECT,"
        " s.SECURE_HSTS_SECONDS, s.SESSION_COOKIE_SECURE, s.HOLDFAST_STAFF_2FA,"
        " hasattr(s, 'SECURE_PROXY_SSL_HEADER') and s.SECURE_PROXY_SSL_HEADER)))"
    )
    result = manage("shell", "-v", "0", "-c", code, DJANGO_DEBUG="true")

    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == repr((False, 0, False, False, None))


def test_a_malformed_proxy_header_stops_start_up():
    result = manage("check", DJANGO_SECURE_PROXY_SSL_HEADER="X-Forwarded-Proto")

    assert result.returncode != 0
    assert "DJANGO_SECURE_PROXY_SSL_HEADER must be a header and a value" in result.stderr


def test_every_variable_the_settings_read_is_in_the_readme_table():
    settings_source = (TOP / "config" / "settings.py").read_text()
    read = set(re.findall(r"env(?:\.\w+)?\(\s*\"([A-Z][A-Z0-9_]+)\"", settings_source))
    table = README.split("\n## Settings\n", 1)[1].split("\n## ", 1)[0]

    assert len(read) > 20
    assert {name for name in read if f"`{name}`" not in table} == set()


# Content-Security-Policy -------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("url", ["/accounts/login/", "/admin/login/", "/report/", "/legal/"])
def test_pages_carry_a_strict_content_security_policy(client, url):
    response = client.get(url)

    assert response.status_code == 200
    policy = response["Content-Security-Policy"]
    assert "default-src 'none'" in policy
    assert "script-src 'self'" in policy
    assert "style-src 'self'" in policy
    assert "frame-ancestors 'none'" in policy
    assert "'unsafe-inline'" not in policy
    assert "'unsafe-eval'" not in policy


@pytest.mark.django_db
def test_the_admin_works_under_the_policy(registry_admin_client):
    response = registry_admin_client.get(reverse("admin:index"))

    assert response.status_code == 200
    assert "Content-Security-Policy" in response


INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.I)
INLINE_STYLE = re.compile(r"<style\b|\sstyle=|\son[a-z]+=", re.I)


@pytest.mark.parametrize(
    "path", sorted((TOP / "templates").rglob("*.html")), ids=lambda p: str(p.relative_to(TOP))
)
def test_templates_have_no_inline_script_or_style(path):
    text = path.read_text()

    assert not INLINE_SCRIPT.search(text), "move the script to a static file"
    assert not INLINE_STYLE.search(text), "move the style to a static stylesheet"


def test_the_one_style_attribute_allowed_by_hash_is_still_the_libraries():
    import simple_history
    from django.conf import settings

    template = Path(simple_history.__file__).parent / "templates" / "simple_history"
    text = (template / "object_history_list.html").read_text()

    assert f'style="{settings.HISTORY_PAGINATOR_STYLE}"' in text
