"""The person's projects, and one project's page: status, people, releases, files, actions."""

from dataclasses import dataclass, field
from urllib.parse import urlencode

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, Prefetch, Q
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse

from ..extensions import project_notices
from ..facts import Decider, dependents_of, release_counts
from ..models import File, ProjectStatus, Release, Role, RoleName
from ..policy import Action
from ..validators import normalize_project_name, validate_project_name
from .base import ActionLink, ProjectView, is_staff_viewer, present

RELEASES_PER_PAGE = 50
DEPENDENTS_SHOWN = 50
PROJECTS_PER_PAGE = 50


# Your projects ----------------------------------------------------------------------------------


@login_required
def projects(request):
    """List the person's projects (live ones paginated, newest first; removed ones apart).

    Staff open any project by name (`?project=`); a string that is no project name is refused
    on this page (400) with the naming rule, since no project page could answer for it.
    """
    wanted = request.GET.get("project", "").strip()
    lookup_error = None
    if wanted and is_staff_viewer(request.user):
        try:
            validate_project_name(wanted)
        except ValidationError as error:
            lookup_error = error.messages[0]
        else:
            return redirect("registry:project", name=normalize_project_name(wanted))
    roles = (
        Role.objects.active()
        .filter(user=request.user)
        .select_related("project__popularity")
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
        {
            "page": page,
            "removed": removed,
            "staff": is_staff_viewer(request.user),
            "wanted": wanted,
            "lookup_error": lookup_error,
        },
        status=400 if lookup_error else 200,
    )


def releases_page(releases, wanted, *, count=None):
    """Return the page of `releases` (`count` of them, if known) numbered `wanted` (a query
    string value) and a notice when there is no such page: then page 1 (not a number) or the
    last page (out of range)."""
    paginator = Paginator(releases, RELEASES_PER_PAGE)
    if count is not None:
        paginator.count = count  # Counted with the policy's figures: no second COUNT.
    page = paginator.get_page(wanted)
    if wanted in (None, "") or _as_number(wanted) == page.number:
        return page, None
    pages = page.paginator.num_pages
    return page, (
        f"There is no such page of releases (pages go from 1 to {pages:,}), so this is "
        f"page {page.number:,}."
    )


def _as_number(text):
    try:
        return int(text)
    except (TypeError, ValueError):
        return None


def release_page_url(view, release):
    """The address of the project's page at the page of releases that shows `release`."""
    newer = (
        Release.objects.filter(project_id=release.project_id)
        .filter(
            Q(created_at__gt=release.created_at)
            | Q(created_at=release.created_at, pk__gt=release.pk)
        )
        .count()
    )
    number = newer // RELEASES_PER_PAGE + 1
    url = view.url("project")
    return f"{url}?page={number}" if number > 1 else url


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
        counts = release_counts(project)
        page, page_notice = releases_page(releases, request.GET.get("page"), count=counts["count"])
        # Decide only about this page's releases: the facts of the others are not read.
        self.decider = self.decider.for_releases(page.object_list, counts=counts)
        live = not project.is_removed
        notices = project_notices(project, request.user)
        self.hidden_actions = frozenset(
            Action(value) for notice in notices for value in notice.hides
        )
        return render(
            request,
            "registry/project.html",
            {
                "project": project,
                "role": self.role,
                "notices": notices,
                "hidden_actions": self.hidden_actions,
                "owners": [r for r in roles if r.role == RoleName.OWNER],
                "maintainers": [r for r in roles if r.role == RoleName.MAINTAINER],
                "page": page,
                "page_notice": page_notice,
                "rows": [self.release_row(release) for release in page],
                "actions": self.project_actions() if live else [],
                "unlock": self.unlock_decision() if live and project.deletion_locked else None,
                "policy": self.decider.config.describe(),
                "dependents": list(
                    dependents_of(project).order_by("normalized_name")[:DEPENDENTS_SHOWN]
                ),
                "facts": self.decider.facts,
                "dependents_count": self.decider.facts.dependent_projects,
                "dependents_more": max(0, self.decider.facts.dependent_projects - DEPENDENTS_SHOWN),
            },
        )

    def make_decider(self):
        # The page's releases are known only in `get`; until then, decide nothing about any.
        return Decider(self.project, self.request.user, now=self.now, releases=())

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
        return [action for action in actions if action is not None]

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
            if file_row.remove is not None:
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
