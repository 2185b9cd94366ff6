"""Hostile input at the edges (issue 11): every example that once gave a 500 is a 4xx with the
reason, or a form error, and changes nothing. Run on SQLite and PostgreSQL alike."""

import hashlib

import pytest
from django.core.exceptions import ValidationError
from django.test import Client

from moderation.models import AbuseReport, LegalTakedown
from registry import tokens
from registry.distributions import build_wheel
from registry.models import File, FilenameRegistry, Project, ProjectStatus
from registry.validators import text_problem, validate_multiline_text, validate_text
from tests.factories import (
    LegalTakedownFactory,
    ProjectFactory,
    ReleaseFactory,
    RoleFactory,
    UserFactory,
)
from tests.registry.test_upload import auth, form_for, wheel_with_metadata

pytestmark = pytest.mark.django_db

# The one validator ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "multiline", "problem"),
    [
        ("my-package 1.0", False, None),
        ("Zoë, naïve café ✓", False, None),
        ("line one\nline two\r\n\tindented", True, None),
        ("a\x00b", False, "a control character (U+0000 NUL) at position 2"),
        ("a\x00b", True, "a control character (U+0000 NUL) at position 2"),
        ("one\ntwo", False, "a line break at position 4, where one line is expected"),
        ("ok\nthen \x1b[31m", True, "(U+001B escape) on line 2, column 6"),
        ("\x7f", False, "(U+007F delete)"),
        ("\x85", True, "(U+0085)"),
        ("\ud800", False, "the lone surrogate U+D800"),
    ],
)
def test_text_problem_names_the_character_and_where_it_is(value, multiline, problem):
    found = text_problem(value, multiline=multiline)

    if problem is None:
        assert found is None
    else:
        assert problem in found


def test_the_validators_raise_a_message_that_says_what_to_do():
    with pytest.raises(ValidationError) as single:
        validate_text("a\x00b")
    with pytest.raises(ValidationError) as multi:
        validate_multiline_text("a\n\x01")

    assert "U+0000 NUL" in single.value.messages[0]
    assert "Remove it and try again" in single.value.messages[0]
    assert "line 2, column 1" in multi.value.messages[0]
    validate_multiline_text("tabs\tand\nlines\r\n")


# Pages, path segments and query strings -------------------------------------------------------


@pytest.fixture
def browser():
    return Client(raise_request_exception=False)


@pytest.fixture
def demo(owner):
    project = ProjectFactory(name="demo")
    RoleFactory(user=owner, project=project)
    ReleaseFactory(project=project, version="1.0")
    return project


@pytest.mark.parametrize("wanted", ["/etc/passwd", "a/b", "../..", "a%00b", "-/-"])
def test_manage_project_lookup_refuses_a_name_with_a_slash(browser, support_user, wanted):
    browser.force_login(support_user)

    response = browser.get(f"/manage/?project={wanted}")

    assert response.status_code == 400
    assert "is not a valid project name" in response.content.decode()


def test_manage_project_lookup_still_opens_a_valid_name(browser, support_user, demo):
    browser.force_login(support_user)

    response = browser.get("/manage/?project=Demo")

    assert response.status_code == 302
    assert response["Location"] == "/manage/demo/"


@pytest.mark.parametrize(
    "path",
    [
        "/manage/a%00b/",
        "/manage/demo%00/history/",
        "/manage/demo/releases/1%000/yank/",
        "/manage/demo/releases/1.0%1b/remove-files/",
        "/manage/demo%00/schedule-removal/",
    ],
)
def test_a_control_character_in_a_path_segment_is_a_404_with_the_reason(browser, owner, demo, path):
    browser.force_login(owner)

    response = browser.get(path)

    assert response.status_code == 404
    assert "no project name, version or filename holds one" in response.content.decode()


@pytest.mark.parametrize("path", ["/simple/demo%00/", "/files/demo%00-1.0.tar.gz"])
def test_installers_get_a_plain_404_for_a_control_character(browser, demo, path):
    response = browser.get(path)

    assert response.status_code == 404
    assert response["Content-Type"] == "text/plain; charset=utf-8"


