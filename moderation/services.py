"""Every change to a moderation request, one function per act.

Requests are filed by the public (takedowns, abuse reports) or by maintainers (deletion
exceptions); support staff triage them; registry admins execute, always through the registry's
own services, so the policy's record (RemovalEvent, history) is the same as for any removal.
Each function is atomic, locks the request row, writes history with actor and reason, and sends
its emails once the transaction has committed.
"""

import hashlib
import secrets
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from registry import services as registry
from registry.facts import Decider, is_registry_admin
from registry.history import record
from registry.models import RemovalCategory
from registry.policy import Action
from registry.services import RegistryError

from . import notifications, workflow
from .models import (
    AbuseCategory,
    AbuseReport,
    DeletionException,
    ExceptionCategory,
    LegalTakedown,
    Message,
    MessageKind,
    Priority,
    TakedownKind,
)
from .workflow import Kind, Who

DEFAULT_SLA_HOURS = {Kind.TAKEDOWN: 72, Kind.EXCEPTION: 120, Kind.ABUSE: 24}

# The six elements of a copyright notice under 17 U.S.C. § 512(c)(3)(A), as form fields.
DMCA_ELEMENTS = [
    ("signature", "a physical or electronic signature (type your full name)"),
    ("work_description", "the copyrighted work you say is infringed"),
    ("material_location", "the infringing material and where it is (project, release, files)"),
    ("contact", "your contact details (postal address, telephone and email)"),
    ("good_faith", "a statement of good-faith belief that the use is not authorised"),
    (
        "accurate_under_perjury",
        "a statement, under penalty of perjury, that the notice is accurate and that you are "
        "authorised to act for the owner",
    ),
]


def sla_due(kind, now):
    """Return when a new request of `kind` is due, from HOLDFAST_SLA_HOURS."""
    hours = {**DEFAULT_SLA_HOURS, **getattr(settings, "HOLDFAST_SLA_HOURS", {})}[Kind(kind)]
    return now + timedelta(hours=hours)


def new_access_key():
    """Return (key, its SHA-256): the key goes in the requester's private link only."""
    key = secrets.token_urlsafe(32)
    return key, hash_key(key)


def hash_key(key):
    return hashlib.sha256(key.encode()).hexdigest()


def case_for_key(key):
    """Return the request whose private link carries `key`, or None."""
    digest = hash_key(key or "")
    for model in (LegalTakedown, DeletionException, AbuseReport):
        case = model.objects.filter(access_key_hash=digest).select_related("project").first()
        if case is not None:
            return case
    return None


def missing_dmca_elements(data):
    """Return the labels of the § 512(c)(3) elements missing from a copyright notice."""
    missing = []
    for field, label in DMCA_ELEMENTS:
        names = ("postal_address", "phone", "requester_email") if field == "contact" else (field,)
        if not all(_given(data.get(name)) for name in names):
            missing.append(label)
    return missing


def _given(value):
    # A blank answer is no answer: "   " is not a signature, a phone number or an address.
    return bool(value.strip()) if isinstance(value, str) else bool(value)


def _check_targets(project, releases, files):
    if project.is_removed:
        raise RegistryError(f"{project.name} has already been removed.", code="removed")
    for release in releases:
        if release.project_id != project.pk:
            raise RegistryError(f"{release} is not a release of {project.name}.", code="target")
    for file in files:
        if file.release.project_id != project.pk:
            raise RegistryError(f"{file} is not a file of {project.name}.", code="target")


def _save_new(case, *, releases, files, actor, reason):
    record(case, actor=actor, reason=reason).save()
    if releases:
        record(case, actor=actor, reason=reason).releases.set(releases)
    if files:
        record(case, actor=actor, reason=reason).files.set(files)
    return case


