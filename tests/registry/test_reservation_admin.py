"""Name reservations change only through services that record a reason: the admin's add form
calls `services.reserve_name`, the change form is read-only, and the actions call the rest."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from registry import services
from registry.models import NameReservation, ReservationReason
from registry.services import RegistryError
from tests.factories import NameReservationFactory, UserFactory

pytestmark = pytest.mark.django_db

NOW = timezone.now().replace(microsecond=0)
ADD_URL = reverse("admin:registry_namereservation_add")


def add_form(**overrides):
    data = {
        "normalized_name": "Acme_Tools",
        "reason": ReservationReason.LEGAL,
        "until": "",
        "comment": "Trademark of Acme Inc.",
        "change_reason": "Court order 2026-17",
    }
    return {**data, **overrides}


# The service ------------------------------------------------------------------------------------


def test_reserve_name_records_the_actor_and_the_reason(registry_admin):
    reservation = services.reserve_name(
        name="Acme_Tools",
        grounds=ReservationReason.PROHIBITED,
        comment="Typo of acme-tool",
        actor=registry_admin,
        reason="Typosquatting",
        now=NOW,
    )

    assert reservation.normalized_name == "acme-tools"
    assert (reservation.created_by, reservation.created_at) == (registry_admin, NOW)
    row = reservation.history.get()
    assert (row.history_user, row.history_change_reason) == (registry_admin, "Typosquatting")
    with pytest.raises(RegistryError) as refused:
        services.create_project(
            name="acme.tools", owner=UserFactory(), actor=UserFactory(), reason="New"
        )
    assert refused.value.code == "name_reserved"


@pytest.mark.parametrize(
    ("overrides", "code"),
    [
        ({"name": "not a name!"}, "invalid_name"),
        ({"grounds": ReservationReason.REMOVED_PROJECT}, "invalid_grounds"),
        ({"until": NOW - timedelta(seconds=1)}, "until_past"),
        ({"reason": " "}, "no_reason"),
    ],
)
def test_reserve_name_refuses_what_an_admin_may_not_reserve(registry_admin, overrides, code):
    arguments = {
        "name": "acme",
        "grounds": ReservationReason.RESERVED,
        "actor": registry_admin,
        "reason": "Held back",
        "now": NOW,
        **overrides,
    }

    with pytest.raises(RegistryError) as refused:
        services.reserve_name(**arguments)

    assert refused.value.code == code
    assert not NameReservation.objects.exists()


def test_only_registry_admins_reserve_names(owner, support_user):
    for actor in (owner, support_user):
        with pytest.raises(RegistryError) as refused:
            services.reserve_name(
                name="acme", grounds=ReservationReason.RESERVED, actor=actor, reason="Mine"
            )
        assert refused.value.code == "admin_only"
    assert not NameReservation.objects.exists()


def test_a_name_in_force_is_not_reserved_twice(registry_admin):
    NameReservationFactory(normalized_name="acme", reason=ReservationReason.LEGAL, until=None)

    with pytest.raises(RegistryError) as refused:
        services.reserve_name(
            name="ACME", grounds=ReservationReason.PROHIBITED, actor=registry_admin, reason="x"
        )

    assert refused.value.code == "already_reserved"
    assert NameReservation.objects.get().reason == ReservationReason.LEGAL


def test_a_lapsed_reservation_is_taken_over_without_its_allowed_users(registry_admin):
    lapsed = NameReservationFactory(
        normalized_name="acme",
        reason=ReservationReason.REMOVED_PROJECT,
        until=NOW - timedelta(days=1),
    )
    lapsed.allowed_users.add(UserFactory())

    reservation = services.reserve_name(
        name="acme",
        grounds=ReservationReason.PROHIBITED,
        actor=registry_admin,
        reason="Now prohibited",
        now=NOW,
    )

    assert reservation.pk == lapsed.pk
    assert (reservation.reason, reservation.until) == (ReservationReason.PROHIBITED, None)
    assert not reservation.allowed_users.exists()
    assert reservation.is_in_force(NOW)


# The admin --------------------------------------------------------------------------------------


def test_the_add_form_reserves_through_the_service(registry_admin_client, registry_admin):
    response = registry_admin_client.post(ADD_URL, add_form())

    assert response.status_code == 302
    reservation = NameReservation.objects.get()
    assert reservation.normalized_name == "acme-tools"
    assert (reservation.reason, reservation.created_by) == (ReservationReason.LEGAL, registry_admin)
    row = reservation.history.get()
    assert (row.history_user, row.history_change_reason) == (registry_admin, "Court order 2026-17")


def test_the_add_form_shows_the_services_refusal(registry_admin_client):
    NameReservationFactory(normalized_name="acme-tools", reason=ReservationReason.RESERVED)

    response = registry_admin_client.post(ADD_URL, add_form())

    assert response.status_code == 200
    assert "already reserved" in response.content.decode()
    assert NameReservation.objects.get().reason == ReservationReason.RESERVED


def test_the_add_form_asks_for_a_reason_and_offers_no_removed_project_grounds(
    registry_admin_client,
):
    page = registry_admin_client.get(ADD_URL).content.decode()
    assert 'value="removed_project"' not in page

    response = registry_admin_client.post(
        ADD_URL, add_form(change_reason="", reason=ReservationReason.REMOVED_PROJECT)
    )

    assert response.status_code == 200
    assert set(response.context["adminform"].form.errors) == {"change_reason", "reason"}
    assert not NameReservation.objects.exists()


def test_support_staff_cannot_add_a_reservation(support_client):
    assert support_client.post(ADD_URL, add_form()).status_code == 403
    assert not NameReservation.objects.exists()


def test_the_change_form_is_read_only(registry_admin_client):
    reservation = NameReservationFactory(
        normalized_name="kept-name", reason=ReservationReason.RESERVED, comment="original"
    )
    url = reverse("admin:registry_namereservation_change", args=[reservation.pk])

    page = registry_admin_client.get(url)
    posted = registry_admin_client.post(
        url,
        {
            "normalized_name": "kept-name",
            "reason": ReservationReason.PROHIBITED,
            "until": "",
            "comment": "changed",
            "change_reason": "edit by hand",
        },
    )

    assert page.status_code == 200
    assert 'name="_save"' not in page.content.decode()
    assert posted.status_code == 403
    reservation.refresh_from_db()
    assert (reservation.reason, reservation.comment) == (ReservationReason.RESERVED, "original")
    assert reservation.history.count() == 1
