"""Simple pages cached by serial: a repeat request is one query and a cache read; every change a
service makes is on the next request; gzip for large pages; surrogate keys for a CDN; a cache
that fails never breaks a page; and the same with a real Redis behind CACHE_URL."""

import gzip
import json
import logging
import uuid

import pytest
from django.core.cache import caches
from django.core.cache.backends.base import BaseCache
from django.test import RequestFactory

from registry import services
from registry.cdn import INDEX_KEY, SURROGATE_KEY_HEADER
from registry.distributions import build_sdist, build_wheel
from registry.models import File, RemovalCategory
from registry.simple import cache as page_cache
from registry.simple.protocol import PAGE_FORMAT, accepts_gzip
from tests.factories import FileFactory, ProjectFactory, ReleaseFactory
from tests.registry.test_throttle_redis import redis_answers

pytestmark = pytest.mark.django_db

JSON = "application/vnd.pypi.simple.v1+json"
HTML = "application/vnd.pypi.simple.v1+html"
PAGE = "/simple/cached/"
PENDING_PAGE = "/pending/simple/cached/"
FILES_TABLE = File._meta.db_table
REDIS_URL = "redis://127.0.0.1:6379/3"


@pytest.fixture(autouse=True)
def healthy_cache():
    """Each test starts, and leaves the next one, with a cache taken to be healthy."""
    page_cache._health.failing, page_cache._health.resting_until = False, 0.0
    yield
    page_cache._health.failing, page_cache._health.resting_until = False, 0.0


@pytest.fixture
def project(owner, registry_admin):
    """`cached`: 1.0 (sdist + wheel), 1.1 (one wheel), and 2.0 pending removal (one wheel), all
    through the services, so every row is journaled and the project has a serial."""
    project = services.create_project(name="cached", owner=owner, actor=owner, reason="New")
    for version, dists in (
        ("1.0", [build_sdist("cached", "1.0"), build_wheel("cached", "1.0")]),
        ("1.1", [build_wheel("cached", "1.1")]),
        ("2.0", [build_wheel("cached", "2.0")]),
    ):
        release = services.create_release(
            project=project, version=version, actor=owner, reason="Upload"
        )
        for dist in dists:
            upload(release, dist, owner)
    services.mark_pending_removal(
        project=project, release=release, actor=registry_admin, reason="Staged"
    )
    project.refresh_from_db()
    return project


def upload(release, dist, actor):
    return services.add_file(
        release=release,
        filename=dist.filename,
        content=dist.content,
        actor=actor,
        reason="Upload",
        core_metadata=dist.metadata,
    )


def files_read(queries):
    return [q["sql"] for q in queries if FILES_TABLE in q["sql"]]


# A repeat request -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "accept", "first"),
    [
        (PAGE, "text/html", 2),  # the project, its files
        (PAGE, JSON, 3),  # ... and its versions
        (PENDING_PAGE, "text/html", 2),
        (PENDING_PAGE, JSON, 3),
    ],
)
def test_a_repeat_request_is_one_query_and_never_reads_the_files(
    client, project, django_assert_num_queries, url, accept, first
):
    with django_assert_num_queries(first):
        rendered = client.get(url, HTTP_ACCEPT=accept)
    with django_assert_num_queries(1) as repeat:  # the project row, with its serial
        again = client.get(url, HTTP_ACCEPT=accept)

    assert files_read(repeat.captured_queries) == []
    assert again.status_code == 200
    assert again.content == rendered.content
    assert again["ETag"] == rendered["ETag"]
    assert again["Content-Type"] == rendered["Content-Type"]
    assert again["X-PyPI-Last-Serial"] == str(project.last_serial)


def test_html_json_and_both_indexes_are_cached_apart(client, project, django_assert_num_queries):
    pages = {}
    for url in (PAGE, PENDING_PAGE):
        for accept in ("text/html", JSON):
            pages[url, accept] = client.get(url, HTTP_ACCEPT=accept).content
    assert len(set(pages.values())) == 4
    assert b"cached-2.0" not in pages[PAGE, "text/html"]
    assert b"cached-2.0" in pages[PENDING_PAGE, "text/html"]

    for (url, accept), content in pages.items():
        with django_assert_num_queries(1):
            assert client.get(url, HTTP_ACCEPT=accept).content == content
    # v1+html is the same bytes as text/html under another type: read from the same entry.
    with django_assert_num_queries(1):
        same = client.get(PAGE, HTTP_ACCEPT=HTML)
    assert same.content == pages[PAGE, "text/html"]
    assert same["Content-Type"] == f"{HTML}; charset=utf-8"


