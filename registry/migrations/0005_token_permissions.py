"""Give the staff groups the permissions of the models added since 0002 (API tokens)."""

from importlib import import_module

from django.db import migrations

staff_groups = import_module("registry.migrations.0002_staff_groups")


class Migration(migrations.Migration):
    dependencies = [("registry", "0004_api_tokens")]

    operations = [migrations.RunPython(staff_groups.create_groups, migrations.RunPython.noop)]
