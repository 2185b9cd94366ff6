"""Names: whether a name may be registered and why not (`check_name`, which uploads and the
name pages share), name reservations (reserving or prohibiting a name, reserving a removed
project's name, lifting or lapsing a reservation; reservations change only here), and the
popular names a new name may be a typosquat of."""

from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from ..confusables import confusable_key, possible_typosquats
from ..history import bulk_update_tracked, record
from ..models import NameReservation, Popularity, Project, ReservationReason, Role, RoleName
from ..validators import normalize_project_name, text_problem, validate_project_name
from .errors import RegistryError
from .guards import first_message, require_admin, require_reason

# A removed project's name is reserved by removing the project, never by hand.
ADMIN_GROUNDS = (ReservationReason.PROHIBITED, ReservationReason.LEGAL, ReservationReason.RESERVED)


@dataclass(frozen=True)
class NameCheck:
    """The answer to "may this name be registered as a new project, and if not, why".

    `code` is "available" or the code of the RegistryError an upload of the name would raise
    ("invalid_name", "name_reserved", "name_taken", "confusable_name"); `message` says it in
    words, with what to do; `collides_with` is the project or reserved name in the way;
    `similar_to` the popular projects an available name may be a typosquat of.
    """

    name: str
    normalized: str
    available: bool
    code: str
    message: str
    collides_with: str = ""
    similar_to: tuple[str, ...] = ()


def _refused(name, normalized, code, message, collides_with=""):
    return NameCheck(
        name=name,
        normalized=normalized,
        available=False,
        code=code,
        message=message,
        collides_with=collides_with,
    )


LOOK_ALIKES = (
    "they differ only by characters that look alike (l, 1 and i; o and 0), by letter case or "
    "by separators (-, _ and .), so people could install one believing it is the other"
)


def check_name(name, *, user=None, now):
    """Say whether `user` (None: anyone) may register `name` as a new project at `now`.

    The rules, in the order an upload applies them: a valid name; not reserved for others
    (`reservation_blocking`); not the name of a live project (a removed project's name is free
    once its reservation is over); not confusable (`registry.confusables`) with another
    project's name, live or removed, or with a name reserved now. An available name that is
    within a small edit distance of a popular project's carries those names in `similar_to`
    (the upload is accepted and staff are told). Reads at most four queries, plus one when a
    reservation must be asked who it allows, plus one when the popular names are not cached.
    """
    if not isinstance(name, str):
        name = ""
    try:
        validate_project_name(name)
    except ValidationError as error:
        # The message quotes the name with repr(), so control characters are shown escaped;
        # the answer itself keeps a name only if it is plain text.
        shown = name if text_problem(name) is None else ""
        return _refused(shown, "", "invalid_name", first_message(error))
    normalized = normalize_project_name(name)
    reservation = reservation_blocking(normalized_name=normalized, user=user, now=now)
    if reservation is not None:
        until = (
            f"until {reservation.until:%Y-%m-%d %H:%M} UTC" if reservation.until else "permanently"
        )
        return _refused(
            name,
            normalized,
            "name_reserved",
            f"The name {name!r} is reserved {until} "
            f"({reservation.get_reason_display().lower()}). Choose another name, or ask the "
            "registry admins if you believe you should have it.",
            reservation.normalized_name,
        )
    key = confusable_key(name)
    look_alikes = list(
        Project.objects.filter(confusable_name=key)
        .order_by(F("removed_at").asc(nulls_first=True), "normalized_name")  # live ones first
        .values_list("name", "normalized_name", "removed_at")[:20]
    )
    for other, other_normalized, removed_at in look_alikes:
        if other_normalized == normalized and removed_at is None:
            return _refused(
                name,
                normalized,
                "name_taken",
                f"The name {name!r} is already taken (names are compared after normalisation, "
                f"so it clashes with {other!r}). Choose another name.",
                other,
            )
    for other, other_normalized, removed_at in look_alikes:
        if other_normalized != normalized:
            what = "the removed project" if removed_at is not None else "the existing project"
            return _refused(
                name,
                normalized,
                "confusable_name",
                _confusable_message(name, f"{what} {other!r}", other),
                other,
            )
    reserved = (
        NameReservation.objects.in_force(now)
        .filter(confusable_name=key)
        .exclude(normalized_name=normalized)
        .order_by("normalized_name")
        .first()
    )
    if reserved is not None:
        what = f"the reserved name {reserved.normalized_name!r}"
        return _refused(
            name,
            normalized,
            "confusable_name",
            _confusable_message(name, what, reserved.normalized_name),
            reserved.normalized_name,
        )
    similar_to = tuple(possible_typosquats(normalized, top_names=popular_names()))
    if similar_to:
        shown = ", ".join(similar_to)
        message = (
            f"The name {name!r} is available. It is close to the popular "
            f"{'project' if len(similar_to) == 1 else 'projects'} {shown}, so registering it "
            "tells the registry's staff, who check that it is not a typosquat. If your project "
            "is not related to them, a clearly different name spares your users the confusion."
        )
    else:
        message = f"The name {name!r} is available."
    return NameCheck(
        name=name,
        normalized=normalized,
        available=True,
        code="available",
        message=message,
        similar_to=similar_to,
    )


def _confusable_message(name, what, other):
    return (
        f"The name {name!r} is too similar to {what}: {LOOK_ALIKES}. Choose a clearly "
        f"different name. If you own {other}, upload under its exact name; if you believe the "
        "name should be yours, ask the registry admins."
    )


def typosquat_top():
    """How many of the most downloaded projects a new name is compared with
    (`HOLDFAST_TYPOSQUAT_TOP`, 1000 by default; 0 turns the check off)."""
    return int(getattr(settings, "HOLDFAST_TYPOSQUAT_TOP", 1000))


def popular_names():
    """Return the normalised names of the `typosquat_top()` most downloaded live projects, most
    downloaded first, as the popularity computation last ranked them.

    One indexed query asks when the ranks were computed; the names themselves are read in one
    query per computation and kept in the cache under that time, so uploads do not read them
    again until the next computation.
    """
    top = typosquat_top()
    if top <= 0:
        return []
    stamp = (
        Popularity.objects.filter(rank__isnull=False)
        .order_by("rank")
        .values_list("computed_at", flat=True)
        .first()
    )
    if stamp is None:
        return []
    key = f"holdfast:popular-names:{top}:{stamp.isoformat()}"
    names = cache.get(key)
    if names is None:
        names = list(
            Popularity.objects.filter(rank__isnull=False, project__removed_at__isnull=True)
            .order_by("rank", "project_id")
            .values_list("project__normalized_name", flat=True)[:top]
        )
        cache.set(key, names, timeout=7 * 24 * 3600)
    return names


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
