"""Benchmark the policy report: every preset judged on 100,000 projects and ~300,000 files.

Not a test: it prints figures. `make bench` (tests/benchmarks/run_all.py) times the same
comparison (`measure`, `measure_facts`) once on its `seed_scale` data and puts it in
BENCHMARKS.md; this script shows how it grows with the registry. It creates its own throwaway
test database (Django's `setup_databases`, named `test_<NAME>`), bulk-writes a registry in steps
(10,000 projects, then up to 50,000, then up to 100,000 by default) and after each step times
`registry.reports.compare.compare` (all presets, as `manage.py policy_report` runs it) and
counts its queries. It destroys the database afterwards and never writes to the configured
database itself.

    DJANGO_SETTINGS_MODULE=config.settings \\
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/holdfast \\
    .venv/bin/python tests/benchmarks/bench_policy_report.py [--steps 10000,50000,100000]

The registry is written by `registry.scale.create_registry` (the engine of `manage.py
seed_scale`, whose docstring describes its shape), without history rows or big projects: heavy
tails of releases and files, removed rows, every project status, dependencies and downloads that
fall off with popularity. Popularity (ranks, critical projects) is computed as the scheduler does.

What to look for: the query count is the same at every size (a fixed number of streamed
queries), and the time grows in proportion to the projects, releases and files judged. "facts s"
is reading and building the facts alone; the rest of "report s" is the policy's decisions.
"""

import argparse
import resource
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from registry.scale import NOW, create_registry


def measure(presets=None, *, now=NOW):
    """Time the comparison once, counting its queries. Returns (seconds, queries, comparison)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from registry.reports.compare import compare

    with CaptureQueriesContext(connection) as queries:
        started = time.perf_counter()
        comparison = compare(presets, now=now)
        seconds = time.perf_counter() - started
    return seconds, len(queries), comparison


def measure_facts(*, now=NOW):
    """Time reading the facts alone (the database's part and building them), in seconds."""
    from django.db import transaction

    from registry.reports.facts import live_project_facts

    started = time.perf_counter()
    with transaction.atomic():
        for _row in live_project_facts(now=now):
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

    from tests.benchmarks.harness import in_throwaway_database

    in_throwaway_database(run, args)


if __name__ == "__main__":
    main()
