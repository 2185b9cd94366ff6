"""The registry admin: lists that scale, search and filters, and nothing that edits or deletes."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from registry import services
from registry.extensions import (
    ProjectNotice,
    admin_project_notices,
    register_admin_project_notices,
    unregister_admin_project_notices,
)
from registry.models import FilenameRegistry, ProjectStatus
from registry.paginators import timed_count_overhead
from tests.factories import (
    DependencyFactory,
    DownloadCountFactory,
    FileFactory,
    NameReservationFactory,
    ProjectFactory,
    ReleaseFactory,
    RemovalEventFactory,
    RoleFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

NOW = timezone.now().replace(microsecond=0)


def removed(factory, *, project, **kwargs):
    event = RemovalEventFactory(project=project)
    return factory(removed_at=NOW, removal_event=event, **kwargs)


# Row builders: each new row has its own related rows, so every foreign key shown in the list (and
# every `__str__` that follows one) would cost a query per row without `list_select_related`.


def make_project(n):
    statuses = list(ProjectStatus)
    return ProjectFactory(status=statuses[n % len(statuses)])


def make_role(n):
    return RoleFactory()


def make_release(n):
    return ReleaseFactory()


def make_file(n):
    return FileFactory()


def make_filenameregistry(n):
    return FilenameRegistry.objects.create(filename=f"pkg_{n}-1.0.tar.gz", project_name=f"pkg-{n}")


def make_dependency(n):
    return DependencyFactory()


def make_downloadcount(n):
    return DownloadCountFactory()


def make_namereservation(n):
    return NameReservationFactory(created_by=UserFactory())


def make_removalevent(n):
    actor = UserFactory()
    return RemovalEventFactory(actor=actor, actor_username=actor.username)


BUILDERS = {
    "project": make_project,
    "role": make_role,
    "release": make_release,
    "file": make_file,
    "filenameregistry": make_filenameregistry,
    "dependency": make_dependency,
    "downloadcount": make_downloadcount,
    "namereservation": make_namereservation,
    "removalevent": make_removalevent,
}
MODELS = list(BUILDERS)
READ_ONLY_MODELS = [
    "project",
    "role",
    "release",
    "file",
    "filenameregistry",
    "dependency",
    "downloadcount",
    "removalevent",
]


def changelist(model):
    return reverse(f"admin:registry_{model}_changelist")


def shown(response):
    return list(response.context["cl"].result_list)


def count_queries(client, url):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries), response


# Change lists -----------------------------------------------------------------------------------


@pytest.mark.parametrize("model", MODELS)
def test_changelist_query_count_does_not_grow_with_rows(registry_admin_client, model):
    build = BUILDERS[model]
    url = changelist(model)
    rows = [build(n) for n in range(5)]
    registry_admin_client.get(url)  # warm per-process caches (content types)

    few_queries, response = count_queries(registry_admin_client, url)
    assert {obj.pk for obj in shown(response)} >= {obj.pk for obj in rows}

    rows += [build(n) for n in range(5, 50)]
    many_queries, response = count_queries(registry_admin_client, url)
    assert {obj.pk for obj in shown(response)} >= {obj.pk for obj in rows}

    assert many_queries == few_queries


@pytest.mark.parametrize("model", MODELS)
def test_changelist_stays_within_a_query_budget(
    registry_admin_client, django_assert_max_num_queries, model
):
    for n in range(50):
        BUILDERS[model](n)
    registry_admin_client.get(changelist(model))

    with django_assert_max_num_queries(8 + timed_count_overhead(connection)):
        response = registry_admin_client.get(changelist(model))

    assert response.status_code == 200


@pytest.mark.parametrize("model", MODELS)
def test_changelist_offers_no_delete_selected(registry_admin_client, model):
    BUILDERS[model](0)

    response = registry_admin_client.get(changelist(model))

    assert response.status_code == 200
    assert "delete_selected" not in response.content.decode()


@pytest.mark.parametrize("model", MODELS)
def test_delete_view_is_forbidden_for_a_registry_admin(registry_admin_client, model):
    obj = BUILDERS[model](0)

    response = registry_admin_client.get(reverse(f"admin:registry_{model}_delete", args=[obj.pk]))

    assert response.status_code == 403
    assert type(obj).objects.filter(pk=obj.pk).exists()


@pytest.mark.parametrize("model", MODELS)
def test_delete_post_is_forbidden_for_a_registry_admin(registry_admin_client, model):
    obj = BUILDERS[model](0)
    url = reverse(f"admin:registry_{model}_delete", args=[obj.pk])

    response = registry_admin_client.post(url, {"post": "yes"})

    assert response.status_code == 403
    assert type(obj).objects.filter(pk=obj.pk).exists()


@pytest.mark.parametrize("model", READ_ONLY_MODELS)
def test_rows_written_by_services_cannot_be_added_in_the_admin(registry_admin_client, model):
    BUILDERS[model](0)

    response = registry_admin_client.get(changelist(model))
    add_url = reverse(f"admin:registry_{model}_add")

    assert response.context["has_add_permission"] is False
    assert f'href="{add_url}"' not in response.content.decode()
    assert registry_admin_client.get(add_url).status_code == 403


def test_registry_admin_can_add_a_name_reservation(registry_admin_client):
    add_url = reverse("admin:registry_namereservation_add")

    response = registry_admin_client.get(changelist("namereservation"))

    assert response.context["has_add_permission"] is True
    assert registry_admin_client.get(add_url).status_code == 200


# Search and filters -----------------------------------------------------------------------------


@pytest.mark.parametrize("term", ["Foo_Bar", "foo-bar", "FOO.BAR", "foo_b"])
def test_project_search_matches_any_spelling(registry_admin_client, term):
    project = ProjectFactory(name="foo-bar")
    ProjectFactory(name="other-pkg")

    response = registry_admin_client.get(changelist("project"), {"q": term})

    assert shown(response) == [project]


def test_release_search_by_project_spelling_and_version(registry_admin_client):
    project = ProjectFactory(name="foo-bar")
    first = ReleaseFactory(project=project, version="1.0")
    ReleaseFactory(project=project, version="2.0")
    ReleaseFactory(project=ProjectFactory(name="other-pkg"), version="1.0")

    response = registry_admin_client.get(changelist("release"), {"q": "Foo_Bar 1."})

    assert shown(response) == [first]


def test_project_status_filter(registry_admin_client):
    archived = ProjectFactory(status=ProjectStatus.ARCHIVED)
    ProjectFactory()

    response = registry_admin_client.get(changelist("project"), {"status__exact": "archived"})

    assert shown(response) == [archived]


def test_project_removed_filter(registry_admin_client):
    live = ProjectFactory()
    gone = ProjectFactory()
    event = RemovalEventFactory(project=gone)
    gone.removed_at = NOW
    gone.removal_event = event
    gone.save(update_fields=["removed_at", "removal_event"])

    removed_page = registry_admin_client.get(changelist("project"), {"removed": "yes"})
    live_page = registry_admin_client.get(changelist("project"), {"removed": "no"})

    assert shown(removed_page) == [gone]
    assert shown(live_page) == [live]


def test_file_removed_filter(registry_admin_client):
    release = ReleaseFactory()
    live = FileFactory(release=release)
    gone = removed(FileFactory, project=release.project, release=release)

    removed_page = registry_admin_client.get(changelist("file"), {"removed": "yes"})
    live_page = registry_admin_client.get(changelist("file"), {"removed": "no"})

    assert shown(removed_page) == [gone]
    assert shown(live_page) == [live]


def test_release_yanked_filter(registry_admin_client):
    yanked = ReleaseFactory(yanked=True, yanked_at=NOW)
    ReleaseFactory()

    yanked_page = registry_admin_client.get(changelist("release"), {"yanked__exact": "1"})
    live_page = registry_admin_client.get(changelist("release"), {"yanked__exact": "0"})

    assert shown(yanked_page) == [yanked]
    assert yanked not in shown(live_page)
    assert len(shown(live_page)) == 1


# Nothing is edited by hand ----------------------------------------------------------------------


def project_post_data(project, **changes):
    return {
        "name": project.name,
        "created_at_0": "2024-01-01",
        "created_at_1": "00:00:00",
        "status": project.status,
        "status_reason": "",
        **changes,
    }


def test_project_change_view_shows_status_read_only(registry_admin_client):
    project = ProjectFactory()

    response = registry_admin_client.get(
        reverse("admin:registry_project_change", args=[project.pk])
    )

    assert response.status_code == 200
    content = response.content.decode()
    assert 'name="status"' not in content
    assert 'name="_save"' not in content


def test_project_status_cannot_be_changed_through_the_change_view(registry_admin_client):
    project = ProjectFactory()
    url = reverse("admin:registry_project_change", args=[project.pk])

    response = registry_admin_client.post(
        url, project_post_data(project, status=ProjectStatus.QUARANTINED, status_reason="x")
    )

    assert response.status_code == 403
    project.refresh_from_db()
    assert project.status == ProjectStatus.ACTIVE
    assert project.status_reason == ""


def test_release_yank_cannot_be_set_through_the_change_view(registry_admin_client):
    release = ReleaseFactory()
    url = reverse("admin:registry_release_change", args=[release.pk])

    response = registry_admin_client.post(url, {"yanked": "on", "yanked_reason": "by hand"})

    assert response.status_code == 403
    release.refresh_from_db()
    assert release.yanked is False


# Support staff ----------------------------------------------------------------------------------


@pytest.mark.parametrize("model", MODELS)
def test_support_staff_can_view_every_changelist(support_client, model):
    obj = BUILDERS[model](0)

    response = support_client.get(changelist(model))

    assert response.status_code == 200
    assert obj in shown(response)
    assert response.context["has_add_permission"] is False


@pytest.mark.parametrize("model", MODELS)
def test_support_staff_can_open_but_not_change_a_row(support_client, model):
    obj = BUILDERS[model](0)
    url = reverse(f"admin:registry_{model}_change", args=[obj.pk])

    assert support_client.get(url).status_code == 200
    assert support_client.post(url, {}).status_code == 403


@pytest.mark.parametrize("model", MODELS)
def test_support_staff_cannot_add(support_client, model):
    assert support_client.get(reverse(f"admin:registry_{model}_add")).status_code == 403


def test_support_staff_cannot_change_a_name_reservation(support_client):
    reservation = NameReservationFactory(normalized_name="kept-name", comment="original")
    url = reverse("admin:registry_namereservation_change", args=[reservation.pk])

    response = support_client.post(
        url,
        {
            "normalized_name": "kept-name",
            "reason": "reserved",
            "comment": "changed",
            "change_reason": "try",
        },
    )

    assert response.status_code == 403
    reservation.refresh_from_db()
    assert reservation.comment == "original"


# History ----------------------------------------------------------------------------------------


def test_project_history_view_shows_username_and_reason(registry_admin_client):
    actor = UserFactory(username="history-actor-7")
    project = services.create_project(
        name="history-pkg", owner=actor, actor=actor, reason="Registered for the demo", now=NOW
    )
    services.archive_project(project=project, actor=actor, reason="No further releases")

    response = registry_admin_client.get(
        reverse("admin:registry_project_history", args=[project.pk])
    )

    assert response.status_code == 200
    content = response.content.decode()
    assert "history-actor-7" in content
    assert "Registered for the demo" in content
    assert "No further releases" in content


def test_project_history_view_keeps_the_username_of_a_deleted_actor(registry_admin_client):
    # The actor registers the project for someone else: a role would protect the account.
    actor = UserFactory(username="departed-actor")
    project = services.create_project(
        name="history-pkg", owner=UserFactory(), actor=actor, reason="Registered", now=NOW
    )
    actor.delete()

    response = registry_admin_client.get(
        reverse("admin:registry_project_history", args=[project.pk])
    )

    assert response.status_code == 200
    assert "departed-actor" in response.content.decode()


# What other apps hold about a project, on its admin page (registry.extensions) -----------------


CASE_NOTICE = ProjectNotice(
    title="X-7: a case, open",
    text="Somebody asked for something about this project.",
    url="/admin/elsewhere/7/",
    link_text="Open X-7",
    level="warning",
)


@pytest.fixture
def admin_notices():
    """An admin-notice provider registered for one test only; the test fills its list."""
    given = []

    def provider(project, user):
        return [notice for notice in given if project.name == "noticed" and user.is_staff]

    register_admin_project_notices(provider)
    yield given
    unregister_admin_project_notices(provider)


def test_the_project_admin_page_shows_what_other_apps_hold_about_it(
    registry_admin_client, admin_notices
):
    project = ProjectFactory(name="noticed")
    url = reverse("admin:registry_project_change", args=[project.pk])
    assert "Open cases about this project" not in registry_admin_client.get(url).content.decode()

    admin_notices.append(CASE_NOTICE)
    html = registry_admin_client.get(url).content.decode()

    assert "Open cases about this project" in html
    assert "<strong>X-7: a case, open</strong>: Somebody asked for something" in html
    assert '<a href="/admin/elsewhere/7/">Open X-7</a>' in html
    assert 'class="warning project-notice"' in html
    # Above the project's fields.
    assert html.index("X-7: a case, open") < html.index("Normalised name")
    other = ProjectFactory(name="quiet")
    quiet = registry_admin_client.get(reverse("admin:registry_project_change", args=[other.pk]))
    assert "X-7" not in quiet.content.decode()


def test_an_unregistered_admin_notice_provider_is_forgotten(registry_admin):
    project = ProjectFactory(name="noticed")

    def provider(project, user):
        return [CASE_NOTICE]

    register_admin_project_notices(provider)
    register_admin_project_notices(provider)  # Registering twice asks it once.
    assert admin_project_notices(project, registry_admin).count(CASE_NOTICE) == 1
    unregister_admin_project_notices(provider)
    unregister_admin_project_notices(provider)  # Forgetting twice is harmless.
    assert CASE_NOTICE not in admin_project_notices(project, registry_admin)
