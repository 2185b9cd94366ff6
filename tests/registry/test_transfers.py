"""Ownership transfers (PEP 541): the previous owners' roles ended, not deleted; the new owner
made owner; a removed project's reservation handed over; everything undone by one call; and two
admins acting at once (PostgreSQL)."""

from datetime import UTC, datetime, timedelta

import pytest

from registry import services
from registry.models import (
    NameReservation,
    OwnershipTransfer,
    Project,
    ReservationReason,
    Role,
    RoleName,
)
from registry.services import RegistryError
from tests.factories import UserFactory, publish
from tests.races import on_postgresql, race
from tests.registry.test_removal import fresh

pytestmark = pytest.mark.django_db

NOW = datetime(2025, 6, 1, 12, 0, tzinfo=UTC)
HOUR = timedelta(hours=1)
DAY = timedelta(days=1)
OLD = NOW - timedelta(days=400)
REASON = "PEP 541: abandoned, owners unreachable for 6 weeks"


@pytest.fixture
def requester(db):
    return UserFactory(username="requester")


@pytest.fixture
def project(owner, maintainer):
    """An old project with one owner, one maintainer and a release."""
    project = services.create_project(
        name="handover", owner=owner, actor=owner, reason="New", now=OLD
    )
    services.add_role(
        project=project, user=maintainer, role="maintainer", actor=owner, reason="Help", now=OLD
    )
    publish(project, "1.0", actor=owner, now=OLD)
    return project


def transfer(project, to_user, admin, *, now=NOW, reason=REASON, reference="N-12"):
    return services.transfer_project(
        project=project, to_user=to_user, actor=admin, reason=reason, reference=reference, now=now
    )


def undo(transfer, admin, *, now=NOW + HOUR, reason="The owner answered after all"):
    return services.undo_transfer(transfer=transfer, actor=admin, reason=reason, now=now)


def role_of(project, user):
    return Role.objects.get(project=project, user=user)


def active_roles(project):
    return {
        (role.user.username, role.role)
        for role in Role.objects.active().filter(project=project).select_related("user")
    }


def upload(name, version, uploader, *, build=1, now=NOW + HOUR):
    return services.publish_file(
        name=name,
        version=version,
        filename=f"{name}-{version}-{build}-py3-none-any.whl",
        content=f"bytes of {name} {version} {build}".encode(),
        uploader=uploader,
        now=now,
    )


# The transfer -------------------------------------------------------------------------------------


def test_a_transfer_ends_every_other_role_and_makes_the_requester_the_owner(
    project, owner, maintainer, requester, registry_admin
):
    before = set(Role.objects.filter(project=project).values_list("pk", flat=True))

    done = transfer(project, requester, registry_admin)

    assert active_roles(project) == {("requester", RoleName.OWNER)}
    # Ended, not deleted: every row is still there, with the time of the transfer.
    assert before < set(Role.objects.filter(project=project).values_list("pk", flat=True))
    for user, kind in ((owner, RoleName.OWNER), (maintainer, RoleName.MAINTAINER)):
        role = role_of(project, user)
        assert (role.role, role.ended_at) == (kind, NOW)
        last = role.history.order_by("-history_id").first()
        assert (last.history_user, last.history_change_reason) == (registry_admin, REASON)
        assert last.history_user_username == "registry-admin"
    new_role = role_of(project, requester)
    assert new_role.created_at == NOW
    assert new_role.history.get().history_change_reason == REASON
    assert set(done.ended_roles.all()) == {role_of(project, owner), role_of(project, maintainer)}
    assert (done.new_owner, done.new_owner_previous_role) == (requester, "")
    assert (done.reference, done.reason, done.created_by, done.created_at) == (
        "N-12",
        REASON,
        registry_admin,
        NOW,
    )
    assert done.reservation is None and not done.is_undone
    assert done.history.get().history_user == registry_admin


def test_the_new_owners_maintainer_role_becomes_the_owner_role(
    project, owner, maintainer, registry_admin
):
    row = role_of(project, maintainer)

    done = transfer(project, maintainer, registry_admin)

    assert done.new_owner_previous_role == RoleName.MAINTAINER
    assert active_roles(project) == {("maintainer", RoleName.OWNER)}
    assert role_of(project, maintainer).pk == row.pk  # the same row, promoted
    assert set(done.ended_roles.all()) == {role_of(project, owner)}


