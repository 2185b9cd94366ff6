"""What each state of each queue means, in plain words: pure data, no ORM.

For every state: `headline` and `next_step` tell the person on the other side (the requester on
their private page, or the owners on their staged-removal page) where the case is and what
happens next; `staff` tells support staff and registry admins what to do. `WAITING_FOR` says, for
staff, whom or what an open case waits for, and `DONE` what a step did, in the words of the
message shown after it. Tests hold these tables to `workflow`, so a new state or step cannot
reach a page without its words.
"""

from dataclasses import dataclass

from .workflow import (
    AbuseState,
    ExceptionState,
    Kind,
    NameRequestState,
    StagedState,
    TakedownState,
)


@dataclass(frozen=True)
class StateText:
    headline: str
    next_step: str
    staff: str


T, E, A, S, N = TakedownState, ExceptionState, AbuseState, StagedState, NameRequestState

CLOSED = "Nothing: the case is closed."

TEXTS = {
    Kind.TAKEDOWN: {
        T.RECEIVED: StateText(
            "Received: support staff will check that the notice is complete and valid.",
            "If something is missing we ask you here and by email. Otherwise the project's "
            "owners are told and a registry admin decides whether to disable the content.",
            "Check the notice: accept it, ask the claimant for what is missing, or reject it.",
        ),
        T.NEEDS_INFO: StateText(
            "Waiting for your answer: support staff need more information (see the messages).",
            "Answer with the form below; the notice goes back to the queue as soon as you do.",
            "Waiting for the claimant's answer; it comes back to the queue when they reply.",
        ),
        T.ACCEPTED: StateText(
            "Accepted: the notice is complete and valid.",
            "The project's owners are told; a registry admin then decides whether to disable "
            "the content.",
            "Notify the owners, or (registry admins) disable the content.",
        ),
        T.OWNER_NOTIFIED: StateText(
            "The project's owners have been notified of your notice.",
            "They may answer. A registry admin then decides whether to disable the content.",
            "The owners may answer; a registry admin decides whether to disable the content.",
        ),
        T.CONTENT_DISABLED: StateText(
            "The content is disabled: it is no longer on the index.",
            "If the owners send a counter-notice we forward it to you. The content then comes "
            "back after 10 to 14 business days unless you tell us you have filed a court action.",
            "Record a counter-notice if the owners send one, or close the notice as upheld.",
        ),
        T.COUNTER_NOTICE: StateText(
            "The owners sent a counter-notice disputing your claim.",
            "The content comes back after the waiting period below unless you tell us, with the "
            "form below, that you have filed a court action.",
            "The waiting period runs; the scheduler reinstates the content when it ends unless "
            "the claimant reports a court action.",
        ),
        T.REINSTATED: StateText(
            "Closed: the content was reinstated after a counter-notice.", "", CLOSED
        ),
        T.UPHELD: StateText("Closed: the content stays disabled.", "", CLOSED),
        T.REJECTED: StateText(
            "Closed: the notice was rejected. The messages below say why.",
            "You may send a new notice if you can add what was missing.",
            CLOSED,
        ),
        T.RETRACTED: StateText("Closed: the notice was retracted.", "", CLOSED),
    },
    Kind.EXCEPTION: {
        E.SUBMITTED: StateText(
            "Submitted: waiting for support staff to review it.",
            "Support staff look at the request and its impact; a registry admin decides. You "
            "can withdraw it until then.",
            "Start the review, or reject it with the reason the maintainer will read.",
        ),
        E.UNDER_REVIEW: StateText(
            "Under review by support staff.",
            "A registry admin approves it (and removes what you asked for) or rejects it; you "
            "are told by email either way.",
            "Recommend a decision; a registry admin approves (removes) or rejects it.",
        ),
        E.APPROVED: StateText(
            "Approved: what you asked for was removed from the index.",
            "The removal is recorded in the project's history; the registry admins can restore it.",
            CLOSED,
        ),
        E.REJECTED: StateText(
            "Closed: the request was rejected. The messages below say why.",
            "Yanking, archiving or deprecating remain open to you.",
            CLOSED,
        ),
        E.WITHDRAWN: StateText("Closed: the request was withdrawn.", "", CLOSED),
    },
    Kind.ABUSE: {
        A.RECEIVED: StateText(
            "Received: waiting for support staff.",
            "Malware reports are looked at first. You hear from us if we need anything.",
            "Triage it or clear it; a registry admin may quarantine the project at once.",
        ),
        A.TRIAGED: StateText(
            "Triaged: the report is credible and waits for a registry admin's decision.",
            "A registry admin quarantines or removes the project, or closes the report.",
            "A registry admin quarantines or removes the project; or clear the report.",
        ),
        A.QUARANTINED: StateText(
            "The project is quarantined: installers see it with no files.",
            "A registry admin decides whether to remove it for good or lift the quarantine.",
            "A registry admin removes the project for good or lifts the quarantine.",
        ),
        A.REMOVED: StateText("Closed: the project was removed from the index.", "", CLOSED),
        A.CLEARED: StateText(
            "Closed: after review, nothing needed to change.",
            "Thank you for reporting. Write a new report if you find more.",
            CLOSED,
        ),
    },
    Kind.NAME: {
        N.SUBMITTED: StateText(
            "Submitted: waiting for support staff to check it against PEP 541.",
            "If the claim holds, the project's owners are contacted and have a reachability "
            "period to answer; a registry admin then decides. You can withdraw it until then.",
            "Check the claim and the facts: contact the owners (needed for an abandoned "
            "project), or leave it to a registry admin to transfer or refuse.",
        ),
        N.CONTACTING_OWNERS: StateText(
            "The owners have been contacted and may answer until the date below.",
            "If an owner answers that they keep the project, the request is refused (PEP 541 "
            "never moves a name against a reachable owner's wishes). If nobody answers, a "
            "registry admin decides.",
            "Wait for the owners' answer or the end of the reachability period; the scheduler "
            "then hands it to a registry admin.",
        ),
        N.AWAITING_DECISION: StateText(
            "No owner answered: the request waits for a registry admin's decision.",
            "A registry admin transfers the name to you or refuses, with the reason; you are "
            "told by email either way.",
            "Transfer the name or refuse it, with the reason the requester will read.",
        ),
        N.TRANSFERRED: StateText(
            "Transferred: you are now an owner of the project.",
            "You can upload new releases with a token of your account. The previous owners' "
            "roles were ended and the owners of projects that depend on it were told.",
            CLOSED,
        ),
        N.REFUSED: StateText(
            "Closed: the name stays with its owners. The messages below say why.",
            "You may choose another name, or ask again if the facts change (for example, after "
            "12 months without a release).",
            CLOSED,
        ),
        N.WITHDRAWN: StateText("Closed: the request was withdrawn.", "", CLOSED),
    },
    Kind.STAGED: {
        S.DEPRECATED: StateText(
            "Deprecated: installers still get it, with your message.",
            "On the date below it is hidden from /simple/ (installable only from the opt-in "
            "index /pending/simple/). You can cancel until it is removed.",
            "hidden from /simple/ (pending removal)",
        ),
        S.PENDING_REMOVAL: StateText(
            "Pending removal: only installers that opt in to /pending/simple/ get it.",
            "On the date below the registry admins review its removal. You can still cancel.",
            "an admin's review",
        ),
        S.AWAITING_REVIEW: StateText(
            "Awaiting the registry admins' review.",
            "An admin removes it, keeps it or gives it more time. You can still cancel.",
            "approve, keep or extend (admins)",
        ),
        S.REMOVED: StateText(
            "Removed: it is no longer on the index.",
            "The registry admins can restore it if needed.",
            "none (closed)",
        ),
        S.KEPT: StateText(
            "Kept: the registry admins decided to keep it on the index (still deprecated).",
            "",
            "none (closed)",
        ),
        S.CANCELLED: StateText(
            "Cancelled: it is served from the index as before.", "", "none (closed)"
        ),
    },
}


