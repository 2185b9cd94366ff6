"""Rank live projects by their downloads over the last 30 days and mark the critical ones."""

import math
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Sum

from ..models import DownloadCount, Popularity, Project

WINDOW = timedelta(days=30)
BATCH = 5000


def critical_percent():
    return float(getattr(settings, "HOLDFAST_CRITICAL_PROJECTS_PERCENT", 1.0))


def recompute_popularity(*, now, percent=None):
    """Rewrite every live project's Popularity row from the last 30 days of downloads.

    Ranks are shared by ties (1 + how many projects had more downloads); a project is critical
    when its rank is within the top `percent` of live projects (rounded up, so a small registry
    still has its most used project) and it had downloads at all. Removed projects keep their
    row with no rank and not critical. Runs in one transaction in a fixed number of queries
    (plus one per 5,000 projects written); safe to run twice or in two processes (the upsert
    is idempotent and the last writer wins with the same figures). Returns how many projects
    are critical.
    """
    percent = critical_percent() if percent is None else percent
    since = (now - WINDOW).date()
    totals = dict(
        DownloadCount.objects.filter(day__gt=since, project__removed_at__isnull=True)
        .values("project")
        .annotate(total=Sum("count"))
        .values_list("project", "total")
    )
    live = list(Project.objects.live().values_list("pk", flat=True))
    ordered = sorted(live, key=lambda pk: (-totals.get(pk, 0), pk))
    cutoff = math.ceil(len(ordered) * percent / 100) if percent > 0 else 0
    rows, rank, previous = [], 0, None
    for position, pk in enumerate(ordered, start=1):
        downloads = totals.get(pk, 0)
        if downloads != previous:
            rank, previous = position, downloads
        rows.append(
            Popularity(
                project_id=pk,
                downloads_30_days=downloads,
                rank=rank,
                ranked_among=len(ordered),
                critical=downloads > 0 and rank <= cutoff,
                computed_at=now,
            )
        )
    with transaction.atomic():
        for start in range(0, len(rows), BATCH):
            Popularity.objects.bulk_create(
                rows[start : start + BATCH],
                update_conflicts=True,
                unique_fields=["project"],
                update_fields=[
                    "downloads_30_days",
                    "rank",
                    "ranked_among",
                    "critical",
                    "computed_at",
                ],
            )
        # Derived figures without history: an UPDATE is the right tool for the removed ones.
        Popularity.objects.filter(project__removed_at__isnull=False).exclude(
            rank=None, critical=False
        ).update(rank=None, critical=False, computed_at=now)
    return sum(1 for row in rows if row.critical)


def popularity_is_stale(*, now, max_age=timedelta(hours=1)):
    """Say whether the figures are older than `max_age` (or were never computed)."""
    latest = Popularity.objects.order_by("-computed_at").values_list("computed_at", flat=True)
    last = latest.first()
    return last is None or now - last >= max_age
