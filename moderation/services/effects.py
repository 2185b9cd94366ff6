"""What each transition does beyond changing the case's state: its plan and its executor.

An Effect pairs a *plan* (what will change, listed on the confirmation page before anyone acts)
with an *executor* (the registry service calls that change it), and both read the same helper
where they need the same facts (`named_targets`), so the page cannot promise one thing while
the executor does another. `moderation.workflow` names each transition's effect; the engine
runs it. Registry changes always go through `registry.services`, so the record (RemovalEvent,
history) is the same as for any other removal.
"""

from dataclasses import dataclass
from datetime import timedelta

from django.db.models import Count, Q

from registry import services as registry
from registry.history import record
from registry.models import ProjectStatus, Release
from registry.words import counted

from .. import notifications, workflow
from ..workflow import AbuseState, StagedState
from .name_effects import NAME_EFFECTS
from .plans import Effect, PlanItem
from .schedule import stage_days

# What a request names ------------------------------------------------------------------------


@dataclass
class Targets:
    """What removing "what a request names" means now."""

    releases: list  # live releases, each annotated with `live_files`
    files: list  # live files not in one of those releases
    named_anything: bool  # the request names releases or files (else: the whole project)

    @property
    def whole_project(self):
        return not self.named_anything

    @property
    def nothing_left(self):
        return self.named_anything and not self.releases and not self.files


def named_targets(case):
    """Return the Targets of a request: its live releases and the live files outside them."""
    releases = list(
        case.releases.filter(removed_at__isnull=True)
        .annotate(live_files=Count("files", filter=Q(files__removed_at__isnull=True)))
        .order_by("created_at", "pk")
    )
    release_ids = {release.pk for release in releases}
    files = [
        file
        for file in case.files.filter(removed_at__isnull=True).select_related("release")
        if file.release_id not in release_ids
    ]
    named = bool(releases or files) or case.releases.exists() or case.files.exists()
    return Targets(releases, files, named)


def _project_contents(project):
    releases = project.releases.filter(removed_at__isnull=True).count()
    files = (
        project.releases.filter(removed_at__isnull=True, files__removed_at__isnull=True)
        .values("files")
        .count()
    )
    return f"{counted(releases, 'live release')} and {counted(files, 'live file')}"


def _plan_remove_named(case, now, data):
    targets = named_targets(case)
    if targets.nothing_left:
        return [
            PlanItem(
                "Nothing: everything this request names has already been removed.",
                "The registry will refuse this step.",
            )
        ]
    if targets.whole_project:
        return [
            PlanItem(
                f"The whole project {case.project.name}",
                f"with {_project_contents(case.project)}",
            )
        ]
    return [
        *(
            PlanItem(f"Release {r.version}", f"with its {counted(r.live_files, 'live file')}")
            for r in targets.releases
        ),
        *(PlanItem(f"File {f.filename}", f"of release {f.release.version}") for f in targets.files),
    ]


def _remove_named(case, *, actor, reason, now, data):
    targets = named_targets(case)
    category = case.removal_category
    if targets.nothing_left:
        raise registry.RegistryError(
            "Everything this request names has already been removed.", code="nothing"
        )
    if targets.whole_project:
        return _remove_project(case, actor=actor, reason=reason, now=now, data=data)
    events = [
        registry.remove_release(
            release=release, actor=actor, reason=reason, category=category, now=now
        )
        for release in targets.releases
    ]
    if targets.files:
        events.append(
            registry.remove_files(
                files=targets.files, actor=actor, reason=reason, category=category, now=now
            )
        )
    return events


# Takedowns -----------------------------------------------------------------------------------


def _plan_counter_notice(case, now, data):
    earliest, latest = workflow.counter_notice_window(now.date())
    return [
        PlanItem(
            "Record the counter-notice",
            f"content may be reinstated from {earliest:%Y-%m-%d} and should be by "
            f"{latest:%Y-%m-%d}, unless the claimant reports a court action",
        )
    ]


