"""Benchmark the scheduler: advance 100,000 due staged removals, batch after batch.

Not a test: it prints figures. `make bench` (tests/benchmarks/run_all.py) runs the same
measurement (`create_due_cases`, `advance_stages`) once, with the command's batch size, and puts
it in BENCHMARKS.md; this script compares batch sizes. It creates its own throwaway test
database (Django's `setup_databases`, named `test_<NAME>`), bulk-creates the due cases (projects
with an owner, one case in four of a single yanked release, the rest of whole projects), then
for each batch size moves every case deprecated -> pending removal and then pending removal ->
awaiting review with `moderation.services.staged.advance_batch`, exactly as `advance_workflows`
does, counting the queries of every batch. Between batch sizes the cases are put back to
"deprecated, due". It destroys the database afterwards and never writes to the configured
database itself.

    DJANGO_SETTINGS_MODULE=config.settings \\
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/holdfast \\
    .venv/bin/python tests/benchmarks/bench_advance_workflows.py [--cases 100000] \\
        [--batch-sizes 100,500,2000]

Queries per batch are the statements the batch sends (BEGIN and COMMIT not counted), counted by
an execute wrapper rather than Django's debug cursor, which would also keep every statement's
text. What to look for: the queries per batch are the same number for every batch size (the batch
is a fixed number of statements, whatever its size), and the time per case falls as batches grow.
"""

import argparse
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

MESSAGE = "Unmaintained since 2019; use something else."
STARTED = datetime(2024, 1, 1, tzinfo=UTC)
DEPRECATED = timedelta(days=30)
NOW = STARTED + timedelta(days=31)
LATER = NOW + timedelta(days=400)  # every pending case is due for review by then


def create_due_cases(count):
    """Bulk-insert `count` due cases with their projects, owners and releases (no history:
    this is test data, not registry actions)."""
    from django.contrib.auth import get_user_model

    from moderation.models import StagedRemoval
    from registry.models import Project, Release, Role, RoleName

    owners = get_user_model().objects.bulk_create(
        get_user_model()(username=f"owner-{n}", email=f"owner-{n}@example.org")
        for n in range(max(1, count // 10))
    )
    projects = Project.objects.bulk_create(
        (
            Project(name=f"bench-{n}", normalized_name=f"bench-{n}", created_at=STARTED)
            for n in range(count)
        ),
        batch_size=5000,
    )
    Role.objects.bulk_create(
        (
            Role(user=owners[n % len(owners)], project=project, role=RoleName.OWNER)
            for n, project in enumerate(projects)
        ),
        batch_size=5000,
    )
    releases = Release.objects.bulk_create(
        (
            Release(
                project=project,
                version="1.0",
                canonical_version="1",
                created_at=STARTED,
                yanked=True,
                yanked_reason=MESSAGE,
                yanked_at=STARTED,
            )
            for project in projects[::4]
        ),
        batch_size=5000,
    )
    release_of = {release.project_id: release for release in releases}
    # Started over the month before, a second apart: due at as many different times.
    StagedRemoval.objects.bulk_create(
        (
            StagedRemoval(
                project=project,
                release=release_of.get(project.pk),
                message=MESSAGE,
                created_at=STARTED - timedelta(seconds=n),
                next_step_at=STARTED - timedelta(seconds=n) + DEPRECATED,
            )
            for n, project in enumerate(projects)
        ),
        batch_size=5000,
    )
    return len(projects), len(releases)


def reset():
    """Put every case back to "deprecated, due" and clear the pending marks (test data only)."""
    from django.db.models import F

    from moderation.models import StagedRemoval, StagedState
    from registry.models import Project, Release

    StagedRemoval.objects.update(
        state=StagedState.DEPRECATED,
        pending_at=None,
        review_at=None,
        next_step_at=F("created_at") + DEPRECATED,
    )
    Project.objects.update(pending_removal_at=None)
    Release.objects.update(pending_removal_at=None)


def advance_all(*, now, size, actor):
    """Move every due case with batches of `size`; return (seconds, cases, queries per batch)."""
    from django.core import mail
    from django.db import connection

    from moderation.services import staged

    statements = 0

    def count(execute, sql, params, many, context):
        # Counted, not recorded: Django's debug cursor would also keep every statement's text
        # (a batch's inserts run to megabytes), which a production run does not pay for.
        nonlocal statements
        statements += 1
        return execute(sql, params, many, context)

    moved, per_batch, seconds = 0, [], 0.0
    while True:
        statements = 0
        started = time.perf_counter()
        with connection.execute_wrapper(count):
            report = staged.advance_batch(now=now, actor=actor, size=size)
        seconds += time.perf_counter() - started
        mail.outbox.clear()  # the owners' and admins' emails, sent to memory on commit
        if not report:
            return seconds, moved, per_batch
        moved += len(report)
        per_batch.append(statements)


def advance_stages(*, cases, size, actor):
    """Move all `cases` due cases through both stages with batches of `size`; yield, for each
    stage, (label, seconds, cases moved, queries of each batch). Checks that every case moved."""
    from moderation.models import StagedRemoval, StagedState

    for label, now, state in (
        ("deprecated -> pending removal", NOW, StagedState.PENDING_REMOVAL),
        ("pending removal -> awaiting review", LATER, StagedState.AWAITING_REVIEW),
    ):
        seconds, moved, per_batch = advance_all(now=now, size=size, actor=actor)
        if not moved == cases == StagedRemoval.objects.filter(state=state).count():
            raise RuntimeError(f"{label}: moved {moved:,} of {cases:,} cases.")
        yield label, seconds, moved, per_batch


def describe(counts):
    return ", ".join(str(count) for count in sorted(set(counts)))


def run(args):
    from django.db import connection

    from moderation.services import staged

    started = time.perf_counter()
    projects, releases = create_due_cases(args.cases)
    print(f"database: {connection.vendor} {connection.settings_dict['NAME']}")
    print(
        f"data: {args.cases:,} due staged removals ({projects - releases:,} of whole projects, "
        f"{releases:,} of one release), created in {time.perf_counter() - started:.1f} s"
    )
    actor = staged.scheduler_user()
    sizes = [int(size) for size in args.batch_sizes.split(",")]
    print(
        f"\n{'stage':<34}{'batch':>7}{'batches':>9}{'seconds':>9}{'cases/s':>10}"
        f"{'queries per batch':>19}"
    )
    for size in sizes:
        reset()
        for label, seconds, moved, per_batch in advance_stages(
            cases=args.cases, size=size, actor=actor
        ):
            print(
                f"{label:<34}{size:>7,}{len(per_batch):>9,}{seconds:>9.1f}"
                f"{moved / seconds:>10,.0f}{describe(per_batch):>19}"
            )


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=100_000)
    parser.add_argument("--batch-sizes", default="100,500,2000")
    args = parser.parse_args()

    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
    from tests.benchmarks.harness import in_throwaway_database

    in_throwaway_database(run, args)


if __name__ == "__main__":
    main()
