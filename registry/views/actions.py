"""What every action page shares: the decision before the form, the service call after it.

Views change nothing themselves: the action pages call `registry.services`, which decide again
inside their own transaction and record the reason.
"""

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render

from .. import services
from ..facts import is_registry_admin
from ..forms import ReasonForm
from ..impact import impact_of
from ..models import Release, RemovalCategory
from ..policy import Action
from .base import ProjectView, present
from .projects import release_page_url


class ActionView(ProjectView):
    """A page that shows what an action will do and the decision; its form performs it.

    GET shows the decision (and the form only if the action is allowed now). POST refuses with
    403 when the decision refuses, re-renders form errors with 200, and otherwise calls the
    service: a PolicyRefusal is a 403, another RegistryError a 400, and nothing changes.
    """

    template_name = "registry/action.html"
    action: Action
    form_class = ReasonForm
    title = ""
    submit_label = ""
    danger = False
    reason_help = None
    release = None
    file = None

    # Hooks ------------------------------------------------------------------------------------

    def get_decision(self):
        return self.decider.decide(self.action, release=self.release, file=self.file)

    def notice(self):
        """Say why the action does not apply to the current state (e.g. already archived)."""
        return None

    def describe(self):
        """Return context for what the action will do: lead, items, warning."""
        return {}

    def impact_subject(self):
        """Return what the action would affect, as `impact_of` keywords (`{}` for the whole
        project, `{"release": ...}`, `{"files": [...]}`), or None on a page without an impact
        summary."""
        return None

    def impact(self):
        """The impact summary of this page, computed once per request (a fixed few queries)."""
        if not hasattr(self, "_impact"):
            subject = self.impact_subject()
            self._impact = (
                None if subject is None else impact_of(self.project, now=self.now, **subject)
            )
        return self._impact

    def refusal_for(self, form):
        """Return a refused Decision about what the valid `form` chose, or None: for a choice
        the page-wide decision cannot judge alone (several files removed together)."""
        return None

    def form_kwargs(self):
        return {"project": self.project, "reason_help": self.reason_help}

    def perform(self, form):
        """Call the service; return the message to show afterwards."""
        raise NotImplementedError

    def success_url(self):
        return self.url("project")

    # Handlers ---------------------------------------------------------------------------------

    def get(self, request, **kwargs):
        return self.render(self.form_class(**self.form_kwargs()))

    def post(self, request, **kwargs):
        decision = self.get_decision()
        if not decision.allowed:
            return self.render(None, decision=decision, status=403)
        form = self.form_class(request.POST, **self.form_kwargs())
        if not form.is_valid():
            return self.render(form)
        refusal = self.refusal_for(form)
        if refusal is not None:
            return self.render(None, decision=refusal, status=403)
        try:
            message = self.perform(form)
        except services.PolicyRefusal as refusal:
            return self.render(None, decision=refusal.decision, status=403)
        except services.RegistryError as error:
            return self.render(form, error=error.message, status=400)
        messages.success(request, message)
        return redirect(self.success_url())

    def removal_category(self):
        return RemovalCategory.ADMIN if is_registry_admin(self.request.user) else None

    def render(self, form, *, decision=None, error=None, status=200):
        decision = decision or self.get_decision()
        notice = self.notice()
        shown = present(decision, project=self.project, release=self.release, file=self.file)
        context = {
            "project": self.project,
            "release": self.release,
            "file": self.file,
            "title": self.title,
            "decision": shown,
            "notice": notice,
            "error": error,
            "form": form if decision.allowed and not notice and form is not None else None,
            "submit_label": self.submit_label,
            "danger": self.danger,
            "cancel_url": self.url("project"),
            "impact": self.impact(),
            **self.describe(),
        }
        return render(self.request, self.template_name, context, status=status)


class ReleaseActionView(ActionView):
    """An action on one live release, found by its version (any spelling of it)."""

    def dispatch(self, request, *args, **kwargs):
        self.version = kwargs.get("version", "")
        return super().dispatch(request, *args, **kwargs)

    def get_project(self, name):
        project = super().get_project(name)
        self.release = self.get_release(project, self.version)
        return project

    def get_release(self, project, version):
        release = Release.objects.filter(project=project).live().by_version(version).first()
        if release is None:
            raise Http404("This project has no live release with this version.")
        release.project = project
        return release

    def success_url(self):
        # Back to the page of releases that shows this one, where the person acted from.
        return release_page_url(self, self.release)

    def canonical_kwargs(self, kwargs):
        # The version as uploaded, as every link to the release spells it: `1.0`, not `1.0.0`.
        return {**super().canonical_kwargs(kwargs), "version": self.release.version}
