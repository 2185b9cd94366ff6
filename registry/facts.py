"""Gather, from the database, the plain facts the pure deletion policy decides on.

`project_facts()` reads a project's releases, files, owners, downloads and dependents in a fixed
number of queries, whatever the project's size; `page_facts()` reads only one page of releases
with their files, and counts and sums for the rest (a project's page); `actor_role()` says who
is acting; `policy_config()` reads the active preset from settings.
"""

from dataclasses import replace
from datetime import timedelta
from functools import cached_property

from django.conf import settings
from django.db.models import Count, OuterRef, Q, Subquery, Sum

from . import policy
from .models import Dependency, DownloadCount, File, Popularity, Project, Release, Role, RoleName

ADMIN_PERMISSION = "registry.act_as_registry_admin"
SETTING_PREFIX = "HOLDFAST_POLICY_"


def policy_overrides_from_settings():
    """Return {parameter: value} for every `HOLDFAST_POLICY_<PARAMETER>` setting."""
    return {
        name[len(SETTING_PREFIX) :].lower(): getattr(settings, name)
        for name in dir(settings)
        if name.startswith(SETTING_PREFIX)
    }


def policy_config():
    """Return the active PolicyConfig (raises PolicyConfigError if the settings are wrong)."""
    preset = getattr(settings, "HOLDFAST_POLICY", policy.DEFAULT_PRESET)
    return policy.build_config(preset, policy_overrides_from_settings())


def is_registry_admin(user):
    return bool(
        user and user.is_authenticated and user.is_active and user.has_perm(ADMIN_PERMISSION)
    )


def actor_role(user, project):
    """Return the ActorRole of `user` on `project`: admin, owner, maintainer, support, ..."""
    if user is None or not user.is_authenticated or not user.is_active:
        return policy.ActorRole.ANONYMOUS
    if is_registry_admin(user):
        return policy.ActorRole.ADMIN
    role = (
        Role.objects.active()
        .filter(project=project, user=user)
        .values_list("role", flat=True)
        .first()
    )
    if role == RoleName.OWNER:
        return policy.ActorRole.OWNER
    if role == RoleName.MAINTAINER:
        return policy.ActorRole.MAINTAINER
    if user.is_staff:
        return policy.ActorRole.SUPPORT
    return policy.ActorRole.OTHER


def _latest_live_release():
    """The pk of the latest live release of the dependency row's project (a subquery)."""
    return (
        Release.objects.live()
        .filter(project=OuterRef("release__project"))
        .order_by("-created_at", "-pk")
        .values("pk")[:1]
    )


def dependents_of(project):
    """Other live projects whose latest live release requires `project` ("who depends on me")."""
    requiring_projects = Dependency.objects.filter(
        name=project.normalized_name,
        release__removed_at__isnull=True,
        release=Subquery(_latest_live_release()),
    ).values("release__project")
    return Project.objects.live().filter(pk__in=requiring_projects).exclude(pk=project.pk)


def dependents_by_name(names=None):
    """Return {normalised name: {ids of live projects whose latest live release requires it}}
    for many names in one query, or for every required name when `names` is None (a project
    that requires itself is included)."""
    requirements = Dependency.objects.filter(
        release__removed_at__isnull=True,
        release__project__removed_at__isnull=True,
        release=Subquery(_latest_live_release()),
    )
    if names is not None:
        requirements = requirements.filter(name__in=names)
    result = {}
    for name, project_id in requirements.values_list("name", "release__project_id").distinct():
        result.setdefault(name, set()).add(project_id)
    return result


def dependent_project_count(project):
    """Count the projects of `dependents_of(project)`."""
    return dependents_of(project).count()


# Newest first; the pk breaks ties, so every reader lists a project's versions in one order.
RELEASE_ORDER = ("-created_at", "-pk")
FILE_ORDER = ("-uploaded_at", "-pk")


def project_facts(project, *, now):
    """Return the ProjectFacts of `project` at `now` with every release and live file, in a
    fixed number of queries (the rows grow with the project: see `page_facts`)."""
    releases = list(
        Release.objects.filter(project=project)
        .order_by(*RELEASE_ORDER)
        .values_list("pk", "version", "created_at", "removed_at")
    )
    return facts_from_rows(
        project,
        releases=releases,
        files_by_release=live_files_by_release(File.objects.filter(release__project=project)),
        downloads_by_release=downloads_by_release(DownloadCount.objects.filter(project=project)),
        **project_figures(project, now=now),
    )


