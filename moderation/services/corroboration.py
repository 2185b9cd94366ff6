"""Quarantine on corroboration: trusted reporters who agree that a project is malware.

When open malware reports from at least HOLDFAST_QUARANTINE_REPORTERS (default 2) distinct
active trusted reporters stand on one project that is not quarantined yet, the project is
quarantined at once, as PyPI does: each of those reports takes the abuse table's `quarantine`
transition through the engine, as the system account (`staged.scheduler_user`), with a reason
that names every report and its reporter. The first transition's effect quarantines the project
through the registry's service; the others find it quarantined and only move their report.
Other kinds of report (spam, typosquatting, other) never count, and a reporter who files twice
counts once. Registry admins are told by e-mail; the owners get the quarantine e-mail that the
transition sends.

Called by `submissions.submit_abuse_report` in the transaction that filed a trusted malware
report, with the project's row locked: reports arriving at once are counted one after the
other, so the project is quarantined once.
"""

import contextlib

from django.conf import settings
from django.db import transaction
from django.urls import NoReverseMatch, reverse

from registry.models import Project, ProjectStatus
from registry.words import counted

from .. import notifications
from ..models import AbuseCategory, AbuseReport
from ..workflow import AbuseState
from .engine import apply_transition

DEFAULT_QUARANTINE_REPORTERS = 2


def reporters_needed():
    """How many distinct trusted reporters must agree (HOLDFAST_QUARANTINE_REPORTERS, >= 1)."""
    needed = getattr(settings, "HOLDFAST_QUARANTINE_REPORTERS", DEFAULT_QUARANTINE_REPORTERS)
    return max(1, int(needed))


def corroborating_reports(project):
    """Return the open malware reports on `project` from active trusted reporters that the
    quarantine transition can still move, oldest first."""
    return list(
        AbuseReport.objects.open()
        .filter(
            project=project,
            category=AbuseCategory.MALWARE,
            state__in=[AbuseState.RECEIVED, AbuseState.TRIAGED],
            trusted_reporter__active=True,
            trusted_reporter__user__is_active=True,
        )
        .select_related("trusted_reporter", "project")
        .order_by("created_at", "pk")
    )


def joined(items):
    """'a', 'a and b', 'a, b and c'."""
    items = list(items)
    return items[0] if len(items) == 1 else f"{', '.join(items[:-1])} and {items[-1]}"


def corroboration_reason(reports):
    """The reason recorded for an automatic quarantine: every report and its reporter."""
    named = [f"{report.reference} ({report.trusted_reporter})" for report in reports]
    return f"Quarantined automatically: malware reports {joined(named)} agree"


def admin_mail(project, reports, reason):
    """The registry admins' (subject, body) about an automatic quarantine."""
    lines = [
        f"{project.name} was quarantined automatically: malware reports from "
        f"{counted(len({report.trusted_reporter_id for report in reports}), 'trusted reporter')} "
        "stand open on it.",
        reason,
        "Reports:\n"
        + "\n".join(
            f"  {report.reference} from {report.trusted_reporter}: "
            f"{report.evidence_url or 'no evidence URL'}"
            for report in reports
        ),
        "Review them in the abuse queue, then remove the project or lift the quarantine (either "
        "closes every open report on it and tells each reporter).",
    ]
    with contextlib.suppress(NoReverseMatch):
        path = reverse("admin:moderation_abusereport_changelist")
        lines.append(notifications.site_url(f"{path}?project__id__exact={project.pk}"))
    subject = f"[Holdfast] {project.name} quarantined on trusted reporters' malware reports"
    return subject, "\n\n".join(lines) + "\n"


def quarantine_if_corroborated(*, project, now):
    """Quarantine `project` if enough distinct trusted reporters' malware reports stand open on
    it; return the reports moved (empty: nothing happened)."""
    # Imported here: `staged` imports the engine and the effects, as this module does.
    from .staged import scheduler_user

    with transaction.atomic():
        project = Project.objects.select_for_update().get(pk=project.pk)
        if project.is_removed or project.status == ProjectStatus.QUARANTINED:
            return []
        reports = corroborating_reports(project)
        if len({report.trusted_reporter_id for report in reports}) < reporters_needed():
            return []
        system = scheduler_user()
        reason = corroboration_reason(reports)
        moved = [
            apply_transition(case=report, name="quarantine", actor=system, reason=reason, now=now)
            for report in reports
        ]
        notifications.to_admins(*admin_mail(project, moved, reason))
    return moved
