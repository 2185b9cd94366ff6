"""The registry's change lists at scale: queries that stay few whatever the rows, searches that
an index serves, and a count that gives way to PostgreSQL's estimate when it would be slow."""

import datetime
import hashlib
import itertools

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from registry import paginators
from registry.admin.journal import ACTION_KINDS
from registry.models import (
    ApiToken,
    Change,
    File,
    FilenameRegistry,
    OutboxMessage,
    Popularity,
    Project,
    Role,
)
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

NOW = timezone.now().replace(microsecond=0)
QUERY_BUDGET = 15
serial = itertools.count(1)
CHANGE_ACTIONS = [
    "create",
    "new release",
    "add py3 file a.whl",
    "remove file a.whl",
    "remove release",
    "remove project",
    "restore project",
    "purge file a.whl",
    "yank release",
    "unyank release",
    "set status archived",
    "pending removal",
]

on_postgresql = pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="Query plans are PostgreSQL's (set DATABASE_URL=postgres://...); SQLite has no "
    "trigram index and plans differently.",
)


@pytest.fixture
def superuser_client(client, db):
    client.force_login(UserFactory(username="root", is_staff=True, is_superuser=True))
    return client


def make_change(n):
    project = ProjectFactory()
    action = CHANGE_ACTIONS[n % len(CHANGE_ACTIONS)]
    return Change.objects.create(
        project=project, name=project.name, action=action, submitted_at=NOW
    )


def make_outbox(n):
    return OutboxMessage.objects.create(
        kind=["email", "cdn_purge"][n % 2],
        payload={"subject": "s"},
        created_at=NOW,
        next_attempt_at=NOW,
        sent_at=NOW if n % 3 == 0 else None,
    )


def make_popularity(n):
    return Popularity.objects.create(
        project=ProjectFactory(), rank=n + 1, ranked_among=50, critical=n % 2 == 0, computed_at=NOW
    )


def make_token(n):
    return ApiToken.objects.create(
        user=UserFactory(),
        project=ProjectFactory(),
        description="ci",
        prefix=f"pfx{n}",
        key_hash=hashlib.sha256(f"{n}-{next(serial)}".encode()).hexdigest(),
        revoked_at=NOW if n % 2 else None,
    )


def make_removal(n):
    actor = UserFactory()
    return RemovalEventFactory(actor=actor, actor_username=actor.username)


# model: (row builder, a search, the filters' query strings)
LISTS = {
    "project": (
        lambda n: ProjectFactory(deletion_locked=n % 2 == 0, deletion_locked_at=NOW),
        "pkg",
        [
            "status__exact=active",
            "critical=yes",
            "critical=no",
            "deletion_locked__exact=1",
            "removed=yes",
            "removed=no",
        ],
    ),
    "role": (lambda n: RoleFactory(), "user", ["role__exact=owner", "role__exact=maintainer"]),
    "release": (
        lambda n: ReleaseFactory(yanked=n % 2 == 0, yanked_at=NOW),
        "pkg",
        ["yanked__exact=1", "is_prerelease__exact=1", "removed=yes", "removed=no"],
    ),
    "file": (
        lambda n: FileFactory(),
        "py3",
        [
            "packagetype__exact=bdist_wheel",
            "removed=yes",
            "removed=no",
            "purged_at__isempty=1",
            "purged_at__isempty=0",
        ],
    ),
    "filenameregistry": (
        lambda n: FilenameRegistry.objects.create(
            filename=f"pkg_{n}-1.0.tar.gz", project_name=f"pkg-{n}"
        ),
        "tar",
        [],
    ),
    "dependency": (lambda n: DependencyFactory(), "tinypad", []),
    "downloadcount": (lambda n: DownloadCountFactory(), "pkg", []),
    "popularity": (make_popularity, "pkg", ["critical__exact=1", "critical__exact=0"]),
    "namereservation": (
        lambda n: NameReservationFactory(created_by=UserFactory()),
        "reserved",
        ["reason__exact=reserved"],
    ),
    "removalevent": (
        make_removal,
        "pkg",
        [
            "scope__exact=files",
            "category__exact=admin",
            "is_override__exact=1",
            "restored=yes",
            "restored=no",
        ],
    ),
    "apitoken": (make_token, "user", ["revoked_at__isempty=1", "revoked_at__isempty=0"]),
    "change": (make_change, "pkg", [f"kind={value}" for value, _label, _ in ACTION_KINDS]),
    "outboxmessage": (
        make_outbox,
        None,
        ["kind__exact=email", "kind__exact=cdn_purge", "sent=yes", "sent=no"],
    ),
}

