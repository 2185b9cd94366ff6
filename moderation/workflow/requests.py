"""The request queues filed by the public and maintainers: legal takedowns, deletion exceptions
and abuse reports."""

from enum import StrEnum

from .core import Kind, Refusal, Who, _t


class TakedownState(StrEnum):
    RECEIVED = "received"
    NEEDS_INFO = "needs_info"
    ACCEPTED = "accepted"
    OWNER_NOTIFIED = "owner_notified"
    CONTENT_DISABLED = "content_disabled"
    COUNTER_NOTICE = "counter_notice"
    REINSTATED = "reinstated"
    UPHELD = "upheld"
    REJECTED = "rejected"
    RETRACTED = "retracted"


class ExceptionState(StrEnum):
    SUBMITTED = "submitted"
    UNDER_REVIEW = "under_review"
    APPROVED = "approved"
    REJECTED = "rejected"
    WITHDRAWN = "withdrawn"


class AbuseState(StrEnum):
    RECEIVED = "received"
    TRIAGED = "triaged"
    QUARANTINED = "quarantined"
    REMOVED = "removed"
    CLEARED = "cleared"


# Guards ------------------------------------------------------------------------------------------


def _waiting_period_over(case, now, data):
    if case.reinstate_after and now.date() < case.reinstate_after:
        return Refusal(
            "waiting_period",
            f"The counter-notice waiting period runs until {case.reinstate_after:%Y-%m-%d} "
            "(10 business days, 17 U.S.C. § 512(g)); reinstate on or after that day, unless "
            "the claimant reports a court action.",
        )
    return None


def _counter_notice_given(case, now, data):
    if not (data.get("counter_notice") or "").strip():
        return Refusal("counter_notice", "Paste the counter-notice you received.")
    return None


T, E, A = TakedownState, ExceptionState, AbuseState

REQUEST_TRANSITIONS = {
    Kind.TAKEDOWN: [
        _t(
            "request_info",
            {T.RECEIVED},
            T.NEEDS_INFO,
            Who.SUPPORT,
            "Ask for information",
            "The claimant is asked, by email and on their private page, for what is missing.",
            message_required=True,
        ),
        _t(
            "provide_info",
            {T.NEEDS_INFO},
            T.RECEIVED,
            Who.REQUESTER,
            "Send the information",
            "The claimant answers; the notice goes back to the queue.",
        ),
        _t(
            "accept",
            {T.RECEIVED},
            T.ACCEPTED,
            Who.SUPPORT,
            "Accept the notice",
            "The notice is complete and valid; the owners will be told.",
        ),
        _t(
            "notify_owner",
            {T.ACCEPTED},
            T.OWNER_NOTIFIED,
            Who.SUPPORT,
            "Notify the owners",
            "The owners get the notice by email and may respond before content is disabled.",
        ),
        _t(
            "disable_content",
            {T.ACCEPTED, T.OWNER_NOTIFIED},
            T.CONTENT_DISABLED,
            Who.ADMIN,
            "Disable the content",
            "Remove the named project, releases or files from the index (restorable).",
            executes=True,
            effect="remove_named",
        ),
        _t(
            "receive_counter_notice",
            {T.CONTENT_DISABLED},
            T.COUNTER_NOTICE,
            Who.SUPPORT,
            "Record a counter-notice",
            "The owner disputes the claim. The content comes back after 10 business days "
            "unless the claimant reports a court action within 14.",
            effect="record_counter_notice",
            guard=_counter_notice_given,
        ),
        _t(
            "send_counter_notice",
            {T.CONTENT_DISABLED},
            T.COUNTER_NOTICE,
            Who.OWNER,
            "Send a counter-notice",
            "The owner disputes the claim through the site's form (17 U.S.C. § 512(g)(3)). The "
            "content comes back after 10 business days unless the claimant reports a court "
            "action within 14.",
            effect="record_counter_notice",
            guard=_counter_notice_given,
        ),
        _t(
            "report_court_action",
            {T.COUNTER_NOTICE},
            T.UPHELD,
            Who.SUPPORT,
            "Claimant reports a court action",
            "The content stays disabled.",
        ),
        _t(
            "reinstate",
            {T.COUNTER_NOTICE},
            T.REINSTATED,
            Who.ADMIN,
            "Reinstate the content",
            "Restore what was disabled (after the counter-notice waiting period).",
            executes=True,
            effect="restore_removals",
            guard=_waiting_period_over,
        ),
        _t(
            "uphold",
            {T.CONTENT_DISABLED},
            T.UPHELD,
            Who.SUPPORT,
            "Close as upheld",
            "No counter-notice came; the content stays disabled.",
        ),
        _t(
            "reject",
            {T.RECEIVED, T.NEEDS_INFO, T.ACCEPTED, T.OWNER_NOTIFIED},
            T.REJECTED,
            Who.SUPPORT,
            "Reject the notice",
            "The notice is invalid or unfounded; the claimant is told why.",
            message_required=True,
        ),
        _t(
            "retract",
            {T.RECEIVED, T.NEEDS_INFO, T.ACCEPTED, T.OWNER_NOTIFIED},
            T.RETRACTED,
            Who.REQUESTER,
            "Retract the notice",
            "The claimant withdraws the notice.",
        ),
    ],
    Kind.EXCEPTION: [
        _t(
            "start_review",
            {E.SUBMITTED},
            E.UNDER_REVIEW,
            Who.SUPPORT,
            "Start the review",
            "Support staff look at the request and its impact.",
        ),
        _t(
            "approve",
            {E.SUBMITTED, E.UNDER_REVIEW},
            E.APPROVED,
            Who.ADMIN,
            "Approve and remove",
            "Remove what the maintainer asked for, as an approved exception (restorable).",
            executes=True,
            effect="remove_named",
        ),
        _t(
            "reject",
            {E.SUBMITTED, E.UNDER_REVIEW},
            E.REJECTED,
            Who.SUPPORT,
            "Reject",
            "The maintainer is told why and what they can do instead.",
            message_required=True,
        ),
        _t(
            "withdraw",
            {E.SUBMITTED, E.UNDER_REVIEW},
            E.WITHDRAWN,
            Who.REQUESTER,
            "Withdraw the request",
            "The maintainer no longer needs the removal.",
        ),
    ],
    Kind.ABUSE: [
        _t(
            "triage",
            {A.RECEIVED},
            A.TRIAGED,
            Who.SUPPORT,
            "Mark as triaged",
            "The report is credible and needs a decision.",
        ),
        _t(
            "quarantine",
            {A.RECEIVED, A.TRIAGED},
            A.QUARANTINED,
            Who.ADMIN,
            "Quarantine the project",
            "Installers see the project with no files; owners cannot act on it.",
            executes=True,
            effect="quarantine",
        ),
        _t(
            "remove",
            {A.TRIAGED, A.QUARANTINED},
            A.REMOVED,
            Who.ADMIN,
            "Remove the project",
            "Remove the project from the index (restorable; its name stays reserved).",
            executes=True,
            effect="remove_project",
        ),
        _t(
            "clear",
            {A.RECEIVED, A.TRIAGED},
            A.CLEARED,
            Who.SUPPORT,
            "Clear: nothing wrong",
            "Close the report; nothing changes for the project.",
        ),
        _t(
            "lift_quarantine",
            {A.QUARANTINED},
            A.CLEARED,
            Who.ADMIN,
            "Lift the quarantine and clear",
            "The project was not harmful: it becomes active again.",
            executes=True,
            effect="lift_quarantine",
        ),
    ],
}