def submit_takedown(
    *, project, takedown_kind, data, releases=(), files=(), requester=None, now=None
):
    """File a legal takedown notice; return (takedown, private link key)."""
    now = now or timezone.now()
    if takedown_kind not in TakedownKind.values:
        raise RegistryError("Choose the kind of legal notice.", code="kind")
    if takedown_kind == TakedownKind.COPYRIGHT:
        missing = missing_dmca_elements(data)
        if missing:
            raise RegistryError(
                "A copyright notice must include all six elements of 17 U.S.C. § 512(c)(3). "
                f"Missing: {'; '.join(missing)}.",
                code="dmca_incomplete",
            )
    _check_targets(project, releases, files)
    key, digest = new_access_key()
    fields = {
        name: data.get(name, "")
        for name in (
            "organisation",
            "postal_address",
            "phone",
            "signature",
            "work_description",
            "material_location",
            "legal_basis",
            "details",
        )
    }
    case = LegalTakedown(
        takedown_kind=takedown_kind,
        project=project,
        requester_name=data.get("requester_name", ""),
        requester_email=data.get("requester_email", ""),
        requester=requester,
        good_faith=bool(data.get("good_faith")),
        accurate_under_perjury=bool(data.get("accurate_under_perjury")),
        access_key_hash=digest,
        created_at=now,
        due_at=sla_due(Kind.TAKEDOWN, now),
        **fields,
    )
    with transaction.atomic():
        _save_new(case, releases=releases, files=files, actor=requester, reason="Notice received")
        notifications.on_submitted(case, key)
    return case, key


def submit_abuse_report(
    *,
    project,
    category,
    details,
    evidence="",
    releases=(),
    files=(),
    requester_name="",
    requester_email="",
    requester=None,
    now=None,
):
    """File an abuse or malware report; return (report, private link key)."""
    now = now or timezone.now()
    if category not in AbuseCategory.values:
        raise RegistryError("Choose what kind of abuse this is.", code="category")
    if not details.strip():
        raise RegistryError("Say what is wrong with the project.", code="details")
    _check_targets(project, releases, files)
    key, digest = new_access_key()
    case = AbuseReport(
        project=project,
        category=category,
        details=details,
        evidence=evidence,
        requester_name=requester_name,
        requester_email=requester_email,
        requester=requester,
        access_key_hash=digest,
        created_at=now,
        due_at=sla_due(Kind.ABUSE, now),
        priority=Priority.HIGH if category == AbuseCategory.MALWARE else Priority.NORMAL,
    )
    with transaction.atomic():
        _save_new(case, releases=releases, files=files, actor=requester, reason="Report received")
        notifications.on_submitted(case, key)
    return case, key


def exception_impact(project, *, now):
    """Return what a removal would affect now: dependents and downloads (for the reviewers)."""
    facts = Decider(project, None, now=now).facts
    return {
        "dependent_projects": facts.dependent_projects,
        "downloads_last_7_days": facts.downloads_last_7_days,
        "downloads_total": facts.downloads_total,
        "releases": len(facts.releases),
        "files": sum(len(release.files) for release in facts.releases),
    }


def submit_exception(*, project, category, details, actor, releases=(), files=(), now=None):
    """File a maintainer's request to remove what the policy refuses; return the request."""
    now = now or timezone.now()
    if category not in ExceptionCategory.values:
        raise RegistryError("Choose the reason for the removal.", code="category")
    if not details.strip():
        raise RegistryError(
            "Explain why the removal is needed: the admins decide from what you write.",
            code="details",
        )
    _check_targets(project, releases, files)
    decider = Decider(project, actor, now=now)
    if decider.role.value not in ("owner", "maintainer"):
        raise RegistryError(
            f"Only the owners and maintainers of {project.name} can ask for an exception.",
            code="not_allowed",
        )
    refusal = _policy_refusal(decider, releases, files)
    key, digest = new_access_key()
    case = DeletionException(
        project=project,
        category=category,
        details=details,
        refused_rule=refusal.rule if refusal else "",
        refusal=refusal.explanation if refusal else "",
        impact=exception_impact(project, now=now),
        requester=actor,
        requester_name=actor.get_full_name() or actor.get_username(),
        requester_email=actor.email,
        access_key_hash=digest,
        created_at=now,
        due_at=sla_due(Kind.EXCEPTION, now),
    )
    with transaction.atomic():
        _save_new(case, releases=releases, files=files, actor=actor, reason="Exception requested")
        notifications.on_submitted(case, key)
    return case


