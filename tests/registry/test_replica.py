"""The optional read replica: the simple pages and the root index read from it, everything else
(the admin, maintainers' pages, services, writes, reads inside a transaction) from the primary.

The replica here is a second alias on the test database, as Django's "Testing primary/replica
configurations" sets one up (TEST MIRROR), added for this module only: each connection counts
its own queries, so which database a page read from is seen.
"""

import runpy
from pathlib import Path

import pytest
from django.db import DEFAULT_DB_ALIAS, connections, transaction
from django.test.utils import CaptureQueriesContext

from registry import services
from registry.distributions import build_wheel
from registry.models import Project
from registry.replica import REPLICA, PrimaryRouter, reader

SETTINGS = Path(__file__).resolve().parents[2] / "config" / "settings.py"
JSON = "application/vnd.pypi.simple.v1+json"


@pytest.fixture(scope="module", autouse=True)
def replica_alias(django_db_setup, django_db_blocker):
    """A `replica` alias mirroring the test database, for this module's tests only (made before
    each test's database set-up, which checks the aliases a test names)."""
    primary = connections[DEFAULT_DB_ALIAS].settings_dict
    connections.settings[REPLICA] = {
        **primary,
        "TEST": {**primary["TEST"], "MIRROR": DEFAULT_DB_ALIAS},
    }
    try:
        yield
    finally:
        with django_db_blocker.unblock():
            connections[REPLICA].close()
        del connections[REPLICA]
        del connections.settings[REPLICA]


# A separate connection cannot see a test's open transaction, so these tests commit for real.
pytestmark = pytest.mark.django_db(transaction=True, databases=[DEFAULT_DB_ALIAS, REPLICA])


@pytest.fixture
def published(transactional_db, owner):
    project = services.create_project(name="mirrored", owner=owner, actor=owner, reason="New")
    release = services.create_release(project=project, version="1.0", actor=owner, reason="New")
    dist = build_wheel("mirrored", "1.0")
    services.add_file(
        release=release, filename=dist.filename, content=dist.content, actor=owner, reason="Up"
    )
    return project


class Reads:
    """Count the queries of the primary and of the replica separately."""

    def __init__(self):
        self.primary = CaptureQueriesContext(connections[DEFAULT_DB_ALIAS])
        self.replica = CaptureQueriesContext(connections[REPLICA])

    def __enter__(self):
        self.primary.__enter__()
        self.replica.__enter__()
        return self

    def __exit__(self, *exc):
        self.replica.__exit__(*exc)
        self.primary.__exit__(*exc)


def test_without_a_replica_everything_reads_the_primary(monkeypatch):
    monkeypatch.delitem(connections.settings, REPLICA)
    assert reader() == DEFAULT_DB_ALIAS


def test_simple_pages_and_the_root_index_read_from_the_replica(client, published):
    assert reader() == REPLICA
    for url, accept, queries in [
        ("/simple/mirrored/", "text/html", 2),  # the project, its files
        ("/simple/mirrored/", JSON, 3),  # ... and its versions
        ("/simple/mirrored/", JSON, 1),  # cached: the project row only
        ("/simple/", "text/html", 2),  # the names, the newest serial
        ("/pending/simple/", JSON, 2),
        ("/simple/gone/", "text/html", 2),  # a 404 explains itself from the replica too
    ]:
        with Reads() as reads:
            response = client.get(url, HTTP_ACCEPT=accept)
            if response.streaming:
                b"".join(response.streaming_content)
        assert len(reads.primary.captured_queries) == 0, (url, reads.primary.captured_queries)
        assert len(reads.replica.captured_queries) == queries, url
    assert client.get("/simple/mirrored/")["X-PyPI-Last-Serial"] == str(
        Project.objects.get(pk=published.pk).last_serial
    )


def test_inside_a_transaction_the_reader_is_the_primary():
    with transaction.atomic():
        assert reader() == DEFAULT_DB_ALIAS
    assert reader() == REPLICA


def test_services_and_maintainer_and_admin_pages_never_read_the_replica(
    client, admin_client, published, owner
):
    with Reads() as reads:
        release = services.create_release(
            project=published, version="2.0", actor=owner, reason="New"
        )
        services.yank_release(release=release, actor=owner, reason="Broken")
        client.force_login(owner)
        assert client.get("/manage/").status_code == 200
        assert client.get(f"/manage/{published.normalized_name}/").status_code == 200
        assert admin_client.get("/admin/registry/project/").status_code == 200
        assert (
            admin_client.get(f"/admin/registry/project/{published.pk}/change/").status_code == 200
        )
    assert reads.replica.captured_queries == []
    assert len(reads.primary.captured_queries) > 0


def test_the_router_keeps_everything_but_explicit_reads_on_the_primary(published):
    router = PrimaryRouter()
    assert router.db_for_read(Project) == DEFAULT_DB_ALIAS
    assert router.db_for_write(Project) == DEFAULT_DB_ALIAS
    assert router.allow_migrate(DEFAULT_DB_ALIAS, "registry")
    assert not router.allow_migrate(REPLICA, "registry")
    from_replica = Project.objects.using(REPLICA).get(pk=published.pk)
    assert router.allow_relation(from_replica, published) is True


def test_the_setting_adds_a_mirrored_replica_and_the_router(monkeypatch):
    monkeypatch.delenv("DATABASE_REPLICA_URL", raising=False)
    without = runpy.run_path(str(SETTINGS))
    assert set(without["DATABASES"]) == {"default"}
    assert "DATABASE_ROUTERS" not in without

    monkeypatch.setenv("DATABASE_REPLICA_URL", "postgres://reader@replica.internal:5432/holdfast")
    configured = runpy.run_path(str(SETTINGS))
    replica = configured["DATABASES"]["replica"]
    assert replica["HOST"] == "replica.internal"
    assert replica["TEST"] == {"MIRROR": "default"}
    assert replica["CONN_HEALTH_CHECKS"] is True
    assert configured["DATABASE_ROUTERS"] == ["registry.replica.PrimaryRouter"]
