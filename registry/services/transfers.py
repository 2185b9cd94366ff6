"""Ownership transfers (PEP 541): a registry admin hands a project to a new owner, and can undo it.

A transfer ends every other role on the project (owners and maintainers: a change of hands),
never deleting one; makes the new owner an owner; and, for a removed project, hands the
reservation of its name to the new owner alone, so they may register the name by uploading while
the previous owners no longer can. The `OwnershipTransfer` row keeps what was changed, so
`undo_transfer` restores exactly that. Both lock the project row first, so two admins acting on
one project at once act one after the other.

Role changes are not client-visible changes (no entry in the change journal), as for
`add_role` and `remove_role`.
"""

from django.db import transaction
from django.utils import timezone

from ..history import bulk_update_tracked, record
from ..models import (
    NameReservation,
    OwnershipTransfer,
    ReservationReason,
    Role,
    RoleName,
)
from .errors import RegistryError
from .guards import locked_project, require_admin, require_reason


def transfer_project(*, project, to_user, actor, reason, reference="", now=None):
    """Make `to_user` the owner of `project` and end every other role on it (registry admins).

    `reference` names the request that decided it (e.g. "N-12"). Return the OwnershipTransfer.
    """
    require_reason(reason)
    require_admin(actor, "transfer a project to a new owner")
    now = now or timezone.now()
    if not to_user.is_active:
        raise RegistryError(
            f"The account {to_user} is deactivated, so it cannot own a project. Transfer the "
            "project to an active account.",
            code="inactive_user",
        )
    with transaction.atomic():
        project = locked_project(project)
        roles = list(Role.objects.select_for_update().filter(project=project).order_by("pk"))
        own = next((role for role in roles if role.user_id == to_user.pk), None)
        others = [role for role in roles if role.ended_at is None and role is not own]
        previous_role = own.role if own is not None and own.ended_at is None else ""
        if previous_role == RoleName.OWNER and not any(
            role.role == RoleName.OWNER for role in others
        ):
            raise RegistryError(
                f"{to_user} is already the only owner of {project.name}: there is nothing to "
                "transfer. To change its maintainers, manage the roles on the project's page.",
                code="already_owner",
            )
        reservation = _reservation_to_hand_over(project, now=now)

        for role in others:
            role.ended_at = now
        bulk_update_tracked(Role, others, ["ended_at"], actor=actor, reason=reason, when=now)
        _make_owner(own, project=project, user=to_user, actor=actor, reason=reason, now=now)

        transfer = record(
            OwnershipTransfer(
                project=project,
                new_owner=to_user,
                new_owner_previous_role=previous_role,
                reservation=reservation,
                reference=reference,
                created_at=now,
                created_by=actor,
                reason=reason,
            ),
            actor=actor,
            reason=reason,
        )
        transfer.save()
        transfer.ended_roles.set(others)
        if reservation is not None:
            transfer.previous_allowed_users.set(list(reservation.allowed_users.all()))
            record(reservation, actor=actor, reason=reason).allowed_users.set([to_user])
    return transfer


def _reservation_to_hand_over(project, *, now):
    """Return the in-force reservation a removed `project` left on its name (locked), or None.

    Refuse a removed project whose name is held on other grounds (prohibited, legal,
    reserved): the new owner could never register it.
    """
    if not project.is_removed:
        return None
    reservation = (
        NameReservation.objects.select_for_update()
        .in_force(now)
        .filter(normalized_name=project.normalized_name)
        .first()
    )
    if reservation is None or reservation.reason == ReservationReason.REMOVED_PROJECT:
        return reservation
    raise RegistryError(
        f"The name {project.normalized_name} is reserved "
        f"({reservation.get_reason_display().lower()}), so a new owner could not register it. "
        "End that reservation first (Name reservations), then transfer the project.",
        code="name_reserved",
    )


def _make_owner(role, *, project, user, actor, reason, now):
    """Make `user` an owner of `project`, reviving or promoting their role row if they have one."""
    if role is None:
        role = Role(project=project, user=user, role=RoleName.OWNER, created_at=now)
        record(role, actor=actor, reason=reason).save()
        return role
    if role.role == RoleName.OWNER and role.ended_at is None:
        return role  # one of several owners: they stay one
    role.role = RoleName.OWNER
    role.ended_at = None
    record(role, actor=actor, reason=reason).save(update_fields=["role", "ended_at"])
    return role


def undo_transfer(*, transfer, actor, reason, now=None):
    """Undo `transfer` (registry admins): bring back the roles it ended, give the new owner
    back the role they held before (or end theirs), and restore who could register a removed
    project's name. Return the transfer, marked undone."""
    require_reason(reason)
    require_admin(actor, "undo an ownership transfer")
    now = now or timezone.now()
    with transaction.atomic():
        project = locked_project(transfer.project)
        transfer = OwnershipTransfer.objects.select_for_update().get(pk=transfer.pk)
        if transfer.is_undone:
            raise RegistryError(
                f"This transfer of {project.name} was already undone on "
                f"{transfer.undone_at:%Y-%m-%d %H:%M} UTC by {transfer.undone_by}: the previous "
                "owners have their roles back.",
                code="already_undone",
            )
        later = (
            OwnershipTransfer.objects.in_force()
            .filter(project=project, pk__gt=transfer.pk)
            .order_by("-pk")
            .first()
        )
        if later is not None:
            raise RegistryError(
                f"{project.name} was transferred again later (to {later.new_owner} on "
                f"{later.created_at:%Y-%m-%d %H:%M} UTC). Undo that transfer first, then this one.",
                code="later_transfer",
            )

        ended = list(
            Role.objects.select_for_update()
            .filter(pk__in=transfer.ended_roles.values("pk"), ended_at__isnull=False)
            .order_by("pk")
        )
        for role in ended:
            role.ended_at = None
        bulk_update_tracked(Role, ended, ["ended_at"], actor=actor, reason=reason, when=now)
        _give_back_previous_role(transfer, project=project, actor=actor, reason=reason, now=now)

        if transfer.reservation_id is not None:
            reservation = NameReservation.objects.select_for_update().get(
                pk=transfer.reservation_id
            )
            record(reservation, actor=actor, reason=reason).allowed_users.set(
                list(transfer.previous_allowed_users.all())
            )

        transfer.undone_at = now
        transfer.undone_by = actor
        transfer.undo_reason = reason
        record(transfer, actor=actor, reason=reason).save(
            update_fields=["undone_at", "undone_by", "undo_reason"]
        )
    return transfer


def _give_back_previous_role(transfer, *, project, actor, reason, now):
    role = (
        Role.objects.select_for_update().filter(project=project, user=transfer.new_owner_id).first()
    )
    if role is None:
        return
    previous = transfer.new_owner_previous_role
    if not previous:
        if role.ended_at is None:
            role.ended_at = now
            record(role, actor=actor, reason=reason).save(update_fields=["ended_at"])
        return
    if role.role != previous or role.ended_at is not None:
        role.role = previous
        role.ended_at = None
        record(role, actor=actor, reason=reason).save(update_fields=["role", "ended_at"])
