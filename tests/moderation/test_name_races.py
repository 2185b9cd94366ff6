"""Name requests decided by several people, or scheduler runs, at once (PostgreSQL): exactly one
outcome each.

Two decisions are raced in both orders on the request's row lock (`tests.races.race` starts the
workers in order, and PostgreSQL grants the lock in that order): the first decides, the second is
refused readably, and the registry shows one transfer at most. Two scheduler runs take their
batches with SKIP LOCKED, so each request is reminded and lapsed once.
"""

import threading

import pytest
from django.db import connection

from moderation.models import NameRequest, NameRequestContact
from moderation.services import names, staged
from moderation.workflow import NameRequestState
from registry import services as registry
from registry.models import OwnershipTransfer, Role
from registry.services import RegistryError
from tests.factories import (
    NameRequestContactFactory,
    NameRequestFactory,
    ProjectFactory,
    UserFactory,
    publish,
)
from tests.moderation.test_name_requests import DAY, NOW, OLD, PERIOD, act, claim
from tests.moderation.test_services import fresh, recorded_transitions
from tests.races import WAIT_SECONDS, on_postgresql, race

pytestmark = [on_postgresql, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

S = NameRequestState
WHEN = NOW + PERIOD + DAY
STALE = ("stale", "is no longer possible (someone may have acted on it since you opened it)")
CLOSED = ("closed", "it can no longer be changed")


@pytest.fixture
def awaiting(owner, support_user):
    """An abandoned project's name asked for, its owners' period lapsed: awaiting a decision."""
    project = registry.create_project(
        name="leftpad", owner=owner, actor=owner, reason="New project", now=OLD
    )
    publish(project, "1.0", actor=owner, now=OLD)
    case = claim(project, UserFactory(username="claimant"))
    act(case, "contact_owners", support_user, "Asking the owners")
    names.lapse_batch(now=NOW + PERIOD, actor=staged.scheduler_user())
    case.refresh_from_db()
    assert case.state == S.AWAITING_DECISION
    return case


def test_two_admins_transferring_at_once_transfer_once(awaiting, registry_admin, second_admin):
    admins = [registry_admin, second_admin]
    before = recorded_transitions(awaiting)

    def transfer(n):
        return act(
            NameRequest.objects.get(pk=awaiting.pk),
            "transfer",
            fresh(admins[n]),
            f"Transferred by admin {n}",
            now=WHEN,
        )

    decided, late = race(NameRequest, awaiting.pk, transfer, in_order=True)

    assert isinstance(decided, NameRequest) and isinstance(late, RegistryError), (decided, late)
    assert late.code == STALE[0] and STALE[1] in late.message
    assert OwnershipTransfer.objects.count() == 1
    awaiting.refresh_from_db()
    assert awaiting.state == S.TRANSFERRED
    assert recorded_transitions(awaiting) == [
        *before,
        (S.TRANSFERRED, "registry-admin", "Transferred by admin 0"),
    ]


@pytest.mark.parametrize("first", ["keep", "transfer"])
def test_an_owners_answer_racing_an_admins_transfer_has_one_outcome(
    awaiting, owner, registry_admin, first
):
    def keep():
        return names.keep_project(case=awaiting, owner=fresh(owner), via_key=True, now=WHEN)

    def transfer():
        return act(
            NameRequest.objects.get(pk=awaiting.pk),
            "transfer",
            fresh(registry_admin),
            "Owners unreachable",
            now=WHEN,
        )

    moves = [keep, transfer] if first == "keep" else [transfer, keep]

    decided, late = race(NameRequest, awaiting.pk, lambda n: moves[n](), in_order=True)

    assert isinstance(decided, NameRequest) and isinstance(late, RegistryError), (decided, late)
    awaiting.refresh_from_db()
    contact = NameRequestContact.objects.get(request=awaiting, owner=owner)
    if first == "keep":
        assert (late.code, STALE[1] in late.message) == (STALE[0], True)
        assert awaiting.state == S.REFUSED
        assert contact.answered_at == WHEN
        assert not OwnershipTransfer.objects.exists()
        assert Role.objects.active().get(project=awaiting.project).user == owner
    else:
        assert (late.code, CLOSED[1] in late.message) == (CLOSED[0], True)
        assert awaiting.state == S.TRANSFERRED
        assert contact.answered_at is None
        assert OwnershipTransfer.objects.count() == 1


def test_two_scheduler_runs_at_once_move_each_request_once(db):
    scheduler = staged.scheduler_user()
    lapsing, halfway = [], []
    for _n in range(12):
        for cases, until in ((lapsing, NOW - DAY), (halfway, NOW + 10 * DAY)):
            case = NameRequestFactory(
                project=ProjectFactory(),
                state=S.CONTACTING_OWNERS,
                created_at=NOW - 40 * DAY,
                reachable_until=until,
            )
            NameRequestContactFactory(request=case)
            cases.append(case.pk)
    start = threading.Barrier(2, timeout=WAIT_SECONDS)
    results = [None, None]

    def run(n):
        try:
            actor = fresh(scheduler)
            start.wait()
            reminded, lapsed = [], []
            while cases := names.remind_batch(now=NOW, actor=actor, size=2):
                reminded += [case.pk for case in cases]
            while cases := names.lapse_batch(now=NOW, actor=actor, size=2):
                lapsed += [case.pk for case in cases]
            results[n] = (reminded, lapsed)
        except Exception as error:  # reported by the assertions below
            results[n] = error
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(n,)) for n in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=4 * WAIT_SECONDS)

    assert all(isinstance(result, tuple) for result in results), results
    reminded = results[0][0] + results[1][0]
    lapsed = results[0][1] + results[1][1]
    assert sorted(reminded) == sorted(halfway), "each request reminded by one run only"
    assert sorted(lapsed) == sorted(lapsing), "each request lapsed by one run only"
    assert set(NameRequest.objects.filter(pk__in=lapsing).values_list("state", flat=True)) == {
        S.AWAITING_DECISION
    }
    for pk in lapsing:
        rows = NameRequest.history.filter(id=pk, history_change_reason=names.LAPSE_REASON)
        assert rows.count() == 1
    for pk in halfway:
        rows = NameRequest.history.filter(id=pk, history_change_reason=names.REMINDER_REASON)
        assert rows.count() == 1
    contacts = NameRequestContact.objects.filter(request_id__in=halfway)
    assert all(contact.reminder_key_hash for contact in contacts)
    assert (
        NameRequestContact.history.filter(
            request_id__in=halfway, history_change_reason=names.REMINDER_REASON
        ).count()
        == 12
    )
