"""`make bench`: measure Holdfast at scale and write BENCHMARKS.md.

Not a test: it prints figures and writes them, with the machine's facts and the issue's
thresholds (pass or FAIL), to BENCHMARKS.md at the repository root. It needs PostgreSQL
(DATABASE_URL, which `make bench` sets from BENCH_DATABASE_URL) and Redis (--cache-url, whose
database it flushes first), and never writes to the configured database itself: everything
happens in throwaway test databases (`test_<NAME>`), dropped afterwards.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/holdfast \\
    .venv/bin/python tests/benchmarks/run_all.py [--projects 100000] [--output BENCHMARKS.md]

1. Seed `manage.py seed_scale --projects N` (with at least one big project: 5,000 versions x
   sdist + wheel = 10,000 files), moderation requests included.
2. Measure every admin change list (`bench_admin`), the big project's maintainer page, policy
   decisions, an upload and restoring 35 files (`bench_registry`), its simple page over HTTP
   next to pypiserver (`bench_http`) and `policy_report` (`bench_policy_report`).
3. In a second throwaway database, advance N due staged removals through both stages as
   `advance_workflows` does (`bench_advance_workflows`, N = --cases, by default --projects).

The exit status is non-zero only when the run itself fails (an error page, a server that does
not start); a threshold that is missed is a FAIL in the table.
"""

import argparse
import io
import os
import shlex
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from tests.benchmarks.report import (  # noqa: E402
    Figure,
    Section,
    Threshold,
    machine_facts,
    render_markdown,
    render_text,
)

SCHEDULER = Threshold(median_ms=30_000)
BIG_FILES = 10_000
ISSUE_SCALE = 100_000


class Run:
    """The run's arguments and what it has gathered so far."""

    def __init__(self, args):
        self.args = args
        self.sections = []
        self.settings = []
        self.machine = []

    def section(self, title, figures, intro=""):
        section = Section(title, list(figures), intro)
        self.sections.append(section)
        print(render_text([section]), end="", flush=True)
        return section


def main(argv=None):
    args = parse_args(argv)
    os.environ["CACHE_URL"] = args.cache_url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    started_at = datetime.now(UTC)
    started = time.perf_counter()
    run = Run(args)
    flush_cache(args.cache_url)
    from tests.benchmarks.harness import in_throwaway_database

    with tempfile.TemporaryDirectory(prefix="bench-media-") as media:
        os.environ["MEDIA_ROOT"] = media  # uploads store their files here, not in ./media
        in_throwaway_database(measure_registry, run)
        in_throwaway_database(measure_scheduler, run)
    seconds = time.perf_counter() - started
    command = args.command or shlex.join(["python", *sys.argv])
    scale_note = (
        ""
        if args.projects == ISSUE_SCALE
        else " (not the issue's 100,000, for which its thresholds are set: `make bench`)"
    )
    settings = [
        ("Scale", f"{args.projects:,} projects{scale_note}"),
        ("Command", f"`{command}`"),
        ("Date", f"{started_at:%Y-%m-%d %H:%M} UTC, {seconds / 60:.1f} minutes"),
        *run.settings,
    ]
    text = render_markdown(
        title=f"Holdfast benchmarks at {args.projects:,} projects",
        settings=settings,
        machine=run.machine,
        sections=run.sections,
    )
    Path(args.output).write_text(text)
    print(f"\nWrote {args.output} in {seconds / 60:.1f} minutes.")
    return 0


def parse_args(argv):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--projects", type=int, default=ISSUE_SCALE, help="seed_scale --projects")
    parser.add_argument("--seed", type=int, default=13, help="seed_scale --seed")
    parser.add_argument("--cases", type=int, default=None, help="Due staged removals to advance.")
    parser.add_argument("--batch-size", type=int, default=500, help="advance_workflows batches.")
    parser.add_argument("--runs", type=int, default=20, help="Runs per page in process.")
    parser.add_argument("--http-runs", type=int, default=200, help="Requests per HTTP figure.")
    parser.add_argument("--peer-runs", type=int, default=20, help="Requests to pypiserver.")
    parser.add_argument("--action-runs", type=int, default=10, help="Uploads and restores.")
    parser.add_argument("--cache-url", default="redis://127.0.0.1:6379/5")
    parser.add_argument("--output", default=str(ROOT / "BENCHMARKS.md"))
    parser.add_argument("--command", default="", help="The command to show in the report.")
    return parser.parse_args(argv)


def flush_cache(url):
    import redis

    redis.Redis.from_url(url).flushdb()


