"""Benchmark every admin change list of the registry and moderation apps.

Part of `make bench` (tests/benchmarks/run_all.py), which seeds the data and calls `measure`.
The change lists are found in `admin.site._registry`, so a model admin added later is measured
without a change here. For each one, logged in as a superuser through the Django test client:

- the first page (a bare address that redirects to a default view measures that view);
- a deep page: the middle page of the list (`?p=N`, N = half the pages the list reports);
- a search (`?q=`): the value of the first search field on the first row of the deep page
  (`project__normalized_name` of that row, say), so it finds a real row;
- every list filter's first choice other than the current one and "All" (the query string the
  sidebar links to).

Each item is requested `runs` times after two warm-ups, and one more time with its queries
counted (session and user lookups included, as on a real request). A response other than 200
stops the run: a benchmark of an error page measures nothing.
"""

from .report import Figure, Threshold, count_queries, time_calls

APPS = ("registry", "moderation")
THRESHOLD = Threshold(median_ms=150, max_queries=15)
SEARCH_FALLBACK = "bench"
ALL = "All"  # the label of Django's "no filter" choice


def change_lists(apps=APPS):
    """(model, model admin) of every registered change list of `apps`, by app and model."""
    from django.contrib import admin

    found = [
        (model, model_admin)
        for model, model_admin in admin.site._registry.items()
        if model._meta.app_label in apps
    ]
    return sorted(found, key=lambda pair: pair[0]._meta.label)


def measure(client, *, runs, apps=APPS):
    """Return the figures of every change list of `apps`, `client` being logged in as a
    superuser."""
    figures = []
    for model, model_admin in change_lists(apps):
        figures.extend(measure_change_list(client, model, model_admin, runs=runs))
    return figures


def measure_change_list(client, model, model_admin, *, runs):
    from django.urls import reverse

    opts = model._meta
    label = f"{opts.app_label}.{opts.object_name}"
    url = landing(client, reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist"))
    cl = _get(client, url).context["cl"]
    pages = cl.paginator.num_pages
    deep = max(1, pages // 2)
    deep_rows = _get(client, _with(url, p=deep)).context["cl"].result_list
    items = [
        (f"{label}: first page", url),
        (f"{label}: page {deep:,} of {pages:,}", _with(url, p=deep)),
    ]
    if model_admin.search_fields:
        term = _search_term(model_admin.search_fields[0], deep_rows)
        items.append((f"{label}: search {term!r}", _with(url, q=term)))
    for title, query in _filter_choices(cl):
        items.append((f"{label}: filter {title}", f"{url.partition('?')[0]}{query}"))
    figures = []
    for item, target in items:
        queries, _response = count_queries(lambda target=target: _get(client, target))
        timings = time_calls(lambda target=target: _get(client, target), runs=runs)
        figures.append(Figure(item, timings, queries=queries, threshold=THRESHOLD))
    return figures


def landing(client, url):
    """The URL a change list's bare address leads to: itself, or the default view it redirects
    to (the moderation queues open on their open requests)."""
    from urllib.parse import urlsplit

    response = client.get(url)
    if response.status_code == 302 and urlsplit(response["Location"]).path == url:
        return response["Location"]
    if response.status_code != 200:
        raise RuntimeError(f"GET {url} answered {response.status_code}, not 200.")
    return url


def _get(client, url):
    response = client.get(url)
    if response.status_code != 200:
        raise RuntimeError(f"GET {url} answered {response.status_code}, not 200.")
    return response


def _filter_choices(cl):
    """(title, query string) of each list filter's first choice other than the current one
    and "All"."""
    found = []
    for spec in cl.filter_specs:
        choices = [
            choice
            for choice in spec.choices(cl)
            if not choice.get("selected") and choice.get("query_string")
        ]
        # A list that opens on a default view offers "All" among the others: pass over it.
        narrowing = [choice for choice in choices if str(choice["display"]) != ALL] or choices
        if narrowing:
            choice = narrowing[0]
            found.append((f"{spec.title} = {choice['display']}", choice["query_string"]))
    return found


def _search_term(search_field, rows):
    """The value of `search_field` ("^filename", "project__normalized_name") on the first of
    `rows` that has one."""
    path = search_field.lstrip("^=@").split("__")
    for obj in rows:
        value = obj
        for part in path:
            value = getattr(value, part, None)
            if value is None:
                break
        if value not in (None, ""):
            return str(value)
    return SEARCH_FALLBACK


def _with(url, **params):
    """`url` with `params` added to (or replacing those in) its query string."""
    from urllib.parse import parse_qsl, urlencode

    path, _, query = url.partition("?")
    merged = {**dict(parse_qsl(query, keep_blank_values=True)), **params}
    return f"{path}?{urlencode(merged)}"
