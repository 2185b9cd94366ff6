"""How long each stage of a staged removal, and a name request's reachability period, lasts,
from settings."""

from datetime import timedelta

from django.conf import settings

DEFAULT_DEPRECATED_DAYS = 30
DEFAULT_PENDING_DAYS = 30
MINIMUM_DAYS = 7
REMINDER_BEFORE = timedelta(days=7)


def stage_days():
    """Return (deprecated, pending) durations from settings, never below the minimum."""
    deprecated = getattr(settings, "HOLDFAST_STAGED_DEPRECATED_DAYS", DEFAULT_DEPRECATED_DAYS)
    pending = getattr(settings, "HOLDFAST_STAGED_PENDING_DAYS", DEFAULT_PENDING_DAYS)
    return timedelta(days=max(MINIMUM_DAYS, int(deprecated))), timedelta(
        days=max(MINIMUM_DAYS, int(pending))
    )


# PEP 541: "The maintainers stop trying to reach the user after six weeks"; a project is
# abandoned only with "no releases within the past twelve months".
DEFAULT_REACHABILITY_DAYS = 42
DEFAULT_ABANDONED_DAYS = 365


def reachability_period():
    """Return how long contacted owners have to answer a name request (at least a week)."""
    days = getattr(settings, "HOLDFAST_NAME_REACHABILITY_DAYS", DEFAULT_REACHABILITY_DAYS)
    return timedelta(days=max(MINIMUM_DAYS, int(days)))


def abandoned_after():
    """Return how long without a release makes a project abandoned under PEP 541."""
    days = getattr(settings, "HOLDFAST_NAME_ABANDONED_DAYS", DEFAULT_ABANDONED_DAYS)
    return timedelta(days=max(1, int(days)))
