"""What every request queue's admin shares: the triage list, the decision page, the steps.

Requests change only through `moderation.services`, so nothing here edits a request's fields:
the change view of each queue *is* its decision page, which shows everything a moderator needs
(the affected objects, the impact, what the policy tells the maintainer, the full history) and
offers the next steps the transition tables allow to this user. Every step goes through a
confirmation page that shows the step's plan and asks for a reason; the engine decides, and
refuses readably, who may take it. Support staff triage; only registry admins execute.
"""

import re
from urllib.parse import urlsplit

from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.db.models import BooleanField, Count, Q
from django.http import Http404, HttpResponseNotAllowed, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.http import urlencode
from packaging.utils import canonicalize_name

from registry import policy
from registry.admin.impacts import assess_named, assess_projects, owner_decision
from registry.admin_base import TrackedAdmin
from registry.facts import Decider, is_registry_admin
from registry.models import RoleName
from registry.services import RegistryError

from .. import services, state_texts, workflow
from ..models import Priority
from ..services import engine
from ..workflow import Who
from .dashboard import dashboard_view
from .filters import DEFAULT_VIEW, describe_duration, is_overdue, overdue_q, waiting_states
from .forms import TRIAGE, transition_form_class, triage_form

# RegistryError codes that mean "not you" rather than "not now" or "not like this".
FORBIDDEN_CODES = {"admin_only", "staff", "not_requester", "not_allowed"}

# What may still be done to a closed request (the services refuse the rest).
CLOSED_TRIAGE = {"message", "note"}

HISTORY_TYPES = {"+": "created", "~": "changed", "-": "deleted"}


def named(case, now, *, judge):
    """Assess what the request names, release by release (or its whole project)."""
    return assess_named(
        case.project, releases=case.releases, files=case.files, now=now, judge=judge
    )


def assess_project(case, now):
    """The impact summary of the request's whole project, without a policy judgement."""
    return assess_projects([case.project], now=now, judge=False)


# The steps whose confirmation page shows what they would affect (those that take something away
# from installers), and, for removals, which owners' refusals they override: {effect: assess}.
ASSESS_EFFECTS = {
    "remove_named": lambda case, now: named(case, now, judge=True),
    "remove_project": lambda case, now: assess_projects([case.project], now=now),
    "quarantine": assess_project,
    # A change of hands removes nothing, but everyone who depends on the project will install
    # what its new owner publishes: the page shows the same figures, with no policy judgement.
    "transfer_name": assess_project,
}


def error_status(error):
    return 403 if error.code in FORBIDDEN_CODES else 400


