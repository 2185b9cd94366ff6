"""The XML-RPC methods mirrors call at /pypi, and what hostile calls get: a fault, never a 500."""

import xmlrpc.client
from datetime import UTC, datetime

import pytest

from registry import services
from registry.mirror import xmlrpc as rpc
from registry.models import Change, Project, RemovalCategory
from tests.factories import publish

pytestmark = pytest.mark.django_db

T0 = datetime(2025, 5, 1, 10, 0, 0, tzinfo=UTC)
T1 = datetime(2025, 5, 2, 8, 30, 0, tzinfo=UTC)


def call(client, method, *params):
    """Call `method` as xmlrpc.client would; return the result or raise its Fault."""
    body = xmlrpc.client.dumps(params, method)
    return answer(client.post("/pypi", body, content_type="text/xml"))


def answer(response):
    assert response.status_code == 200, response.content
    assert response["Content-Type"] == "text/xml; charset=utf-8"
    (result,), _ = xmlrpc.client.loads(response.content, use_builtin_types=True)
    return result


def fault(client, body, code):
    with pytest.raises(xmlrpc.client.Fault) as raised:
        answer(client.post("/pypi", body, content_type="text/xml"))
    assert raised.value.faultCode == code
    return raised.value.faultString


@pytest.fixture
def index(owner, registry_admin):
    """alpha (two releases), beta (its release removed), gamma (removed), delta (pending)."""
    projects = {}
    for name in ("alpha", "Beta", "gamma", "delta"):
        projects[name] = services.create_project(
            name=name, owner=owner, actor=owner, reason="New", now=T0
        )
        publish(projects[name], "1.0", actor=owner, now=T0)
    release = publish(projects["alpha"], "2.0", actor=owner, now=T1)
    services.remove_release(
        release=projects["Beta"].releases.get(), actor=owner, reason="Mistake", now=T1
    )
    services.remove_project(
        project=projects["gamma"],
        actor=registry_admin,
        reason="Malware",
        category=RemovalCategory.SECURITY,
        now=T1,
    )
    services.mark_pending_removal(project=projects["delta"], actor=owner, reason="Staged", now=T1)
    for project in projects.values():
        project.refresh_from_db()
    return projects, release


def test_list_packages_with_serial_lists_the_main_index(client, index):
    projects, _ = index
    assert call(client, "list_packages_with_serial") == {
        "alpha": projects["alpha"].last_serial,
        "Beta": projects["Beta"].last_serial,
    }
    assert call(client, "list_packages") == ["alpha", "Beta"]


def test_changelog_since_serial_lists_every_change_in_order(client, index):
    projects, _ = index
    changes = call(client, "changelog_since_serial", 0)
    journal = list(Change.objects.order_by("pk"))
    assert [row[4] for row in changes] == [change.pk for change in journal]
    first = journal[0]
    assert changes[0] == [
        first.name,
        first.version or None,
        int(first.submitted_at.timestamp()),
        first.action,
        first.pk,
    ]
    # Takedowns are in the log, so mirrors learn of them.
    actions = {(row[0], row[3]) for row in changes}
    assert ("Beta", "remove release") in actions
    assert ("gamma", "remove project") in actions
    # Each project's newest change is its serial.
    for name in ("alpha", "Beta", "gamma", "delta"):
        assert max(row[4] for row in changes if row[0] == name) == projects[name].last_serial
    middle = journal[3].pk
    assert [row[4] for row in call(client, "changelog_since_serial", middle)] == [
        change.pk for change in journal if change.pk > middle
    ]
    # Beyond XML-RPC's int (xmlrpc.client will not send it) and PostgreSQL's bigint: nothing.
    huge = (
        "<methodCall><methodName>changelog_since_serial</methodName><params><param><value>"
        f"<i8>{2**70}</i8></value></param></params></methodCall>"
    )
    assert answer(client.post("/pypi", huge, content_type="text/xml")) == []
    assert call(client, "changelog_last_serial") == journal[-1].pk


def test_the_changelog_comes_in_chunks_of_at_most_the_limit(client, index, monkeypatch):
    monkeypatch.setattr(rpc, "CHANGELOG_LIMIT", 2)
    serials = [row[4] for row in call(client, "changelog_since_serial", 0)]
    assert serials == list(Change.objects.order_by("pk").values_list("pk", flat=True)[:2])


