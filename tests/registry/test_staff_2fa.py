"""Staff two-factor sign-in (TOTP) when HOLDFAST_STAFF_2FA is on (issue 11).

Codes are computed here from the device's key, as an authenticator app would.
"""

import base64
import re

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from registry import two_factor
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

PASSWORD = "correct horse battery staple"


@pytest.fixture(autouse=True)
def fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def two_factor_on(settings):
    settings.HOLDFAST_STAFF_2FA = True


def with_password(user):
    user.set_password(PASSWORD)
    user.save()
    return user


@pytest.fixture
def admin_user(registry_admin):
    return with_password(registry_admin)


@pytest.fixture
def device(admin_user):
    return two_factor.create_device(admin_user)


def code(device):
    """The current code of `device`, as its authenticator app would show it."""
    return f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits):06d}"


def admin_sign_in(client, username, *, otp=None, next_url=None):
    data = {"username": username, "password": PASSWORD}
    if otp is not None:
        data["otp_token"] = otp
    if next_url:
        data["next"] = next_url
    return client.post(reverse("admin:login"), data)


def page(response):
    return response.content.decode()


def test_with_a_valid_code_staff_reach_the_admin(client, two_factor_on, admin_user, device):
    login_page = page(client.get(reverse("admin:login")))
    assert 'name="otp_token"' in login_page
    assert "manage.py staff_totp" in login_page

    response = admin_sign_in(client, admin_user.username, otp=code(device))

    assert response.status_code == 302
    assert client.get(reverse("admin:index")).status_code == 200
    project_list = reverse("admin:registry_project_changelist")
    assert client.get(project_list).status_code == 200


def test_without_a_code_or_with_a_wrong_one_staff_stay_out(
    client, two_factor_on, admin_user, device
):
    response = admin_sign_in(client, admin_user.username)
    assert response.status_code == 200
    assert "Enter the 6-digit one-time code" in page(response)

    wrong = f"{(int(code(device)) + 1) % 1_000_000:06d}"
    response = admin_sign_in(client, admin_user.username, otp=wrong)
    assert response.status_code == 200
    assert "That one-time code is wrong or was already used" in page(response)

    assert "_auth_user_id" not in client.session
    assert client.get(reverse("admin:index")).status_code == 302


def test_a_code_works_once(client, two_factor_on, admin_user, device):
    token = code(device)
    assert admin_sign_in(client, admin_user.username, otp=token).status_code == 302
    client.post(reverse("admin:logout"))

    response = admin_sign_in(client, admin_user.username, otp=token)
    assert response.status_code == 200
    assert "already used" in page(response)


def test_a_session_without_a_verified_code_cannot_reach_the_admin(
    client, two_factor_on, admin_user, device
):
    client.force_login(admin_user)  # a password-only session (or one from before 2FA was on)

    response = client.get(reverse("admin:index"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("admin:login"))
    response = client.get(reverse("admin:login"))
    assert "without a one-time code" in page(response)

    # Nor staff powers on the maintainers' pages: every page sends them to the code first.
    projects = reverse("registry:projects")
    response = client.get(projects)
    assert response.status_code == 302
    assert response["Location"] == f"{reverse('admin:login')}?next={projects}"

    # Signing in with the code lands where they were going.
    response = admin_sign_in(client, admin_user.username, otp=code(device), next_url=projects)
    assert response["Location"] == projects
    assert client.get(projects).status_code == 200


def test_staff_without_a_device_are_told_how_to_get_one(client, two_factor_on, support_user):
    with_password(support_user)

    response = admin_sign_in(client, support_user.username, otp="123456")

    assert response.status_code == 200
    text = page(response)
    assert "this account has no authenticator yet" in text
    assert "manage.py staff_totp support" in text
    assert client.get(reverse("admin:index")).status_code == 302


def test_the_maintainers_login_sends_staff_to_the_admin(client, two_factor_on, admin_user):
    response = client.post(
        reverse("login"), {"username": admin_user.username, "password": PASSWORD}
    )
    assert response.status_code == 200
    assert "Staff accounts sign in with a one-time code" in page(response)
    assert reverse("admin:login") in page(response)
    assert "_auth_user_id" not in client.session


def test_maintainers_are_never_asked(client, two_factor_on, owner):
    with_password(owner)

    response = client.post(reverse("login"), {"username": "owner", "password": PASSWORD})

    assert response.status_code == 302
    assert client.get(reverse("registry:projects")).status_code == 200
    assert not TOTPDevice.objects.exists()


def test_with_the_setting_off_the_admin_works_as_before(client, admin_user):
    login_page = page(client.get(reverse("admin:login")))
    assert 'name="otp_token"' not in login_page

    assert admin_sign_in(client, admin_user.username).status_code == 302
    assert client.get(reverse("admin:index")).status_code == 200


def test_with_the_setting_off_a_forced_staff_session_works(support_client):
    assert support_client.get(reverse("admin:index")).status_code == 200
    assert support_client.get(reverse("registry:projects")).status_code == 200


def test_wrong_codes_are_slowed_down(client, settings, two_factor_on, admin_user, device):
    settings.OTP_TOTP_THROTTLE_FACTOR = 60  # a minute's pause after one wrong code
    wrong = f"{(int(code(device)) + 1) % 1_000_000:06d}"
    admin_sign_in(client, admin_user.username, otp=wrong)

    response = admin_sign_in(client, admin_user.username, otp=code(device))

    assert "Too many wrong one-time codes" in page(response)
    device.refresh_from_db()
    assert device.throttling_failure_count == 1


# The set-up command ----------------------------------------------------------------------------


def test_the_command_prints_the_otpauth_url_and_a_qr_code(capsys, support_user):
    call_command("staff_totp", "support")

    out = capsys.readouterr().out
    device = TOTPDevice.objects.get(user=support_user)
    assert device.confirmed
    assert device.config_url in out
    assert "otpauth://totp/Holdfast%3Asupport?secret=" in out
    assert "issuer=Holdfast" in out
    assert "█" in out  # the QR code, as text
    assert "sign in at /admin/" in out


def test_the_command_refuses_maintainers_and_a_second_device(owner, support_user):
    with pytest.raises(CommandError, match="owner is not staff"):
        call_command("staff_totp", "owner")
    with pytest.raises(CommandError, match="No account"):
        call_command("staff_totp", "nobody")

    call_command("staff_totp", "support")
    first = TOTPDevice.objects.get(user=support_user)
    with pytest.raises(CommandError, match=r"already has an authenticator\. Use --replace"):
        call_command("staff_totp", "support")

    call_command("staff_totp", "support", "--replace")
    [second] = TOTPDevice.objects.filter(user=support_user)
    assert second.pk != first.pk
    assert second.key != first.key


def test_a_code_from_the_printed_secret_signs_in(client, two_factor_on, capsys):
    with_password(UserFactory(username="newstaff", is_staff=True))
    call_command("staff_totp", "newstaff")
    secret = re.search(r"^Secret: ([A-Z2-7=]+)$", capsys.readouterr().out, re.M).group(1)

    app_code = f"{totp(base64.b32decode(secret)):06d}"  # what the authenticator app shows

    assert admin_sign_in(client, "newstaff", otp=app_code).status_code == 302
    assert client.get(reverse("admin:index")).status_code == 200