class CaseAdmin(TrackedAdmin):
    """What every queue's admin shares: the triage list, the decision page, the transitions."""

    kind_field: str
    detail_fields: list[str] = []
    serves_dashboard = False
    # What a request's pages read with it (one query); a queue adds its own foreign keys.
    case_related = ["project", "assignee", "requester", "possible_duplicate_of"]
    decision_template = "admin/moderation/decision.html"
    transition_template = "admin/moderation/transition.html"

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
    # The most pressing first: highest priority, then the earliest due (and so the oldest).
    ordering = ["-priority", "due_at", "pk"]
    # Simple-history shows who acted and why in columns of its own ("Changed by", "Change
    # reason"): naming those fields again printed raw column names beside them.
    history_list_display = ["state", "assignee"]

    # Lists -------------------------------------------------------------------------------------

    @admin.display(description="reference", ordering="pk")
    def reference(self, case):
        if case.possible_duplicate_of_id:
            # The earlier request's reference, from its id: no query per row.
            earlier = type(case).reference_of(case.possible_duplicate_of_id)
            return format_html(
                '{} <span class="duplicate" title="It may repeat {}, still open when it was '
                'filed">may repeat {}</span>',
                case.reference,
                earlier,
                earlier,
            )
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
            return format_html(
                '<span class="waiting" title="{}">waiting for {}</span>',
                when,
                state_texts.waiting_for(case.kind, case.state),
            )
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
            ("Open, unassigned or mine", DEFAULT_VIEW),
            ("Open, assigned to me", {"open": "yes", "assignee": "me"}),
            ("Open, unassigned", {"open": "yes", "assignee": "nobody"}),
            ("All open", {"open": "yes"}),
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
        """Mirror `services.engine.is_staff_for`: staff with the change permission, or admins."""
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
            self.model.objects.select_related(*self.case_related).filter(pk=int(pk)).first()
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
        triage_acts = []
        if can_triage:
            for what, act in TRIAGE.items():
                if not case.is_open and what not in CLOSED_TRIAGE:
                    continue
                if bound is not None and bound[0] == what:
                    form = bound[1]
                else:
                    form = triage_form(what, initial=self.triage_initial(request, what, case))
                url = self.url("triage", case.pk, what)
                triage_acts.append({"what": what, "act": act, "form": form, "url": url})
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": str(case),
            "case": case,
            "now": now,
            "error": error,
            "overdue": is_overdue(case, now),
            "overdue_by": describe_duration(now - case.due_at) if is_overdue(case, now) else "",
            "not_staff_turn": case.is_open and case.state in waiting_states(type(case)),
            "waiting_for": state_texts.waiting_for(case.kind, case.state),
            "kind_label": self.kind_display(case),
            "possible_duplicate": self.possible_duplicate(case),
            "fields": list(self.field_rows(case)),
            "dmca_missing": self.dmca_missing(case),
            "messages_list": list(case.messages.all()),
            "history": self.history(case),
            "staff_text": state_texts.text(case.kind, case.state).staff,
            "steps": [
                (t, self.url("transition", case.pk, t.name), self.step_refusal(case, t, now))
                for t in steps
            ],
            "admin_steps": admin_steps,
            "can_triage": can_triage,
            "triage_acts": triage_acts,
            "history_url": self.url("history", case.pk),
            "changelist_url": self.url("changelist"),
            **self.case_context(request, case, now),
        }
        request.current_app = self.admin_site.name
        return TemplateResponse(request, self.decision_template, context, status=status)

    def case_context(self, request, case, now):
        """What the decision page shows of what the request names: the affected objects, the
        impact of removing them, what the policy tells their owners, the removal events."""
        decider = Decider(case.project, None, now=now)
        return {
            "affected": self.affected(case),
            "owners": self.owners(case),
            "impact": self.impact(case, decider),
            "impacts": named(case, now, judge=False),
            "decisions": self.owner_decisions(case, decider),
            "policy": decider.config.describe(),
            "removal_events": [
                (event, reverse("admin:registry_removalevent_change", args=[event.pk]))
                for event in case.removal_events.order_by("created_at", "pk")
            ],
        }

    def step_refusal(self, case, transition, now):
        """Why `transition`, offered to this user, would be refused now (None: it would not)."""
        return None

    def triage_initial(self, request, what, case):
        if what == "assign":
            # Unassigned: the person looking at it is the likeliest to take it.
            return {"assignee": case.assignee_id or request.user.pk}
        if what == "priority":
            return {"priority": case.priority}
        if what == "recommend":
            return {"text": case.recommendation}
        return {}

    def possible_duplicate(self, case):
        """The earlier request this one may repeat, with its decision page, or None.

        Set when the request was filed (`services.submissions.possible_duplicate`): the same
        project and kind as an earlier open request, from the same person or with the same text.
        """
        other = case.possible_duplicate_of
        if other is None:
            return None
        return {"case": other, "url": self.url("change", other.pk)}

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
        """The § 512(c)(3) elements a copyright notice lacks (None: not a copyright notice)."""
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
            return owner_decision(decider, action, release=release, file=file)

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
        if transition.who == Who.OWNER and case.kind in workflow.REQUEST_KINDS:
            # A request's owners answer in their own words, from their own pages: the admin
            # never offers their step (`workflow.allowed`), nor takes it by a typed address.
            raise Http404("Only the project's owners take that step, from their own page.")
        form_class = transition_form_class(transition)
        if request.method == "POST":
            form = form_class(request.POST)
            if form.is_valid():
                data = dict(form.cleaned_data)
                try:
                    case = services.apply_transition(
                        case=case, name=name, actor=request.user, **data
                    )
                except RegistryError as error:
                    return self.transition_page(
                        request, case, transition, form, error=error, status=error_status(error)
                    )
                self.message_user(
                    request, self.transition_message(case, transition), messages.SUCCESS
                )
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
        """Say why this user cannot take `transition` now: the engine's own checks, so the
        page says what the service would say on POST."""
        try:
            engine.check_who(transition, case, request.user)
            engine.check_state(transition, case)
        except RegistryError as error:
            return error
        return None

    def transition_page(self, request, case, transition, form, *, error=None, status=200):
        if form is not None and transition.message_required:
            form.fields["reason"].help_text = (
                "Sent to the requester by email and on their private page, and recorded in the "
                "history with your name."
            )
        now = timezone.now()
        context = {
            **self.admin_site.each_context(request),
            **self.transition_context(request, case, transition, now),
            "opts": self.opts,
            "title": f"{transition.label}: {case.reference}",
            "case": case,
            "transition": transition,
            "plan": services.plan(case, transition, now),
            "impacts": (
                ASSESS_EFFECTS[transition.effect](case, now)
                if transition.effect in ASSESS_EFFECTS
                else None
            ),
            "waiting_for": state_texts.waiting_for(case.kind, case.state),
            "form": form,
            "error": error,
            "decision_url": self.url("change", case.pk),
            "changelist_url": self.url("changelist"),
            "media": self.media,
        }
        request.current_app = self.admin_site.name
        return TemplateResponse(request, self.transition_template, context, status=status)

    def transition_context(self, request, case, transition, now):
        """What a queue adds to the confirmation page of `transition` (nothing by default)."""
        return {}

    def transition_message(self, case, transition):
        message = f"{case.reference}: {state_texts.done(case.kind, transition, case.state)}"
        if transition.executes:
            events = [str(event) for event in case.removal_events.order_by("created_at", "pk")]
            if events:
                message += f" Removal events: {'; '.join(events)}."
        return message

    def dashboard_view(self, request):
        return dashboard_view(self, request)