def test_a_conditional_request_is_one_query_cached_or_not(
    client, project, django_assert_num_queries
):
    etag = client.get(PAGE)["ETag"]
    caches["default"].clear()
    with django_assert_num_queries(1):
        assert client.get(PAGE, HTTP_IF_NONE_MATCH=etag).status_code == 304
    client.get(PAGE)
    with django_assert_num_queries(1):
        assert client.get(PAGE, HTTP_IF_NONE_MATCH=etag).status_code == 304


def test_a_project_never_journaled_is_rendered_every_time(client, django_assert_num_queries):
    # Rows written outside the services (bulk data without scale.journal()) have serial 0 and
    # nothing would move it when they change: such a page is never kept.
    project = ProjectFactory(name="unjournaled")
    FileFactory(release=ReleaseFactory(project=project))
    client.get("/simple/unjournaled/")
    FileFactory(release=ReleaseFactory(project=project))
    with django_assert_num_queries(2):
        assert client.get("/simple/unjournaled/").content.count(b"<a href=") == 2


# Every change is on the next request ------------------------------------------------------------


def change_upload(project, owner, admin):
    release = services.create_release(project=project, version="3.0", actor=owner, reason="New")
    upload(release, build_wheel("cached", "3.0"), owner)


def change_yank(project, owner, admin):
    release = project.releases.get(version="1.1")
    services.yank_release(release=release, actor=owner, reason="Broken")


def change_unyank(project, owner, admin):
    services.unyank_release(release=project.releases.get(version="1.1"), actor=owner, reason="Ok")


def change_remove_file(project, owner, admin):
    file = File.objects.get(filename="cached-1.1-py3-none-any.whl")
    services.remove_files(files=[file], actor=owner, reason="Broken")


def change_restore(project, owner, admin):
    file = File.objects.get(filename="cached-1.1-py3-none-any.whl")
    services.restore_removal(event=file.removal_event, actor=admin, reason="Mistake")


def change_remove_release(project, owner, admin):
    services.remove_release(release=project.releases.get(version="1.1"), actor=owner, reason="Old")


def change_purge(project, owner, admin):
    file = File.objects.get(filename="cached-1.0.tar.gz")
    services.purge_files(
        files=[file], actor=admin, reason="Leaked key", category=RemovalCategory.SECURITY
    )


def change_archive(project, owner, admin):
    services.archive_project(project=project, actor=owner, reason="Done")


def change_deprecate(project, owner, admin):
    services.deprecate_project(project=project, message="Use other", actor=owner, reason="Old")


def change_quarantine(project, owner, admin):
    services.quarantine_project(project=project, actor=admin, reason="Malware")


def change_pending_release(project, owner, admin):
    release = project.releases.get(version="1.1")
    services.mark_pending_removal(project=project, release=release, actor=admin, reason="Staged")


def warm(project):
    """Request every page of `project` once, so each is in the cache."""
    from django.test import Client

    client = Client()
    for url in (PAGE, PENDING_PAGE):
        for accept in ("text/html", JSON):
            client.get(url, HTTP_ACCEPT=accept, HTTP_ACCEPT_ENCODING="gzip")


@pytest.mark.parametrize(
    "changes",
    [
        [change_upload],
        [change_yank],
        [change_yank, change_unyank],
        [change_remove_file],
        [change_remove_file, change_restore],
        [change_remove_release],
        [change_purge],
        [change_archive],
        [change_deprecate],
        [change_quarantine],
        [change_pending_release],
    ],
    ids=lambda changes: changes[-1].__name__,
)
def test_every_change_through_a_service_is_on_the_next_request(
    client, project, owner, registry_admin, changes
):
    *earlier, change = changes
    for step in earlier:
        step(project, owner, registry_admin)
    warm(project)
    before = {
        (url, accept): client.get(url, HTTP_ACCEPT=accept).content
        for url in (PAGE, PENDING_PAGE)
        for accept in ("text/html", JSON)
    }

    change(project, owner, registry_admin)

    after = {key: client.get(key[0], HTTP_ACCEPT=key[1]) for key in before}
    caches["default"].clear()
    fresh = {key: client.get(key[0], HTTP_ACCEPT=key[1]) for key in before}
    for key, response in after.items():
        assert response.content == fresh[key].content, key
        assert response["ETag"] == fresh[key]["ETag"], key
    assert any(after[key].content != before[key] for key in before)


