"""The admin page "Deletion policies compared": the policy report for support staff and admins.

The same comparison as `manage.py policy_report` (`registry.reports.compare`): per preset what
owners may delete, the top-20 lists, and a chart of the share deletable by popularity decile.
Support staff and registry admins see it (staff with the registry's view permission); anyone
else is refused (maintainers, who are not staff, get the admin's sign-in page).

Computing it reads every live project, which takes seconds on a large registry, so the result is
kept in Django's cache for the hour, keyed by the presets shown, the configured preset's
parameters and the hour; the page says when it was computed. A registry admin may recompute it
at once (a POST with the CSRF token).

The URL is added by the admin site (`registry.sign_in.HoldfastAdminSite.get_urls`), as
`admin:registry_policy_report`.
"""

import hashlib
import time

from django.contrib import messages
from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.http import HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.http import urlencode

from .. import policy
from ..facts import is_registry_admin
from ..reports.chart import decile_chart
from ..reports.compare import compare, configs_for, valid_presets
from ..reports.output import share_text

VIEW_PERMISSION = "registry.view_project"
CACHE_SECONDS = 2 * 60 * 60  # The key changes on the hour; two hours covers a late reader.
URL_NAME = "registry_policy_report"


def urls(admin_site):
    """The page's URL, for the admin site's get_urls()."""

    def view(request):
        return policy_report_view(request, admin_site)

    return [path("registry/policy-report/", admin_site.admin_view(view), name=URL_NAME)]


def can_view(user):
    return user.is_active and user.is_staff and user.has_perm(VIEW_PERMISSION)


def can_recompute(user):
    return can_view(user) and is_registry_admin(user)


def cache_key(configs, now):
    """Key the cached report by the presets (with their parameters) and the hour of `now`."""
    described = ";".join(
        f"{config.preset}:{sorted(config.params.items())}" for config, _configured in configs
    )
    digest = hashlib.sha256(described.encode()).hexdigest()[:20]
    return f"registry:policy-report:{digest}:{now:%Y-%m-%dT%H}"


def computed_report(configs, *, now):
    """Compare the presets at `now`; return what the cache keeps."""
    started = time.monotonic()
    comparison = compare([config.preset for config, _ in configs], now=now)
    return {
        "comparison": comparison,
        "computed_at": now,
        "seconds": time.monotonic() - started,
    }


def policy_report_view(request, admin_site):
    if not can_view(request.user):
        raise PermissionDenied
    asked = request.GET.getlist("preset")
    try:
        configs = configs_for(asked)
    except policy.PolicyConfigError as error:
        messages.error(request, f"{error} Showing every preset instead.")
        asked, configs = [], configs_for(None)
    now = timezone.now()
    key = cache_key(configs, now)
    here = reverse(f"{admin_site.name}:{URL_NAME}")
    if asked:
        here += "?" + urlencode([("preset", config.preset) for config, _ in configs])
    if request.method == "POST":
        if not can_recompute(request.user):
            raise PermissionDenied
        cache.set(key, computed_report(configs, now=now), CACHE_SECONDS)
        messages.success(request, "The comparison was computed again just now.")
        return HttpResponseRedirect(here)
    report = cache.get(key)
    if report is None:
        report = computed_report(configs, now=now)
        cache.set(key, report, CACHE_SECONDS)
    comparison = report["comparison"]
    context = {
        **admin_site.each_context(request),
        "title": "Deletion policies compared",
        "comparison": comparison,
        "computed_at": report["computed_at"],
        "seconds": report["seconds"],
        "chart": decile_chart(comparison),
        "rows": _rows(comparison),
        "decile_rows": _decile_rows(comparison),
        "shown": {config.preset for config, _ in configs},
        "all_presets": valid_presets(),
        "can_recompute": can_recompute(request.user),
        "here": here,
    }
    request.current_app = admin_site.name
    return TemplateResponse(request, "admin/registry/policy_report.html", context)


def _rows(comparison):
    return [
        {
            "result": result,
            "cells": [
                {"tally": tally, "share": share_text(tally)}
                for tally in (result.projects, result.releases, result.files)
            ],
            "notes": policy.preset_notes(result.preset)[0],
        }
        for result in comparison.presets
    ]


def _decile_rows(comparison):
    return [
        {
            "decile": decile,
            "shares": [
                {"tally": result.deciles[index], "share": share_text(result.deciles[index])}
                for result in comparison.presets
            ],
        }
        for index, decile in enumerate(comparison.deciles)
    ]
