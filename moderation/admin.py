"""The moderation queues in the Django admin: triage lists, decision pages and a dashboard.

Requests change only through `moderation.services`, so nothing here edits a request's fields:
the change view of each queue *is* its decision page, which shows everything a moderator needs
(the affected objects, the impact, what the policy tells the maintainer, the full history) and
offers the next steps the transition tables allow to this user. Every step goes through a
confirmation page that asks for a reason; the services decide, and refuse readably, who may take
it. Support staff triage; only registry admins execute.
"""

import re
from dataclasses import dataclass
from datetime import timedelta
from urllib.parse import urlsplit

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.db.models import BooleanField, Count, Min, Q
from django.http import Http404, HttpResponseNotAllowed, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.http import urlencode
from packaging.utils import canonicalize_name

from registry import policy
from registry.admin_base import ConfirmItem, ReasonOnlyForm, TrackedAdmin, confirmed_action
from registry.facts import Decider, is_registry_admin
from registry.models import RoleName
from registry.services import RegistryError

from . import services, staged, workflow
from .models import (
    STAGED_OPEN_STATES,
    AbuseReport,
    DeletionException,
    LegalTakedown,
    Priority,
    StagedRemoval,
    StagedState,
)
from .workflow import Who

QUEUES = [LegalTakedown, DeletionException, AbuseReport]

# The change list opens on this view when no filter is given at all.
DEFAULT_VIEW = {"open": "yes", "assignee": "me"}

# RegistryError codes that mean "not you" rather than "not now" or "not like this".
FORBIDDEN_CODES = {"admin_only", "staff", "not_requester"}

HISTORY_TYPES = {"+": "created", "~": "changed", "-": "deleted"}


