"""Give the staff groups the permissions of the Popularity model (added in 0009)."""

from importlib import import_module

from django.db import migrations

staff_groups = import_module("registry.migrations.0002_staff_groups")


class Migration(migrations.Migration):
    dependencies = [("registry", "0009_popularity")]

    operations = [migrations.RunPython(staff_groups.create_groups, migrations.RunPython.noop)]
