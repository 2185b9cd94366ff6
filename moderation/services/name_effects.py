"""What the name-request queue's transitions plan and execute (`moderation.workflow`, Kind.NAME).

- contact the owners: each owner gets a private one-click "keep my project" link and the
  reachability period starts;
- an owner keeps the project: their answer is recorded and the requester told (PEP 541 never
  moves a name against the wishes of a reachable owner);
- transfer: the registry's `transfer_project` (the requester becomes an owner, every previous
  role is ended, a removed project's reservation is handed over), and everyone concerned is told:
  the requester, everyone whose role it ended (owners and maintainers) and the owners of the
  projects that depend on it.
"""

from registry import services as registry
from registry.facts import dependents_by_name
from registry.history import record
from registry.models import NameReservation, Project, ReservationReason, Role, RoleName
from registry.words import counted

from .. import notifications
from ..models import MessageKind, NameRequestContact
from .keys import new_access_key
from .messages import add_message
from .plans import Effect, PlanItem
from .schedule import reachability_period

NAMES_SHOWN = 10  # dependents named on a plan; the count says the rest


def owners_to_contact(project):
    """Return the users holding an owner role on `project` now, by username."""
    return [
        role.user
        for role in Role.objects.active()
        .filter(project=project, role=RoleName.OWNER)
        .select_related("user")
        .order_by("user__username")
    ]


def _plan_contact(case, now, data):
    owners = owners_to_contact(case.project)
    period = reachability_period()
    until = now + period
    if owners:
        who = PlanItem(
            f'E-mail {counted(len(owners), "owner")} a private "keep my project" link',
            ", ".join(
                f"{owner.get_username()} ({owner.email or 'no e-mail address on the account'})"
                for owner in owners
            ),
        )
    else:
        who = PlanItem(
            "Nobody to e-mail: the project has no owner",
            "The period still runs; when it ends a registry admin decides.",
        )
    return [
        who,
        PlanItem(
            f"Start the reachability period: owners may answer until {until:%Y-%m-%d}",
            f"{period.days} days; owners who have not answered are reminded on "
            f"{now + period / 2:%Y-%m-%d}. If nobody answers, a registry admin decides.",
        ),
    ]


def _contact(case, *, actor, reason, now, data):
    keys = []
    for owner in owners_to_contact(case.project):
        key, digest = new_access_key()
        contact = NameRequestContact(
            request=case, owner=owner, email=owner.email, key_hash=digest, contacted_at=now
        )
        record(contact, actor=actor, reason=reason).save()
        keys.append((contact, key))
    case.reachable_until = now + reachability_period()
    notifications.on_owners_contacted(case, keys)
    return []


def _plan_keep(case, now, data):
    return [
        PlanItem(
            "Close the request as refused",
            "PEP 541 never moves a name against the wishes of a reachable owner; the requester "
            "is told that an owner answered.",
        )
    ]


def _keep(case, *, actor, reason, now, data):
    contact = (
        NameRequestContact.objects.select_for_update().filter(request=case, owner=actor).first()
    )
    if contact is None:
        # An owner who answers from their project's page before anyone wrote to them.
        contact = NameRequestContact(
            request=case, owner=actor, email=actor.email, key_hash=new_access_key()[1]
        )
        contact.contacted_at = now
    contact.answered_at = now
    contact.answer = reason
    record(contact, actor=actor, reason="The owner answered: keep my project").save()
    body = (
        f"An owner of {case.project.name} answered that they keep the project. PEP 541 never "
        "transfers a name against the wishes of a reachable owner, so this request is closed. "
        "Choose another name, or talk to the owners directly."
    )
    add_message(case, MessageKind.TO_REQUESTER, body, actor=actor, now=now)
    return []


def transfer_facts(case, now):
    """What a transfer of `case` would do now: (active roles, reservation in force, dependents)."""
    roles = list(
        Role.objects.active()
        .filter(project=case.project)
        .select_related("user")
        .order_by("role", "user__username")
    )
    reservation = None
    if case.project.is_removed:
        reservation = (
            NameReservation.objects.in_force(now)
            .filter(normalized_name=case.project.normalized_name)
            .first()
        )
    dependents = sorted(
        dependents_by_name({case.project.normalized_name}).get(case.project.normalized_name, set())
        - {case.project.pk}
    )
    return roles, reservation, dependents


def _plan_transfer(case, now, data):
    roles, reservation, dependents = transfer_facts(case, now)
    requester = case.requester
    held = next((role for role in roles if role.user_id == case.requester_id), None)
    items = [
        PlanItem(
            f"Make {requester} an owner of {case.project.name}",
            f"They are a {held.get_role_display().lower()} now." if held else "",
        )
    ]
    ended = [role for role in roles if role.user_id != case.requester_id]
    if ended:
        items.append(
            PlanItem(
                f"End {counted(len(ended), 'role')}: kept in history, restorable from the transfer",
                ", ".join(f"{role.user} ({role.get_role_display().lower()})" for role in ended),
            )
        )
    if case.project.is_removed:
        if reservation is not None and reservation.reason == ReservationReason.REMOVED_PROJECT:
            items.append(
                PlanItem(
                    f"Hand the reservation of the name {case.project.normalized_name} over to "
                    f"{requester}",
                    "They may register the name by uploading; the previous owners no longer may.",
                )
            )
        elif reservation is not None:
            items.append(
                PlanItem(
                    "This transfer will be refused: a reservation holds the name "
                    f"({reservation.get_reason_display().lower()})",
                    "A new owner could never register it. End that reservation first (the "
                    "registry's Name reservations in the admin), then transfer.",
                )
            )
    names = list(
        Project.objects.filter(pk__in=dependents[:NAMES_SHOWN]).values_list("name", flat=True)
    )
    if dependents:
        more = len(dependents) - len(names)
        items.append(
            PlanItem(
                f"Tell the owners of {counted(len(dependents), 'dependent project')}: a change "
                "of hands is a supply-chain event",
                ", ".join(sorted(names)) + (f" and {more:,} more" if more > 0 else ""),
            )
        )
    else:
        items.append(PlanItem("No project depends on it: no dependents' owners to tell"))
    items.append(
        PlanItem("Tell the requester and everyone whose role ends (owners and maintainers)")
    )
    return items


def _transfer(case, *, actor, reason, now, data):
    # Everyone whose role the transfer ends hears of it, maintainers too: they lose the right
    # to upload.
    previous = notifications.role_emails(case.project)
    transfer = registry.transfer_project(
        project=case.project,
        to_user=case.requester,
        actor=actor,
        reason=reason,
        reference=case.reference,
        now=now,
    )
    case.transfer = transfer
    notifications.on_name_transferred(case, previous_role_emails=previous, reason=reason)
    return []


NAME_EFFECTS = {
    "contact_owners": Effect(_plan_contact, _contact, fields=("reachable_until",)),
    "owner_keeps": Effect(_plan_keep, _keep),
    "transfer_name": Effect(_plan_transfer, _transfer, fields=("transfer",)),
}