PAGES = [
    pytest.param(model, query, id=f"{model}?{query}")
    for model, (_build, search, filters) in LISTS.items()
    for query in ["", "p=2", *([f"q={search}"] if search else []), *filters]
]


def changelist(model, query=""):
    url = reverse(f"admin:registry_{model}_changelist")
    return f"{url}?{query}" if query else url


def count_queries(client, url):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200, url
    assert "e=1" not in response.get("Location", ""), url
    return len(queries)


@pytest.mark.parametrize("model, query", PAGES)
def test_every_list_search_and_filter_costs_the_same_few_queries_with_5_or_50_rows(
    superuser_client, model, query
):
    build = LISTS[model][0]
    url = changelist(model, query)
    for n in range(5):
        build(n)
    superuser_client.get(url)  # warm per-process caches (content types)
    few = count_queries(superuser_client, url)
    for n in range(5, 50):
        build(n)
    many = count_queries(superuser_client, url)
    assert many == few
    assert many < QUERY_BUDGET


# Searches -------------------------------------------------------------------------------------


def found(client, model, term):
    response = client.get(changelist(model, f"q={term}"))
    assert response.status_code == 200
    return {str(row) for row in response.context["cl"].result_list}


def test_file_search_matches_any_part_of_a_filename_or_a_full_sha256(superuser_client):
    django = FileFactory(filename="Django-5.2-py3-none-any.whl")
    tools = FileFactory(filename="setuptools-70.0-py3-none-any.whl")
    assert found(superuser_client, "file", "django") == {django.filename}  # case-blind
    assert found(superuser_client, "file", "tools-70") == {tools.filename}  # substring
    assert found(superuser_client, "file", tools.sha256.upper()) == {tools.filename}
    assert found(superuser_client, "file", "se") == {tools.filename}  # short: the start only
    assert found(superuser_client, "file", "py") == set()
    assert found(superuser_client, "file", "nothing-like-it") == set()


def test_filename_registry_search_matches_any_part(superuser_client):
    FilenameRegistry.objects.create(filename="Tinypad-1.0.tar.gz", project_name="tinypad")
    FilenameRegistry.objects.create(filename="other-1.0.tar.gz", project_name="other")
    assert found(superuser_client, "filenameregistry", "PAD-1") == {"Tinypad-1.0.tar.gz"}
    assert found(superuser_client, "filenameregistry", "Ti") == {"Tinypad-1.0.tar.gz"}


def test_role_search_matches_the_start_of_the_project_or_of_the_username(superuser_client):
    alice = UserFactory(username="alice")
    bob = UserFactory(username="Bob")
    RoleFactory(user=alice, project=ProjectFactory(name="Zope_Interface"))
    RoleFactory(user=bob, project=ProjectFactory(name="attrs"))
    assert found(superuser_client, "role", "zope.inter") == {"alice is owner of Zope_Interface"}
    assert found(superuser_client, "role", "al") == {"alice is owner of Zope_Interface"}
    assert found(superuser_client, "role", "Bo") == {"Bob is owner of attrs"}
    if connection.vendor == "postgresql":  # SQLite's LIKE ignores case whatever Django asks
        assert found(superuser_client, "role", "bo") == set()  # usernames as typed
    assert found(superuser_client, "role", "interface") == set()  # the start, not a part


def test_other_lists_search_by_the_start_of_the_project_name(superuser_client):
    removal = RemovalEventFactory(project=ProjectFactory(name="Flask"), actor_username="ada")
    RemovalEventFactory(project=ProjectFactory(name="bottle"), actor_username="grace")
    assert found(superuser_client, "removalevent", "fla") == {str(removal)}
    assert found(superuser_client, "removalevent", "ada") == {str(removal)}
    assert found(superuser_client, "removalevent", "ad") == set()  # who removed: exact

    change = make_change(0)
    make_change(1)
    assert found(superuser_client, "change", change.project.name) == {str(change)}

    count = DownloadCountFactory()
    DownloadCountFactory()
    assert found(superuser_client, "downloadcount", count.project.name.upper()) == {str(count)}

    token = make_token(1)
    make_token(2)
    assert found(superuser_client, "apitoken", "pfx1") == {str(token)}
    assert found(superuser_client, "apitoken", token.user.username) == {str(token)}


