"""Filing a request: a legal takedown notice, an abuse report, a deletion exception.

Requests are filed by the public (takedowns, abuse reports) or by maintainers (deletion
exceptions). Each is saved with its history in one transaction, gets a private link (only the
key's SHA-256 is stored), and its requester is emailed once the transaction has committed.
"""

import logging

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import transaction
from django.utils import timezone

from registry.facts import Decider
from registry.history import record
from registry.models import Project
from registry.policy import Action
from registry.services import RegistryError

from .. import notifications
from ..models import (
    CASE_MODELS,
    AbuseCategory,
    AbuseReport,
    DeletionException,
    ExceptionCategory,
    LegalTakedown,
    Priority,
    TakedownKind,
)
from ..workflow import Kind
from . import corroboration
from .engine import sla_due
from .keys import hash_key, new_access_key

logger = logging.getLogger(__name__)

# (element, label) of the six elements of a copyright notice, as the forms and tests name them.
DMCA_ELEMENTS = [(element, label) for element, label, _fields in LegalTakedown.DMCA_ELEMENTS]
missing_dmca_elements = LegalTakedown.missing_elements


def case_for_key(key):
    """Return the request whose private link carries `key`, or None."""
    digest = hash_key(key or "")
    for model in CASE_MODELS.values():
        case = model.objects.filter(access_key_hash=digest).select_related("project").first()
        if case is not None:
            return case
    return None


def _check_targets(project, releases, files):
    if project.is_removed:
        raise RegistryError(f"{project.name} has already been removed.", code="removed")
    for release in releases:
        if release.project_id != project.pk:
            raise RegistryError(f"{release} is not a release of {project.name}.", code="target")
    for file in files:
        if file.release.project_id != project.pk:
            raise RegistryError(f"{file} is not a file of {project.name}.", code="target")


# Duplicates: a request "may repeat" an earlier one when the earlier one is still open, in the
# same queue, about the same project, of the same kind (the notice's kind, the report's category,
# the exception's reason), and either comes from the same person (the same email, ignoring case,
# or the same account) or says the same thing (SAME_TEXT, ignoring case and spacing). The new one
# is still filed, linked to the earliest such request, for staff to merge or close.
SAME_KIND = {
    Kind.TAKEDOWN: "takedown_kind",
    Kind.EXCEPTION: "category",
    Kind.ABUSE: "category",
    Kind.NAME: "ground",
}
SAME_TEXT = {
    Kind.TAKEDOWN: "material_location",
    Kind.EXCEPTION: "details",
    Kind.ABUSE: "details",
    Kind.NAME: "details",
}


def _plain(text):
    return " ".join((text or "").split()).casefold()


def possible_duplicate(case):
    """Return (the earliest open request `case` may repeat, why), or (None, "")."""
    kind_field, text_field = SAME_KIND[case.kind], SAME_TEXT[case.kind]
    earlier = (
        type(case)
        .objects.open()
        .filter(project_id=case.project_id, **{kind_field: getattr(case, kind_field)})
        .exclude(pk=case.pk)
        .only("pk", "requester_email", "requester_id", text_field)
        .order_by("created_at", "pk")
    )
    email, text = case.requester_email.casefold(), _plain(getattr(case, text_field))
    for other in earlier:
        if email and other.requester_email.casefold() == email:
            return other, "the same requester email"
        if case.requester_id and other.requester_id == case.requester_id:
            return other, "the same requester"
        if text and _plain(getattr(other, text_field)) == text:
            return other, f"the same {case._meta.get_field(text_field).verbose_name}"
    return None, ""


