"""What every page about one project shares: the lookup, who may see it, and decisions in words.

A page that offers actions builds one `Decider` for the project and the person, so every action
on it is either a link to its page or the policy's refusal in words, with the rule and the
alternatives, before anyone clicks.
"""

from dataclasses import dataclass, replace
from urllib.parse import quote, urlencode

from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.views import View

from ..extensions import project_notices
from ..facts import Decider, actor_role, is_registry_admin
from ..models import Project
from ..policy import Action, ActorRole
from ..policy.wording import rule_in_words

# Who may open a project's pages at all; the Decider then says what each of them may do.
NO_ACCESS = frozenset({ActorRole.ANONYMOUS, ActorRole.OTHER})


def is_staff_viewer(user):
    """Support staff and registry admins may look at any project, removed ones included."""
    return bool(user.is_authenticated and (user.is_staff or is_registry_admin(user)))


# Decisions, as pages show them --------------------------------------------------------------------


@dataclass(frozen=True)
class ShownAlternative:
    label: str
    description: str
    url: str | None = None
    action: str = ""  # The policy's alternative id ("yank", "archive", ...).


@dataclass(frozen=True)
class ShownDecision:
    allowed: bool
    rule: str
    explanation: str
    override: bool = False
    alternatives: tuple[ShownAlternative, ...] = ()

    @property
    def rule_words(self):
        """The rule as pages name it in sentences; the id stays for support, in small print."""
        return rule_in_words(self.rule)


@dataclass(frozen=True)
class ActionLink:
    """One action on a page: its label, the page that performs it and the decision about it."""

    label: str
    url: str
    decision: ShownDecision
    danger: bool = False
    action: str = ""


def exception_request_url(project, *, release=None, file=None):
    """Return the page where maintainers ask for a deletion exception, if there is one."""
    url_name = getattr(settings, "HOLDFAST_EXCEPTION_REQUEST_URL_NAME", None)
    if not url_name:
        return None
    try:
        url = reverse(url_name, kwargs={"name": project.normalized_name})
    except NoReverseMatch:
        return None
    query = []
    if release is not None:
        query.append(("release", release.version))
    if file is not None:
        query.append(("file", file.filename))
    if query:
        url = f"{url}?{urlencode(query)}"
    return url


NO_EXCEPTION_PAGE = "Write to the registry admins directly: this site has no request form."


def admins_address():
    return getattr(settings, "HOLDFAST_MODERATION_EMAIL", "") or settings.DEFAULT_FROM_EMAIL


def admins_mailto(project, subject, question):
    """A mailto: link to the registry admins about `project`, subject and first lines filled.

    Lifting a deletion lock is an admin's own act, not a removal: the deletion-exception form
    asks why something must be removed, so asking to unlock goes to the admins' address.
    """
    address = admins_address()
    site = getattr(settings, "HOLDFAST_SITE_URL", "").rstrip("/")
    page = reverse("registry:project", kwargs={"name": project.normalized_name})
    body = f"Project: {project.name}\nPage: {site}{page}\n\n{question}\n"
    return f"mailto:{address}?{urlencode({'subject': subject, 'body': body}, quote_via=quote)}"


def present_alternative(alternative, *, project, release=None, file=None):
    url = None
    description = alternative.description
    kwargs = {"name": project.normalized_name}
    match alternative.action:
        case "yank":
            if release is not None and not release.yanked and not release.is_removed:
                url = reverse("registry:yank", kwargs={**kwargs, "version": release.version})
        case "yank_releases":
            if not project.is_removed:
                url = reverse("registry:yank_releases", kwargs=kwargs)
        case "archive":
            url = reverse("registry:archive", kwargs=kwargs)
        case "deprecate":
            url = reverse("registry:deprecate", kwargs=kwargs)
        case "transfer":
            url = reverse("registry:roles", kwargs=kwargs)
        case "unlock_by_admin":
            url = admins_mailto(
                project,
                f"Please lift the deletion lock of {project.name}",
                "Why the lock should be lifted, and what you mean to remove:",
            )
            description = f"{description} Your e-mail goes to {admins_address()}."
        case "contact_admins":
            url = admins_mailto(project, f"About the project {project.name}", "What is wrong:")
            description = f"{description} Your e-mail goes to {admins_address()}."
        case "request_exception":
            url = exception_request_url(project, release=release, file=file)
            if url is None:
                description = f"{description} {NO_EXCEPTION_PAGE}"
    return ShownAlternative(alternative.label, description, url, alternative.action)


