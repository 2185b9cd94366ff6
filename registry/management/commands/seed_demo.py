"""Load a small, realistic demo registry. Safe to run again: existing projects are left alone.

The projects are chosen so that the deletion-policy presets disagree about them: a tiny popular
package many others depend on (npm's left-pad), a project with 35 files (atomicwrites), a
placeholder whose only release is 0.0.0, a two-day-old project, a project whose only sdist is an
old yanked one, and archived, deprecated and quarantined projects.
"""

from dataclasses import dataclass, field
from datetime import timedelta

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone

from registry import services
from registry.distributions import build_sdist, build_wheel
from registry.models import DownloadCount, Project, RoleName

REASON = "Demo data (seed_demo)"

USERS = [
    # username, password, role description, staff group (None: a plain maintainer account)
    ("admin", "holdfast-admin", "registry admin (superuser)", "Registry admins"),
    ("support", "holdfast-support", "support staff", "Support staff"),
    ("alice", "holdfast-alice", "maintainer: tinypad, atomicfiles, quiet-lib, ...", None),
    ("bob", "holdfast-bob", "maintainer: atomicfiles (with alice), archived-tool", None),
    ("carol", "holdfast-carol", "maintainer of the projects that depend on tinypad", None),
]

WHEEL_TAGS = [
    "py3-none-any",
    "py2.py3-none-any",
    "cp311-cp311-manylinux_2_17_x86_64",
    "cp311-cp311-win_amd64",
]


@dataclass
class DemoProject:
    name: str
    owners: list[str]
    age_days: float
    versions: list[str]
    maintainers: list[str] = field(default_factory=list)
    wheel_tags: list[str] = field(default_factory=lambda: ["py3-none-any"])
    sdist: bool = True
    requires: list[str] = field(default_factory=list)
    daily_downloads: int = 0
    yanked: dict[str, str] = field(default_factory=dict)
    sdist_only: set[str] = field(default_factory=set)
    wheels_only: set[str] = field(default_factory=set)


PROJECTS = [
    DemoProject(
        "tinypad",
        owners=["alice"],
        age_days=3 * 365,
        versions=["1.0.0"],
        daily_downloads=9000,
    ),
    DemoProject(
        "atomicfiles",
        owners=["alice", "bob"],
        age_days=4 * 365,
        versions=["1.0.0", "1.1.0", "1.2.0", "1.3.0", "1.3.1", "1.4.0", "1.4.1"],
        wheel_tags=WHEEL_TAGS,
        daily_downloads=40,
    ),
    DemoProject("placeholder-pkg", owners=["alice"], age_days=400, versions=["0.0.0"]),
    DemoProject("fresh-start", owners=["alice"], age_days=2, versions=["0.1.0"], daily_downloads=3),
    DemoProject(
        "oldtorch-demo",
        owners=["bob"],
        age_days=5 * 365,
        versions=["0.1.2", "2.0.0"],
        wheel_tags=["cp311-cp311-manylinux_2_17_x86_64"],
        sdist_only={"0.1.2"},
        wheels_only={"2.0.0"},
        yanked={"0.1.2": "Broken build; install 2.0.0 wheels instead."},
        daily_downloads=600,
    ),
    DemoProject(
        "quiet-lib",
        owners=["alice"],
        age_days=45,
        versions=["0.9.0", "1.0.0"],
        daily_downloads=17,
    ),
    DemoProject("archived-tool", owners=["bob"], age_days=900, versions=["2.3.0"]),
    DemoProject("newname", owners=["alice"], age_days=200, versions=["2.0.0"]),
    DemoProject("oldname", owners=["alice"], age_days=1500, versions=["1.9.0"]),
    DemoProject("shady-pkg", owners=["carol"], age_days=5, versions=["1.0.0"]),
    *[
        DemoProject(
            f"pad-user-{n}",
            owners=["carol"],
            age_days=100 + 30 * n,
            versions=["1.0.0"],
            requires=["tinypad>=1.0"] + (["atomicfiles>=1.3"] if n <= 2 else []),
            daily_downloads=n * 11,
        )
        for n in range(1, 9)
    ],
]


