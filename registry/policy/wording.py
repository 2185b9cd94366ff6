"""How the policy words figures in its explanations."""

from datetime import timedelta


def _plural(count: int, noun: str) -> str:
    return f"{count:,} {noun}" if count == 1 else f"{count:,} {noun}s"


def _owners_limit(max_owners: int) -> str:
    return "a single owner" if max_owners == 1 else f"at most {_plural(max_owners, 'owner')}"


def _listing(items: list[str], limit: int = 4) -> str:
    """Join `items` for a sentence, naming at most `limit` of them."""
    if len(items) > limit:
        return f"{', '.join(items[:limit])} and {len(items) - limit} more"
    if len(items) > 1:
        return f"{', '.join(items[:-1])} and {items[-1]}"
    return items[0]


def _duration(delta: timedelta) -> str:
    """Say how long `delta` is, truncated, in its largest unit and the next one that is not 0.

    Truncating never makes an age look younger than a limit it has passed, and the second unit
    tells "72 hours and 1 minute" apart from "72 hours" at the edges of the rules.
    """
    minutes = max(int(delta.total_seconds() // 60), 0)
    if minutes == 0:
        return "less than a minute"
    if minutes < 60:
        return _plural(minutes, "minute")
    hours, mins = divmod(minutes, 60)
    if hours < 72:  # "71 hours" reads better than "2 days and 23 hours" near a 72-hour limit.
        return _plural(hours, "hour") + (f" and {_plural(mins, 'minute')}" if mins else "")
    days, hours = divmod(hours, 24)
    if hours:
        return f"{_plural(days, 'day')} and {_plural(hours, 'hour')}"
    return _plural(days, "day") + (f" and {_plural(mins, 'minute')}" if mins else "")
