"""Give the staff groups the permissions of the staged-removal queue."""

from importlib import import_module

from django.db import migrations

staff_groups = import_module("moderation.migrations.0002_staff_groups")


class Migration(migrations.Migration):
    dependencies = [("moderation", "0003_staged_removal")]

    operations = [migrations.RunPython(staff_groups.grant, migrations.RunPython.noop)]
