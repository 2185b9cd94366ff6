"""One project-wide shape for history rows.

Every tracked model (registry and moderation alike) uses `tracked_history()`, so each historical
row carries the acting user, a copy of that user's username (kept when the account is deleted,
because the user foreign key then becomes NULL) and a free-text reason.

Writers set `obj._history_user` and `obj._change_reason` before `save()`; bulk writers go through
`bulk_create_tracked` / `bulk_update_tracked` / `bulk_set_tracked`, which write the same columns.
A batch whose rows all get the same values is one `UPDATE ... WHERE pk IN (...)` plus the bulk
history insert: Django's `bulk_update` would build a `CASE WHEN pk = ... THEN ...` per row and
field, which costs most of a 100,000-case scheduler run.
"""

from django.db import models, transaction
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
    with transaction.atomic(savepoint=False):
        updated = model._default_manager.filter(pk__in=[obj.pk for obj in objs]).update(**values)
        # No fields: simple-history writes the history rows only (the UPDATE is done).
        _bulk_history(model, objs, [], actor=actor, reason=reason, when=when)
    return updated


def record(obj, *, actor, reason):
    """Mark `obj` so that its next `save()` writes a history row with this actor and reason."""
    obj._history_user = actor
    obj._change_reason = reason
    return obj
