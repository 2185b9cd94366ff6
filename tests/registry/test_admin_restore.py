"""The removal event's page: what it took away in a plain list, and a Restore button that asks
for a reason on a confirmation page and restores through the restore service."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from registry import services
from registry.models import File, Project, RemovalEvent
from tests.factories import publish

pytestmark = pytest.mark.django_db

NOW = timezone.now() - timedelta(days=1)


def removed_project(name, owner, admin, *, releases=5, files_per_release=7):
    project = services.create_project(name=name, owner=owner, actor=owner, reason="New", now=NOW)
    for n in range(releases):
        publish(project, f"1.{n}", actor=owner, now=NOW, files=files_per_release)
    return services.remove_project(
        project=project, actor=admin, reason="Deleted by mistake", category="admin"
    )


@pytest.fixture
def event(owner, registry_admin):
    return removed_project("atomic-35", owner, registry_admin)


def event_url(event):
    return reverse("admin:registry_removalevent_change", args=[event.pk])


def restore_url(event):
    return reverse("admin:registry_removalevent_restore", args=[event.pk])


def text(response):
    assert response.status_code == 200
    return response.content.decode()


def test_the_event_page_lists_what_it_took_away_in_plain_words(registry_admin_client, event):
    page = text(registry_admin_client.get(event_url(event)))

    assert '{"project"' not in page and "&quot;files&quot;" not in page
    assert "The project <strong>atomic-35</strong>, with:" in page
    assert "5 releases: 1.0, 1.1, 1.2, 1.3, 1.4" in page
    assert "35 files, " in page
    for file in File.objects.filter(release__project=event.project):
        assert f"<td>{file.filename}</td>" in page
    assert "bytes</td>" in page  # sizes with their unit
    assert page.count("<td>removed</td>") == 35


def test_the_event_page_takes_a_fixed_number_of_queries(
    registry_admin_client, owner, registry_admin, django_assert_max_num_queries
):
    small = removed_project("small-pkg", owner, registry_admin, releases=1, files_per_release=1)
    large = removed_project("large-pkg", owner, registry_admin, releases=5, files_per_release=12)
    registry_admin_client.get(event_url(small))
    with django_assert_max_num_queries(12) as counted:
        registry_admin_client.get(event_url(small))
    with django_assert_max_num_queries(len(counted)):
        text(registry_admin_client.get(event_url(large)))


def test_a_registry_admin_restores_35_files_with_one_click_and_a_reason(
    registry_admin_client, event
):
    page = text(registry_admin_client.get(event_url(event)))
    assert f'href="{restore_url(event)}"' in page

    confirm = text(registry_admin_client.get(restore_url(event)))
    assert "Restore the whole project of atomic-35" in confirm
    assert 'name="reason"' in confirm
    assert "35 files, " in confirm

    response = registry_admin_client.post(
        restore_url(event), {"post": "yes", "reason": "Removed by mistake"}, follow=True
    )

    page = text(response)
    assert "Restored atomic-35: 1 project, 5 releases, 35 files." in page
    assert page.count("<td>live</td>") == 35
    assert f'href="{restore_url(event)}"' not in page
    event.refresh_from_db()
    assert event.is_restored and event.restore_reason == "Removed by mistake"
    assert File.objects.filter(release__project__name="atomic-35").live().count() == 35
    assert not Project.objects.get(name="atomic-35").is_removed


def test_the_restore_needs_a_reason(registry_admin_client, event):
    response = registry_admin_client.post(restore_url(event), {"post": "yes", "reason": "  "})

    assert "This field is required." in text(response)
    assert not RemovalEvent.objects.get(pk=event.pk).is_restored


def test_support_staff_see_the_list_but_no_restore_button(support_client, event):
    page = text(support_client.get(event_url(event)))

    assert "35 files, " in page
    assert restore_url(event) not in page
    assert support_client.get(restore_url(event)).status_code == 403
    response = support_client.post(restore_url(event), {"post": "yes", "reason": "Me too"})
    assert response.status_code == 403
    assert not RemovalEvent.objects.get(pk=event.pk).is_restored


def test_restoring_twice_says_it_was_already_restored(registry_admin_client, event):
    registry_admin_client.post(restore_url(event), {"post": "yes", "reason": "Once"})

    response = registry_admin_client.post(
        restore_url(event), {"post": "yes", "reason": "Twice"}, follow=True
    )

    assert "This removal was already restored on" in text(response)
    assert RemovalEvent.objects.get(pk=event.pk).restore_reason == "Once"


def test_a_refused_restore_says_why(registry_admin_client, owner, registry_admin, event):
    File.objects.filter(removal_event=event).update(purged_at=timezone.now())

    response = registry_admin_client.post(
        restore_url(event), {"post": "yes", "reason": "Back"}, follow=True
    )

    assert "Nothing this removal took away can come back." in text(response)
    assert not RemovalEvent.objects.get(pk=event.pk).is_restored


@pytest.mark.parametrize("bad", ["nope", "99999999999999999999999"])
def test_an_odd_event_id_is_a_404(registry_admin_client, bad):
    url = reverse("admin:registry_removalevent_restore", args=[bad])
    assert registry_admin_client.get(url).status_code == 404
