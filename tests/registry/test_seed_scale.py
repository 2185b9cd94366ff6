"""`manage.py seed_scale`: PyPI-shaped data, bulk-written, deterministic, only into an empty
database."""

import io
import statistics

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from django.db.models import Count, ProtectedError
from django.urls import reverse

from registry.models import (
    Dependency,
    DownloadCount,
    File,
    FilenameRegistry,
    Popularity,
    Project,
    Release,
    Role,
)
from registry.scale import big_versions
from tests.factories import ProjectFactory, UserFactory

pytestmark = pytest.mark.django_db

N = 200


def seed(projects=N, *args):
    out, err = io.StringIO(), io.StringIO()
    call_command("seed_scale", "--projects", str(projects), *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def shape():
    """What a seeded database holds: names and counts, independent of primary keys."""
    return {
        "projects": sorted(Project.objects.values_list("name", "status")),
        "releases": Release.objects.count(),
        "files": sorted(File.objects.values_list("filename", flat=True)),
        "dependencies": Dependency.objects.count(),
        "downloads": DownloadCount.objects.count(),
        "users": sorted(get_user_model().objects.values_list("username", flat=True)),
    }


def test_writes_a_heavy_tailed_registry_with_a_progress_bar():
    out, err = seed(N, "--big-projects", "2", "--big-versions", "60")

    assert Project.objects.count() == N + 2
    per_project = list(
        Project.objects.exclude(name__startswith="scale-big-")
        .annotate(n=Count("releases"))
        .values_list("n", flat=True)
    )
    assert max(per_project) >= 4 * statistics.median(per_project)
    assert File.objects.count() > Release.objects.count() > N
    assert Dependency.objects.exists() and Popularity.objects.count() == N + 2
    assert Role.objects.filter(project__name="scale-000000").exists()
    big = Project.objects.get(name="scale-big-1")
    assert big.releases.count() == 60
    assert File.objects.filter(release__project=big).count() == 120
    assert File.objects.filter(release__project__name="scale-big-2").count() == 60
    # Downloads fall off with popularity: the first projects are among the most downloaded.
    top = Popularity.objects.order_by("rank").values_list("project__name", flat=True)[:10]
    assert any(name < "scale-000020" for name in top)
    assert "projects" in err and "[" in err and "\r" in err
    assert f"{N + 2:,} projects" in out


def test_big_projects_by_default_at_scale_and_halving():
    assert big_versions(3) == [5000, 2500, 1250]
    seed(20)
    assert not Project.objects.filter(name__startswith="scale-big-").exists()


def test_history_rows_where_history_would_exist():
    seed(N, "--big-projects", "1", "--big-versions", "10")

    for model in (Project, Release, File, Role, Dependency, FilenameRegistry):
        assert model.history.count() == model.objects.count() > 0, model
        assert set(model.history.values_list("history_change_reason", flat=True)) == {"seed_scale"}
    assert FilenameRegistry.objects.count() == File.objects.count()
    project = Project.objects.get(name="scale-000001")
    assert project.history.get().history_date == project.created_at


def test_the_same_seed_gives_the_same_data():
    seed(N, "--seed", "5")
    first = shape()
    _empty()
    seed(N, "--seed", "5")
    assert shape() == first
    _empty()
    seed(N, "--seed", "6")
    assert shape() != first


def _empty():
    """Delete every seeded row (children first), so the command may run again."""
    from django.apps import apps

    models = [m for m in apps.get_models() if m._meta.app_label in {"registry", "moderation"}]
    models += [get_user_model()]
    for _ in range(len(models)):
        left = False
        for model in models:
            try:
                model._base_manager.all().delete()
            except ProtectedError:  # a row that refers to it goes first, in a later pass
                left = True
        if not left:
            return


def test_refuses_a_database_with_a_project():
    ProjectFactory(name="real")
    with pytest.raises(CommandError, match="already holds 1 project and 0 users"):
        seed(10)
    assert Project.objects.count() == 1


def test_refuses_a_database_with_a_user():
    UserFactory()
    with pytest.raises(CommandError, match=r"create a new database, run `manage\.py migrate`"):
        seed(10)
    assert not Project.objects.exists()


def test_policy_report_and_pages_work_on_seeded_data(client):
    seed(N, "--big-projects", "1", "--big-versions", "30")
    out = io.StringIO()
    call_command("policy_report", stdout=out)
    assert str(N + 1) in out.getvalue().replace(",", "")

    big = Project.objects.get(name="scale-big-1")
    response = client.get(reverse("simple-project", args=[big.normalized_name]))
    assert response.status_code == 200
    assert response.content.count(b".whl") >= 30

    owner = big.roles.get().user
    client.force_login(owner)
    response = client.get(reverse("registry:project", args=[big.name]))
    assert response.status_code == 200
    assert b"scale-big-1" in response.content
