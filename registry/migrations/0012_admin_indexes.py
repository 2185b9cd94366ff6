# Indexes for the admin's change lists at scale: every default order and common filter, and
# on PostgreSQL trigram indexes for substring search of filenames.

from django.conf import settings
from django.db import migrations, models

# Django's `filename__icontains` is `UPPER(filename::text) LIKE UPPER('%…%')` on PostgreSQL:
# these expression indexes serve it. pg_trgm is a trusted extension (PostgreSQL 13 and later),
# so the database's owner may create it. Other databases search without them.
TRIGRAM_INDEXES = [
    ("registry_file_filename_trgm", "registry_file"),
    ("registry_filename_trgm", "registry_filenameregistry"),
]


def add_trigram_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    for name, table in TRIGRAM_INDEXES:
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS {name} ON {table} "
            "USING gin ((UPPER(filename::text)) gin_trgm_ops)"
        )


def drop_trigram_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name, _table in TRIGRAM_INDEXES:
        schema_editor.execute(f"DROP INDEX IF EXISTS {name}")


class Migration(migrations.Migration):
    dependencies = [
        ("registry", "0011_change_serials"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddIndex(
            model_name="apitoken",
            index=models.Index(fields=["-created_at", "-id"], name="registry_token_created"),
        ),
        migrations.AddIndex(
            model_name="apitoken",
            index=models.Index(
                condition=models.Q(("revoked_at__isnull", False)),
                fields=["-created_at", "-id"],
                name="registry_token_revoked",
            ),
        ),
        migrations.AddIndex(
            model_name="change",
            index=models.Index(
                fields=["action", "id"],
                name="registry_change_action",
                opclasses=["varchar_pattern_ops", "int8_ops"],
            ),
        ),
        migrations.AddIndex(
            model_name="dependency",
            index=models.Index(fields=["release", "name", "id"], name="registry_dependency_order"),
        ),
        migrations.AddIndex(
            model_name="downloadcount",
            index=models.Index(fields=["-day", "-id"], name="registry_download_day"),
        ),
        migrations.AddIndex(
            model_name="file",
            index=models.Index(
                fields=["packagetype", "-uploaded_at", "-id"], name="registry_file_type"
            ),
        ),
        migrations.AddIndex(
            model_name="file",
            index=models.Index(
                condition=models.Q(("removed_at__isnull", False)),
                fields=["-uploaded_at", "-id"],
                name="registry_file_removed",
            ),
        ),
        migrations.AddIndex(
            model_name="file",
            index=models.Index(
                condition=models.Q(("purged_at__isnull", False)),
                fields=["-uploaded_at", "-id"],
                name="registry_file_purged",
            ),
        ),
        migrations.AddIndex(
            model_name="namereservation",
            index=models.Index(
                fields=["reason", "normalized_name"], name="registry_reservation_reason"
            ),
        ),
        migrations.AddIndex(
            model_name="outboxmessage",
            index=models.Index(fields=["kind", "-created_at", "-id"], name="registry_outbox_kind"),
        ),
        migrations.AddIndex(
            model_name="outboxmessage",
            index=models.Index(
                condition=models.Q(("sent_at__isnull", True)),
                fields=["-created_at", "-id"],
                name="registry_outbox_unsent",
            ),
        ),
        migrations.AddIndex(
            model_name="popularity",
            index=models.Index(
                condition=models.Q(("critical", True)),
                fields=["rank", "project"],
                name="registry_popularity_crit_rank",
            ),
        ),
        migrations.AddIndex(
            model_name="project",
            index=models.Index(
                condition=models.Q(("removed_at__isnull", False)),
                fields=["normalized_name"],
                name="registry_project_removed_name",
            ),
        ),
        migrations.AddIndex(
            model_name="project",
            index=models.Index(
                condition=models.Q(("deletion_locked", True)),
                fields=["normalized_name"],
                name="registry_project_locked",
            ),
        ),
        migrations.AddIndex(
            model_name="release",
            index=models.Index(
                condition=models.Q(("removed_at__isnull", False)),
                fields=["-created_at", "-id"],
                name="registry_release_removed",
            ),
        ),
        migrations.AddIndex(
            model_name="release",
            index=models.Index(
                condition=models.Q(("yanked", True)),
                fields=["-created_at", "-id"],
                name="registry_release_yanked",
            ),
        ),
        migrations.AddIndex(
            model_name="release",
            index=models.Index(
                condition=models.Q(("is_prerelease", True)),
                fields=["-created_at", "-id"],
                name="registry_release_pre",
            ),
        ),
        migrations.AddIndex(
            model_name="removalevent",
            index=models.Index(fields=["-created_at", "-id"], name="registry_removal_created"),
        ),
        migrations.AddIndex(
            model_name="removalevent",
            index=models.Index(
                fields=["category", "-created_at"], name="registry_removal_category"
            ),
        ),
        migrations.AddIndex(
            model_name="removalevent",
            index=models.Index(
                condition=models.Q(("restored_at__isnull", False)),
                fields=["-created_at", "-id"],
                name="registry_removal_restored",
            ),
        ),
        migrations.AddIndex(
            model_name="role",
            index=models.Index(fields=["project", "role", "user"], name="registry_role_order"),
        ),
        migrations.AddIndex(
            model_name="role",
            index=models.Index(fields=["role", "project", "user"], name="registry_role_kind"),
        ),
        migrations.RunPython(add_trigram_indexes, drop_trigram_indexes, elidable=False),
    ]