# What an owner's counter-notice sent through the site's form adds to its text (17 U.S.C.
# § 512(g)(3), element by element); staff pasting one they received give only the text.
COUNTER_NOTICE_FIELDS = (
    "counter_notice_by",
    "counter_signature",
    "counter_name",
    "counter_address",
    "counter_phone",
    "counter_material",
    "counter_mistake_statement",
    "counter_consent",
)


def _record_counter_notice(case, *, actor, reason, now, data):
    case.counter_notice = data["counter_notice"].strip()
    for name in COUNTER_NOTICE_FIELDS:
        if name in data:
            setattr(case, name, data[name])
    case.counter_notice_at = now
    case.reinstate_after, case.reinstate_by = workflow.counter_notice_window(now.date())
    return []


def _plan_restore(case, now, data):
    events = list(case.removal_events.filter(restored_at__isnull=True).order_by("created_at"))
    items = [
        PlanItem(
            f"Restore: {event}",
            f"{counted(len(event.summary.get('releases', [])), 'release')}, "
            f"{counted(len(event.summary.get('files', [])), 'file')}; purged files stay removed",
        )
        for event in events
    ] or [PlanItem("Nothing to restore: no unrestored removal is linked to this request.")]
    refusal = workflow.transition(case.kind, "reinstate").refusal(case, now, data)
    if refusal is not None:
        items.append(
            PlanItem(
                f"Not yet: the waiting period runs until {case.reinstate_after:%Y-%m-%d}.",
                "The registry will refuse this step before then, unless the period is over.",
            )
        )
    return items


def _restore_removals(case, *, actor, reason, now, data):
    for event in case.removal_events.filter(restored_at__isnull=True):
        registry.restore_removal(event=event, actor=actor, reason=reason, now=now)
    return []


# Abuse reports -------------------------------------------------------------------------------


def _plan_quarantine(case, now, data):
    if case.project.status == ProjectStatus.QUARANTINED:
        return [
            PlanItem(
                f"{case.project.name} is already quarantined",
                "it stays so; only this report moves to quarantined",
            )
        ]
    return [
        PlanItem(
            f"Quarantine {case.project.name}",
            "installers see it with no files; its owners cannot act on it "
            f"(now {case.project.get_status_display().lower()})",
        )
    ]


def _quarantine(case, *, actor, reason, now, data):
    # A project already quarantined (by another report about it, or by the automatic
    # quarantine that moves every agreeing report) stays so: the report only changes state,
    # and the owners are not told again (`notifications.on_transition`).
    if case.project.status == ProjectStatus.QUARANTINED:
        case.project_unchanged = True
        return []
    registry.quarantine_project(project=case.project, actor=actor, reason=reason, now=now)
    return []


def _other_open_reports(case):
    """The other open abuse reports on the case's project, locked, oldest first."""
    return list(
        type(case)
        .objects.open()
        .filter(project_id=case.project_id)
        .exclude(pk=case.pk)
        .select_for_update(of=("self",))
        .select_related("project")
        .order_by("created_at", "pk")
    )


def _plan_other_reports(case, outcome):
    others = type(case).objects.open().filter(project_id=case.project_id).exclude(pk=case.pk)
    count = others.count()
    if not count:
        return []
    return [
        PlanItem(
            f"Close the {counted(count, 'other open report')} on {case.project.name} as {outcome}",
            "each reporter is told the outcome by e-mail",
        )
    ]


def _close_other_reports(case, *, state, actor, reason, now, events=()):
    """Close every other open report on the case's project in `state` (its history records the
    actor and reason, and which report decided it), link `events`, and tell each reporter."""
    closing = _other_open_reports(case)
    why = f"{reason} (decided on {case.reference})"
    for other in closing:
        other.state = state
        other.closed_at = now
        record(other, actor=actor, reason=why).save(update_fields=["state", "closed_at"])
        if events:
            record(other, actor=actor, reason=why).removal_events.add(*events)
    notifications.on_reports_closed_with(case, closing)
    return closing


def _plan_lift_quarantine(case, now, data):
    return [
        PlanItem(f"Lift the quarantine of {case.project.name}", "it becomes active"),
        *_plan_other_reports(case, "cleared"),
    ]


