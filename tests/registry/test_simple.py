"""The Simple Repository API and file downloads, pinned against the PEPs installers rely on.

PEP 503 (HTML), 592 (yanks), 629 (API version), 658/714 (metadata files), 691 (JSON and content
negotiation), 700 (versions, size, upload time), 792 (project status, API 1.4). Every page is
checked byte for byte (HTML) or key for key (JSON), so a changed field fails a test.
"""

import hashlib
import json
from datetime import UTC, date, datetime, timedelta

import pytest

from registry import services
from registry.distributions import build_sdist, build_wheel
from registry.models import DownloadCount, File, Project, RemovalCategory
from registry.simple import choose_media_type, record_download
from tests.benchmarks.bench_simple_page import create_project_with_files
from tests.factories import FileFactory, ProjectFactory, ReleaseFactory

pytestmark = pytest.mark.django_db

NOW = datetime(2025, 6, 1, 12, 0, tzinfo=UTC)
T0 = datetime(2025, 5, 1, 10, 0, 0, tzinfo=UTC)  # whole seconds: ".000000Z"
T1 = datetime(2025, 5, 1, 10, 0, 1, 234567, tzinfo=UTC)
T2 = datetime(2025, 5, 2, 8, 30, 0, 5, tzinfo=UTC)
T3 = datetime(2025, 5, 3, 9, 0, 0, tzinfo=UTC)
JSON = "application/vnd.pypi.simple.v1+json"
HTML = "application/vnd.pypi.simple.v1+html"
YANK_REASON = 'Broken <wheel> & "bad" tag'
PAGE = "/simple/sample-proj/"
PENDING_PAGE = "/pending/simple/sample-proj/"


def sha256(data):
    return hashlib.sha256(data).hexdigest()


def upload(release, dist, *, actor, now, requires_python="", metadata=True):
    return services.add_file(
        release=release,
        filename=dist.filename,
        content=dist.content,
        actor=actor,
        reason="Upload",
        requires_python=requires_python,
        core_metadata=dist.metadata if metadata else "",
        now=now,
    )


@pytest.fixture
def sample(owner):
    """Sample_Proj: 1.0 (sdist + wheel, metadata, Requires-Python), 1.1 (yanked with a reason),
    1.9 (its only file removed) and 1.10 (yanked without a reason)."""
    project = services.create_project(
        name="Sample_Proj", owner=owner, actor=owner, reason="New", now=T0
    )
    dists = {}

    def release(version, now):
        return services.create_release(
            project=project, version=version, actor=owner, reason="Upload", now=now
        )

    r10 = release("1.0", T0)
    dists["sdist"] = build_sdist("Sample_Proj", "1.0", requires_python=">=3.8")
    dists["wheel"] = build_wheel("Sample_Proj", "1.0", requires_python=">=3.8")
    upload(r10, dists["sdist"], actor=owner, now=T0, requires_python=">=3.8")
    upload(r10, dists["wheel"], actor=owner, now=T1, requires_python=">=3.8")
    r11 = release("1.1", T2)
    dists["yanked"] = build_wheel("Sample_Proj", "1.1")
    upload(r11, dists["yanked"], actor=owner, now=T2, metadata=False)
    services.yank_release(release=r11, actor=owner, reason=YANK_REASON, now=NOW)
    r19 = release("1.9", T2)
    removed = upload(r19, build_wheel("Sample_Proj", "1.9"), actor=owner, now=T2)
    services.remove_files(files=[removed], actor=owner, reason="Broken", now=NOW)
    r110 = release("1.10", T3)
    dists["silent"] = build_wheel("Sample_Proj", "1.10")
    upload(r110, dists["silent"], actor=owner, now=T3, metadata=False)
    r110.yanked, r110.yanked_reason, r110.yanked_at = True, "", NOW
    r110.save(update_fields=["yanked", "yanked_reason", "yanked_at"])
    project.refresh_from_db()
    return project, dists


def metadata_hash(dist):
    return sha256(dist.metadata.encode())