def measure_registry(run):
    """Seed, then measure everything that reads or changes the seeded registry."""
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.test import Client
    from django.utils import timezone

    from tests.benchmarks import bench_admin, bench_http, bench_registry

    if connection.vendor != "postgresql":
        raise SystemExit("make bench needs PostgreSQL: set BENCH_DATABASE_URL=postgres://...")
    with connection.cursor() as cursor:
        cursor.execute("SELECT version()")
        database_version = cursor.fetchone()[0]
    args = run.args
    big, owner, data = seed(args)
    run.settings.append(("Data", data))
    admin = get_user_model().objects.create_superuser("bench-admin", "bench-admin@example.org")
    staff = Client()
    staff.force_login(admin)
    run.section(
        "Admin change lists",
        bench_admin.measure(staff, runs=args.runs),
        "Every change list of the registry and moderation apps, logged in as a superuser "
        "(Django test client): the first page, the middle page, a search for a real row's "
        "value and each list filter's first choice. Queries include the session and user.",
    )
    maintainer = Client()
    maintainer.force_login(owner)
    now = timezone.now()
    run.section(
        f"The {BIG_FILES:,}-file project ({big.name})",
        [
            *bench_registry.maintainer_page(maintainer, big, runs=args.runs),
            *bench_registry.policy_decisions(big, owner, runs=args.runs, now=now),
        ],
        "Its owner's page and the deletion policy's decisions, in process (Django test client).",
    )
    figures, servers = bench_http.measure(big, runs=args.http_runs, peer_runs=args.peer_runs)
    run.section(
        "Simple page over HTTP",
        figures,
        f"`GET /simple/{big.normalized_name}/` from live servers on this machine, one "
        "keep-alive connection, warm-up requests first; the page cache in Redis. "
        "The ratio compares the HTML medians.",
    )
    run.section(
        "Uploads and restores",
        [
            *bench_registry.uploads(maintainer, big, owner, runs=args.action_runs),
            *bench_registry.restore(admin, runs=args.action_runs),
        ],
        "Through the upload endpoint (Django test client) and the restore service.",
    )
    run.section("Policy report", policy_report(now))
    run.machine = machine_facts(database_version=database_version, extra=[*software(), *servers])


def seed(args):
    """`manage.py seed_scale --projects N` with at least one big project; return the
    10,000-file project, its owner and a summary of what was written."""
    from django.core.management import call_command

    from registry.management.commands.seed_scale import PREFIX
    from registry.models import File, Project, RoleName

    big_projects = max(1, min(3, args.projects // 10_000))
    out = io.StringIO()
    started = time.perf_counter()
    call_command(
        "seed_scale",
        projects=args.projects,
        seed=args.seed,
        big_projects=big_projects,
        stdout=out,
        stderr=sys.stderr,
    )
    print(out.getvalue().strip(), f"({time.perf_counter() - started:.0f} s)", flush=True)
    big = Project.objects.get(normalized_name=f"{PREFIX}-big-1")
    files = File.objects.filter(release__project=big, removed_at=None).count()
    if files != BIG_FILES:
        raise RuntimeError(f"{big.name} has {files:,} live files, not {BIG_FILES:,}.")
    owner = big.roles.get(role=RoleName.OWNER).user
    command = (
        f"`manage.py seed_scale --projects {args.projects} --seed {args.seed} "
        f"--big-projects {big_projects}`: "
    )
    return big, owner, command + out.getvalue().strip().removeprefix("Wrote ")


def policy_report(now):
    from tests.benchmarks.bench_policy_report import measure, measure_facts

    facts_seconds = measure_facts(now=now)
    seconds, queries, comparison = measure(now=now)
    judged = (
        f"{comparison.projects:,} projects, {comparison.releases:,} releases, "
        f"{comparison.files:,} files, {len(comparison.presets)} presets"
    )
    return [
        Figure("policy_report: reading the facts", (facts_seconds * 1000,)),
        Figure("policy_report: every preset compared", (seconds * 1000,), queries, note=judged),
    ]


def measure_scheduler(run):
    """Advance `--cases` due staged removals through both stages, in batches."""
    from moderation.services import staged
    from tests.benchmarks.bench_advance_workflows import advance_stages, create_due_cases

    args = run.args
    cases = args.cases or args.projects
    create_due_cases(cases)
    actor = staged.scheduler_user()
    figures = [
        Figure(
            f"advance_workflows, {label}: {moved:,} due cases",
            (seconds * 1000,),
            queries=max(per_batch),
            queries_note=f"per batch of {args.batch_size:,}",
            threshold=SCHEDULER,
        )
        for label, seconds, moved, per_batch in advance_stages(
            cases=cases, size=args.batch_size, actor=actor
        )
    ]
    run.section(
        "Scheduler",
        figures,
        "In a database of their own: the due cases and their projects, bulk-written; each "
        "stage timed once, batch after batch, as `advance_workflows` runs them.",
    )


def software():
    from importlib.metadata import version

    import redis

    server = redis.Redis.from_url(os.environ["CACHE_URL"]).info("server")["redis_version"]
    return [
        ("Django", version("django")),
        ("gunicorn", version("gunicorn")),
        ("Redis", server),
    ]


if __name__ == "__main__":
    sys.exit(main())
