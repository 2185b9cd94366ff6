"""The pages that remove a project, a release or some files of a release."""

from django.urls import reverse

from .. import policy, services
from ..forms import ConfirmNameForm, RemoveFilesForm
from ..policy import Action
from ..policy.wording import _plural
from .actions import ActionView, ReleaseActionView
from .base import present


class RemoveProjectView(ActionView):
    url_name = "remove"
    action = Action.DELETE_PROJECT
    form_class = ConfirmNameForm
    title = "Remove the project"
    submit_label = "Remove the project"
    danger = True

    def impact_subject(self):
        return {}

    def describe(self):
        facts = self.decider.facts
        files = sum(len(release.files) for release in facts.releases)
        name_rule = policy.reservation_for_removed_project(
            project=facts, now=self.now, config=self.decider.config
        )
        return {
            "lead": [
                f"Removing {self.project.name} takes it off the index with its "
                f"{_plural(len(facts.releases), 'live release')} and {_plural(files, 'file')}. "
                "Installers that "
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

    def impact_subject(self):
        return {"release": self.release}

    def describe(self):
        filenames = list(
            self.release.files.filter(removed_at__isnull=True)
            .order_by("filename")
            .values_list("filename", flat=True)
        )
        return {
            "lead": [
                f"Removing release {self.release.version} of {self.project.name} takes it and "
                f"its {_plural(len(filenames), 'file')} off the index. The version and the "
                "filenames can never be uploaded again; only a registry admin can restore the "
                "release.",
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

    def decide_together(self, filenames):
        """Decide removing the files named `filenames` in one act: together they may be the
        project's last live files, which a preset may judge as removing the project."""
        return [
            self.decider.decide(
                Action.DELETE_FILE, release=self.release, file=file, together=filenames
            )
            for file in self.files
            if file.filename in filenames
        ]

    def every_file_decision(self):
        """The decision about choosing every remaining file, when the policy judges that as
        removing the project (`last_release_is_project`, the project's only live release) and
        so decides it otherwise than each file alone; else None."""
        if len(self.files) < 2 or not self.decider.config.params.get("last_release_is_project"):
            return None
        single = self.file_decisions()[0][1]
        together = self.decide_together({file.filename for file in self.files})[0]
        if (together.allowed, together.rule) == (single.allowed, single.rule):
            return None
        return together

    def refusal_for(self, form):
        chosen = set(form.cleaned_data["files"])
        return next((d for d in self.decide_together(chosen) if not d.allowed), None)

    def notice(self):
        if not self.files:
            return f"Release {self.release.version} has no files left to remove."
        return None

    def form_kwargs(self):
        allowed = [file.filename for file, decision in self.file_decisions() if decision.allowed]
        return {**super().form_kwargs(), "filenames": allowed}

    def get(self, request, **kwargs):
        form = self.form_class(initial={"files": request.GET.getlist("file")}, **self.form_kwargs())
        return self.render(form)

    def chosen_files(self):
        """The files chosen so far (by the form when posted, by the link that led here)."""
        source = self.request.POST if self.request.method == "POST" else self.request.GET
        chosen = set(source.getlist("files" if self.request.method == "POST" else "file"))
        return [file for file in self.files if file.filename in chosen]

    def impact_subject(self):
        # Nothing chosen yet: the impact of removing every remaining file, the most it can be.
        return {"release": self.release, "files": self.chosen_files() or self.files or None}

    def describe(self):
        every = self.every_file_decision()
        if every is not None:
            every = present(every, project=self.project, release=self.release)
        lead = [
            "Removed files disappear from the index. Their filenames can never be uploaded "
            "again; only a registry admin can restore them.",
            "Yanking the release instead keeps exact pins working and can be undone.",
        ]
        if self.files and not self.chosen_files():
            lead.append(
                "Until you choose, the impact below is that of removing every remaining file "
                f"of release {self.release.version}."
            )
        return {
            "lead": lead,
            "file_rows": [
                {
                    "file": file,
                    "decision": present(
                        decision, project=self.project, release=self.release, file=file
                    ),
                }
                for file, decision in self.file_decisions()
            ],
            "every_file": every,
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
        return f"Removed {_plural(len(files), 'file')} of {self.project.name}: {names}."