def text(kind, state):
    """Return the StateText of `state` in queue `kind`."""
    return TEXTS[Kind(kind)][state]


SUPPORT = "support staff"
ADMIN_DECISION = "a registry admin's decision"

# Whom or what a case in each state waits for, as "Waiting for <this>." on the staff's pages.
WAITING_FOR = {
    Kind.TAKEDOWN: {
        T.RECEIVED: "support staff to check the notice",
        T.NEEDS_INFO: "the requester to answer",
        T.ACCEPTED: "support staff to notify the owners (or a registry admin to disable the "
        "content)",
        T.OWNER_NOTIFIED: ADMIN_DECISION + " on disabling the content",
        T.CONTENT_DISABLED: "a counter-notice from the owners, if they send one",
        T.COUNTER_NOTICE: "the end of the waiting period, or a court action",
    },
    Kind.EXCEPTION: {
        E.SUBMITTED: "support staff to start the review",
        E.UNDER_REVIEW: ADMIN_DECISION + " (support staff may add a recommendation)",
    },
    Kind.ABUSE: {
        A.RECEIVED: "support staff to triage the report",
        A.TRIAGED: ADMIN_DECISION + ": quarantine, remove or clear",
        A.QUARANTINED: ADMIN_DECISION + ": remove the project or lift the quarantine",
    },
    Kind.NAME: {
        N.SUBMITTED: "support staff to check the claim and contact the owners",
        N.CONTACTING_OWNERS: "the owners' answer, or the end of the reachability period",
        N.AWAITING_DECISION: ADMIN_DECISION + ": transfer the name or refuse",
    },
    Kind.STAGED: {
        S.DEPRECATED: "the date of its next stage (the scheduler hides it from /simple/)",
        S.PENDING_REMOVAL: "the date it moves on to the final review",
        S.AWAITING_REVIEW: "a registry admin's review: approve, keep or extend",
    },
}


