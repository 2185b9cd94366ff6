"""Upload tokens: created on the account page, shown once, stored as a hash, revocable."""

import hashlib
import re

import pytest
from django.urls import reverse

from registry import services, tokens
from registry.models import ApiToken
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

URL = "/account/tokens/"


@pytest.fixture
def user_client(client):
    user = UserFactory(username="tokenowner")
    client.force_login(user)
    client.user = user
    return client


def secret_on(response):
    match = re.search(r'<code class="secret">(hf-[^<]+)</code>', response.content.decode())
    return match.group(1) if match else None


def test_creating_a_token_shows_it_once_and_stores_only_its_hash(user_client):
    response = user_client.post(URL, {"description": "CI"})

    assert response.status_code == 200
    secret = secret_on(response)
    assert secret is not None
    token = ApiToken.objects.get()
    assert token.key_hash == hashlib.sha256(secret.encode()).hexdigest()
    assert secret not in {token.prefix, token.description, token.key_hash}
    assert tokens.authenticate(secret) == token
    again = user_client.get(URL)
    assert secret_on(again) is None
    assert token.prefix in again.content.decode()
    assert token.history.get().history_change_reason == "Token created: CI"


def test_a_token_can_be_limited_to_one_of_the_users_projects(user_client):
    project = services.create_project(
        name="mine", owner=user_client.user, actor=user_client.user, reason="t"
    )
    other = UserFactory()
    foreign = services.create_project(name="theirs", owner=other, actor=other, reason="t")

    refused = user_client.post(URL, {"description": "x", "project": foreign.pk})
    assert refused.status_code == 200
    assert "Select a valid choice" in refused.content.decode()
    assert not ApiToken.objects.exists()

    created = user_client.post(URL, {"description": "x", "project": project.pk})
    assert secret_on(created)
    assert ApiToken.objects.get().project == project


def test_a_description_is_required(user_client):
    response = user_client.post(URL, {"description": ""})

    assert response.status_code == 200
    assert "This field is required" in response.content.decode()
    assert not ApiToken.objects.exists()


def test_revoking_a_token_stops_it_working(user_client):
    token, secret = tokens.create_token(user=user_client.user, description="old")

    response = user_client.post(reverse("registry:token_revoke", kwargs={"pk": token.pk}))

    assert response.status_code == 302
    token.refresh_from_db()
    assert token.is_revoked
    assert tokens.authenticate(secret) is None


def test_nobody_can_revoke_someone_elses_token(user_client):
    token, secret = tokens.create_token(user=UserFactory(), description="theirs")

    response = user_client.post(reverse("registry:token_revoke", kwargs={"pk": token.pk}))

    assert response.status_code == 404
    assert tokens.authenticate(secret) == token


def test_the_token_page_needs_a_login(client):
    response = client.get(URL)

    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


def test_a_deactivated_account_s_tokens_stop_working():
    user = UserFactory()
    _token, secret = tokens.create_token(user=user, description="x")
    user.is_active = False
    user.save()

    assert tokens.authenticate(secret) is None


@pytest.mark.parametrize("count", [5, 50])
def test_the_token_page_has_a_fixed_number_of_queries(
    user_client, count, django_assert_num_queries
):
    project = services.create_project(
        name="scoped", owner=user_client.user, actor=user_client.user, reason="t"
    )
    for number in range(count):
        tokens.create_token(
            user=user_client.user, description=f"t{number}", project=project if number % 2 else None
        )

    # session, user, tokens with their projects, the project choices
    with django_assert_num_queries(4):
        assert user_client.get(URL).status_code == 200


def test_the_page_shows_the_absolute_upload_url_and_ready_to_copy_examples(user_client, settings):
    settings.HOLDFAST_SITE_URL = "https://registry.example/"
    page = user_client.get(URL).content.decode()

    assert '<code class="upload-url">https://registry.example/legacy/</code>' in page
    assert (
        "twine upload --repository-url https://registry.example/legacy/ -u __token__ dist/*" in page
    )
    assert "repository = https://registry.example/legacy/\nusername = __token__" in page
    assert "[holdfast]" in page and "twine upload --repository holdfast dist/*" in page


def test_a_new_token_is_filled_in_the_examples(user_client, settings):
    settings.HOLDFAST_SITE_URL = "https://registry.example"
    response = user_client.post(URL, {"description": "CI"})
    secret = secret_on(response)
    page = response.content.decode()

    assert f"password = {secret}" in page
    # Once only: the next visit shows a placeholder.
    assert secret not in user_client.get(URL).content.decode()
