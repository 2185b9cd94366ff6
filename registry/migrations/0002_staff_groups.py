"""Create the two staff groups and give them their registry permissions.

"Support staff" may view everything in the registry and change nothing; "Registry admins" get
every registry permission (registry models have no "delete" permission at all). Later migrations
of other apps add their own permissions to these groups.
"""

from django.contrib.auth.management import create_permissions
from django.db import migrations

SUPPORT = "Support staff"
ADMINS = "Registry admins"


def ensure_permissions(apps):
    # Permissions are normally created after all migrations ran; create them now so this
    # migration can hand them out on a fresh database.
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, verbosity=0)
        app_config.models_module = None


def create_groups(apps, schema_editor):
    ensure_permissions(apps)
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    registry = Permission.objects.filter(content_type__app_label="registry").exclude(
        content_type__model__startswith="historical"
    )
    support, _ = Group.objects.get_or_create(name=SUPPORT)
    support.permissions.add(*registry.filter(codename__startswith="view_"))
    admins, _ = Group.objects.get_or_create(name=ADMINS)
    admins.permissions.add(*registry)


def remove_groups(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Group.objects.filter(name__in=[SUPPORT, ADMINS]).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("registry", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(create_groups, remove_groups)]
