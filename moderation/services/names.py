"""PEP 541 name requests: filing one, an owner's "keep my project" answer, and the scheduler's
part (reminders halfway through the reachability period, then the lapse to an admin's decision).

Every move of a request is a transition of `moderation.workflow` (Kind.NAME) run by the engine;
what each move changes is in `moderation.services.name_effects`.
"""

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from registry.facts import is_registry_admin
from registry.history import bulk_update_tracked
from registry.models import Project, Role, RoleName
from registry.name_facts import name_facts
from registry.services import RegistryError

from .. import notifications, pep541
from ..models import NameGround, NameIntent, NameRequest, NameRequestContact
from ..workflow import Kind, NameRequestState
from .engine import apply_batch, apply_transition, sla_due
from .keys import hash_key, new_access_key
from .schedule import abandoned_after, reachability_period
from .submissions import _save_new

KEY_MAX_LENGTH = 128


def open_request_of(project, requester):
    """Return the requester's open name request on `project`, or None."""
    if requester is None or not requester.is_authenticated:
        return None
    return NameRequest.objects.open().filter(project=project, requester=requester).first()


def eligibility(project, requester, *, ground, intent, now):
    """Return (facts, the pep541 Refusal or None) for this person asking for `project`'s name."""
    facts = name_facts(project, now=now)
    earlier = open_request_of(project, requester)
    refusal = pep541.refusal(
        facts,
        ground=ground,
        intent=intent,
        requester_id=requester.pk,
        open_request_reference=earlier.reference if earlier else None,
        now=now,
        abandoned_after=abandoned_after(),
    )
    return facts, refusal


def submit_name_request(
    *, project, requester, ground, intent, details, looked_for_another_name, now=None
):
    """File `requester`'s PEP 541 request for the name of `project`; return (request, key).

    Refuse, before anything is filed, what is obviously ineligible (`moderation.pep541`), with
    the rule and what the person can do instead.
    """
    now = now or timezone.now()
    if requester is None or not requester.is_authenticated:
        raise RegistryError("Sign in to ask for a project's name.", code="not_signed_in")
    if ground not in NameGround.values:
        raise RegistryError("Choose the PEP 541 ground of your claim.", code="ground")
    if intent not in NameIntent.values:
        raise RegistryError(
            "Say whether you will maintain the existing project or replace it.", code="intent"
        )
    if not (details or "").strip():
        raise RegistryError(
            "Explain your claim: how you tried to reach the owners, and what you will do with "
            "the name. The registry admins decide from what you write.",
            code="details",
        )
    if not looked_for_another_name:
        raise RegistryError(
            "Confirm that you looked for another name: PEP 541 asks why a different name would "
            "not do.",
            code="another_name",
        )
    with transaction.atomic():
        project = Project.objects.select_for_update().get(pk=project.pk)
        facts, refusal = eligibility(project, requester, ground=ground, intent=intent, now=now)
        if refusal is not None:
            raise RegistryError(refusal.message, code=refusal.code)
        key, digest = new_access_key()
        case = NameRequest(
            project=project,
            requested_name=project.name,
            ground=ground,
            intent=intent,
            details=details.strip(),
            looked_for_another_name=True,
            facts=facts.as_dict(),
            requester=requester,
            requester_name=requester.get_full_name() or requester.get_username(),
            requester_email=requester.email,
            access_key_hash=digest,
            created_at=now,
            due_at=sla_due(Kind.NAME, now),
        )
        try:
            with transaction.atomic():
                _save_new(case, releases=(), files=(), actor=requester, reason="Name requested")
        except IntegrityError:
            raise RegistryError(
                f"You already have an open request for the name {project.name}: follow it "
                "under Your requests.",
                code="duplicate",
            ) from None
        notifications.on_submitted(case, key)
    return case, key


# The owners' answer -------------------------------------------------------------------------------


def contact_for_key(key):
    """Return the owner contact whose private link carries `key` (first or reminder), or None."""
    if not key or len(key) > KEY_MAX_LENGTH:
        return None
    digest = hash_key(key)
    return (
        NameRequestContact.objects.filter(Q(key_hash=digest) | Q(reminder_key_hash=digest))
        .select_related("request__project", "owner")
        .first()
    )


