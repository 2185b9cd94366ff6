"""Validation of text, project names, versions and filenames, with messages a person can act on."""

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


# Plain text ---------------------------------------------------------------------------------------
# Every piece of text that reaches the database passes `text_problem` first: forms, the upload
# endpoint (its fields and the archive's core metadata) and the URL converters. Control
# characters (Unicode category Cc: U+0000-U+001F and U+007F-U+009F) have no place in a name, a
# reason or metadata, and PostgreSQL refuses NUL outright (SQLite would store it silently); lone
# surrogates (U+D800-U+DFFF) are not characters at all and cannot be encoded.

SINGLE_LINE_FORBIDDEN = re.compile("[\x00-\x1f\x7f-\x9f\ud800-\udfff]")
# Tab and line breaks belong in multi-line text.
MULTI_LINE_FORBIDDEN = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff]")
# Core metadata quotes licence texts, and the GNU licences separate their sections with form
# feeds: a document may hold them too.
DOCUMENT_FORBIDDEN = re.compile("[\x00-\x08\x0b\x0e-\x1f\x7f-\x9f\ud800-\udfff]")
CONTROL_NAMES = {
    "\x00": "NUL",
    "\t": "tab",
    "\n": "line break",
    "\r": "carriage return",
    "\x1b": "escape",
    "\x7f": "delete",
}


def text_problem(value, *, multiline=False, document=False):
    """Return what makes `value` unfit to store as text (a phrase such as "holds a control
    character (U+0000 NUL) at position 3"), or None when it is plain text.

    Single-line text refuses every control character; `multiline` text allows tab, line feed
    and carriage return; a `document` (core metadata) also form feed. All refuse lone
    surrogates.
    """
    multiline = multiline or document
    if document:
        pattern = DOCUMENT_FORBIDDEN
    else:
        pattern = MULTI_LINE_FORBIDDEN if multiline else SINGLE_LINE_FORBIDDEN
    found = pattern.search(value)
    if found is None:
        return None
    char = found.group()
    code = f"U+{ord(char):04X}"
    if "\ud800" <= char <= "\udfff":
        what = f"an invalid character (the lone surrogate {code})"
    elif char in "\n\r":
        return f"holds a line break at position {found.start() + 1}, where one line is expected"
    else:
        name = CONTROL_NAMES.get(char)
        what = f"a control character ({code}{' ' + name if name else ''})"
    if multiline and "\n" in value[: found.start()]:
        line = value.count("\n", 0, found.start()) + 1
        column = found.start() - value.rfind("\n", 0, found.start())
        return f"holds {what} on line {line}, column {column}"
    return f"holds {what} at position {found.start() + 1}"


PLAIN_TEXT_ADVICE = (
    "Remove it and try again: only printable text is accepted (text copied from a terminal or "
    "a binary file can carry such characters)."
)


def _validate(value, *, multiline):
    problem = text_problem(value, multiline=multiline) if isinstance(value, str) else None
    if problem is not None:
        raise ValidationError(
            "This text %(problem)s. %(advice)s",
            code="control_character",
            params={"problem": problem, "advice": PLAIN_TEXT_ADVICE},
        )


def validate_text(value):
    """Raise ValidationError, saying where, if one-line `value` holds a control character
    (line breaks included) or a lone surrogate."""
    _validate(value, multiline=False)


def validate_multiline_text(value):
    """Raise ValidationError, saying where, if multi-line `value` holds a control character
    other than tab, line feed and carriage return, or a lone surrogate."""
    _validate(value, multiline=True)
