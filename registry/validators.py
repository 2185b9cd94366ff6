"""Validation of project names, versions and filenames, with messages a person can act on."""

import re

from django.core.exceptions import ValidationError
from packaging.utils import canonicalize_name, canonicalize_version
from packaging.version import InvalidVersion, Version

# The name rule of the core metadata specification (and PEP 508): ASCII letters and digits,
# with '.', '_' and '-' allowed inside, never at either end.
PROJECT_NAME_RE = re.compile(r"^([A-Z0-9]|[A-Z0-9][A-Z0-9._-]*[A-Z0-9])$", re.IGNORECASE)
PROJECT_NAME_MAX_LENGTH = 200
VERSION_MAX_LENGTH = 100


def validate_project_name(name):
    """Raise ValidationError, saying what is wrong, unless `name` is a valid project name."""
    if not name:
        raise ValidationError("A project name is required.", code="required")
    if len(name) > PROJECT_NAME_MAX_LENGTH:
        raise ValidationError(
            "A project name can be at most %(max)d characters long; this one has %(length)d.",
            code="max_length",
            params={"max": PROJECT_NAME_MAX_LENGTH, "length": len(name)},
        )
    if not PROJECT_NAME_RE.match(name):
        raise ValidationError(
            "%(name)r is not a valid project name. Use ASCII letters, digits, '.', '_' and '-' "
            "only, starting and ending with a letter or digit (for example 'my-package').",
            code="invalid",
            params={"name": name},
        )


def normalize_project_name(name):
    """Return the PEP 503 normalised form of a (valid) project name."""
    return canonicalize_name(name)


def parse_version(version):
    """Return `version` parsed as a PEP 440 Version, or raise a ValidationError that says why."""
    if not version:
        raise ValidationError("A version is required.", code="required")
    if len(version) > VERSION_MAX_LENGTH:
        raise ValidationError(
            "A version can be at most %(max)d characters long.",
            code="max_length",
            params={"max": VERSION_MAX_LENGTH},
        )
    try:
        parsed = Version(version)
    except InvalidVersion:
        raise ValidationError(
            "%(version)r is not a valid version under PEP 440 "
            "(valid examples: 1.0, 2.1.3, 1.0rc1, 0.4.dev2, 2024.1.post1).",
            code="invalid",
            params={"version": version},
        ) from None
    if parsed.local is not None:
        raise ValidationError(
            "%(version)r has a local version label (the part after '+'); a public index only "
            "accepts public versions such as %(public)r.",
            code="local_version",
            params={"version": version, "public": parsed.public},
        )
    return parsed


def validate_version(version):
    parse_version(version)


def canonical_version(version):
    """Return the canonical form used for uniqueness: `1.0` and `1.0.0` are the same release."""
    return canonicalize_version(version)
