"""Every registry page has one address: the project's normalised name and the release's version
as uploaded. Another spelling of either redirects there (GET and HEAD); a name or version that
matches nothing, or is not a name or a PEP 440 version at all, is a 404, never a 500."""

import pytest
from django.urls import reverse
from django.utils import timezone

from registry import services
from registry.models import RoleName
from tests.factories import FileFactory, ProjectFactory, ReleaseFactory, RoleFactory

pytestmark = pytest.mark.django_db

NAME = "demo-pkg"
PROJECT_PAGES = [
    ("project", {}),
    ("history", {}),
    ("remove", {}),
    ("archive", {}),
    ("unarchive", {}),
    ("deprecate", {}),
    ("undeprecate", {}),
    ("lock", {}),
    ("roles", {}),
    ("remove_role", {"username": "maintainer"}),
]
RELEASE_PAGES = ["yank", "unyank", "remove_release", "remove_files"]
ALL_PAGES = [*PROJECT_PAGES, *((page, {"version": "1.0"}) for page in RELEASE_PAGES)]
OTHER_NAMES = ["Demo_Pkg", "DEMO.PKG", "demo__pkg", "Demo-._Pkg"]
OTHER_VERSIONS = ["1.0.0", "1", "1.0.0.0", "01.0", "v1.0"]


@pytest.fixture
def project(owner, maintainer):
    project = ProjectFactory(name="Demo_Pkg")
    RoleFactory(project=project, user=owner, role=RoleName.OWNER)
    RoleFactory(project=project, user=maintainer, role=RoleName.MAINTAINER)
    release = ReleaseFactory(project=project, version="1.0")
    FileFactory(release=release)
    FileFactory(release=release)
    return project


@pytest.fixture
def owner_client(client, owner):
    client.force_login(owner)
    return client


def page_url(page, name=NAME, **kwargs):
    return reverse(f"registry:{page}", kwargs={"name": name, **kwargs})


# Other spellings redirect ------------------------------------------------------------------------


@pytest.mark.parametrize(("page", "kwargs"), ALL_PAGES)
def test_every_page_redirects_another_spelling_of_the_name(owner_client, project, page, kwargs):
    response = owner_client.get(page_url(page, "Demo_Pkg", **kwargs), {"page": "2"})
    assert response.status_code == 302
    assert response["Location"] == f"{page_url(page, **kwargs)}?page=2"
    assert owner_client.get(response["Location"]).status_code == 200


@pytest.mark.parametrize("name", OTHER_NAMES)
def test_any_spelling_of_the_name_redirects(owner_client, project, name):
    response = owner_client.get(page_url("yank", name, version="1.0"))
    assert response.status_code == 302
    assert response["Location"] == page_url("yank", version="1.0")


@pytest.mark.parametrize("page", RELEASE_PAGES)
@pytest.mark.parametrize("version", OTHER_VERSIONS)
def test_a_release_page_redirects_another_spelling_of_the_version(
    owner_client, project, page, version
):
    response = owner_client.get(page_url(page, version=version))
    assert response.status_code == 302
    assert response["Location"] == page_url(page, version="1.0")


@pytest.mark.parametrize("page", RELEASE_PAGES)
def test_head_redirects_like_get(owner_client, project, page):
    response = owner_client.head(page_url(page, "Demo_Pkg", version="1.0.0"))
    assert response.status_code == 302
    assert response["Location"] == page_url(page, version="1.0")


def test_one_redirect_mends_the_name_and_the_version_at_once(owner_client, project):
    response = owner_client.get(
        page_url("remove_files", "DEMO.PKG", version="1.0.0"), {"file": "x"}
    )
    assert response.status_code == 302
    assert response["Location"] == f"{page_url('remove_files', version='1.0')}?file=x"


def test_the_redirect_leads_to_the_release_page(owner_client, project):
    response = owner_client.get(page_url("yank", version="1.0.0"), follow=True)
    assert response.redirect_chain == [(page_url("yank", version="1.0"), 302)]
    assert response.status_code == 200
    assert response.context["release"] == project.releases.get()


def test_a_post_by_another_spelling_acts_without_a_redirect(owner_client, project):
    # A redirect would drop the form, so the spelling only finds the release.
    response = owner_client.post(
        page_url("yank", "Demo_Pkg", version="1.0.0"), {"reason": "Broken on Windows"}
    )
    assert response.status_code == 302
    assert response["Location"] == page_url("project")
    assert project.releases.get().yanked


def test_a_canonical_address_is_not_redirected(owner_client, project):
    assert owner_client.get(page_url("yank", version="1.0")).status_code == 200
    assert owner_client.get(page_url("project")).status_code == 200


def test_the_staff_lookup_and_the_simple_page_take_any_spelling(support_client, project):
    response = support_client.get(reverse("registry:projects"), {"project": "Demo_Pkg"})
    assert response.status_code == 302
    assert response["Location"] == page_url("project")
    response = support_client.get("/simple/Demo_Pkg/")
    assert response.status_code == 301
    assert response["Location"] == f"/simple/{NAME}/"


# What matches nothing is a 404 -------------------------------------------------------------------


@pytest.mark.parametrize(
    "version",
    [
        "2.0",
        "1.0.1",
        "1.0rc1",
        "not-a-version",
        "1.0+local",
        "1..0",
        "1.0%00",
        "%E2%98%83",
        "9" * 101,
    ],
)
def test_a_version_that_matches_no_release_is_a_404(owner_client, project, version):
    for page in RELEASE_PAGES:
        path = page_url(page, version="VERSION").replace("VERSION", version)
        assert owner_client.get(path).status_code == 404, page


@pytest.mark.parametrize("version", ["1.0", "1.0.0"])
def test_a_removed_release_is_a_404_by_any_spelling(owner_client, owner, project, version):
    services.remove_release(
        release=project.releases.get(),
        actor=owner,
        reason="Broken build",
        category=None,
        now=timezone.now(),
    )
    assert owner_client.get(page_url("yank", version=version)).status_code == 404


@pytest.mark.parametrize(("page", "kwargs"), ALL_PAGES)
def test_a_name_that_matches_no_project_is_a_404_on_every_page(owner_client, project, page, kwargs):
    # NUL is the sharpest case: PostgreSQL refuses it in a query parameter.
    path = page_url(page, "NAME", **kwargs).replace("NAME", "demo%00pkg")
    assert owner_client.get(path).status_code == 404
    assert owner_client.get(page_url(page, "no-such-pkg", **kwargs)).status_code == 404


@pytest.mark.parametrize("name", ["-demo-pkg-", "demo%20pkg", "%E2%98%83", "d" * 300])
def test_a_name_that_is_not_a_project_name_is_a_404(owner_client, project, name):
    for page in ("project", "yank"):
        kwargs = {"version": "1.0"} if page == "yank" else {}
        path = page_url(page, "NAME", **kwargs).replace("NAME", name)
        assert owner_client.get(path).status_code == 404