def _policy_refusal(decider, releases, files):
    """Return the policy's first refusal of what the request names (None: all allowed)."""
    # Every target counts: the one the policy refuses is the reason for the request.
    decisions = [decider.decide(Action.DELETE_RELEASE, release=release) for release in releases]
    decisions += [decider.decide(Action.DELETE_FILE, file=file) for file in files]
    if not releases and not files:
        decisions = [decider.decide(Action.DELETE_PROJECT)]
    return next((decision for decision in decisions if not decision.allowed), None)


# Transitions -------------------------------------------------------------------------------------


def _lock(case):
    return type(case).objects.select_for_update().select_related("project").get(pk=case.pk)


def _is_staff(actor, case):
    model = type(case)._meta.model_name
    return bool(
        actor
        and actor.is_authenticated
        and actor.is_active
        and actor.is_staff
        and actor.has_perm(f"moderation.change_{model}")
    )


def _is_requester(actor, case):
    # A request filed without an account has no requester_id: nobody signed in matches it.
    return bool(
        case.requester_id is not None
        and actor is not None
        and actor.is_authenticated
        and actor.pk == case.requester_id
    )


def _check_who(transition, case, actor, *, via_key):
    if transition.who == Who.REQUESTER:
        if via_key or _is_requester(actor, case):
            return
        raise RegistryError(
            "Only the person who filed this request can do that, from their private link.",
            code="not_requester",
        )
    if transition.who == Who.ADMIN and not is_registry_admin(actor):
        raise RegistryError(
            f"Only registry admins can {transition.label.lower()}: it changes the registry. "
            "Support staff can add a recommendation for them.",
            code="admin_only",
        )
    if transition.who == Who.SUPPORT and not (is_registry_admin(actor) or _is_staff(actor, case)):
        raise RegistryError("Only support staff and registry admins triage requests.", code="staff")


def apply_transition(case, name, *, actor, reason, now=None, via_key=False, counter_notice=""):
    """Move `case` along transition `name`, executing it in the registry if it says so."""
    now = now or timezone.now()
    if not reason or not reason.strip():
        raise RegistryError(
            "Give a reason: it is recorded in the request's history.", code="reason"
        )
    transition = workflow.transition(case.kind, name)
    with transaction.atomic():
        case = _lock(case)
        # Who first: someone who may never take this step is told so, not that it is stale.
        _check_who(transition, case, actor, via_key=via_key)
        if case.state not in transition.sources:
            raise RegistryError(
                f"{case.reference} is now '{case.get_state_display().lower()}', so "
                f"'{transition.label}' is no longer possible (someone may have acted on it "
                "since you opened it). Reload the request.",
                code="stale",
            )
        events = EXECUTORS[(case.kind, name)](case, actor, reason, now, counter_notice)
        previous = case.state
        case.state = transition.target
        if not workflow.is_open(case.kind, case.state):
            case.closed_at = now
        fields = ["state", "closed_at", *_extra_fields(case, name)]
        if workflow.is_staff_turn(case.kind, case.state) and not workflow.is_staff_turn(
            case.kind, previous
        ):
            # Back on staff's desk (e.g. the claimant answered): a new deadline starts.
            case.due_at = sla_due(case.kind, now)
            fields.append("due_at")
        record(case, actor=actor, reason=reason).save(update_fields=fields)
        if events:
            record(case, actor=actor, reason=reason).removal_events.add(*events)
        if transition.message_required:
            _add_message(case, MessageKind.TO_REQUESTER, reason, actor=actor, now=now)
        notifications.on_transition(case, transition, previous=previous, reason=reason)
    return case


