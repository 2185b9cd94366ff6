"""The maintainers' pages: their projects, each project's state and history, and its actions.

A page that offers actions builds one `Decider` for the project and the person, so every action
on it is either a link to its page or the policy's refusal in words, with the rule and the
alternatives, before anyone clicks. Views change nothing themselves: the action pages call
`registry.services`, which decide again inside their own transaction and record the reason.
"""

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, Prefetch, Q
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.views import View

from . import policy, services
from .facts import Decider, actor_role, dependents_of, is_registry_admin
from .forms import AddRoleForm, ConfirmNameForm, DeprecateForm, ReasonForm, RemoveFilesForm
from .models import (
    File,
    Project,
    ProjectStatus,
    Release,
    RemovalCategory,
    RemovalEvent,
    RemovalScope,
    Role,
    RoleName,
)
from .policy import Action, ActorRole
from .validators import canonical_version, normalize_project_name, parse_version

RELEASES_PER_PAGE = 50
DEPENDENTS_SHOWN = 50
PROJECTS_PER_PAGE = 50
TIMELINE_PER_PAGE = 50

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


@dataclass(frozen=True)
class ShownDecision:
    allowed: bool
    rule: str
    explanation: str
    override: bool = False
    alternatives: tuple[ShownAlternative, ...] = ()


@dataclass(frozen=True)
class ActionLink:
    """One action on a page: its label, the page that performs it and the decision about it."""

    label: str
    url: str
    decision: ShownDecision
    danger: bool = False


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


def present_alternative(alternative, *, project, release=None, file=None):
    url = None
    description = alternative.description
    kwargs = {"name": project.normalized_name}
    match alternative.action:
        case "yank":
            if release is not None and not release.yanked and not release.is_removed:
                url = reverse("registry:yank", kwargs={**kwargs, "version": release.version})
        case "archive":
            url = reverse("registry:archive", kwargs=kwargs)
        case "deprecate":
            url = reverse("registry:deprecate", kwargs=kwargs)
        case "transfer":
            url = reverse("registry:roles", kwargs=kwargs)
        case "request_exception":
            url = exception_request_url(project, release=release, file=file)
            if url is None:
                description = f"{description} {NO_EXCEPTION_PAGE}"
    return ShownAlternative(alternative.label, description, url)


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


# Your projects ----------------------------------------------------------------------------------


