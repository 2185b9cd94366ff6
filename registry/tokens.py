"""API tokens for uploads: create (shown once), revoke, and authenticate.

A token is `hf-` followed by 40 random URL-safe characters. Only its SHA-256 is stored: the
secret has enough entropy that a fast hash is safe, and a lookup by hash needs no scan.
"""

import hashlib
import secrets

from django.db import transaction
from django.utils import timezone

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


def authenticate(secret, *, now=None):
    """Return the usable ApiToken whose secret is `secret`, or None."""
    if not secret or not secret.startswith(TOKEN_PREFIX):
        return None
    token = (
        ApiToken.objects.usable()
        .select_related("user", "project")
        .filter(key_hash=hash_token(secret))
        .first()
    )
    if token is not None:
        # A usage timestamp, deliberately outside history (excluded_fields) and without a lock.
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now or timezone.now())
    return token