def test_the_change_journal_filters_by_kind_of_action(superuser_client):
    project = ProjectFactory()
    for action in CHANGE_ACTIONS:
        Change.objects.create(project=project, name="p", action=action, submitted_at=NOW)
    shown = {}
    for value, _label, _condition in ACTION_KINDS:
        response = superuser_client.get(changelist("change", f"kind={value}"))
        shown[value] = [c.action for c in response.context["cl"].result_list]
    assert shown == {
        "create": ["create"],
        "release": ["new release"],
        "add": ["add py3 file a.whl"],
        "remove-file": ["remove file a.whl"],
        "remove-release": ["remove release"],
        "remove-project": ["remove project"],
        "restore": ["restore project"],
        "purge": ["purge file a.whl"],
        "yank": ["yank release"],
        "unyank": ["unyank release"],
        "status": ["set status archived"],
        "pending": ["pending removal"],
    }
    response = superuser_client.get(changelist("outboxmessage", "sent=no"))
    assert response.status_code == 200


def test_journal_and_outbox_are_read_only(superuser_client):
    change = make_change(0)
    message = make_outbox(1)
    assert superuser_client.get(reverse("admin:registry_change_add")).status_code == 403
    assert superuser_client.get(reverse("admin:registry_outboxmessage_add")).status_code == 403
    page = superuser_client.get(reverse("admin:registry_change_change", args=[change.pk]))
    assert page.status_code == 200 and b'type="submit"' not in page.content.split(b"<form")[-1]
    assert (
        superuser_client.get(
            reverse("admin:registry_outboxmessage_change", args=[message.pk])
        ).status_code
        == 200
    )


# The paginator ----------------------------------------------------------------------------------


def test_the_count_is_exact_when_it_is_quick(superuser_client):
    for _ in range(3):
        FileFactory()
    paginator = paginators.EstimatedCountPaginator(File.objects.filter(size__gt=0), 2)
    assert paginator.count == 3
    assert not paginator.estimated
    response = superuser_client.get(changelist("file", "packagetype__exact=bdist_wheel"))
    assert "about" not in response.content.decode().split('class="paginator"')[1]


def test_a_count_that_takes_too_long_shows_the_estimate(superuser_client, monkeypatch):
    for _ in range(3):
        FileFactory()
    monkeypatch.setattr(paginators, "estimates", lambda connection: True)
    monkeypatch.setattr(paginators, "count_within", lambda queryset, timeout_ms: None)
    monkeypatch.setattr(paginators, "query_estimate", lambda queryset: 123_456)
    response = superuser_client.get(changelist("file", "packagetype__exact=bdist_wheel"))
    html = response.content.decode()
    assert "about 123,456</span> files" in html
    # A page the estimate promises but the rows do not fill is empty, not an error.
    response = superuser_client.get(changelist("file", "packagetype__exact=bdist_wheel&p=5"))
    assert response.status_code == 200 and list(response.context["cl"].result_list) == []


def test_a_big_unfiltered_table_is_counted_from_the_statistics(superuser_client, monkeypatch):
    FileFactory()
    monkeypatch.setattr(paginators, "estimates", lambda connection: True)
    monkeypatch.setattr(paginators, "table_estimate", lambda connection, table: 310_000)
    html = superuser_client.get(changelist("file")).content.decode()
    assert "about 310,000</span> files" in html


@on_postgresql
def test_a_count_cancelled_by_the_timeout_falls_back_to_explain(db):
    ProjectFactory()
    # Each row takes 50 ms to test, so counting cannot finish within the 1 ms allowed.
    slow = Project.objects.extra(where=["pg_sleep(0.05) IS NOT NULL"])
    paginator = paginators.EstimatedCountPaginator(slow, 50)
    paginator.count_timeout_ms = 1
    # The planner's estimate, never below the floor; it depends on the table's statistics,
    # which other tests (seed_scale's thousands of projects) leave behind, so read it here.
    expected = max(paginators.query_estimate(slow), paginators.ESTIMATE_FLOOR)
    assert paginator.count == expected
    assert paginator.estimated
    assert paginator.count != 1  # not the exact count: counting was cancelled
    # The cancelled count left the test's transaction usable.
    assert Project.objects.count() == 1
    assert paginators.query_estimate(Project.objects.all()) >= 1


