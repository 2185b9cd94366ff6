"""Benchmark the policy report: every preset judged on 100,000 projects and ~300,000 files.

Not a test: it prints figures. It creates its own throwaway test database (Django's
`setup_databases`, named `test_<NAME>`), bulk-writes a registry in steps (10,000 projects, then
up to 50,000, then up to 100,000 by default) and after each step times
`registry.reports.compare.compare` (all presets, as `manage.py policy_report` runs it) and
counts its queries. It destroys the database afterwards and never writes to the configured
database itself.

    DJANGO_SETTINGS_MODULE=config.settings \\
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/holdfast \\
    .venv/bin/python tests/benchmarks/bench_policy_report.py [--steps 10000,50000,100000]

The registry is heavy-tailed like a real one: most projects have one or two releases and a few
have hundreds; each release has one to a few dozen files; some projects are placeholders (only
0.0.0), brand new, deletion-locked, archived, deprecated or quarantined; some releases and files
are removed; the latest releases require other projects, the popular ones far more often; and
daily downloads fall off with popularity (a power law), a third of the tail having none.
Popularity (ranks, critical projects) is computed as the scheduler does.

What to look for: the query count is the same at every size (a fixed number of streamed
queries), and the time grows in proportion to the projects, releases and files judged. "facts s"
is reading and building the facts alone; the rest of "report s" is the policy's decisions.
"""

import argparse
import hashlib
import random
import resource
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

NOW = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)
BATCH = 5000
REASON = "Benchmark data"


def _releases_of(rng):
    """How many releases a project has: heavy-tailed (most have one or two)."""
    return min(300, int(rng.paretovariate(2.1)))


def _files_of(rng):
    """How many files a release has: one sdist and a few wheels, now and then many."""
    return min(40, int(rng.paretovariate(2.2)) + (rng.random() < 0.5))


def create_registry(count, *, start=0, now=NOW, seed=13):
    """Bulk-write projects start .. start+count-1 with their owners, releases, files,
    dependencies and downloads, then recompute popularity. Returns the rows written per model.

    Rows are written with bulk_create and no history: this is test data, not registry actions.
    """
    from django.contrib.auth import get_user_model
    from django.db import connection, transaction

    from registry import services
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
            user_model(username=f"bench-owner-{start + n}", email=f"o{start + n}@example.org")
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
                    name=f"bench-{index:06d}",
                    normalized_name=f"bench-{index:06d}",
                    created_at=now - age,
                    status=status,
                    deletion_locked=locked,
                    deletion_locked_at=now - age / 2 if locked else None,
                )
            )
        projects = Project.objects.bulk_create(projects, batch_size=BATCH)
        Role.objects.bulk_create(
            (
                Role(user=users[(n + extra) % len(users)], project=project, role=RoleName.OWNER)
                for n, project in enumerate(projects)
                for extra in ((0, 1) if n % 10 == 0 else (0,))
            ),
            batch_size=BATCH,
        )

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
            releases, removed, RemovalScope.RELEASE, now, RemovalEvent, RemovalCategory
        )
        releases = Release.objects.bulk_create(releases, batch_size=BATCH)

        files, removed_files = [], []
        for release in releases:
            dist = release.project.normalized_name.replace("-", "_")
            for b in range(_files_of(rng)):
                sdist = b == 0
                filename = (
                    f"{dist}-{release.version}.tar.gz"
                    if sdist
                    else f"{dist}-{release.version}-{b}-py3-none-any.whl"
                )
                files.append(
                    File(
                        release=release,
                        filename=filename,
                        packagetype=PackageType.SDIST if sdist else PackageType.WHEEL,
                        python_version="source" if sdist else "py3",
                        sha256=hashlib.sha256(filename.encode()).hexdigest(),
                        size=1000 + b,
                        uploaded_at=release.created_at + timedelta(seconds=47 * b),
                    )
                )
                removed_files.append(release.removed_at is None and rng.random() < 0.01)
        files = _with_events(
            files, removed_files, RemovalScope.FILES, now, RemovalEvent, RemovalCategory
        )
        files = File.objects.bulk_create(files, batch_size=BATCH)

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
            names = {f"bench-{int(known * rng.random() ** 3):06d}" for _ in range(wanted)}
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
        Dependency.objects.bulk_create(dependencies, batch_size=BATCH)
        DownloadCount.objects.bulk_create(downloads, batch_size=BATCH)
    services.recompute_popularity(now=now)
    if connection.vendor == "postgresql":
        # As autovacuum would before long: without statistics on the freshly written tables
        # the planner takes them for empty and scans them whole inside correlated subqueries.
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    return {
        "projects": len(projects),
        "releases": len(releases),
        "files": len(files),
        "dependencies": len(dependencies),
        "download rows": len(downloads),
    }


def _with_events(rows, removed, scope, now, event_model, categories):
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
    for row, event in zip(chosen, events, strict=True):
        row.removed_at, row.removal_event = now - timedelta(days=1), event
    return rows


def measure(presets=None):
    """Time the comparison once, counting its queries. Returns (seconds, queries, comparison)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from registry.reports.compare import compare

    with CaptureQueriesContext(connection) as queries:
        started = time.perf_counter()
        comparison = compare(presets, now=NOW)
        seconds = time.perf_counter() - started
    return seconds, len(queries), comparison


def measure_facts():
    """Time reading the facts alone (the database's part and building them), in seconds."""
    from django.db import transaction

    from registry.reports.facts import live_project_facts

    started = time.perf_counter()
    with transaction.atomic():
        for _row in live_project_facts(now=NOW):
            pass
    return time.perf_counter() - started


def run(args):
    from django.db import connection

    steps = [int(step) for step in args.steps.split(",")]
    print(f"database: {connection.vendor} {connection.settings_dict['NAME']}")
    presets = args.preset or None
    print(f"presets: {', '.join(presets) if presets else 'all'}; now: {NOW.isoformat()}\n")
    print(
        f"{'projects':>9}{'releases':>10}{'files':>10}{'deps':>9}{'dl rows':>9}"
        f"{'write s':>9}{'facts s':>9}{'report s':>10}{'queries':>9}{'max RSS MB':>12}"
    )
    written = {"projects": 0, "releases": 0, "files": 0, "dependencies": 0, "download rows": 0}
    for step in steps:
        started = time.perf_counter()
        added = create_registry(step - written["projects"], start=written["projects"])
        write_seconds = time.perf_counter() - started
        for key, value in added.items():
            written[key] += value
        facts_seconds = measure_facts()
        seconds, queries, comparison = measure(presets)
        rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(
            f"{comparison.projects:>9,}{comparison.releases:>10,}{comparison.files:>10,}"
            f"{written['dependencies']:>9,}{written['download rows']:>9,}"
            f"{write_seconds:>9.1f}{facts_seconds:>9.1f}{seconds:>10.1f}{queries:>9}{rss:>12.0f}",
            flush=True,
        )
    print()
    for result in comparison.presets:
        print(
            f"  {result.preset:<14} may delete {result.projects.deletable:>7,} projects, "
            f"{result.releases.deletable:>8,} releases, {result.files.deletable:>8,} files"
        )


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", default="10000,50000,100000")
    parser.add_argument("--preset", action="append", help="Compare only these presets.")
    args = parser.parse_args()

    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
    from tests.benchmarks.harness import in_throwaway_database

    in_throwaway_database(run, args)


if __name__ == "__main__":
    main()