def test_a_previous_owner_whose_role_had_ended_gets_it_back_as_the_new_owner(
    project, owner, requester, registry_admin
):
    services.add_role(
        project=project, user=requester, role="owner", actor=owner, reason="Co", now=OLD
    )
    services.remove_role(project=project, user=requester, actor=owner, reason="Left", now=OLD)
    row = role_of(project, requester)

    done = transfer(project, requester, registry_admin)

    assert done.new_owner_previous_role == ""
    assert role_of(project, requester).pk == row.pk
    assert active_roles(project) == {("requester", RoleName.OWNER)}


def test_a_previous_owner_can_no_longer_upload_while_the_new_owner_can(
    project, owner, maintainer, requester, registry_admin
):
    transfer(project, requester, registry_admin)

    for previous in (owner, maintainer):
        with pytest.raises(RegistryError) as refused:
            upload("handover", "2.0", previous)
        assert refused.value.code == "not_allowed"
        assert "You cannot upload to handover" in refused.value.message

    # A token limited to the project (made while the owner held it) is refused too.
    with pytest.raises(RegistryError) as refused:
        services.publish_file(
            name="handover",
            version="2.0",
            filename="handover-2.0-9-py3-none-any.whl",
            content=b"by token",
            uploader=owner,
            token_project=project,
            now=NOW + HOUR,
        )
    assert refused.value.code == "not_allowed"

    file = upload("handover", "2.0", requester)
    assert file.release.project == project
    assert file.uploaded_by == requester


# A removed project: its reservation handed over ---------------------------------------------------


@pytest.fixture
def removed(project, registry_admin):
    services.remove_project(
        project=project, actor=registry_admin, reason="Abandoned", category="admin", now=NOW - HOUR
    )
    project.refresh_from_db()
    return project


def register(via, user):
    if via == "create_project":
        return services.create_project(
            name="handover", owner=user, actor=user, reason="Mine now", now=NOW + HOUR
        )
    return upload("handover", "2.0", user).release.project


@pytest.mark.parametrize("via", ["create_project", "publish_file"])
def test_a_removed_projects_reservation_goes_to_the_new_owner_alone(
    removed, owner, requester, registry_admin, via
):
    reservation = NameReservation.objects.get(normalized_name="handover")
    assert reservation.reason == ReservationReason.REMOVED_PROJECT
    assert set(reservation.allowed_users.all()) == {owner}

    done = transfer(removed, requester, registry_admin)

    assert done.reservation == reservation
    assert set(done.previous_allowed_users.all()) == {owner}
    assert set(reservation.allowed_users.all()) == {requester}
    last = reservation.history.order_by("-history_id").first()
    assert (last.history_user, last.history_change_reason) == (registry_admin, REASON)

    with pytest.raises(RegistryError) as refused:
        register(via, owner)
    assert refused.value.code == "name_reserved"
    assert Project.objects.get(pk=removed.pk).is_removed

    project = register(via, requester)
    assert project.pk == removed.pk and not project.is_removed
    assert active_roles(project) == {("requester", RoleName.OWNER)}


def test_a_removed_project_whose_name_is_held_on_other_grounds_is_not_transferred(
    project, requester, registry_admin
):
    services.reserve_name(
        name="handover", grounds="legal", actor=registry_admin, reason="Court order", now=OLD
    )
    services.remove_project(
        project=project, actor=registry_admin, reason="Court order", category="legal", now=OLD
    )

    with pytest.raises(RegistryError) as refused:
        transfer(project, requester, registry_admin)

    assert refused.value.code == "name_reserved"
    assert "End that reservation first" in refused.value.message
    assert not OwnershipTransfer.objects.exists()
    assert not Role.objects.filter(user=requester).exists()


# Refusals -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("actor", ["owner", "maintainer", "support_user", "requester"])
def test_only_registry_admins_transfer_a_project(request, project, requester, actor):
    with pytest.raises(RegistryError) as refused:
        transfer(project, requester, request.getfixturevalue(actor))

    assert refused.value.code == "admin_only"
    assert active_roles(project) == {("owner", "owner"), ("maintainer", "maintainer")}
    assert not OwnershipTransfer.objects.exists()