def link(dist, *, attrs=""):
    href = f"/files/{dist.filename}#sha256={sha256(dist.content)}"
    return f'<a href="{href}"{attrs}>{dist.filename}</a><br>\n'


def metadata_attrs(dist):
    digest = f"sha256={metadata_hash(dist)}"
    return f' data-core-metadata="{digest}" data-dist-info-metadata="{digest}"'


def html_page(title, links, *, status="active", reason=None):
    reason_meta = f'<meta name="pypi:project-status-reason" content="{reason}">\n' if reason else ""
    return (
        "<!DOCTYPE html>\n<html>\n<head>\n"
        '<meta name="pypi:repository-version" content="1.4">\n'
        f'<meta name="pypi:project-status" content="{status}">\n'
        f"{reason_meta}"
        f"<title>Links for {title}</title>\n</head>\n<body>\n<h1>Links for {title}</h1>\n"
        + "".join(links)
        + "</body>\n</html>\n"
    )


def sample_links(dists):
    return [
        link(
            dists["sdist"],
            attrs=' data-requires-python="&gt;=3.8"' + metadata_attrs(dists["sdist"]),
        ),
        link(
            dists["wheel"],
            attrs=' data-requires-python="&gt;=3.8"' + metadata_attrs(dists["wheel"]),
        ),
        link(
            dists["yanked"], attrs=' data-yanked="Broken &lt;wheel&gt; &amp; &quot;bad&quot; tag"'
        ),
        link(dists["silent"], attrs=' data-yanked=""'),
    ]


def json_file(dist, uploaded, *, requires_python=None, yanked=False, metadata=True):
    entry = {
        "filename": dist.filename,
        "url": f"/files/{dist.filename}",
        "hashes": {"sha256": sha256(dist.content)},
        "size": len(dist.content),
        "upload-time": uploaded,
        "yanked": yanked,
        "core-metadata": {"sha256": metadata_hash(dist)} if metadata else False,
    }
    if requires_python:
        entry["requires-python"] = requires_python
    return entry


def sample_json_files(dists):
    return [
        json_file(dists["sdist"], "2025-05-01T10:00:00.000000Z", requires_python=">=3.8"),
        json_file(dists["wheel"], "2025-05-01T10:00:01.234567Z", requires_python=">=3.8"),
        json_file(
            dists["yanked"], "2025-05-02T08:30:00.000005Z", yanked=YANK_REASON, metadata=False
        ),
        json_file(dists["silent"], "2025-05-03T09:00:00.000000Z", yanked=True, metadata=False),
    ]


def get_json(client, url, **headers):
    response = client.get(url, HTTP_ACCEPT=JSON, **headers)
    assert response.status_code == 200, response.content
    assert response["Content-Type"] == JSON
    return json.loads(response.content)


def set_pending(obj, when=NOW):
    obj.pending_removal_at = when
    obj.save(update_fields=["pending_removal_at"])


def streamed(response):
    return b"".join(response.streaming_content).decode()


# The project page -------------------------------------------------------------------------------


def test_html_page_lists_installable_files_with_pep_fields(client, sample):
    _project, dists = sample
    response = client.get(PAGE)
    assert response.status_code == 200
    assert response["Content-Type"] == "text/html; charset=utf-8"
    assert response["Vary"] == "Accept, Accept-Encoding"
    assert response["Cache-Control"] == "public, max-age=60"
    assert response.content.decode() == html_page("Sample_Proj", sample_links(dists))


def test_json_page_lists_installable_files_with_pep_fields(client, sample):
    _project, dists = sample
    assert get_json(client, PAGE) == {
        "meta": {"api-version": "1.4"},
        "name": "sample-proj",
        "project-status": {"status": "active"},
        # PEP 440 order (1.9 before 1.10); 1.9 stays listed though its only file was removed.
        "versions": ["1.0", "1.1", "1.9", "1.10"],
        "files": sample_json_files(dists),
    }