def _extra_fields(case, name):
    if name == "receive_counter_notice":
        return ["counter_notice", "counter_notice_at", "reinstate_after", "reinstate_by"]
    return []


def _nothing(case, actor, reason, now, counter_notice):
    return []


def _remove_targets(category):
    def execute(case, actor, reason, now, counter_notice):
        releases = list(case.releases.filter(removed_at__isnull=True))
        release_ids = {release.pk for release in releases}
        files = [
            file
            for file in case.files.filter(removed_at__isnull=True).select_related("release")
            if file.release_id not in release_ids
        ]
        if not releases and not files:
            if case.releases.exists() or case.files.exists():
                raise RegistryError(
                    "Everything this request names has already been removed.", code="nothing"
                )
            return [
                registry.remove_project(
                    project=case.project, actor=actor, reason=reason, category=category, now=now
                )
            ]
        events = [
            registry.remove_release(
                release=release, actor=actor, reason=reason, category=category, now=now
            )
            for release in releases
        ]
        if files:
            events.append(
                registry.remove_files(
                    files=files, actor=actor, reason=reason, category=category, now=now
                )
            )
        return events

    return execute


def _record_counter_notice(case, actor, reason, now, counter_notice):
    if not counter_notice.strip():
        raise RegistryError("Paste the counter-notice you received.", code="counter_notice")
    case.counter_notice = counter_notice.strip()
    case.counter_notice_at = now
    case.reinstate_after, case.reinstate_by = workflow.counter_notice_window(now.date())
    return []


def _reinstate(case, actor, reason, now, counter_notice):
    if case.reinstate_after and now.date() < case.reinstate_after:
        raise RegistryError(
            f"The counter-notice waiting period runs until {case.reinstate_after:%Y-%m-%d} "
            "(10 business days, 17 U.S.C. § 512(g)); reinstate on or after that day, unless "
            "the claimant reports a court action.",
            code="waiting_period",
        )
    for event in case.removal_events.filter(restored_at__isnull=True):
        registry.restore_removal(event=event, actor=actor, reason=reason, now=now)
    return []


def _quarantine(case, actor, reason, now, counter_notice):
    registry.quarantine_project(project=case.project, actor=actor, reason=reason, now=now)
    return []


def _lift_quarantine(case, actor, reason, now, counter_notice):
    registry.release_quarantine(project=case.project, actor=actor, reason=reason, now=now)
    return []


def _remove_reported_project(case, actor, reason, now, counter_notice):
    category = (
        RemovalCategory.SECURITY
        if case.category == AbuseCategory.MALWARE
        else RemovalCategory.ABUSE
    )
    return [
        registry.remove_project(
            project=case.project, actor=actor, reason=reason, category=category, now=now
        )
    ]


EXECUTORS = {
    **{(Kind(kind), t.name): _nothing for kind, ts in workflow.TRANSITIONS.items() for t in ts},
    (Kind.TAKEDOWN, "disable_content"): _remove_targets(RemovalCategory.LEGAL),
    (Kind.TAKEDOWN, "receive_counter_notice"): _record_counter_notice,
    (Kind.TAKEDOWN, "reinstate"): _reinstate,
    (Kind.EXCEPTION, "approve"): _remove_targets(RemovalCategory.POLICY_EXCEPTION),
    (Kind.ABUSE, "quarantine"): _quarantine,
    (Kind.ABUSE, "remove"): _remove_reported_project,
    (Kind.ABUSE, "lift_quarantine"): _lift_quarantine,
}


# Triage without a change of state ----------------------------------------------------------------


def _require_staff(case, actor, *, open_only=False):
    if not (is_registry_admin(actor) or _is_staff(actor, case)):
        raise RegistryError("Only support staff and registry admins triage requests.", code="staff")
    if open_only and not case.is_open:
        raise RegistryError(
            f"{case.reference} is closed ({case.get_state_display().lower()}); there is nothing "
            "left to triage. Add a staff note if something needs recording.",
            code="closed",
        )


