"""What every answer of the index shares: media types and their negotiation (PEP 691),
plain-text refusals, GET and HEAD only, the serial-derived ETag that turns a repeat request
into a 304 before the page is built, and gzip for clients that accept it."""

import functools
import hashlib

from django.http import HttpResponse
from django.utils.cache import get_conditional_response, patch_vary_headers, quote_etag
from django.views.decorators.csrf import csrf_exempt

API_VERSION = "1.4"

JSON_V1 = "application/vnd.pypi.simple.v1+json"
HTML_V1 = "application/vnd.pypi.simple.v1+html"
TEXT_HTML = "text/html"

# Every media type a client may ask for, and the one it is answered with: the "latest" meta
# version is answered with the real version (PEP 691 requires it), text/html is its own alias.
MEDIA_TYPES = {
    JSON_V1: JSON_V1,
    "application/vnd.pypi.simple.latest+json": JSON_V1,
    HTML_V1: HTML_V1,
    "application/vnd.pypi.simple.latest+html": HTML_V1,
    TEXT_HTML: TEXT_HTML,
}
# Most preferred first. When a client names several served types with the same quality, give
# it the most expressive one (PEP 691's recommendation). When only a wildcard matches, answer
# plain HTML, which every client understands.
NAMED_PREFERENCE = (JSON_V1, HTML_V1, TEXT_HTML)
WILDCARD_PREFERENCE = (TEXT_HTML, HTML_V1, JSON_V1)

PAGE_CACHE_CONTROL = "public, max-age=60"
PLAIN_TEXT = "text/plain; charset=utf-8"


# Content negotiation ----------------------------------------------------------------------------


def header_quality(params, *, unreadable):
    """The `q` of one item of an Accept or Accept-Encoding header, from its parameters: 1.0
    when absent, `unreadable` when it is not a number (the last `q` counts, if several)."""
    quality = 1.0
    for param in params:
        key, _, value = param.partition("=")
        if key.strip().lower() == "q":
            try:
                quality = float(value.strip())
            except ValueError:
                quality = unreadable
    return quality


def parse_accept(header):
    """Return the media ranges of an Accept header as (type, subtype, quality) tuples.

    Entries that cannot be read (no '/', a quality that is not a number in [0, 1]) are dropped,
    as if the client had not sent them.
    """
    ranges = []
    for item in header.split(","):
        media_range, *params = item.split(";")
        main_type, slash, subtype = media_range.strip().lower().partition("/")
        if not slash or not main_type or not subtype:
            continue
        quality = header_quality(params, unreadable=-1.0)
        if not 0.0 <= quality <= 1.0:  # also false for NaN
            continue
        ranges.append((main_type, subtype, quality))
    return ranges


def _acceptance(served, ranges):
    """Return (quality, specificity) of the served type under the most specific matching range."""
    names = [name for name, answer in MEDIA_TYPES.items() if answer == served]
    best = None
    for main_type, subtype, quality in ranges:
        if f"{main_type}/{subtype}" in names:
            specificity = 2
        elif subtype == "*" and any(name.startswith(f"{main_type}/") for name in names):
            specificity = 1
        elif main_type == "*" and subtype == "*":
            specificity = 0
        else:
            continue
        # The most specific range decides (RFC 9110 12.5.1); among equals, the best quality.
        if best is None or (specificity, quality) > best[::-1]:
            best = (quality, specificity)
    return best


def choose_media_type(accept_header):
    """Return the media type to answer an Accept header with, or None if none is acceptable.

    No header (or an empty one) means `*/*`, which is answered with text/html.
    """
    ranges = parse_accept(accept_header) if accept_header.strip() else [("*", "*", 1.0)]
    candidates = []
    for served in (JSON_V1, HTML_V1, TEXT_HTML):
        acceptance = _acceptance(served, ranges)
        if acceptance is None or acceptance[0] <= 0:
            continue
        quality, specificity = acceptance
        preference = NAMED_PREFERENCE if specificity == 2 else WILDCARD_PREFERENCE
        candidates.append((quality, specificity, -preference.index(served), served))
    return max(candidates)[-1] if candidates else None


