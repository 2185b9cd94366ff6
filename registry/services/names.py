"""Name reservations: who may register a name, reserving or prohibiting a name, reserving a
removed project's name, and lifting or lapsing a reservation. Reservations change only here."""

from datetime import timedelta

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from ..history import bulk_update_tracked, record
from ..models import NameReservation, ReservationReason, Role, RoleName
from ..validators import normalize_project_name, validate_project_name
from .errors import RegistryError
from .guards import first_message, require_admin, require_reason

# A removed project's name is reserved by removing the project, never by hand.
ADMIN_GROUNDS = (ReservationReason.PROHIBITED, ReservationReason.LEGAL, ReservationReason.RESERVED)


def reservation_blocking(*, normalized_name, user, now):
    """Return the reservation that stops `user` registering the name now, or None."""
    reservation = (
        NameReservation.objects.in_force(now).filter(normalized_name=normalized_name).first()
    )
    if reservation is None:
        return None
    if user is not None and reservation.allowed_users.filter(pk=user.pk).exists():
        return None
    return reservation


def refuse_reservation(*, name, grounds, until, now):
    """Refuse a reservation an admin may not make: an invalid name, grounds other than
    ADMIN_GROUNDS, an end in the past, or a name already reserved. Return the normalised name."""
    try:
        validate_project_name(name)
    except ValidationError as error:
        raise RegistryError(first_message(error), code="invalid_name") from None
    if grounds not in ADMIN_GROUNDS:
        raise RegistryError(
            "A removed project's name is reserved by removing the project; choose one of: "
            f"{', '.join(str(ReservationReason(value).label) for value in ADMIN_GROUNDS)}.",
            code="invalid_grounds",
        )
    if until is not None and until <= now:
        raise RegistryError(
            "A reservation ends in the future, or never (leave the date empty).",
            code="until_past",
        )
    normalized = normalize_project_name(name)
    existing = NameReservation.objects.in_force(now).filter(normalized_name=normalized).first()
    if existing is not None:
        raise RegistryError(
            f"The name {normalized} is already reserved ({existing.get_reason_display().lower()})."
            " End that reservation first to reserve the name on other grounds.",
            code="already_reserved",
        )
    return normalized


def reserve_name(*, name, grounds, until=None, comment="", actor, reason, now=None):
    """Reserve or prohibit `name` on `grounds` (registry admins): nobody may register it
    until `until` (None: for ever). A lapsed reservation of the name is taken over."""
    require_reason(reason)
    require_admin(actor, "reserve or prohibit a name")
    now = now or timezone.now()
    with transaction.atomic():
        normalized = normalize_project_name(name)
        reservation = (
            NameReservation.objects.select_for_update().filter(normalized_name=normalized).first()
        )
        refuse_reservation(name=name, grounds=grounds, until=until, now=now)
        reservation = reservation or NameReservation(normalized_name=normalized)
        reservation.reason = grounds
        reservation.until = until
        reservation.comment = comment
        reservation.created_at = now
        reservation.created_by = actor
        reservation.expired_at = None
        reservation.project = None
        try:
            with transaction.atomic():
                record(reservation, actor=actor, reason=reason).save()
        except IntegrityError:
            raise RegistryError(
                f"The name {normalized} was reserved by someone else a moment ago.",
                code="already_reserved",
            ) from None
        if reservation.allowed_users.exists():
            # Who could register the name under the old reservation may not under this one.
            record(reservation, actor=actor, reason=reason).allowed_users.clear()
    return reservation


def reserve_removed_name(*, project, rule, actor, now):
    """Reserve the name of `project`, just removed, as the policy's `rule` says."""
    if rule.others_blocked_for is not None and rule.others_blocked_for <= timedelta(0):
        return None
    until = None if rule.others_blocked_for is None else now + rule.others_blocked_for
    reservation = (
        NameReservation.objects.select_for_update()
        .filter(normalized_name=project.normalized_name)
        .first()
    )
    if reservation is None:
        reservation = NameReservation(normalized_name=project.normalized_name, created_at=now)
    elif (
        not reservation.is_in_force(now) or reservation.reason == ReservationReason.REMOVED_PROJECT
    ):
        reservation.created_at = now
    else:
        return reservation  # a stronger reservation (prohibited, legal) already holds the name
    reservation.reason = ReservationReason.REMOVED_PROJECT
    reservation.until = until
    reservation.expired_at = None
    reservation.project = project
    reservation.created_by = actor
    reservation.comment = rule.explanation
    record(reservation, actor=actor, reason=f"{project.name} was removed").save()
    owners = (
        Role.objects.active()
        .filter(project=project, role=RoleName.OWNER)
        .values_list("user", flat=True)
    )
    reservation.allowed_users.set(list(owners) if rule.previous_owners_may_register else [])
    return reservation


def record_lapsed_reservations(*, actor, now, limit=1000):
    """Record the expiry of reservations whose time is over (the scheduler); return them."""
    with transaction.atomic():
        lapsed = list(
            NameReservation.objects.select_for_update(skip_locked=True)
            .lapsed(now)
            .order_by("pk")[:limit]
        )
        for reservation in lapsed:
            reservation.expired_at = now
        if lapsed:
            bulk_update_tracked(
                NameReservation,
                lapsed,
                ["expired_at"],
                actor=actor,
                reason="The reservation period is over: the name is free",
                when=now,
            )
    return lapsed


def expire_reservation(*, reservation, actor, reason, now=None):
    """End a name reservation now (registry admins): anyone may register the name."""
    require_reason(reason)
    require_admin(actor, "lift a name reservation")
    now = now or timezone.now()
    with transaction.atomic():
        reservation = NameReservation.objects.select_for_update().get(pk=reservation.pk)
        if not reservation.is_in_force(now):
            raise RegistryError(
                f"The reservation of {reservation.normalized_name} has already ended.",
                code="not_in_force",
            )
        reservation.until = now
        record(reservation, actor=actor, reason=reason).save(update_fields=["until"])
    return reservation


def allow_reserved_name(*, reservation, user, actor, reason):
    """Let `user` register a reserved name (registry admins), e.g. a new maintainer."""
    require_reason(reason)
    require_admin(actor, "release a reserved name to someone")
    with transaction.atomic():
        reservation = NameReservation.objects.select_for_update().get(pk=reservation.pk)
        if reservation.allowed_users.filter(pk=user.pk).exists():
            return reservation
        # Changing the M2M writes the history row, with the actor and reason set here.
        record(reservation, actor=actor, reason=reason).allowed_users.add(user)
    return reservation


def end_removed_project_reservation(*, project, actor, now):
    """End the reservation a removed `project` left on its name (it is live again)."""
    reservation = (
        NameReservation.objects.select_for_update()
        .filter(normalized_name=project.normalized_name, reason=ReservationReason.REMOVED_PROJECT)
        .first()
    )
    if reservation is not None and reservation.is_in_force(now):
        reservation.until = now
        record(reservation, actor=actor, reason=f"{project.name} was restored").save(
            update_fields=["until"]
        )
