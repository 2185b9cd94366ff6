"""The moderation dashboard: per queue, what is open, overdue, unassigned and mine."""

from datetime import timedelta

from django.core.exceptions import PermissionDenied
from django.db.models import Count, Min, Q
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode

from ..models import AbuseReport, DeletionException, LegalTakedown, NameRequest, StagedRemoval
from ..workflow import STAGED_OPEN, StagedState
from .filters import DEFAULT_VIEW, describe_duration, overdue_q

QUEUES = [LegalTakedown, DeletionException, AbuseReport, NameRequest]


def dashboard_view(case_admin, request):
    """Per queue: open, overdue, unassigned and mine, and the oldest open request."""
    now = timezone.now()
    queues = []
    for model in QUEUES:
        model_admin = case_admin.admin_site.get_model_admin(model)
        if not model_admin.has_view_or_change_permission(request):
            continue
        is_open = Q(closed_at__isnull=True)
        numbers = model.objects.aggregate(
            open=Count("pk", filter=is_open),
            overdue=Count("pk", filter=overdue_q(model, now)),
            unassigned=Count("pk", filter=is_open & Q(assignee__isnull=True)),
            mine=Count("pk", filter=is_open & Q(assignee=request.user)),
            oldest=Min("created_at", filter=is_open),
        )
        changelist = model_admin.url("changelist")
        queues.append(
            {
                "name": model._meta.verbose_name_plural,
                **numbers,
                "waiting_for": describe_duration(now - numbers["oldest"])
                if numbers["oldest"]
                else "",
                "links": {
                    "open": f"{changelist}?open=yes",
                    "overdue": f"{changelist}?due=overdue",
                    "unassigned": f"{changelist}?open=yes&assignee=nobody",
                    "mine": f"{changelist}?open=yes&assignee=me",
                    "work": f"{changelist}?{urlencode(DEFAULT_VIEW)}",
                },
            }
        )
    if not queues:
        raise PermissionDenied
    staged_numbers = StagedRemoval.objects.aggregate(
        open=Count("pk", filter=Q(state__in=sorted(STAGED_OPEN))),
        awaiting_review=Count("pk", filter=Q(state=StagedState.AWAITING_REVIEW)),
        next_week=Count(
            "pk",
            filter=Q(
                state__in=[StagedState.DEPRECATED, StagedState.PENDING_REMOVAL],
                next_step_at__lte=now + timedelta(days=7),
            ),
        ),
        oldest_review=Min("review_at", filter=Q(state=StagedState.AWAITING_REVIEW)),
    )
    context = {
        **case_admin.admin_site.each_context(request),
        "title": "Moderation dashboard",
        "opts": case_admin.opts,
        "queues": queues,
        "staged": staged_numbers,
        "staged_url": reverse(f"{case_admin.admin_site.name}:moderation_stagedremoval_changelist"),
        "now": now,
    }
    request.current_app = case_admin.admin_site.name
    return TemplateResponse(request, "admin/moderation/dashboard.html", context)
