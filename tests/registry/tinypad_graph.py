"""tinypad, the project of issue #13, for the admin's and moderators' impact pages.

tinypad: owned by alice, one release (1.0.0, three years old, one wheel) that every dependent's
requirement `>=1.0` matches, 9,000 downloads a day for the last 30 days (63,000 in 7 days), and
`dependents` other projects whose latest release requires it. The scheduler's ranking is
recomputed, so tinypad is the critical project of this small registry.
"""

from datetime import timedelta

from registry import services
from tests.factories import (
    DependencyFactory,
    DownloadCountFactory,
    FileFactory,
    ProjectFactory,
    ReleaseFactory,
    RoleFactory,
    UserFactory,
)

DOWNLOADS_A_DAY = 9_000


def add_dependents(count, *, start=0, name="tinypad"):
    """Give `name` `count` more dependents (`uses-tinypad-<n>`, from `start`)."""
    for n in range(start, start + count):
        user = ProjectFactory(name=f"uses-{name}-{n}")
        DependencyFactory(release=ReleaseFactory(project=user), name=name, specifier=">=1.0")


def build_tinypad(*, now, dependents=8, owner=None):
    """Return tinypad's project, its only release and its only file."""
    owner = owner or UserFactory(username="alice")
    created = now - timedelta(days=3 * 365)
    project = ProjectFactory(name="tinypad", created_at=created)
    RoleFactory(project=project, user=owner, role="owner", created_at=created)
    release = ReleaseFactory(project=project, version="1.0.0", created_at=created)
    wheel = FileFactory(release=release, uploaded_at=created)
    for days_ago in range(30):
        day = (now - timedelta(days=days_ago)).date()
        DownloadCountFactory(file=wheel, day=day, count=DOWNLOADS_A_DAY)
    add_dependents(dependents)
    services.recompute_popularity(now=now)
    return project, release, wheel


def build_fresh(*, now, name="fresh-pad", owner=None):
    """A project published yesterday, which its owner may still remove under proposal-2022."""
    owner = owner or UserFactory(username=f"{name}-owner")
    created = now - timedelta(days=1)
    project = ProjectFactory(name=name, created_at=created)
    RoleFactory(project=project, user=owner, role="owner", created_at=created)
    release = ReleaseFactory(project=project, version="0.1.0", created_at=created)
    FileFactory(release=release, uploaded_at=created)
    return project
