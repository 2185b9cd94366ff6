"""A readable History page for every tracked admin: who, what in words, when, and why.

simple-history's page prints its own column names, microsecond timestamps and "Deleted user
(pk=None)" for an empty foreign key. Here each row says who acted (the username kept in the
history row), what changed with field names and plain values, when (local time, to the minute,
with the time zone) and why (the recorded reason).
"""

import json
from datetime import date, datetime

from django.core.exceptions import FieldDoesNotExist
from django.db.models import ForeignKey
from django.utils import timezone
from django.utils.formats import date_format
from simple_history.models import DeletedObject
from simple_history.template_utils import HistoricalRecordContextHelper

# Shown in their own columns (who, why), so never as extra columns.
ACTOR_AND_REASON = ("history_user_username", "history_change_reason", "history_user")
NOTHING = "—"
WHEN_FORMAT = "Y-m-d H:i T"


def unknown_actor():
    return "someone (not recorded)"


def actor_of(record):
    """Who wrote a history row: the username copied into it, which outlives the account."""
    return record.history_user_username or unknown_actor()


def when(value):
    """A moment in the current time zone, to the minute, with the zone: 2026-11-26 14:05 UTC."""
    if isinstance(value, datetime):
        if timezone.is_aware(value):
            value = timezone.localtime(value)
        return date_format(value, WHEN_FORMAT)
    return date_format(value, "Y-m-d")


def readable(field, value):
    """One value of a model field as a person reads it."""
    if isinstance(value, DeletedObject):
        if value.pk is None:
            return NOTHING
        return f"{value.model._meta.verbose_name} #{value.pk} (no longer exists)"
    if value is None or value == "":
        return NOTHING
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, date):
        return when(value)
    if field.choices and not isinstance(field, ForeignKey):
        return dict(field.flatchoices).get(value, value)
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False) if value else NOTHING
    return value


def column_value(model, record, name):
    value = getattr(record, name)
    try:
        field = model._meta.get_field(name)
    except FieldDoesNotExist:
        return NOTHING if value is None or value == "" else value
    return readable(field, value)


class ReadableChanges(HistoricalRecordContextHelper):
    """simple-history's change list per row, with plain values instead of raw ones."""

    def prepare_delta_change_value(self, change, value):
        value = super().prepare_delta_change_value(change, value)
        return readable(self.model._meta.get_field(change.field), value)


def extra_columns(model_admin, request):
    """The history list's other columns, with their labels (never the raw column name)."""
    columns = []
    for name in model_admin.get_history_list_display(request):
        if name in ACTOR_AND_REASON:
            continue
        attr = getattr(model_admin, name, None)
        if callable(attr):
            label = getattr(attr, "short_description", name.replace("_", " "))
        else:
            label = model_admin.model._meta.get_field(name).verbose_name
        columns.append((name, str(label)))
    return columns


class ReadableHistoryMixin:
    """For SimpleHistoryAdmin subclasses: the readable History page (see the module's text)."""

    object_history_list_template = "simple_history/holdfast_history_list.html"

    def get_historical_record_context_helper(self, request, historical_record):
        return ReadableChanges(self.model, historical_record)

    def history_view(self, request, object_id, extra_context=None):
        extra_context = {**(extra_context or {}), "extra_columns": extra_columns(self, request)}
        return super().history_view(request, object_id, extra_context)

    def set_history_delta_changes(self, request, page_obj, **kwargs):
        super().set_history_delta_changes(request, page_obj, **kwargs)
        columns = extra_columns(self, request)
        for record in page_obj:
            record.readable_actor = actor_of(record)
            record.readable_when = when(record.history_date)
            record.readable_columns = [
                column_value(self.model, record, name) for name, _label in columns
            ]
