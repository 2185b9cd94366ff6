"""The home page at /: search the index, and where each kind of visitor goes (issue #12)."""

import re

import pytest
from django.urls import reverse
from django.utils import timezone

from tests.factories import ProjectFactory, RemovalEventFactory

pytestmark = pytest.mark.django_db


def text(response):
    return re.sub(r"\s+", " ", response.content.decode())


def test_the_logo_leads_to_the_home_page_with_links_for_everyone(client):
    response = client.get("/")
    assert response.status_code == 200
    page = text(response)
    assert '<a class="brand" href="/">Holdfast</a>' in page
    for link in ("/accounts/login/", "/manage/", "/account/tokens/", "/legal/", "/report/"):
        assert f'href="{link}"' in page
    assert reverse("registry:home") == "/"


def test_signed_in_people_are_not_offered_to_sign_in(client, owner):
    client.force_login(owner)
    assert 'href="/accounts/login/"' not in text(client.get("/"))


def test_search_finds_listed_projects_by_any_spelling_exact_name_first(client):
    for name in ("pad-utils", "Tiny_Pad", "pad", "unrelated"):
        ProjectFactory(name=name)
    ProjectFactory(name="pad-gone", removed_at=timezone.now(), removal_event=RemovalEventFactory())
    ProjectFactory(name="pad-pending", pending_removal_at=timezone.now())

    page = text(client.get("/", {"q": "PAD"}))

    assert "3 projects matching “PAD”" in page
    links = re.findall(r'<li><a href="(/simple/[^"]+/)">', page)
    assert links == ["/simple/pad/", "/simple/pad-utils/", "/simple/tiny-pad/"]
    assert "unrelated" not in page and "pad-gone" not in page and "pad-pending" not in page


def test_one_result_is_singular_and_no_result_says_what_to_do(client):
    ProjectFactory(name="solo")
    assert "1 project matching “solo”" in text(client.get("/", {"q": "solo"}))
    page = text(client.get("/", {"q": "nothing-like-it"}))
    assert "0 projects matching" in page
    assert "Check the spelling" in page


@pytest.mark.parametrize("query", ["\x00", "-_.", " ", "a" * 5000, "<script>"])
def test_odd_searches_are_harmless(client, query):
    ProjectFactory(name="pkg")
    response = client.get("/", {"q": query})
    assert response.status_code == 200
    assert "<script>" not in response.content.decode()


def test_results_are_paginated_in_a_fixed_number_of_queries(client, django_assert_max_num_queries):
    ProjectFactory.create_batch(60)
    with django_assert_max_num_queries(2):  # the count and one page
        first = text(client.get("/", {"q": "pkg"}))
    with django_assert_max_num_queries(2):
        last = text(client.get("/", {"q": "pkg", "page": "3"}))
    assert "60 projects matching" in first
    assert first.count('<li><a href="/simple/') == 25
    assert "Page 1 of 3" in first and 'href="?q=pkg&amp;page=2"' in first
    assert last.count('<li><a href="/simple/') == 10
