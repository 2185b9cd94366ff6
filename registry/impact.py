"""How bad would a removal be: who depends on a project, how much it is used, what breaks.

`impact_of(project, now=..., release=..., files=...)` gathers the figures every page shows before
something is removed, deprecated or taken down, in a fixed number of queries whatever the size of
the dependency graph (at most eight, whatever the project, its dependents or their dependents):

- direct dependents (live projects whose latest live release requires it): how many, the first
  names, and how many of them have dependents of their own;
- downloads in the last 7 and 30 days, and the rank by 30-day downloads (as the scheduler last
  computed it, `services.recompute_popularity`), and whether the project is critical;
- its age and its owners;
- for a release, or files that are all the live files of their release: for which dependents it
  is the newest live, non-yanked release matching their requirement (removing it changes what
  they resolve to) and for which it is the only one (removing it breaks them).

The template `registry/_impact.html` says an `Impact` in words, on maintainers' pages and in the
admin alike (`registry/admin/impacts.py` gathers one per target of an admin action).
"""

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db.models import Count, Exists, OuterRef, Q, Subquery, Sum
from packaging.specifiers import InvalidSpecifier, SpecifierSet
from packaging.version import InvalidVersion, Version

from .facts import _latest_live_release, dependents_of
from .models import Dependency, DownloadCount, Popularity, Release, Role, RoleName
from .policy.wording import _duration, _listing
from .words import counted

NAMES_SHOWN = 10


@dataclass(frozen=True)
class Impact:
    project: str
    now: datetime
    created_at: datetime
    dependents: int
    dependent_names: tuple[str, ...]  # The first NAMES_SHOWN, alphabetically.
    dependents_with_dependents: int  # Of the direct dependents: those others depend on in turn.
    downloads_7_days: int
    downloads_30_days: int
    rank: int | None  # By 30-day downloads, 1 is the most downloaded; None: not ranked yet.
    ranked_among: int
    critical: bool
    owners: tuple[str, ...]
    # For a release (or all the live files of one): which of it is being removed, and what that
    # does to the dependents whose requirement it matches.
    release: str | None = None
    whole_release: bool = True  # False: some of its files stay, so it still resolves.
    newest_match_for: tuple[str, ...] = ()  # Dependents whose resolution changes.
    only_match_for: tuple[str, ...] = ()  # Dependents left with no match: they break.

    @property
    def age(self) -> timedelta:
        return max(self.now - self.created_at, timedelta(0))

    @property
    def more_dependents(self) -> int:
        return self.dependents - len(self.dependent_names)

    def sentences(self) -> list[str]:
        """Say the impact in plain sentences, the most serious first."""
        name = self.project
        said = []
        if self.only_match_for:
            said.append(
                f"Release {self.release} is the only live release that "
                f"{_listing(list(self.only_match_for))} can install: removing it breaks "
                f"{'it' if len(self.only_match_for) == 1 else 'them'}."
            )
        if self.newest_match_for:
            one = len(self.newest_match_for) == 1
            said.append(
                f"Release {self.release} is what {_listing(list(self.newest_match_for))} "
                f"{'resolves' if one else 'resolve'} to now: removing it makes "
                f"{'it' if one else 'them'} install an older release."
            )
        if self.release and not self.whole_release:
            said.append(
                f"Other files of release {self.release} stay, so installers still find the release."
            )
        if self.dependents:
            own = ""
            if self.dependents == 1 and self.dependents_with_dependents:
                own = "; it has dependents of its own"
            elif self.dependents_with_dependents == 1:
                own = "; 1 of them has dependents of its own"
            elif self.dependents_with_dependents:
                own = f"; {self.dependents_with_dependents:,} of them have dependents of their own"
            said.append(
                f"{counted(self.dependents, 'other project')} "
                f"{'depends' if self.dependents == 1 else 'depend'} on {name}{own}."
            )
        else:
            said.append(f"No other project depends on {name}.")
        rank = ""
        if self.rank is not None and self.downloads_30_days:
            rank = f", ranked {self.rank:,} of {self.ranked_among:,} projects by downloads"
        said.append(
            f"{name} had {counted(self.downloads_7_days, 'download')} in the last 7 days and "
            f"{self.downloads_30_days:,} in the last 30{rank}."
        )
        if self.critical:
            said.append(f"{name} is a critical project: among the most downloaded of all.")
        if not self.owners:
            owners = "it has no owner"
        elif len(self.owners) == 1:
            owners = f"its owner is {self.owners[0]}"
        else:
            owners = f"its owners are {_listing(list(self.owners))}"
        said.append(f"{name} is {_duration(self.age)} old; {owners}.")
        return said


