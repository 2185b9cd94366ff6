"""What an admin's removal, purge or quarantine would affect, and what it overrides.

Every confirmation page that removes, purges or quarantines shows, for each target (a project, a
release, or the chosen files of one release), the impact summary of `registry.impact` and, when
the admin acts where the policy would refuse the project's owner, that owner's refusal: the rule
in words, its id and its explanation. The moderation decision pages show the same summaries.

The detail stops at IMPACTS_SHOWN targets (the page says how many more there are), so a page
costs a bounded number of queries: `impact_of` and the policy's facts each take a fixed number
per target, whatever the size of the dependency graph.
"""

from dataclasses import dataclass

from .. import policy
from ..facts import Decider
from ..impact import Impact, impact_of
from ..policy.wording import rule_in_words
from ..words import counted

IMPACTS_SHOWN = 20


@dataclass(frozen=True)
class Assessment:
    """One target of an action: what removing it would affect, and what an owner would hear."""

    title: str
    impact: Impact
    refusal: policy.Decision | None = None  # The owner's refusal, when the admin overrides it.

    @property
    def rule_words(self):
        return rule_in_words(self.refusal.rule) if self.refusal is not None else ""


@dataclass(frozen=True)
class Assessments:
    """The assessed targets of one page, and how many more were left undetailed."""

    shown: tuple[Assessment, ...] = ()
    more: int = 0

    @property
    def overrides(self):
        return sum(1 for assessment in self.shown if assessment.refusal is not None)

    @property
    def more_text(self):
        if not self.more:
            return ""
        return (
            f"Only the first {IMPACTS_SHOWN} are detailed here; "
            f"{counted(self.more, 'more is', 'more are')} not."
        )

    def __bool__(self):
        return bool(self.shown)


def owner_decision(decider, action, *, release=None, file=None, together=()):
    """What the policy would tell an owner of the project who did `action` themselves."""
    if file is not None and release is None:
        release = file.release
    return policy.decide(
        action,
        project=decider.facts,
        actor=policy.ActorRole.OWNER,
        now=decider.now,
        config=decider.config,
        release=decider.release_facts(release) if release is not None else None,
        file=decider.file_facts(file) if file is not None else None,
        together=frozenset(together),
    )


class Assessor:
    """Assess the targets of one page, reading each project's policy facts once."""

    def __init__(self, *, now, judge=True):
        self.now = now
        self.judge = judge  # Whether to ask what an owner would be told (removals only).
        self._deciders = {}

    def decider(self, project):
        if project.pk not in self._deciders:
            self._deciders[project.pk] = Decider(project, None, now=self.now)
        return self._deciders[project.pk]

    def refusal(self, project, action, **target):
        if not self.judge or project.is_removed:
            return None
        decision = owner_decision(self.decider(project), action, **target)
        return decision if decision.refused else None

    def project(self, project):
        return Assessment(
            f"The project {project.name}",
            impact_of(project, now=self.now),
            self.refusal(project, policy.Action.DELETE_PROJECT),
        )

    def release(self, release):
        project = release.project
        refusal = None
        if not release.is_removed:
            refusal = self.refusal(project, policy.Action.DELETE_RELEASE, release=release)
        return Assessment(
            f"Release {release.version} of {project.name}",
            impact_of(project, now=self.now, release=release),
            refusal,
        )

    def files(self, files, *, together=()):
        """Assess `files` of one release; `together` names every file chosen in the project
        (together they may be its last live files)."""
        release = files[0].release
        project = release.project
        live = [file for file in files if not file.is_removed]
        together = together or [file.filename for file in live]
        refusal = None
        for file in live:
            refusal = self.refusal(project, policy.Action.DELETE_FILE, file=file, together=together)
            if refusal is not None:
                break
        return Assessment(
            f"{counted(len(files), 'file')} of {project.name} {release.version}",
            impact_of(project, now=self.now, files=files),
            refusal,
        )


def assess_each(targets, assess_one):
    """Assess the first IMPACTS_SHOWN of `targets` with `assess_one`, and count the rest."""
    targets = list(targets)
    shown = tuple(assess_one(target) for target in targets[:IMPACTS_SHOWN])
    return Assessments(shown, max(len(targets) - IMPACTS_SHOWN, 0))


def assess_projects(projects, *, now, judge=True):
    """Assess each of the `projects`; `judge`: also say what its owner would be refused if
    they removed it themselves."""
    return assess_each(projects, Assessor(now=now, judge=judge).project)


def assess_releases(releases, *, now, judge=True):
    """Assess each of the `releases` (a queryset)."""
    return assess_each(releases.select_related("project"), Assessor(now=now, judge=judge).release)


def assess_files(files, *, now, judge=True):
    """Assess the `files` (a queryset) release by release; the files of one project are judged
    together, as one removal takes them."""
    return assess_each(*_by_release(files, Assessor(now=now, judge=judge)))


def assess_named(project, *, releases, files, now, judge=True):
    """Assess what a request names: its `releases`, then its other `files` release by release
    (both querysets); the whole `project` when it names neither."""
    assessor = Assessor(now=now, judge=judge)
    releases = list(releases.select_related("project").order_by("created_at", "pk"))
    named = {release.pk for release in releases}
    groups, assess_group = _by_release(files.exclude(release__in=named), assessor)
    if not releases and not groups:
        return assess_each([project], assessor.project)
    return assess_each(
        [*releases, *groups],
        lambda target: (
            assess_group(target) if isinstance(target, list) else assessor.release(target)
        ),
    )


def _by_release(files, assessor):
    """Group `files` (a queryset) by release, and say how to assess one group."""
    groups, by_project = {}, {}
    for file in files.select_related("release__project"):
        groups.setdefault(file.release_id, []).append(file)
        if not file.is_removed:
            by_project.setdefault(file.release.project_id, []).append(file.filename)
    ordered = sorted(
        groups.values(),
        key=lambda group: (group[0].release.project.normalized_name, group[0].release.created_at),
    )

    def assess_group(group):
        return assessor.files(group, together=by_project.get(group[0].release.project_id, ()))

    return ordered, assess_group
