"""Staff two-factor sign-in: a TOTP code (django-otp) after the password, when HOLDFAST_STAFF_2FA.

Who is asked: every account that can act as staff (`is_staff`, superusers, registry admins).
Maintainers and the public are never asked. Where:

- the admin's login page asks for the code (`sign_in.AdminSignInForm`);
- the maintainers' login page refuses staff accounts and sends them to the admin's;
- `StaffTwoFactorMiddleware` sends every staff session that no code verified (one opened
  before the setting was turned on, say) to the admin's login before it reaches any page, so
  no staff power (the admin, or an admin's override on the maintainers' pages) works without
  the second factor.

A staff member's authenticator is set up by `manage.py staff_totp USERNAME`, which prints the
otpauth URL and its QR code as text. django-otp slows down guessing of codes on each device
(a growing delay after each wrong code) and refuses a code twice.
"""

from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django_otp.plugins.otp_totp.models import TOTPDevice

from .facts import is_registry_admin

SETUP_COMMAND = "manage.py staff_totp {username}"
DEVICE_NAME = "Authenticator app"


def required():
    return bool(getattr(settings, "HOLDFAST_STAFF_2FA", False))


def required_for(user):
    """Whether `user` must give a one-time code to sign in (staff, while the setting is on)."""
    return bool(
        required()
        and user.is_authenticated
        and (user.is_staff or user.is_superuser or is_registry_admin(user))
    )


def is_verified(user):
    """Whether this session's sign-in was verified by a one-time code."""
    check = getattr(user, "is_verified", None)
    return bool(check and check())


def verify(user, code):
    """Return the device that accepts `code` for `user`, or raise ValidationError saying why.

    Devices are locked while checking, so one code cannot open two sessions at once; a refusal
    is raised after the transaction, which keeps django-otp's count of wrong codes.
    """
    code = "".join((code or "").split())
    with transaction.atomic():
        devices = TOTPDevice.objects.devices_for_user(user, confirmed=True).select_for_update()
        try:
            return check(user, list(devices), code)
        except ValidationError as error:
            refusal = error  # leave the block normally, so the count of wrong codes is kept
    raise refusal


def check(user, devices, code):
    """Return the device that accepts `code`, or raise ValidationError saying why."""
    if not devices:
        command = SETUP_COMMAND.format(username=user.get_username())
        raise ValidationError(
            "Staff sign in with a one-time code, and this account has no authenticator yet. "
            f"Ask a registry admin to run `{command}` on the server, scan the QR code it "
            "prints with an authenticator app, then sign in with the app's code.",
            code="no_device",
        )
    if not code:
        raise ValidationError(
            "Enter the 6-digit one-time code from your authenticator app.", code="code_required"
        )
    locked_until = None
    for device in devices:
        allowed, extra = device.verify_is_allowed()
        if not allowed:
            locked_until = (extra or {}).get("locked_until")
            continue
        if device.verify_token(code):
            return device
    if locked_until is not None:
        raise ValidationError(
            "Too many wrong one-time codes: codes are not checked until "
            f"{locked_until:%H:%M:%S} UTC. Wait, then enter the current code.",
            code="code_locked",
        )
    raise ValidationError(
        "That one-time code is wrong or was already used. Enter the current code from your "
        "authenticator app (if it keeps failing, check the phone's clock).",
        code="code_wrong",
    )


def create_device(user, *, replace=False):
    """Give `user` a new confirmed TOTP device; with `replace`, their old ones stop working."""
    with transaction.atomic():
        existing = TOTPDevice.objects.devices_for_user(user, confirmed=None)
        if replace:
            existing.delete()
        elif existing.exists():
            raise ValueError(f"{user.get_username()} already has an authenticator.")
        return TOTPDevice.objects.create(user=user, name=DEVICE_NAME, confirmed=True)


class StaffTwoFactorMiddleware:
    """Send staff sessions that no one-time code verified to the admin's login (see above)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if required() and user is not None and not is_verified(user) and required_for(user):
            login = reverse("admin:login")
            if request.path not in {login, reverse("admin:logout"), reverse("logout")}:
                return redirect_to_login(request.get_full_path(), login)
        return self.get_response(request)