def test_the_html_and_json_metadata_hashes_are_the_hash_of_the_served_metadata(client, sample):
    _project, dists = sample
    wheel = dists["wheel"]
    response = client.get(f"/files/{wheel.filename}.metadata")
    assert response.status_code == 200
    assert response.content == wheel.metadata.encode()
    assert response["Content-Type"] == "text/plain; charset=utf-8"
    assert response["ETag"] == f'"{sha256(response.content)}"'
    page = get_json(client, PAGE)
    (entry,) = [f for f in page["files"] if f["filename"] == wheel.filename]
    assert entry["core-metadata"] == {"sha256": sha256(response.content)}
    assert (
        f'data-core-metadata="sha256={sha256(response.content)}"'
        in client.get(PAGE).content.decode()
    )


def test_metadata_of_a_file_without_metadata_is_404(client, sample):
    _project, dists = sample
    response = client.get(f"/files/{dists['yanked'].filename}.metadata")
    assert response.status_code == 404
    assert response["Content-Type"] == "text/plain; charset=utf-8"
    assert "no separate metadata" in response.content.decode()


def test_metadata_of_a_removed_file_is_404(client, sample, owner):
    _project, dists = sample
    services.remove_files(
        files=[File.objects.get(filename=dists["wheel"].filename)], actor=owner, reason="Oops"
    )
    response = client.get(f"/files/{dists['wheel'].filename}.metadata")
    assert response.status_code == 404
    assert response.content.decode() == "This file was removed from the index.\n"


def test_archived_project_keeps_its_files_and_says_archived(client, sample, owner):
    project, dists = sample
    services.archive_project(project=project, actor=owner, reason="Finished <for good>")
    html = client.get(PAGE).content.decode()
    assert html == html_page(
        "Sample_Proj",
        sample_links(dists),
        status="archived",
        reason="Finished &lt;for good&gt;",
    )
    page = get_json(client, PAGE)
    assert page["project-status"] == {"status": "archived", "reason": "Finished <for good>"}
    assert len(page["files"]) == 4


def test_deprecated_project_says_deprecated_with_its_escaped_message(client, sample, owner):
    project, dists = sample
    message = 'Use "new-lib" <instead> & thanks'
    services.deprecate_project(project=project, message=message, actor=owner, reason="Old")
    assert client.get(PAGE).content.decode() == html_page(
        "Sample_Proj",
        sample_links(dists),
        status="deprecated",
        reason="Use &quot;new-lib&quot; &lt;instead&gt; &amp; thanks",
    )
    page = get_json(client, PAGE)
    assert page["project-status"] == {"status": "deprecated", "reason": message}
    assert page["files"] == sample_json_files(dists)


def test_quarantined_project_page_is_served_with_no_files(client, sample, registry_admin):
    project, _dists = sample
    services.quarantine_project(project=project, actor=registry_admin, reason="Malware in 1.0")
    assert client.get(PAGE).content.decode() == html_page(
        "Sample_Proj", [], status="quarantined", reason="Malware in 1.0"
    )
    assert get_json(client, PAGE) == {
        "meta": {"api-version": "1.4"},
        "name": "sample-proj",
        "project-status": {"status": "quarantined", "reason": "Malware in 1.0"},
        # As in PEP 792's own example: versions stay, files go.
        "versions": ["1.0", "1.1", "1.9", "1.10"],
        "files": [],
    }


def test_removed_project_is_404_and_gone_from_the_index(client, sample, registry_admin):
    project, _dists = sample
    services.remove_project(
        project=project, actor=registry_admin, reason="Spam", category=RemovalCategory.ABUSE
    )
    response = client.get(PAGE)
    assert response.status_code == 404
    assert response["Content-Type"] == "text/plain; charset=utf-8"
    assert response.content.decode() == "The project 'sample-proj' was removed from the index.\n"
    assert client.get(PAGE, HTTP_ACCEPT=JSON).status_code == 404
    assert "sample-proj" not in streamed(client.get("/simple/"))


def test_unknown_project_is_404(client, db):
    response = client.get("/simple/no-such-project/")
    assert response.status_code == 404
    assert response.content.decode() == "There is no project named 'no-such-project'.\n"


