"""Staged removal, driven through every stage by passing `now`: deprecated -> pending removal ->
awaiting review -> removed (then restored) or kept, with cancel and extend on the way.

At each stage the tests look at what clients see (the installable files on /simple/ and on the
opt-in /pending/simple/, the listed projects, the PEP 792 status, the yank), whether uploads are
accepted (through the real /legacy/ endpoint), the history rows (actor and reason) and the emails
that went out once the transaction committed.
"""

import json
from datetime import timedelta

import pytest
from django.core import mail
from django.db import transaction
from django.utils import timezone

from moderation import notifications
from moderation.models import StagedRemoval, StagedState
from moderation.services import staged
from registry import services, tokens
from registry.distributions import build_wheel
from registry.models import File, Index, Project, ProjectStatus, RoleName
from registry.services import RegistryError
from tests.factories import UserFactory, publish
from tests.registry.test_upload import auth, form_for

pytestmark = pytest.mark.django_db

MESSAGE = "Use rightpad instead; leftpad is unmaintained."
JSON = "application/vnd.pypi.simple.v1+json"
DEPRECATED = timedelta(days=30)
PENDING = timedelta(days=30)
OWNER_MAIL = ("owner@example.org",)
ADMIN_MAIL = ("registry-admin@example.org",)
DEPENDENT_MAIL = ("app-owner@example.org",)


@pytest.fixture(autouse=True)
def stage_lengths(settings):
    settings.HOLDFAST_STAGED_DEPRECATED_DAYS = DEPRECATED.days
    settings.HOLDFAST_STAGED_PENDING_DAYS = PENDING.days


@pytest.fixture
def t0():
    return timezone.now()


@pytest.fixture
def project(owner, maintainer, t0):
    """leftpad 1.0 and 2.0, one owner (emailed) and one maintainer (never emailed)."""
    project = services.create_project(name="leftpad", owner=owner, actor=owner, reason="t", now=t0)
    services.add_role(
        project=project, user=maintainer, role=RoleName.MAINTAINER, actor=owner, reason="t"
    )
    publish(project, "1.0", actor=owner, now=t0)
    publish(project, "2.0", actor=owner, now=t0)
    return project


@pytest.fixture
def dependents(project, t0):
    """`app` requires leftpad in its latest release; `old-app` only did in an older one."""
    app_owner = UserFactory(username="app-owner")
    app = services.create_project(name="app", owner=app_owner, actor=app_owner, reason="t")
    services.set_dependencies(
        release=publish(app, "1.0", actor=app_owner, now=t0),
        requirements=["leftpad>=1"],
        actor=app_owner,
        reason="t",
    )
    former_owner = UserFactory(username="former-owner")
    old_app = services.create_project(
        name="old-app", owner=former_owner, actor=former_owner, reason="t"
    )
    services.set_dependencies(
        release=publish(old_app, "1.0", actor=former_owner, now=t0 - timedelta(days=2)),
        requirements=["leftpad"],
        actor=former_owner,
        reason="t",
    )
    publish(old_app, "2.0", actor=former_owner, now=t0 - timedelta(days=1))
    return app, old_app


@pytest.fixture
def scheduler():
    return staged.scheduler_user()


@pytest.fixture
def run_scheduler(scheduler, send_outbox):
    """One scheduler pass at `now`, as advance_workflows makes it (the batch, the reminders, the
    admins' digest, then the outbox sent); return the batch report."""

    def run(now):
        report = staged.advance_batch(now=now, actor=scheduler)
        staged.remind_dependents(now=now, actor=scheduler)
        digest = notifications.Digest()
        digest.add("to_pending", report.to_pending)
        digest.add("to_review", report.to_review)
        notifications.scheduler_digest(digest, now=now)
        send_outbox()
        return report

    return run


