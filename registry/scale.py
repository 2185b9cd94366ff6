"""Bulk-written, PyPI-shaped registry data for benchmarks and `manage.py seed_scale`.

The registry is heavy-tailed like a real one: most projects have one or two releases and a few
have hundreds; each release has one to a few dozen files; some projects are placeholders (only
0.0.0), brand new, deletion-locked, archived, deprecated or quarantined; some releases and files
are removed; the latest releases require other projects, the popular ones far more often; and
daily downloads fall off with popularity (a power law), a third of the tail having none. A few
"big" projects have thousands of versions, each an sdist and a wheel.

Rows go in with bulk_create, not through the registry's services: this is generated data, not
registry actions. With `history=True` each row also gets one historical row ("+", dated when the
object was created, change reason `REASON_HISTORY`), as the services would have written, and
every filename is entered in the filename registry. Everything drawn comes from a
`random.Random` seeded by the caller, so a seed always gives the same names and counts.
"""

import hashlib
import random
import sys
import time
from datetime import UTC, datetime, timedelta

from .confusables import confusable_key

NOW = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)
BATCH = 5000
REASON = "Benchmark data"
REASON_HISTORY = "seed_scale"


def _releases_of(rng):
    """How many releases a project has: heavy-tailed (most have one or two)."""
    return min(300, int(rng.paretovariate(2.1)))


def _files_of(rng):
    """How many files a release has: one sdist and a few wheels, now and then many."""
    return min(40, int(rng.paretovariate(2.2)) + (rng.random() < 0.5))


class Progress:
    """A one-line progress bar on a text stream (stderr), redrawn in place."""

    def __init__(self, total, *, stream=None, label="projects", width=30):
        self.total, self.done, self.label, self.width = max(1, total), 0, label, width
        self.stream = stream if stream is not None else sys.stderr
        self.started = time.perf_counter()

    def advance(self, amount, note=""):
        self.done = min(self.total, self.done + amount)
        filled = self.width * self.done // self.total
        bar = "#" * filled + "." * (self.width - filled)
        seconds = time.perf_counter() - self.started
        self.stream.write(
            f"\r{self.label} {self.done:>9,}/{self.total:,} [{bar}] {seconds:6.1f} s {note:<24}"
        )
        self.stream.flush()

    def finish(self, note="done"):
        self.advance(0, note)
        self.stream.write("\n")
        self.stream.flush()


def _with_history(model, objs, *, history, when):
    """Write one "+" history row per object, dated by `when(obj)`, if `history`."""
    if not history:
        return
    for obj in objs:
        obj._history_date = when(obj)
    model.history.bulk_history_create(
        objs,
        batch_size=BATCH,
        default_change_reason=REASON_HISTORY,
        custom_historical_attrs={"history_user_username": ""},
    )


def _register_filenames(files, *, history):
    from registry.models import FilenameRegistry

    rows = FilenameRegistry.objects.bulk_create(
        (
            FilenameRegistry(
                filename=file.filename,
                project_name=file.release.project.normalized_name,
                first_seen_at=file.uploaded_at,
            )
            for file in files
        ),
        batch_size=BATCH,
    )
    _with_history(FilenameRegistry, rows, history=history, when=lambda row: row.first_seen_at)


