"""A database migrated from before Popularity gives the staff groups its permissions too."""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor


@pytest.mark.django_db(transaction=True)
def test_upgrading_past_popularity_gives_the_staff_groups_its_permissions():
    executor = MigrationExecutor(connection)
    executor.migrate([("registry", "0009_popularity")])
    old = executor.loader.project_state([("registry", "0009_popularity")]).apps
    Group = old.get_model("auth", "Group")
    for group in Group.objects.filter(name__in=["Support staff", "Registry admins"]):
        group.permissions.remove(*group.permissions.filter(codename__endswith="_popularity"))

    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(executor.loader.graph.leaf_nodes())

    new = executor.loader.project_state(executor.loader.graph.leaf_nodes()).apps
    Group = new.get_model("auth", "Group")
    support = set(
        Group.objects.get(name="Support staff").permissions.values_list("codename", flat=True)
    )
    admins = set(
        Group.objects.get(name="Registry admins").permissions.values_list("codename", flat=True)
    )
    assert "view_popularity" in support
    assert "change_popularity" not in support
    assert {"view_popularity", "change_popularity"} <= admins
