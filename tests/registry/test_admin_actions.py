"""The admins' two-step actions: remove (override), restore, purge, quarantine, unlock, revoke."""

from datetime import timedelta

import pytest
from django.core.files.storage import default_storage
from django.utils import timezone

from registry import services, tokens
from registry.models import ApiToken, File, Project, ProjectStatus, RemovalEvent
from tests.factories import UserFactory, publish

pytestmark = pytest.mark.django_db


@pytest.fixture
def project(owner):
    # 30 days old: under the default preset its owner could no longer delete it.
    then = timezone.now() - timedelta(days=30)
    project = services.create_project(
        name="acted-on", owner=owner, actor=owner, reason="t", now=then
    )
    publish(project, "1.0", actor=owner, now=then, files=3)
    return project


def act(client, model, action, pks, **data):
    return client.post(
        f"/admin/registry/{model}/",
        {"action": action, "_selected_action": pks, **data},
        follow=True,
    )


def messages(response):
    return [str(message) for message in response.context["messages"]]


def test_removing_a_project_asks_for_a_reason_then_removes_it_as_an_override(
    client, registry_admin, project
):
    client.force_login(registry_admin)

    confirm = act(client, "project", "remove_projects", [project.pk])
    assert confirm.status_code == 200
    assert "Kind of removal" in confirm.content.decode()
    project.refresh_from_db()
    assert not project.is_removed

    done = act(
        client,
        "project",
        "remove_projects",
        [project.pk],
        post="yes",
        reason="court order",
        category="legal",
    )

    project.refresh_from_db()
    assert project.is_removed
    event = RemovalEvent.objects.get()
    assert (event.category, event.reason, event.actor) == ("legal", "court order", registry_admin)
    assert event.is_override
    assert event.policy_rule == "admin.override"
    assert any("Removed" in text for text in messages(done))


def test_a_confirmation_without_a_reason_changes_nothing(client, registry_admin, project):
    client.force_login(registry_admin)

    response = act(
        client, "project", "remove_projects", [project.pk], post="yes", reason="", category="legal"
    )

    assert "This field is required" in response.content.decode()
    assert not RemovalEvent.objects.exists()


def test_restoring_an_event_brings_everything_back(client, registry_admin, project, owner):
    event = services.remove_project(
        project=project, actor=registry_admin, reason="oops", category="admin"
    )
    client.force_login(registry_admin)

    done = act(client, "removalevent", "restore_events", [event.pk], post="yes", reason="mistake")

    project.refresh_from_db()
    assert not project.is_removed
    assert File.objects.installable().filter(release__project=project).count() == 3
    assert "Restored acted-on: 1 project, 1 release, 3 files." in messages(done)


def test_restoring_twice_reports_the_refusal(client, registry_admin, project, owner):
    event = services.remove_project(
        project=project, actor=registry_admin, reason="oops", category="admin"
    )
    services.restore_removal(event=event, actor=registry_admin, reason="first")
    client.force_login(registry_admin)

    done = act(client, "removalevent", "restore_events", [event.pk], post="yes", reason="again")

    assert "already restored" in " ".join(messages(done))


def test_purging_destroys_the_bytes_and_keeps_the_rows(
    client, registry_admin, project, django_capture_on_commit_callbacks
):
    files = list(File.objects.filter(release__project=project))
    names = [file.blob.name for file in files]
    client.force_login(registry_admin)

    confirm = act(client, "file", "purge_files", [f.pk for f in files])
    assert "cannot be undone" in confirm.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        act(
            client,
            "file",
            "purge_files",
            [f.pk for f in files],
            post="yes",
            reason="leaked credentials",
            category="security",
        )

    assert not any(default_storage.exists(name) for name in names)
    assert File.objects.filter(release__project=project, purged_at__isnull=False).count() == 3
    assert all(len(file.sha256) == 64 for file in File.objects.filter(release__project=project))


def test_purge_only_offers_legal_and_security(client, registry_admin, project):
    client.force_login(registry_admin)
    files = list(File.objects.filter(release__project=project))

    response = act(
        client,
        "file",
        "purge_files",
        [f.pk for f in files],
        post="yes",
        reason="x",
        category="admin",
    )

    assert "Select a valid choice" in response.content.decode()
    assert not File.objects.filter(purged_at__isnull=False).exists()


def test_quarantine_and_lift_and_unlock(client, registry_admin, project, owner):
    services.lock_deletions(project=project, actor=owner, reason="protect")
    client.force_login(registry_admin)

    act(client, "project", "quarantine_projects", [project.pk], post="yes", reason="malware")
    project.refresh_from_db()
    assert project.status == ProjectStatus.QUARANTINED
    act(client, "project", "release_quarantines", [project.pk], post="yes", reason="clean")
    act(client, "project", "unlock_deletions", [project.pk], post="yes", reason="asked")

    project.refresh_from_db()
    assert project.status == ProjectStatus.ACTIVE
    assert not project.deletion_locked


def test_revoking_a_token_from_the_admin(client, registry_admin, owner):
    token, secret = tokens.create_token(user=owner, description="ci")
    client.force_login(registry_admin)

    act(client, "apitoken", "revoke_tokens", [token.pk], post="yes", reason="leaked")

    assert ApiToken.objects.get().is_revoked
    assert tokens.authenticate(secret) is None


@pytest.mark.parametrize(
    ("model", "action"),
    [
        ("project", "remove_projects"),
        ("project", "quarantine_projects"),
        ("file", "purge_files"),
        ("removalevent", "restore_events"),
    ],
)
def test_support_staff_can_run_no_admin_action(client, support_user, project, owner, model, action):
    event = services.remove_files(
        files=[File.objects.filter(release__project=project).first()], actor=owner, reason="x"
    )
    pks = {
        "project": [project.pk],
        "file": list(File.objects.filter(release__project=project).values_list("pk", flat=True)),
        "removalevent": [event.pk],
    }[model]
    client.force_login(support_user)

    listing = client.get(f"/admin/registry/{model}/")
    assert action not in listing.content.decode()
    act(client, model, action, pks, post="yes", reason="x", category="security")

    project.refresh_from_db()
    assert project.status == ProjectStatus.ACTIVE
    assert not project.is_removed
    assert RemovalEvent.objects.count() == 1
    assert not RemovalEvent.objects.get().is_restored
    assert not File.objects.filter(purged_at__isnull=False).exists()


def test_a_plain_user_cannot_reach_the_admin(client, project):
    client.force_login(UserFactory())

    response = client.get("/admin/registry/project/")

    assert response.status_code == 302
    assert Project.objects.get().status == ProjectStatus.ACTIVE