def create_registry(
    count, *, start=0, now=NOW, seed=13, prefix="bench", history=False, popularity=True
):
    """Bulk-write projects start .. start+count-1 (named `<prefix>-000123`) with their owners,
    releases, files, dependencies and downloads, then (if `popularity`) recompute popularity.
    Returns the rows written per model.

    Without `history` no history rows or filename registry rows are written (the benchmarks
    measure the registry tables alone).
    """
    from django.contrib.auth import get_user_model
    from django.db import transaction

    from registry.models import (
        Dependency,
        DownloadCount,
        File,
        PackageType,
        Project,
        ProjectStatus,
        Release,
        RemovalCategory,
        RemovalEvent,
        RemovalScope,
        Role,
        RoleName,
    )

    rng = random.Random(seed + start)
    user_model = get_user_model()
    with transaction.atomic():
        users = user_model.objects.bulk_create(
            user_model(username=f"{prefix}-owner-{start + n}", email=f"o{start + n}@example.org")
            for n in range(max(2, count // 20))
        )
        projects = []
        for index in range(start, start + count):
            draw = rng.random()
            age = (
                timedelta(hours=rng.uniform(1, 70))
                if draw < 0.01
                else timedelta(days=7 + (6 * 365 - 7) * rng.random() ** 1.5)
            )
            locked = rng.random() < 0.03
            status = ProjectStatus.ACTIVE
            if 0.01 <= draw < 0.03:
                status = ProjectStatus.ARCHIVED
            elif 0.03 <= draw < 0.04:
                status = ProjectStatus.DEPRECATED
            elif 0.04 <= draw < 0.042:
                status = ProjectStatus.QUARANTINED
            projects.append(
                Project(
                    name=f"{prefix}-{index:06d}",
                    normalized_name=f"{prefix}-{index:06d}",
                    confusable_name=confusable_key(f"{prefix}-{index:06d}"),
                    created_at=now - age,
                    status=status,
                    deletion_locked=locked,
                    deletion_locked_at=now - age / 2 if locked else None,
                )
            )
        projects = Project.objects.bulk_create(projects, batch_size=BATCH)
        _with_history(Project, projects, history=history, when=lambda p: p.created_at)
        roles = Role.objects.bulk_create(
            (
                Role(
                    user=users[(n + extra) % len(users)],
                    project=project,
                    role=RoleName.OWNER,
                    created_at=project.created_at,
                )
                for n, project in enumerate(projects)
                for extra in ((0, 1) if n % 10 == 0 else (0,))
            ),
            batch_size=BATCH,
        )
        _with_history(Role, roles, history=history, when=lambda r: r.created_at)

        releases, removed = [], []
        for project in projects:
            many = _releases_of(rng)
            placeholder = many == 1 and rng.random() < 0.03
            life = now - project.created_at
            for j in range(many):
                version = "0.0.0" if placeholder else f"{j // 10 + 1}.{j % 10}.0"
                if not placeholder and j == many - 1 and rng.random() < 0.05:
                    version = f"{j // 10 + 2}.0.0rc1"
                release = Release(
                    project=project,
                    version=version,
                    created_at=project.created_at + life * (j + rng.random()) / (many + 1),
                )
                release._derive()  # bulk_create() does not call save(), which derives these
                releases.append(release)
                removed.append(many > 1 and rng.random() < 0.02)
        releases = _with_events(
            releases, removed, RemovalScope.RELEASE, now, RemovalEvent, RemovalCategory, history
        )
        releases = Release.objects.bulk_create(releases, batch_size=BATCH)
        _with_history(Release, releases, history=history, when=lambda r: r.created_at)

        files, removed_files = [], []
        for release in releases:
            dist = release.project.normalized_name.replace("-", "_")
            for b in range(_files_of(rng)):
                files.append(_file(release, dist, b, File, PackageType))
                removed_files.append(release.removed_at is None and rng.random() < 0.01)
        files = _with_events(
            files, removed_files, RemovalScope.FILES, now, RemovalEvent, RemovalCategory, history
        )
        files = File.objects.bulk_create(files, batch_size=BATCH)
        _with_history(File, files, history=history, when=lambda f: f.uploaded_at)
        if history:
            _register_filenames(files, history=history)

        by_project = {}
        for release in releases:
            by_project.setdefault(release.project_id, []).append(release)
        newest_file = {}
        for file in files:
            newest_file.setdefault(file.release_id, file)
        known = start + count
        dependencies, downloads = [], []
        for n, project in enumerate(projects):
            index = start + n
            project_releases = by_project[project.pk]
            latest = max(project_releases, key=lambda r: (r.created_at, r.pk))
            wanted = min(8, int(rng.paretovariate(1.5)) - 1 + (rng.random() < 0.5))
            names = {f"{prefix}-{int(known * rng.random() ** 3):06d}" for _ in range(wanted)}
            names.discard(project.normalized_name)
            for release in project_releases:
                if release is latest or rng.random() < 0.3:
                    dependencies.extend(
                        Dependency(release=release, name=name, specifier=">=0.1")
                        for name in sorted(names)
                    )
            if index > known * 0.3 and rng.random() < 0.33:
                continue  # A third of the tail is never downloaded.
            daily = max(1, int(5_000_000 / (index + 1) ** 1.15 * rng.uniform(0.5, 1.5)))
            file = newest_file.get(latest.pk) or next(
                (newest_file[r.pk] for r in project_releases if r.pk in newest_file), None
            )
            if file is None:
                continue
            days = range(30) if daily >= 1000 else [*sorted(rng.sample(range(1, 30), 2)), 0]
            downloads.extend(
                DownloadCount(
                    file=file,
                    project=project,
                    day=(now - timedelta(days=day)).date(),
                    count=daily if daily >= 1000 else daily * 10,
                )
                for day in days
            )
            oldest = min(project_releases, key=lambda r: (r.created_at, r.pk))
            if oldest is not latest and oldest.pk in newest_file and rng.random() < 0.2:
                downloads.append(
                    DownloadCount(
                        file=newest_file[oldest.pk],
                        project=project,
                        day=(now - timedelta(days=400)).date(),
                        count=daily * 300,
                    )
                )
        dependencies = Dependency.objects.bulk_create(dependencies, batch_size=BATCH)
        _with_history(
            Dependency, dependencies, history=history, when=lambda d: d.release.created_at
        )
        DownloadCount.objects.bulk_create(downloads, batch_size=BATCH)
    if popularity:
        finish(now=now)
    return {
        "projects": len(projects),
        "releases": len(releases),
        "files": len(files),
        "dependencies": len(dependencies),
        "download rows": len(downloads),
    }


def journal(*, since_project=0):
    """Write the change journal the services would have written for the generated rows.

    One "create" per project, one "new release" per release and one "add … file" per file
    (projects with a pk above `since_project`), in time order, in three INSERT … SELECT
    statements; then every project's `last_serial` in one UPDATE. Removals are not replayed: a
    mirror that starts now sees the removed rows as absent, which is what they are.
    """
    from django.db import connection

    from registry.models import Change, File, Project, Release

    change, project, release, file = (
        model._meta.db_table for model in (Change, Project, Release, File)
    )
    columns = (
        f"INSERT INTO {change} "
        "(project_id, name, version, filename, action, submitted_at, submitted_by)"
    )
    statements = [
        f"{columns} SELECT p.id, p.name, '', '', 'create', p.created_at, '' FROM {project} p "
        "WHERE p.id > %s ORDER BY p.created_at, p.id",
        f"{columns} SELECT p.id, p.name, r.version, '', 'new release', r.created_at, '' "
        f"FROM {release} r JOIN {project} p ON p.id = r.project_id WHERE p.id > %s "
        "ORDER BY r.created_at, r.id",
        f"{columns} SELECT p.id, p.name, r.version, f.filename, 'add ' || CASE f.packagetype "
        "WHEN 'sdist' THEN 'source' ELSE f.python_version END || ' file ' || f.filename, "
        f"f.uploaded_at, '' FROM {file} f JOIN {release} r ON r.id = f.release_id "
        f"JOIN {project} p ON p.id = r.project_id WHERE p.id > %s ORDER BY f.uploaded_at, f.id",
        f"UPDATE {project} SET last_serial = (SELECT MAX(c.id) FROM {change} c "
        f"WHERE c.project_id = {project}.id) WHERE id > %s",
    ]
    with connection.cursor() as cursor:
        for statement in statements:
            cursor.execute(statement, [since_project])


def finish(*, now=NOW):
    """Recompute popularity as the scheduler does, then (PostgreSQL) ANALYZE."""
    from django.db import connection

    from registry import services

    services.recompute_popularity(now=now)
    if connection.vendor == "postgresql":
        # As autovacuum would before long: without statistics on the freshly written tables
        # the planner takes them for empty and scans them whole inside correlated subqueries.
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")


def _file(release, dist, b, file_model, package_types):
    sdist = b == 0
    filename = (
        f"{dist}-{release.version}.tar.gz"
        if sdist
        else f"{dist}-{release.version}-{b}-py3-none-any.whl"
    )
    return file_model(
        release=release,
        filename=filename,
        packagetype=package_types.SDIST if sdist else package_types.WHEEL,
        python_version="source" if sdist else "py3",
        sha256=hashlib.sha256(filename.encode()).hexdigest(),
        size=1000 + b,
        uploaded_at=release.created_at + timedelta(seconds=47 * b),
    )


def _with_events(rows, removed, scope, now, event_model, categories, history=False):
    """Mark the rows flagged in `removed` as removed, each with its own removal event."""
    chosen = [row for row, flag in zip(rows, removed, strict=True) if flag]
    events = event_model.objects.bulk_create(
        (
            event_model(
                project=row.project if scope == "release" else row.release.project,
                scope=scope,
                category=categories.ADMIN,
                reason=REASON,
                created_at=now,
            )
            for row in chosen
        ),
        batch_size=BATCH,
    )
    _with_history(event_model, events, history=history, when=lambda e: e.created_at)
    for row, event in zip(chosen, events, strict=True):
        row.removed_at, row.removal_event = now - timedelta(days=1), event
    return rows


def big_versions(count, *, versions=5000):
    """How many versions each of the `count` big projects has: `versions`, then half as many,
    and so on (each version an sdist and a wheel, so the first has twice `versions` files)."""
    return [max(1, versions >> k) for k in range(count)]


def create_big_projects(count, *, versions=5000, now=NOW, prefix="bench", history=False):
    """Bulk-write `count` big projects (`<prefix>-big-1` ...), see `big_versions`, each with one
    owner, a dependency or two on its latest release and 30 days of heavy downloads. Returns the
    rows written per model."""
    from django.contrib.auth import get_user_model
    from django.db import transaction

    from registry.models import (
        Dependency,
        DownloadCount,
        File,
        PackageType,
        Project,
        Release,
        Role,
        RoleName,
    )

    written = {"projects": 0, "releases": 0, "files": 0, "dependencies": 0, "download rows": 0}
    if count <= 0:
        return written
    user_model = get_user_model()
    with transaction.atomic():
        owner = user_model.objects.create(
            username=f"{prefix}-big-owner", email=f"{prefix}-big@example.org"
        )
        for k, many in enumerate(big_versions(count, versions=versions), start=1):
            name = f"{prefix}-big-{k}"
            created = now - timedelta(days=10 * 365)
            project = Project.objects.bulk_create(
                [
                    Project(
                        name=name,
                        normalized_name=name,
                        confusable_name=confusable_key(name),
                        created_at=created,
                    )
                ]
            )
            _with_history(Project, project, history=history, when=lambda p: p.created_at)
            project = project[0]
            role = Role.objects.bulk_create(
                [Role(user=owner, project=project, role=RoleName.OWNER, created_at=created)]
            )
            _with_history(Role, role, history=history, when=lambda r: r.created_at)
            releases = []
            for j in range(many):
                release = Release(
                    project=project,
                    version=f"{j // 1000}.{j // 10 % 100}.{j % 10}",
                    created_at=created + (now - created) * (j + 1) / (many + 1),
                )
                release._derive()
                releases.append(release)
            releases = Release.objects.bulk_create(releases, batch_size=BATCH)
            _with_history(Release, releases, history=history, when=lambda r: r.created_at)
            dist = name.replace("-", "_")
            files = File.objects.bulk_create(
                (_file(r, dist, b, File, PackageType) for r in releases for b in (0, 1)),
                batch_size=BATCH,
            )
            _with_history(File, files, history=history, when=lambda f: f.uploaded_at)
            if history:
                _register_filenames(files, history=history)
            dependencies = Dependency.objects.bulk_create(
                Dependency(release=releases[-1], name=f"{prefix}-{n:06d}", specifier=">=0.1")
                for n in range(k)
            )
            _with_history(
                Dependency, dependencies, history=history, when=lambda d: d.release.created_at
            )
            downloads = DownloadCount.objects.bulk_create(
                DownloadCount(
                    file=files[-1],
                    project=project,
                    day=(now - timedelta(days=day)).date(),
                    count=2_000_000 // k,
                )
                for day in range(30)
            )
            for key, value in (
                ("projects", 1),
                ("releases", len(releases)),
                ("files", len(files)),
                ("dependencies", len(dependencies)),
                ("download rows", len(downloads)),
            ):
                written[key] += value
    return written