def test_sqlite_counts_exactly(db):
    ProjectFactory()
    paginator = paginators.EstimatedCountPaginator(Project.objects.all(), 50)
    assert paginator.count == 1
    assert paginator.estimated is False


# Plans ----------------------------------------------------------------------------------------


def explain(queryset):
    sql, params = queryset.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN {sql}", params)
        return "\n".join(row[0] for row in cursor.fetchall())


def bulk_rows(people, files):
    """`people` projects each with an owner of its own, and `files` files (on their releases)."""
    users = get_user_model().objects.bulk_create(
        get_user_model()(username=f"dev{n:05d}") for n in range(people)
    )
    projects = Project.objects.bulk_create(
        Project(name=f"proj{n:05d}", normalized_name=f"proj{n:05d}") for n in range(people)
    )
    Role.objects.bulk_create(
        Role(project=project, user=user, role="owner")
        for project, user in zip(projects, users, strict=True)
    )
    release_model = ReleaseFactory._meta.model
    releases = release_model.objects.bulk_create(
        release_model(project=p, version="1.0", canonical_version="1") for p in projects
    )
    File.objects.bulk_create(
        (
            File(
                release=releases[n % people],
                filename=f"proj{n % people:05d}-1.0-{n}-py3-none-any.whl",
                packagetype="bdist_wheel",
                python_version="py3",
                sha256=hashlib.sha256(str(n).encode()).hexdigest(),
                size=1,
                uploaded_at=NOW - datetime.timedelta(minutes=n),
            )
            for n in range(files)
        ),
        batch_size=5000,
    )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")


def admin_queryset(model, term):
    from django.contrib import admin
    from django.test import RequestFactory

    model_admin = admin.site._registry[model]
    request = RequestFactory().get("/")
    queryset, _ = model_admin.get_search_results(request, model.objects.all(), term)
    return queryset


@on_postgresql
def test_file_and_role_searches_use_indexes(db):
    # Enough files that reading them all costs more than the trigram index (the planner reads
    # a small table whole, rightly).
    bulk_rows(5000, 50_000)
    plan = explain(admin_queryset(File, "proj01234-1.0-11234"))
    assert "registry_file_filename_trgm" in plan, plan
    assert "Seq Scan on registry_file" not in plan, plan
    plan = explain(admin_queryset(Role, "proj0123"))
    assert "Seq Scan on registry_project" not in plan, plan
    assert "Seq Scan on auth_user" not in plan, plan


def test_a_deep_page_reads_the_same_rows_in_the_same_order(db, monkeypatch):
    for n in range(7):
        FileFactory(uploaded_at=NOW - datetime.timedelta(minutes=n % 3))
    ordered = File.objects.select_related("release__project").order_by("-uploaded_at", "-pk")
    plain = [list(paginators.EstimatedCountPaginator(ordered, 2).page(n)) for n in (1, 2, 3, 4)]
    monkeypatch.setattr(paginators, "DEFERRED_JOIN_FROM", 2)
    deferred = [list(paginators.EstimatedCountPaginator(ordered, 2).page(n)) for n in (1, 2, 3, 4)]
    assert deferred == plain
    assert [len(page) for page in deferred] == [2, 2, 2, 1]


def test_a_list_expected_to_be_big_is_not_counted(db, monkeypatch):
    FileFactory()

    def count_within(queryset, timeout_ms):
        raise AssertionError("counted a list the planner expects to be big")

    monkeypatch.setattr(paginators, "estimates", lambda connection: True)
    monkeypatch.setattr(paginators, "count_within", count_within)
    monkeypatch.setattr(paginators, "query_estimate", lambda queryset: 50_000)
    paginator = paginators.EstimatedCountPaginator(File.objects.filter(size__gt=0), 50)
    assert (paginator.count, paginator.estimated) == (50_000, True)


@pytest.mark.parametrize("model", ["change", "outboxmessage", "popularity", "downloadcount"])
def test_read_only_lists_answer_an_impossible_id_with_not_found(superuser_client, model):
    url = reverse(f"admin:registry_{model}_change", args=["9223372036854775808"])
    response = superuser_client.get(url)
    assert response.status_code == 302  # Django's "does not exist" message and the list


@on_postgresql
def test_a_finished_count_leaves_no_timeout_behind(db):
    ProjectFactory()
    assert paginators.count_within(Project.objects.all(), 1_000) == 1
    with connection.cursor() as cursor:
        cursor.execute("SHOW statement_timeout")
        assert cursor.fetchone()[0] == "0"
