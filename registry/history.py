"""One project-wide shape for history rows.

Every tracked model (registry and moderation alike) uses `tracked_history()`, so each historical
row carries the acting user, a copy of that user's username (kept when the account is deleted,
because the user foreign key then becomes NULL) and a free-text reason.

Writers set `obj._history_user` and `obj._change_reason` before `save()`; bulk writers go through
`bulk_create_tracked` / `bulk_update_tracked`, which write the same columns.
"""

from django.db import models
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


def bulk_update_tracked(model, objs, fields, *, actor, reason, when=None):
    """Bulk-update `fields` of `objs` and write one history row each, with actor and reason."""
    for obj in objs:
        # An instance-level actor would override the default one; this call's actor is the truth.
        obj.__dict__.pop("_history_user", None)
        obj.__dict__.pop("_change_reason", None)
    return bulk_update_with_history(
        objs,
        model,
        fields,
        default_user=actor,
        default_change_reason=reason,
        default_date=when,
        custom_historical_attrs=_actor_attrs(actor),
    )


def record(obj, *, actor, reason):
    """Mark `obj` so that its next `save()` writes a history row with this actor and reason."""
    obj._history_user = actor
    obj._change_reason = reason
    return obj
