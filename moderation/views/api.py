"""The trusted reporters' JSON API: file an abuse report, follow one's own reports.

    POST /api/reports/        file a report (201 with its id, reference, state and address)
    GET  /api/reports/        the reporter's own reports, newest first (?before=<id> pages on)
    GET  /api/reports/<id>/   one of them

Authenticated by an API token (`Authorization: Bearer <token>` or `token <token>`), the same
tokens that upload (`registry.tokens`), whose account an admin marked as an active trusted
reporter (`moderation.TrustedReporter`). Failed token attempts are throttled per client address
as uploads are (HOLDFAST_TOKEN_ADDRESS_RATE), and each reporter may file HOLDFAST_REPORTER_RATE
reports; over either limit the answer is 429 with Retry-After. Every answer is JSON; a refusal
is {"error": <what to do>, "code": <for programs>} and bad input adds {"fields": {name: reason}}.
The public keeps the public form (`moderation.views.public`).
"""

import json

from django.core.exceptions import RequestDataTooBig
from django.http import JsonResponse
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt

from registry import throttle, tokens
from registry.models import File, Project, Release
from registry.services import RegistryError
from registry.validators import text_problem

from .. import state_texts
from ..models import AbuseCategory, AbuseReport, TrustedReporter
from ..services import submit_abuse_report

PAGE_SIZE = 100
MAX_ID = 2**63 - 1
SUMMARY_MAX = 20_000
FIELDS = {"project", "version", "filename", "kind", "evidence_url", "summary"}


class ApiError(Exception):
    def __init__(self, status, code, message, fields=None, headers=None):
        super().__init__(message)
        self.status, self.code, self.message = status, code, message
        self.fields, self.headers = fields or {}, headers or {}

    def response(self):
        body = {"error": self.message, "code": self.code}
        if self.fields:
            body["fields"] = self.fields
        response = JsonResponse(body, status=self.status)
        for name, value in self.headers.items():
            response[name] = value
        return response


def json_refusal(message, status):
    """`tokens.answer_throttled`'s refusal: 429 in JSON."""
    return JsonResponse({"error": message, "code": "throttled"}, status=status)


def _reporter(request):
    """Return the active TrustedReporter of the request's token, or raise ApiError."""
    scheme, _, secret = request.headers.get("Authorization", "").strip().partition(" ")
    if scheme.lower() not in ("bearer", "token") or not secret.strip():
        raise ApiError(
            401,
            "unauthenticated",
            "Authentication required: send 'Authorization: Bearer <token>' with an API token "
            "created on your Holdfast account page.",
            headers={"WWW-Authenticate": 'Bearer realm="Holdfast reports"'},
        )
    token = tokens.authenticate(secret.strip(), request=request)  # may raise TokenThrottled
    if token is None:
        raise ApiError(
            401,
            "invalid_token",
            "Invalid or revoked API token. Create a new one on your Holdfast account page.",
            headers={"WWW-Authenticate": 'Bearer realm="Holdfast reports", error="invalid_token"'},
        )
    if token.project_id is not None:
        raise ApiError(
            403,
            "project_token",
            f"This token is limited to uploads of {token.project.name}. Report with a token "
            "that is not limited to one project.",
        )
    reporter = (
        TrustedReporter.objects.active().select_related("user").filter(user=token.user).first()
    )
    if reporter is None:
        raise ApiError(
            403,
            "not_trusted",
            "This account is not an active trusted reporter, so it cannot use the reports API. "
            "Report abuse with the public form at /report/, or ask the registry admins to make "
            "your organisation a trusted reporter.",
        )
    return reporter


def _report_json(report, request):
    closed = not report.is_open
    return {
        "id": report.pk,
        "reference": report.reference,
        "project": report.project.name,
        "kind": report.category,
        "state": report.state,
        "open": not closed,
        "outcome": state_texts.text(report.kind, report.state).headline if closed else None,
        "evidence_url": report.evidence_url,
        "created_at": report.created_at.isoformat(),
        "closed_at": report.closed_at.isoformat() if closed else None,
        "url": request.build_absolute_uri(
            reverse("moderation:api-report", kwargs={"pk": report.pk})
        ),
    }


def _string(body, name, errors, *, required, multiline=False, max_length=500):
    value = body.get(name)
    if value is None or value == "":
        if required:
            errors[name] = "This field is required."
        return ""
    if not isinstance(value, str):
        errors[name] = "Give a string."
        return ""
    problem = text_problem(value, multiline=multiline)
    if problem is not None:
        errors[name] = f"This field {problem}; send plain text."
        return ""
    if len(value) > max_length:
        errors[name] = f"At most {max_length:,} characters."
        return ""
    if not value.strip():
        errors[name] = "This field is required."
    return value.strip()