@pytest.mark.parametrize(
    "path",
    [
        "/simple/-leading/",
        "/simple/trailing-/",
        "/simple/foo%20bar/",
        "/simple/%C3%BCnicode/",
        "/simple/foo%00/",
        "/simple/foo%0A/",
        "/simple/" + "a" * 201 + "/",
        "/simple/%3Cscript%3E/",
        "/pending/simple/../",
    ],
)
def test_odd_project_names_are_a_plain_404(client, db, path):
    response = client.get(path, HTTP_ACCEPT=JSON)
    assert response.status_code == 404
    assert response["Content-Type"] == "text/plain; charset=utf-8"


@pytest.mark.parametrize(
    ("path", "location"),
    [
        ("/simple/Sample_Proj/", PAGE),
        ("/simple/SAMPLE.proj/", PAGE),
        ("/simple/sample__-proj/", PAGE),
        ("/simple/Sample_Proj/?format=" + JSON, PAGE + "?format=" + JSON),
        ("/pending/simple/Sample_Proj/", PENDING_PAGE),
    ],
)
def test_non_normalised_names_redirect_permanently_on_the_same_index(
    client, sample, path, location
):
    response = client.get(path)
    assert response.status_code == 301
    assert response["Location"] == location


# Pending removal -------------------------------------------------------------------------------


def test_project_pending_removal_is_served_only_on_the_pending_index(client, sample):
    project, dists = sample
    set_pending(project)
    response = client.get(PAGE)
    assert response.status_code == 404
    assert "pending removal" in response.content.decode()
    assert PENDING_PAGE in response.content.decode()
    assert client.get(PENDING_PAGE).content.decode() == html_page(
        "Sample_Proj", sample_links(dists)
    )
    page = get_json(client, PENDING_PAGE)
    assert page["files"] == sample_json_files(dists)
    assert page["versions"] == ["1.0", "1.1", "1.9", "1.10"]
    assert "sample-proj" not in streamed(client.get("/simple/"))
    assert '<a href="sample-proj/">sample-proj</a>' in streamed(client.get("/pending/simple/"))
    # Its files stay downloadable for the clients that opted in.
    assert download(client, dists["wheel"].filename)[1] == dists["wheel"].content


def test_release_pending_removal_moves_its_files_to_the_pending_index(client, sample):
    project, dists = sample
    set_pending(project.releases.get(version="1.1"))
    main = get_json(client, PAGE)
    assert [f["filename"] for f in main["files"]] == [
        dists["sdist"].filename,
        dists["wheel"].filename,
        dists["silent"].filename,
    ]
    assert main["versions"] == ["1.0", "1.9", "1.10"]
    assert dists["yanked"].filename not in client.get(PAGE).content.decode()

    pending = get_json(client, PENDING_PAGE)
    assert pending["files"] == [sample_json_files(dists)[2]]
    assert pending["versions"] == ["1.1"]
    assert client.get(PENDING_PAGE).content.decode() == html_page(
        "Sample_Proj", [sample_links(dists)[2]]
    )
    # The project itself is listed on both indexes.
    assert '<a href="sample-proj/">' in streamed(client.get("/simple/"))
    assert '<a href="sample-proj/">' in streamed(client.get("/pending/simple/"))


def test_pending_index_has_no_page_for_a_project_with_nothing_pending(client, sample):
    response = client.get(PENDING_PAGE)
    assert response.status_code == 404
    assert response.content.decode() == "Nothing of the project 'sample-proj' is pending removal.\n"
    assert "sample-proj" not in streamed(client.get("/pending/simple/"))


def test_removed_release_pending_removal_is_not_served_anywhere(client, sample, owner):
    project, _dists = sample
    release = project.releases.get(version="1.1")
    set_pending(release)
    services.remove_release(release=release, actor=owner, reason="Gone")
    assert client.get(PENDING_PAGE).status_code == 404
    assert get_json(client, PAGE)["versions"] == ["1.0", "1.9", "1.10"]


