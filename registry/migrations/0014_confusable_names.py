# The confusable name (registry.confusables) of every project and name reservation, indexed,
# so a new project's first upload can refuse a look-alike of an existing or reserved name.

from django.db import migrations, models

from registry.confusables import confusable_key

BATCH = 2000


def backfill(apps, schema_editor):
    """Fill the new column of every existing row, BATCH rows per query: the rows are read as
    (pk, name) pairs in primary-key order and written back with bulk_update, so 100,000
    projects take 50 reads and 50 writes and never sit in memory at once. History is not
    written: the column is derived from the name and left out of history."""
    for model_name, source in (("Project", "name"), ("NameReservation", "normalized_name")):
        model = apps.get_model("registry", model_name)
        last = 0
        while True:
            rows = list(
                model.objects.filter(pk__gt=last).order_by("pk").values_list("pk", source)[:BATCH]
            )
            if not rows:
                break
            model.objects.bulk_update(
                [model(pk=pk, confusable_name=confusable_key(name)) for pk, name in rows],
                ["confusable_name"],
                batch_size=BATCH,
            )
            last = rows[-1][0]


class Migration(migrations.Migration):
    dependencies = [
        ("registry", "0013_ownership_transfer"),
    ]

    operations = [
        migrations.AddField(
            model_name="namereservation",
            name="confusable_name",
            field=models.CharField(
                db_index=True,
                default="",
                editable=False,
                help_text="The name with look-alike characters folded (registry.confusables): "
                "a new project whose name folds to a reserved one is refused.",
                max_length=200,
                verbose_name="confusable name",
            ),
        ),
        migrations.AddField(
            model_name="project",
            name="confusable_name",
            field=models.CharField(
                db_index=True,
                default="",
                editable=False,
                help_text="The name with look-alike characters folded (registry.confusables): a "
                "new project whose name folds to an existing one's is refused.",
                max_length=200,
                verbose_name="confusable name",
            ),
        ),
        migrations.RunPython(backfill, migrations.RunPython.noop, elidable=False),
    ]
