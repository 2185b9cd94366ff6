"""Confusable names: the pure key and edit distance, the refusal at a new project's first upload,
the typosquat listeners, and the migration that fills the key of existing rows."""

from datetime import UTC, datetime, timedelta
from importlib import import_module

import pytest
from django.apps import apps

from registry import services
from registry.confusables import (
    confusable_key,
    edit_distance,
    possible_typosquats,
    typosquat_distance,
)
from registry.extensions import (
    new_project_listeners,
    register_new_project_listener,
    unregister_new_project_listener,
)
from registry.models import NameReservation, Popularity, Project, ReservationReason
from registry.services import RegistryError
from registry.services.names import check_name, popular_names

NOW = datetime(2026, 11, 1, 12, 0, tzinfo=UTC)
backfill_module = import_module("registry.migrations.0014_confusable_names")


# The pure rules ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "key"),
    [
        ("pillow", "plllow"),
        ("Pillow", "plllow"),
        ("pi1low", "plllow"),
        ("PIL-Low", "plllow"),
        ("p.i.l.l.o.w", "plllow"),
        ("pil__low", "plllow"),
        ("my-pkg", "mypkg"),
        ("My_Pkg", "mypkg"),
        ("mypkg", "mypkg"),
        ("foo0", "fooo"),
        ("FOO-O", "fooo"),
        ("f00", "foo"),
        ("requests", "requests"),
        ("rn", "rn"),  # not folded: `rn` and `m` are left to the typosquat check
        ("vv", "vv"),
        ("x1", "xl"),
        ("A", "a"),
    ],
)
def test_the_confusable_key(name, key):
    assert confusable_key(name) == key


@pytest.mark.parametrize(
    ("a", "b", "same"),
    [
        ("pillow-tools", "pi1low-tools", True),
        ("pillow-tools", "PILLOW_TOOLS", True),
        ("pillow-tools", "pillowtools", True),
        ("django", "dj4ngo", False),
        ("numpy", "nunpy", False),
        ("requests", "reqvests", False),
        ("boto0", "botoo", True),
    ],
)
def test_which_names_are_confusable(a, b, same):
    assert (confusable_key(a) == confusable_key(b)) is same


@pytest.mark.parametrize(
    ("a", "b", "distance"),
    [
        ("requests", "requests", 0),
        ("requests", "reqeusts", 1),  # two neighbours swapped: one edit
        ("requests", "requets", 1),
        ("requests", "requestss", 1),
        ("requests", "reqvests", 1),
        ("kitten", "sitting", 3),
        ("", "abc", 3),
        ("abc", "", 3),
        ("ab", "ba", 1),
        ("abc", "ca", 3),  # optimal string alignment: a swapped pair is not edited again
        ("django", "flask", 5),
    ],
)
def test_edit_distance(a, b, distance):
    assert edit_distance(a, b) == distance
    assert edit_distance(b, a) == distance
    for bound in range(4):
        assert edit_distance(a, b, bound=bound) == min(distance, bound + 1)


@pytest.mark.parametrize(
    ("name", "allowed"),
    [("abcd", 0), ("abcde", 1), ("abcdefghi", 1), ("abcdefghij", 2), ("a" * 50, 2)],
)
def test_how_close_counts_grows_with_the_name(name, allowed):
    assert typosquat_distance(name) == allowed


TOP = ["requests", "numpy", "django", "boto3", "python-dateutil", "six"]


@pytest.mark.parametrize(
    ("name", "similar"),
    [
        ("reqeusts", ["requests"]),
        ("Requestss", ["requests"]),
        ("requests", []),  # the name itself
        ("nunpy", ["numpy"]),
        ("djang0", ["django"]),
        ("boto4", ["boto3"]),
        ("python-dateutils", ["python-dateutil"]),
        ("python_dateutl", ["python-dateutil"]),
        ("pyth0n-dateut1l", ["python-dateutil"]),  # two edits in a long name
        ("sux", []),  # too short to tell
        ("sixes", []),  # `six` is too short to be squatted by distance
        ("flask-login", []),
    ],
)
def test_possible_typosquats(name, similar):
    assert possible_typosquats(name, top_names=TOP) == similar