# Content negotiation ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("accept", "served"),
    [
        (None, "text/html"),
        ("", "text/html"),
        ("*/*", "text/html"),
        ("text/html", "text/html"),
        ("text/*", "text/html"),
        (HTML, HTML),
        (JSON, JSON),
        ("application/vnd.pypi.simple.latest+json", JSON),
        ("application/vnd.pypi.simple.latest+html", HTML),
        ("application/*", HTML),
        # pip >= 22.2 and uv
        (f"{JSON}, {HTML}; q=0.1, text/html; q=0.01", JSON),
        (f"{JSON}, {HTML};q=0.2, text/html;q=0.01", JSON),
        # equal qualities: the most expressive format named
        (f"text/html, {HTML}, {JSON}", JSON),
        (f"{HTML}, text/html", HTML),
        # qualities decide
        (f"{JSON};q=0.2, {HTML};q=0.9", HTML),
        (f"{JSON};q=0.5, text/html", "text/html"),
        (f"{JSON}; Q=0.9 , TEXT/HTML;q=0.3", JSON),
        # a browser
        ("text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8", "text/html"),
        # q=0 refuses a type even when a wildcard would allow it
        (f"{JSON};q=0, */*", "text/html"),
        ("text/html;q=0, */*;q=0.5", HTML),
        # unreadable entries are ignored
        (f"{JSON};q=high, text/html", "text/html"),
        ("nonsense, text/html;q=0.4", "text/html"),
    ],
)
def test_content_negotiation_by_accept_header(client, sample, accept, served):
    headers = {} if accept is None else {"HTTP_ACCEPT": accept}
    response = client.get(PAGE, **headers)
    assert response.status_code == 200
    assert response["Content-Type"].split(";")[0] == served
    assert response["Vary"] == "Accept, Accept-Encoding"
    body = response.content.decode()
    assert body.startswith("{") if served == JSON else body.startswith("<!DOCTYPE html>")
    # The root index negotiates the same way.
    index = client.get("/simple/", **headers)
    assert index["Content-Type"].split(";")[0] == served


@pytest.mark.parametrize(
    "accept",
    [
        "application/json",
        "image/png, text/plain",
        f"{JSON};q=0, {HTML};q=0, text/html;q=0",
        "*/*;q=0",
        ";;;,,,",
        "text/html;q=2",
        "text/html;q=nan",
        "\x7f/\x7f",
    ],
)
def test_nothing_acceptable_is_406_with_a_plain_reason(client, sample, accept):
    for url in (PAGE, "/simple/", "/pending/simple/"):
        response = client.get(url, HTTP_ACCEPT=accept)
        assert response.status_code == 406
        assert response["Content-Type"] == "text/plain; charset=utf-8"
        assert response["Vary"] == "Accept"
        assert "This index serves: application/vnd.pypi.simple.v1+json" in response.content.decode()


def test_format_parameter_overrides_the_accept_header(client, sample):
    response = client.get(PAGE, {"format": JSON}, HTTP_ACCEPT="text/html")
    assert response["Content-Type"] == JSON
    response = client.get(PAGE, {"format": "text/html"}, HTTP_ACCEPT=JSON)
    assert response["Content-Type"] == "text/html; charset=utf-8"
    response = client.get(PAGE, {"format": "application/vnd.pypi.simple.latest+html"})
    assert response["Content-Type"] == f"{HTML}; charset=utf-8"
    response = client.get(PAGE, {"format": "application/json"})
    assert response.status_code == 406
    assert response.content.decode().startswith("Unknown format 'application/json'.")


def test_choose_media_type_prefers_plain_html_for_wildcards_only():
    assert choose_media_type("*/*") == "text/html"
    assert choose_media_type(f"{JSON}, */*") == JSON
    assert choose_media_type("application/json") is None


# Conditional requests ---------------------------------------------------------------------------