def test_an_empty_index_has_serial_zero(client):
    assert call(client, "changelog_last_serial") == 0
    assert call(client, "changelog_since_serial") == []
    assert call(client, "list_packages_with_serial") == {}


def test_the_list_takes_one_query_whatever_the_number_of_projects(
    client, owner, django_assert_num_queries
):
    for n in range(30):
        Project.objects.create(name=f"bulk-{n}")
    with django_assert_num_queries(1):
        assert len(call(client, "list_packages_with_serial")) == 30
    with django_assert_num_queries(1):
        call(client, "changelog_since_serial", 0)


@pytest.mark.parametrize(
    ("method", "params", "code", "reason"),
    [
        ("no_such_method", (), rpc.UNKNOWN_METHOD, "There is no method 'no_such_method'"),
        ("changelog_since_serial", ("7",), rpc.BAD_PARAMS, "must be an integer, not str"),
        ("changelog_since_serial", (True,), rpc.BAD_PARAMS, "must be an integer, not bool"),
        ("changelog_since_serial", (-1,), rpc.BAD_PARAMS, "must be zero or more"),
        ("changelog_since_serial", (1, 2), rpc.BAD_PARAMS, "got 2 params"),
        ("list_packages_with_serial", (1,), rpc.BAD_PARAMS, "got 1 params"),
    ],
)
def test_bad_calls_get_a_fault_that_says_why(client, method, params, code, reason):
    body = xmlrpc.client.dumps(params, method)
    assert reason in fault(client, body, code)


@pytest.mark.parametrize(
    "body",
    [
        b"",
        b"not xml at all",
        b"<?xml version='1.0'?><methodCall><methodName>list_packages",
        b"<methodCall><methodName>list\x00_packages</methodName></methodCall>",
        b"<methodCall><methodName>x</methodName><params><param><value><int>&#0;</int>"
        b"</value></param></params></methodCall>",
        b"<methodCall><params><param><value><int>abc</int></value></param></params></methodCall>",
        b"<methodCall><params><param><value><int>" + b"9" * 5000 + b"</int></value></param>"
        b"</params></methodCall>",
        xmlrpc.client.dumps((1,), methodresponse=True).encode(),
        xmlrpc.client.dumps(xmlrpc.client.Fault(1, "x"), methodresponse=True).encode(),
        b"\xff\xfe<bad encoding>",
    ],
)
def test_malformed_calls_get_a_fault(client, body):
    assert fault(client, body, rpc.PARSE_ERROR)


ENTITY_BOMB = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
]>
<methodCall><methodName>list_packages</methodName><params><param><value>
<string>&lol3;</string></value></param></params></methodCall>"""

EXTERNAL_ENTITY = b"""<?xml version="1.0"?>
<!DOCTYPE call [<!ENTITY secret SYSTEM "file:///etc/passwd">]>
<methodCall><methodName>list_packages</methodName><params><param><value>
<string>&secret;</string></value></param></params></methodCall>"""


@pytest.mark.parametrize("body", [ENTITY_BOMB, EXTERNAL_ENTITY])
def test_dtds_and_entities_are_refused(client, body):
    assert "DTDs and entities are not accepted" in fault(client, body, rpc.PARSE_ERROR)


def test_a_huge_body_is_refused_unread(client):
    body = xmlrpc.client.dumps(("x" * (rpc.MAX_BODY_BYTES + 1),), "list_packages")
    assert "larger than 65,536 bytes" in fault(client, body, rpc.PARSE_ERROR)


def test_only_post_is_answered(client):
    response = client.get("/pypi")
    assert response.status_code == 405
    assert response["Allow"] == "POST"
    assert "POST an XML-RPC call" in response.content.decode()


def test_the_endpoint_needs_no_csrf_token(owner):
    from django.test import Client

    strict = Client(enforce_csrf_checks=True)
    body = xmlrpc.client.dumps((), "changelog_last_serial")
    assert answer(strict.post("/pypi", body, content_type="text/xml")) == 0
