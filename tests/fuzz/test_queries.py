"""Hostile query strings on every page, admin change lists and their filters included, as a
maintainer, support staff and a registry admin. A GET never changes data."""

import pytest
from hypothesis import strategies as st

from tests.fuzz.conftest import fuzz, snapshot
from tests.fuzz.strategies import MALFORMED_PERCENT, form_encoded, hostile_text
from tests.fuzz.urls import changelists, fill, is_admin, parameters, url_templates, valid_values

pytestmark = pytest.mark.django_db

# Parameters the pages read, besides every admin filter's (`filter_parameters`).
PAGE_PARAMETERS = ["project", "release", "file", "page", "format", "before", "next", "term", "name"]
ADMIN_PARAMETERS = ["q", "o", "p", "e", "all", "_popup", "_to_field", "_changelist_filters"]
AUTOCOMPLETE = {"app_label": "registry", "model_name": "release", "field_name": "project"}


def filter_parameters():
    """The query parameters of every admin change list's filters."""
    names = set(ADMIN_PARAMETERS)
    for _path, model_admin in changelists():
        for entry in model_admin.list_filter:
            if isinstance(entry, str):
                names |= {entry, f"{entry}__exact", f"{entry}__isnull", f"{entry}__id__exact"}
            elif isinstance(entry, tuple):
                names |= {f"{entry[0]}__isempty", f"{entry[0]}__exact"}
            else:
                names.add(entry.parameter_name)
    return sorted(names)


def query(draw, names, valid=()):
    """A query string: 1 to 4 hostile values under known (or hostile) names, or a raw one."""
    if draw(st.integers(0, 9)) == 0:
        pieces = draw(st.lists(MALFORMED_PERCENT | st.sampled_from(["=", "&", "x"]), max_size=8))
        return "".join(pieces)
    pairs = draw(
        st.lists(
            st.tuples(st.sampled_from(names) | hostile_text(), hostile_text(*valid)),
            min_size=1,
            max_size=4,
        )
    )
    return form_encoded(pairs)


@st.composite
def page_requests(draw, world):
    templates = [t for t in url_templates() if not is_admin(t)]
    template = draw(st.sampled_from(templates))
    path = fill(
        template,
        {p: draw(st.sampled_from(valid_values(world, template, p))) for p in parameters(template)},
    )
    role = draw(st.sampled_from(["anonymous", "owner", "support"]))
    valid = ["1", "2", "1.0", "demo", "json", world.filename]
    return role, f"{path}?{query(draw, PAGE_PARAMETERS, valid)}"


@st.composite
def admin_requests(draw, world):
    names = filter_parameters()
    if draw(st.integers(0, 9)) == 0:
        fixed = {k: v for k, v in AUTOCOMPLETE.items() if draw(st.booleans())}
        extra = "&".join(f"{k}={v}" for k, v in fixed.items())
        path = f"/admin/autocomplete/?{extra}&{query(draw, ['term', *AUTOCOMPLETE])}"
    else:
        changelist = draw(st.sampled_from([p for p, _ in changelists()]))
        valid = ["me", "nobody", "yes", "any", "1", "0", "open", "removed", str(world.ids["owner"])]
        path = f"{changelist}?{query(draw, names, valid)}"
    return draw(st.sampled_from(["support", "admin"])), path


def run(world, probe, name, strategy):
    def check_one(request):
        role, path = request
        with probe.example():
            before = snapshot()
            probe.check(world.clients[role].get(path), what=(role, path), before=before)

    fuzz(probe, name, strategy, check_one)


def test_query_strings_of_the_public_and_maintainers_pages(world, probe):
    run(world, probe, "queries_pages", page_requests(world))


def test_query_strings_of_admin_change_lists_and_filters(world, probe):
    run(world, probe, "queries_admin", admin_requests(world))
