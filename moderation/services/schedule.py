"""How long each stage of a staged removal lasts, from settings."""

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
