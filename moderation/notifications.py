"""Emails about moderation requests, sent once the transaction that caused them commits.

Who hears what: the requester at each change of their request (with the private link), the
project's owners when a takedown is accepted, when content is disabled and when it comes back
(and when an abuse report quarantines or removes their project), the assignee when assigned.
"""

from django.conf import settings
from django.core.mail import send_mass_mail
from django.db import transaction
from django.urls import NoReverseMatch, reverse

from registry.models import RoleName

from .workflow import Kind

OWNER_TRANSITIONS = {
    Kind.TAKEDOWN: {"accept", "notify_owner", "disable_content", "reinstate"},
    Kind.EXCEPTION: {"approve", "reject"},
    Kind.ABUSE: {"quarantine", "remove", "lift_quarantine"},
}


def site_url(path):
    return getattr(settings, "HOLDFAST_SITE_URL", "http://127.0.0.1:8000").rstrip("/") + path


def follow_url(key):
    try:
        return site_url(reverse("moderation:follow", kwargs={"key": key}))
    except NoReverseMatch:
        return ""


def owner_emails(project):
    return sorted(
        {
            role.user.email
            for role in project.roles.active().filter(role=RoleName.OWNER).select_related("user")
            if role.user.email
        }
    )


def _send(messages):
    # A request filed without an email address (or an account without one) gets no email.
    messages = [
        (subject, body, settings.DEFAULT_FROM_EMAIL, [address for address in recipients if address])
        for subject, body, recipients in messages
    ]
    messages = [message for message in messages if message[3]]
    if messages:
        transaction.on_commit(lambda: send_mass_mail(messages, fail_silently=False))


def _subject(case, text):
    return f"[Holdfast {case.reference}] {text}"


def on_submitted(case, key):
    link = follow_url(key)
    body = (
        f"We received your request about {case.project.name} ({case.reference}).\n\n"
        f"Follow it, and answer our questions, at this private link (keep it to yourself):\n"
        f"{link}\n"
    )
    _send([(_subject(case, "request received"), body, [case.requester_email])])


def on_transition(case, transition, *, previous, reason):
    state = case.get_state_display().lower()
    body = f"Your request about {case.project.name} ({case.reference}) is now {state}.\n"
    if transition.message_required:
        # Only these reasons are written for the requester; the others are staff's record.
        body += f"\n{transition.label}: {reason}\n"
    messages = [(_subject(case, f"now {state}"), body, [case.requester_email])]
    if transition.name in OWNER_TRANSITIONS[case.kind]:
        requester = case.requester_email.casefold()
        messages.append(
            (
                _subject(case, f"{case.project.name}: {transition.label.lower()}"),
                owner_message(case, transition, reason),
                [email for email in owner_emails(case.project) if email.casefold() != requester],
            )
        )
    _send(messages)


def owner_message(case, transition, reason):
    what = (
        ", ".join(
            [str(release) for release in case.releases.all()]
            + [file.filename for file in case.files.all()]
        )
        or f"the whole project {case.project.name}"
    )
    lines = [
        f"This concerns your project {case.project.name} ({case.reference}).",
        f"What it names: {what}.",
        f"{transition.label}: {reason}",
    ]
    if case.kind == Kind.TAKEDOWN and transition.name in {"accept", "notify_owner"}:
        lines.append(
            "You may answer the registry admins before the content is disabled. If it is "
            "disabled and you believe the claim is wrong, you can send a counter-notice."
        )
    if transition.name == "disable_content":
        lines.append(
            "The content is removed from the index but kept; it comes back if the claim is "
            "withdrawn or after a valid counter-notice and its waiting period."
        )
    return "\n\n".join(lines) + "\n"


def on_assigned(case, assignee):
    _send(
        [
            (
                _subject(case, "assigned to you"),
                f"{case} is assigned to you. It is due by {case.due_at:%Y-%m-%d %H:%M} UTC.\n",
                [assignee.email],
            )
        ]
    )


def on_message_to_requester(case, message):
    _send(
        [
            (
                _subject(case, "a message from the registry"),
                f"{message.body}\n\nAnswer at your private link (sent when you filed the "
                "request).\n",
                [case.requester_email],
            )
        ]
    )


def on_requester_reply(case, message):
    if case.assignee is not None:
        _send(
            [
                (
                    _subject(case, "the requester answered"),
                    f"{message.author_name} wrote:\n\n{message.body}\n",
                    [case.assignee.email],
                )
            ]
        )
