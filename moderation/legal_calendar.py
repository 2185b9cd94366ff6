"""The calendar of a DMCA counter-notice: business days, and when content may come back.

Pure functions, no clock: `moderation.workflow` re-exports them for its guards and callers.
"""

from datetime import date, timedelta


def add_business_days(start: date, days: int) -> date:
    """Return the date `days` business days (Monday to Friday) after `start`."""
    current = start
    remaining = days
    while remaining > 0:
        current += timedelta(days=1)
        if current.weekday() < 5:
            remaining -= 1
    return current


# 17 U.S.C. § 512(g)(2)(C): content comes back "not less than 10, nor more than 14, business
# days" after the counter-notice, unless the claimant files an action.
COUNTER_NOTICE_MIN_BUSINESS_DAYS = 10
COUNTER_NOTICE_MAX_BUSINESS_DAYS = 14


def counter_notice_window(received: date):
    """Return (earliest, latest) reinstatement dates for a counter-notice received then."""
    return (
        add_business_days(received, COUNTER_NOTICE_MIN_BUSINESS_DAYS),
        add_business_days(received, COUNTER_NOTICE_MAX_BUSINESS_DAYS),
    )
