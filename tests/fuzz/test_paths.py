"""Hostile values in every URL pattern's path segments, walked from the resolver, as every role."""

import pytest
from hypothesis import strategies as st

from tests.fuzz.conftest import fuzz, kept_cookies, snapshot
from tests.fuzz.strategies import as_path_segment, hostile_text
from tests.fuzz.urls import fill, is_admin, parameters, url_templates, valid_values

pytestmark = pytest.mark.django_db


def templates(admin):
    return [t for t in url_templates() if is_admin(t) == admin and parameters(t)]


@st.composite
def requests(draw, world, admin):
    template = draw(st.sampled_from(templates(admin)))
    values = {}
    for parameter in parameters(template):
        valid = valid_values(world, template, parameter)
        if draw(st.booleans()):
            value, raw = draw(st.sampled_from(valid)), False
        else:
            value, raw = draw(hostile_text(*valid)), draw(st.booleans())
        values[parameter] = as_path_segment(value, raw=raw)
    roles = ["support", "admin"] if admin else ["anonymous", "owner", "maintainer", "support"]
    role = draw(st.sampled_from(roles))
    method = draw(st.sampled_from(["GET", "GET", "HEAD", "POST"]))
    return role, method, fill(template, values)


def run(world, probe, admin):
    def check_one(request):
        role, method, path = request
        client = world.clients[role]
        with probe.example(), kept_cookies(client):
            before = snapshot() if method != "POST" else None
            if method == "POST":
                response = client.post(path, {"reason": "fuzzing", "x": path[-50:]})
            else:
                response = client.generic(method, path)
            probe.check(response, what=(role, method, path), before=before)

    fuzz(probe, "paths_staff" if admin else "paths_public", requests(world, admin), check_one)


def test_path_segments_of_the_public_and_maintainers_pages(world, probe):
    run(world, probe, admin=False)


def test_path_segments_of_the_admin(world, probe):
    run(world, probe, admin=True)