@pytest.fixture
def act(django_capture_on_commit_callbacks):
    """Call a staged-removal action and send the emails it queued, as a commit would."""

    def act(function, *args, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return function(*args, **kwargs)

    return act


def mails():
    """Return (subject, recipients) of the emails sent since the last call, and forget them."""
    sent = sorted((message.subject, tuple(message.to)) for message in mail.outbox)
    mail.outbox.clear()
    return sent


def installable(project, index):
    return sorted(
        File.objects.installable(index)
        .filter(release__project=project)
        .values_list("filename", flat=True)
    )


def listed(index):
    return sorted(Project.objects.listed(index).values_list("name", flat=True))


def page_status(client, path):
    response = client.get(path, HTTP_ACCEPT=JSON)
    if response.status_code != 200:
        return response.status_code
    return json.loads(response.content)["project-status"]


def upload(client, owner, name, version):
    """POST a new wheel to /legacy/ as twine would (its filename is new even for 1.0 and 2.0)."""
    _token, secret = tokens.create_token(user=owner, description="staged")
    return client.post("/legacy/", form_for(build_wheel(name, version)), **auth(secret))


def history(case):
    """(stage, actor, reason) of each history row of `case`, in the order they were written.

    Not by `history_date`: the scheduler's bulk rows carry the `now` it was given, the admins'
    single saves the wall clock, and these tests pass `now` from far in the future.
    """
    return [
        (row.state, row.history_user_username, row.history_change_reason)
        for row in case.history.order_by("history_id")
    ]


def test_stage_lengths_come_from_settings_and_never_go_below_a_week(settings):
    assert staged.stage_days() == (DEPRECATED, PENDING)

    settings.HOLDFAST_STAGED_DEPRECATED_DAYS = 1
    settings.HOLDFAST_STAGED_PENDING_DAYS = 45

    assert staged.stage_days() == (timedelta(days=7), timedelta(days=45))


def test_the_scheduler_account_is_a_registry_admin_that_cannot_log_in():
    user = staged.scheduler_user()

    assert staged.scheduler_user() == user
    assert user.username == "holdfast-scheduler"
    assert not user.has_usable_password()
    assert user.has_perm("registry.act_as_registry_admin")


def test_a_project_goes_through_every_stage_is_removed_and_restored(
    client, project, dependents, owner, registry_admin, support_user, act, run_scheduler, t0
):
    files = installable(project, Index.MAIN)
    assert len(files) == 2

    # Deprecated: installable as before, with the status and the message; uploads accepted.
    case = act(staged.start, project=project, message=MESSAGE, actor=owner, now=t0)

    project.refresh_from_db()
    assert (case.state, case.next_step_at) == (StagedState.DEPRECATED, t0 + DEPRECATED)
    assert (project.status, project.status_reason) == (ProjectStatus.DEPRECATED, MESSAGE)
    assert project.history.first().history_user == owner
    assert installable(project, Index.MAIN) == files
    assert installable(project, Index.PENDING) == []
    assert listed("main") == ["app", "leftpad", "old-app"]
    assert listed("pending") == []
    assert page_status(client, "/simple/leftpad/") == {"status": "deprecated", "reason": MESSAGE}
    assert mails() == [
        ("[Holdfast] a dependency of yours is deprecated: leftpad", DEPENDENT_MAIL),
        ("[Holdfast] leftpad is deprecated; removal is scheduled", OWNER_MAIL),
    ]
    assert upload(client, owner, "leftpad", "3.0").status_code == 200
    files = installable(project, Index.MAIN)
    assert len(files) == 3

    # Nothing is due before its time; the dependents' reminder comes a week before, once.
    assert not run_scheduler(t0 + DEPRECATED - timedelta(days=7, seconds=1))
    assert mails() == []
    assert not run_scheduler(t0 + DEPRECATED - timedelta(days=7))
    assert mails() == [
        ("[Holdfast] reminder: leftpad stops being served in a week", DEPENDENT_MAIL)
    ]
    assert not run_scheduler(t0 + DEPRECATED - timedelta(days=1))
    assert mails() == []
    with pytest.raises(RegistryError) as refused:
        staged.approve(case=case, actor=registry_admin, reason="too early", now=t0)
    assert refused.value.code == "stale"

    # Pending removal: only on the opt-in index; uploads refused.
    t1 = t0 + DEPRECATED
    report = run_scheduler(t1)

    assert [c.pk for c in report.to_pending] == [case.pk]
    case.refresh_from_db()
    project.refresh_from_db()
    assert (case.state, case.pending_at, case.next_step_at) == (
        StagedState.PENDING_REMOVAL,
        t1,
        t1 + PENDING,
    )
    assert project.pending_removal_at == t1
    assert project.status == ProjectStatus.DEPRECATED
    assert installable(project, Index.MAIN) == []
    assert installable(project, Index.PENDING) == files
    assert listed("main") == ["app", "old-app"]
    assert listed("pending") == ["leftpad"]
    assert page_status(client, "/simple/leftpad/") == 404
    assert page_status(client, "/pending/simple/leftpad/") == {
        "status": "deprecated",
        "reason": MESSAGE,
    }
    assert mails() == [
        ("[Holdfast] leftpad is now pending removal", OWNER_MAIL),
        ("[Holdfast] scheduler run: now pending removal: 1", ADMIN_MAIL),
    ]
    refused_upload = upload(client, owner, "leftpad", "4.0")
    assert refused_upload.status_code == 403
    assert "pending removal" in refused_upload.content.decode()
    assert not run_scheduler(t1 + PENDING - timedelta(seconds=1))
    assert mails() == []
    with pytest.raises(RegistryError) as refused:
        staged.approve(case=case, actor=registry_admin, reason="too early", now=t1)
    assert refused.value.code == "stale"

    # Awaiting review: still only on the opt-in index; the admins are asked (not support).
    t2 = t1 + PENDING
    report = run_scheduler(t2)

    assert [c.pk for c in report.to_review] == [case.pk]
    case.refresh_from_db()
    assert (case.state, case.review_at, case.next_step_at) == (
        StagedState.AWAITING_REVIEW,
        t2,
        None,
    )
    assert installable(project, Index.PENDING) == files
    assert mails() == [
        ("[Holdfast] leftpad awaits the admins' review", OWNER_MAIL),
        ("[Holdfast] scheduler run: awaiting your review: 1", ADMIN_MAIL),
    ]
    assert not run_scheduler(t2 + timedelta(days=365))
    assert upload(client, owner, "leftpad", "4.0").status_code == 403

    # Removed: nowhere; the case is closed and cannot be cancelled any more.
    t3 = t2 + timedelta(days=1)
    case = act(staged.approve, case=case, actor=registry_admin, reason="Unused for years", now=t3)

    project.refresh_from_db()
    event = case.removal_events.get()
    assert (case.state, case.closed_at) == (StagedState.REMOVED, t3)
    assert project.removal_event == event
    assert event.category == "staged_removal"
    assert installable(project, Index.MAIN) == installable(project, Index.PENDING) == []
    assert listed("main") == ["app", "old-app"]
    assert listed("pending") == []
    assert page_status(client, "/simple/leftpad/") == 404
    assert page_status(client, "/pending/simple/leftpad/") == 404
    assert mails() == [("[Holdfast] leftpad was removed", OWNER_MAIL)]
    with pytest.raises(RegistryError) as refused:
        staged.cancel(case=case, actor=owner, reason="wait", now=t3)
    assert refused.value.code == "closed"

    # Restored: back on /simple/, deprecated with its message, accepting uploads again.
    services.restore_removal(event=event, actor=registry_admin, reason="Still needed", now=t3)

    project.refresh_from_db()
    assert project.pending_removal_at is None
    assert (project.status, project.status_reason) == (ProjectStatus.DEPRECATED, MESSAGE)
    assert installable(project, Index.MAIN) == files
    assert installable(project, Index.PENDING) == []
    assert listed("main") == ["app", "leftpad", "old-app"]
    assert page_status(client, "/simple/leftpad/") == {"status": "deprecated", "reason": MESSAGE}
    assert upload(client, owner, "leftpad", "5.0").status_code == 200

    reminder = "Dependents reminded a week before pending removal"
    assert history(case) == [
        (StagedState.DEPRECATED, "owner", f"Deprecated; removal scheduled: {MESSAGE}"),
        (StagedState.DEPRECATED, "holdfast-scheduler", reminder),
        (
            StagedState.PENDING_REMOVAL,
            "holdfast-scheduler",
            "Deprecation period over: pending removal (installable only from /pending/simple/)",
        ),
        (
            StagedState.AWAITING_REVIEW,
            "holdfast-scheduler",
            "Pending period over: awaiting an admin's review",
        ),
        (StagedState.REMOVED, "registry-admin", "Unused for years"),
    ]


def test_a_release_is_yanked_then_pending_extended_then_removed_and_restored(
    client, project, dependents, owner, registry_admin, act, run_scheduler, t0
):
    release = project.releases.get(version="1.0")
    old = [name for name in installable(project, Index.MAIN) if "-1.0-" in name]
    new = [name for name in installable(project, Index.MAIN) if "-2.0-" in name]

    case = act(staged.start, project=project, release=release, message=MESSAGE, actor=owner, now=t0)

    release.refresh_from_db()
    project.refresh_from_db()
    assert (release.yanked, release.yanked_reason, release.yanked_by) == (True, MESSAGE, owner)
    assert project.status == ProjectStatus.ACTIVE
    assert installable(project, Index.MAIN) == sorted(old + new)  # yanked files stay listed
    assert mails() == [
        ("[Holdfast] a dependency of yours is deprecated: leftpad", DEPENDENT_MAIL),
        ("[Holdfast] leftpad 1.0 is deprecated; removal is scheduled", OWNER_MAIL),
    ]
    with pytest.raises(RegistryError) as refused:
        staged.start(project=project, release=release, message=MESSAGE, actor=owner, now=t0)
    assert refused.value.code == "already_staged"

    t1 = t0 + DEPRECATED
    run_scheduler(t1)

    release.refresh_from_db()
    project.refresh_from_db()
    assert release.pending_removal_at == t1
    assert project.pending_removal_at is None
    assert installable(project, Index.MAIN) == new
    assert installable(project, Index.PENDING) == old
    assert listed("main") == ["app", "leftpad", "old-app"]
    assert listed("pending") == ["leftpad"]
    assert ("[Holdfast] leftpad 1.0 is now pending removal", OWNER_MAIL) in mails()
    refused_upload = upload(client, owner, "leftpad", "1.0")
    assert refused_upload.status_code == 403
    assert "pending removal" in refused_upload.content.decode()
    assert upload(client, owner, "leftpad", "3.0").status_code == 200  # the project is not

    t2 = t1 + PENDING
    run_scheduler(t2)
    mails()

    # Extend: back to pending removal for ten more days, then to review again.
    case = act(
        staged.extend, case=case, actor=registry_admin, reason="Owner asked", days=10, now=t2
    )

    assert (case.state, case.next_step_at) == (StagedState.PENDING_REMOVAL, t2 + timedelta(10))
    assert installable(project, Index.PENDING) == old
    assert mails() == [("[Holdfast] the removal of leftpad 1.0 is postponed", OWNER_MAIL)]
    assert not run_scheduler(t2 + timedelta(days=10, seconds=-1))
    assert [c.pk for c in run_scheduler(t2 + timedelta(days=10)).to_review] == [case.pk]

    t3 = t2 + timedelta(days=11)
    case = act(staged.approve, case=case, actor=registry_admin, reason="Broken build", now=t3)

    release.refresh_from_db()
    event = case.removal_events.get()
    assert release.removal_event == event
    assert not any("-1.0-" in name for name in installable(project, Index.MAIN))
    assert installable(project, Index.PENDING) == []
    assert listed("pending") == []
    assert ("[Holdfast] leftpad 1.0 was removed", OWNER_MAIL) in mails()

    services.restore_removal(event=event, actor=registry_admin, reason="Pinned by users", now=t3)

    release.refresh_from_db()
    assert release.pending_removal_at is None
    assert release.yanked  # back on /simple/, still yanked with the message
    assert set(old) <= set(installable(project, Index.MAIN))
    assert installable(project, Index.PENDING) == []
    assert [row[0] for row in history(case)] == [
        StagedState.DEPRECATED,
        StagedState.PENDING_REMOVAL,  # no reminder: the scheduler first ran when it was due
        StagedState.AWAITING_REVIEW,
        StagedState.PENDING_REMOVAL,  # extended
        StagedState.AWAITING_REVIEW,
        StagedState.REMOVED,
    ]


@pytest.mark.parametrize("level", ["project", "release"])
def test_when_an_admin_keeps_it_it_returns_to_the_index_deprecated(
    client, level, project, owner, registry_admin, act, run_scheduler, t0
):
    release = project.releases.get(version="1.0") if level == "release" else None
    files = installable(project, Index.MAIN)
    case = act(staged.start, project=project, release=release, message=MESSAGE, actor=owner, now=t0)
    run_scheduler(t0 + DEPRECATED)
    run_scheduler(t0 + DEPRECATED + PENDING)
    mails()

    later = t0 + DEPRECATED + PENDING + timedelta(days=1)
    case = act(staged.keep, case=case, actor=registry_admin, reason="Too many users", now=later)

    project.refresh_from_db()
    assert (case.state, case.closed_at, case.next_step_at) == (StagedState.KEPT, later, None)
    assert installable(project, Index.MAIN) == files
    assert installable(project, Index.PENDING) == []
    assert listed("main") == ["leftpad"]
    if release is None:
        assert (project.status, project.status_reason) == (ProjectStatus.DEPRECATED, MESSAGE)
        assert page_status(client, "/simple/leftpad/") == {
            "status": "deprecated",
            "reason": MESSAGE,
        }
    else:
        release.refresh_from_db()
        assert (release.yanked, release.pending_removal_at) == (True, None)
    target = "leftpad" if release is None else "leftpad 1.0"
    assert mails() == [(f"[Holdfast] {target} is kept", OWNER_MAIL)]
    assert history(case)[-1] == (StagedState.KEPT, "registry-admin", "Too many users")
    assert upload(client, owner, "leftpad", "3.0").status_code == 200
    with pytest.raises(RegistryError) as refused:
        staged.cancel(case=case, actor=owner, reason="changed my mind", now=later)
    assert refused.value.code == "closed"
    assert not run_scheduler(later + timedelta(days=365))


STAGES = ["deprecated", "pending_removal", "awaiting_review"]


@pytest.mark.parametrize("stage", STAGES)
@pytest.mark.parametrize("level", ["project", "release"])
def test_the_owner_cancels_at_any_stage_before_removal_and_everything_goes_back(
    client, level, stage, project, owner, act, run_scheduler, t0
):
    release = project.releases.get(version="1.0") if level == "release" else None
    files = installable(project, Index.MAIN)
    case = act(staged.start, project=project, release=release, message=MESSAGE, actor=owner, now=t0)
    now = t0
    for _ in range(STAGES.index(stage)):
        now += DEPRECATED
        run_scheduler(now)
    case.refresh_from_db()
    assert case.state == stage
    mails()

    case = act(staged.cancel, case=case, actor=owner, reason="Found a new maintainer", now=now)

    project.refresh_from_db()
    assert (case.state, case.closed_at, case.next_step_at) == (StagedState.CANCELLED, now, None)
    assert (project.status, project.status_reason, project.pending_removal_at) == (
        ProjectStatus.ACTIVE,
        "",
        None,
    )
    if release is not None:
        release.refresh_from_db()
        assert (release.yanked, release.pending_removal_at) == (False, None)
    assert installable(project, Index.MAIN) == files
    assert installable(project, Index.PENDING) == []
    assert listed("main") == ["leftpad"]
    assert listed("pending") == []
    assert page_status(client, "/simple/leftpad/") == {"status": "active"}
    target = "leftpad" if release is None else "leftpad 1.0"
    assert mails() == [(f"[Holdfast] the removal of {target} is cancelled", OWNER_MAIL)]
    assert history(case)[-1] == (StagedState.CANCELLED, "owner", "Found a new maintainer")
    assert upload(client, owner, "leftpad", "3.0").status_code == 200
    assert not run_scheduler(now + timedelta(days=365))
    # A new case can be started once the old one is closed.
    act(staged.start, project=project, release=release, message="again", actor=owner, now=now)


def test_cancelling_keeps_a_yank_the_owner_made_before_the_case(project, owner, act, t0):
    release = project.releases.get(version="1.0")
    services.yank_release(
        release=release, actor=owner, reason="Broken on Windows", now=t0 - timedelta(hours=1)
    )
    case = act(staged.start, project=project, release=release, message=MESSAGE, actor=owner, now=t0)

    act(staged.cancel, case=case, actor=owner, reason="Changed my mind", now=t0)

    release.refresh_from_db()
    assert (release.yanked, release.yanked_reason) == (True, "Broken on Windows")


def test_a_release_case_cannot_start_on_a_removed_release(project, owner, t0):
    release = project.releases.get(version="1.0")
    services.yank_release(release=release, actor=owner, reason="Broken", now=t0)
    services.remove_release(release=release, actor=owner, reason="Gone", now=t0)

    with pytest.raises(RegistryError) as refused:
        staged.start(project=project, release=release, message=MESSAGE, actor=owner, now=t0)

    assert refused.value.code == "removed"
    assert not StagedRemoval.objects.exists()


def test_owners_cannot_start_one_on_a_quarantined_project(project, owner, registry_admin, t0):
    release = project.releases.get(version="1.0")
    services.yank_release(release=release, actor=owner, reason="Broken", now=t0)
    services.quarantine_project(project=project, actor=registry_admin, reason="Malware")

    for target in (None, release):
        with pytest.raises(RegistryError) as refused:
            staged.start(project=project, release=target, message=MESSAGE, actor=owner, now=t0)
        assert refused.value.code == "quarantined"
    assert not StagedRemoval.objects.exists()


def test_a_start_needs_a_message_and_one_open_case_per_target(project, owner, t0):
    with pytest.raises(RegistryError) as refused:
        staged.start(project=project, message="  ", actor=owner, now=t0)
    assert refused.value.code == "no_message"

    staged.start(project=project, message=MESSAGE, actor=owner, now=t0)

    for release in (None, project.releases.get(version="1.0")):
        with pytest.raises(RegistryError) as refused:
            staged.start(project=project, release=release, message=MESSAGE, actor=owner, now=t0)
        assert refused.value.code == "already_staged"
    assert StagedRemoval.objects.count() == 1


def test_removing_the_project_closes_its_open_release_cases(
    project, owner, registry_admin, act, run_scheduler, t0
):
    release = project.releases.get(version="1.0")
    release_case = act(
        staged.start, project=project, release=release, message=MESSAGE, actor=owner, now=t0
    )
    project_case = act(staged.start, project=project, message=MESSAGE, actor=owner, now=t0)
    run_scheduler(t0 + DEPRECATED)
    run_scheduler(t0 + DEPRECATED + PENDING)
    now = t0 + DEPRECATED + PENDING

    act(staged.approve, case=project_case, actor=registry_admin, reason="Gone", now=now)

    release_case.refresh_from_db()
    event = project_case.removal_events.get()
    assert (release_case.state, release_case.closed_at) == (StagedState.REMOVED, now)
    assert list(release_case.removal_events.all()) == [event]
    assert not StagedRemoval.objects.open().exists()
    with pytest.raises(RegistryError) as refused:
        staged.approve(case=release_case, actor=registry_admin, reason="again", now=now)
    assert refused.value.code == "stale"


def test_the_scheduler_moves_only_due_cases_and_only_one_stage_per_run(
    project, owner, scheduler, t0
):
    other = services.create_project(name="other", owner=owner, actor=owner, reason="t")
    first = staged.start(project=project, message=MESSAGE, actor=owner, now=t0)
    second = staged.start(project=other, message=MESSAGE, actor=owner, now=t0 + timedelta(1))

    report = staged.advance_batch(now=t0 + DEPRECATED, actor=scheduler)
    assert [case.pk for case in report.to_pending] == [first.pk]
    assert not staged.advance_batch(now=t0 + DEPRECATED, actor=scheduler)

    # Far in the future both are due, but each moves one stage per pass.
    late = t0 + timedelta(days=1000)
    report = staged.advance_batch(now=late, actor=scheduler)
    assert [case.pk for case in report.to_pending] == [second.pk]
    assert [case.pk for case in report.to_review] == [first.pk]
    report = staged.advance_batch(now=late, actor=scheduler, dry_run=True)
    assert not report  # the second is pending until late + 30 days


def test_a_dry_run_reports_the_due_cases_and_changes_nothing(project, owner, scheduler, t0):
    case = staged.start(project=project, message=MESSAGE, actor=owner, now=t0)
    rows = case.history.count()

    report = staged.advance_batch(now=t0 + DEPRECATED, actor=scheduler, dry_run=True)

    assert [c.pk for c in report.to_pending] == [case.pk]
    case.refresh_from_db()
    project.refresh_from_db()
    assert case.state == StagedState.DEPRECATED
    assert project.pending_removal_at is None
    assert case.history.count() == rows


def test_batches_are_limited_by_size_oldest_due_first(owner, scheduler, t0):
    cases = []
    for n in range(5):
        project = services.create_project(name=f"pkg-{n}", owner=owner, actor=owner, reason="t")
        cases.append(
            staged.start(project=project, message=MESSAGE, actor=owner, now=t0 - timedelta(n))
        )
    now = t0 + DEPRECATED

    first = staged.advance_batch(now=now, actor=scheduler, size=2)
    second = staged.advance_batch(now=now, actor=scheduler, size=2)
    third = staged.advance_batch(now=now, actor=scheduler, size=2)

    moved = [[c.pk for c in report.to_pending] for report in (first, second, third)]
    assert moved == [[cases[4].pk, cases[3].pk], [cases[2].pk, cases[1].pk], [cases[0].pk]]
    assert not staged.advance_batch(now=now, actor=scheduler, size=2)


def test_a_dependent_hears_of_it_when_deprecated_and_once_a_week_before(
    project, dependents, owner, scheduler, act, t0, send_outbox
):
    case = act(staged.start, project=project, message=MESSAGE, actor=owner, now=t0)
    mails()
    week_before = t0 + DEPRECATED - timedelta(days=7)

    with_reminder = staged.remind_dependents(now=week_before, actor=scheduler)
    again = staged.remind_dependents(now=week_before + timedelta(days=1), actor=scheduler)
    send_outbox()

    assert [c.pk for c in with_reminder] == [case.pk]
    assert again == []
    (message,) = mail.outbox
    assert message.to == list(DEPENDENT_MAIL)
    assert "leftpad" in message.body and MESSAGE in message.body
    case.refresh_from_db()
    assert case.dependents_warned_at == week_before


def test_the_emails_go_to_every_owner_and_to_every_admin(
    project, owner, maintainer, registry_admin, second_admin, support_user, act, run_scheduler, t0
):
    services.add_role(
        project=project, user=maintainer, role=RoleName.OWNER, actor=owner, reason="t"
    )
    act(staged.start, project=project, message=MESSAGE, actor=owner, now=t0)
    run_scheduler(t0 + DEPRECATED)
    mails()

    run_scheduler(t0 + DEPRECATED + PENDING)

    owners = ("maintainer@example.org", "owner@example.org")
    admins = ("registry-admin@example.org", "second-admin@example.org")
    assert mails() == [
        ("[Holdfast] leftpad awaits the admins' review", owners),
        ("[Holdfast] scheduler run: awaiting your review: 1", admins),
    ]


def test_nothing_is_emailed_when_the_transaction_rolls_back(
    project, owner, django_capture_on_commit_callbacks, t0
):
    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        staged.start(project=project, message=MESSAGE, actor=owner, now=t0)
        raise RuntimeError

    assert callbacks == []
    assert mail.outbox == []
    assert not StagedRemoval.objects.exists()


# Who may do what ---------------------------------------------------------------------------------

ROLES = ["owner", "maintainer", "other", "support", "admin", "anonymous"]
MAY = {
    "start": {"owner", "admin"},
    "cancel": {"owner", "admin"},
    "approve": {"admin"},
    "keep": {"admin"},
    "extend": {"admin"},
}


@pytest.fixture
def people(owner, maintainer, other_user, support_user, registry_admin):
    from django.contrib.auth.models import AnonymousUser

    return {
        "owner": owner,
        "maintainer": maintainer,
        "other": other_user,
        "support": support_user,
        "admin": registry_admin,
        "anonymous": AnonymousUser(),
    }


@pytest.mark.parametrize("action", list(MAY))
@pytest.mark.parametrize("role", ROLES)
def test_who_may_do_what(action, role, project, owner, people, scheduler, t0):
    actor = people[role]
    case = None
    if action != "start":
        case = staged.start(project=project, message=MESSAGE, actor=owner, now=t0)
        staged.advance_batch(now=t0 + DEPRECATED, actor=scheduler)
        staged.advance_batch(now=t0 + DEPRECATED + PENDING, actor=scheduler)
    now = t0 + DEPRECATED + PENDING
    calls = {
        "start": lambda: staged.start(project=project, message=MESSAGE, actor=actor, now=now),
        "cancel": lambda: staged.cancel(case=case, actor=actor, reason="r", now=now),
        "approve": lambda: staged.approve(case=case, actor=actor, reason="r", now=now),
        "keep": lambda: staged.keep(case=case, actor=actor, reason="r", now=now),
        "extend": lambda: staged.extend(case=case, actor=actor, reason="r", days=3, now=now),
    }
    before = StagedRemoval.objects.values_list("state", "next_step_at").first()

    if role in MAY[action]:
        calls[action]()
        assert StagedRemoval.objects.values_list("state", "next_step_at").first() != before
    else:
        with pytest.raises(RegistryError) as refused:
            calls[action]()
        assert refused.value.code in {"not_allowed", "admin_only"}
        assert StagedRemoval.objects.values_list("state", "next_step_at").first() == before
        project.refresh_from_db()
        assert project.removed_at is None


@pytest.mark.parametrize("closed_by", ["approve", "keep", "cancel"])
@pytest.mark.parametrize("action", ["approve", "keep", "extend", "cancel"])
def test_a_closed_case_refuses_every_action(
    action, closed_by, project, owner, registry_admin, scheduler, t0
):
    case = staged.start(project=project, message=MESSAGE, actor=owner, now=t0)
    staged.advance_batch(now=t0 + DEPRECATED, actor=scheduler)
    staged.advance_batch(now=t0 + DEPRECATED + PENDING, actor=scheduler)
    now = t0 + DEPRECATED + PENDING
    getattr(staged, closed_by)(case=case, actor=registry_admin, reason="first", now=now)
    rows = case.history.count()
    kwargs = {"days": 3} if action == "extend" else {}

    with pytest.raises(RegistryError) as refused:
        getattr(staged, action)(case=case, actor=registry_admin, reason="second", now=now, **kwargs)

    assert refused.value.code in {"closed", "stale"}
    assert case.history.count() == rows


def test_extend_needs_at_least_a_day_and_pushes_a_current_stage_back(
    project, owner, registry_admin, t0
):
    case = staged.start(project=project, message=MESSAGE, actor=owner, now=t0)

    with pytest.raises(RegistryError) as refused:
        staged.extend(case=case, actor=registry_admin, reason="r", days=0, now=t0)
    assert refused.value.code == "days"

    case = staged.extend(case=case, actor=registry_admin, reason="More time", days=5, now=t0)

    assert (case.state, case.next_step_at) == (
        StagedState.DEPRECATED,
        t0 + DEPRECATED + timedelta(5),
    )
    assert history(case)[-1] == (StagedState.DEPRECATED, "registry-admin", "More time")


def test_a_case_in_the_database_matches_what_the_scheduler_reads(project, owner, t0):
    case = staged.start(project=project, message=MESSAGE, actor=owner, now=t0)

    assert list(StagedRemoval.objects.due(t0 + DEPRECATED - timedelta(seconds=1))) == []
    assert list(StagedRemoval.objects.due(t0 + DEPRECATED)) == [case]
    assert list(StagedRemoval.objects.open()) == [case]
    assert str(case) == f"S-{case.pk}: staged removal of leftpad (deprecated)"
