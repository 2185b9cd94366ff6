"""Moderation requests for `manage.py seed_scale`, registered through `registry.extensions`.

About 8% of the seeded projects get a request: abuse reports (3%), deletion exceptions (2.5%),
legal takedowns (1.5%), and a staged removal for every deprecated project (open, in its
deprecated stage; some already due) plus closed (cancelled) ones for 1% of active projects. Only
states whose registry side is already true of the seeded rows are drawn (a request that would
have quarantined or removed something is not made), so every row is one the workflow could have
reached. Rows are bulk-written, each with one history row when asked.
"""

import hashlib
from datetime import timedelta

from registry.models import ProjectStatus, Role
from registry.scale import BATCH, _with_history

from .models import (
    AbuseCategory,
    AbuseReport,
    DeletionException,
    ExceptionCategory,
    LegalTakedown,
    Priority,
    StagedRemoval,
    TakedownKind,
)
from .services.engine import sla_due
from .workflow import AbuseState, ExceptionState, StagedState, TakedownState, is_open

SHARES = (
    (AbuseReport, 0.03, [AbuseState.RECEIVED, AbuseState.TRIAGED, AbuseState.CLEARED]),
    (
        DeletionException,
        0.025,
        [
            ExceptionState.SUBMITTED,
            ExceptionState.UNDER_REVIEW,
            ExceptionState.REJECTED,
            ExceptionState.WITHDRAWN,
        ],
    ),
    (
        LegalTakedown,
        0.015,
        [
            TakedownState.RECEIVED,
            TakedownState.NEEDS_INFO,
            TakedownState.ACCEPTED,
            TakedownState.OWNER_NOTIFIED,
            TakedownState.REJECTED,
            TakedownState.RETRACTED,
        ],
    ),
)


def _case(model, project, state, n, *, rng, now):
    created = now - timedelta(days=rng.uniform(0, 60))
    closed = not is_open(model.kind, state)
    fields = {
        "project": project,
        "state": state,
        "priority": rng.choice(Priority.values),
        "created_at": created,
        "due_at": sla_due(model.kind, created),
        "closed_at": created + timedelta(days=rng.uniform(0.5, 5)) if closed else None,
        "requester_name": f"Reporter {n}",
        "requester_email": f"reporter{n}@example.org",
        "access_key_hash": hashlib.sha256(f"seed-{model.kind}-{n}".encode()).hexdigest(),
    }
    if model is AbuseReport:
        fields["category"] = rng.choice(AbuseCategory.values)
        fields["details"] = f"Seeded abuse report about {project.name}."
    elif model is DeletionException:
        fields["category"] = rng.choice(ExceptionCategory.values)
        fields["details"] = f"Seeded request to remove files of {project.name}."
    else:
        # A complete notice (every element a copyright notice needs), as the form takes it.
        fields.update(
            takedown_kind=rng.choice(TakedownKind.values),
            details=f"Seeded notice about {project.name}.",
            material_location=f"https://example.org/simple/{project.normalized_name}/",
            work_description="A seeded work.",
            signature=f"Reporter {n}",
            postal_address="1 Example Street",
            phone="+1 555 0100",
            good_faith=True,
            accurate_under_perjury=True,
        )
    return model(**fields)


def seed_requests(projects, *, rng, now, history):
    """Bulk-write the requests described above for `projects`; return the rows per model."""
    written = {}
    n = 0
    for model, share, states in SHARES:
        chosen = rng.sample(projects, min(len(projects), round(len(projects) * share)))
        rows = []
        for project in chosen:
            n += 1
            rows.append(_case(model, project, rng.choice(states), n, rng=rng, now=now))
        rows = model.objects.bulk_create(rows, batch_size=BATCH)
        _with_history(model, rows, history=history, when=lambda case: case.created_at)
        written[str(model._meta.verbose_name_plural)] = len(rows)

    # A staged removal is an owner's request: the project's first owner asked for it.
    owner = dict(Role.objects.order_by("-pk").values_list("project_id", "user_id"))
    staged = []
    for project in projects:
        if project.status == ProjectStatus.DEPRECATED:
            # Open in its first stage (the project is deprecated); some already due.
            created = now - timedelta(days=rng.uniform(1, 40))
            state, message = StagedState.DEPRECATED, "is deprecated and will be removed."
            times = {"next_step_at": created + timedelta(days=30)}
        elif project.status == ProjectStatus.ACTIVE and rng.random() < 0.01:
            created = now - timedelta(days=rng.uniform(30, 400))
            state, message = StagedState.CANCELLED, "was to be removed; its owners kept it."
            times = {"closed_at": created + timedelta(days=rng.uniform(1, 20))}
        else:
            continue
        staged.append(
            StagedRemoval(
                project=project,
                state=state,
                requested_by_id=owner[project.pk],
                message=f"{project.name} {message}",
                created_at=created,
                **times,
            )
        )
    staged = StagedRemoval.objects.bulk_create(staged, batch_size=BATCH)
    _with_history(StagedRemoval, staged, history=history, when=lambda case: case.created_at)
    written["staged removals"] = len(staged)
    return written
