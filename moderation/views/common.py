"""What the moderation pages share: private-link headers and readable refusals."""

from functools import wraps

from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.cache import add_never_cache_headers

# Browsers send a Referer, and a non-null Origin, only to this site's own pages (Fetch standard,
# "serializing a request origin": `no-referrer` makes every Origin null).
PRIVATE_REFERRER_POLICY = "same-origin"


def private(view):
    """Keep pages that carry or answer a private link out of caches, indexes and referrers.

    `Referrer-Policy: same-origin` sends the page's address (the private link) to no other site,
    yet lets the browser send this site's real `Origin` with the page's own forms. With
    `no-referrer` browsers post `Origin: null` and Django's CSRF check refuses every reply.
    """

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        response = view(request, *args, **kwargs)
        add_never_cache_headers(response)
        response["Referrer-Policy"] = PRIVATE_REFERRER_POLICY
        response["X-Robots-Tag"] = "noindex, nofollow"
        return response

    return wrapper


def not_found(request, message, *, title="Not found"):
    return render(
        request, "moderation/not_found.html", {"title": title, "message": message}, status=404
    )


def acting_user(request):
    return request.user if request.user.is_authenticated else None


def forbidden(request, project, role):
    return render(
        request,
        "moderation/forbidden.html",
        {"project": project, "role": role},
        status=403,
    )


def canonical_redirect(request, url_name, *, params=None, **kwargs):
    """Redirect to the page `url_name` spelled canonically (`kwargs` for the path, `params`
    for query parameters spelled canonically too), keeping the rest of the query string."""
    url = reverse(url_name, kwargs=kwargs)
    query = request.GET.copy()
    for key, value in (params or {}).items():
        query[key] = value  # replaces; QueryDict.update() would append
    return redirect(f"{url}?{query.urlencode()}" if query else url)
