"""Rendered project pages, kept in the default cache (CACHE_URL) by change serial.

A project page changes only when the project's serial does (every service that changes what
clients see stamps it), so a page rendered at serial N is the page for as long as the project's
`last_serial` is N. The key names the project by its primary key, the serial, the index, the
representation (HTML or JSON: text/html and v1+html share bytes), `PAGE_FORMAT` and the file URL
prefix, so a new serial, new page code or a new URL layout never finds an old page. Pages are
stored as bytes, with a gzip copy when they are large, so a hit encodes nothing.

The cache is a help, never a dependency: when it fails the page is rendered as without it, the
failure is logged once, and the cache is left alone for `RETRY_AFTER_SECONDS` before it is tried
again (a cache that times out would otherwise slow every request).
"""

import gzip
import hashlib
import logging
import time
from typing import NamedTuple

from django.core.cache import caches

from .protocol import PAGE_FORMAT

logger = logging.getLogger(__name__)

# Kept a day: a key never goes stale (it names the serial), this only lets old serials expire.
PAGE_TIMEOUT_SECONDS = 24 * 60 * 60
# Pages from this size on also get a gzip copy; below it compression saves too little.
GZIP_MIN_BYTES = 1024
GZIP_LEVEL = 6  # Django's GZipMiddleware's level: most of the gain of 9 for a third of the time
RETRY_AFTER_SECONDS = 30


class Page(NamedTuple):
    """A rendered page: its bytes, and the same bytes gzip-compressed (None for small pages)."""

    body: bytes
    gzipped: bytes | None


def page_key(*, project_pk, serial, index, representation, files_prefix):
    """The cache key of one page: short, and made of integers and names this code chose.

    `files_prefix` (where the page's links point) is hashed, not spelled out.
    """
    prefix = hashlib.md5(files_prefix.encode(), usedforsecurity=False).hexdigest()[:8]
    return f"simple:{PAGE_FORMAT}:{prefix}:{index}:{representation}:{project_pk}:{serial}"


class _Health:
    """Whether the cache failed lately, in this process (a circuit breaker)."""

    failing = False
    resting_until = 0.0


_health = _Health()
_clock = time.monotonic


def _resting():
    return _health.failing and _clock() < _health.resting_until


def _call(operation, *args, **kwargs):
    """Run a cache operation; on any failure log once, rest the cache a while, return None.

    Every backend raises its own errors (redis, pymemcache, a socket's OSError), and none of
    them may break a page that can be rendered without the cache: hence the broad except.
    """
    if _resting():
        return None
    try:
        result = operation(*args, **kwargs)
    except Exception:
        if not _health.failing:
            logger.warning(
                "The cache (CACHE_URL) failed; simple pages are rendered without it and it is "
                "tried again every %d seconds.",
                RETRY_AFTER_SECONDS,
                exc_info=True,
            )
        _health.failing = True
        _health.resting_until = _clock() + RETRY_AFTER_SECONDS
        return None
    if _health.failing:
        logger.warning("The cache (CACHE_URL) answers again; simple pages use it.")
        _health.failing = False
    return result


def cached_page(key):
    """Return the cached `Page` for `key`, or None (not cached, or the cache is failing)."""
    value = _call(caches["default"].get, key)
    return Page(*value) if isinstance(value, tuple) and len(value) == 2 else None


def keep_page(key, body):
    """Store the page rendered as `body` (bytes) under `key`; return it as a `Page`.

    With `key` None, or while the cache is failing, nothing is stored, and nothing is
    compressed for it either.
    """
    if key is None or _resting():
        return Page(body, None)
    gzipped = compress(body) if len(body) >= GZIP_MIN_BYTES else None
    _call(caches["default"].set, key, (body, gzipped), timeout=PAGE_TIMEOUT_SECONDS)
    return Page(body, gzipped)


def compress(body):
    """gzip `body` the same way every time (no timestamp), so every process sends equal bytes."""
    return gzip.compress(body, compresslevel=GZIP_LEVEL, mtime=0)