def test_a_transfer_needs_a_reason(project, requester, registry_admin):
    with pytest.raises(RegistryError) as refused:
        transfer(project, requester, registry_admin, reason="  ")

    assert refused.value.code == "no_reason"
    assert not OwnershipTransfer.objects.exists()


def test_a_deactivated_account_cannot_receive_a_project(project, requester, registry_admin):
    requester.is_active = False
    requester.save()

    with pytest.raises(RegistryError) as refused:
        transfer(project, requester, registry_admin)

    assert refused.value.code == "inactive_user"
    assert "active account" in refused.value.message
    assert not Role.objects.filter(user=requester).exists()


def test_the_only_owner_cannot_receive_the_project_again(project, owner, registry_admin):
    with pytest.raises(RegistryError) as refused:
        transfer(project, owner, registry_admin)

    assert refused.value.code == "already_owner"
    assert "already the only owner of handover" in refused.value.message
    assert active_roles(project) == {("owner", "owner"), ("maintainer", "maintainer")}


def test_one_of_several_owners_receives_the_project_alone(
    project, owner, requester, registry_admin
):
    services.add_role(
        project=project, user=requester, role="owner", actor=owner, reason="Co", now=OLD
    )

    done = transfer(project, requester, registry_admin)

    assert done.new_owner_previous_role == RoleName.OWNER
    assert active_roles(project) == {("requester", RoleName.OWNER)}


# Undo ---------------------------------------------------------------------------------------------


def test_undo_restores_every_role_and_the_new_owner_loses_theirs(
    project, owner, maintainer, requester, registry_admin, second_admin
):
    done = transfer(project, requester, registry_admin)

    undone = undo(done, second_admin)

    assert active_roles(project) == {("owner", "owner"), ("maintainer", "maintainer")}
    assert role_of(project, requester).ended_at == NOW + HOUR  # ended, not deleted
    for user in (owner, maintainer, requester):
        last = role_of(project, user).history.order_by("-history_id").first()
        assert (last.history_user, last.history_change_reason) == (
            second_admin,
            "The owner answered after all",
        )
    undone.refresh_from_db()
    assert (undone.undone_at, undone.undone_by, undone.undo_reason) == (
        NOW + HOUR,
        second_admin,
        "The owner answered after all",
    )
    assert undone.history.order_by("-history_id").first().history_user == second_admin
    with pytest.raises(RegistryError):
        upload("handover", "2.0", requester)
    assert upload("handover", "2.0", owner).uploaded_by == owner


def test_undo_gives_the_new_owner_back_their_maintainer_role(
    project, owner, maintainer, registry_admin
):
    done = transfer(project, maintainer, registry_admin)

    undo(done, registry_admin)

    assert active_roles(project) == {("owner", "owner"), ("maintainer", "maintainer")}


def test_undo_gives_a_removed_projects_name_back_to_the_previous_owners(
    removed, owner, requester, registry_admin
):
    done = transfer(removed, requester, registry_admin)

    undo(done, registry_admin)

    reservation = NameReservation.objects.get(normalized_name="handover")
    assert set(reservation.allowed_users.all()) == {owner}
    with pytest.raises(RegistryError) as refused:
        register("publish_file", requester)
    assert refused.value.code == "name_reserved"
    assert register("publish_file", owner).pk == removed.pk


def test_a_second_undo_is_refused(project, requester, registry_admin, second_admin):
    done = transfer(project, requester, registry_admin)
    undo(done, registry_admin)

    with pytest.raises(RegistryError) as refused:
        undo(done, second_admin, now=NOW + 2 * HOUR)

    assert refused.value.code == "already_undone"
    assert "already undone" in refused.value.message
    done.refresh_from_db()
    assert (done.undone_by, done.undone_at) == (registry_admin, NOW + HOUR)


def test_an_earlier_transfer_is_undone_only_after_the_later_one(
    project, owner, requester, other_user, registry_admin
):
    first = transfer(project, requester, registry_admin)
    second = transfer(project, other_user, registry_admin, now=NOW + HOUR)
    assert set(second.ended_roles.all()) == {role_of(project, requester)}

    with pytest.raises(RegistryError) as refused:
        undo(first, registry_admin, now=NOW + 2 * HOUR)
    assert refused.value.code == "later_transfer"
    assert "Undo that transfer first" in refused.value.message

    undo(second, registry_admin, now=NOW + 2 * HOUR)
    assert active_roles(project) == {("requester", "owner")}
    undo(first, registry_admin, now=NOW + 3 * HOUR)
    assert active_roles(project) == {("owner", "owner"), ("maintainer", "maintainer")}


