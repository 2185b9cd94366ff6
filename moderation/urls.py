"""The public moderation pages and the maintainers' exception requests.

Included before `registry.urls`, whose `manage/<name>/` would otherwise see these paths; the
list of a person's requests lives under /account/ so that no project name is shadowed.
"""

from django.urls import path

from . import views

app_name = "moderation"

urlpatterns = [
    path("legal/", views.legal_index, name="legal"),
    path("legal/<slug:kind>/", views.takedown_new, name="takedown-new"),
    path("report/", views.report_new, name="report-new"),
    # Trusted reporters' JSON API (token authentication, no CSRF).
    path("api/reports/", views.api.reports, name="api-reports"),
    path("api/reports/<int:pk>/", views.api.report, name="api-report"),
    path("requests/<text:key>/", views.follow, name="follow"),
    path("requests/<text:key>/received/", views.follow_received, name="follow-received"),
    path("requests/<text:key>/reply/", views.follow_reply, name="follow-reply"),
    path("requests/<text:key>/<slug:transition>/", views.follow_act, name="follow-act"),
    path("manage/<text:name>/exception/", views.exception_new, name="exception-new"),
    path("manage/<text:name>/schedule-removal/", views.staged_new, name="staged-new"),
    path("account/staged/<int:pk>/", views.staged_case, name="staged-case"),
    path("account/requests/", views.my_requests, name="my-requests"),
    path("account/requests/<int:pk>/", views.my_request, name="my-request"),
    path("account/requests/<int:pk>/reply/", views.my_request_reply, name="my-request-reply"),
    path(
        "account/requests/<int:pk>/<slug:transition>/",
        views.my_request_act,
        name="my-request-act",
    ),
    # Notices and reports filed while signed in (exceptions keep the shorter address above).
    path("account/requests/<slug:kind>/<int:pk>/", views.my_request, name="my-filed"),
    path(
        "account/requests/<slug:kind>/<int:pk>/reply/",
        views.my_request_reply,
        name="my-filed-reply",
    ),
    path(
        "account/requests/<slug:kind>/<int:pk>/<slug:transition>/",
        views.my_request_act,
        name="my-filed-act",
    ),
    # PEP 541 name requests: asked for while signed in, answered by the project's owners.
    path("names/request/", views.name_request_start, name="name-request-start"),
    path("names/<text:name>/request/", views.name_request_new, name="name-request"),
    path("names/owner/<text:key>/", views.name_owner, name="name-owner"),
    path("account/name-requests/<int:pk>/", views.name_owner_case, name="name-owner-case"),
    path("account/takedowns/<int:pk>/", views.owner_takedown, name="owner-takedown"),
    path(
        "account/takedowns/<int:pk>/counter-notice/",
        views.counter_notice_new,
        name="counter-notice",
    ),
]
