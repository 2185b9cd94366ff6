"""Moderation requests for `manage.py seed_scale`, registered through `registry.extensions`.

About 8% of the seeded projects get a request: abuse reports (3%), deletion exceptions (2.5%),
legal takedowns (1.5%), and a staged removal for every deprecated project (open, in its
deprecated stage; some already due) plus closed (cancelled) ones for 1% of active projects. Only
states whose registry side is already true of the seeded rows are drawn (a request that would
have quarantined or removed something is not made), so every row is one the workflow could have
reached. Rows are bulk-written, each with one history row when asked.

PEP 541 name requests go to 1% of the projects (PyPI's support tracker has seen a few thousand
for about half a million projects): placeholders (only version 0) are claimed as name squatting,
projects without a release for over a year as abandoned, and each request is one the form
accepts (`moderation.pep541.refusal` on the project's facts when it was filed, which it keeps).
About 40% are open (submitted, owners being contacted, awaiting a decision after the lapse) and
60% closed (transferred, refused by an owner's answer or an admin, withdrawn). Their registry
side is written too: each owner contacted (reminded halfway, one answering "keep my project"),
and for a transfer the `OwnershipTransfer` with the requester's new owner role and the previous
roles ended, as `registry.services.transfer_project` leaves them.
"""

import hashlib
from datetime import timedelta

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db.models import Max

from registry.models import OwnershipTransfer, ProjectStatus, Release, Role, RoleName
from registry.name_facts import name_facts
from registry.scale import BATCH, REASON_HISTORY, _with_history

from . import pep541
from .models import (
    AbuseCategory,
    AbuseReport,
    DeletionException,
    ExceptionCategory,
    LegalTakedown,
    NameGround,
    NameIntent,
    NameRequest,
    NameRequestContact,
    Priority,
    StagedRemoval,
    TakedownKind,
)
from .services.engine import sla_due
from .services.schedule import abandoned_after, reachability_period
from .workflow import (
    AbuseState,
    ExceptionState,
    NameRequestState,
    StagedState,
    TakedownState,
    is_open,
)

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
    written.update(seed_name_requests(projects, rng=rng, now=now, history=history))
    return written


# PEP 541 name requests ----------------------------------------------------------------------------

NAME_SHARE = 0.01
N = NameRequestState
# (state, how it got there, weight): an owner's answer and an admin's refusal both end "refused".
NAME_PATHS = (
    (N.SUBMITTED, "filed", 12),
    (N.CONTACTING_OWNERS, "contacted", 18),
    (N.AWAITING_DECISION, "lapsed", 10),
    (N.TRANSFERRED, "transferred", 25),
    (N.REFUSED, "owner_kept", 14),
    (N.REFUSED, "admin_refused", 14),
    (N.WITHDRAWN, "withdrawn", 7),
)
# Squatting needs no reachability period: its requests are never in the owners' hands.
SQUATTING_PATHS = tuple(path for path in NAME_PATHS if path[1] not in ("contacted", "lapsed"))
SEED_ADMIN = "seed-scale-admin"
DAY = timedelta(days=1)


def _days(rng, low, high):
    return timedelta(days=rng.uniform(low, high))


def _name_path(rng, ground, now):
    """Draw how a request got to its state, and its moments: (state, path, times)."""
    paths = SQUATTING_PATHS if ground == NameGround.SQUATTING else NAME_PATHS
    state, path, _weight = rng.choices(paths, weights=[path[2] for path in paths])[0]
    period = reachability_period()
    times = {}
    if path == "filed":
        times["created"] = now - _days(rng, 0, 6)
    elif path == "contacted":
        times["contacted"] = now - period + _days(rng, 1, period.days - 1)
    elif path == "lapsed":
        times["contacted"] = now - period - _days(rng, 1, 40)
    elif path == "owner_kept" or (path == "transferred" and ground == NameGround.ABANDONED):
        times["contacted"] = now - period - _days(rng, 10, 500)
    else:
        times["created"] = now - _days(rng, 10, 500)
    if "contacted" in times:
        times["created"] = times["contacted"] - _days(rng, 0.5, 6)
        times["until"] = times["contacted"] + period
        if times["until"] - period / 2 <= now:
            times["reminded"] = times["until"] - period / 2
    if path == "transferred":
        start = times.get("until", times["created"])
        times["closed"] = start + _days(rng, 0.5, 10)
    elif path == "owner_kept":
        times["closed"] = times["contacted"] + _days(rng, 0.2, period.days / 3)
    elif path in ("admin_refused", "withdrawn"):
        times["closed"] = times["created"] + _days(rng, 0.5, 9)
    return state, path, times


