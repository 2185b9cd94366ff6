"""The pages that change a state and remove nothing: yank, archive, deprecate, lock deletions."""

from dataclasses import replace

from .. import services
from ..forms import ConfirmNameForm, DeprecateForm
from ..models import ProjectStatus, Release
from ..policy import Action, Decision
from ..words import counted
from .actions import ActionView, ReleaseActionView


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


class YankReleasesView(ActionView):
    """Yank every live release of the project at once: the alternative to deleting it."""

    url_name = "yank_releases"
    action = Action.YANK
    title = "Yank its releases"
    submit_label = "Yank every release"
    reason_help = YankView.reason_help
    RELEASES_SHOWN = 100

    def dispatch(self, request, *args, **kwargs):
        self.releases = None
        return super().dispatch(request, *args, **kwargs)

    def to_yank(self):
        """The live releases not yet yanked, newest first."""
        if self.releases is None:
            self.releases = list(
                Release.objects.live()
                .filter(project=self.project, yanked=False)
                .only("pk", "version", "created_at", "project_id")
                .order_by("-created_at", "-pk")
            )
        return self.releases

    def get_decision(self):
        # The policy decides each release as a yank; the page shows the first refusal, if any.
        decisions = [
            self.decider.decide(Action.YANK, release=release) for release in self.to_yank()
        ]
        refused = next((decision for decision in decisions if not decision.allowed), None)
        if refused is not None:
            return refused
        if len(decisions) > 1:
            first, others = decisions[0], counted(len(decisions) - 1, "other release")
            return replace(
                first, explanation=f"{first.explanation} The same goes for the {others} listed."
            )
        if decisions:
            return decisions[0]
        return Decision(
            allowed=False,
            rule="",
            explanation=f"{self.project.name} has no live release that is not yanked already.",
        )

    def notice(self):
        if not self.to_yank():
            return (
                f"Every live release of {self.project.name} is already yanked: nothing is left "
                "to yank."
            )
        return None

    def describe(self):
        releases = self.to_yank()
        more = len(releases) - self.RELEASES_SHOWN
        return {
            "lead": [
                f"Installers will skip every release of {self.project.name} unless one is pinned "
                "exactly (PEP 592): nobody new picks the project up, while existing pins keep "
                "working. The files stay available, and you can un-yank each release later.",
            ],
            "items_title": f"{counted(len(releases), 'release')} to yank",
            "items": [release.version for release in releases[: self.RELEASES_SHOWN]],
            "items_more": counted(more, "more release") if more > 0 else None,
        }

    def perform(self, form):
        yanked = services.yank_releases(
            project=self.project,
            actor=self.request.user,
            reason=form.cleaned_data["reason"],
            now=self.now,
        )
        return f"Yanked {counted(len(yanked), 'release')} of {self.project.name}."


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

    def impact_subject(self):
        return {}

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