def _lift_quarantine(case, *, actor, reason, now, data):
    registry.release_quarantine(project=case.project, actor=actor, reason=reason, now=now)
    _close_other_reports(case, state=AbuseState.CLEARED, actor=actor, reason=reason, now=now)
    return []


def _plan_remove_project(case, now, data):
    return [
        PlanItem(
            f"Remove the whole project {case.project.name}",
            f"with {_project_contents(case.project)}, as a {case.removal_category.value} "
            "removal; its name stays reserved as the policy says",
        )
    ]


def _remove_project(case, *, actor, reason, now, data):
    return [
        registry.remove_project(
            project=case.project,
            actor=actor,
            reason=reason,
            category=case.removal_category,
            now=now,
        )
    ]


def _plan_remove_reported_project(case, now, data):
    return [*_plan_remove_project(case, now, data), *_plan_other_reports(case, "removed")]


def _remove_reported_project(case, *, actor, reason, now, data):
    events = _remove_project(case, actor=actor, reason=reason, now=now, data=data)
    _close_other_reports(
        case, state=AbuseState.REMOVED, actor=actor, reason=reason, now=now, events=events
    )
    return events


# Staged removals -----------------------------------------------------------------------------


def _plan_mark_pending(case, now, data):
    _deprecated, pending = stage_days()
    return [
        PlanItem(
            f"Hide {case.target} from /simple/",
            "installable only from the opt-in index /pending/simple/ until an admin's review "
            f"after {now + pending:%Y-%m-%d}",
        )
    ]


def _mark_pending_many(cases, *, actor, reason, now, data):
    _deprecated, pending = stage_days()
    registry.mark_pending_removal_many(
        projects=[case.project for case in cases if case.release_id is None],
        releases=[case.release for case in cases if case.release_id is not None],
        actor=actor,
        reason=reason,
        now=now,
    )
    for case in cases:
        case.pending_at = now
        case.next_step_at = now + pending


def _plan_await_review(case, now, data):
    return [PlanItem("Ask the registry admins to review the removal", "they are told by email")]


def _await_review_many(cases, *, actor, reason, now, data):
    for case in cases:
        case.review_at = now
        case.next_step_at = None


def _plan_remove_staged(case, now, data):
    if case.release_id is not None:
        release = case.release
        files = release.files.filter(removed_at__isnull=True).count()
        return [
            PlanItem(
                f"Remove {release}",
                f"with its {counted(files, 'live file')}, "
                "as the end of its staged removal (restorable)",
            )
        ]
    return [
        PlanItem(
            f"Remove the whole project {case.project.name}",
            f"with {_project_contents(case.project)}, as the end of its staged removal "
            "(restorable); open staged removals of its releases close with it",
        )
    ]


def _remove_staged(case, *, actor, reason, now, data):
    model = type(case)
    # Open cases of the project's releases go with the project: their releases are part of the
    # same removal, and a case left open would wait forever for a release that is gone.
    siblings = []
    if case.release_id is None:
        siblings = list(
            model.objects.open()
            .filter(project=case.project, release__isnull=False)
            .select_for_update(of=("self",))
            .select_related("project", "release__project")
            .order_by("pk")
        )
    # The pending marks go first: a restore brings back what was live, and the case that hid
    # it from /simple/ is closed, so nothing would ever clear them again.
    for closing in [case, *siblings]:
        registry.clear_pending_removal(
            project=closing.project, release=closing.release, actor=actor, reason=reason, now=now
        )
    if case.release_id is None:
        (event,) = _remove_project(case, actor=actor, reason=reason, now=now, data=data)
    else:
        event = registry.remove_release(
            release=case.release,
            actor=actor,
            reason=reason,
            category=case.removal_category,
            now=now,
        )
    for sibling in siblings:
        sibling.state = StagedState.REMOVED
        sibling.closed_at = now
        sibling.next_step_at = None
        record(sibling, actor=actor, reason=reason).save(
            update_fields=["state", "closed_at", "next_step_at"]
        )
        record(sibling, actor=actor, reason=reason).removal_events.add(event)
    case.next_step_at = None
    return [event]