def describe_duration(delta):
    """Say how long `delta` is, roughly: "25 min", "3 h", "2 d 4 h"."""
    minutes = max(int(delta.total_seconds() // 60), 1)
    if minutes < 60:
        return f"{minutes} min"
    hours = minutes // 60
    if hours < 48:
        return f"{hours} h"
    days, hours = divmod(hours, 24)
    return f"{days} d {hours} h" if hours else f"{days} d"


def waiting_states(model):
    return workflow.NOT_STAFF_TURN[model.kind]


def overdue_q(model, now):
    """Open requests past their due date that wait for staff (not for the requester)."""
    condition = Q(closed_at__isnull=True, due_at__lt=now)
    if waiting_states(model):
        condition &= ~Q(state__in=sorted(waiting_states(model)))
    return condition


def is_overdue(case, now):
    return case.is_overdue(now) and case.state not in waiting_states(type(case))


def error_status(error):
    return 403 if error.code in FORBIDDEN_CODES else 400


# Filters -----------------------------------------------------------------------------------------


class OpenListFilter(admin.SimpleListFilter):
    title = "open or closed"
    parameter_name = "open"

    def lookups(self, request, model_admin):
        return [("yes", "Open"), ("no", "Closed"), ("any", "Open or closed")]

    def queryset(self, request, queryset):
        if self.value() == "yes":
            return queryset.filter(closed_at__isnull=True)
        if self.value() == "no":
            return queryset.filter(closed_at__isnull=False)
        return queryset

    def choices(self, changelist):
        # No "All" link: a list without any filter opens on the default view, so "everything"
        # has a value of its own ("any"), selected too when another filter drops this one.
        all_choice, *choices = super().choices(changelist)
        for choice, (value, _label) in zip(choices, self.lookup_choices, strict=True):
            if value == "any" and all_choice["selected"]:
                choice["selected"] = True
            yield choice


class AssigneeListFilter(admin.SimpleListFilter):
    title = "assigned to"
    parameter_name = "assignee"

    def lookups(self, request, model_admin):
        username = get_user_model().USERNAME_FIELD
        staff = (
            get_user_model()
            .objects.filter(is_staff=True, is_active=True)
            .exclude(pk=request.user.pk)
            .order_by(username)
            .values_list("pk", username)
        )
        return [("me", "Me"), ("nobody", "Nobody"), *((str(pk), name) for pk, name in staff)]

    def queryset(self, request, queryset):
        value = self.value()
        if value == "me":
            return queryset.filter(assignee=request.user)
        if value == "nobody":
            return queryset.filter(assignee__isnull=True)
        if value and value.isdigit():
            return queryset.filter(assignee_id=int(value))
        return queryset


class AgeListFilter(admin.SimpleListFilter):
    title = "age"
    parameter_name = "age"

    def lookups(self, request, model_admin):
        return [("day", "Less than a day"), ("week", "1 to 7 days"), ("older", "Over 7 days")]

    def queryset(self, request, queryset):
        now = timezone.now()
        day, week = now - timedelta(days=1), now - timedelta(days=7)
        if self.value() == "day":
            return queryset.filter(created_at__gt=day)
        if self.value() == "week":
            return queryset.filter(created_at__lte=day, created_at__gt=week)
        if self.value() == "older":
            return queryset.filter(created_at__lte=week)
        return queryset


class DueListFilter(admin.SimpleListFilter):
    title = "due"
    parameter_name = "due"

    def lookups(self, request, model_admin):
        return [("overdue", "Overdue"), ("24h", "Due within 24 hours")]

    def queryset(self, request, queryset):
        now = timezone.now()
        if self.value() == "overdue":
            return queryset.filter(overdue_q(queryset.model, now))
        if self.value() == "24h":
            return queryset.filter(
                closed_at__isnull=True, due_at__gte=now, due_at__lt=now + timedelta(hours=24)
            )
        return queryset


# Forms -------------------------------------------------------------------------------------------


class CounterNoticeForm(ReasonOnlyForm):
    counter_notice = forms.CharField(
        label="Counter-notice",
        widget=forms.Textarea(attrs={"rows": 8, "cols": 60}),
        help_text="Paste it as received (17 U.S.C. § 512(g)(3)): the waiting period starts today.",
    )


def staff_members():
    username = get_user_model().USERNAME_FIELD
    return get_user_model().objects.filter(is_staff=True, is_active=True).order_by(username)


class AssignForm(forms.Form):
    assignee = forms.ModelChoiceField(
        label="Assign to", queryset=staff_members(), required=False, empty_label="Nobody"
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["assignee"].queryset = staff_members()


class PriorityForm(forms.Form):
    priority = forms.TypedChoiceField(label="Priority", choices=Priority.choices, coerce=int)
    reason = forms.CharField(label="Reason", max_length=500)


class RecommendForm(forms.Form):
    text = forms.CharField(
        label="Recommendation",
        widget=forms.Textarea(attrs={"rows": 3, "cols": 60}),
        help_text="What you advise the registry admin who decides, and why.",
    )


class NoteForm(forms.Form):
    body = forms.CharField(
        label="Staff-only note",
        widget=forms.Textarea(attrs={"rows": 3, "cols": 60}),
        help_text="Never shown to the requester.",
    )


class MessageForm(forms.Form):
    body = forms.CharField(
        label="Message to the requester",
        widget=forms.Textarea(attrs={"rows": 3, "cols": 60}),
        help_text="Sent by email and shown on the requester's private page.",
    )


def _assign(case, request, data):
    assignee = data["assignee"]
    reason = f"Assigned to {assignee}" if assignee else "Unassigned"
    services.assign(case, assignee=assignee, actor=request.user, reason=reason)
    return f"{case.reference}: {reason[0].lower()}{reason[1:]}."


def _set_priority(case, request, data):
    services.set_priority(
        case, priority=data["priority"], actor=request.user, reason=data["reason"]
    )
    return f"{case.reference}: priority is now {Priority(data['priority']).label.lower()}."


def _recommend(case, request, data):
    services.recommend(case, text=data["text"], actor=request.user)
    return f"{case.reference}: recommendation recorded."


def _note(case, request, data):
    services.add_note(case, body=data["body"], actor=request.user)
    return f"{case.reference}: staff note added."


def _message(case, request, data):
    services.message_requester(case, body=data["body"], actor=request.user)
    return f"{case.reference}: message sent to the requester."


@dataclass(frozen=True)
class TriageAct:
    form_class: type
    perform: object  # (case, request, cleaned_data) -> success message


def triage_form(what, data=None, *, initial=None):
    # The decision page shows every triage form at once: keep their HTML ids apart.
    return TRIAGE[what].form_class(data, initial=initial, auto_id=f"id_{what}_%s")


TRIAGE = {
    "assign": TriageAct(AssignForm, _assign),
    "priority": TriageAct(PriorityForm, _set_priority),
    "recommend": TriageAct(RecommendForm, _recommend),
    "note": TriageAct(NoteForm, _note),
    "message": TriageAct(MessageForm, _message),
}


# What a transition will do --------------------------------------------------------------------


def _live_files_of(release):
    return release.files.filter(removed_at__isnull=True).count()


def _project_contents(project):
    releases = project.releases.filter(removed_at__isnull=True).count()
    files = (
        project.releases.filter(removed_at__isnull=True, files__removed_at__isnull=True)
        .values("files")
        .count()
    )
    return f"{releases} live release(s) and {files} live file(s)"


def _removal_plan(case):
    """List what `disable_content` / `approve` will remove (as `services._remove_targets` does)."""
    releases = list(
        case.releases.filter(removed_at__isnull=True)
        .annotate(live_files=Count("files", filter=Q(files__removed_at__isnull=True)))
        .order_by("created_at", "pk")
    )
    release_ids = {release.pk for release in releases}
    files = [
        file
        for file in case.files.filter(removed_at__isnull=True).select_related("release")
        if file.release_id not in release_ids
    ]
    if releases or files:
        return [
            *(
                ConfirmItem(f"Release {r.version}", f"with its {r.live_files} live file(s)")
                for r in releases
            ),
            *(ConfirmItem(f"File {f.filename}", f"of release {f.release.version}") for f in files),
        ]
    if case.releases.exists() or case.files.exists():
        return [
            ConfirmItem(
                "Nothing: everything this request names has already been removed.",
                "The registry will refuse this step.",
            )
        ]
    return [
        ConfirmItem(
            f"The whole project {case.project.name}", f"with {_project_contents(case.project)}"
        )
    ]


def _restore_plan(case, now):
    events = list(case.removal_events.filter(restored_at__isnull=True).order_by("created_at"))
    items = [
        ConfirmItem(
            f"Restore: {event}",
            f"{len(event.summary.get('releases', []))} release(s), "
            f"{len(event.summary.get('files', []))} file(s); purged files stay removed",
        )
        for event in events
    ] or [ConfirmItem("Nothing to restore: no unrestored removal is linked to this request.")]
    if case.reinstate_after and now.date() < case.reinstate_after:
        items.append(
            ConfirmItem(
                f"Not yet: the waiting period runs until {case.reinstate_after:%Y-%m-%d}.",
                "The registry will refuse this step before then, unless the period is over.",
            )
        )
    return items


def execution_plan(case, transition, now):
    """Return ConfirmItems saying exactly what `transition` will change in the registry."""
    project = case.project
    match transition.name:
        case "disable_content" | "approve":
            return _removal_plan(case)
        case "reinstate":
            return _restore_plan(case, now)
        case "quarantine":
            return [
                ConfirmItem(
                    f"Quarantine {project.name}",
                    "installers see it with no files; its owners cannot act on it "
                    f"(now {project.get_status_display().lower()})",
                )
            ]
        case "lift_quarantine":
            return [ConfirmItem(f"Lift the quarantine of {project.name}", "it becomes active")]
        case "remove":
            category = "security" if case.category == "malware" else "abuse"
            return [
                ConfirmItem(
                    f"Remove the whole project {project.name}",
                    f"with {_project_contents(project)}, as a {category} removal; its name stays "
                    "reserved as the policy says",
                )
            ]
        case "receive_counter_notice":
            earliest, latest = workflow.counter_notice_window(now.date())
            return [
                ConfirmItem(
                    "Record the counter-notice",
                    f"content may be reinstated from {earliest:%Y-%m-%d} and should be by "
                    f"{latest:%Y-%m-%d}, unless the claimant reports a court action",
                )
            ]
    return []


# The queues --------------------------------------------------------------------------------------


class CaseAdmin(TrackedAdmin):
    """What every queue's admin shares: the triage list, the decision page, the transitions."""

    kind_field: str
    detail_fields: list[str] = []
    serves_dashboard = False

    list_display = [
        "reference",
        "project",
        "kind_display",
        "state",
        "priority",
        "assignee",
        "due",
        "created_at",
    ]
    list_select_related = ["project", "assignee"]
    search_fields = ["project__normalized_name"]
    search_help_text = "A reference (T-12), a project name, or the requester's email address."
    ordering = ["due_at", "pk"]
    history_list_display = ["state", "assignee", "history_user_username", "history_change_reason"]

    # Lists -------------------------------------------------------------------------------------

    @admin.display(description="reference", ordering="pk")
    def reference(self, case):
        return case.reference

    @admin.display(description="kind")
    def kind_display(self, case):
        return getattr(case, f"get_{self.kind_field}_display")()

    @admin.display(description="due", ordering="due_at")
    def due(self, case):
        now = timezone.now()
        when = f"due {timezone.localtime(case.due_at):%Y-%m-%d %H:%M}"
        if not case.is_open:
            return format_html('<span class="closed" title="{}">closed</span>', when)
        if case.state in waiting_states(type(case)):
            return format_html('<span class="waiting" title="{}">waiting for reply</span>', when)
        if is_overdue(case, now):
            return format_html(
                '<span class="overdue" title="{}">overdue by {}</span>',
                when,
                describe_duration(now - case.due_at),
            )
        return format_html(
            '<span class="due" title="{}">in {}</span>', when, describe_duration(case.due_at - now)
        )

    def get_search_results(self, request, queryset, search_term):
        term = search_term.strip()
        if not term:
            return queryset, False
        reference = re.fullmatch(r"(?:[a-z]-)?(\d+)", term, re.IGNORECASE)
        if reference:
            return queryset.filter(pk=int(reference[1])), False
        if "@" in term:
            return queryset.filter(requester_email__iexact=term), False
        return queryset.filter(project__normalized_name__startswith=canonicalize_name(term)), False

    def changelist_view(self, request, extra_context=None):
        if not self.has_view_or_change_permission(request):
            raise PermissionDenied
        if request.method == "GET" and not request.GET:
            # A bare URL opens the default view; but "Show all" and "Clear all filters" on the
            # list itself also lead here, and there the user asked for everything.
            referer = urlsplit(request.headers.get("referer", ""))
            within_list = referer.path == request.path and bool(referer.query)
            view = {"open": "any"} if within_list else DEFAULT_VIEW
            return HttpResponseRedirect(f"{request.path}?{urlencode(view)}")
        context = {
            "title": self.opts.verbose_name_plural.capitalize(),
            "state_counts": self.state_counts(request),
            "quick_views": self.quick_views(request),
            "dashboard_url": reverse(f"{self.admin_site.name}:moderation_dashboard"),
            **(extra_context or {}),
        }
        return super().changelist_view(request, context)

    def state_counts(self, request):
        """Count the queue's requests per state (and overdue, and mine) in one grouped query."""
        now = timezone.now()
        rows = {
            row["state"]: row
            for row in self.model.objects.order_by()
            .values("state")
            .annotate(
                total=Count("pk"),
                overdue=Count("pk", filter=overdue_q(self.model, now)),
                mine=Count("pk", filter=Q(assignee=request.user)),
            )
        }
        counts = []
        for value, label in self.model._meta.get_field("state").choices:
            row = rows.get(value, {})
            counts.append(
                {
                    "state": value,
                    "label": label,
                    "open": workflow.is_open(self.model.kind, value),
                    "total": row.get("total", 0),
                    "overdue": row.get("overdue", 0),
                    "mine": row.get("mine", 0),
                    "query": "?" + urlencode({"state__exact": value}),
                }
            )
        return counts

    def quick_views(self, request):
        current = {k: v for k, v in request.GET.items() if k not in ("o", "p")}
        views = [
            ("Open, assigned to me", DEFAULT_VIEW),
            ("All open", {"open": "yes"}),
            ("Open, unassigned", {"open": "yes", "assignee": "nobody"}),
            ("Overdue", {"due": "overdue"}),
            ("Everything", {"open": "any"}),
        ]
        return [
            {"label": label, "query": "?" + urlencode(params), "current": current == params}
            for label, params in views
        ]

    # Permissions -------------------------------------------------------------------------------

    def has_add_permission(self, request):
        # Requests come from the public forms and from maintainers, never from the admin.
        return False

    def can_triage(self, request, case=None):
        """Mirror `services._is_staff`: staff with the change permission (or registry admins)."""
        user = request.user
        return is_registry_admin(user) or (
            user.is_staff and self.has_change_permission(request, case)
        )

    def allowed_steps(self, request, case):
        return workflow.allowed(
            case.kind,
            case.state,
            is_admin=is_registry_admin(request.user),
            is_staff=self.can_triage(request, case),
        )

    def get_case(self, request, object_id):
        pk = unquote(object_id)
        case = (
            self.model.objects.select_related("project", "assignee", "requester")
            .filter(pk=int(pk))
            .first()
            if pk.isdigit()
            else None
        )
        if case is None:
            raise Http404(f"No {self.opts.verbose_name} with the reference {object_id}.")
        if not self.has_view_or_change_permission(request, case):
            raise PermissionDenied
        return case

    # URLs --------------------------------------------------------------------------------------

    def get_urls(self):
        info = self.opts.app_label, self.opts.model_name
        wrap = self.admin_site.admin_view
        urls = [
            path(
                "<path:object_id>/transition/<str:name>/",
                wrap(self.transition_view),
                name="{}_{}_transition".format(*info),
            ),
            path(
                "<path:object_id>/triage/<str:what>/",
                wrap(self.triage_view),
                name="{}_{}_triage".format(*info),
            ),
        ]
        if self.serves_dashboard:
            urls.append(path("dashboard/", wrap(self.dashboard_view), name="moderation_dashboard"))
        return urls + super().get_urls()

    def url(self, name, *args):
        info = self.admin_site.name, self.opts.app_label, self.opts.model_name
        return reverse("{}:{}_{}_".format(*info) + name, args=args)

    # The decision page -------------------------------------------------------------------------

    def change_view(self, request, object_id, form_url="", extra_context=None):
        # Nothing about a request is edited by hand: its change page is the decision page.
        if request.method != "GET":
            return HttpResponseNotAllowed(["GET"])
        return self.decision_view(request, self.get_case(request, object_id))

    def decision_view(self, request, case, *, bound=None, error=None, status=200):
        now = timezone.now()
        can_triage = self.can_triage(request, case)
        is_admin = is_registry_admin(request.user)
        steps = self.allowed_steps(request, case)
        admin_steps = [
            t
            for t in workflow.allowed(case.kind, case.state, is_admin=True, is_staff=True)
            if t.who == Who.ADMIN and not is_admin
        ]
        triage_forms = {}
        if can_triage:
            triage_forms = {
                what: triage_form(what, initial=self.triage_initial(what, case)) for what in TRIAGE
            }
            if bound is not None:
                triage_forms[bound[0]] = bound[1]
        decider = Decider(case.project, None, now=now)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": str(case),
            "case": case,
            "now": now,
            "error": error,
            "overdue": is_overdue(case, now),
            "overdue_by": describe_duration(now - case.due_at) if is_overdue(case, now) else "",
            "waiting_on_requester": case.is_open and case.state in waiting_states(type(case)),
            "kind_label": self.kind_display(case),
            "fields": list(self.field_rows(case)),
            "dmca_missing": self.dmca_missing(case),
            "affected": self.affected(case),
            "owners": self.owners(case),
            "impact": self.impact(case, decider),
            "decisions": self.owner_decisions(case, decider),
            "policy": decider.config.describe(),
            "messages_list": list(case.messages.all()),
            "history": self.history(case),
            "removal_events": [
                (event, reverse("admin:registry_removalevent_change", args=[event.pk]))
                for event in case.removal_events.order_by("created_at", "pk")
            ],
            "steps": [(t, self.url("transition", case.pk, t.name)) for t in steps],
            "admin_steps": admin_steps,
            "can_triage": can_triage,
            "triage_forms": triage_forms,
            "triage_urls": {what: self.url("triage", case.pk, what) for what in TRIAGE},
            "history_url": self.url("history", case.pk),
            "changelist_url": self.url("changelist"),
        }
        request.current_app = self.admin_site.name
        return TemplateResponse(request, "admin/moderation/decision.html", context, status=status)

    def triage_initial(self, what, case):
        if what == "assign":
            return {"assignee": case.assignee_id}
        if what == "priority":
            return {"priority": case.priority}
        if what == "recommend":
            return {"text": case.recommendation}
        return {}

    def field_rows(self, case):
        for name in self.detail_fields:
            field = case._meta.get_field(name)
            value = getattr(case, name)
            if field.choices:
                value = getattr(case, f"get_{name}_display")()
            elif isinstance(field, BooleanField):
                value = "Yes" if value else "No"
            yield {"label": field.verbose_name, "value": value, "help": field.help_text}

    def dmca_missing(self, case):
        return None

    def affected(self, case):
        project = case.project
        return {
            "project": project,
            "project_url": reverse("admin:registry_project_change", args=[project.pk]),
            "releases": [
                (release, reverse("admin:registry_release_change", args=[release.pk]))
                for release in case.releases.order_by("created_at", "pk")
            ],
            "files": [
                (file, reverse("admin:registry_file_change", args=[file.pk]))
                for file in case.files.select_related("release").order_by("filename")
            ],
        }

    def owners(self, case):
        return list(
            case.project.roles.active()
            .filter(role=RoleName.OWNER)
            .order_by("user__username")
            .values_list("user__username", flat=True)
        )

    def impact(self, case, decider):
        facts = decider.facts
        return {
            "now": {
                "dependent_projects": facts.dependent_projects,
                "downloads_last_7_days": facts.downloads_last_7_days,
                "downloads_total": facts.downloads_total,
                "releases": len(facts.releases),
                "files": sum(len(release.files) for release in facts.releases),
            },
            "when_filed": None,
        }

    def owner_decisions(self, case, decider):
        """What the policy tells an owner who deletes what the request names, themselves."""

        def ask(action, release=None, file=None):
            return policy.decide(
                action,
                project=decider.facts,
                actor=policy.ActorRole.OWNER,
                now=decider.now,
                config=decider.config,
                release=decider.release_facts(release) if release is not None else None,
                file=decider.file_facts(file) if file is not None else None,
            )

        files = list(case.files.select_related("release").order_by("filename"))
        releases = list(case.releases.order_by("created_at", "pk"))
        if not files and not releases:
            return [(f"Delete the project {case.project.name}", ask(policy.Action.DELETE_PROJECT))]
        return [
            *(
                (f"Delete release {release.version}", ask(policy.Action.DELETE_RELEASE, release))
                for release in releases
            ),
            *(
                (
                    f"Delete the file {file.filename}",
                    ask(policy.Action.DELETE_FILE, file.release, file),
                )
                for file in files
            ),
        ]

    def history(self, case):
        rows = case.history.select_related("assignee").order_by("-history_date", "-history_id")
        states = dict(self.model._meta.get_field("state").choices)
        return [
            {
                "when": row.history_date,
                "who": row.history_user_username or "the requester or the system",
                "what": HISTORY_TYPES.get(row.history_type, row.history_type),
                "reason": row.history_change_reason or "",
                "state": states.get(row.state, row.state),
                "assignee": row.assignee or "",
                "priority": Priority(row.priority).label if row.priority in Priority.values else "",
            }
            for row in rows
        ]

    # Triage without a change of state ----------------------------------------------------------

    def triage_view(self, request, object_id, what):
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        case = self.get_case(request, object_id)
        act = TRIAGE.get(what)
        if act is None:
            raise Http404(f"No triage step called {what!r}.")
        if not self.can_triage(request, case):
            raise PermissionDenied
        form = triage_form(what, request.POST)
        if not form.is_valid():
            return self.decision_view(request, case, bound=(what, form), status=400)
        try:
            message = act.perform(case, request, form.cleaned_data)
        except RegistryError as error:
            return self.decision_view(
                request, case, bound=(what, form), error=error, status=error_status(error)
            )
        self.message_user(request, message, messages.SUCCESS)
        return HttpResponseRedirect(self.url("change", case.pk))

    # Transitions -------------------------------------------------------------------------------

    def transition_view(self, request, object_id, name):
        case = self.get_case(request, object_id)
        try:
            transition = workflow.transition(case.kind, name)
        except KeyError:
            raise Http404(f"{self.opts.verbose_name} has no step {name!r}.") from None
        if transition.who == Who.REQUESTER:
            # Requesters act from their private link, never through the admin.
            raise Http404("Only the requester takes that step, from their private link.")
        form_class = CounterNoticeForm if name == "receive_counter_notice" else ReasonOnlyForm
        if request.method == "POST":
            form = form_class(request.POST)
            if form.is_valid():
                try:
                    case = services.apply_transition(
                        case,
                        name,
                        actor=request.user,
                        reason=form.cleaned_data["reason"],
                        counter_notice=form.cleaned_data.get("counter_notice", ""),
                    )
                except RegistryError as error:
                    return self.transition_page(
                        request, case, transition, form, error=error, status=error_status(error)
                    )
                self.message_user(request, self.transition_message(case, transition))
                return HttpResponseRedirect(self.url("change", case.pk))
            return self.transition_page(request, case, transition, form, status=400)
        if request.method != "GET":
            return HttpResponseNotAllowed(["GET", "POST"])
        error = self.refusal(request, case, transition)
        if error:
            return self.transition_page(
                request, case, transition, None, error=error, status=error_status(error)
            )
        return self.transition_page(request, case, transition, form_class())

    def refusal(self, request, case, transition):
        """Say why this user cannot take `transition` now (the service says the same on POST)."""
        if transition in self.allowed_steps(request, case):
            return None
        if case.state not in transition.sources:
            return RegistryError(
                f"{case.reference} is '{case.get_state_display().lower()}', so "
                f"'{transition.label}' is not possible.",
                code="stale",
            )
        if transition.who == Who.ADMIN:
            return RegistryError(
                f"Only registry admins can {transition.label.lower()}: it changes the registry. "
                "You can add a recommendation for them on the request.",
                code="admin_only",
            )
        return RegistryError(
            "Only support staff and registry admins triage requests.", code="staff"
        )

    def transition_page(self, request, case, transition, form, *, error=None, status=200):
        if form is not None and transition.message_required:
            form.fields["reason"].help_text = (
                "Sent to the requester by email and on their private page, and recorded in the "
                "history with your name."
            )
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": f"{transition.label}: {case.reference}",
            "case": case,
            "transition": transition,
            "plan": execution_plan(case, transition, timezone.now()),
            "form": form,
            "error": error,
            "decision_url": self.url("change", case.pk),
            "changelist_url": self.url("changelist"),
            "media": self.media,
        }
        request.current_app = self.admin_site.name
        return TemplateResponse(request, "admin/moderation/transition.html", context, status=status)

    def transition_message(self, case, transition):
        state = case.get_state_display().lower()
        message = f"{case.reference}: {transition.label} done; now {state}."
        if transition.executes:
            events = [str(event) for event in case.removal_events.order_by("created_at", "pk")]
            if events:
                message += f" Removal events: {'; '.join(events)}."
        return message

    # The dashboard -----------------------------------------------------------------------------

    def dashboard_view(self, request):
        """Per queue: open, overdue, unassigned and mine, and the oldest open request."""
        now = timezone.now()
        queues = []
        for model in QUEUES:
            model_admin = self.admin_site.get_model_admin(model)
            if not model_admin.has_view_or_change_permission(request):
                continue
            is_open = Q(closed_at__isnull=True)
            numbers = model.objects.aggregate(
                open=Count("pk", filter=is_open),
                overdue=Count("pk", filter=overdue_q(model, now)),
                unassigned=Count("pk", filter=is_open & Q(assignee__isnull=True)),
                mine=Count("pk", filter=is_open & Q(assignee=request.user)),
                oldest=Min("created_at", filter=is_open),
            )
            changelist = model_admin.url("changelist")
            queues.append(
                {
                    "name": model._meta.verbose_name_plural,
                    **numbers,
                    "waiting_for": describe_duration(now - numbers["oldest"])
                    if numbers["oldest"]
                    else "",
                    "links": {
                        "open": f"{changelist}?open=yes",
                        "overdue": f"{changelist}?due=overdue",
                        "unassigned": f"{changelist}?open=yes&assignee=nobody",
                        "mine": f"{changelist}?{urlencode(DEFAULT_VIEW)}",
                    },
                }
            )
        if not queues:
            raise PermissionDenied
        staged_numbers = StagedRemoval.objects.aggregate(
            open=Count("pk", filter=Q(state__in=STAGED_OPEN_STATES)),
            awaiting_review=Count("pk", filter=Q(state=StagedState.AWAITING_REVIEW)),
            next_week=Count(
                "pk",
                filter=Q(
                    state__in=[StagedState.DEPRECATED, StagedState.PENDING_REMOVAL],
                    next_step_at__lte=now + timedelta(days=7),
                ),
            ),
            oldest_review=Min("review_at", filter=Q(state=StagedState.AWAITING_REVIEW)),
        )
        context = {
            **self.admin_site.each_context(request),
            "title": "Moderation dashboard",
            "opts": self.opts,
            "queues": queues,
            "staged": staged_numbers,
            "staged_url": reverse(f"{self.admin_site.name}:moderation_stagedremoval_changelist"),
            "now": now,
        }
        request.current_app = self.admin_site.name
        return TemplateResponse(request, "admin/moderation/dashboard.html", context)


@admin.register(LegalTakedown)
class LegalTakedownAdmin(CaseAdmin):
    kind_field = "takedown_kind"
    serves_dashboard = True
    list_filter = [
        OpenListFilter,
        AssigneeListFilter,
        DueListFilter,
        "state",
        "takedown_kind",
        "priority",
        AgeListFilter,
    ]
    detail_fields = [
        "takedown_kind",
        "requester_name",
        "organisation",
        "requester_email",
        "postal_address",
        "phone",
        "signature",
        "work_description",
        "material_location",
        "good_faith",
        "accurate_under_perjury",
        "legal_basis",
        "details",
        "counter_notice",
        "counter_notice_at",
        "reinstate_after",
        "reinstate_by",
    ]

    def dmca_missing(self, case):
        if case.takedown_kind != "copyright":
            return None
        data = {
            name: getattr(case, name)
            for name in (
                "signature",
                "work_description",
                "material_location",
                "postal_address",
                "phone",
                "requester_email",
                "good_faith",
                "accurate_under_perjury",
            )
        }
        return services.missing_dmca_elements(data)


@admin.register(DeletionException)
class DeletionExceptionAdmin(CaseAdmin):
    kind_field = "category"
    list_filter = [
        OpenListFilter,
        AssigneeListFilter,
        DueListFilter,
        "state",
        "category",
        "priority",
        AgeListFilter,
    ]
    detail_fields = [
        "category",
        "requester_name",
        "requester_email",
        "details",
        "refused_rule",
        "refusal",
    ]

    def impact(self, case, decider):
        impact = super().impact(case, decider)
        impact["when_filed"] = case.impact or {}
        return impact


@admin.register(AbuseReport)
class AbuseReportAdmin(CaseAdmin):
    kind_field = "category"
    list_filter = [
        OpenListFilter,
        AssigneeListFilter,
        DueListFilter,
        "state",
        "category",
        "priority",
        AgeListFilter,
    ]
    detail_fields = ["category", "requester_name", "requester_email", "details", "evidence"]


# Staged removals ---------------------------------------------------------------------------------


class StagedDueListFilter(admin.SimpleListFilter):
    title = "next step"
    parameter_name = "next"

    def lookups(self, request, model_admin):
        return [
            ("review", "Awaiting an admin's review"),
            ("week", "Moves in the next 7 days"),
            ("open", "All open"),
        ]

    def queryset(self, request, queryset):
        now = timezone.now()
        if self.value() == "review":
            return queryset.filter(state=StagedState.AWAITING_REVIEW)
        if self.value() == "week":
            return queryset.filter(
                state__in=[StagedState.DEPRECATED, StagedState.PENDING_REMOVAL],
                next_step_at__lte=now + timedelta(days=7),
            )
        if self.value() == "open":
            return queryset.filter(state__in=STAGED_OPEN_STATES)
        return queryset


NEXT_STEP = {
    StagedState.DEPRECATED: "hidden from /simple/ (pending removal)",
    StagedState.PENDING_REMOVAL: "an admin's review",
    StagedState.AWAITING_REVIEW: "approve, keep or extend (admins)",
}


class ExtendForm(ReasonOnlyForm):
    days = forms.IntegerField(
        label="Days to add",
        min_value=1,
        max_value=365,
        initial=30,
        help_text="A case awaiting review goes back to pending removal for that long.",
    )


def _describe_staged(case):
    when = f" (next step {case.next_step_at:%Y-%m-%d})" if case.next_step_at else ""
    return ConfirmItem(str(case), f"{case.message}{when}")


@confirmed_action(
    description="Approve: remove the selected projects or releases",
    explanation="Each project or release is removed as the end of its staged removal (one "
    "removal event each, restorable); its owners are told.",
    permissions=["act"],
    submit_label="Remove",
    describe=_describe_staged,
)
def approve_staged(modeladmin, request, case, data):
    staged.approve(case, actor=request.user, reason=data["reason"])
    return f"{case.target} was removed."


@confirmed_action(
    description="Keep the selected projects or releases",
    explanation="They return to the normal index (still deprecated); the case is closed and "
    "the owners are told.",
    permissions=["act"],
    submit_label="Keep",
    describe=_describe_staged,
)
def keep_staged(modeladmin, request, case, data):
    staged.keep(case, actor=request.user, reason=data["reason"])
    return f"{case.target} is kept."


@confirmed_action(
    description="Extend the current stage of the selected cases",
    explanation="The scheduler moves them on later by the given number of days.",
    permissions=["act"],
    form_class=ExtendForm,
    submit_label="Extend",
    describe=_describe_staged,
)
def extend_staged(modeladmin, request, case, data):
    case = staged.extend(case, actor=request.user, reason=data["reason"], days=data["days"])
    return f"{case.target}: next step on {case.next_step_at:%Y-%m-%d}."


@admin.register(StagedRemoval)
class StagedRemovalAdmin(TrackedAdmin):
    list_display = ["__str__", "state", "next_step", "next_step_at", "requested_by", "created_at"]
    list_filter = [StagedDueListFilter, "state"]
    list_select_related = ["project", "release__project", "requested_by"]
    search_fields = ["project__normalized_name"]
    ordering = ["next_step_at", "pk"]
    actions = [approve_staged, keep_staged, extend_staged]
    history_list_display = ["history_user_username", "history_change_reason"]

    @admin.display(description="next step")
    def next_step(self, case):
        return NEXT_STEP.get(case.state, "none (closed)")

    def has_act_permission(self, request):
        return is_registry_admin(request.user)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
