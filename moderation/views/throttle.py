"""The rate limit of the public forms, counted per client address in Django's cache.

Every POST counts, valid or not (HOLDFAST_PUBLIC_FORM_RATE, default 10 an hour; the address is
REMOTE_ADDR, or the one the outermost trusted proxy saw when HOLDFAST_TRUSTED_PROXY_COUNT > 0).
Over it: 429, the text the person typed kept on the page, when to try again and where to write
instead. The counting is `registry.throttle`'s, shared with sign-in and upload tokens.
"""

import time

from django.conf import settings
from django.shortcuts import render

from registry import throttle as limiter
from registry.throttle import UNIT_NAMES, UNITS, Rate, client_address

__all__ = [
    "DEFAULT_RATE",
    "UNITS",
    "UNIT_NAMES",
    "Rate",
    "Throttled",
    "client_address",
    "clock",
    "parse_rate",
    "throttle",
    "throttled_response",
    "typed_back",
]

DEFAULT_RATE = "10/h"


def parse_rate(value):
    """Return the Rate of a setting such as "5/h", "20/10m" or (5, 3600) (count, seconds)."""
    return limiter.parse_rate(value, "HOLDFAST_PUBLIC_FORM_RATE")


def clock():
    """Return the current Unix time (tests replace this to pin the rate limit's window)."""
    return time.time()


class Throttled(limiter.Throttled):
    def message(self):
        contact = getattr(settings, "HOLDFAST_MODERATION_EMAIL", settings.DEFAULT_FROM_EMAIL)
        return (
            "Too many submissions from your address: this form accepts "
            f"{self.rate.describe()} from one address. Nothing was sent. Try again in "
            f"{self.wait()} (after {self.until:%H:%M} UTC). If it cannot wait, email {contact} "
            "instead."
        )


def throttle(request, scope):
    """Count this POST against the client's allowance for the form `scope`.

    Return None while within HOLDFAST_PUBLIC_FORM_RATE, else a Throttled saying until when
    (the counting is `registry.throttle`'s: fixed windows in the default cache).
    """
    rate = parse_rate(getattr(settings, "HOLDFAST_PUBLIC_FORM_RATE", DEFAULT_RATE))
    limit = limiter.Limit(f"public-form:{scope}", client_address(request), rate)
    over = limiter.hit(limit, now=clock())
    return None if over is None else Throttled(over.rate, over.retry_after, over.until)


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
