"""The XML-RPC methods mirrors call at /pypi, as PyPI answers them.

bandersnatch's first run calls `list_packages_with_serial()` (every project on the main index
and its serial); later runs call `changelog_since_serial(serial)` (every change since, as
[name, version, timestamp, action, serial], capped like PyPI at 50,000 rows a call) and fetch the
JSON page of each project it names. Removals, purges, quarantines and yanks are changes like any
other, so takedowns reach mirrors on their next run.

Requests are parsed with defusedxml (no DTD, no entities, no external references) after a body
size limit; anything that is not a well-formed call of a known method with the right parameters
gets an XML-RPC fault that says what was wrong, never a server error.
"""

import inspect
import xmlrpc.client

from defusedxml import DefusedXmlException
from defusedxml.xmlrpc import DefusedExpatParser
from django.http import HttpResponse
from django.views.decorators.csrf import csrf_exempt

from ..models import Change, Index, Project
from ..replica import reader
from ..simple.protocol import _plain

# A mirror's call is a few hundred bytes; nothing a method takes comes near this.
MAX_BODY_BYTES = 64 * 1024
CHANGELOG_LIMIT = 50_000
# A serial beyond PostgreSQL's bigint would fail in the database instead of matching nothing.
MAX_SERIAL = 2**63 - 1
XML = "text/xml; charset=utf-8"

# Fault codes, as PyPI's XML-RPC answers them (xmlrpc.client's names).
PARSE_ERROR = xmlrpc.client.NOT_WELLFORMED_ERROR
UNKNOWN_METHOD = xmlrpc.client.METHOD_NOT_FOUND
BAD_PARAMS = xmlrpc.client.INVALID_METHOD_PARAMS


class BadParams(Exception):
    """A parameter of the right number but the wrong value; the message says which."""


def _serial(value):
    if isinstance(value, bool) or not isinstance(value, int):
        raise BadParams(f"The serial must be an integer, not {type(value).__name__}.")
    if value < 0:
        raise BadParams("The serial must be zero or more.")
    return value


def list_packages_with_serial():
    """Return {name: last serial} for every project listed on the main index."""
    rows = Project.objects.using(reader()).listed(Index.MAIN).values_list("name", "last_serial")
    return dict(rows.order_by().iterator(chunk_size=10_000))


def list_packages():
    """Return the name of every project listed on the main index."""
    rows = Project.objects.using(reader()).listed(Index.MAIN).values_list("name", flat=True)
    return list(rows.order_by("normalized_name").iterator(chunk_size=10_000))


def changelog_since_serial(serial=0):
    """Return the changes after `serial`, oldest first, at most 50,000 (call again for more):
    [name, version, timestamp (epoch seconds), action, serial] each."""
    serial = _serial(serial)
    if serial >= MAX_SERIAL:
        return []
    rows = (
        Change.objects.using(reader())
        .filter(pk__gt=serial)
        .order_by("pk")
        .values_list("name", "version", "submitted_at", "action", "pk")[:CHANGELOG_LIMIT]
    )
    return [
        [name, version or None, int(when.timestamp()), action, pk]
        for name, version, when, action, pk in rows
    ]


def changelog_last_serial():
    """Return the newest serial of the whole index (0 before the first change)."""
    return Change.objects.using(reader()).order_by("-pk").values_list("pk", flat=True).first() or 0


METHODS = {
    function.__name__: function
    for function in (
        changelog_last_serial,
        changelog_since_serial,
        list_packages,
        list_packages_with_serial,
    )
}


def _fault(code, message):
    return xmlrpc.client.dumps(xmlrpc.client.Fault(code, message), methodresponse=True)


def _parse(body):
    """Return (method name, params) of a call, parsed without DTDs or entities."""
    unmarshaller = xmlrpc.client.Unmarshaller(use_builtin_types=True)
    parser = DefusedExpatParser(unmarshaller, forbid_dtd=True)
    parser.feed(body)
    parser.close()
    return unmarshaller.getmethodname(), unmarshaller.close()


def _call(body):
    """Return the XML of the answer to one call: its result or a fault."""
    try:
        name, params = _parse(body)
    except DefusedXmlException:
        return _fault(PARSE_ERROR, "DTDs and entities are not accepted in XML-RPC calls.")
    except Exception:  # any failure to read untrusted XML means the same: not a call
        return _fault(PARSE_ERROR, "The request is not a well-formed XML-RPC call.")
    if not isinstance(name, str):
        return _fault(PARSE_ERROR, "The request names no method (it is not a methodCall).")
    method = METHODS.get(name)
    if method is None:
        known = ", ".join(sorted(METHODS))
        return _fault(UNKNOWN_METHOD, f"There is no method {name[:100]!r}. Known: {known}.")
    try:
        inspect.signature(method).bind(*params)
    except TypeError:
        return _fault(BAD_PARAMS, f"{name}{inspect.signature(method)} got {len(params)} params.")
    try:
        result = method(*params)
    except BadParams as error:
        return _fault(BAD_PARAMS, f"{name}: {error}")
    return xmlrpc.client.dumps((result,), methodresponse=True, allow_none=True)


@csrf_exempt
def endpoint(request):
    """Answer one XML-RPC call (POST, text/xml)."""
    if request.method != "POST":
        response = _plain(405, "This is the XML-RPC endpoint: POST an XML-RPC call to it.")
        response["Allow"] = "POST"
        return response
    try:
        declared = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        declared = 0
    body = b"" if declared > MAX_BODY_BYTES else request.read(MAX_BODY_BYTES + 1)
    if declared > MAX_BODY_BYTES or len(body) > MAX_BODY_BYTES:
        answer = _fault(
            PARSE_ERROR, f"The call is larger than {MAX_BODY_BYTES:,} bytes; no method takes that."
        )
    else:
        answer = _call(body)
    return HttpResponse(answer.encode(), content_type=XML)
