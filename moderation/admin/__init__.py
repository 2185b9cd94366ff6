"""The moderation queues in the Django admin: triage lists, decision pages and a dashboard.

- `filters`: the list filters, and what "overdue" and "waiting" mean;
- `forms`: the triage forms and what some steps ask besides a reason;
- `cases`: what every request queue's admin shares (list, decision page, steps);
- `queues`: the legal takedown, deletion exception and abuse report admins;
- `dashboard`: per-queue counts;
- `staged`: staged removals and the admins' approve, keep and extend.
"""

from .cases import CaseAdmin
from .queues import AbuseReportAdmin, DeletionExceptionAdmin, LegalTakedownAdmin
from .staged import StagedRemovalAdmin

__all__ = [
    "AbuseReportAdmin",
    "CaseAdmin",
    "DeletionExceptionAdmin",
    "LegalTakedownAdmin",
    "StagedRemovalAdmin",
]