def test_if_none_match_answers_304_until_the_page_changes(client, sample, owner):
    project, _dists = sample
    html = client.get(PAGE)
    json_page = client.get(PAGE, HTTP_ACCEPT=JSON)
    assert html["ETag"] != json_page["ETag"]
    # The ETag names the project's change serial, not a hash of the body.
    assert html["X-PyPI-Last-Serial"] == str(Project.objects.get(pk=project.pk).last_serial)
    assert html["ETag"].startswith(f'"{html["X-PyPI-Last-Serial"]}-main-')
    # Same bytes, another media type: another representation, another ETag.
    assert client.get(PAGE, HTTP_ACCEPT=HTML)["ETag"] != html["ETag"]

    again = client.get(PAGE, HTTP_IF_NONE_MATCH=html["ETag"])
    assert again.status_code == 304
    assert again.content == b""
    assert again["ETag"] == html["ETag"]
    assert again["Vary"] == "Accept, Accept-Encoding"
    assert (
        client.get(PAGE, HTTP_ACCEPT=JSON, HTTP_IF_NONE_MATCH=json_page["ETag"]).status_code == 304
    )
    # The HTML ETag does not validate the JSON representation.
    assert client.get(PAGE, HTTP_ACCEPT=JSON, HTTP_IF_NONE_MATCH=html["ETag"]).status_code == 200

    services.archive_project(project=project, actor=owner, reason="Done")
    changed = client.get(PAGE, HTTP_IF_NONE_MATCH=html["ETag"])
    assert changed.status_code == 200
    assert changed["ETag"] != html["ETag"]


# Query counts -----------------------------------------------------------------------------------


def add_files(project, count):
    for _ in range(count):
        FileFactory(
            release=ReleaseFactory(project=project), core_metadata="Metadata-Version: 2.1\n"
        )


@pytest.mark.parametrize("files", [5, 50])
def test_project_page_costs_the_same_queries_whatever_its_size(
    client, django_assert_num_queries, files
):
    project = ProjectFactory(name="counted")
    add_files(project, files)
    with django_assert_num_queries(2):  # the project, its files
        html = client.get("/simple/counted/").content.decode()
    assert html.count("<a href=") == files
    with django_assert_num_queries(3):  # ... and its versions
        page = get_json(client, "/simple/counted/")
    assert len(page["files"]) == files
    assert len(page["versions"]) == files


def test_a_page_of_10000_files_costs_the_same_queries(client, django_assert_num_queries):
    create_project_with_files("big-project", 5000)
    with django_assert_num_queries(2):
        html = client.get("/simple/big-project/").content.decode()
    assert html.count('data-requires-python="&gt;=3.8"') == 10_000
    with django_assert_num_queries(3):
        page = get_json(client, "/simple/big-project/")
    assert len(page["files"]) == 10_000
    assert len(page["versions"]) == 5000
    assert page["versions"][:3] == ["0.0.0", "0.1.0", "0.2.0"]
    assert page["versions"][-1] == "49.99.0"
    assert all(f["core-metadata"] for f in page["files"])


def test_index_is_two_queries_whatever_its_size(client, django_assert_num_queries):
    for n in range(30):
        ProjectFactory(name=f"many-{n:02d}")
    # The names, and the newest change serial of the index (X-PyPI-Last-Serial).
    with django_assert_num_queries(2):
        body = streamed(client.get("/simple/"))
    assert body.count("<a href=") == 30
    with django_assert_num_queries(2):
        body = streamed(client.get("/simple/", HTTP_ACCEPT=JSON))
    assert len(json.loads(body)["projects"]) == 30


# The root index ---------------------------------------------------------------------------------


@pytest.fixture
def many_states(registry_admin):
    ProjectFactory(name="Beta.Two")
    ProjectFactory(name="alpha")
    quarantined = ProjectFactory(name="quar")
    services.quarantine_project(project=quarantined, actor=registry_admin, reason="Malware")
    gone = ProjectFactory(name="gone")
    services.remove_project(
        project=gone, actor=registry_admin, reason="Spam", category=RemovalCategory.ABUSE
    )
    set_pending(ProjectFactory(name="Pending_One"))
    partly = ProjectFactory(name="partly")
    set_pending(ReleaseFactory(project=partly))
    ReleaseFactory(project=partly)