# gzip -------------------------------------------------------------------------------------------


def test_a_large_page_is_served_gzip_compressed_and_decodes_to_the_same_bytes(
    client, project, django_assert_num_queries
):
    for accept in ("text/html", JSON):
        plain = client.get(PAGE, HTTP_ACCEPT=accept)
        assert len(plain.content) >= page_cache.GZIP_MIN_BYTES
        assert "Content-Encoding" not in plain
        with django_assert_num_queries(1):
            compressed = client.get(PAGE, HTTP_ACCEPT=accept, HTTP_ACCEPT_ENCODING="gzip, br")

        assert compressed["Content-Encoding"] == "gzip"
        assert gzip.decompress(compressed.content) == plain.content
        assert len(compressed.content) < len(plain.content)
        assert compressed["Vary"] == "Accept, Accept-Encoding"
        # Another representation: a weak tag, which still validates under If-None-Match.
        assert compressed["ETag"] == "W/" + plain["ETag"]
        for etag in (compressed["ETag"], plain["ETag"]):
            revalidated = client.get(
                PAGE, HTTP_ACCEPT=accept, HTTP_ACCEPT_ENCODING="gzip", HTTP_IF_NONE_MATCH=etag
            )
            assert revalidated.status_code == 304
            assert revalidated["ETag"] == compressed["ETag"]


def test_a_page_rendered_on_a_miss_is_compressed_at_once(client, project):
    compressed = client.get(PAGE, HTTP_ACCEPT_ENCODING="gzip")
    assert compressed["Content-Encoding"] == "gzip"
    assert gzip.decompress(compressed.content) == client.get(PAGE).content


def test_gzip_refused_or_a_small_page_is_sent_as_it_is(client, project, owner):
    refused = client.get(PAGE, HTTP_ACCEPT_ENCODING="gzip;q=0, identity")
    assert "Content-Encoding" not in refused
    assert refused.content.startswith(b"<!DOCTYPE html>")

    services.create_project(name="tiny", owner=owner, actor=owner, reason="New")
    small = client.get("/simple/tiny/", HTTP_ACCEPT_ENCODING="gzip")
    assert len(small.content) < page_cache.GZIP_MIN_BYTES
    assert "Content-Encoding" not in small
    assert small.content.startswith(b"<!DOCTYPE html>")
    # Its tag is weak all the same: the tag depends on the request, not on the page's size.
    assert small["ETag"].startswith("W/")


@pytest.mark.parametrize(
    ("header", "accepted"),
    [
        ("", False),
        ("gzip", True),
        ("GZIP", True),
        ("x-gzip", True),
        ("deflate, gzip;q=0.5", True),
        ("gzip;q=0", False),
        ("gzip;q=0.0, *", False),
        ("br, *", True),
        ("*;q=0", False),
        ("identity", False),
        ("gzip;q=nonsense", False),
    ],
)
def test_accept_encoding_is_read_with_its_qualities(header, accepted):
    request = RequestFactory().get("/", HTTP_ACCEPT_ENCODING=header)
    assert accepts_gzip(request) is accepted


def test_the_root_index_is_gzip_compressed_for_clients_that_accept_it(client, project):
    plain = b"".join(client.get("/simple/").streaming_content)
    compressed = client.get("/simple/", HTTP_ACCEPT_ENCODING="gzip")
    assert compressed["Content-Encoding"] == "gzip"
    assert gzip.decompress(b"".join(compressed.streaming_content)) == plain
    assert compressed["Vary"] == "Accept, Accept-Encoding"


# Surrogate keys ---------------------------------------------------------------------------------


def test_pages_and_the_root_index_carry_surrogate_keys(client, project):
    for url in (PAGE, PENDING_PAGE):
        for accept in ("text/html", JSON):
            response = client.get(url, HTTP_ACCEPT=accept)
            assert response[SURROGATE_KEY_HEADER] == "project/cached"
            revalidated = client.get(url, HTTP_ACCEPT=accept, HTTP_IF_NONE_MATCH=response["ETag"])
            assert revalidated.status_code == 304
            assert revalidated[SURROGATE_KEY_HEADER] == "project/cached"
    for url in ("/simple/", "/pending/simple/"):
        for accept in ("text/html", JSON):
            assert client.get(url, HTTP_ACCEPT=accept)[SURROGATE_KEY_HEADER] == INDEX_KEY
    # A 404 for a valid name carries the key too, so a purge of the project reaches it.
    assert client.get("/simple/nothing-here/")[SURROGATE_KEY_HEADER] == "project/nothing-here"