def test_undo_leaves_a_role_given_back_meanwhile_as_it_is(
    project, owner, maintainer, requester, registry_admin
):
    done = transfer(project, requester, registry_admin)
    services.add_role(
        project=project, user=maintainer, role="owner", actor=requester, reason="Welcome back"
    )

    undo(done, registry_admin)

    assert active_roles(project) == {("owner", "owner"), ("maintainer", "owner")}
    last = role_of(project, maintainer).history.order_by("-history_id").first()
    assert last.history_change_reason == "Welcome back"


@pytest.mark.parametrize("actor", ["owner", "support_user", "requester"])
def test_only_registry_admins_undo_a_transfer(request, project, requester, registry_admin, actor):
    done = transfer(project, requester, registry_admin)

    with pytest.raises(RegistryError) as refused:
        undo(done, request.getfixturevalue(actor))

    assert refused.value.code == "admin_only"
    assert active_roles(project) == {("requester", "owner")}
    assert not OwnershipTransfer.objects.get().is_undone


# Two admins at once (PostgreSQL) ------------------------------------------------------------------


def transfer_by(admin, project, to_user, now):
    return services.transfer_project(
        project=Project.objects.get(pk=project.pk),
        to_user=fresh(to_user),
        actor=fresh(admin),
        reason=f"Decided by {admin.username}",
        now=now,
    )


@on_postgresql
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_admins_transferring_to_two_people_at_once_act_one_after_the_other(
    project, owner, requester, other_user, registry_admin, second_admin
):
    admins, receivers = [registry_admin, second_admin], [requester, other_user]

    results = race(
        Project,
        project.pk,
        lambda n: transfer_by(admins[n], project, receivers[n], NOW + n * HOUR),
        in_order=True,
    )

    first, second = results
    assert isinstance(first, OwnershipTransfer) and isinstance(second, OwnershipTransfer), results
    # The second saw the first's new owner and ended that role: one owner, not two.
    assert active_roles(project) == {("other-user", RoleName.OWNER)}
    assert set(second.ended_roles.all()) == {role_of(project, requester)}
    assert {role.user for role in first.ended_roles.all()} == {owner, project_maintainer(project)}


def project_maintainer(project):
    return Role.objects.get(project=project, role=RoleName.MAINTAINER).user


@on_postgresql
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_admins_transferring_to_the_same_person_at_once_transfer_once(
    project, requester, registry_admin, second_admin
):
    admins = [registry_admin, second_admin]

    results = race(
        Project,
        project.pk,
        lambda n: transfer_by(admins[n], project, requester, NOW),
        in_order=True,
    )

    done, refused = results
    assert isinstance(done, OwnershipTransfer), results
    assert isinstance(refused, RegistryError) and refused.code == "already_owner", results
    assert OwnershipTransfer.objects.get().created_by == registry_admin
    assert active_roles(project) == {("requester", RoleName.OWNER)}


@on_postgresql
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_admins_undoing_one_transfer_at_once_undo_it_once(
    project, requester, registry_admin, second_admin
):
    done = transfer(project, requester, registry_admin)
    admins = [registry_admin, second_admin]

    def undo_by(n):
        return services.undo_transfer(
            transfer=OwnershipTransfer.objects.get(pk=done.pk),
            actor=fresh(admins[n]),
            reason=f"Undone by {admins[n].username}",
            now=NOW + HOUR,
        )

    results = race(Project, project.pk, undo_by, in_order=True)

    undone, refused = results
    assert isinstance(undone, OwnershipTransfer), results
    assert isinstance(refused, RegistryError) and refused.code == "already_undone", results
    assert OwnershipTransfer.objects.get().undone_by == registry_admin
    assert active_roles(project) == {("owner", "owner"), ("maintainer", "maintainer")}
    assert Role.history.filter(history_change_reason__startswith="Undone by").count() == 3
