"""API tokens for uploads: create (shown once), revoke, and authenticate.

A token is `hf-` followed by 40 random URL-safe characters. Only its SHA-256 is stored: the
secret has enough entropy that a fast hash is safe, and a lookup by hash needs no scan.

Guessing is throttled per client address (HOLDFAST_TOKEN_ADDRESS_RATE, `registry.throttle`):
every attempt counts when it is made and a successful one is taken back, so only failures add
up; over the limit even a valid token is refused (429 with Retry-After) until the window ends.
A token names no account (the username is always `__token__`) and a guess is a guess at every
account's tokens at once, so the address is what limits guessing.
"""

import hashlib
import secrets
from functools import wraps

from django.db import transaction
from django.utils import timezone

from . import throttle
from .facts import is_registry_admin
from .history import record
from .models import ApiToken
from .services import RegistryError

TOKEN_PREFIX = "hf-"


def hash_token(secret):
    return hashlib.sha256(secret.encode()).hexdigest()


def create_token(*, user, description, project=None, now=None):
    """Create a token for `user` (optionally limited to `project`); return (token, secret)."""
    description = (description or "").strip()
    if not description:
        raise RegistryError(
            "Describe the token (for example 'CI on GitHub'), so you can tell it apart later.",
            code="no_description",
        )
    if project is not None and not project.roles.active().filter(user=user).exists():
        raise RegistryError(
            f"You have no role on {project.name}, so a token cannot be limited to it.",
            code="no_role",
        )
    secret = TOKEN_PREFIX + secrets.token_urlsafe(30)
    token = ApiToken(
        user=user,
        project=project,
        description=description[:100],
        prefix=secret[:10],
        key_hash=hash_token(secret),
        created_at=now or timezone.now(),
    )
    record(token, actor=user, reason=f"Token created: {token.description}").save()
    return token, secret


def revoke_token(*, token, actor, reason="Revoked by its owner", now=None):
    """Revoke `token` for good."""
    with transaction.atomic():
        token = ApiToken.objects.select_for_update().get(pk=token.pk)
        if token.user_id != actor.pk and not is_registry_admin(actor):
            raise RegistryError("You can revoke only your own tokens.", code="not_yours")
        if token.is_revoked:
            return token
        token.revoked_at = now or timezone.now()
        record(token, actor=actor, reason=reason).save(update_fields=["revoked_at"])
    return token


class TokenThrottled(Exception):
    """Too many failed token attempts from the client's address: refuse until `until`."""

    def __init__(self, throttled):
        super().__init__(throttled)
        self.throttled = throttled

    def message(self):
        over = self.throttled
        return (
            "Too many failed upload-token attempts from your address (the limit is "
            f"{over.rate.describe('failed attempt')}), so uploads from it are refused, even "
            f"with a valid token, until {over.until:%H:%M} UTC (in {over.wait()}). Check that "
            f"the token is the one Holdfast showed when you created it (it starts with "
            f"{TOKEN_PREFIX}), or create a new one on your account page."
        )


def authenticate(secret, *, request=None, now=None):
    """Return the usable ApiToken whose secret is `secret`, or None.

    With the `request`, the attempt counts against its client address; over the limit, raise
    TokenThrottled before the secret is looked at.
    """
    limit, when = None, throttle.clock()
    if request is not None:
        rate = throttle.rate_setting("HOLDFAST_TOKEN_ADDRESS_RATE")
        limit = throttle.Limit("token:address", throttle.client_address(request), rate)
        if (over := throttle.hit(limit, now=when)) is not None:
            raise TokenThrottled(over)
    if not secret or not secret.startswith(TOKEN_PREFIX):
        return None
    token = (
        ApiToken.objects.usable()
        .select_related("user", "project")
        .filter(key_hash=hash_token(secret))
        .first()
    )
    if token is not None:
        if limit is not None:
            throttle.take_back(limit, now=when)
        # A usage timestamp, deliberately outside history (excluded_fields) and without a lock.
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now or timezone.now())
    return token


def answer_throttled(view, refusal):
    """Wrap an endpoint that authenticates by token: TokenThrottled becomes
    `refusal(message, 429)` with Retry-After, which clients such as twine print."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        try:
            return view(request, *args, **kwargs)
        except TokenThrottled as error:
            response = refusal(error.message(), 429)
            response["Retry-After"] = str(error.throttled.retry_after)
            return response

    return wrapper