def impact_of(project, *, now, release=None, files=None):
    """Return the Impact of removing `project`, or its `release`, or its `files` (a list)."""
    dependents = dependents_of(project)
    count = dependents.count()
    names = tuple(
        dependents.order_by("normalized_name").values_list("name", flat=True)[:NAMES_SHOWN]
    )
    with_dependents = 0
    if count:
        required = Dependency.objects.filter(
            name=OuterRef("normalized_name"),
            release__removed_at__isnull=True,
            release__project__removed_at__isnull=True,
            release=Subquery(_latest_live_release()),
        ).exclude(release__project=OuterRef("pk"))
        with_dependents = dependents.filter(Exists(required)).count()
    downloads = DownloadCount.objects.filter(
        project=project, day__gt=(now - timedelta(days=30)).date()
    ).aggregate(
        month=Sum("count"),
        week=Sum("count", filter=Q(day__gt=(now - timedelta(days=7)).date())),
    )
    popularity = (
        Popularity.objects.filter(project=project)
        .values("rank", "ranked_among", "critical")
        .first()
        or {}
    )
    owners = tuple(
        Role.objects.active()
        .filter(project=project, role=RoleName.OWNER)
        .order_by("user__username")
        .values_list("user__username", flat=True)
    )
    impact = {
        "project": project.name,
        "now": now,
        "created_at": project.created_at,
        "dependents": count,
        "dependent_names": names,
        "dependents_with_dependents": with_dependents,
        "downloads_7_days": downloads["week"] or 0,
        "downloads_30_days": downloads["month"] or 0,
        "rank": popularity.get("rank"),
        "ranked_among": popularity.get("ranked_among", 0),
        "critical": popularity.get("critical", False),
        "owners": owners,
    }
    if files and release is None:
        release = files[0].release
    if release is not None:
        impact.update(_resolution(project, release, files, has_dependents=bool(count)))
    return Impact(**impact)


def _resolution(project, release, files, *, has_dependents):
    """Say what removing `release` (or `files` of it) does to what dependents resolve to."""
    live = {
        version: (yanked, live_files)
        for version, yanked, live_files in Release.objects.live()
        .filter(project=project)
        .annotate(live_files=Count("files", filter=Q(files__removed_at__isnull=True)))
        .values_list("version", "yanked", "live_files")
    }
    whole = True
    if files is not None:
        chosen = {file.pk for file in files if not file.is_removed}
        whole = len(chosen) >= live.get(release.version, (False, 0))[1]
    result = {"release": release.version, "whole_release": whole}
    if not has_dependents or not whole or release.version not in live:
        return result
    installable = {
        version: parsed
        for version, (yanked, live_files) in live.items()
        if not yanked and live_files and (parsed := _version(version)) is not None
    }
    removed = _version(release.version)
    if removed is None or release.version not in installable:
        return result
    newest_for, only_for = set(), set()
    requirements = (
        Dependency.objects.filter(
            name=project.normalized_name,
            release__removed_at__isnull=True,
            release__project__removed_at__isnull=True,
            release=Subquery(_latest_live_release()),
        )
        .exclude(release__project=project)
        .values_list("release__project__name", "specifier")
    )
    for dependent, specifier in requirements:
        try:
            matches = list(SpecifierSet(specifier).filter(installable.values()))
        except InvalidSpecifier:
            continue  # Checked on upload; an odd legacy one cannot be judged.
        if removed not in matches:
            continue
        if len(matches) == 1:
            only_for.add(dependent)
        elif max(matches) == removed:
            newest_for.add(dependent)
    return {
        **result,
        "newest_match_for": tuple(sorted(newest_for, key=str.lower)),
        "only_match_for": tuple(sorted(only_for, key=str.lower)),
    }


def _version(text):
    try:
        return Version(text)
    except InvalidVersion:
        return None