def _save_new(case, *, releases, files, actor, reason):
    # One filing per project at a time, so two copies sent at once see each other.
    list(Project.objects.select_for_update().filter(pk=case.project_id).values_list("pk"))
    earlier, why = possible_duplicate(case)
    if earlier is not None:
        case.possible_duplicate_of = earlier
        reason = f"{reason}; it may repeat {earlier.reference} ({why}), still open"
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
    notice = {name: data.get(name, "") for name in LegalTakedown.NOTICE_FIELDS}
    if takedown_kind == TakedownKind.COPYRIGHT:
        missing = LegalTakedown.missing_elements(notice)
        if missing:
            raise RegistryError(
                "A copyright notice must include all six elements of 17 U.S.C. § 512(c)(3). "
                f"Missing: {'; '.join(missing)}.",
                code="dmca_incomplete",
            )
    case = LegalTakedown(
        takedown_kind=takedown_kind,
        project=project,
        requester=requester,
        created_at=now,
        due_at=sla_due(Kind.TAKEDOWN, now),
        **{
            **notice,
            "good_faith": bool(notice["good_faith"]),
            "accurate_under_perjury": bool(notice["accurate_under_perjury"]),
        },
    )
    _check_targets(project, releases, files)
    key, case.access_key_hash = new_access_key()
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
    trusted_reporter=None,
    evidence_url="",
    now=None,
):
    """File an abuse or malware report; return (report, private link key).

    A `trusted_reporter` (the API's) files as its account and organisation; its malware report
    is urgent, and may quarantine the project at once when another trusted reporter's malware
    report stands open on it (`corroboration`), in the same transaction.
    """
    now = now or timezone.now()
    if category not in AbuseCategory.values:
        raise RegistryError("Choose what kind of abuse this is.", code="category")
    if not details.strip():
        raise RegistryError("Say what is wrong with the project.", code="details")
    if evidence_url:
        try:
            URLValidator(schemes=["http", "https"])(evidence_url)
        except ValidationError:
            raise RegistryError(
                "Give the evidence as an http:// or https:// address.", code="evidence_url"
            ) from None
    priority = Priority.HIGH if category == AbuseCategory.MALWARE else Priority.NORMAL
    if trusted_reporter is not None:
        if not trusted_reporter.is_usable:
            raise RegistryError(
                f"{trusted_reporter} is no longer a trusted reporter; report through the public "
                "form instead.",
                code="not_trusted",
            )
        requester = trusted_reporter.user
        requester_name = requester_name or trusted_reporter.organisation
        requester_email = requester_email or requester.email
        if category == AbuseCategory.MALWARE:
            priority = Priority.URGENT
    _check_targets(project, releases, files)
    key, digest = new_access_key()
    case = AbuseReport(
        project=project,
        category=category,
        details=details,
        evidence=evidence,
        evidence_url=evidence_url,
        trusted_reporter=trusted_reporter,
        requester_name=requester_name,
        requester_email=requester_email,
        requester=requester,
        access_key_hash=digest,
        created_at=now,
        due_at=sla_due(Kind.ABUSE, now),
        priority=priority,
    )
    reason = (
        "Report received"
        if trusted_reporter is None
        else (f"Report received from the trusted reporter {trusted_reporter}")
    )
    with transaction.atomic():
        _save_new(case, releases=releases, files=files, actor=requester, reason=reason)
        notifications.on_submitted(case, key)
        if trusted_reporter is not None and category == AbuseCategory.MALWARE:
            # The project row is still locked by _save_new: two reports arriving at once are
            # counted one after the other, so the project is quarantined once.
            try:
                corroboration.quarantine_if_corroborated(project=project, now=now)
            except RegistryError:
                # The report stands even if the automatic quarantine cannot run (the system
                # account lost its group, say): staff see it first in the queue, as urgent.
                logger.exception("Automatic quarantine of %s failed", project.name)
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
    chosen = {file.filename for file in files}
    decisions += [decider.decide(Action.DELETE_FILE, file=file, together=chosen) for file in files]
    if not releases and not files:
        decisions = [decider.decide(Action.DELETE_PROJECT)]
    return next((decision for decision in decisions if not decision.allowed), None)
