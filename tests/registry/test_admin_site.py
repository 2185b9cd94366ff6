"""The admin is titled Holdfast, and its "View site" link leads to the site's home page."""

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_the_admin_is_titled_holdfast(registry_admin_client):
    page = registry_admin_client.get(reverse("admin:index")).content.decode()

    assert '<a href="/admin/">Holdfast administration</a>' in page
    assert "<title>Registry and moderation | Holdfast admin</title>" in page
    assert "Django administration" not in page
    assert "Django site admin" not in page


def test_view_site_leads_to_the_home_page(registry_admin_client):
    page = registry_admin_client.get(reverse("admin:index")).content.decode()

    assert '<a href="/">View site</a>' in page


def test_the_login_page_is_titled_holdfast(client):
    page = client.get(reverse("admin:login")).content.decode()

    assert "Holdfast administration" in page
    assert "Django administration" not in page
