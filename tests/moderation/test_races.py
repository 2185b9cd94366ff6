"""Two people deciding one request at once (PostgreSQL): exactly one decision is taken.

Each pair of decisions is raced in both orders on the request's row lock (`tests.races.race`
starts the workers in order, and PostgreSQL grants the lock in that order): the first decides,
the second is refused because the request moved on, and the history shows one decision.
"""

import pytest

from registry import services as registry
from registry.models import RemovalEvent
from registry.services import RegistryError
from tests.factories import publish
from tests.moderation.test_services import (
    NOW,
    OLD,
    act,
    fresh,
    installable,
    messages_to_requester,
    recorded_transitions,
    request_exception,
    submit,
)
from tests.races import on_postgresql, race

pytestmark = [on_postgresql, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

# (name, who takes it, the state it leads to, whether it removes something from the registry)
APPROVE = ("approve", "registry_admin", "approved", True)
REJECT_EXCEPTION = ("reject", "second_admin", "rejected", False)
WITHDRAW = ("withdraw", "owner", "withdrawn", False)
DISABLE = ("disable_content", "registry_admin", "content_disabled", True)
REJECT_TAKEDOWN = ("reject", "support_user", "rejected", False)

# What the one who comes second is told: the requester about a closed request, staff that it
# is stale.
STALE = ("stale", "is no longer possible (someone may have acted on it since you opened it)")
CLOSED = ("closed", "it can no longer be changed")


@pytest.fixture
def release(owner):
    project = registry.create_project(
        name="leftpad", owner=owner, actor=owner, reason="New project", now=OLD
    )
    return publish(project, "1.0", actor=owner, now=OLD, files=2)


def exception(release, owner, support_user):
    return request_exception(release.project, owner, releases=[release])


def takedown(release, owner, support_user):
    case, _key = submit(release.project, releases=[release])
    return act(case, "accept", support_user, "Valid")


@pytest.mark.parametrize(
    ("open_case", "first", "second", "refusal"),
    [
        pytest.param(exception, APPROVE, REJECT_EXCEPTION, STALE, id="approve-then-reject"),
        pytest.param(exception, REJECT_EXCEPTION, APPROVE, STALE, id="reject-then-approve"),
        pytest.param(exception, APPROVE, WITHDRAW, CLOSED, id="approve-then-withdraw"),
        pytest.param(exception, WITHDRAW, APPROVE, STALE, id="withdraw-then-approve"),
        pytest.param(takedown, DISABLE, REJECT_TAKEDOWN, STALE, id="disable-then-reject"),
        pytest.param(takedown, REJECT_TAKEDOWN, DISABLE, STALE, id="reject-then-disable"),
    ],
)
def test_two_people_deciding_one_request_at_once_take_one_decision(
    request,
    release,
    owner,
    support_user,
    registry_admin,
    second_admin,
    open_case,
    first,
    second,
    refusal,
):
    case = open_case(release, owner, support_user)
    before = recorded_transitions(case)
    moves = [first, second]
    model = type(case)

    def decide(n):
        name, who, _state, _removes = moves[n]
        return act(
            model.objects.get(pk=case.pk),
            name,
            fresh(request.getfixturevalue(who)),
            f"Decided by {who}",
            now=NOW,
        )

    results = race(model, case.pk, decide, in_order=True)

    decided, refused = results
    assert isinstance(decided, model) and isinstance(refused, RegistryError), results
    name, who, state, removes = first
    code, words = refusal
    assert refused.code == code
    assert words in refused.message
    case.refresh_from_db()
    assert case.state == state
    actor = request.getfixturevalue(who).get_username()
    assert recorded_transitions(case) == [*before, (state, actor, f"Decided by {who}")]
    assert RemovalEvent.objects.count() == case.removal_events.count() == int(removes)
    assert installable(release.project) == (set() if removes else set(filenames(release)))
    rejections = [body for body in messages_to_requester(case) if body.startswith("Decided")]
    assert rejections == (["Decided by " + who] if name == "reject" else [])


def filenames(release):
    return release.files.values_list("filename", flat=True)