@login_required
def projects(request):
    """List the person's projects (live ones paginated, newest first; removed ones apart)."""
    wanted = request.GET.get("project", "").strip()
    if wanted and is_staff_viewer(request.user):
        return redirect("registry:project", name=normalize_project_name(wanted))
    roles = (
        Role.objects.active()
        .filter(user=request.user)
        .select_related("project")
        .annotate(
            release_count=Count(
                "project__releases", filter=Q(project__releases__removed_at__isnull=True)
            )
        )
        .order_by("-project__created_at", "-project_id")
    )
    page = Paginator(roles.filter(project__removed_at__isnull=True), PROJECTS_PER_PAGE).get_page(
        request.GET.get("page")
    )
    removed = list(roles.filter(project__removed_at__isnull=False))
    return render(
        request,
        "registry/projects.html",
        {"page": page, "removed": removed, "staff": is_staff_viewer(request.user)},
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
        if name != self.project.normalized_name and request.method in ("GET", "HEAD"):
            url = reverse(
                f"registry:{self.url_name}",
                kwargs={**kwargs, "name": self.project.normalized_name},
            )
            query = request.GET.urlencode()
            return redirect(f"{url}?{query}" if query else url)
        if self.needs_decider:
            self.decider = Decider(self.project, request.user, now=self.now)
            role = self.decider.role
        else:
            role = actor_role(request.user, self.project)
        if role in NO_ACCESS:
            return self.forbidden()
        self.role = role
        return super().dispatch(request, *args, **kwargs)

    def get_project(self, name):
        project = (
            Project.objects.select_related("successor", "deletion_locked_by", "removed_by")
            .filter(normalized_name=normalize_project_name(name))
            .first()
        )
        if project is None:
            raise Http404("There is no project with this name.")
        if project.is_removed and not (self.allow_removed and is_staff_viewer(self.request.user)):
            raise Http404("This project has been removed.")
        return project

    def forbidden(self):
        decider = self.decider or Decider(self.project, self.request.user, now=self.now)
        decision = decider.decide(Action.MANAGE_ROLES)
        return render(
            self.request,
            "registry/forbidden.html",
            {"project": self.project, "decision": present(decision, project=self.project)},
            status=403,
        )

    def url(self, url_name, **kwargs):
        return reverse(
            f"registry:{url_name}", kwargs={"name": self.project.normalized_name, **kwargs}
        )

    def link(self, action, label, url, *, release=None, file=None, danger=False):
        decision = self.decider.decide(action, release=release, file=file)
        return ActionLink(
            label,
            url,
            present(decision, project=self.project, release=release, file=file),
            danger=danger,
        )


@dataclass
class FileRow:
    file: File
    remove: ActionLink | None = None
    same_as_above: bool = False


@dataclass
class ReleaseRow:
    release: Release
    files: list[FileRow] = field(default_factory=list)
    yank: ActionLink | None = None
    remove: ActionLink | None = None
    remove_several_url: str | None = None


class ProjectDetailView(ProjectView):
    """The project: status, lock, people, every release and file, and every action's decision."""

    url_name = "project"
    allow_removed = True

    def get(self, request):
        project = self.project
        roles = list(
            Role.objects.active()
            .filter(project=project)
            .select_related("user")
            .order_by("role", "user__username")
        )
        releases = (
            Release.objects.filter(project=project)
            .select_related("yanked_by")
            .order_by("-created_at", "-pk")
            .prefetch_related(
                Prefetch(
                    "files",
                    queryset=File.objects.defer("core_metadata").order_by(
                        "packagetype", "filename"
                    ),
                )
            )
        )
        page = Paginator(releases, RELEASES_PER_PAGE).get_page(request.GET.get("page"))
        live = not project.is_removed
        return render(
            request,
            "registry/project.html",
            {
                "project": project,
                "role": self.role,
                "owners": [r for r in roles if r.role == RoleName.OWNER],
                "maintainers": [r for r in roles if r.role == RoleName.MAINTAINER],
                "page": page,
                "rows": [self.release_row(release) for release in page],
                "actions": self.project_actions() if live else [],
                "unlock": self.unlock_decision() if live and project.deletion_locked else None,
                "policy": self.decider.config.describe(),
                "dependents": list(
                    dependents_of(project).order_by("normalized_name")[:DEPENDENTS_SHOWN]
                ),
                "dependents_count": self.decider.facts.dependent_projects,
                "dependents_more": max(0, self.decider.facts.dependent_projects - DEPENDENTS_SHOWN),
            },
        )

    def staged_removal_url(self):
        """The moderation app's page for a staged removal, if one is configured."""
        name = getattr(settings, "HOLDFAST_STAGED_REMOVAL_URL_NAME", None)
        if not name:
            return None
        try:
            return reverse(name, kwargs={"name": self.project.normalized_name})
        except NoReverseMatch:
            return None

    def project_actions(self):
        status = self.project.status
        actions = [
            self.link(Action.MANAGE_ROLES, "Manage owners and maintainers", self.url("roles"))
        ]
        if status == ProjectStatus.ARCHIVED:
            actions.append(self.link(Action.UNARCHIVE, "Unarchive", self.url("unarchive")))
        else:
            actions.append(self.link(Action.ARCHIVE, "Archive", self.url("archive")))
        if status == ProjectStatus.DEPRECATED:
            actions.append(
                self.link(Action.UNDEPRECATE, "Lift the deprecation", self.url("undeprecate"))
            )
        else:
            actions.append(self.link(Action.DEPRECATE, "Deprecate", self.url("deprecate")))
        staged_url = self.staged_removal_url()
        if staged_url and self.project.pending_removal_at is None:
            actions.append(
                self.link(Action.DEPRECATE, "Deprecate and schedule removal", staged_url)
            )
        if not self.project.deletion_locked:
            actions.append(
                self.link(Action.LOCK_DELETIONS, "Lock deletions", self.url("lock"), danger=True)
            )
        actions.append(
            self.link(Action.DELETE_PROJECT, "Remove the project", self.url("remove"), danger=True)
        )
        return actions

    def unlock_decision(self):
        decision = present(self.decider.decide(Action.UNLOCK_DELETIONS), project=self.project)
        admin_url = None
        if decision.allowed:
            try:
                admin_url = reverse("admin:registry_project_change", args=[self.project.pk])
            except NoReverseMatch:
                admin_url = None
        return {"decision": decision, "admin_url": admin_url}

    def release_row(self, release):
        row = ReleaseRow(release)
        live_release = not release.is_removed and not self.project.is_removed
        version = {"version": release.version}
        previous = None
        for file in release.files.all():
            file_row = FileRow(file)
            if live_release and not file.is_removed:
                file_row.remove = self.link(
                    Action.DELETE_FILE,
                    "Remove this file",
                    f"{self.url('remove_files', **version)}?{urlencode({'file': file.filename})}",
                    release=release,
                    file=file,
                    danger=True,
                )
                # Refusals of sibling files usually differ only by the filename: say it once.
                shown = file_row.remove.decision
                # Alternatives' links carry the filename too, so compare what they say.
                key = (
                    shown.rule,
                    shown.explanation.replace(file.filename, "…"),
                    tuple((alt.label, alt.description) for alt in shown.alternatives),
                )
                file_row.same_as_above = not shown.allowed and previous == key
                previous = key
            row.files.append(file_row)
        if not live_release:
            return row
        if release.yanked:
            row.yank = self.link(
                Action.UNYANK, "Un-yank", self.url("unyank", **version), release=release
            )
        else:
            row.yank = self.link(Action.YANK, "Yank", self.url("yank", **version), release=release)
        row.remove = self.link(
            Action.DELETE_RELEASE,
            "Remove this release",
            self.url("remove_release", **version),
            release=release,
            danger=True,
        )
        live_files = [f for f in row.files if f.remove is not None]
        if len(live_files) > 1 and any(f.remove.decision.allowed for f in live_files):
            row.remove_several_url = self.url("remove_files", **version)
        return row


# Action pages -------------------------------------------------------------------------------------


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
        releases = Release.objects.filter(project=project, removed_at__isnull=True)
        release = releases.filter(version=version).first()
        if release is None:
            try:
                canonical = canonical_version(parse_version(version))
            except ValidationError:
                raise Http404("There is no such version.") from None
            release = releases.filter(canonical_version=canonical).first()
        if release is None:
            raise Http404("This project has no live release with this version.")
        release.project = project
        return release


class RemoveProjectView(ActionView):
    url_name = "remove"
    action = Action.DELETE_PROJECT
    form_class = ConfirmNameForm
    title = "Remove the project"
    submit_label = "Remove the project"
    danger = True

    def describe(self):
        facts = self.decider.facts
        files = sum(len(release.files) for release in facts.releases)
        name_rule = policy.reservation_for_removed_project(
            project=facts, now=self.now, config=self.decider.config
        )
        return {
            "lead": [
                f"Removing {self.project.name} takes it off the index with its "
                f"{len(facts.releases)} live release(s) and {files} file(s). Installers that "
                "depend on it will fail to find it.",
                name_rule.explanation,
                "Versions and filenames are never reusable. Only a registry admin can restore "
                "a removed project.",
            ],
            "warning": "Removal takes the project away from everyone who depends on it. "
            "Archiving or deprecating it keeps their installs working.",
        }

    def perform(self, form):
        services.remove_project(
            project=self.project,
            actor=self.request.user,
            reason=form.cleaned_data["reason"],
            category=self.removal_category(),
            now=self.now,
        )
        return (
            f"Removed {self.project.name}. Only a registry admin can restore it; write to "
            "them if this was a mistake."
        )

    def success_url(self):
        return reverse("registry:projects")


class RemoveReleaseView(ReleaseActionView):
    url_name = "remove_release"
    action = Action.DELETE_RELEASE
    form_class = ConfirmNameForm
    title = "Remove a release"
    submit_label = "Remove this release"
    danger = True

    def describe(self):
        filenames = list(
            self.release.files.filter(removed_at__isnull=True)
            .order_by("filename")
            .values_list("filename", flat=True)
        )
        return {
            "lead": [
                f"Removing release {self.release.version} of {self.project.name} takes it and "
                f"its {len(filenames)} file(s) off the index. The version and the filenames can "
                "never be uploaded again; only a registry admin can restore the release.",
                "Yanking it instead keeps exact pins working and can be undone.",
            ],
            "items_title": "Files that will be removed",
            "items": filenames,
        }

    def perform(self, form):
        services.remove_release(
            release=self.release,
            actor=self.request.user,
            reason=form.cleaned_data["reason"],
            category=self.removal_category(),
            now=self.now,
        )
        return f"Removed release {self.release.version} of {self.project.name}."


class RemoveFilesView(ReleaseActionView):
    """Remove one file or several of a release (chosen with checkboxes)."""

    url_name = "remove_files"
    action = Action.DELETE_FILE
    form_class = RemoveFilesForm
    title = "Remove files"
    submit_label = "Remove the chosen files"
    danger = True
    template_name = "registry/remove_files.html"

    def get_release(self, project, version):
        release = super().get_release(project, version)
        self.files = list(
            release.files.filter(removed_at__isnull=True)
            .defer("core_metadata")
            .order_by("packagetype", "filename")
        )
        return release

    def file_decisions(self):
        if not hasattr(self, "_file_decisions"):
            self._file_decisions = [
                (file, self.decider.decide(Action.DELETE_FILE, release=self.release, file=file))
                for file in self.files
            ]
        return self._file_decisions

    def get_decision(self):
        decisions = [decision for _file, decision in self.file_decisions()]
        allowed = [decision for decision in decisions if decision.allowed]
        if allowed:
            return next((d for d in allowed if d.override), allowed[0])
        if decisions:
            return decisions[0]
        # Nothing left to remove: ask about the release so the page still says who may act.
        return self.decider.decide(Action.DELETE_RELEASE, release=self.release)

    def notice(self):
        if not self.files:
            return f"Release {self.release.version} has no files left to remove."
        return None

    def form_kwargs(self):
        allowed = [file.filename for file, decision in self.file_decisions() if decision.allowed]
        return {**super().form_kwargs(), "filenames": allowed}

    def get(self, request, **kwargs):
        chosen = request.GET.getlist("file")
        form = self.form_class(initial={"files": chosen}, **self.form_kwargs())
        return self.render(form)

    def describe(self):
        return {
            "lead": [
                "Removed files disappear from the index. Their filenames can never be uploaded "
                "again; only a registry admin can restore them.",
                "Yanking the release instead keeps exact pins working and can be undone.",
            ],
            "file_rows": [
                {
                    "file": file,
                    "decision": present(
                        decision, project=self.project, release=self.release, file=file
                    ),
                }
                for file, decision in self.file_decisions()
            ],
        }

    def perform(self, form):
        chosen = set(form.cleaned_data["files"])
        files = [file for file in self.files if file.filename in chosen]
        services.remove_files(
            files=files,
            actor=self.request.user,
            reason=form.cleaned_data["reason"],
            category=self.removal_category(),
            now=self.now,
        )
        names = ", ".join(sorted(chosen))
        return f"Removed {len(files)} file(s) of {self.project.name}: {names}."


class YankView(ReleaseActionView):
    url_name = "yank"
    action = Action.YANK
    title = "Yank a release"
    submit_label = "Yank this release"
    reason_help = "Shown to installers as the yank reason, and recorded in the history."

    def notice(self):
        if self.release.yanked:
            return f"Release {self.release.version} is already yanked."
        return None

    def describe(self):
        return {
            "lead": [
                f"Installers will skip {self.project.name} {self.release.version} unless it is "
                "pinned exactly (PEP 592). Its files stay available, and you can un-yank it "
                "later."
            ]
        }

    def perform(self, form):
        services.yank_release(
            release=self.release,
            actor=self.request.user,
            reason=form.cleaned_data["reason"],
            now=self.now,
        )
        return f"Yanked {self.project.name} {self.release.version}."


class UnyankView(ReleaseActionView):
    url_name = "unyank"
    action = Action.UNYANK
    title = "Un-yank a release"
    submit_label = "Un-yank this release"

    def notice(self):
        if not self.release.yanked:
            return f"Release {self.release.version} is not yanked."
        return None

    def describe(self):
        return {
            "lead": [
                f"Installers will choose {self.project.name} {self.release.version} again like "
                "any other release."
            ]
        }

    def perform(self, form):
        services.unyank_release(
            release=self.release,
            actor=self.request.user,
            reason=form.cleaned_data["reason"],
            now=self.now,
        )
        return f"Un-yanked {self.project.name} {self.release.version}."


class ArchiveView(ActionView):
    url_name = "archive"
    action = Action.ARCHIVE
    title = "Archive the project"
    submit_label = "Archive"
    reason_help = "Shown to installers next to the archived status, and recorded in the history."

    def notice(self):
        if self.project.status == ProjectStatus.ARCHIVED:
            return f"{self.project.name} is already archived."
        return None

    def describe(self):
        return {
            "lead": [
                "Installers will see the project as archived (PEP 792): its files stay "
                "installable, new uploads are refused. You can unarchive it at any time."
            ]
        }

    def perform(self, form):
        services.archive_project(
            project=self.project,
            actor=self.request.user,
            reason=form.cleaned_data["reason"],
            now=self.now,
        )
        return f"Archived {self.project.name}."


class UnarchiveView(ActionView):
    url_name = "unarchive"
    action = Action.UNARCHIVE
    title = "Unarchive the project"
    submit_label = "Unarchive"

    def notice(self):
        if self.project.status != ProjectStatus.ARCHIVED:
            return f"{self.project.name} is not archived."
        return None

    def describe(self):
        return {"lead": ["The project becomes active again and accepts uploads."]}

    def perform(self, form):
        services.unarchive_project(
            project=self.project,
            actor=self.request.user,
            reason=form.cleaned_data["reason"],
            now=self.now,
        )
        return f"{self.project.name} is active again."


class DeprecateView(ActionView):
    url_name = "deprecate"
    action = Action.DEPRECATE
    form_class = DeprecateForm
    title = "Deprecate the project"
    submit_label = "Deprecate"

    def get(self, request, **kwargs):
        initial = {}
        if self.project.status == ProjectStatus.DEPRECATED:
            initial["message"] = self.project.status_reason
            if self.project.successor is not None:
                initial["successor"] = self.project.successor.name
        return self.render(self.form_class(initial=initial, **self.form_kwargs()))

    def describe(self):
        return {
            "lead": [
                "Installers will see the project as deprecated (PEP 792) with your message "
                "and, if you name one, its successor. Its files stay installable and you can "
                "lift the deprecation later."
            ]
        }

    def perform(self, form):
        services.deprecate_project(
            project=self.project,
            message=form.cleaned_data["message"],
            successor=form.cleaned_data["successor"],
            actor=self.request.user,
            reason=form.cleaned_data["reason"],
            now=self.now,
        )
        return f"Deprecated {self.project.name}."


class UndeprecateView(ActionView):
    url_name = "undeprecate"
    action = Action.UNDEPRECATE
    title = "Lift the deprecation"
    submit_label = "Lift the deprecation"

    def notice(self):
        if self.project.status != ProjectStatus.DEPRECATED:
            return f"{self.project.name} is not deprecated."
        return None

    def describe(self):
        return {"lead": ["The project becomes active again; the deprecation message goes."]}

    def perform(self, form):
        services.undeprecate_project(
            project=self.project,
            actor=self.request.user,
            reason=form.cleaned_data["reason"],
            now=self.now,
        )
        return f"{self.project.name} is no longer deprecated."


class LockDeletionsView(ActionView):
    url_name = "lock"
    action = Action.LOCK_DELETIONS
    form_class = ConfirmNameForm
    title = "Lock deletions"
    submit_label = "Lock deletions for good"
    danger = True

    def notice(self):
        project = self.project
        if project.deletion_locked:
            by = f" by {project.deletion_locked_by}" if project.deletion_locked_by else ""
            return (
                f"Deletions of {project.name} are already locked (since "
                f"{project.deletion_locked_at:%Y-%m-%d %H:%M} UTC{by}). Only a registry admin "
                "can turn it off."
            )
        return None

    def describe(self):
        return {
            "lead": [
                f"Once the lock is on, no owner can remove {self.project.name}'s releases or "
                "files, nor the project itself. Yanking, archiving and deprecating still work."
            ],
            "warning": "This is one-way. Only a registry admin can turn it off.",
        }

    def perform(self, form):
        services.lock_deletions(
            project=self.project,
            actor=self.request.user,
            reason=form.cleaned_data["reason"],
            now=self.now,
        )
        return f"Deletions of {self.project.name} are locked. Only a registry admin can unlock."


class RolesView(ActionView):
    """Who owns and maintains the project; owners add people or change their role here."""

    url_name = "roles"
    action = Action.MANAGE_ROLES
    form_class = AddRoleForm
    title = "Owners and maintainers"
    submit_label = "Add or change the role"
    template_name = "registry/roles.html"

    def describe(self):
        roles = list(
            Role.objects.active()
            .filter(project=self.project)
            .select_related("user")
            .order_by("role", "user__username")
        )
        owners = sum(1 for role in roles if role.role == RoleName.OWNER)
        manage = self.get_decision().allowed
        rows = []
        for role in roles:
            mine = role.user_id == self.request.user.pk
            last_owner = role.role == RoleName.OWNER and owners == 1
            leaving = mine and role.role == RoleName.MAINTAINER
            rows.append(
                {
                    "role": role,
                    "last_owner": last_owner,
                    "remove_url": self.url("remove_role", username=role.user.get_username())
                    if (manage or leaving) and not last_owner
                    else None,
                    "mine": mine,
                }
            )
        return {"roles": rows}

    def perform(self, form):
        user = form.cleaned_data["username"]
        role = form.cleaned_data["role"]
        services.add_role(
            project=self.project,
            user=user,
            role=role,
            actor=self.request.user,
            reason=form.cleaned_data["reason"],
            now=self.now,
        )
        return f"{user} is now {RoleName(role).label.lower()} of {self.project.name}."

    def success_url(self):
        return self.url("roles")


class RemoveRoleView(ActionView):
    url_name = "remove_role"
    action = Action.MANAGE_ROLES
    title = "Remove a role"
    submit_label = "Remove the role"
    danger = True

    def dispatch(self, request, *args, **kwargs):
        self.username = kwargs.get("username", "")
        return super().dispatch(request, *args, **kwargs)

    def get_project(self, name):
        project = super().get_project(name)
        roles = list(Role.objects.active().filter(project=project).select_related("user"))
        self.target = next((r for r in roles if r.user.get_username() == self.username), None)
        if self.target is None:
            raise Http404("This person has no role on the project.")
        self.owner_count = sum(1 for r in roles if r.role == RoleName.OWNER)
        return project

    @property
    def leaving(self):
        """Maintainers may leave a project themselves; the service allows it whatever else."""
        return (
            self.target.user_id == self.request.user.pk and self.target.role == RoleName.MAINTAINER
        )

    def get_decision(self):
        if self.leaving:
            return policy.Decision(
                allowed=True,
                rule="",
                explanation="Maintainers may leave a project at any time.",
            )
        return super().get_decision()

    def notice(self):
        target = self.target
        if target.role == RoleName.OWNER and self.owner_count == 1:
            return (
                f"{target.user} is the only owner of {self.project.name}, and a project always "
                f"needs an owner. Add another owner first; then {target.user} can leave."
            )
        return None

    def describe(self):
        target = self.target
        return {
            "lead": [
                f"{target.user} will no longer be {target.get_role_display().lower()} of "
                f"{self.project.name}. They can be added again later."
            ]
        }

    def perform(self, form):
        services.remove_role(
            project=self.project,
            user=self.target.user,
            actor=self.request.user,
            reason=form.cleaned_data["reason"],
            now=self.now,
        )
        return f"{self.target.user} no longer has a role on {self.project.name}."

    def success_url(self):
        if self.leaving:
            return reverse("registry:projects")
        return self.url("roles")


# The timeline -------------------------------------------------------------------------------------

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


@dataclass(frozen=True)
class Entry:
    """One line of a project's history: who did what, when, and why."""

    when: datetime
    rank: int  # Which history table; with history_id, orders rows written at the same instant.
    history_id: int
    actor: str
    text: str
    reason: str

    @property
    def key(self):
        return (self.when, self.rank, self.history_id)

    @property
    def cursor(self):
        micros = (self.when - EPOCH) // timedelta(microseconds=1)
        return f"{micros}.{self.rank}.{self.history_id}"


def parse_cursor(text):
    """Return (when, rank, history_id) from a `before` cursor, or None if it does not parse."""
    try:
        micros, rank, history_id = (int(part) for part in text.split("."))
        return EPOCH + timedelta(microseconds=micros), rank, history_id
    except (ValueError, OverflowError):
        return None


def _actor(row):
    return row.history_user_username or "someone (not recorded)"


def _username(user, user_id):
    return user.get_username() if user is not None else f"user #{user_id} (deleted)"


STATUS_CHANGES = {
    (ProjectStatus.ARCHIVED, ProjectStatus.ACTIVE): "unarchived the project",
    (ProjectStatus.DEPRECATED, ProjectStatus.ACTIVE): "lifted the deprecation",
    (ProjectStatus.QUARANTINED, ProjectStatus.ACTIVE): "lifted the quarantine",
}


def describe_project(row, prev):
    if row.history_type == "+":
        return f"created the project {row.name}"
    if prev is None:
        state = [f"status {row.status}"]
        if row.deletion_locked:
            state.append("deletion lock on")
        if row.removed_at:
            state.append("removed")
        return f"changed the project (now {', '.join(state)})"
    if prev.removed_at is not None and row.removed_at is None:
        if row.created_at != prev.created_at:
            return f"registered the name {row.name} again, as a new project"
        return "restored the project"
    changes = []
    if prev.removed_at is None and row.removed_at is not None:
        changes.append("removed the project")
    if not prev.deletion_locked and row.deletion_locked:
        changes.append("turned on the deletion lock")
    if prev.deletion_locked and not row.deletion_locked:
        changes.append("lifted the deletion lock")
    if row.status != prev.status or (
        row.status == ProjectStatus.DEPRECATED
        and (row.status_reason, row.successor_id) != (prev.status_reason, prev.successor_id)
    ):
        changes.append(describe_status(row, prev))
    if row.name != prev.name:
        changes.append(f"renamed the project from {prev.name} to {row.name}")
    return "; ".join(changes) or "changed the project"


def describe_status(row, prev):
    if row.status == ProjectStatus.DEPRECATED:
        text = f"deprecated the project: “{row.status_reason}”"
        if row.successor_id:
            successor = row.successor.name if row.successor else f"project #{row.successor_id}"
            text += f" (successor: {successor})"
        return text
    if row.status == ProjectStatus.ARCHIVED:
        return "archived the project"
    if row.status == ProjectStatus.QUARANTINED:
        return "quarantined the project"
    fixed = STATUS_CHANGES.get((prev.status, row.status))
    return fixed or f"changed the status from {prev.status} to {row.status}"


def describe_release(row, prev):
    version = row.version
    if row.history_type == "+":
        return f"created release {version}"
    if prev is not None:
        if prev.removed_at is None and row.removed_at is not None:
            return f"removed release {version}"
        if prev.removed_at is not None and row.removed_at is None:
            return f"restored release {version}"
        if not prev.yanked and row.yanked:
            return f"yanked {version}"
        if prev.yanked and not row.yanked:
            return f"un-yanked {version}"
        return f"changed release {version}"
    # The previous record is older than this page: say what the release became.
    if row.removed_at is not None:
        return f"removed release {version}"
    if row.yanked:
        return f"yanked {version}"
    return f"un-yanked or restored release {version} (it is now live and not yanked)"


def describe_file(row, prev):
    if row.history_type == "+":
        return f"uploaded {row.filename}"
    # Files only change by removal, purge and restore, so the row's own state says which.
    if row.purged_at is not None and (prev is None or prev.purged_at is None):
        return f"purged {row.filename} (its bytes were destroyed)"
    if row.removed_at is not None:
        return f"removed file {row.filename}"
    return f"restored file {row.filename}"


def describe_role(row, prev):
    who = _username(row.user, row.user_id)
    role = RoleName(row.role).label.lower() if row.role in RoleName.values else row.role
    if row.history_type == "+":
        return f"gave {who} the {role} role"
    if row.ended_at is not None:
        if row.history_user_id is not None and row.history_user_id == row.user_id:
            return f"left the project (was {role})"
        return f"removed {who} as {role}"
    if prev is not None and prev.ended_at is None and prev.role != row.role:
        return f"made {who} {role} (was {prev.role})"
    return f"gave {who} the {role} role"


def _removal_what(row):
    summary = row.summary or {}
    files = summary.get("files") or []
    releases = summary.get("releases") or []
    if row.scope == RemovalScope.PROJECT:
        return (
            f"the project {summary.get('project', '')} with {len(releases)} release(s) and "
            f"{len(files)} file(s)"
        )
    if row.scope == RemovalScope.RELEASE:
        return f"release {', '.join(releases)} with {len(files)} file(s)"
    shown = ", ".join(files[:5]) + (f" and {len(files) - 5} more" if len(files) > 5 else "")
    return f"{len(files)} file(s): {shown}"


def describe_removal(row, prev):
    what = _removal_what(row)
    if row.history_type == "+":
        category = RemovalCategory(row.category).label if row.category else ""
        rule = row.policy_rule or "none"
        override = ", an admin override" if row.is_override else ""
        return f"removed {what} ({category}; rule {rule}{override})"
    if row.restored_at is not None:
        return f"restored {what}, removed on {row.created_at:%Y-%m-%d %H:%M} UTC"
    return f"changed the removal of {what}"


def timeline_sources(project):
    """The history tables of a project, each with its rank and the way to describe a row."""
    return [
        (
            Project.history.filter(id=project.pk).select_related("successor"),
            describe_project,
        ),
        (Role.history.filter(project_id=project.pk).select_related("user"), describe_role),
        (Release.history.filter(project_id=project.pk), describe_release),
        (
            File.history.filter(release__project_id=project.pk).defer("core_metadata"),
            describe_file,
        ),
        (RemovalEvent.history.filter(project_id=project.pk), describe_removal),
    ]


def timeline_page(project, *, before=None, size=TIMELINE_PER_PAGE):
    """Return (entries, next cursor or None): one query per history table, whatever the size.

    Each table gives at most size + 1 rows older than the cursor, newest first; merged, the
    first `size` are the page. An older row of the same object among those fetched is its
    previous record, so most changes are described exactly without a query per row.
    """
    entries = []
    for rank, (queryset, describe) in enumerate(timeline_sources(project)):
        if before is not None:
            when, cursor_rank, cursor_id = before
            if rank < cursor_rank:
                queryset = queryset.filter(history_date__lte=when)
            elif rank == cursor_rank:
                queryset = queryset.filter(
                    Q(history_date__lt=when) | Q(history_date=when, history_id__lt=cursor_id)
                )
            else:
                queryset = queryset.filter(history_date__lt=when)
        rows = list(queryset.order_by("-history_date", "-history_id")[: size + 1])
        for index, row in enumerate(rows):
            prev = next((older for older in rows[index + 1 :] if older.id == row.id), None)
            entries.append(
                Entry(
                    when=row.history_date,
                    rank=rank,
                    history_id=row.history_id,
                    actor=_actor(row),
                    text=describe(row, prev),
                    reason=row.history_change_reason or "",
                )
            )
    entries.sort(key=lambda entry: entry.key, reverse=True)
    page, more = entries[:size], len(entries) > size
    return page, (page[-1].cursor if more and page else None)


class HistoryView(ProjectView):
    """The project's timeline: who did what, when and why, newest first."""

    url_name = "history"
    allow_removed = True
    needs_decider = False

    def get(self, request):
        before = parse_cursor(request.GET.get("before", ""))
        entries, next_cursor = timeline_page(self.project, before=before)
        return render(
            request,
            "registry/history.html",
            {
                "project": self.project,
                "entries": entries,
                "next_cursor": next_cursor,
                "paged": before is not None,
            },
        )