def keep_project(*, case, owner, answer="", via_key=False, now=None):
    """Record `owner`'s answer "keep my project" on `case`: the request is refused.

    A request that is over is refused as such before anything else: once it was transferred,
    the owner who answers has no role left, and "only the owners can answer" would tell them
    the wrong thing.
    """
    with transaction.atomic():
        current = NameRequest.objects.select_for_update().get(pk=case.pk)
        if not current.is_open:
            raise RegistryError(
                f"{current.reference} is {current.get_state_display().lower()}; it can no "
                "longer be changed.",
                code="closed",
            )
        if is_registry_admin(owner) and not _holds_owner_role(current.project, owner):
            # The engine lets admins act for owners; this answer is an owner's own word, and
            # the requester is told that an owner answered.
            raise RegistryError(
                f"Only the owners of {current.project.name} can answer that they keep it. "
                "Registry admins refuse the request instead, with a reason.",
                code="not_allowed",
            )
        return apply_transition(
            case=current,
            name="keep_project",
            actor=owner,
            reason=(answer or "").strip() or "I am here: keep my project.",
            via_key=via_key,
            now=now,
        )


def _holds_owner_role(project, user):
    return Role.objects.active().filter(project=project, user=user, role=RoleName.OWNER).exists()


# The scheduler -----------------------------------------------------------------------------------

LAPSE_REASON = "The reachability period is over and no owner answered"
REMINDER_REASON = "Halfway through the reachability period: owners who have not answered reminded"


def lapsed(now):
    return NameRequest.objects.filter(
        state=NameRequestState.CONTACTING_OWNERS, reachable_until__lte=now
    )


def reminders_due(now):
    """Requests past the halfway mark of their period whose owners were not reminded yet."""
    return NameRequest.objects.filter(
        state=NameRequestState.CONTACTING_OWNERS,
        owners_reminded_at__isnull=True,
        reachable_until__lte=now + reachability_period() / 2,
        reachable_until__gt=now,
    )


def _locked(queryset, size):
    return list(
        queryset.select_for_update(skip_locked=True, of=("self",))
        .select_related("project")
        .order_by("reachable_until", "pk")[:size]
    )


def lapse_batch(*, now, actor, size=500):
    """Move up to `size` requests whose period is over to "awaiting decision"; return them."""
    with transaction.atomic():
        cases = _locked(lapsed(now), size)
        apply_batch(cases=cases, name="lapse", actor=actor, reason=LAPSE_REASON, now=now)
    return cases


def remind_batch(*, now, actor, size=500):
    """Remind, once, the owners who have not answered requests past their halfway mark; each
    reminder carries a new private link (the first one keeps working). Return the requests."""
    with transaction.atomic():
        cases = _locked(reminders_due(now), size)
        if not cases:
            return cases
        contacts = list(
            NameRequestContact.objects.select_for_update()
            .filter(request__in=cases, answered_at__isnull=True)
            .select_related("owner")
            .order_by("pk")
        )
        keys = {}
        for contact in contacts:
            key, contact.reminder_key_hash = new_access_key()
            contact.reminded_at = now
            keys[contact.pk] = key
        bulk_update_tracked(
            NameRequestContact,
            contacts,
            ["reminder_key_hash", "reminded_at"],
            actor=actor,
            reason=REMINDER_REASON,
            when=now,
        )
        for case in cases:
            case.owners_reminded_at = now
        bulk_update_tracked(
            NameRequest,
            cases,
            ["owners_reminded_at"],
            actor=actor,
            reason=REMINDER_REASON,
            when=now,
        )
        by_case = {}
        for contact in contacts:
            by_case.setdefault(contact.request_id, []).append((contact, keys[contact.pk]))
        notifications.on_owners_reminded(
            [(case, by_case.get(case.pk, [])) for case in cases], at_once=False
        )
    return cases


__all__ = [
    "contact_for_key",
    "eligibility",
    "keep_project",
    "lapse_batch",
    "lapsed",
    "open_request_of",
    "remind_batch",
    "reminders_due",
    "submit_name_request",
]
