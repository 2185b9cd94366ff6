"""Throttles on guessing: password sign-in (the maintainers' login and the admin's) and upload
tokens, per account and per client address (issue 11).

The limiter's clock is pinned one minute into an hour, so "try again in N minutes" is exact and
moving the clock on opens the next window without sleeping.
"""

import base64

import pytest
from django.urls import reverse

from registry import sign_in, throttle, tokens
from registry.throttle import Limit, Rate
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

HOUR_START = 1_800_000_000  # a whole hour in Unix time
PASSWORD = "correct horse battery staple"
GUESSER = "203.0.113.9"


@pytest.fixture(autouse=True)
def clock(settings, monkeypatch):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # fast
    settings.HOLDFAST_SIGN_IN_ACCOUNT_RATE = "5/15m"
    settings.HOLDFAST_SIGN_IN_ADDRESS_RATE = "8/h"
    settings.HOLDFAST_TOKEN_ADDRESS_RATE = "4/h"
    settings.HOLDFAST_TRUSTED_PROXY_COUNT = 0
    settings.HOLDFAST_MODERATION_EMAIL = "help@registry.example"
    now = {"now": HOUR_START + 60}
    monkeypatch.setattr(throttle, "clock", lambda: now["now"])
    return now


@pytest.fixture
def alice():
    user = UserFactory(username="alice")
    user.set_password(PASSWORD)
    user.save()
    return user


@pytest.fixture
def staff():
    user = UserFactory(username="staffer", is_staff=True)
    user.set_password(PASSWORD)
    user.save()
    return user


def sign_in_as(client, username, password, *, url=None, address=GUESSER):
    url = url or reverse("login")
    return client.post(url, {"username": username, "password": password}, REMOTE_ADDR=address)


def page(response):
    return response.content.decode()


# The maintainers' login page -------------------------------------------------------------------


def test_after_the_account_limit_even_the_right_password_is_refused(client, alice, clock):
    for _ in range(5):
        assert sign_in_as(client, "alice", "wrong").status_code == 200

    response = sign_in_as(client, "alice", PASSWORD)

    assert response.status_code == 429
    assert response["Retry-After"] == str(15 * 60 - 60)
    text = page(response)
    assert "Too many failed sign-ins for this account" in text
    assert "the limit is 5 failed sign-ins every 15 minutes" in text
    assert "even with the right password" in text
    assert "Try again in 14 minutes" in text
    assert "Write to help@registry.example instead of guessing" in text
    assert "_auth_user_id" not in client.session

    # The next window lets the right password in.
    clock["now"] += 15 * 60
    response = sign_in_as(client, "alice", PASSWORD)
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(alice.pk)


def test_the_account_limit_holds_from_any_address(client, alice):
    for index in range(5):
        sign_in_as(client, "alice", "wrong", address=f"198.51.100.{index}")

    response = sign_in_as(client, "alice", PASSWORD, address="192.0.2.200")

    assert response.status_code == 429
    assert "for this account" in page(response)


def test_the_address_limit_holds_across_accounts(client, alice):
    for index in range(8):
        sign_in_as(client, f"someone-{index}", "wrong")

    response = sign_in_as(client, "alice", PASSWORD)

    assert response.status_code == 429
    assert "Too many failed sign-ins from your address" in page(response)
    assert "8 failed sign-ins an hour" in page(response)
    # Another address is not affected.
    assert sign_in_as(client, "alice", PASSWORD, address="192.0.2.7").status_code == 302


def test_a_successful_sign_in_clears_the_accounts_count(client, alice):
    for _ in range(4):
        sign_in_as(client, "alice", "wrong")
    assert sign_in_as(client, "alice", PASSWORD).status_code == 302
    client.post(reverse("logout"))

    # (another address, whose own count is still empty)
    for _ in range(4):
        assert sign_in_as(client, "alice", "wrong", address="192.0.2.7").status_code == 200
    assert sign_in_as(client, "alice", PASSWORD, address="192.0.2.7").status_code == 302


def test_successful_sign_ins_do_not_use_up_the_address(client, alice):
    for _ in range(12):
        assert sign_in_as(client, "alice", PASSWORD).status_code == 302
        client.post(reverse("logout"))


def test_an_empty_form_is_not_an_attempt(client, alice):
    for _ in range(10):
        response = client.post(reverse("login"), {"username": "alice"}, REMOTE_ADDR=GUESSER)
        assert response.status_code == 200
    assert sign_in_as(client, "alice", PASSWORD).status_code == 302


# The admin's login page ------------------------------------------------------------------------