def _seed_admin():
    """The registry admin the seeded transfers are recorded as made by (cannot sign in)."""
    admin, created = get_user_model().objects.get_or_create(
        username=SEED_ADMIN, defaults={"is_staff": True, "email": "seed-admin@example.org"}
    )
    if created:
        admin.set_unusable_password()
        admin.save(update_fields=["password"])
        group = Group.objects.filter(name="Registry admins").first()
        if group is not None:
            admin.groups.add(group)
    return admin


def seed_name_requests(projects, *, rng, now, history):
    """Bulk-write PEP 541 name requests on 1% of `projects` (see the module's docstring);
    return the rows written per kind."""
    wanted = round(len(projects) * NAME_SHARE)
    if not wanted:
        return {"name requests": 0}
    last_release = dict(
        Release.objects.filter(removed_at__isnull=True)
        .values("project_id")
        .annotate(last=Max("created_at"))
        .values_list("project_id", "last")
    )
    nonzero = set(
        Release.objects.filter(removed_at__isnull=True)
        .exclude(canonical_version="0")
        .values_list("project_id", flat=True)
        .distinct()
    )
    people = list(
        get_user_model()
        .objects.filter(project_roles__isnull=False)
        .distinct()
        .order_by("pk")
        .values_list("pk", "username", "email")
    )
    year = abandoned_after()
    candidates = [
        project
        for project in projects
        if project.status != ProjectStatus.QUARANTINED
        and project.removed_at is None
        and now - project.created_at > year + 2 * DAY
    ]
    rng.shuffle(candidates)

    drafts = []  # (case, facts, path, times)
    for project in candidates:
        if len(drafts) == wanted:
            break
        if project.pk not in nonzero:
            ground = NameGround.SQUATTING
        elif rng.random() < 0.05:
            ground = NameGround.INVALID
        else:
            ground = NameGround.ABANDONED
        state, path, times = _name_path(rng, ground, now)
        created = times["created"]
        last = last_release.get(project.pk)
        if ground == NameGround.ABANDONED and (
            created - project.created_at < year or (last is not None and created - last < year)
        ):
            continue  # not abandoned yet when the request would have been filed
        facts = name_facts(project, now=created)
        with_role = {owner.user_id for owner in facts.owners}
        if not [owner for owner in facts.owners if owner.is_owner]:
            continue
        requester_id, username, email = rng.choice(people)
        if requester_id in with_role:
            continue
        intent = NameIntent.REPLACE if rng.random() < 0.3 else NameIntent.MAINTAIN
        if (
            pep541.refusal(
                facts,
                ground=ground,
                intent=intent,
                requester_id=requester_id,
                now=created,
                abandoned_after=year,
            )
            is not None
        ):
            continue
        n = len(drafts) + 1
        case = NameRequest(
            project=project,
            requested_name=project.name,
            ground=ground,
            intent=intent,
            details=f"Seeded PEP 541 request for {project.name} ({ground}).",
            looked_for_another_name=True,
            facts=facts.as_dict(),
            state=state,
            priority=rng.choice(Priority.values),
            created_at=created,
            due_at=sla_due(NameRequest.kind, created),
            closed_at=times.get("closed"),
            reachable_until=times.get("until"),
            owners_reminded_at=times.get("reminded"),
            requester_id=requester_id,
            requester_name=username,
            requester_email=email,
            access_key_hash=hashlib.sha256(f"seed-name-{n}".encode()).hexdigest(),
        )
        drafts.append((case, facts, path, times))

    cases = NameRequest.objects.bulk_create([draft[0] for draft in drafts], batch_size=BATCH)
    contacts = _name_contacts(drafts, emails={pk: email for pk, _name, email in people})
    transfers = _name_transfers(drafts, history=history)
    _with_history(NameRequest, cases, history=history, when=lambda case: case.created_at)
    _with_history(
        NameRequestContact, contacts, history=history, when=lambda contact: contact.contacted_at
    )
    return {
        "name requests": len(cases),
        "owners contacted": len(contacts),
        "ownership transfers": len(transfers),
    }