# The refusal at the first upload -----------------------------------------------------------------


def upload(name, uploader, *, version="1.0", now=NOW):
    dist = name.replace("-", "_").replace(".", "_")
    return services.publish_file(
        name=name,
        version=version,
        filename=f"{dist}-{version}-py3-none-any.whl",
        content=f"bytes of {name} {version}".encode(),
        uploader=uploader,
        now=now,
    )


def test_a_name_confusable_with_a_project_is_refused_and_the_message_names_it(owner, other_user):
    upload("pillow-tools", owner)

    with pytest.raises(RegistryError) as refused:
        upload("pi1low-tools", other_user)

    assert refused.value.code == "confusable_name"
    message = refused.value.message
    assert "'pillow-tools'" in message
    assert "Choose a clearly different name" in message
    assert "upload under its exact name" in message
    assert "ask the registry admins" in message
    assert not Project.objects.filter(normalized_name="pi1low-tools").exists()


@pytest.mark.parametrize(
    "name",
    ["pillowtools-x", "PILLOW-TOOLSX", "pi1l0w-tools-x", "pIllow-t0ols-x", "p.i.l.l.o.w.tools.x"],
)
def test_every_confusable_spelling_is_refused(owner, other_user, name):
    upload("pillow-tools-x", owner)
    with pytest.raises(RegistryError) as refused:
        upload(name, other_user)
    assert refused.value.code == "confusable_name"
    assert refused.value.message.startswith(f"The name {name!r} is too similar to the existing")


def test_the_same_name_keeps_its_own_rules(owner, other_user):
    upload("pillow-tools", owner)
    # The owner's next release is an upload to the project, not a registration.
    upload("Pillow_Tools", owner, version="2.0")
    with pytest.raises(RegistryError) as refused:
        upload("Pillow.Tools", other_user, version="3.0")
    assert refused.value.code == "not_allowed"
    with pytest.raises(RegistryError) as refused:
        services.create_project(
            name="pillow_tools", owner=other_user, actor=other_user, reason="r", now=NOW
        )
    assert refused.value.code == "name_taken"


def test_a_name_confusable_with_a_removed_project_is_refused(owner, other_user, registry_admin):
    project = upload("fooo-bar", owner).release.project
    services.remove_project(
        project=project, actor=registry_admin, reason="Malware", category="security", now=NOW
    )
    with pytest.raises(RegistryError) as refused:
        upload("foo0-bar", other_user, now=NOW + timedelta(days=400))
    assert refused.value.code == "confusable_name"
    assert "removed project 'fooo-bar'" in refused.value.message


def test_a_name_confusable_with_a_reservation_in_force_is_refused(owner, registry_admin):
    services.reserve_name(
        name="internal-tool",
        grounds=ReservationReason.RESERVED,
        actor=registry_admin,
        reason="Ours",
        now=NOW,
    )
    with pytest.raises(RegistryError) as refused:
        upload("internal-t00l", owner)
    assert refused.value.code == "confusable_name"
    assert "reserved name 'internal-tool'" in refused.value.message

    reservation = NameReservation.objects.get(normalized_name="internal-tool")
    services.expire_reservation(
        reservation=reservation, actor=registry_admin, reason="Not ours", now=NOW + timedelta(1)
    )
    upload("internal-t00l", owner, now=NOW + timedelta(days=2))  # the reservation is over


def test_the_key_is_stored_on_save_and_left_out_of_history(owner):
    project = upload("My_Pkg.One", owner).release.project
    assert Project.objects.get(pk=project.pk).confusable_name == "mypkgone"
    project.name = "my-pkg-0ne"
    project.save(update_fields=["name"])
    assert Project.objects.get(pk=project.pk).confusable_name == "mypkgone"
    assert not hasattr(project.history.first(), "confusable_name")
    reservation = NameReservation(normalized_name="Ab-1", reason=ReservationReason.RESERVED)
    reservation.save()
    assert NameReservation.objects.get(pk=reservation.pk).confusable_name == "abl"


