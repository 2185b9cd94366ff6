"""The policy report kept in the cache, so that the admin page reads it rather than computes it.

Comparing every preset reads every live project: 84 s at 100,000 projects, longer than a web
request may take. So the scheduler (`manage.py advance_workflows`) computes the comparison of
every preset once an hour (`refresh`), and with a cache shared by all processes (`CACHE_URL`,
Redis in production) the admin page is a cache read whatever the size of the registry.

Two entries per set of presets: the report of the current hour, and the latest report of any
hour (kept a week), which the page shows, with its time, until the hour's is there. The page
computes the report itself only when it finds neither (a new registry, or a cache private to
each process, as `make run`'s local memory is); an admin may recompute it at once.
"""

import hashlib
import time

from django.core.cache import cache

from .compare import compare, configs_for

HOUR_SECONDS = 2 * 60 * 60  # The key changes on the hour; two hours covers a late reader.
LATEST_SECONDS = 7 * 24 * 60 * 60


def _digest(configs):
    described = ";".join(
        f"{config.preset}:{sorted(config.params.items())}" for config, _configured in configs
    )
    return hashlib.sha256(described.encode()).hexdigest()[:20]


def hour_key(configs, now):
    """Key the report by the presets (with their parameters) and the hour of `now`."""
    return f"registry:policy-report:{_digest(configs)}:{now:%Y-%m-%dT%H}"


def latest_key(configs):
    return f"registry:policy-report:{_digest(configs)}:latest"


def compute(configs, *, now):
    """Compare the presets at `now`, keep the result and return it."""
    started = time.monotonic()
    report = {
        "comparison": compare([config.preset for config, _ in configs], now=now),
        "computed_at": now,
        "seconds": time.monotonic() - started,
    }
    cache.set(hour_key(configs, now), report, HOUR_SECONDS)
    cache.set(latest_key(configs), report, LATEST_SECONDS)
    return report


def cached(configs, *, now):
    """Return (the kept report or None, whether it is the current hour's)."""
    found = cache.get_many([hour_key(configs, now), latest_key(configs)])
    if hour_key(configs, now) in found:
        return found[hour_key(configs, now)], True
    return found.get(latest_key(configs)), False


def refresh(*, now):
    """Compute the comparison of every preset unless this hour's is kept; return it or None."""
    configs = configs_for(None)
    if cache.get(hour_key(configs, now)) is not None:
        return None
    return compute(configs, now=now)
