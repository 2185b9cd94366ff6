"""Every email about a moderation case, queued in the outbox in the transaction that caused it.

A message exists exactly when its change does (`registry.outbox`); what a person's act queued is
sent right after the commit, and the scheduler sends what its batches queued (and retries what a
mail server refused) at the end of each run, so a mail server that is down delays mail but never
loses it. The registry admins get one digest per scheduler run, not one e-mail per case.

Who hears what:
- requests: the requester at each change of their request (with the private link); the
  project's owners when a takedown is accepted, when content is disabled and when it comes back
  (and when an abuse report quarantines or removes their project, or an exception is decided);
  the assignee when assigned and when the requester answers;
- abuse reports: every other open report's requester when a quarantine is lifted or the project
  removed; the registry admins when trusted reporters quarantine a project automatically;
- name requests (PEP 541): the requester at each change; every owner when the owners are
  contacted (each with a private "keep my project" link) and, if they have not answered, halfway
  through the period; on a transfer, everyone whose role it ended (owners and maintainers) and
  the owners of every project that depends on it (a change of hands is a supply-chain event);
- staged removals: the project's owners at every step; the owners of dependent projects when it
  starts and a week before it stops being served; the registry admins when it awaits review.
"""

from django.conf import settings
from django.contrib.auth import get_user_model
from django.urls import NoReverseMatch, reverse

from registry import outbox
from registry.facts import dependents_by_name
from registry.models import Role, RoleName
from registry.words import counted

from . import state_texts
from .workflow import Kind, StagedState

OWNER_TRANSITIONS = {
    Kind.TAKEDOWN: {"accept", "notify_owner", "disable_content", "reinstate"},
    Kind.EXCEPTION: {"approve", "reject"},
    Kind.ABUSE: {"quarantine", "remove", "lift_quarantine"},
    Kind.NAME: set(),  # the owners' mail of a name request is its effects' (below)
}

# What the requester is told besides where the request stands, after these steps.
REQUESTER_EXTRA = {
    "keep_project": "An owner of {project} answered that they keep the project. PEP 541 never "
    "transfers a name against the wishes of a reachable owner, so this request is closed.",
    "contact_owners": "The owners of {project} may answer until {until}. If none of them "
    "answers by then, a registry admin decides.",
}


COUNTER_NOTICE_TRANSITIONS = {"receive_counter_notice", "send_counter_notice"}


def site_url(path):
    return getattr(settings, "HOLDFAST_SITE_URL", "http://127.0.0.1:8000").rstrip("/") + path


def follow_url(key):
    try:
        return site_url(reverse("moderation:follow", kwargs={"key": key}))
    except NoReverseMatch:
        return ""


def counter_notice_url(case):
    return site_url(reverse("moderation:counter-notice", kwargs={"pk": case.pk}))


def owner_emails_by_project(project_ids):
    """Return {project id: {its owners' email addresses}} in one query."""
    emails = {}
    for project_id, email in (
        Role.objects.active()
        .filter(project_id__in=project_ids, role=RoleName.OWNER)
        .exclude(user__email="")
        .values_list("project_id", "user__email")
    ):
        emails.setdefault(project_id, set()).add(email)
    return emails


def owner_emails(project):
    return sorted(owner_emails_by_project([project.pk]).get(project.pk, ()))


def role_emails(project):
    """Return the e-mail addresses of everyone holding a role (owner or maintainer) on
    `project` now."""
    return sorted(
        set(
            Role.objects.active()
            .filter(project=project)
            .exclude(user__email="")
            .values_list("user__email", flat=True)
        )
    )


def admin_emails():
    return {
        email
        for email in get_user_model()
        .objects.filter(is_active=True, groups__name="Registry admins")
        .exclude(email="")
        .values_list("email", flat=True)
    }


