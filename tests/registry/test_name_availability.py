"""Is this name available, and if not, why: check_name, the page and the JSON endpoint, and
their agreement with what an upload does."""

from datetime import UTC, datetime, timedelta

import pytest
from django.urls import reverse

from registry import services
from registry.models import Popularity, Project, ReservationReason
from registry.services import RegistryError
from registry.services.names import check_name
from tests.factories import UserFactory

NOW = datetime(2026, 11, 1, 12, 0, tzinfo=UTC)

pytestmark = pytest.mark.django_db


def upload(name, uploader, *, version="1.0", now=NOW):
    dist = name.replace("-", "_").replace(".", "_")
    return services.publish_file(
        name=name,
        version=version,
        filename=f"{dist}-{version}-py3-none-any.whl",
        content=f"bytes of {name} {version}".encode(),
        uploader=uploader,
        now=now,
    )


@pytest.fixture
def world(owner, registry_admin):
    """Projects live and removed, reservations, and a popular project."""
    upload("pillow-tools", owner)
    popular = upload("requests", owner).release.project
    Popularity.objects.create(
        project=popular, rank=1, ranked_among=3, downloads_30_days=100, computed_at=NOW
    )
    gone = upload("old-thing", owner).release.project
    services.remove_project(
        project=gone, actor=registry_admin, reason="Spam", category="abuse", now=NOW
    )
    services.reserve_name(
        name="solid-oil",
        grounds=ReservationReason.PROHIBITED,
        actor=registry_admin,
        reason="Trademark",
        now=NOW,
    )
    return owner


LATER = NOW + timedelta(days=400)  # the removed project's reservation is over by then

# name -> the code an upload by a stranger meets at LATER.
TABLE = {
    "brand-new": "available",
    "Brand_New.Two": "available",
    "reqeusts": "available",  # a possible typosquat: accepted, flagged
    "pillow-tools": "name_taken",
    "Pillow_Tools": "name_taken",
    "pi1low-tools": "confusable_name",
    "PILLOWTOOLS": "confusable_name",
    "old-thing": "available",  # a removed project's name, free again
    "o1d-thing": "confusable_name",
    "solid-oil": "name_reserved",
    "solid.oil": "name_reserved",
    "SOLID_OIL": "name_reserved",
    "s0lid-0il": "confusable_name",  # o and 0
    "solid-oi1": "confusable_name",  # l and 1
    "so1idoil": "confusable_name",
    "solid-oils": "available",
    "solid-oil-2": "available",
    "secret-s@uce": "invalid_name",
    "-dash": "invalid_name",
    "x" * 201: "invalid_name",
}
# What a stranger's upload meets for a live project's name: not a registration but an upload to
# that project, which only its owners and maintainers may make.
UPLOAD_CODE = {"name_taken": "not_allowed"}


@pytest.mark.parametrize(("name", "code"), TABLE.items(), ids=lambda v: str(v)[:30])
def test_check_name_agrees_with_an_upload(world, name, code):
    stranger = UserFactory(username="stranger")
    check = check_name(name, user=stranger, now=LATER)
    assert check.code == code
    try:
        upload(name, stranger, version="7.0", now=LATER)
    except RegistryError as error:
        uploaded, refusal = False, error
    else:
        uploaded, refusal = True, None
    assert check.available is uploaded
    if not uploaded:
        assert refusal.code == UPLOAD_CODE.get(check.code, check.code)
        if check.code != "name_taken":
            assert refusal.message == check.message


def test_a_reserved_name_is_refused_confusables_and_all(world):
    check = check_name("So1id-0il", now=LATER)
    assert check.code == "confusable_name"
    assert check.collides_with == "solid-oil"
    assert "reserved name 'solid-oil'" in check.message


def test_a_reservation_that_allows_the_person_says_so(world, owner, registry_admin):
    services.remove_project(
        project=Project.objects.get(normalized_name="pillow-tools"),
        actor=registry_admin,
        reason="Asked",
        category="admin",
        now=NOW,
    )
    assert check_name("pillow-tools", user=owner, now=NOW + timedelta(hours=1)).available
    assert check_name("pillow-tools", now=NOW + timedelta(hours=1)).code == "name_reserved"


def api(client, name):
    return client.get(f"/api/names/{name}")


def test_the_json_answer(client, world):
    response = api(client, "pi1low-tools")
    assert response.status_code == 200
    assert response.json() == {
        "name": "pi1low-tools",
        "normalized": "pi1low-tools",
        "available": False,
        "reason": "confusable",
        "message": check_name("pi1low-tools", now=NOW).message,
        "collides_with": "pillow-tools",
        "similar_to": [],
    }
    body = api(client, "Brand_New").json()
    assert body["available"] is True
    assert body["normalized"] == "brand-new"
    assert body["reason"] == ""
    assert body["collides_with"] is None
    assert body["message"] == "The name 'Brand_New' is available."


def test_the_json_answer_for_a_possible_typosquat(client, world):
    body = api(client, "reqeusts").json()
    assert body["available"] is True
    assert body["similar_to"] == ["requests"]
    assert "close to the popular project requests" in body["message"]


@pytest.mark.parametrize(
    "name", ["-bad-", "a%00b", "%00", "x" * 10_000, "caf%C3%A9", "a%0Ab", "%ED%A0%80"]
)
def test_an_invalid_name_is_a_400_with_its_reason(client, world, name):
    response = api(client, name)
    assert response.status_code == 400
    body = response.json()
    assert body["available"] is False
    assert body["reason"] == "invalid"
    assert "project name" in body["message"]
    assert "\x00" not in body["name"]


def test_the_json_answer_is_a_fixed_number_of_queries(client, world, django_assert_max_num_queries):
    api(client, "warm-up")
    for name in ("brand-new", "pi1low-tools", "solid-oil", "s0lid-oil", "reqeusts"):
        with django_assert_max_num_queries(6):
            api(client, name)


def test_the_page_answers_without_signing_in(client, world):
    url = reverse("registry:name_available")
    page = client.get(url)
    assert page.status_code == 200
    assert "Is this name available?" in page.content.decode()

    page = client.get(url, {"name": "pi1low-tools"})
    text = page.content.decode()
    assert page.status_code == 200
    assert "Too similar to another name" in text
    assert "<strong>pillow-tools</strong>" in text
    assert "Choose a clearly different name" in text

    text = client.get(url, {"name": "reqeusts"}).content.decode()
    assert "Available, but close to a popular project" in text
    assert 'href="/simple/requests/"' in text

    text = client.get(url, {"name": "brand-new"}).content.decode()
    assert '<h2 id="answer-heading">Available</h2>' in text


@pytest.mark.parametrize("name", ["a\x00b", "x" * 10_000, "bad name", "caf\u00e9"])
def test_the_page_refuses_an_invalid_name_with_a_400(client, world, name):
    page = client.get(reverse("registry:name_available"), {"name": name})
    assert page.status_code == 400
    assert "Not a valid name" in page.content.decode()


def test_the_page_is_a_fixed_number_of_queries(client, world, django_assert_max_num_queries):
    url = reverse("registry:name_available")
    client.get(url, {"name": "warm-up"})
    for name in ("brand-new", "pi1low-tools", "reqeusts"):
        with django_assert_max_num_queries(8):
            client.get(url, {"name": name})
