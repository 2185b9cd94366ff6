"""A batch's history rows copied in SQL (`copy_history_of_rows`) are the rows simple-history's
own bulk writer would have written: every tracked field, date, type, reason and actor."""

from datetime import UTC, datetime

import pytest
from django.forms.models import model_to_dict

from registry import services
from registry.history import _bulk_history, _forget_instance_actor, bulk_set_tracked
from registry.models import Project

pytestmark = pytest.mark.django_db

WHEN = datetime(2026, 5, 1, 9, 30, tzinfo=UTC)
SKIP = {"history_id", "id", "name", "normalized_name", "created_at"}  # differ per project


def latest_history(project):
    row = Project.history.filter(id=project.pk).order_by("-history_id").first()
    return {key: value for key, value in model_to_dict(row).items() if key not in SKIP}


def projects(owner, prefix):
    return [
        services.create_project(name=f"{prefix}-{n}", owner=owner, actor=owner, reason="New")
        for n in range(3)
    ]


def test_copied_history_rows_equal_simple_historys_own(owner, registry_admin):
    by_sql = projects(owner, "sql")
    by_orm = projects(owner, "orm")
    values = {"status_reason": "Moved by the scheduler", "pending_removal_at": WHEN}

    bulk_set_tracked(Project, by_sql, values, actor=registry_admin, reason="Batch", when=WHEN)
    Project.objects.filter(pk__in=[p.pk for p in by_orm]).update(**values)
    for project in by_orm:
        for name, value in values.items():
            setattr(project, name, value)
    _forget_instance_actor(by_orm)  # as bulk_update_tracked does
    _bulk_history(Project, by_orm, [], actor=registry_admin, reason="Batch", when=WHEN)

    for copied, built in zip(by_sql, by_orm, strict=True):
        row = latest_history(copied)
        live = Project.objects.get(pk=copied.pk)
        assert Project.history.filter(id=copied.pk).latest("history_id").created_at == (
            live.created_at
        )
        assert row == latest_history(built)
        assert row["status_reason"] == "Moved by the scheduler"
        assert row["history_type"] == "~"
        assert row["history_change_reason"] == "Batch"
        assert row["history_user"] == registry_admin.pk
        assert row["history_user_username"] == registry_admin.username
    assert Project.history.get(id=by_sql[0].pk, history_type="~").history_date == WHEN


def test_the_scheduler_without_an_actor_is_recorded_as_nobody(owner):
    batch = projects(owner, "nobody")

    bulk_set_tracked(Project, batch, {"pending_removal_at": WHEN}, actor=None, reason="Due")

    row = latest_history(batch[0])
    assert (row["history_user"], row["history_user_username"]) == (None, "")
    assert row["pending_removal_at"] == WHEN