def test_a_view_404_shows_its_reason(browser, owner, demo):
    browser.force_login(owner)

    response = browser.get("/manage/demo/releases/9.9/yank/")

    assert response.status_code == 404
    assert "This project has no live release with this version." in response.content.decode()


@pytest.mark.parametrize("release", ["%00", "1%000", "1%0a0", "1.0%1b"])
def test_a_control_character_in_the_staged_pages_release_is_a_404(browser, owner, demo, release):
    browser.force_login(owner)

    response = browser.get(f"/manage/demo/schedule-removal/?release={release}")

    assert response.status_code == 404
    assert "has no live release with this version: the version in the address holds" in (
        response.content.decode()
    )


@pytest.mark.parametrize("client_name", ["support_client", "registry_admin_client"])
@pytest.mark.parametrize(
    "url",
    [
        "/admin/moderation/legaltakedown/?state=%00",
        "/admin/moderation/legaltakedown/?q=%00",
        "/admin/registry/project/?status=%00",
        "/admin/registry/release/?version=1%00&yanked__exact=1",
    ],
)
def test_an_admin_filter_value_with_nul_is_ignored_with_a_message(request, client_name, url):
    client = request.getfixturevalue(client_name)
    LegalTakedownFactory()

    response = client.get(url)

    assert response.status_code == 302
    assert response["Location"].endswith("?e=1")
    assert "so it was ignored" in client.get(response["Location"]).content.decode()


def test_an_admin_assignee_filter_beyond_64_bits_is_ignored(support_client):
    LegalTakedownFactory()

    for value in ["99999999999999999999", "²", "٣"]:
        response = support_client.get(f"/admin/moderation/legaltakedown/?assignee={value}")

        assert response.status_code == 200, value


# Forms -----------------------------------------------------------------------------------------


def test_a_maintainers_form_refuses_a_control_character_and_saves_nothing(browser, owner, demo):
    browser.force_login(owner)

    response = browser.post(
        "/manage/demo/deprecate/", {"message": "Use x\x00 instead", "reason": "moving on"}
    )

    assert response.status_code == 200
    assert "U+0000 NUL" in response.content.decode()
    demo.refresh_from_db()
    assert demo.status == ProjectStatus.ACTIVE


def test_a_multi_line_field_keeps_its_line_breaks_but_not_an_escape(browser, owner, demo):
    browser.force_login(owner)

    refused = browser.post(
        "/manage/demo/deprecate/", {"message": "Use x\n\x1b[1mnow", "reason": "moving on"}
    )
    accepted = browser.post(
        "/manage/demo/deprecate/", {"message": "Use x\n\tinstead", "reason": "one\ntwo"}
    )

    assert "U+001B escape" in refused.content.decode()
    assert accepted.status_code == 302
    demo.refresh_from_db()
    assert demo.status == ProjectStatus.DEPRECATED


def test_a_public_form_refuses_a_control_character_and_files_nothing(browser, demo):
    response = browser.post(
        "/report/",
        {"project": "demo\x07", "category": "malware", "details": "It steals keys."},
    )

    assert response.status_code == 200
    assert "U+0007" in response.content.decode()
    assert not AbuseReport.objects.exists()
    assert not LegalTakedown.objects.exists()


# Uploads ---------------------------------------------------------------------------------------


@pytest.fixture
def secret(db):
    _token, secret = tokens.create_token(user=UserFactory(username="uploader"), description="t")
    return secret


def assert_nothing_stored():
    assert not Project.objects.exists()
    assert not File.objects.exists()
    assert not FilenameRegistry.objects.exists()


@pytest.mark.parametrize("field", ["sha256_digest", "md5_digest", "blake2_256_digest"])
@pytest.mark.parametrize("value", ["é" * 64, "é" * 32, "ü", "\uff10" * 64, "g" * 64])
def test_a_digest_that_is_not_hexadecimal_is_a_400_with_the_reason(browser, secret, field, value):
    response = browser.post(
        "/legacy/", form_for(build_wheel("thing", "1.0"), **{field: value}), **auth(secret)
    )

    assert response.status_code == 400
    assert "hexadecimal digits" in response.content.decode()
    assert_nothing_stored()


