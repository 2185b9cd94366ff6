"""Messages on a request: staff-only notes and the conversation with its requester. The engine
writes the reasons it sends; triage and effects (an owner's answer) write their own."""

from registry.history import record

from ..models import Message
from ..workflow import Kind

# The field of Message that points at each queue's requests.
MESSAGE_FIELD = {
    Kind.TAKEDOWN: "takedown",
    Kind.EXCEPTION: "exception",
    Kind.ABUSE: "report",
    Kind.NAME: "name_request",
}


def add_message(case, kind, body, *, actor, now, author_name=""):
    """Record a message on a request: a staff note, or one to or from the requester."""
    message = Message(
        kind=kind,
        body=body.strip(),
        author=actor if actor is not None and actor.is_authenticated else None,
        author_name=author_name or (actor.get_username() if actor else ""),
        created_at=now,
        **{MESSAGE_FIELD[case.kind]: case},
    )
    record(message, actor=message.author, reason=message.get_kind_display()).save()
    return message
