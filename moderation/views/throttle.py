"""The rate limit of the public forms, counted per client address in Django's cache.

Every POST counts, valid or not (HOLDFAST_PUBLIC_FORM_RATE, default 10 an hour; the address is
REMOTE_ADDR, or the one the outermost trusted proxy saw when HOLDFAST_TRUSTED_PROXY_COUNT > 0).
Over it: 429, the text the person typed kept on the page, when to try again and where to write
instead.
"""

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
from django.shortcuts import render

DEFAULT_RATE = "10/h"
UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}
UNIT_NAMES = {1: "second", 60: "minute", 3600: "hour", 86400: "day"}


@dataclass(frozen=True)
class Rate:
    count: int
    seconds: int

    def describe(self):
        unit = UNIT_NAMES.get(self.seconds)
        period = f"an {unit}" if unit == "hour" else f"a {unit}" if unit else f"{self.seconds} s"
        return f"{self.count} {'submission' if self.count == 1 else 'submissions'} {period}"


def parse_rate(value):
    """Return the Rate of a setting such as "5/h", "20/10m" or (5, 3600) (count, seconds)."""
    if isinstance(value, list | tuple):
        count, seconds = value
        return Rate(int(count), int(seconds))
    match = re.fullmatch(r"\s*(\d+)\s*/\s*(\d*)\s*([smhd])\s*", str(value))
    if match is None or int(match[2] or 1) == 0:
        raise ImproperlyConfigured(
            f"HOLDFAST_PUBLIC_FORM_RATE must look like '5/h' or '20/10m', not {value!r}."
        )
    return Rate(int(match[1]), int(match[2] or 1) * UNITS[match[3]])


def clock():
    """Return the current Unix time (tests replace this to pin the rate limit's window)."""
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
    rate: Rate
    retry_after: int  # seconds
    until: datetime

    def message(self):
        minutes = math.ceil(self.retry_after / 60)
        wait = "a minute" if minutes <= 1 else f"{minutes} minutes"
        contact = getattr(settings, "HOLDFAST_MODERATION_EMAIL", settings.DEFAULT_FROM_EMAIL)
        return (
            "Too many submissions from your address: this form accepts "
            f"{self.rate.describe()} from one address. Nothing was sent. Try again in {wait} "
            f"(after {self.until:%H:%M} UTC). If it cannot wait, email {contact} instead."
        )


def throttle(request, scope):
    """Count this POST against the client's allowance for the form `scope`.

    Return None while within HOLDFAST_PUBLIC_FORM_RATE, else a Throttled saying until when.
    Windows are fixed (aligned to the epoch), so one counter per address and window works in
    any of Django's cache backends; at a window's edge a client may get up to twice the rate.
    Several web processes need a shared cache (CACHE_URL) to share the counts.
    """
    rate = parse_rate(getattr(settings, "HOLDFAST_PUBLIC_FORM_RATE", DEFAULT_RATE))
    now = clock()
    window = int(now // rate.seconds)
    ends = (window + 1) * rate.seconds
    timeout = max(1, math.ceil(ends - now))
    address = hashlib.sha256(client_address(request).encode()).hexdigest()[:32]
    key = f"holdfast:public-form:{scope}:{address}:{window}"
    cache = caches["default"]
    cache.add(key, 0, timeout)
    try:
        count = cache.incr(key)
    except ValueError:  # the counter expired between add() and incr()
        cache.set(key, 1, timeout)
        count = 1
    else:
        cache.touch(key, timeout)  # the database and file caches' incr() reset the expiry
    if count <= rate.count:
        return None
    return Throttled(rate, math.ceil(ends - now), datetime.fromtimestamp(ends, tz=UTC))


def throttled_response(request, template, context, throttled, form):
    context = {**context, "form": form, "throttled": throttled.message()}
    response = render(request, template, context, status=429)
    response["Retry-After"] = str(throttled.retry_after)
    return response


def typed_back(form_class, request):
    """An unbound form showing what was posted, so a throttled person keeps what they wrote."""
    data = request.POST.dict()
    data.pop(form_class.HONEYPOT, None)
    return form_class(initial=data)