# The key ----------------------------------------------------------------------------------------


def test_the_key_names_format_serial_index_representation_and_project_briefly():
    key = page_cache.page_key(
        project_pk=12, serial=3456, index="main", representation="json", files_prefix="/files/"
    )
    assert key.startswith(f"simple:{PAGE_FORMAT}:")
    assert key.endswith(":main:json:12:3456")
    assert len(key) < 64
    assert key != page_cache.page_key(
        project_pk=12, serial=3456, index="main", representation="json", files_prefix="/p/"
    )


def test_new_page_code_never_reads_a_page_kept_by_the_old(
    client, project, monkeypatch, django_assert_num_queries
):
    client.get(PAGE)
    monkeypatch.setattr(page_cache, "PAGE_FORMAT", PAGE_FORMAT + 1)
    with django_assert_num_queries(2):
        client.get(PAGE)


# A cache that fails -----------------------------------------------------------------------------


class BrokenCache(BaseCache):
    """A cache whose server is down: every call raises, as redis-py's would."""

    calls = 0

    def __init__(self, location, params):
        super().__init__(params)

    def get(self, key, default=None, version=None):
        BrokenCache.calls += 1
        raise ConnectionError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

    def set(self, key, value, timeout=None, version=None):
        BrokenCache.calls += 1
        raise ConnectionError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

    def clear(self):
        pass


def test_a_failing_cache_never_breaks_a_page_and_is_logged_once(
    client, project, settings, caplog, monkeypatch
):
    expected = {accept: client.get(PAGE, HTTP_ACCEPT=accept).content for accept in ("", JSON)}
    settings.CACHES = {"default": {"BACKEND": f"{__name__}.BrokenCache"}}
    BrokenCache.calls = 0
    now = [1000.0]
    monkeypatch.setattr(page_cache, "_clock", lambda: now[0])

    with caplog.at_level(logging.WARNING, logger="registry.simple.cache"):
        for _ in range(3):
            for accept in ("", JSON):
                response = client.get(PAGE, HTTP_ACCEPT=accept, HTTP_ACCEPT_ENCODING="gzip")
                assert response.status_code == 200
                assert "Content-Encoding" not in response  # nothing compressed for the cache
                assert response.content == expected[accept]
    assert BrokenCache.calls == 1  # then it rests, and requests do not wait on it
    assert len(caplog.records) == 1
    assert "CACHE_URL" in caplog.records[0].getMessage()

    now[0] += page_cache.RETRY_AFTER_SECONDS + 1
    assert client.get(PAGE).content == expected[""]
    assert BrokenCache.calls == 2  # tried again after the rest, still logged once
    assert len(caplog.records) == 1

    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    now[0] += page_cache.RETRY_AFTER_SECONDS + 1
    with caplog.at_level(logging.WARNING, logger="registry.simple.cache"):
        assert client.get(PAGE).content == expected[""]
    assert "answers again" in caplog.records[-1].getMessage()
    assert client.get(PAGE, HTTP_ACCEPT_ENCODING="gzip")["Content-Encoding"] == "gzip"


# A real Redis -----------------------------------------------------------------------------------


@pytest.mark.skipif(not redis_answers(), reason=f"no Redis answers at {REDIS_URL} (CI starts one)")
def test_pages_are_cached_in_redis(client, project, owner, settings, django_assert_num_queries):
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": f"test-{uuid.uuid4()}",  # never a page a previous run kept
        }
    }
    try:
        first = client.get(PAGE, HTTP_ACCEPT=JSON)
        with django_assert_num_queries(1):
            again = client.get(PAGE, HTTP_ACCEPT=JSON, HTTP_ACCEPT_ENCODING="gzip")
        assert gzip.decompress(again.content) == first.content

        change_yank(project, owner, None)
        yanked = json.loads(client.get(PAGE, HTTP_ACCEPT=JSON).content)
        assert {f["filename"]: f["yanked"] for f in yanked["files"]}[
            "cached-1.1-py3-none-any.whl"
        ] == "Broken"
    finally:
        caches["default"].clear()  # database 3 is this test's own