def test_index_html_lists_the_normalised_names_of_listed_projects(client, many_states):
    response = client.get("/simple/")
    assert response["Content-Type"] == "text/html; charset=utf-8"
    assert response["Vary"] == "Accept, Accept-Encoding"
    assert streamed(response) == (
        "<!DOCTYPE html>\n<html>\n<head>\n"
        '<meta name="pypi:repository-version" content="1.4">\n'
        "<title>Simple index</title>\n</head>\n<body>\n"
        '<a href="alpha/">alpha</a>\n'
        '<a href="beta-two/">beta-two</a>\n'
        '<a href="partly/">partly</a>\n'
        '<a href="quar/">quar</a>\n'
        "</body>\n</html>\n"
    )


def test_index_json_lists_the_normalised_names_of_listed_projects(client, many_states):
    response = client.get("/simple/", HTTP_ACCEPT=JSON)
    assert response["Content-Type"] == JSON
    assert json.loads(streamed(response)) == {
        "meta": {"api-version": "1.4"},
        "projects": [{"name": "alpha"}, {"name": "beta-two"}, {"name": "partly"}, {"name": "quar"}],
    }


def test_pending_index_lists_only_projects_with_something_pending(client, many_states):
    assert json.loads(streamed(client.get("/pending/simple/", HTTP_ACCEPT=JSON))) == {
        "meta": {"api-version": "1.4"},
        "projects": [{"name": "partly"}, {"name": "pending-one"}],
    }


def test_empty_index_is_valid_json_and_html(client, db):
    assert json.loads(streamed(client.get("/simple/", HTTP_ACCEPT=JSON)))["projects"] == []
    assert "<a " not in streamed(client.get("/simple/"))


# Downloads ------------------------------------------------------------------------------------


def download(client, filename, **headers):
    response = client.get(f"/files/{filename}", **headers)
    # Reading a streamed body through the test client also closes it (and the file).
    return response, response.getvalue()


def count_of(filename):
    return list(DownloadCount.objects.filter(file__filename=filename).values_list("day", "count"))


def test_download_serves_the_bytes_and_counts_each_download_on_one_row(client, sample):
    _project, dists = sample
    wheel = dists["wheel"]
    response, content = download(client, wheel.filename)
    assert response.status_code == 200
    assert content == wheel.content
    assert response["Content-Type"] == "application/octet-stream"
    assert response["Content-Length"] == str(len(wheel.content))
    assert response["ETag"] == f'"{sha256(wheel.content)}"'
    assert response["Cache-Control"] == "public, max-age=3600"  # no CDN purge configured
    download(client, wheel.filename)
    today = datetime.now(UTC).date()
    assert count_of(wheel.filename) == [(today, 2)]
    file = File.objects.get(filename=wheel.filename)
    assert DownloadCount.objects.get(file=file).project_id == file.release.project_id


def test_head_and_304_do_not_count_as_downloads(client, sample):
    _project, dists = sample
    wheel = dists["wheel"]
    head = client.head(f"/files/{wheel.filename}")
    assert head.status_code == 200
    assert head["Content-Length"] == str(len(wheel.content))
    assert head["ETag"] == f'"{sha256(wheel.content)}"'
    response, content = download(
        client, wheel.filename, HTTP_IF_NONE_MATCH=f'"{sha256(wheel.content)}"'
    )
    assert response.status_code == 304
    assert content == b""
    assert response["ETag"] == f'"{sha256(wheel.content)}"'
    assert count_of(wheel.filename) == []


def test_yanked_files_are_still_downloadable(client, sample):
    _project, dists = sample
    response, content = download(client, dists["yanked"].filename)
    assert response.status_code == 200
    assert content == dists["yanked"].content


def test_removed_file_is_404_with_the_reason(client, sample, owner):
    _project, dists = sample
    services.remove_files(
        files=[File.objects.get(filename=dists["sdist"].filename)], actor=owner, reason="Leak"
    )
    response, content = download(client, dists["sdist"].filename)
    assert response.status_code == 404
    assert response["Content-Type"] == "text/plain; charset=utf-8"
    assert content == b"This file was removed from the index.\n"
    assert count_of(dists["sdist"].filename) == []


