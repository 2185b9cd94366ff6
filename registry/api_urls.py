"""What installers and uploaders talk to: the Simple Repository API, file bytes, uploads."""

from django.urls import path

from . import simple, tokens, upload
from .mirror import json_api, packages, xmlrpc
from .views.names import name_api

urlpatterns = [
    path("simple/", simple.index, {"index": "main"}, name="simple-index"),
    path("simple/<str:name>/", simple.project_page, {"index": "main"}, name="simple-project"),
    path("pending/simple/", simple.index, {"index": "pending"}, name="pending-simple-index"),
    path(
        "pending/simple/<str:name>/",
        simple.project_page,
        {"index": "pending"},
        name="pending-simple-project",
    ),
    path("files/<str:filename>.metadata", simple.file_metadata, name="file-metadata"),
    path("files/<str:filename>", simple.download, name="file-download"),
    # What mirrors read, as PyPI serves it (registry.mirror).
    path("pypi", xmlrpc.endpoint, name="pypi-xmlrpc"),
    path("pypi/", xmlrpc.endpoint),
    path("pypi/<str:name>/json", json_api.project_json, name="pypi-project-json"),
    path("pypi/<str:name>/<str:version>/json", json_api.release_json, name="pypi-release-json"),
    path(
        "packages/<str:prefix>/<str:middle>/<str:rest>/<str:filename>",
        packages.package_download,
        name="package-download",
    ),
    # Is this name available, and if not, why (registry.views.names).
    path("api/names/<str:name>", name_api, name="name-api"),
    # Token guessing is throttled per address (429 with Retry-After): `tokens.authenticate`.
    path("legacy/", tokens.answer_throttled(upload.upload, upload.refusal), name="legacy-upload"),
]
