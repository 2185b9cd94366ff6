"""Fill an empty database with PyPI-shaped data at scale (see `registry.scale`).

    manage.py seed_scale --projects 100000 [--seed 13] [--big-projects 3] [--big-versions 5000]

Writes the projects in chunks with bulk inserts (a progress bar on stderr), then the big
projects, then whatever registered seeders add (moderation's requests), then computes popularity.
Everything happens in one transaction. The same --projects and --seed give the same names and
counts. It refuses a database that holds any project or user: seeding is for empty databases
(after `migrate`), never for one with real data.
"""

import random
import time

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from registry import scale
from registry.extensions import scale_seeders
from registry.models import Project
from registry.words import counted

CHUNK = 10_000
PREFIX = "scale"


class Command(BaseCommand):
    help = "Fill an empty database with PyPI-shaped data: N projects and everything around them."

    def add_arguments(self, parser):
        parser.add_argument("--projects", type=int, required=True, help="How many projects.")
        parser.add_argument("--seed", type=int, default=13, help="Random seed (default 13).")
        parser.add_argument(
            "--big-projects",
            type=int,
            default=None,
            help="Projects with thousands of files (default: one per 10,000 projects, at most 3).",
        )
        parser.add_argument(
            "--big-versions",
            type=int,
            default=5000,
            help="Versions of the first big project, each an sdist and a wheel (default 5000; "
            "each further big project has half as many).",
        )

    def handle(self, *args, projects, seed, big_projects, big_versions, **options):
        if projects < 1:
            raise CommandError("--projects must be at least 1.")
        big = min(3, projects // 10_000) if big_projects is None else big_projects
        now = timezone.now().replace(minute=0, second=0, microsecond=0)
        started = time.perf_counter()
        written = {}
        with transaction.atomic():
            self._refuse_unless_empty()
            self.stderr.ending = ""  # the bar redraws its own line
            progress = scale.Progress(projects, stream=self.stderr)
            for start in range(0, projects, CHUNK):
                count = min(CHUNK, projects - start)
                added = scale.create_registry(
                    count,
                    start=start,
                    now=now,
                    seed=seed,
                    prefix=PREFIX,
                    history=True,
                    popularity=False,
                )
                _add(written, added)
                progress.advance(count, "registry")
            if big:
                progress.advance(0, f"{counted(big, 'big project')}")
                _add(
                    written,
                    scale.create_big_projects(
                        big, versions=big_versions, now=now, prefix=PREFIX, history=True
                    ),
                )
            progress.advance(0, "change journal")
            scale.journal()
            progress.advance(0, "moderation requests")
            seeded = list(Project.objects.order_by("pk"))
            rng = random.Random(seed * 7919 + 1)
            for seeder in scale_seeders():
                _add(written, seeder(seeded, rng=rng, now=now, history=True))
            progress.advance(0, "popularity")
            scale.finish(now=now)
            progress.finish()
        summary = ", ".join(f"{value:,} {key}" for key, value in written.items())
        self.stdout.write(f"Wrote {summary} in {time.perf_counter() - started:.1f} s.")

    def _refuse_unless_empty(self):
        users = get_user_model().objects.count()
        found = Project.objects.count()
        if users or found:
            raise CommandError(
                f"This database already holds {counted(found, 'project')} and "
                f"{counted(users, 'user')}. seed_scale writes only into an empty database, "
                "so that generated data never mixes with real data: create a new database, "
                "run `manage.py migrate` and seed that."
            )


def _add(total, added):
    for key, value in added.items():
        total[key] = total.get(key, 0) + value