def waiting_for(kind, state):
    """Return whom or what a case of queue `kind` in `state` waits for, as staff read it."""
    return WAITING_FOR[Kind(kind)].get(state, "nothing: the case is closed")


# What each step a person takes in the admin did, as the message shown after it.
DONE = {
    Kind.TAKEDOWN: {
        "request_info": "Asked the requester for more information; the case waits for their "
        "answer.",
        "accept": "Accepted the notice; next, notify the project's owners.",
        "notify_owner": "Notified the project's owners; a registry admin now decides whether "
        "to disable the content.",
        "disable_content": "Disabled the content: it is no longer on the index. The case waits "
        "for a counter-notice from the owners, if they send one.",
        "receive_counter_notice": "Recorded the counter-notice; the waiting period has "
        "started, and the content comes back when it ends unless the claimant reports a court "
        "action.",
        "report_court_action": "Recorded the claimant's court action; the content stays "
        "disabled and the case is closed.",
        "reinstate": "Reinstated the content; the case is closed.",
        "uphold": "Closed the notice as upheld; the content stays disabled.",
        "reject": "Rejected the notice and told the requester why; the case is closed.",
    },
    Kind.EXCEPTION: {
        "start_review": "Started the review; recommend a decision for the registry admin who "
        "decides.",
        "approve": "Approved the request and removed what it named; the case is closed.",
        "reject": "Rejected the request and told the maintainer why; the case is closed.",
    },
    Kind.ABUSE: {
        "triage": "Marked the report as credible; it waits for a registry admin's decision.",
        "quarantine": "Quarantined the project: installers see it with no files.",
        "remove": "Removed the project from the index; the report is closed.",
        "clear": "Cleared the report: nothing changes for the project; the report is closed.",
        "lift_quarantine": "Lifted the quarantine: the project is active again; the report is "
        "closed.",
    },
    Kind.NAME: {
        "contact_owners": "Contacted the owners: each has a private link to keep the project. "
        "The reachability period has started; the scheduler hands the request to a registry "
        "admin if nobody answers.",
        "transfer": "Transferred the name: the requester has become an owner, the previous roles "
        "are ended (restorable from the transfer), and everyone concerned is told.",
        "refuse": "Refused the request and told the requester why; the case is closed.",
    },
    Kind.STAGED: {},
}


def done(kind, transition, state):
    """Return what `transition` did, in words; a step without words of its own says what the
    case, now in `state`, waits for."""
    words = DONE[Kind(kind)].get(transition.name)
    if words:
        return words
    return f"{transition.label}: done. The case now waits for {waiting_for(kind, state)}."