def test_purged_file_is_404_with_the_reason(client, sample, registry_admin):
    _project, dists = sample
    file = File.objects.get(filename=dists["sdist"].filename)
    services.purge_files(
        files=[file], actor=registry_admin, reason="Credentials", category=RemovalCategory.SECURITY
    )
    response, content = download(client, dists["sdist"].filename)
    assert response.status_code == 404
    assert content == b"This file was removed from the index and its bytes were destroyed.\n"


def test_files_of_a_quarantined_project_are_404(client, sample, registry_admin):
    project, dists = sample
    services.quarantine_project(project=project, actor=registry_admin, reason="Malware")
    for path in (dists["wheel"].filename, dists["wheel"].filename + ".metadata"):
        response, content = download(client, path)
        assert response.status_code == 404
        assert b"quarantined" in content


def test_files_of_a_removed_project_are_404(client, sample, registry_admin):
    project, dists = sample
    services.remove_project(
        project=project, actor=registry_admin, reason="Spam", category=RemovalCategory.ABUSE
    )
    response, content = download(client, dists["wheel"].filename)
    assert response.status_code == 404
    assert content == b"This file was removed from the index.\n"


@pytest.mark.parametrize(
    "filename",
    ["nothing-1.0.tar.gz", "x" * 300, "a%00b.whl", "%FF%FE.whl", "..%5Csettings.py", "%20"],
)
def test_unknown_files_are_a_plain_404(client, db, filename):
    response, _content = download(client, filename)
    assert response.status_code == 404
    assert response["Content-Type"] == "text/plain; charset=utf-8"
    assert client.get(f"/files/{filename}.metadata").status_code == 404


def test_accel_redirect_hands_the_bytes_to_the_proxy(client, sample, settings):
    settings.HOLDFAST_FILES_ACCEL_REDIRECT = "/internal-files/"
    _project, dists = sample
    file = File.objects.get(filename=dists["wheel"].filename)
    response, content = download(client, file.filename)
    assert response.status_code == 200
    assert content == b""
    assert response["X-Accel-Redirect"] == f"/internal-files/{file.blob.name}"
    assert response["ETag"] == f'"{file.sha256}"'
    assert count_of(file.filename) == [(datetime.now(UTC).date(), 1)]


def test_missing_bytes_are_a_404_not_a_crash(client, sample, caplog):
    _project, dists = sample
    file = File.objects.get(filename=dists["wheel"].filename)
    file.blob.storage.delete(file.blob.name)
    response, content = download(client, file.filename)
    assert response.status_code == 404
    assert b"missing" in content
    assert "missing" in caplog.text


def test_record_download_upserts_one_row_per_file_and_day(sample):
    project, dists = sample
    wheel = File.objects.get(filename=dists["wheel"].filename)
    sdist = File.objects.get(filename=dists["sdist"].filename)
    day = date(2025, 6, 1)
    for _ in range(3):
        record_download(wheel.pk, project.pk, day)
    record_download(wheel.pk, project.pk, day + timedelta(days=1))
    record_download(sdist.pk, project.pk, day)
    assert sorted(DownloadCount.objects.values_list("file_id", "day", "count")) == sorted(
        [(wheel.pk, day, 3), (wheel.pk, day + timedelta(days=1), 1), (sdist.pk, day, 1)]
    )


# Methods ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/simple/", PAGE, "/pending/simple/", "/files/x.whl"])
def test_only_get_and_head_are_allowed(client, sample, path):
    response = client.post(path)
    assert response.status_code == 405
    assert response["Allow"] == "GET, HEAD"
    assert response["Content-Type"] == "text/plain; charset=utf-8"
    assert response.content == b"POST is not supported here: use GET or HEAD.\n"


def test_head_of_pages_is_answered(client, sample):
    assert client.head(PAGE).status_code == 200
    assert client.head(PAGE, HTTP_ACCEPT=JSON).status_code == 200
    assert client.head("/simple/").status_code == 200