def release_counts(project):
    """Count the releases of `project` ever, the live ones and those that are not version 0
    (canonicalize_version(v) == "0" exactly when Version(v) == Version("0"))."""
    return Release.objects.filter(project=project).aggregate(
        count=Count("pk"),
        live=Count("pk", filter=Q(removed_at__isnull=True)),
        not_zero=Count("pk", filter=~Q(canonical_version="0")),
    )


def versions_summary(project, counts):
    """Return the VersionsSummary of `project` given its `release_counts`, in one short query:
    a project has one version 0 at most (1.0 and 1.0.0 are one release, removed or not), so
    its newest LISTED + 1 releases hold the newest LISTED that are not version 0."""
    newest = Release.objects.filter(project=project).order_by(*RELEASE_ORDER)
    rows = [
        (version, removed_at is None, canonical == "0")
        for version, removed_at, canonical in newest.values_list(
            "version", "removed_at", "canonical_version"
        )[: policy.LISTED + 1]
    ]
    return policy.VersionsSummary(
        count=counts["count"],
        listed=tuple((version, live) for version, live, _zero in rows[: policy.LISTED]),
        not_zero_count=counts["not_zero"],
        not_zero_listed=tuple((version, live) for version, live, zero in rows if not zero)[
            : policy.LISTED
        ],
    )


def page_facts(project, *, now, releases, counts=None):
    """Return the ProjectFacts of `project` at `now` for a page that asks only about
    `releases` (one page of them): the live ones among them with their live files, the live
    release count and a VersionsSummary, in aggregate and short queries, so the number of
    queries and the rows read stay the same whatever the project's size. `counts` are its
    `release_counts` if the caller has them. The policy decides on these facts as on
    `project_facts` (`policy.needs_every_release` says where it cannot)."""
    counts = counts or release_counts(project)
    asked = Release.objects.filter(project=project).live()
    if counts["live"] != 1:  # The only live release is always given (see ProjectFacts).
        asked = asked.filter(pk__in=[release.pk for release in releases])
    rows = list(
        asked.order_by(*RELEASE_ORDER).values_list("pk", "version", "created_at", "removed_at")
    )
    ids = [row[0] for row in rows]
    facts = facts_from_rows(
        project,
        releases=rows,
        files_by_release=live_files_by_release(File.objects.filter(release_id__in=ids)),
        downloads_by_release=downloads_by_release(
            DownloadCount.objects.filter(project=project, file__release_id__in=ids)
        ),
        **project_figures(project, now=now),
    )
    return replace(
        facts,
        versions_ever=(),
        live_release_count=counts["live"],
        versions=versions_summary(project, counts),
    )


def live_files_by_release(files):
    """Map each release pk to the FileFacts of its live files among `files`."""
    result = {}
    for release_id, filename, uploaded_at in (
        files.filter(removed_at__isnull=True)
        .order_by(*FILE_ORDER)
        .values_list("release_id", "filename", "uploaded_at")
    ):
        result.setdefault(release_id, []).append(
            policy.FileFacts(filename=filename, uploaded_at=uploaded_at)
        )
    return result


def downloads_by_release(counts):
    """Map each release pk to its downloads ever among the DownloadCount rows `counts`."""
    return dict(
        counts.order_by()
        .values("file__release_id")
        .annotate(total=Sum("count"))
        .values_list("file__release_id", "total")
    )


def project_figures(project, *, now):
    """The project-wide figures of its ProjectFacts: downloads, owners, dependents, critical."""
    downloads = DownloadCount.objects.filter(project=project).aggregate(
        total=Sum("count"), last_7_days=Sum("count", filter=Q(day__gt=week_start(now)))
    )
    return {
        "downloads_total": downloads["total"] or 0,
        "downloads_last_7_days": downloads["last_7_days"] or 0,
        "owner_count": Role.objects.active().filter(project=project, role=RoleName.OWNER).count(),
        "dependent_projects": dependent_project_count(project),
        "critical": Popularity.objects.filter(project=project, critical=True).exists(),
    }


def week_start(now):
    """The last day before the 7 days of downloads that count as "the last 7 days" at `now`."""
    return (now - timedelta(days=7)).date()


