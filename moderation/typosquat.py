"""Possible typosquats: a new project named like a popular one is flagged to staff, not refused.

The registry calls `on_new_project` (registered in `ModerationConfig.ready()`) once an upload
that created a project has committed, with the most downloaded projects whose names are within a
small edit distance of the new one. The project stays published; this files one abuse report of
the category "typosquatting", at high priority, filed by the system account (so the queue and
the history show the automatic check, not a person), and tells the uploader what it means for
them. Filing twice for one project files nothing more, and a failure here is logged, never
raised: the upload has committed already, and an error would turn its success into a 500.
"""

import logging

from django.db import transaction
from packaging.utils import canonicalize_name

from registry import outbox
from registry.confusables import edit_distance
from registry.models import Project
from registry.services.names import typosquat_top

from .models import AbuseCategory, AbuseReport, Priority
from .services.staged import scheduler_user
from .services.submissions import submit_abuse_report
from .services.triage import set_priority

logger = logging.getLogger(__name__)

FILER_NAME = "Holdfast (automatic check)"
REASON = "Possible typosquat of a popular project, found at the project's first upload"
NUMBERS = {1: "one", 2: "two", 3: "three"}


def _away(name, other):
    edits = edit_distance(canonicalize_name(name), canonicalize_name(other))
    if edits < 1:
        return f"nearly the same as {other}"
    count = NUMBERS.get(edits, str(edits))
    return f"{count} edit{'s' if edits > 1 else ''} away from {other}"


def _which(names):
    top = f"{typosquat_top():,} most downloaded projects"
    if len(names) == 1:
        return f"one of the {top}"
    return f"{NUMBERS.get(len(names), len(names))} of the {top}"


def _and(items):
    return items[0] if len(items) == 1 else f"{', '.join(items[:-1])} and {items[-1]}"


def report_details(project, similar_to):
    """What staff read in the report: both names, and what to do."""
    away = _and([_away(project.name, other) for other in similar_to])
    return (
        f"New project {project.name} is {away}, {_which(similar_to)}: a possible typosquat. "
        "It was accepted; check it."
    )


def uploader_message(project, similar_to):
    """(subject, body) of the e-mail that tells the uploader what the flag means for them."""
    others = _and(similar_to)
    looks_like = f"{others}, {_which(similar_to)}"
    subject = f"[Holdfast] Your new project {project.name} looks like {others}"
    body = (
        f"Your new project {project.name} was published. Its name looks like {looks_like}, so "
        "registry staff will look at it: names this close to a popular project are sometimes "
        "used to catch people who mistype it.\n\n"
        f"If {project.name} is a genuine project of its own, you need not do anything.\n\n"
        f"If you meant to install or depend on {others}, check the spelling: in your pip "
        "command, your requirements and your project's dependencies.\n"
    )
    return subject, body


def on_new_project(*, project, similar_to, actor, now):
    """The registry's new-project listener: flag a possible typosquat, never raise."""
    try:
        flag_possible_typosquat(project=project, similar_to=similar_to, actor=actor, now=now)
    except Exception:
        # The upload has committed: an error here must not reach the uploader (twine would see
        # a 500 and retry a filename that can never be used again). The log carries it.
        logger.exception(
            "Could not flag %s as a possible typosquat of %s",
            getattr(project, "name", project),
            ", ".join(similar_to or ()),
        )


def flag_possible_typosquat(*, project, similar_to, actor, now):
    """File one high-priority typosquatting report on `project` naming `similar_to`, and
    e-mail `actor` (the uploader); return the report, or None when there was nothing to file
    (no similar name, or an open typosquatting report on the project already)."""
    similar_to = [name for name in dict.fromkeys(similar_to or ()) if name]
    if not similar_to:
        return None
    system = scheduler_user()
    with transaction.atomic():
        # Locked, so two calls for one project (two workers) file one report between them.
        project = Project.objects.select_for_update().get(pk=project.pk)
        if (
            AbuseReport.objects.open()
            .filter(project=project, category=AbuseCategory.TYPOSQUATTING)
            .exists()
        ):
            return None
        # Filed by the system account with no e-mail address: the report's private link is
        # made as for any report but goes to nobody, and the history names the system.
        report, _key = submit_abuse_report(
            project=project,
            category=AbuseCategory.TYPOSQUATTING,
            details=report_details(project, similar_to),
            requester_name=FILER_NAME,
            requester=system,
            now=now,
        )
        report = set_priority(case=report, priority=Priority.HIGH, actor=system, reason=REASON)
        subject, body = uploader_message(project, similar_to)
        email = getattr(actor, "email", "") or ""
        outbox.send_on_commit(outbox.enqueue_emails([(subject, body, None, [email])], now=now))
    logger.info("Flagged %s as a possible typosquat (%s)", project.name, report.reference)
    return report
