"""PEP 541 name requests: a signed-in user's claim on a project's name, the owners'
reachability period, and an admin's decision (transfer or refuse)."""

from enum import StrEnum

from .core import Refusal, Who, _t


class NameRequestState(StrEnum):
    SUBMITTED = "submitted"
    CONTACTING_OWNERS = "contacting_owners"
    AWAITING_DECISION = "awaiting_decision"
    TRANSFERRED = "transferred"
    REFUSED = "refused"
    WITHDRAWN = "withdrawn"


def _owners_unreachable(case, now, data):
    # PEP 541: an abandoned project's name moves only when its owners could not be reached.
    if case.ground == "abandoned" and case.state != NameRequestState.AWAITING_DECISION:
        return Refusal(
            "reachability",
            "PEP 541 transfers an abandoned project's name only when its owners could not be "
            "reached: contact the owners first. If none of them answers within the reachability "
            "period, the request comes back to you for a decision.",
        )
    return None


N = NameRequestState
NAME_OPEN = {N.SUBMITTED, N.CONTACTING_OWNERS, N.AWAITING_DECISION}

NAME_TRANSITIONS = [
    _t(
        "contact_owners",
        {N.SUBMITTED},
        N.CONTACTING_OWNERS,
        Who.SUPPORT,
        "Contact the owners",
        'Every owner is e-mailed a private one-click link to answer "I am here, keep my '
        'project"; the reachability period starts, with a reminder halfway through.',
        effect="contact_owners",
    ),
    _t(
        "keep_project",
        NAME_OPEN,
        N.REFUSED,
        Who.OWNER,
        "I am here: keep my project",
        "An owner answers: PEP 541 never moves a name against the wishes of a reachable owner, "
        "so the request is refused and the requester told.",
        effect="owner_keeps",
    ),
    _t(
        "lapse",
        {N.CONTACTING_OWNERS},
        N.AWAITING_DECISION,
        Who.SCHEDULER,
        "Reachability period over",
        "No owner answered within the reachability period: a registry admin decides.",
    ),
    _t(
        "transfer",
        {N.SUBMITTED, N.AWAITING_DECISION},
        N.TRANSFERRED,
        Who.ADMIN,
        "Transfer the name",
        "The requester becomes the project's owner; every previous role is ended (not deleted, "
        "and restorable from the transfer); a removed project's name reservation is handed "
        "over; the owners of dependent projects are told.",
        executes=True,
        effect="transfer_name",
        guard=_owners_unreachable,
    ),
    _t(
        "refuse",
        NAME_OPEN,
        N.REFUSED,
        Who.ADMIN,
        "Refuse the request",
        "The name stays with its owners; the requester is told why.",
        message_required=True,
    ),
    _t(
        "withdraw",
        NAME_OPEN,
        N.WITHDRAWN,
        Who.REQUESTER,
        "Withdraw the request",
        "The requester no longer asks for the name.",
    ),
]
