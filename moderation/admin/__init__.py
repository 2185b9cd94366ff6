"""The moderation queues in the Django admin: triage lists, decision pages and a dashboard.

- `filters`: the list filters, and what "overdue" and "waiting" mean;
- `forms`: the triage forms and what some steps ask besides a reason;
- `cases`: what every request queue's admin shares (list, decision page, steps);
- `queues`: the legal takedown, deletion exception, abuse report and name request admins;
- `names`: what the name requests' pages show (PEP 541 facts, owners contacted, transfer);
- `reporters`: trusted reporters (registry admins add them; support staff view);
- `dashboard`: per-queue counts;
- `staged`: staged removals and the admins' approve, keep and extend;
- `project_notices`: the open cases of a project, on its registry admin page.
"""

from . import project_notices
from .cases import CaseAdmin
from .queues import AbuseReportAdmin, DeletionExceptionAdmin, LegalTakedownAdmin, NameRequestAdmin
from .reporters import TrustedReporterAdmin
from .staged import StagedRemovalAdmin

__all__ = [
    "AbuseReportAdmin",
    "CaseAdmin",
    "DeletionExceptionAdmin",
    "LegalTakedownAdmin",
    "NameRequestAdmin",
    "StagedRemovalAdmin",
    "TrustedReporterAdmin",
    "project_notices",
]
