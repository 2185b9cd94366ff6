"""Pending removal as registry state, and the admins' management of name reservations."""

from datetime import timedelta

import pytest
from django.utils import timezone

from registry import services
from registry.models import File, Index, NameReservation, Project, ReservationReason
from registry.services import RegistryError
from tests.factories import UserFactory, publish

pytestmark = pytest.mark.django_db


@pytest.fixture
def project(owner):
    project = services.create_project(name="leaving", owner=owner, actor=owner, reason="t")
    publish(project, "1.0", actor=owner, now=timezone.now())
    publish(project, "2.0", actor=owner, now=timezone.now())
    return project


def filenames(index):
    return sorted(File.objects.installable(index).values_list("filename", flat=True))


def test_a_project_pending_removal_moves_to_the_pending_index_and_back(project, registry_admin):
    before = filenames(Index.MAIN)

    services.mark_pending_removal(project=project, actor=registry_admin, reason="staged")

    assert filenames(Index.MAIN) == []
    assert filenames(Index.PENDING) == before
    assert list(Project.objects.listed("main")) == []
    assert list(Project.objects.listed("pending")) == [project]
    project.refresh_from_db()
    assert project.history.first().history_change_reason == "staged"

    services.clear_pending_removal(project=project, actor=registry_admin, reason="kept")

    assert filenames(Index.MAIN) == before
    assert filenames(Index.PENDING) == []


def test_a_release_pending_removal_moves_only_its_files(project, registry_admin):
    release = project.releases.get(version="1.0")

    services.mark_pending_removal(
        project=project, release=release, actor=registry_admin, reason="staged"
    )

    assert all("-2.0-" in name for name in filenames(Index.MAIN))
    assert all("-1.0-" in name for name in filenames(Index.PENDING))
    assert list(Project.objects.listed("pending")) == [project]
    assert list(Project.objects.listed("main")) == [project]


def test_marking_twice_keeps_the_first_date(project, registry_admin):
    first = timezone.now() - timedelta(days=3)
    services.mark_pending_removal(project=project, actor=None, reason="staged", now=first)
    services.mark_pending_removal(project=project, actor=None, reason="again")

    project.refresh_from_db()
    assert project.pending_removal_at == first


def test_a_removed_project_cannot_become_pending(project, owner):
    services.remove_project(project=project, actor=owner, reason="gone")

    with pytest.raises(RegistryError, match="restore"):
        services.mark_pending_removal(project=project, actor=None, reason="staged")


def test_yanking_twice_is_refused_so_the_first_reason_stays(project, owner):
    release = project.releases.get(version="1.0")
    services.yank_release(release=release, actor=owner, reason="first")

    with pytest.raises(RegistryError, match="already yanked"):
        services.yank_release(release=release, actor=owner, reason="second")
    release.refresh_from_db()
    assert release.yanked_reason == "first"


@pytest.fixture
def reservation():
    return NameReservation.objects.create(
        normalized_name="kept-name", reason=ReservationReason.PROHIBITED
    )


def test_an_admin_ends_a_reservation_and_the_name_becomes_free(reservation, registry_admin):
    newcomer = UserFactory()
    with pytest.raises(RegistryError, match="reserved"):
        services.create_project(name="kept-name", owner=newcomer, actor=newcomer, reason="t")

    services.expire_reservation(reservation=reservation, actor=registry_admin, reason="released")

    services.create_project(name="kept-name", owner=newcomer, actor=newcomer, reason="t")
    assert reservation.history.first().history_change_reason == "released"


def test_an_admin_lets_one_user_register_a_reserved_name(reservation, registry_admin):
    chosen, other = UserFactory(), UserFactory()

    services.allow_reserved_name(
        reservation=reservation, user=chosen, actor=registry_admin, reason="new maintainer"
    )

    with pytest.raises(RegistryError, match="reserved"):
        services.create_project(name="kept-name", owner=other, actor=other, reason="t")
    services.create_project(name="kept-name", owner=chosen, actor=chosen, reason="t")
    history = reservation.history.first()
    assert history.history_user == registry_admin
    assert history.history_change_reason == "new maintainer"


def test_only_admins_manage_reservations(reservation, owner, support_user):
    for actor in (owner, support_user):
        with pytest.raises(RegistryError, match="Only registry admins"):
            services.expire_reservation(reservation=reservation, actor=actor, reason="x")
        with pytest.raises(RegistryError, match="Only registry admins"):
            services.allow_reserved_name(
                reservation=reservation, user=owner, actor=actor, reason="x"
            )


def test_the_admin_actions_end_and_allow_reservations(client, reservation, registry_admin):
    chosen = UserFactory(username="chosen")
    client.force_login(registry_admin)
    url = "/admin/registry/namereservation/"
    base = {"_selected_action": [reservation.pk]}

    confirm = client.post(url, {**base, "action": "allow_user"})
    assert confirm.status_code == 200
    assert "Username" in confirm.content.decode()
    unknown = client.post(
        url, {**base, "action": "allow_user", "post": "yes", "username": "nobody", "reason": "x"}
    )
    assert "There is no active account called" in unknown.content.decode()
    client.post(
        url, {**base, "action": "allow_user", "post": "yes", "username": "chosen", "reason": "ok"}
    )
    assert list(reservation.allowed_users.all()) == [chosen]

    client.post(url, {**base, "action": "expire_reservations", "post": "yes", "reason": "free"})
    reservation.refresh_from_db()
    assert not reservation.is_in_force(timezone.now())


def test_support_staff_cannot_run_the_reservation_actions(client, reservation, support_user):
    client.force_login(support_user)

    client.post(
        "/admin/registry/namereservation/",
        {
            "_selected_action": [reservation.pk],
            "action": "expire_reservations",
            "post": "yes",
            "reason": "x",
        },
    )

    reservation.refresh_from_db()
    assert reservation.is_in_force(timezone.now())
