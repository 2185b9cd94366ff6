"""Give the staff groups their moderation permissions.

Support staff triage: they view and change requests and write messages (the services decide
which transitions they may take; executing is for registry admins). Registry admins get every
moderation permission.
"""

from importlib import import_module

from django.db import migrations

registry_groups = import_module("registry.migrations.0002_staff_groups")


def grant(apps, schema_editor):
    registry_groups.ensure_permissions(apps)
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    moderation = Permission.objects.filter(content_type__app_label="moderation").exclude(
        content_type__model__startswith="historical"
    )
    support, _ = Group.objects.get_or_create(name=registry_groups.SUPPORT)
    support.permissions.add(
        *moderation.filter(codename__regex=r"^(view|change)_"),
        *moderation.filter(codename="add_message"),
    )
    admins, _ = Group.objects.get_or_create(name=registry_groups.ADMINS)
    admins.permissions.add(*moderation)


class Migration(migrations.Migration):
    dependencies = [
        ("moderation", "0001_initial"),
        ("registry", "0002_staff_groups"),
    ]

    operations = [migrations.RunPython(grant, migrations.RunPython.noop)]