def test_the_admin_login_is_throttled_too(client, staff, clock):
    admin_login = reverse("admin:login")
    for _ in range(5):
        response = sign_in_as(client, "staffer", "wrong", url=admin_login)
        assert response.status_code == 200
        assert "Please enter the correct username and password" in page(response)

    response = sign_in_as(client, "staffer", PASSWORD, url=admin_login)

    assert response.status_code == 429
    assert response["Retry-After"] == str(15 * 60 - 60)
    assert "Too many failed sign-ins for this account" in page(response)
    assert client.get(reverse("admin:index")).status_code == 302  # still not signed in

    clock["now"] += 15 * 60
    assert sign_in_as(client, "staffer", PASSWORD, url=admin_login).status_code == 302
    assert client.get(reverse("admin:index")).status_code == 200


def test_the_two_login_pages_share_one_count(client, staff):
    for _ in range(3):
        sign_in_as(client, "staffer", "wrong")
    for _ in range(2):
        sign_in_as(client, "staffer", "wrong", url=reverse("admin:login"))

    assert sign_in_as(client, "staffer", PASSWORD).status_code == 429
    assert sign_in_as(client, "staffer", PASSWORD, url=reverse("admin:login")).status_code == 429


# Upload tokens ---------------------------------------------------------------------------------


def upload_auth(secret):
    value = base64.b64encode(f"__token__:{secret}".encode()).decode()
    return {"HTTP_AUTHORIZATION": f"Basic {value}", "REMOTE_ADDR": GUESSER}


def test_token_guessing_gets_429_with_retry_after_even_for_a_valid_token(client, alice, clock):
    _token, secret = tokens.create_token(user=alice, description="CI")
    for index in range(4):
        response = client.post("/legacy/", {":action": "file_upload"}, **upload_auth(f"hf-{index}"))
        assert response.status_code == 403

    response = client.post("/legacy/", {":action": "file_upload"}, **upload_auth(secret))

    assert response.status_code == 429
    assert response["Retry-After"] == str(3600 - 60)
    assert response.reason_phrase.startswith("Too many failed upload-token attempts")
    text = page(response)
    assert "the limit is 4 failed attempts an hour" in text
    assert "even with a valid token, until" in text
    assert "(in 59 minutes)" in text
    # Another address still authenticates (and gets past authentication to the form check).
    other = {**upload_auth(secret), "REMOTE_ADDR": "192.0.2.7"}
    response = client.post("/legacy/", {":action": "nonsense"}, **other)
    assert response.status_code == 400
    assert "Unknown :action" in page(response)
    # The next window opens again.
    clock["now"] += 3600
    response = client.post("/legacy/", {":action": "nonsense"}, **upload_auth(secret))
    assert response.status_code == 400


def test_valid_tokens_do_not_use_up_the_address(client, alice):
    _token, secret = tokens.create_token(user=alice, description="CI")
    for _ in range(10):
        response = client.post("/legacy/", {":action": "nonsense"}, **upload_auth(secret))
        assert response.status_code == 400


def test_a_request_without_a_token_is_not_counted(client, alice):
    for _ in range(10):
        assert client.post("/legacy/", {}, REMOTE_ADDR=GUESSER).status_code == 401
    _token, secret = tokens.create_token(user=alice, description="CI")
    response = client.post("/legacy/", {":action": "nonsense"}, **upload_auth(secret))
    assert response.status_code == 400


def test_authenticate_without_a_request_counts_nothing(alice):
    _token, secret = tokens.create_token(user=alice, description="CI")
    for _ in range(10):
        assert tokens.authenticate("hf-wrong") is None
    assert tokens.authenticate(secret) is not None


# The limiter -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("rate", "noun", "said"),
    [
        (Rate(5, 3600), "submission", "5 submissions an hour"),
        (Rate(1, 60), "failed attempt", "1 failed attempt a minute"),
        (Rate(10, 900), "failed sign-in", "10 failed sign-ins every 15 minutes"),
        (Rate(3, 2 * 86400), "submission", "3 submissions every 2 days"),
        (Rate(3, 90), "submission", "3 submissions every 90 seconds"),
    ],
)
def test_rates_in_words(rate, noun, said):
    assert rate.describe(noun) == said


def test_take_back_and_clear():
    limit = Limit("test", "subject", Rate(2, 60))
    now = HOUR_START
    assert throttle.hit(limit, now=now) is None
    assert throttle.hit(limit, now=now) is None
    throttle.take_back(limit, now=now)
    assert throttle.hit(limit, now=now) is None
    assert throttle.hit(limit, now=now + 1).retry_after == 59
    throttle.clear(limit, now=now)
    assert throttle.hit(limit, now=now) is None
    throttle.take_back(Limit("test", "never-hit", Rate(2, 60)), now=now)  # nothing to undo


@pytest.mark.parametrize(
    "setting",
    ["HOLDFAST_SIGN_IN_ACCOUNT_RATE", "HOLDFAST_SIGN_IN_ADDRESS_RATE"],
)
def test_a_wrong_rate_setting_says_which(settings, rf, setting):
    setattr(settings, setting, "often")
    with pytest.raises(Exception, match=setting):
        sign_in.limits(rf.post("/"), "alice")