def _read_report(request):
    """Return the validated fields of the request's JSON body, or raise ApiError."""
    if request.content_type != "application/json":
        raise ApiError(
            415, "json_only", "Send the report as JSON (Content-Type: application/json)."
        )
    try:
        body = json.loads(request.body)
    except RequestDataTooBig:
        raise ApiError(413, "too_big", "The report is too big; send a shorter summary.") from None
    except (ValueError, RecursionError):
        raise ApiError(400, "bad_json", "The body is not valid JSON.") from None
    if not isinstance(body, dict):
        raise ApiError(400, "bad_json", "Send one JSON object with the report's fields.")
    errors = {name: "Unknown field." for name in body if name not in FIELDS}
    data = {
        "project": _string(body, "project", errors, required=True, max_length=200),
        "version": _string(body, "version", errors, required=False, max_length=100),
        "filename": _string(body, "filename", errors, required=False, max_length=255),
        "kind": _string(body, "kind", errors, required=True, max_length=30),
        "evidence_url": _string(body, "evidence_url", errors, required=True),
        "summary": _string(
            body, "summary", errors, required=True, multiline=True, max_length=SUMMARY_MAX
        ),
    }
    if data["kind"] and data["kind"] not in AbuseCategory.values:
        errors["kind"] = f"One of: {', '.join(AbuseCategory.values)}."
    if errors:
        raise ApiError(400, "invalid", "The report has errors; nothing was filed.", errors)
    return data


def _targets(data):
    """Return (project, releases, files) the report names, or raise ApiError."""
    project = Project.objects.live().by_name(data["project"]).first()
    if project is None:
        raise ApiError(404, "no_project", f"There is no project named {data['project']!r}.")
    releases, files = [], []
    if data["filename"]:
        file = (
            File.objects.live()
            .select_related("release")
            .filter(release__project=project, filename=data["filename"])
            .first()
        )
        if file is None:
            raise ApiError(
                400,
                "invalid",
                "The report has errors; nothing was filed.",
                {"filename": f"{project.name} has no file named {data['filename']!r}."},
            )
        files = [file]
    elif data["version"]:
        release = Release.objects.live().filter(project=project).by_version(data["version"]).first()
        if release is None:
            raise ApiError(
                400,
                "invalid",
                "The report has errors; nothing was filed.",
                {"version": f"{project.name} has no release {data['version']!r}."},
            )
        releases = [release]
    return project, releases, files


def _file(request, reporter):
    data = _read_report(request)
    rate = throttle.rate_setting("HOLDFAST_REPORTER_RATE")
    limit = throttle.Limit("reports:reporter", str(reporter.pk), rate)
    if (over := throttle.hit(limit, now=throttle.clock())) is not None:
        raise ApiError(
            429,
            "throttled",
            f"Too many reports from {reporter}: the limit is {rate.describe('report')}. Nothing "
            f"was filed. Try again after {over.until:%H:%M} UTC.",
            headers={"Retry-After": str(over.retry_after)},
        )
    project, releases, files = _targets(data)
    try:
        report, _key = submit_abuse_report(
            project=project,
            category=data["kind"],
            details=data["summary"],
            evidence_url=data["evidence_url"],
            releases=releases,
            files=files,
            trusted_reporter=reporter,
            now=timezone.now(),
        )
    except RegistryError as error:
        field = {"evidence_url": "evidence_url", "details": "summary", "category": "kind"}
        if error.code in field:
            raise ApiError(
                400,
                "invalid",
                "The report has errors; nothing was filed.",
                {field[error.code]: str(error)},
            ) from None
        raise ApiError(409 if error.code == "removed" else 400, error.code, str(error)) from None
    report.refresh_from_db(fields=["state", "closed_at"])
    body = _report_json(report, request)
    return JsonResponse(
        {
            "id": body["id"],
            "reference": body["reference"],
            "state": body["state"],
            "url": body["url"],
        },
        status=201,
    )


def _list(request, reporter):
    reports = (
        AbuseReport.objects.filter(trusted_reporter=reporter)
        .select_related("project")
        .order_by("-pk")
    )
    before = request.GET.get("before", "")
    if before:
        if not (before.isascii() and before.isdigit()) or len(before) > 18:
            raise ApiError(
                400, "invalid", "'before' is the id of a report.", {"before": "A number."}
            )
        reports = reports.filter(pk__lt=int(before))
    page = list(reports[: PAGE_SIZE + 1])
    more = len(page) > PAGE_SIZE
    page = page[:PAGE_SIZE]
    next_url = None
    if more:
        path = reverse("moderation:api-reports")
        next_url = request.build_absolute_uri(f"{path}?before={page[-1].pk}")
    return JsonResponse({"reports": [_report_json(r, request) for r in page], "next": next_url})


def _answer(handler):
    def view(request, *args, **kwargs):
        try:
            return handler(request, *args, **kwargs)
        except ApiError as error:
            return error.response()

    view.__name__ = handler.__name__
    view.__doc__ = handler.__doc__
    return csrf_exempt(tokens.answer_throttled(view, json_refusal))


@_answer
def reports(request):
    """POST: file a report; GET: the reporter's own reports."""
    if request.method not in ("GET", "POST"):
        raise ApiError(405, "method", "Use GET to list your reports or POST to file one.")
    reporter = _reporter(request)
    if request.method == "POST":
        return _file(request, reporter)
    return _list(request, reporter)


@_answer
def report(request, pk):
    """GET: one of the reporter's own reports (another reporter's is 404)."""
    if request.method != "GET":
        raise ApiError(405, "method", "Use GET to read a report.")
    reporter = _reporter(request)
    found = (
        None
        if pk > MAX_ID
        else (
            AbuseReport.objects.filter(trusted_reporter=reporter, pk=pk)
            .select_related("project")
            .first()
        )
    )
    if found is None:
        raise ApiError(404, "no_report", f"You filed no report numbered {pk}.")
    return JsonResponse(_report_json(found, request))