def _plan_keep(case, now, data):
    kept = "it stays deprecated" if case.release_id is None else "it stays yanked"
    if case.state == StagedState.DEPRECATED:
        return [PlanItem(f"Keep {case.target} on /simple/", f"{kept}; it is never hidden")]
    return [PlanItem(f"Serve {case.target} from /simple/ again", kept)]


def _keep_staged(case, *, actor, reason, now, data):
    registry.clear_pending_removal(
        project=case.project, release=case.release, actor=actor, reason=reason, now=now
    )
    case.next_step_at = None
    return []


def _plan_extend(case, now, data):
    stage = "deprecated" if case.state == StagedState.DEPRECATED else "pending removal"
    if case.state == StagedState.AWAITING_REVIEW:
        return [PlanItem("Back to pending removal", "for the number of days you give")]
    return [
        PlanItem(
            f"Stay {stage} longer",
            f"the next step (now {case.next_step_at:%Y-%m-%d}) moves by the days you give",
        )
    ]


def _extend_stage(case, *, actor, reason, now, data):
    days = timedelta(days=data["days"])
    if case.state == StagedState.AWAITING_REVIEW:
        case.next_step_at = now + days
    else:
        case.next_step_at = max(case.next_step_at, now) + days
    return []


def _plan_cancel(case, now, data):
    undo = "un-yanked (if the removal yanked it)" if case.release_id else "no longer deprecated"
    return [PlanItem(f"Serve {case.target} from /simple/ again", undo)]


def _cancel_staged(case, *, actor, reason, now, data):
    registry.clear_pending_removal(
        project=case.project, release=case.release, actor=actor, reason=reason, now=now
    )
    if case.release_id is None and case.project.status == ProjectStatus.DEPRECATED:
        registry.undeprecate_project(project=case.project, actor=actor, reason=reason, now=now)
    elif case.release_id is not None:
        release = Release.objects.get(pk=case.release_id)
        # Undo only the case's own yank: one the owner made before (or after) stays.
        if release.yanked and release.yanked_at == case.created_at:
            registry.unyank_release(release=release, actor=actor, reason=reason, now=now)
    case.next_step_at = None
    return []


EFFECTS = {
    "remove_named": Effect(_plan_remove_named, _remove_named),
    "record_counter_notice": Effect(
        _plan_counter_notice,
        _record_counter_notice,
        fields=(
            "counter_notice",
            "counter_notice_at",
            "reinstate_after",
            "reinstate_by",
            *COUNTER_NOTICE_FIELDS,
        ),
    ),
    "restore_removals": Effect(_plan_restore, _restore_removals),
    "quarantine": Effect(_plan_quarantine, _quarantine),
    "lift_quarantine": Effect(_plan_lift_quarantine, _lift_quarantine),
    # An abuse report's removal: the project goes, and every open report on it closes.
    "remove_project": Effect(_plan_remove_reported_project, _remove_reported_project),
    "mark_pending": Effect(
        _plan_mark_pending,
        None,
        fields=("pending_at", "next_step_at"),
        execute_many=_mark_pending_many,
    ),
    "await_review": Effect(
        _plan_await_review,
        None,
        fields=("review_at", "next_step_at"),
        execute_many=_await_review_many,
    ),
    "remove_staged": Effect(_plan_remove_staged, _remove_staged, fields=("next_step_at",)),
    "keep_staged": Effect(_plan_keep, _keep_staged, fields=("next_step_at",)),
    "extend_stage": Effect(_plan_extend, _extend_stage, fields=("next_step_at",)),
    "cancel_staged": Effect(_plan_cancel, _cancel_staged, fields=("next_step_at",)),
    **NAME_EFFECTS,
}


def plan(case, transition, now, data=None):
    """Return the PlanItems saying exactly what `transition` will change for `case`."""
    effect = EFFECTS.get(transition.effect)
    return effect.plan(case, now, data or {}) if effect is not None else []