# Possible typosquats -----------------------------------------------------------------------------


@pytest.fixture
def heard():
    calls = []

    def listener(**kwargs):
        calls.append(kwargs)

    register_new_project_listener(listener)
    yield calls
    unregister_new_project_listener(listener)
    assert listener not in new_project_listeners()


def make_popular(project, rank, now=NOW):
    Popularity.objects.update_or_create(
        project=project,
        defaults={"rank": rank, "ranked_among": 10, "downloads_30_days": 1000, "computed_at": now},
    )


def test_a_typosquat_of_a_popular_project_is_accepted_and_the_listeners_are_told(
    owner, other_user, heard, django_capture_on_commit_callbacks
):
    popular = upload("requests", owner).release.project
    make_popular(popular, 1)

    with django_capture_on_commit_callbacks(execute=True):
        file = upload("reqeusts", other_user)

    project = file.release.project
    assert project.normalized_name == "reqeusts"
    assert heard == [
        {"project": project, "similar_to": ["requests"], "actor": other_user, "now": NOW}
    ]


def test_listeners_hear_nothing_of_an_ordinary_name_or_before_the_commit(
    owner, other_user, heard, django_capture_on_commit_callbacks
):
    make_popular(upload("requests", owner).release.project, 1)
    with django_capture_on_commit_callbacks(execute=True):
        upload("flask-login", other_user)
    assert heard == []
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        upload("requestz", other_user)
    assert heard == []  # only once the registration is committed
    for callback in callbacks:
        callback()
    assert [call["similar_to"] for call in heard] == [["requests"]]


def test_only_the_top_projects_count(owner, other_user, heard, settings):
    settings.HOLDFAST_TYPOSQUAT_TOP = 1
    make_popular(upload("requests", owner).release.project, 1)
    make_popular(upload("numpy-tools", owner).release.project, 2)
    assert popular_names() == ["requests"]
    assert check_name("numpy-toolz", now=NOW).similar_to == ()
    assert check_name("requestz", now=NOW).similar_to == ("requests",)
    settings.HOLDFAST_TYPOSQUAT_TOP = 0
    assert check_name("requestz", now=NOW).similar_to == ()


def test_the_popular_names_are_read_once_per_computation(owner, django_assert_num_queries):
    make_popular(upload("requests", owner).release.project, 1)
    with django_assert_num_queries(2):  # when they were computed, then the names
        assert popular_names() == ["requests"]
    with django_assert_num_queries(1):  # when they were computed: the names are cached
        assert popular_names() == ["requests"]
    make_popular(upload("numpy-tools", owner).release.project, 2, now=NOW + timedelta(hours=1))
    make_popular(Project.objects.get(normalized_name="requests"), 1, now=NOW + timedelta(hours=1))
    with django_assert_num_queries(2):  # a new computation: read again
        assert popular_names() == ["requests", "numpy-tools"]


# The migration -----------------------------------------------------------------------------------


def test_the_migration_fills_the_key_of_existing_rows_in_batches(db, monkeypatch):
    # bulk_create skips save(), as rows written before the column existed had no key.
    Project.objects.bulk_create(
        [Project(name=f"Old_Pkg-{c}0", normalized_name=f"old-pkg-{c}0") for c in "abcdefg"]
    )
    NameReservation.objects.bulk_create(
        [NameReservation(normalized_name=f"held-{c}1", reason="reserved") for c in "abc"]
    )
    assert set(Project.objects.values_list("confusable_name", flat=True)) == {""}
    monkeypatch.setattr(backfill_module, "BATCH", 3)

    backfill_module.backfill(apps, None)

    assert sorted(Project.objects.values_list("confusable_name", flat=True)) == [
        f"oldpkg{c}o" for c in "abcdefg"
    ]
    assert sorted(NameReservation.objects.values_list("confusable_name", flat=True)) == [
        f"held{c}l" for c in "abc"
    ]