def facts_from_rows(
    project,
    *,
    releases,
    files_by_release,
    downloads_by_release,
    downloads_last_7_days,
    owner_count,
    dependent_projects,
    critical,
    downloads_total=None,
):
    """Build the ProjectFacts of `project` from the rows `project_facts` reads.

    `project` is anything with the project's `name`, `created_at`, `deletion_locked` and
    `status`; `releases` are (pk, version, created_at, removed_at) rows of all its releases,
    removed ones included; `files_by_release` maps a release pk to the FileFacts of its live
    files and `downloads_by_release` to its downloads ever (their sum is the project's unless
    `downloads_total` is given). The report of every project
    (`registry.reports`) reads the same rows for all projects at once and builds them here.
    """
    return policy.ProjectFacts(
        name=project.name,
        created_at=project.created_at,
        versions_ever=tuple(version for _pk, version, _created, _removed in releases),
        releases=tuple(
            release_facts_from(pk, version, created_at, files_by_release, downloads_by_release)
            for pk, version, created_at, removed_at in releases
            if removed_at is None
        ),
        owner_count=owner_count,
        downloads_last_7_days=downloads_last_7_days,
        downloads_total=(
            sum(downloads_by_release.values()) if downloads_total is None else downloads_total
        ),
        dependent_projects=dependent_projects,
        deletion_locked=project.deletion_locked,
        status=project.status,
        critical=critical,
    )


def release_facts_from(pk, version, created_at, files_by_release, downloads_by_release):
    return policy.ReleaseFacts(
        version=version,
        created_at=created_at,
        downloads_total=downloads_by_release.get(pk, 0),
        files=tuple(files_by_release.get(pk, ())),
    )


class Decider:
    """Everything needed to decide for one actor on one project, gathered once.

    A page that shows, for every release and file, whether each action is allowed asks this
    object again and again without another query. Given `releases` (one page of them, maybe
    none yet: see `for_releases`), it reads only their facts, when first asked.
    """

    def __init__(self, project, user, *, now, config=None, role=None, releases=None, counts=None):
        self.project = project
        self.user = user
        self.now = now
        self.config = config or policy_config()
        self.role = role if role is not None else actor_role(user, project)
        self._asked = None if releases is None else list(releases)
        self._counts = counts
        if releases is None:
            self.facts  # Gathered now, so that asking later takes no query.  # noqa: B018

    def for_releases(self, releases, *, counts=None):
        """Return a Decider for the same actor that will be asked only about `releases` (and
        the project): its facts come from `page_facts` (given the project's `release_counts`
        if known), unless the preset needs them all."""
        return Decider(
            self.project,
            self.user,
            now=self.now,
            config=self.config,
            role=self.role,
            releases=releases,
            counts=counts,
        )

    @cached_property
    def facts(self):
        if self._asked is None or policy.needs_every_release(self.config):
            return project_facts(self.project, now=self.now)
        return page_facts(self.project, now=self.now, releases=self._asked, counts=self._counts)

    @cached_property
    def _releases(self):
        return {release.version: release for release in self.facts.releases}

    @cached_property
    def _files(self):
        return {file.filename: file for release in self.facts.releases for file in release.files}

    def release_facts(self, release):
        found = self._releases.get(release.version)
        if found is not None:
            return found
        if release.removed_at is None and not self.facts.every_release_given:
            raise ValueError(f"Release {release.version} is not among the releases asked about.")
        # A removed release is not among the live facts; describe it on its own.
        return policy.ReleaseFacts(
            version=release.version, created_at=release.created_at, downloads_total=0
        )

    def file_facts(self, file):
        found = self._files.get(file.filename)
        if found is not None:
            return found
        return policy.FileFacts(filename=file.filename, uploaded_at=file.uploaded_at)

    def decide(self, action, *, release=None, file=None, together=()):
        """Decide `action`; `together` names the files removed in the same act as `file`."""
        release_facts = None
        file_facts = None
        if file is not None and release is None:
            release = file.release
        if release is not None:
            release_facts = self.release_facts(release)
        if file is not None:
            file_facts = self.file_facts(file)
        return policy.decide(
            action,
            project=self.facts,
            actor=self.role,
            now=self.now,
            config=self.config,
            release=release_facts,
            file=file_facts,
            together=frozenset(together),
        )