class Command(BaseCommand):
    help = "Load the demo registry (idempotent) and print the demo logins."

    def handle(self, *args, **options):
        now = timezone.now()
        users = self.ensure_users()
        created = []
        with transaction.atomic():
            for spec in PROJECTS:
                if Project.objects.by_name(spec.name).exists():
                    continue
                self.create_project(spec, users, now)
                created.append(spec.name)
            self.apply_statuses(users)
            # Ranks and critical projects now, not at the scheduler's first run.
            services.recompute_popularity(now=now)
        if created:
            self.stdout.write(f"Created {len(created)} demo projects: {', '.join(created)}.")
        else:
            self.stdout.write("Demo projects already present; nothing to add.")
        self.stdout.write("\nDemo logins (http://127.0.0.1:8000/admin/ for staff):")
        for username, password, description, _group in USERS:
            self.stdout.write(f"  {username:8} / {password:18} {description}")

    def ensure_users(self):
        User = get_user_model()
        users = {}
        for username, password, _description, group_name in USERS:
            user, _ = User.objects.get_or_create(
                username=username, defaults={"email": f"{username}@example.org"}
            )
            user.is_staff = group_name is not None
            user.is_superuser = username == "admin"
            user.set_password(password)
            user.save()
            if group_name:
                user.groups.add(Group.objects.get(name=group_name))
            users[username] = user
        return users

    def create_project(self, spec, users, now):
        owner = users[spec.owners[0]]
        created_at = now - timedelta(days=spec.age_days)
        project = services.create_project(
            name=spec.name, owner=owner, actor=owner, reason=REASON, now=created_at
        )
        for username in spec.owners[1:]:
            services.add_role(
                project=project,
                user=users[username],
                role=RoleName.OWNER,
                actor=owner,
                reason=REASON,
                now=created_at,
            )
        for username in spec.maintainers:
            services.add_role(
                project=project,
                user=users[username],
                role=RoleName.MAINTAINER,
                actor=owner,
                reason=REASON,
                now=created_at,
            )
        step = timedelta(days=spec.age_days) / (len(spec.versions) + 1)
        files = []
        for index, version in enumerate(spec.versions):
            released_at = created_at + step * index
            release = services.create_release(
                project=project, version=version, actor=owner, reason=REASON, now=released_at
            )
            builds = []
            if spec.sdist and version not in spec.wheels_only:
                builds.append(build_sdist(spec.name, version, requires=spec.requires))
            if version not in spec.sdist_only:
                builds.extend(
                    build_wheel(spec.name, version, requires=spec.requires, tag=tag)
                    for tag in spec.wheel_tags
                )
            for built in builds:
                files.append(
                    services.add_file(
                        release=release,
                        filename=built.filename,
                        content=built.content,
                        core_metadata=built.metadata,
                        actor=owner,
                        reason=REASON,
                        now=released_at,
                    )
                )
            services.set_dependencies(
                release=release, requirements=spec.requires, actor=owner, reason=REASON
            )
            if version in spec.yanked:
                services.yank_release(
                    release=release, actor=owner, reason=spec.yanked[version], now=released_at
                )
        self.add_downloads(project, files, spec.daily_downloads, now)
        return project

    def add_downloads(self, project, files, daily, now):
        """Spread `daily` downloads over the files, for each of the last 30 days."""
        if not daily or not files:
            return
        rows = []
        for days_ago in range(30):
            day = (now - timedelta(days=days_ago)).date()
            for position, file in enumerate(files):
                share = daily // len(files) + (1 if position < daily % len(files) else 0)
                if share:
                    rows.append(DownloadCount(file=file, project=project, day=day, count=share))
        DownloadCount.objects.bulk_create(rows, batch_size=1000)

    def apply_statuses(self, users):
        def get(name):
            return Project.objects.by_name(name).get()

        admin, alice, bob = users["admin"], users["alice"], users["bob"]
        if (project := get("archived-tool")).status == "active":
            services.archive_project(
                project=project, actor=bob, reason="Finished; no further releases planned."
            )
        if (project := get("oldname")).status == "active":
            services.deprecate_project(
                project=project,
                message="Renamed: use newname, which has the same API.",
                successor=get("newname"),
                actor=alice,
                reason="Project renamed.",
            )
        if (project := get("shady-pkg")).status == "active":
            services.quarantine_project(
                project=project,
                actor=admin,
                reason="Reported as malware (credential stealer in setup); under investigation.",
            )
