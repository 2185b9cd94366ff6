"""Rate limits counted in Django's cache: fixed windows, one counter per subject and window.

The public moderation forms, password sign-in and upload-token authentication all count here.
A subject (a client address, an account name) is hashed into the key, so any text is safe in any
cache backend. Windows are aligned to the epoch, so a counter needs no read-modify-write: at a
window's edge a client may get up to twice the rate, the price of one atomic `incr()` per hit.
Several web processes share the counts only through a shared cache (CACHE_URL, Redis).
"""

import contextlib
import hashlib
import ipaddress
import math
import re
import time
from dataclasses import dataclass
from datetime import UTC, datetime

from django.conf import settings
from django.core.cache import caches
from django.core.exceptions import ImproperlyConfigured

UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}
UNIT_NAMES = {1: "second", 60: "minute", 3600: "hour", 86400: "day"}


@dataclass(frozen=True)
class Rate:
    count: int
    seconds: int

    def period(self):
        """The window in words: "an hour", "a minute", "every 15 minutes"."""
        unit = UNIT_NAMES.get(self.seconds)
        if unit:
            return f"an {unit}" if unit == "hour" else f"a {unit}"
        for size in (86400, 3600, 60):
            if self.seconds % size == 0:
                return f"every {self.seconds // size} {UNIT_NAMES[size]}s"
        return f"every {self.seconds} seconds"

    def describe(self, noun="submission"):
        """Say the rate: "5 submissions an hour", "10 failed sign-ins every 15 minutes"."""
        return f"{self.count} {noun if self.count == 1 else noun + 's'} {self.period()}"


def parse_rate(value, setting="the rate setting"):
    """Return the Rate of a setting such as "5/h", "20/10m" or (5, 3600) (count, seconds)."""
    if isinstance(value, list | tuple):
        count, seconds = value
        return Rate(int(count), int(seconds))
    match = re.fullmatch(r"\s*(\d+)\s*/\s*(\d*)\s*([smhd])\s*", str(value))
    if match is None or int(match[2] or 1) == 0:
        raise ImproperlyConfigured(f"{setting} must look like '5/h' or '20/10m', not {value!r}.")
    return Rate(int(match[1]), int(match[2] or 1) * UNITS[match[3]])


def rate_setting(name):
    """Return the Rate of the setting `name` (config/settings.py defines each)."""
    return parse_rate(getattr(settings, name), name)


def clock():
    """Return the current Unix time (tests replace this to pin a rate limit's window)."""
    return time.time()


def client_address(request):
    """Return the address a request is counted against.

    REMOTE_ADDR, unless HOLDFAST_TRUSTED_PROXY_COUNT proxies stand in front of Holdfast: then
    the address the outermost of them saw, which is that many entries from the right of
    X-Forwarded-For (entries further left are whatever the client chose to send, so trusting
    the first one would let anyone pick a fresh address per request). An IPv6 address counts
    as its /64, the block one host usually holds.
    """
    address = request.META.get("REMOTE_ADDR", "")
    proxies = int(getattr(settings, "HOLDFAST_TRUSTED_PROXY_COUNT", 0) or 0)
    if proxies > 0:
        forwarded = [
            part.strip()
            for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")
            if part.strip()
        ]
        if forwarded:
            address = forwarded[-proxies] if len(forwarded) >= proxies else forwarded[0]
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return address or "unknown"
    if ip.version == 6:
        if ip.ipv4_mapped is not None:
            return str(ip.ipv4_mapped)
        return str(ipaddress.ip_network(f"{ip}/64", strict=False))
    return str(ip)


@dataclass(frozen=True)
class Throttled:
    """A refusal: the rate that was exceeded and when its window ends."""

    rate: Rate
    retry_after: int  # seconds
    until: datetime

    def wait(self):
        """How long to wait, in words: "a minute", "59 minutes"."""
        minutes = math.ceil(self.retry_after / 60)
        return "a minute" if minutes <= 1 else f"{minutes} minutes"


@dataclass(frozen=True)
class Limit:
    """An allowance of `rate` hits in `scope` (e.g. "sign-in:account") for one `subject`."""

    scope: str
    subject: str
    rate: Rate

    def window(self, now):
        """Return (cache key, seconds left) of the window `now` falls in."""
        window = int(now // self.rate.seconds)
        digest = hashlib.sha256(self.subject.encode("utf-8", "surrogatepass")).hexdigest()[:32]
        ends = (window + 1) * self.rate.seconds
        return f"holdfast:{self.scope}:{digest}:{window}", ends - now


def hit(limit, *, now):
    """Count one hit against `limit`; return None while within it, else a Throttled."""
    key, left = limit.window(now)
    timeout = max(1, math.ceil(left))
    cache = caches["default"]
    cache.add(key, 0, timeout)
    try:
        count = cache.incr(key)
    except ValueError:  # the counter expired between add() and incr()
        cache.set(key, 1, timeout)
        count = 1
    else:
        cache.touch(key, timeout)  # the database and file caches' incr() reset the expiry
    if count <= limit.rate.count:
        return None
    until = datetime.fromtimestamp(now + left, tz=UTC)
    return Throttled(limit.rate, math.ceil(left), until)


def take_back(limit, *, now):
    """Undo one hit of this window (an attempt that turned out to be legitimate)."""
    key, _left = limit.window(now)
    with contextlib.suppress(ValueError):  # already expired: nothing to take back
        caches["default"].decr(key)


def clear(limit, *, now):
    """Forget this window's hits of `limit`."""
    key, _left = limit.window(now)
    caches["default"].delete(key)
