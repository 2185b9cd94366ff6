"""Staged removal as real clients see it: twine uploads, pip installs at every stage.

pip installs a project normally while it is deprecated, only through the opt-in index
(`--extra-index-url .../pending/simple/`) while it is pending removal or awaiting review, not at
all once an admin has removed it, and normally again once the removal is restored. The stages
are moved by the scheduler's own function with `now` passed in, as `advance_workflows` does.
"""

from datetime import timedelta

import pytest
from django.utils import timezone

from moderation.models import StagedState
from moderation.services import staged
from registry import services
from registry.distributions import build_wheel
from registry.models import Project
from tests.e2e.clients import assert_ok

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

MESSAGE = "Merged into rightpad; please switch."
DAYS = timedelta(days=30)


@pytest.fixture(autouse=True)
def stage_lengths(settings):
    settings.HOLDFAST_STAGED_DEPRECATED_DAYS = DAYS.days
    settings.HOLDFAST_STAGED_PENDING_DAYS = DAYS.days


def refused(result_and_versions):
    result, versions = result_and_versions
    assert result.returncode != 0, result.stdout
    assert versions == []


def installs(result_and_versions):
    result, versions = result_and_versions
    assert_ok(result)
    return versions


def test_pip_follows_a_project_through_every_stage_of_its_removal(
    upload,
    install,
    maintainer,
    registry_admin,
):
    assert_ok(upload(build_wheel("leftpad", "1.0")))
    project = Project.objects.get()
    scheduler = staged.scheduler_user()
    t0 = timezone.now()

    case = staged.start(project=project, message=MESSAGE, actor=maintainer, now=t0)

    assert installs(install("leftpad")) == ["1.0"]
    assert_ok(upload(build_wheel("leftpad", "1.1")))  # deprecated still accepts uploads
    assert installs(install("leftpad")) == ["1.1"]

    staged.advance_batch(now=t0 + DAYS, actor=scheduler)

    refused(install("leftpad"))
    assert installs(install("leftpad", pending=True)) == ["1.1"]
    upload_refused = upload(build_wheel("leftpad", "1.2"))
    assert upload_refused.returncode != 0
    assert "pending removal" in upload_refused.stdout + upload_refused.stderr

    staged.advance_batch(now=t0 + 2 * DAYS, actor=scheduler)
    case.refresh_from_db()
    assert case.state == StagedState.AWAITING_REVIEW
    assert installs(install("leftpad", pending=True)) == ["1.1"]

    case = staged.approve(case=case, actor=registry_admin, reason="Unused", now=t0 + 2 * DAYS)

    refused(install("leftpad"))
    refused(install("leftpad", pending=True))

    services.restore_removal(
        event=case.removal_events.get(), actor=registry_admin, reason="Still needed"
    )

    assert installs(install("leftpad")) == ["1.1"]


def test_pip_skips_a_release_pending_removal_unless_it_opts_in(
    upload,
    install,
    maintainer,
):
    assert_ok(upload(build_wheel("twopad", "1.0"), build_wheel("twopad", "2.0")))
    project = Project.objects.get()
    release = project.releases.get(version="2.0")
    t0 = timezone.now()

    staged.start(project=project, release=release, message=MESSAGE, actor=maintainer, now=t0)

    # Deprecated (yanked): skipped unless pinned, as PEP 592 says.
    assert installs(install("twopad")) == ["1.0"]
    assert installs(install("twopad==2.0")) == ["2.0"]

    staged.advance_batch(now=t0 + DAYS, actor=staged.scheduler_user())

    refused(install("twopad==2.0"))
    assert installs(install("twopad==2.0", pending=True)) == ["2.0"]
    assert installs(install("twopad")) == ["1.0"]
