"""`manage.py seed_demo`: a realistic demo registry, loaded once however often the command runs."""

import hashlib
from io import StringIO

import pytest
from django.core.files.storage import default_storage
from django.core.management import call_command

from registry.models import (
    Dependency,
    DownloadCount,
    File,
    FilenameRegistry,
    Project,
    ProjectStatus,
    Release,
    Role,
)

pytestmark = pytest.mark.django_db

TRACKED = [Project, Role, Release, File, FilenameRegistry, Dependency]

LOGINS = [
    ("admin", "holdfast-admin"),
    ("support", "holdfast-support"),
    ("alice", "holdfast-alice"),
    ("bob", "holdfast-bob"),
    ("carol", "holdfast-carol"),
]


def seed():
    out = StringIO()
    call_command("seed_demo", stdout=out)
    return out.getvalue()


def counts():
    return {
        "projects": Project.objects.count(),
        "releases": Release.objects.count(),
        "files": File.objects.count(),
        "filenames": FilenameRegistry.objects.count(),
        "dependencies": Dependency.objects.count(),
        "downloads": DownloadCount.objects.count(),
        **{f"history of {model.__name__}": model.history.count() for model in TRACKED},
    }


@pytest.fixture
def seeded():
    return seed()


def test_second_run_creates_nothing(seeded):
    before = counts()

    output = seed()

    assert counts() == before
    assert before["projects"] == 18
    assert "nothing to add" in output


def test_output_lists_the_demo_logins(seeded):
    assert "Created 18 demo projects" in seeded
    for username, password in LOGINS:
        assert username in seeded
        assert password in seeded


def test_atomicfiles_has_35_live_files(seeded):
    files = File.objects.live().filter(release__project__normalized_name="atomicfiles")

    assert files.count() == 35
    assert files.filter(packagetype="sdist").count() == 7


def test_every_blob_exists_and_matches_its_digest(seeded):
    files = list(File.objects.all())
    assert files
    for file in files:
        assert default_storage.exists(file.blob.name), file.filename
        with default_storage.open(file.blob.name) as blob:
            content = blob.read()
        assert hashlib.sha256(content).hexdigest() == file.sha256, file.filename
        assert len(content) == file.size, file.filename


def test_placeholder_only_release_is_0_0_0(seeded):
    project = Project.objects.by_name("placeholder-pkg").get()

    assert [release.version for release in project.releases.all()] == ["0.0.0"]


def test_statuses_are_applied(seeded):
    archived = Project.objects.by_name("archived-tool").get()
    deprecated = Project.objects.by_name("oldname").get()
    quarantined = Project.objects.by_name("shady-pkg").get()

    assert archived.status == ProjectStatus.ARCHIVED
    assert deprecated.status == ProjectStatus.DEPRECATED
    assert deprecated.successor == Project.objects.by_name("newname").get()
    assert quarantined.status == ProjectStatus.QUARANTINED
    assert Project.objects.by_name("tinypad").get().status == ProjectStatus.ACTIVE


def test_statuses_are_recorded_in_history_with_reasons(seeded):
    quarantined = Project.objects.by_name("shady-pkg").get()

    latest = quarantined.history.latest("history_id")
    assert latest.status == ProjectStatus.QUARANTINED
    assert latest.history_user_username == "admin"
    assert latest.history_change_reason.startswith("Reported as malware")


def test_tinypad_has_dependents(seeded):
    dependents = set(
        Dependency.objects.filter(name="tinypad").values_list(
            "release__project__normalized_name", flat=True
        )
    )

    assert dependents == {f"pad-user-{n}" for n in range(1, 9)}


def test_download_counts_exist(seeded):
    tinypad = Project.objects.by_name("tinypad").get()
    per_day = {}
    for row in DownloadCount.objects.filter(project=tinypad):
        per_day[row.day] = per_day.get(row.day, 0) + row.count

    assert len(per_day) == 30
    assert set(per_day.values()) == {9000}
    assert not DownloadCount.objects.filter(project__normalized_name="placeholder-pkg").exists()


def test_staff_accounts_are_in_their_groups(seeded):
    from django.contrib.auth import get_user_model

    users = get_user_model().objects
    assert users.get(username="support").groups.filter(name="Support staff").exists()
    assert users.get(username="admin").groups.filter(name="Registry admins").exists()
    assert not users.get(username="alice").is_staff
