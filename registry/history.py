"""One project-wide shape for history rows.

Every tracked model (registry and moderation alike) uses `tracked_history()`, so each historical
row carries the acting user, a copy of that user's username (kept when the account is deleted,
because the user foreign key then becomes NULL) and a free-text reason.

Writers set `obj._history_user` and `obj._change_reason` before `save()`; bulk writers go through
`bulk_create_tracked` / `bulk_update_tracked` / `bulk_set_tracked`, which write the same columns.
A batch whose rows all get the same values is one `UPDATE ... WHERE pk IN (...)` plus one
`INSERT ... SELECT` of its history rows from the updated table: Django's `bulk_update` would
build a `CASE WHEN pk = ... THEN ...` per row and field, and simple-history's bulk writer a
Python object per history row, which together cost most of a 100,000-case scheduler run.
"""

from django.db import models, router, transaction
from django.utils import timezone
from simple_history.models import HistoricalRecords
from simple_history.utils import bulk_create_with_history, bulk_update_with_history


class ActorHistoryBase(models.Model):
    """Abstract base of every historical model: keeps the actor's username beside the user FK."""

    history_user_username = models.CharField(
        "actor's username",
        max_length=150,
        blank=True,
        default="",
        help_text="Copied when the row is written, so it survives the account's deletion.",
    )

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        if not self.history_user_username and self.history_user_id:
            self.history_user_username = self.history_user.get_username()
        super().save(*args, **kwargs)


def tracked_history(**kwargs):
    """Return the `HistoricalRecords` every Holdfast model uses."""
    kwargs.setdefault("bases", [ActorHistoryBase])
    return HistoricalRecords(**kwargs)


def _actor_attrs(actor):
    return {"history_user_username": actor.get_username() if actor is not None else ""}


def bulk_create_tracked(model, objs, *, actor, reason, when=None):
    """Bulk-insert `objs` and one history row each, recording actor and reason."""
    return bulk_create_with_history(
        objs,
        model,
        default_user=actor,
        default_change_reason=reason,
        default_date=when,
        custom_historical_attrs=_actor_attrs(actor),
    )


def _forget_instance_actor(objs):
    for obj in objs:
        # An instance-level actor would override the default one; this call's actor is the truth.
        obj.__dict__.pop("_history_user", None)
        obj.__dict__.pop("_change_reason", None)


def _bulk_history(model, objs, fields, *, actor, reason, when):
    return bulk_update_with_history(
        objs,
        model,
        fields,
        default_user=actor,
        default_change_reason=reason,
        default_date=when,
        custom_historical_attrs=_actor_attrs(actor),
    )


def shared_values(model, objs, fields):
    """Return {attname: value} when every one of `objs` has the same value in each of `fields`
    (so one UPDATE can write them all), else None."""
    attnames = [model._meta.get_field(name).attname for name in fields]
    first = objs[0]
    values = {attname: getattr(first, attname) for attname in attnames}
    for obj in objs[1:]:
        for attname, value in values.items():
            if getattr(obj, attname) != value:
                return None
    return values


def bulk_update_tracked(model, objs, fields, *, actor, reason, when=None):
    """Bulk-update `fields` of `objs` and write one history row each, with actor and reason.

    When every object carries the same values (a scheduler batch, a release's yank), this is
    `bulk_set_tracked`: one UPDATE for the batch instead of a CASE per row.
    """
    objs = list(objs)
    if not objs:
        return 0
    values = shared_values(model, objs, fields) if fields else None
    if values is not None:
        return bulk_set_tracked(model, objs, values, actor=actor, reason=reason, when=when)
    _forget_instance_actor(objs)
    return _bulk_history(model, objs, fields, actor=actor, reason=reason, when=when)


def bulk_set_tracked(model, objs, values, *, actor, reason, when=None):
    """Set the same `values` ({field: value}) on every one of `objs` with one
    `UPDATE ... WHERE pk IN (...)`, and write one history row each, with actor and reason.

    The instances get the new values too, so their history rows show the state after the
    change, exactly as `bulk_update_tracked` would have written them. Return the rows updated.
    """
    objs = list(objs)
    if not objs:
        return 0
    _forget_instance_actor(objs)
    for obj in objs:
        for name, value in values.items():
            setattr(obj, name, value)
    pks = [obj.pk for obj in objs]
    with transaction.atomic(savepoint=False):
        updated = model._default_manager.filter(pk__in=pks).update(**values)
        copy_history_of_rows(model, pks, actor=actor, reason=reason, when=when)
    return updated


HISTORY_CHUNK = 5000  # ids per INSERT ... SELECT (SQLite allows 32,766 parameters)


def copy_history_of_rows(model, pks, *, actor, reason, when=None):
    """Write one "changed" history row per row of `model` in `pks`, copied from the table as it
    now is, with `INSERT ... SELECT`: the same columns simple-history's bulk writer fills (every
    tracked field, date, type "~", reason, actor and the actor's username), without building a
    Python object per row.
    """
    history = model.history.model
    connection = transaction.get_connection(router.db_for_write(model))
    quote = connection.ops.quote_name
    live = {field.attname: field.column for field in model._meta.concrete_fields}
    fixed = {
        "history_date": when or timezone.now(),
        "history_type": "~",
        "history_change_reason": reason,
        "history_user_id": actor.pk if actor is not None else None,
        "history_user_username": actor.get_username() if actor is not None else "",
    }
    targets, sources, params = [], [], []
    for field in history._meta.concrete_fields:
        if field.primary_key:
            continue
        targets.append(quote(field.column))
        if field.attname in fixed:
            sources.append("%s")
            params.append(field.get_db_prep_save(fixed[field.attname], connection))
        else:
            sources.append(quote(live[field.attname]))
    pk_column = quote(model._meta.pk.column)
    statement = (
        f"INSERT INTO {quote(history._meta.db_table)} ({', '.join(targets)}) "
        f"SELECT {', '.join(sources)} FROM {quote(model._meta.db_table)} "
        f"WHERE {pk_column} IN ({{}}) ORDER BY {pk_column}"
    )
    pks = sorted(pks)
    with connection.cursor() as cursor:
        for start in range(0, len(pks), HISTORY_CHUNK):
            chunk = pks[start : start + HISTORY_CHUNK]
            cursor.execute(statement.format(", ".join(["%s"] * len(chunk))), [*params, *chunk])


def record(obj, *, actor, reason):
    """Mark `obj` so that its next `save()` writes a history row with this actor and reason."""
    obj._history_user = actor
    obj._change_reason = reason
    return obj