def _negotiate(request):
    """Return (media type, None), or (None, a 406 response that says what is served)."""
    served = ", ".join(MEDIA_TYPES)
    requested = request.GET.get("format")
    if requested is not None:
        media_type = MEDIA_TYPES.get(requested.strip().lower())
        if media_type is None:
            return None, _not_acceptable(
                f"Unknown format {requested!r}. Use one of: {served}.", vary=False
            )
        return media_type, None
    media_type = choose_media_type(request.headers.get("Accept", ""))
    if media_type is None:
        return None, _not_acceptable(
            "None of the media types in your Accept header is available here. "
            f"This index serves: {served}."
        )
    return media_type, None


def _not_acceptable(reason, *, vary=True):
    response = _plain(406, reason)
    if vary:
        patch_vary_headers(response, ["Accept"])
    return response


# Responses --------------------------------------------------------------------------------------


def _plain(status, reason):
    """Return a plain-text response that says, in words, why the request failed."""
    return HttpResponse(reason + "\n", status=status, content_type=PLAIN_TEXT)


def _safe_methods_only(view):
    """Answer GET and HEAD; anything else gets a 405 with a plain reason (and no CSRF page)."""

    @csrf_exempt
    @functools.wraps(view)
    def wrapper(request, *args, **kwargs):
        if request.method not in ("GET", "HEAD"):
            response = _plain(405, f"{request.method} is not supported here: use GET or HEAD.")
            response["Allow"] = "GET, HEAD"
            return response
        return view(request, *args, **kwargs)

    return wrapper


def _content_type(media_type):
    return media_type if media_type == JSON_V1 else f"{media_type}; charset=utf-8"


# Bump when the pages' bytes change for the same serial (a new field, a new URL layout), so that
# clients' and caches' copies made by the previous code are not taken for current.
PAGE_FORMAT = 1
SERIAL_HEADER = "X-PyPI-Last-Serial"


def page_etag(serial, index, media_type, *, weak=False):
    """The ETag of a project page: its serial, its index and its representation.

    Every change a client can see on the page moves the project's serial (the services record
    it), so the serial names the page's bytes without hashing them, and a conditional request
    is answered before anything is built. text/html and v1+html carry the same bytes under
    different types, so each representation has its own tag.

    `weak` for a client that accepts gzip: its answer may be gzip-compressed, and a compressed
    body is not byte-for-byte the identity one, so its tag must not claim to be strong
    (RFC 9110 8.8.1; Django's GZipMiddleware weakens tags likewise). If-None-Match compares
    weakly, so either tag still earns a 304.
    """
    kind = hashlib.md5(f"{PAGE_FORMAT}:{media_type}".encode(), usedforsecurity=False)
    tag = quote_etag(f"{serial}-{index}-{kind.hexdigest()[:8]}")
    return f"W/{tag}" if weak else tag


def accepts_gzip(request):
    """Whether the request's Accept-Encoding allows gzip (a q of 0 refuses it, RFC 9110 12.5.3)."""
    wildcard = None
    for item in request.headers.get("Accept-Encoding", "").split(","):
        coding, *params = item.split(";")
        coding = coding.strip().lower()
        quality = header_quality(params, unreadable=0.0)
        if coding in ("gzip", "x-gzip"):
            return quality > 0
        if coding == "*":
            wildcard = quality > 0
    return bool(wildcard)


def _page_headers(response, media_type, etag, serial):
    response["Cache-Control"] = PAGE_CACHE_CONTROL
    patch_vary_headers(response, ["Accept", "Accept-Encoding"])
    response["ETag"] = etag
    response[SERIAL_HEADER] = str(serial)
    return response


def not_modified(request, *, etag, serial, media_type):
    """Return a 304 if the client's If-None-Match names `etag`, else None (nothing built)."""
    probe = _page_headers(HttpResponse(), media_type, etag, serial)
    conditional = get_conditional_response(request, etag=etag, response=probe)
    return None if conditional is probe else conditional


def _page_response(request, body, media_type, *, etag, serial, gzipped=None):
    """Return the page with its validators and serial, gzip-compressed when `gzipped` (the same
    page, compressed) is given and the client accepts gzip."""
    if gzipped is not None and accepts_gzip(request):
        response = HttpResponse(gzipped, content_type=_content_type(media_type))
        response["Content-Encoding"] = "gzip"
    else:
        content = body if isinstance(body, bytes) else body.encode()
        response = HttpResponse(content, content_type=_content_type(media_type))
    return _page_headers(response, media_type, etag, serial)
