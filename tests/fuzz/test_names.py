"""Hostile names for "is this name available": the JSON endpoint's path and the page's query,
anonymous and signed in. Every answer is a 200 or a 400 with its reason (a 404 when the path
holds a slash), never a 5xx, and asking never changes data."""

import pytest
from hypothesis import strategies as st

from tests.fuzz.conftest import fuzz, snapshot
from tests.fuzz.strategies import MALFORMED_PERCENT, as_path_segment, form_encoded, hostile_text

pytestmark = pytest.mark.django_db

VALID = ["demo", "Demo", "d3mo", "dem0", "other", "0ther", "brand-new", "x" * 200]


@st.composite
def name_requests(draw):
    name = draw(hostile_text(*VALID) | st.sampled_from(VALID))
    role = draw(st.sampled_from(["anonymous", "owner"]))
    if draw(st.booleans()):
        raw = draw(st.booleans()) or draw(MALFORMED_PERCENT) == "%00"
        return role, "api", f"/api/names/{as_path_segment(name, raw=raw)}"
    return role, "page", f"/names/available/?{form_encoded([('name', name)])}"


def test_hostile_names_on_the_availability_page_and_api(world, probe):
    def check_one(request):
        role, kind, path = request
        with probe.example():
            before = snapshot()
            response = world.clients[role].get(path)
            probe.check(response, what=(role, path), before=before)
            assert response.status_code in (200, 400, 404), (response.status_code, path)
            if kind == "api" and response.status_code in (200, 400):
                body = response.json()
                assert isinstance(body["available"], bool)
                assert (response.status_code == 400) is (body["reason"] == "invalid"), body
                assert "\x00" not in body["name"]

    fuzz(probe, "names", name_requests(), check_one)