def assign(case, *, assignee, actor, reason="Assigned"):
    """Give `case` to `assignee` (a staff member), or to nobody."""
    with transaction.atomic():
        case = _lock(case)
        _require_staff(case, actor, open_only=True)
        if assignee is not None and not (is_registry_admin(assignee) or _is_staff(assignee, case)):
            raise RegistryError(
                f"{assignee} cannot work on this queue (not an active staff member with "
                "access to it).",
                code="not_staff",
            )
        case.assignee = assignee
        record(case, actor=actor, reason=reason).save(update_fields=["assignee"])
        if assignee is not None and assignee != actor:
            notifications.on_assigned(case, assignee)
    return case


def set_priority(case, *, priority, actor, reason):
    if priority not in Priority.values:
        raise RegistryError(
            f"Choose a priority: {', '.join(Priority.labels).lower()}.", code="priority"
        )
    with transaction.atomic():
        case = _lock(case)
        _require_staff(case, actor, open_only=True)
        case.priority = priority
        record(case, actor=actor, reason=reason).save(update_fields=["priority"])
    return case


def recommend(case, *, text, actor):
    """Record support staff's recommendation for the admin who decides."""
    if not text.strip():
        raise RegistryError("Write the recommendation.", code="empty")
    with transaction.atomic():
        case = _lock(case)
        _require_staff(case, actor, open_only=True)
        case.recommendation = text.strip()
        record(case, actor=actor, reason="Recommendation").save(update_fields=["recommendation"])
    return case


def _add_message(case, kind, body, *, actor, now, author_name=""):
    message = Message(
        kind=kind,
        body=body.strip(),
        author=actor if actor is not None and actor.is_authenticated else None,
        author_name=author_name or (actor.get_username() if actor else ""),
        created_at=now,
        **{MESSAGE_FIELD[case.kind]: case},
    )
    record(message, actor=message.author, reason=message.get_kind_display()).save()
    return message


MESSAGE_FIELD = {Kind.TAKEDOWN: "takedown", Kind.EXCEPTION: "exception", Kind.ABUSE: "report"}


def add_note(case, *, body, actor, now=None):
    """Add a staff-only note (the requester never sees it)."""
    if not body.strip():
        raise RegistryError("Write the note.", code="empty")
    with transaction.atomic():
        case = _lock(case)
        _require_staff(case, actor)
        return _add_message(
            case, MessageKind.STAFF_NOTE, body, actor=actor, now=now or timezone.now()
        )


def message_requester(case, *, body, actor, now=None):
    """Send the requester a message (by email and on their private page)."""
    if not body.strip():
        raise RegistryError("Write the message.", code="empty")
    with transaction.atomic():
        case = _lock(case)
        _require_staff(case, actor)
        message = _add_message(
            case, MessageKind.TO_REQUESTER, body, actor=actor, now=now or timezone.now()
        )
        notifications.on_message_to_requester(case, message)
    return message


def requester_reply(case, *, body, now=None):
    """Record the requester's answer; a notice waiting for information goes back to the queue."""
    now = now or timezone.now()
    if not body.strip():
        raise RegistryError("Write your answer.", code="empty")
    with transaction.atomic():
        case = _lock(case)
        if not case.is_open:
            raise RegistryError(
                "This request is closed; file a new one if something changed.", code="closed"
            )
        message = _add_message(
            case,
            MessageKind.FROM_REQUESTER,
            body,
            actor=None,
            now=now,
            author_name=case.requester_name or "the requester",
        )
        if case.kind == Kind.TAKEDOWN and case.state == workflow.TakedownState.NEEDS_INFO:
            apply_transition(
                case,
                "provide_info",
                actor=None,
                reason="The claimant answered",
                now=now,
                via_key=True,
            )
        # The assignee waits for this answer, whether or not it moves the request.
        notifications.on_requester_reply(case, message)
    return message
