"""Evidence cannot cascade away: an account that holds roles, tokens or records of what it did
cannot be deleted (ProtectedError, and a readable refusal in the admin); it is deactivated,
and every row stays."""

import pytest
from django.contrib.auth import get_user_model
from django.db import models, transaction
from django.db.models import ProtectedError
from django.urls import reverse

from registry import services, tokens
from registry.models import ApiToken, File, Project, RemovalCategory, Role
from tests.factories import UserFactory, publish

pytestmark = pytest.mark.django_db

User = get_user_model()
USER_ADMIN = f"admin:{User._meta.app_label}_{User._meta.model_name}"


def assert_cannot_delete(user):
    with pytest.raises(ProtectedError), transaction.atomic():
        user.delete()
    assert User.objects.filter(pk=user.pk).exists()


@pytest.fixture
def project(owner):
    project = services.create_project(name="kept", owner=owner, actor=owner, reason="New")
    publish(project, "1.0", actor=owner, now=project.created_at)
    return project


def test_every_link_from_a_registry_row_to_an_account_is_protected():
    user_model = User._meta.concrete_model
    links = [
        field
        for model in Project._meta.app_config.get_models()
        if not model.__name__.startswith("Historical")
        for field in model._meta.get_fields()
        if isinstance(field, models.ForeignKey) and field.related_model is user_model
    ]

    assert len(links) >= 10
    assert {f"{f.model.__name__}.{f.name}": f.remote_field.on_delete for f in links} == {
        f"{f.model.__name__}.{f.name}": models.PROTECT for f in links
    }


def test_an_owner_cannot_be_deleted_and_keeps_the_role(owner, project):
    assert_cannot_delete(owner)

    assert Role.objects.get(project=project).user == owner


def test_a_token_holder_cannot_be_deleted_and_keeps_the_token(other_user):
    token, _secret = tokens.create_token(user=other_user, description="CI")

    assert_cannot_delete(other_user)

    assert ApiToken.objects.get().user == other_user
    assert token.history.exists()


def test_someone_who_removed_something_cannot_be_deleted(owner, project, registry_admin):
    event = services.remove_project(
        project=project,
        actor=registry_admin,
        reason="Malware",
        category=RemovalCategory.SECURITY,
    )

    assert_cannot_delete(registry_admin)

    event.refresh_from_db()
    project.refresh_from_db()
    assert event.actor == registry_admin
    assert project.removed_by == registry_admin
    assert File.objects.get().removed_by == registry_admin


def test_an_uploader_cannot_be_deleted_even_without_a_role(owner, project, other_user):
    services.add_role(project=project, user=other_user, role="maintainer", actor=owner, reason="x")
    publish(project, "2.0", actor=other_user, now=project.created_at)
    services.remove_role(project=project, user=other_user, actor=owner, reason="Left")

    assert_cannot_delete(other_user)

    assert File.objects.filter(uploaded_by=other_user).count() == 1


def test_deactivating_is_the_way_every_row_stays(client, owner, project):
    _token, secret = tokens.create_token(user=owner, description="CI")
    owner.set_password("correct horse battery")
    owner.save()
    assert client.login(username=owner.username, password="correct horse battery")
    client.logout()
    counts = (Role.objects.count(), ApiToken.objects.count(), File.objects.count())

    owner.is_active = False
    owner.save(update_fields=["is_active"])

    assert (Role.objects.count(), ApiToken.objects.count(), File.objects.count()) == counts
    assert Role.objects.get(project=project).user == owner
    assert File.objects.get().uploaded_by == owner
    # A deactivated account can neither upload nor log in.
    assert tokens.authenticate(secret) is None
    assert not client.login(username=owner.username, password="correct horse battery")


def test_an_account_without_evidence_can_still_be_deleted():
    user = UserFactory()

    user.delete()

    assert not User.objects.filter(pk=user.pk).exists()


def test_the_user_admin_refuses_to_delete_an_owner_and_says_to_deactivate(
    admin_client, owner, project
):
    url = reverse(f"{USER_ADMIN}_delete", args=[owner.pk])

    page = admin_client.get(url)
    posted = admin_client.post(url, {"post": "yes"})

    content = page.content.decode()
    assert page.status_code == 200
    # Django lists the protected rows as objects nobody may delete (registry admins never do).
    assert "Cannot delete user" in content
    assert "role" in content
    assert "Deactivate the account instead" in content
    assert 'name="post"' not in content
    assert posted.status_code in (200, 403)
    assert User.objects.filter(pk=owner.pk).exists()
    assert Role.objects.filter(user=owner).exists()


def test_the_user_admin_bulk_delete_refuses_an_owner_and_says_to_deactivate(
    admin_client, owner, project
):
    url = reverse(f"{USER_ADMIN}_changelist")
    selected = {"action": "delete_selected", "_selected_action": [owner.pk]}

    page = admin_client.post(url, selected)
    admin_client.post(url, {**selected, "post": "yes"})

    assert "Deactivate the account instead" in page.content.decode()
    assert User.objects.filter(pk=owner.pk).exists()
