"""The home page at /: search the index by project name, and where each kind of visitor goes.

Anyone may search; results are the projects listed on /simple/ (never removed ones, nor those
pending removal), an exact name first, each linking to its Simple API page. A fixed number of
queries whatever the page: the count and one page of names.
"""

from django.core.paginator import Paginator
from django.db.models import Case, IntegerField, Value, When
from django.shortcuts import render

from ..models import Project
from ..validators import normalize_project_name

PER_PAGE = 25
QUERY_MAX_LENGTH = 100


def search(query):
    """Return the listed projects whose name contains `query` in any spelling (`Foo_Bar` finds
    `foo-bar`), the exact name first."""
    needle = normalize_project_name(query.replace("\x00", ""))
    if not needle.strip("-"):
        return Project.objects.none()
    return (
        Project.objects.listed()
        .filter(normalized_name__contains=needle)
        .annotate(
            exact=Case(
                When(normalized_name=needle, then=Value(0)),
                default=Value(1),
                output_field=IntegerField(),
            )
        )
        .only("name", "normalized_name")
        .order_by("exact", "normalized_name")
    )


def home(request):
    query = " ".join(request.GET.get("q", "").split())[:QUERY_MAX_LENGTH]
    page = Paginator(search(query), PER_PAGE).get_page(request.GET.get("page")) if query else None
    return render(request, "home.html", {"query": query, "page": page})