def test_nul_in_a_wheels_metadata_is_a_400_on_every_database(browser, secret):
    built = wheel_with_metadata(
        "Metadata-Version: 2.1\nName: broken\nVersion: 1.0\nSummary: a\x00b\n\n"
    )

    response = browser.post("/legacy/", form_for(built), **auth(secret))

    assert response.status_code == 400
    assert "U+0000 NUL) on line 4, column 11" in response.content.decode()
    assert_nothing_stored()


def test_a_licence_text_with_form_feeds_in_the_metadata_is_accepted(browser, secret):
    # The GNU licences separate their sections with form feeds, and core metadata quotes them.
    built = wheel_with_metadata(
        "Metadata-Version: 2.1\nName: broken\nVersion: 1.0\nLicense: GPL\n        \x0c\n"
        "        END OF TERMS AND CONDITIONS\n\n"
    )

    response = browser.post("/legacy/", form_for(built), **auth(secret))

    assert response.status_code == 200, response.content.decode()


@pytest.mark.parametrize("field", ["name", "version", "filetype"])
def test_a_control_character_in_an_upload_field_is_a_400(browser, secret, field):
    built = build_wheel("thing", "1.0")

    response = browser.post("/legacy/", form_for(built, **{field: "x\x00"}), **auth(secret))

    assert response.status_code == 400
    assert f"The field {field} holds a control character" in response.content.decode()
    assert_nothing_stored()


BOUNDARY = "holdfast-test-boundary"


def raw_multipart(fields, filename, content):
    """A multipart body written by hand: Django's test client would strip the directory part
    of `filename` itself, before the server sees it."""
    parts = []
    for name, value in fields.items():
        parts.append(
            f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n'
            f"{value}\r\n".encode()
        )
    parts.append(
        f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="content"; '
        f'filename="{filename}"\r\nContent-Type: application/octet-stream\r\n\r\n'.encode()
        + content
        + b"\r\n"
    )
    return b"".join(parts) + f"--{BOUNDARY}--\r\n".encode()


def post_raw(client, secret, filename, content, **fields):
    body = raw_multipart(
        {
            ":action": "file_upload",
            "protocol_version": "1",
            "sha256_digest": hashlib.sha256(content).hexdigest(),
            **fields,
        },
        filename,
        content,
    )
    return client.post(
        "/legacy/",
        body,
        content_type=f"multipart/form-data; boundary={BOUNDARY}",
        **auth(secret),
    )


@pytest.mark.parametrize(
    "sent",
    [
        "../thing-1.0-py3-none-any.whl",
        "/abs/thing-1.0-py3-none-any.whl",
        "a\\thing-1.0-py3-none-any.whl",
        "..\\..\\thing-1.0-py3-none-any.whl",
        "dist/../thing-1.0-py3-none-any.whl",
    ],
)
def test_an_upload_filename_with_a_directory_part_is_refused_first(browser, secret, sent):
    built = build_wheel("thing", "1.0")

    response = post_raw(browser, secret, sent, built.content)

    assert response.status_code == 400
    body = response.content.decode()
    assert "has a directory part" in body
    assert "'thing-1.0-py3-none-any.whl'" in body
    assert_nothing_stored()


def test_a_filename_with_a_directory_part_is_refused_even_without_a_token(browser):
    built = build_wheel("thing", "1.0")

    response = post_raw(browser, "not-a-token", "../thing-1.0-py3-none-any.whl", built.content)

    assert response.status_code == 400
    assert "has a directory part" in response.content.decode()


def test_a_bare_filename_sent_by_hand_is_accepted(browser, secret):
    built = build_wheel("thing", "1.0")

    response = post_raw(browser, secret, built.filename, built.content)

    assert response.status_code == 200, response.content
    assert File.objects.get().filename == built.filename


def test_a_malformed_multipart_body_is_a_400(browser, secret):
    response = browser.post(
        "/legacy/",
        b"--x\r\nnot a header\r\n",
        content_type="multipart/form-data; boundary=\x00",
        **auth(secret),
    )

    assert response.status_code == 400
    assert_nothing_stored()
