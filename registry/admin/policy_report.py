"""The admin page "Deletion policies compared": the policy report for support staff and admins.

The same comparison as `manage.py policy_report` (`registry.reports.compare`): per preset what
owners may delete, the top-20 lists, and a chart of the share deletable by popularity decile.
Support staff and registry admins see it (staff with the registry's view permission); anyone
else is refused (maintainers, who are not staff, get the admin's sign-in page).

Computing it reads every live project, which takes a minute and more on a large registry, so the
page reads the report the scheduler keeps in the cache (`registry.reports.stored`); it says when
that was computed, and computes it itself only when none is kept. A registry admin may recompute
it at once (a POST with the CSRF token).

The URL is added by the admin site (`registry.sign_in.HoldfastAdminSite.get_urls`), as
`admin:registry_policy_report`.
"""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.http import urlencode

from .. import policy
from ..facts import is_registry_admin
from ..reports import stored
from ..reports.chart import decile_chart
from ..reports.compare import configs_for, valid_presets
from ..reports.output import share_text

VIEW_PERMISSION = "registry.view_project"
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
    here = reverse(f"{admin_site.name}:{URL_NAME}")
    if asked:
        here += "?" + urlencode([("preset", config.preset) for config, _ in configs])
    if request.method == "POST":
        if not can_recompute(request.user):
            raise PermissionDenied
        stored.compute(configs, now=now)
        messages.success(request, "The comparison was computed again just now.")
        return HttpResponseRedirect(here)
    report, current = stored.cached(configs, now=now)
    if report is None:
        report, current = stored.compute(configs, now=now), True
    comparison = report["comparison"]
    context = {
        **admin_site.each_context(request),
        "title": "Deletion policies compared",
        "comparison": comparison,
        "computed_at": report["computed_at"],
        "seconds": report["seconds"],
        "current": current,
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
