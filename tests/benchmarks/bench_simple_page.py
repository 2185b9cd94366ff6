"""Benchmark the hottest page: the simple page of one project with 10,000 files.

Not a test: it prints figures, in-process (the Django test client) next to the floor (one
SELECT and joining the links). `make bench` (tests/benchmarks/run_all.py, `bench_http`)
measures the same page over HTTP from gunicorn, side by side with pypiserver, for
BENCHMARKS.md. It creates its own throwaway test database (Django's
`setup_databases`, the same one the test runner would make, named `test_<NAME>`), fills it with
one project of 5,000 versions x (sdist + wheel), times the page through the Django test client
and destroys the database afterwards. It never writes to the configured database itself.

    DJANGO_SETTINGS_MODULE=config.settings \
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/holdfast \
    .venv/bin/python tests/benchmarks/bench_simple_page.py [--versions 5000] [--runs 15]

`--description-bytes N` pads every file's core metadata with an N-byte description, as real
METADATA files carry the README, to show what hashing the metadata on each request costs.
"""

import argparse
import hashlib
import statistics
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

JSON = "application/vnd.pypi.simple.v1+json"
PROJECT_NAME = "bench-project"


def create_project_with_files(name, versions, *, description_bytes=0, requires_python=">=3.8"):
    """Create a project with `versions` releases of one sdist and one wheel each (bulk inserts).

    Returns the project. Rows are written with bulk_create and no history: this is bulk test
    data, not a registry action. Blobs are not stored (pages never read them).
    """
    from packaging.utils import canonicalize_version

    from registry.distributions import core_metadata, distribution_name
    from registry.models import File, PackageType, Project, Release, metadata_digest

    start = datetime(2020, 1, 1, tzinfo=UTC)
    project = Project.objects.create(name=name, created_at=start)
    releases = Release.objects.bulk_create(
        Release(
            project=project,
            version=f"{n // 100}.{n % 100}.0",
            canonical_version=canonicalize_version(f"{n // 100}.{n % 100}.0"),
            created_at=start + timedelta(hours=n),
        )
        for n in range(versions)
    )
    dist = distribution_name(name)
    padding = ("x" * 79 + "\n") * (description_bytes // 80)
    files = []
    for n, release in enumerate(releases):
        metadata = core_metadata(name, release.version, requires_python=requires_python)
        metadata += padding
        for filename, packagetype, python in (
            (f"{dist}-{release.version}.tar.gz", PackageType.SDIST, "source"),
            (f"{dist}-{release.version}-py3-none-any.whl", PackageType.WHEEL, "py3"),
        ):
            files.append(
                File(
                    release=release,
                    filename=filename,
                    packagetype=packagetype,
                    python_version=python,
                    requires_python=requires_python,
                    sha256=hashlib.sha256(filename.encode()).hexdigest(),
                    size=1000 + n,
                    uploaded_at=start + timedelta(hours=n, seconds=1),
                    core_metadata=metadata,
                    metadata_sha256=metadata_digest(metadata),
                )
            )
    File.objects.bulk_create(files, batch_size=2000)
    return project


def _median_ms(function, runs):
    timings = []
    for _ in range(runs):
        started = time.perf_counter()
        function()
        timings.append((time.perf_counter() - started) * 1000)
    return statistics.median(timings), min(timings)


def _floor(project, runs):
    """One indexed SELECT of the printed columns plus joining the links: the floor."""
    from registry.models import File

    def select_and_join():
        rows = (
            File.objects.filter(release__project=project)
            .order_by("filename")
            .values_list("filename", "sha256", "requires_python")
        )
        return "".join(
            f'<a href="/files/{f}#sha256={s}" data-requires-python="{r}">{f}</a>\n'
            for f, s, r in rows
        )

    return _median_ms(select_and_join, runs)


def run(args):
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    started = time.perf_counter()
    project = create_project_with_files(
        PROJECT_NAME, args.versions, description_bytes=args.description_bytes
    )
    files = project.releases.count() * 2
    print(f"database: {connection.vendor} {connection.settings_dict['NAME']}")
    print(
        f"data: 1 project, {args.versions} versions, {files} files, "
        f"metadata {args.description_bytes} B of description per file "
        f"(created in {time.perf_counter() - started:.1f} s)"
    )
    client = Client()
    url = f"/simple/{PROJECT_NAME}/"
    print(f"runs: {args.runs} per figure (median, min), through the Django test client\n")
    print(f"{'case':<34}{'median ms':>10}{'min ms':>9}{'queries':>9}{'bytes':>11}")

    def report(label, accept, extra=None):
        headers = {"HTTP_ACCEPT": accept, **(extra or {})}
        with CaptureQueriesContext(connection) as queries:
            response = client.get(url, **headers)
        query_count = len(queries)
        median, fastest = _median_ms(lambda: client.get(url, **headers), args.runs)
        size = len(response.content)
        print(
            f"{label:<34}{median:>10.1f}{fastest:>9.1f}{query_count:>9}{size:>11,}"
            f"   [{response.status_code}]"
        )
        return response

    html = report("HTML page (text/html)", "text/html")
    json_page = report("JSON page (PEP 691)", JSON)
    report("HTML page, If-None-Match -> 304", "text/html", {"HTTP_IF_NONE_MATCH": html["ETag"]})
    report("JSON page, If-None-Match -> 304", JSON, {"HTTP_IF_NONE_MATCH": json_page["ETag"]})
    median, fastest = _floor(project, args.runs)
    print(f"{'floor: SELECT + join (no view)':<34}{median:>10.1f}{fastest:>9.1f}{1:>9}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--versions", type=int, default=5000)
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--description-bytes", type=int, default=0)
    args = parser.parse_args()

    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
    from tests.benchmarks.harness import in_throwaway_database

    in_throwaway_database(run, args)


if __name__ == "__main__":
    main()
