"""The site's error pages that say why."""

from django.shortcuts import render

from ..validators import text_problem


def page_not_found(request, exception):
    """The 404 page: the reason the view gave, or what is wrong with the address.

    Django's own page says only "Not Found"; a view's `Http404("…")` carries a sentence for
    the person, and an address refused by the `text` converter (a control character in a
    name or version) is explained here.
    """
    message = exception.args[0] if exception is not None and exception.args else None
    if not isinstance(message, str) or not message:
        problem = text_problem(request.path)
        if problem is not None:
            message = (
                f"This address {problem}; no project name, version or filename holds one, so "
                "there is nothing here. Check the link you followed."
            )
        else:
            message = "There is no page at this address. Check the link you followed."
    return render(request, "404.html", {"message": message}, status=404)
