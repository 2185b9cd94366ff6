"""Set up a staff member's authenticator for two-factor sign-in (HOLDFAST_STAFF_2FA).

    manage.py staff_totp USERNAME [--replace]

Creates a TOTP device for the account and prints its otpauth:// URL, the secret for typing in by
hand, and a QR code as text. The staff member scans it with an authenticator app (any TOTP app:
Aegis, FreeOTP, Google Authenticator, 1Password, ...) and signs in at /admin/ with the app's
code. Refuses accounts that are not staff (maintainers are never asked for a code) and accounts
that already have a device, unless --replace (a lost phone): the old device stops working at
once. The output is the secret: run it where only that person sees it.
"""

import io
from base64 import b32encode

import segno
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from registry import two_factor
from registry.facts import is_registry_admin


class Command(BaseCommand):
    help = "Create a staff member's TOTP authenticator and print its QR code."

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument(
            "--replace",
            action="store_true",
            help="Replace the account's authenticator (the old one stops working).",
        )

    def handle(self, *args, username, replace, **options):
        user_model = get_user_model()
        try:
            user = user_model.objects.get_by_natural_key(username)
        except user_model.DoesNotExist:
            raise CommandError(f"No account is called {username!r}.") from None
        if not (user.is_staff or user.is_superuser or is_registry_admin(user)):
            raise CommandError(
                f"{username} is not staff: only support staff and registry admins sign in "
                "with a one-time code."
            )
        try:
            device = two_factor.create_device(user, replace=replace)
        except ValueError as error:
            raise CommandError(f"{error} Use --replace to issue a new one.") from None
        qr = io.StringIO()
        segno.make(device.config_url, error="m").terminal(out=qr, compact=True)
        secret = b32encode(device.bin_key).decode()
        self.stdout.write(
            f"Authenticator for {username} created. Scan this QR code with an authenticator "
            "app, or enter the secret by hand (TOTP, SHA-1, 6 digits, 30 seconds):\n\n"
            f"{qr.getvalue()}\n"
            f"Secret: {secret}\n"
            f"URL: {device.config_url}\n\n"
            "Then sign in at /admin/ with the password and the app's current code."
        )
