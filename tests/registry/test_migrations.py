"""A database migrated from before Popularity gives the staff groups its permissions too."""

from importlib import import_module

from django.apps import apps
from django.contrib.auth.models import Group, Permission

grant = import_module("registry.migrations.0010_popularity_permissions")


def codenames(group_name):
    group = Group.objects.get(name=group_name)
    return set(group.permissions.values_list("codename", flat=True))


def test_upgrading_past_popularity_gives_the_staff_groups_its_permissions(db):
    # A database migrated before 0009 made its groups without Popularity's permissions.
    popularity = Permission.objects.filter(codename__endswith="_popularity")
    for group in Group.objects.filter(name__in=["Support staff", "Registry admins"]):
        group.permissions.remove(*popularity)
    assert "view_popularity" not in codenames("Support staff")

    (operation,) = grant.Migration.operations
    operation.code(apps, None)  # What `migrate` runs for 0010 (apps: the current models).

    assert "view_popularity" in codenames("Support staff")
    assert "change_popularity" not in codenames("Support staff")
    assert {"view_popularity", "change_popularity"} <= codenames("Registry admins")