def _send(messages, *, at_once=True):
    """Queue (subject, body, recipients) messages in the outbox, in the current transaction; a
    message to nobody (a request filed without an email address, an account without one) is
    dropped. `at_once`: try to send them as soon as the transaction commits (a person's act);
    otherwise the scheduler sends them at the end of its run (a batch)."""
    rows = outbox.enqueue_emails(
        [(subject, body, None, recipients) for subject, body, recipients in messages]
    )
    if at_once:
        outbox.send_on_commit(rows)


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


def on_transition(case, transition, *, previous, reason, actor=None):
    if case.kind == Kind.STAGED:
        on_staged_transition([case], transition, reason=reason, actor=actor)
        return
    where = state_texts.text(case.kind, case.state)
    body = f"Your request about {case.project.name} ({case.reference}):\n{where.headline}\n"
    if where.next_step:
        body += f"{where.next_step}\n"
    if transition.message_required:
        # Only these reasons are written for the requester; the others are staff's record.
        body += f"\n{transition.label}: {reason}\n"
    if transition.name in REQUESTER_EXTRA and case.kind == Kind.NAME:
        until = f"{case.reachable_until:%Y-%m-%d}" if case.reachable_until else ""
        body += "\n" + REQUESTER_EXTRA[transition.name].format(
            project=case.project.name, until=until
        )
        body += "\n"
    if transition.name in COUNTER_NOTICE_TRANSITIONS:
        # 17 U.S.C. § 512(g)(2)(B): the claimant gets a copy of the counter-notice.
        body += (
            f"\nThe owners sent this counter-notice:\n\n{case.counter_notice}\n\nThe content "
            f"comes back from {case.reinstate_after:%Y-%m-%d} (by {case.reinstate_by:%Y-%m-%d} "
            "at the latest) unless you tell us, at your private link, that you have filed a "
            "court action seeking to restrain it.\n"
        )
    state = case.get_state_display().lower()
    messages = [(_subject(case, f"now {state}"), body, [case.requester_email])]
    # A report quarantined with its project already so: the owners heard of it with the first.
    unchanged = getattr(case, "project_unchanged", False)
    if transition.name in OWNER_TRANSITIONS[case.kind] and not unchanged:
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
        lines.append(
            "If you believe it was removed by mistake or misidentification, send a "
            "counter-notice (17 U.S.C. § 512(g)(3)) with the form at this address, signed in "
            f"as an owner of {case.project.name}:\n{counter_notice_url(case)}"
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


def on_batch_transition(cases, transition, *, reason, actor):
    """Tell whom a scheduler batch concerns (sent at the end of the scheduler's run)."""
    if cases[0].kind == Kind.STAGED:
        on_staged_transition(cases, transition, reason=reason, actor=actor, at_once=False)
        return
    messages = []
    for case in cases:
        where = state_texts.text(case.kind, case.state)
        body = f"Your request about {case.project.name} ({case.reference}):\n{where.headline}\n"
        if where.next_step:
            body += f"{where.next_step}\n"
        state = case.get_state_display().lower()
        messages.append((_subject(case, f"now {state}"), body, [case.requester_email]))
    _send(messages, at_once=False)


# Abuse reports closed together (by the state they end in), and the automatic quarantine ---------

CLOSED_WITH = {
    "cleared": "The registry admins lifted the quarantine of {project} after reviewing "
    "{decided}: they found nothing that needs action, so your report is closed as cleared.",
    "removed": "The registry admins removed the project {project} after reviewing {decided}, "
    "so your report is closed: the project is no longer served by the index.",
}


def on_reports_closed_with(case, closed):
    """Tell the requester of each report in `closed` (closed because `case` was decided, whose
    requester hears through `on_transition`) the outcome, as CLOSED_WITH says it."""
    messages = []
    for report in closed:
        outcome = CLOSED_WITH[report.state].format(
            project=report.project.name, decided=case.reference
        )
        body = f"Your report {report}:\n{outcome}\n\nThank you for reporting it.\n"
        state = report.get_state_display().lower()
        messages.append((_subject(report, f"now {state}"), body, [report.requester_email]))
    _send(messages)


def to_admins(subject, body):
    """Queue one e-mail to the registry admins (an automatic quarantine, for one)."""
    _send([(subject, body, sorted(admin_emails()))])


# Name requests (PEP 541) -------------------------------------------------------------------------


def owner_answer_url(key):
    return site_url(reverse("moderation:name-owner", kwargs={"key": key}))


def _owner_request_mail(case, key, *, reminder):
    intent = case.get_intent_display().lower()
    until = f"{case.reachable_until:%Y-%m-%d}"
    lines = [
        f"{case.requester_name or 'Someone'} has asked for the name of your project "
        f"{case.project.name} under PEP 541 ({case.reference}).",
        f"Their ground: {case.get_ground_display()}.\nWhat they would do: {intent}.",
        "If you want to keep your project, say so with one click at this private link (no "
        f"sign-in needed; keep it to yourself):\n{owner_answer_url(key)}",
        "PEP 541 never transfers a name against the wishes of a reachable owner: one answer "
        "from any owner closes the request.",
        f"If no owner answers by {until}, the registry admins may transfer the name.",
    ]
    if reminder:
        lines.insert(0, "Reminder: we wrote to you about this and have had no answer yet.")
    subject = _subject(
        case, f"{'reminder: ' if reminder else ''}a request for the name {case.project.name}"
    )
    return subject, "\n\n".join(lines) + "\n"


def on_owners_contacted(case, contacts):
    """E-mail each contacted owner their private "keep my project" link: `contacts` holds
    (NameRequestContact, key) pairs."""
    messages = []
    for contact, key in contacts:
        subject, body = _owner_request_mail(case, key, reminder=False)
        messages.append((subject, body, [contact.email]))
    _send(messages)


def on_owners_reminded(cases_and_contacts, *, at_once=False):
    """The halfway reminder to the owners who have not answered, each with a new link."""
    messages = []
    for case, contacts in cases_and_contacts:
        for contact, key in contacts:
            subject, body = _owner_request_mail(case, key, reminder=True)
            messages.append((subject, body, [contact.email]))
    _send(messages, at_once=at_once)


def on_name_transferred(case, *, previous_role_emails, reason):
    """Tell everyone whose role the transfer ended (owners and maintainers: nothing is done
    behind anyone's back), and the owners of the projects that depend on the project, that its
    name changed hands (the requester hears through `on_transition`)."""
    name, new_owner = case.project.name, case.requester
    requester_email = (case.requester_email or "").casefold()
    previous = [email for email in previous_role_emails if email.casefold() != requester_email]
    messages = [
        (
            _subject(case, f"{name} was transferred"),
            f"The registry admins transferred the project {name} to {new_owner} after a PEP 541 "
            f"name request ({case.reference}): {reason}\n\nYour role on {name} was ended; it "
            "is kept in the project's history. If you believe this is wrong, write to the "
            "registry admins: they can restore the previous owners.\n",
            previous,
        )
    ]
    messages += _to_dependents(
        [case],
        lambda case: f"[Holdfast] {name}, a dependency of yours, changed hands",
        lambda case: (
            f"Your project depends on {name}, which now belongs to {new_owner} after a PEP 541 "
            f"name request ({case.reference}).\n\nA change of hands is a supply-chain event: "
            f"review {name}'s next releases before you upgrade, and pin a version you trust if "
            "in doubt.\n"
        ),
    )
    # Nobody hears twice: a previous owner who also owns a dependent project gets the first.
    told = {email.casefold() for email in previous} | {requester_email}
    for index, (subject, body, recipients) in enumerate(messages[1:], start=1):
        messages[index] = (
            subject,
            body,
            [email for email in recipients if email.casefold() not in told],
        )
    _send(messages)


# Staged removals ---------------------------------------------------------------------------------


def _to_owners(cases, subject, body):
    """Messages to each case's project owners; `subject` and `body` are functions of a case."""
    emails = owner_emails_by_project({case.project_id for case in cases})
    return [(subject(case), body(case), emails.get(case.project_id, set())) for case in cases]


def _to_dependents(cases, subject, body):
    """Messages to the owners of the projects that depend on each case's project."""
    dependents = dependents_by_name({case.project.normalized_name for case in cases})
    emails = owner_emails_by_project(set().union(*dependents.values()) if dependents else set())
    messages = []
    for case in cases:
        recipients = set()
        for project_id in dependents.get(case.project.normalized_name, ()):
            if project_id != case.project_id:
                recipients |= emails.get(project_id, set())
        messages.append((subject(case), body(case), recipients))
    return messages


def on_staged_started(case):
    _send(
        _to_owners(
            [case],
            lambda case: f"[Holdfast] {case.target} is deprecated; removal is scheduled",
            lambda case: (
                f"{case.target} is deprecated: {case.message}\n\nIt will be hidden from the "
                f"index (installable only by opting in) on {case.next_step_at:%Y-%m-%d}, then "
                f"removed after an admin's review. You can cancel until it is removed.\n"
            ),
        )
        + _to_dependents(
            [case],
            lambda case: f"[Holdfast] a dependency of yours is deprecated: {case.project.name}",
            lambda case: (
                f"Your project depends on {case.project.name}, which its owners have "
                f"deprecated and scheduled for removal: {case.message}\n\nIt stops being "
                f"served by default on {case.next_step_at:%Y-%m-%d}. Plan a replacement.\n"
            ),
        )
    )


def _stage(case):
    return "deprecated" if case.state == StagedState.DEPRECATED else "pending removal"


# What the owners are told after each staged-removal transition: (subject, body), functions of
# (case, reason, actor). A test holds it to the transition table.
STAGED_OWNER_MAIL = {
    "to_pending": (
        lambda case, reason, actor: f"[Holdfast] {case.target} is now pending removal",
        lambda case, reason, actor: (
            f"{case.target} is no longer served by default; installers get it only from the "
            f"opt-in index /pending/simple/. An admin reviews its removal after "
            f"{case.next_step_at:%Y-%m-%d}. You can still cancel.\n"
        ),
    ),
    "to_review": (
        lambda case, reason, actor: f"[Holdfast] {case.target} awaits the admins' review",
        lambda case, reason, actor: (
            f"The pending period of {case.target} is over; the registry admins will now "
            f"review its removal. You can still cancel.\n"
        ),
    ),
    "approve": (
        lambda case, reason, actor: f"[Holdfast] {case.target} was removed",
        lambda case, reason, actor: (
            f"The staged removal of {case.target} is complete. An admin can restore it if needed.\n"
        ),
    ),
    "keep": (
        lambda case, reason, actor: f"[Holdfast] {case.target} is kept",
        lambda case, reason, actor: (
            f"The registry admins decided to keep {case.target}: " + reason + "\n"
        ),
    ),
    "extend": (
        lambda case, reason, actor: f"[Holdfast] the removal of {case.target} is postponed",
        lambda case, reason, actor: (
            f"The registry admins gave {case.target} more time: {reason}\n\nIt stays "
            f"{_stage(case)} until {case.next_step_at:%Y-%m-%d}. You can still cancel.\n"
        ),
    ),
    "cancel": (
        lambda case, reason, actor: f"[Holdfast] the removal of {case.target} is cancelled",
        lambda case, reason, actor: (
            f"The staged removal of {case.target} was cancelled by {actor}: {reason}\n\n"
            "It is served from the index as before."
            + ("" if case.release_id else " It is no longer marked deprecated.")
            + "\n"
        ),
    ),
}
STAGED_OWNER_MAIL["send_back"] = STAGED_OWNER_MAIL["extend"]


def on_staged_transition(cases, transition, *, reason, actor=None, at_once=True):
    """Tell the owners what `transition` did to `cases`. (The admins hear of the cases that
    await their review in the scheduler's digest: `scheduler_digest`.)"""
    subject, body = STAGED_OWNER_MAIL[transition.name]
    _send(
        _to_owners(
            cases,
            lambda case: subject(case, reason, actor),
            lambda case: body(case, reason, actor),
        ),
        at_once=at_once,
    )


def on_dependents_reminder(cases):
    # The scheduler's: sent with the rest of its run's mail, at the end of the run.
    _send(
        at_once=False,
        messages=_to_dependents(
            cases,
            lambda case: f"[Holdfast] reminder: {case.project.name} stops being served in a week",
            lambda case: (
                f"Your project depends on {case.project.name}, which is deprecated: "
                f"{case.message}\n\nFrom {case.next_step_at:%Y-%m-%d} installers get it only "
                f"from the opt-in index /pending/simple/.\n"
            ),
        ),
    )


# The scheduler's digest to the registry admins ---------------------------------------------------

DIGEST_NAMES = 20  # cases named per stage; the admin list has the rest

# What the digest says of each stage a scheduler run moves cases into, and the admin list
# (model, state) that shows them.
DIGEST_STAGES = {
    "to_review": (
        "Awaiting your review (approve, keep or extend)",
        "stagedremoval",
        StagedState.AWAITING_REVIEW,
    ),
    "to_pending": (
        "Now pending removal (installable only from /pending/simple/)",
        "stagedremoval",
        StagedState.PENDING_REMOVAL,
    ),
    "reinstated": (
        "Takedowns reinstated (counter-notice period over, no court action reported)",
        "legaltakedown",
        "reinstated",
    ),
    "name_lapsed": (
        "Name requests awaiting your decision (no owner answered within the period)",
        "namerequest",
        "awaiting_decision",
    ),
}

# What the digest counts in each admin list.
DIGEST_KINDS = {
    "legaltakedown": "takedown",
    "stagedremoval": "staged removal",
    "namerequest": "name request",
}


class Digest:
    """What one scheduler run moved, for the admins' digest: counts and the first names."""

    def __init__(self):
        self.counts = dict.fromkeys(DIGEST_STAGES, 0)
        self.names = {stage: [] for stage in DIGEST_STAGES}

    def add(self, stage, items):
        items = list(items)
        self.counts[stage] += len(items)
        room = DIGEST_NAMES - len(self.names[stage])
        self.names[stage] += [str(getattr(item, "target", item)) for item in items[:room]]

    def __bool__(self):
        return any(self.counts.values())


def _admin_list(model, state):
    try:
        path = reverse(f"admin:moderation_{model}_changelist")
    except NoReverseMatch:
        return ""
    return site_url(f"{path}?state__exact={state}")


def scheduler_digest(digest, *, now):
    """Queue one e-mail to the registry admins saying what the scheduler's run moved (nothing
    when it moved nothing). Sent with the rest of the run's mail."""
    if not digest:
        return
    sections, summary = [], []
    for stage, (label, model, state) in DIGEST_STAGES.items():
        count = digest.counts[stage]
        if not count:
            continue
        kind = DIGEST_KINDS[model]
        summary.append(f"{label.split(' (')[0].lower()}: {count:,}")
        lines = [f"{label}: {counted(count, kind)}"]
        lines += [f"  {name}" for name in digest.names[stage]]
        if count > len(digest.names[stage]):
            lines.append(f"  ... and {count - len(digest.names[stage]):,} more")
        link = _admin_list(model, state)
        if link:
            lines.append(f"  The list in the admin: {link}")
        sections.append("\n".join(lines))
    body = (
        f"The scheduler ran at {now:%Y-%m-%d %H:%M} UTC and moved these cases on.\n\n"
        + "\n\n".join(sections)
        + "\n"
    )
    _send(
        [(f"[Holdfast] scheduler run: {'; '.join(summary)}", body, admin_emails())],
        at_once=False,
    )
