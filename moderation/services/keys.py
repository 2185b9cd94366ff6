"""Private links: a random key goes in the link only; Holdfast stores its SHA-256."""

import hashlib
import secrets


def new_access_key():
    """Return (key, its SHA-256): the key goes in the private link only."""
    key = secrets.token_urlsafe(32)
    return key, hash_key(key)


def hash_key(key):
    return hashlib.sha256(key.encode()).hexdigest()