def _name_contacts(drafts, *, emails):
    """Every owner of a request that went to its owners, contacted; the first one's answer for
    a request an owner kept."""
    contacts = []
    for case, facts, path, times in drafts:
        if "contacted" not in times:
            continue
        owners = [owner for owner in facts.owners if owner.is_owner]
        for position, owner in enumerate(owners):
            key = f"seed-name-{case.pk}-{owner.user_id}"
            answered = path == "owner_kept" and position == 0
            contacts.append(
                NameRequestContact(
                    request=case,
                    owner_id=owner.user_id,
                    email=emails.get(owner.user_id, ""),
                    key_hash=hashlib.sha256(key.encode()).hexdigest(),
                    reminder_key_hash=(
                        hashlib.sha256(f"{key}-reminder".encode()).hexdigest()
                        if times.get("reminded") and not answered
                        else None
                    ),
                    contacted_at=times["contacted"],
                    reminded_at=times.get("reminded") if not answered else None,
                    answered_at=times["closed"] if answered else None,
                    answer="I am here: keep my project." if answered else "",
                )
            )
    return NameRequestContact.objects.bulk_create(contacts, batch_size=BATCH)


def _name_transfers(drafts, *, history):
    """The registry side of each transferred request: the requester becomes the owner, every
    other role is ended (not deleted), and the `OwnershipTransfer` records it."""
    done = [
        (case, times["closed"]) for case, _facts, path, times in drafts if path == "transferred"
    ]
    if not done:
        return []
    admin = _seed_admin()
    reason = "PEP 541: the name changes hands (seeded)"
    ended = {}
    for role in Role.objects.filter(
        project__in=[case.project_id for case, _at in done], ended_at__isnull=True
    ).order_by("pk"):
        ended.setdefault(role.project_id, []).append(role)
    transfers, new_roles, old_roles = [], [], []
    for case, at in done:
        for role in ended.get(case.project_id, []):
            role.ended_at = at
            old_roles.append(role)
        new_roles.append(
            Role(
                project_id=case.project_id,
                user_id=case.requester_id,
                role=RoleName.OWNER,
                created_at=at,
            )
        )
        transfers.append(
            OwnershipTransfer(
                project_id=case.project_id,
                new_owner_id=case.requester_id,
                reference=case.reference,
                created_at=at,
                created_by=admin,
                reason=reason,
            )
        )
    Role.objects.bulk_update(old_roles, ["ended_at"], batch_size=BATCH)
    new_roles = Role.objects.bulk_create(new_roles, batch_size=BATCH)
    transfers = OwnershipTransfer.objects.bulk_create(transfers, batch_size=BATCH)
    through = OwnershipTransfer.ended_roles.through
    through.objects.bulk_create(
        [
            through(ownershiptransfer_id=transfer.pk, role_id=role.pk)
            for transfer in transfers
            for role in ended.get(transfer.project_id, [])
        ],
        batch_size=BATCH,
    )
    for (case, _at), transfer in zip(done, transfers, strict=True):
        case.transfer = transfer
    NameRequest.objects.bulk_update([case for case, _at in done], ["transfer"], batch_size=BATCH)
    _with_history(Role, new_roles, history=history, when=lambda role: role.created_at)
    _with_history(OwnershipTransfer, transfers, history=history, when=lambda row: row.created_at)
    if history:
        for role in old_roles:
            role._history_date = role.ended_at
        Role.history.bulk_history_create(
            old_roles,
            batch_size=BATCH,
            update=True,
            default_user=admin,
            default_change_reason=REASON_HISTORY,
            custom_historical_attrs={"history_user_username": admin.get_username()},
        )
    return transfers
