"""Is this name available, and if not, why: a page for people and a JSON answer for tools.

Both ask `services.names.check_name`, the function a new project's first upload asks, so they
cannot disagree with an upload. Anyone may ask, signed in or not; a signed-in person is told
about a reservation that still lets them register the name. An invalid name (a NUL byte, ten
kilobytes of text) gets its reason with a 400, never a 500.
"""

from django.http import JsonResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_safe

from ..services.names import check_name

# Longer than any valid name (200), so an over-long one is refused by the name rule itself.
QUERY_MAX_LENGTH = 1000

REASONS = {
    "available": "",
    "invalid_name": "invalid",
    "name_reserved": "reserved",
    "name_taken": "taken",
    "confusable_name": "confusable",
}


def _user(request):
    return request.user if request.user.is_authenticated else None


def answer(check):
    """The JSON form of a NameCheck."""
    return {
        "name": check.name,
        "normalized": check.normalized,
        "available": check.available,
        "reason": REASONS.get(check.code, check.code),
        "message": check.message,
        "collides_with": check.collides_with or None,
        "similar_to": list(check.similar_to),
    }


@require_safe
def name_available(request):
    """The page: a form, and the answer for the name asked about."""
    asked = request.GET.get("name", "")
    check = None
    status = 200
    if asked:
        check = check_name(asked[:QUERY_MAX_LENGTH], user=_user(request), now=timezone.now())
        status = 400 if check.code == "invalid_name" else 200
    shown = check.name if check is not None else ""
    return render(
        request,
        "registry/name_available.html",
        {"check": check, "asked": shown, "reason": answer(check)["reason"] if check else ""},
        status=status,
    )


@require_safe
def name_api(request, name):
    """The JSON answer for `name`: 200 whether or not it is available, 400 if it is invalid."""
    check = check_name(name[:QUERY_MAX_LENGTH], user=_user(request), now=timezone.now())
    return JsonResponse(answer(check), status=400 if check.code == "invalid_name" else 200)