def present(decision, *, project, release=None, file=None):
    """Turn a policy Decision into what a page shows: alternatives become links where they can."""
    return ShownDecision(
        allowed=decision.allowed,
        rule=decision.rule,
        explanation=decision.explanation,
        override=decision.override,
        alternatives=tuple(
            present_alternative(alt, project=project, release=release, file=file)
            for alt in decision.alternatives
        ),
    )


# Pages about one project --------------------------------------------------------------------------


class ProjectView(View):
    """Base of every page about one project: login, lookup by any spelling, who may see it.

    Owners and maintainers see their live projects; support staff and registry admins see any
    project (removed ones too where `allow_removed`); anyone else gets a 403 that says why.
    """

    url_name = ""
    allow_removed = False
    needs_decider = True
    decider = None

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        name = kwargs.pop("name")
        self.now = timezone.now()
        self.project = self.get_project(name)
        given = {**kwargs, "name": name}
        canonical = self.canonical_kwargs(given)
        if canonical != given and request.method in ("GET", "HEAD"):
            url = reverse(f"registry:{self.url_name}", kwargs=canonical)
            query = request.GET.urlencode()
            return redirect(f"{url}?{query}" if query else url)
        if self.needs_decider:
            self.decider = self.make_decider()
            role = self.decider.role
        else:
            role = actor_role(request.user, self.project)
        if role in NO_ACCESS:
            return self.forbidden()
        self.role = role
        return super().dispatch(request, *args, **kwargs)

    def make_decider(self):
        return Decider(self.project, self.request.user, now=self.now)

    def get_project(self, name):
        project = (
            Project.objects.select_related(
                "successor", "deletion_locked_by", "removed_by", "popularity"
            )
            .by_name(name)
            .first()
        )
        if project is None:
            raise Http404("There is no project with this name.")
        if project.is_removed and not (self.allow_removed and is_staff_viewer(self.request.user)):
            raise Http404("This project has been removed.")
        return project

    def canonical_kwargs(self, kwargs):
        """Return the URL arguments of this page's canonical address, given the ones it was
        reached by; a GET or HEAD by any other spelling is redirected there."""
        return {**kwargs, "name": self.project.normalized_name}

    def forbidden(self):
        decider = self.decider or Decider(self.project, self.request.user, now=self.now)
        decision = decider.decide(Action.MANAGE_ROLES)
        return render(
            self.request,
            "registry/forbidden.html",
            {
                "project": self.project,
                "decision": present(decision, project=self.project),
                # Another app may offer something here (e.g. asking for a quiet project's name).
                "notices": project_notices(self.project, self.request.user),
            },
            status=403,
        )

    def url(self, url_name, **kwargs):
        return reverse(
            f"registry:{url_name}", kwargs={"name": self.project.normalized_name, **kwargs}
        )

    # `Action` values another app's notice hides on this page (see registry/extensions.py).
    hidden_actions = frozenset()
    # The alternatives to a refusal that are themselves actions, hidden with them.
    ALTERNATIVE_ACTIONS = {
        "yank": Action.YANK,
        "archive": Action.ARCHIVE,
        "deprecate": Action.DEPRECATE,
        "transfer": Action.MANAGE_ROLES,
    }

    def link(self, action, label, url, *, release=None, file=None, danger=False):
        """The action as a page offers it, or None while a notice hides it."""
        if Action(action) in self.hidden_actions:
            return None
        decision = self.decider.decide(action, release=release, file=file)
        shown = present(decision, project=self.project, release=release, file=file)
        if self.hidden_actions:
            shown = replace(
                shown,
                alternatives=tuple(
                    alt
                    for alt in shown.alternatives
                    if self.ALTERNATIVE_ACTIONS.get(alt.action) not in self.hidden_actions
                ),
            )
        return ActionLink(label, url, shown, danger=danger, action=Action(action).value)
