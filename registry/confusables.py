"""Names that look alike: the confusable key of a project name, and likely typosquats.

Pure functions over strings (no ORM, no settings): the services store and compare their results.

The confusable key follows PyPI's "ultranormalised" name (Warehouse's `ultranormalize_name`;
PyPI refuses a new project whose key equals an existing project's):

1. PEP 503 normalisation: lower-case, and every run of `-`, `_` and `.` becomes one `-`;
2. `1`, `l` and `i` become `l` (after lower-casing, a capital `I`, which looks like `l`, is an
   `i`, so every `i` folds as well: that is PyPI's rule too);
3. `0` and `o` become `o`;
4. the separators are dropped entirely.

So `Pillow`, `pi1low`, `PIL-Low` and `p.i.l.l.o.w` all give the key `plllow`; `my-pkg` and
`mypkg` share the key `mypkg`; `Foo0` and `foo-o` share `fooo`. Nothing else is folded (`rn`
and `m`, `vv` and `w` stay apart: the edit distance below catches those as possible typosquats).

Two names with the same key are confusable; two names with the same normalised name are the same
name (that is not a confusion but the name itself).
"""

from packaging.utils import canonicalize_name

_FOLD = str.maketrans({"1": "l", "i": "l", "0": "o", "-": None})

# A possible typosquat is a name within a small edit distance of a popular one. Short names
# are left alone: among names of four characters or fewer almost every one is one edit from a
# popular name, so a flag would say nothing.
TYPOSQUAT_MIN_LENGTH = 5
# From this length on, two edits still leave a name that reads as the popular one
# (`requestss-toolbelt`...), and few honest names are that close by chance.
TYPOSQUAT_LONG_NAME = 10


def confusable_key(name):
    """Return the confusable key of project name `name` (see the module's docstring).

    >>> confusable_key("Pi1low_Tools")
    'plllowtools'
    >>> confusable_key("my.pkg") == confusable_key("MyPkg")
    True
    """
    return canonicalize_name(name).translate(_FOLD)


def edit_distance(a, b, *, bound=None):
    """Return the Damerau-Levenshtein distance (optimal string alignment) between `a` and `b`:
    the fewest insertions, deletions, substitutions and swaps of two neighbouring characters
    that turn one into the other.

    With `bound`, stop as soon as the distance is known to exceed it and return `bound + 1`:
    only a band of `2 * bound + 1` diagonals is computed, so comparing a name with a thousand
    popular ones stays cheap.
    """
    if a == b:
        return 0
    if bound is not None and abs(len(a) - len(b)) > bound:
        return bound + 1
    limit = bound if bound is not None else max(len(a), len(b))
    big = limit + 1
    # rows[i][j]: distance between a[:i] and b[:j]; only the band |i - j| <= limit matters.
    previous2 = None
    previous = [j if j <= limit else big for j in range(len(b) + 1)]
    for i in range(1, len(a) + 1):
        current = [big] * (len(b) + 1)
        if i <= limit:
            current[0] = i
        low, high = max(1, i - limit), min(len(b), i + limit)
        for j in range(low, high + 1):
            cost = 0 if a[i - 1] == b[j - 1] else 1
            value = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
            if previous2 is not None and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                value = min(value, previous2[j - 2] + 1)
            current[j] = min(value, big)
        if bound is not None and min(current) > bound:
            return bound + 1
        previous2, previous = previous, current
    return min(previous[len(b)], big) if bound is not None else previous[len(b)]


def typosquat_distance(name):
    """Return how many edits away from a popular name `name` (normalised) counts as a possible
    typosquat: 0 (never) below TYPOSQUAT_MIN_LENGTH characters, 2 from TYPOSQUAT_LONG_NAME
    characters on, 1 in between."""
    if len(name) < TYPOSQUAT_MIN_LENGTH:
        return 0
    return 2 if len(name) >= TYPOSQUAT_LONG_NAME else 1


def possible_typosquats(name, *, top_names):
    """Return the names of `top_names` (normalised names of the most downloaded projects, most
    downloaded first) that `name` is a possible typosquat of, in that order.

    A popular name counts when it differs from `name` (both PEP 503 normalised) by at most
    `typosquat_distance(name)` edits (Damerau-Levenshtein: `reqeusts`, `requets`, `requestss`
    are each one edit from `requests`), and is at least TYPOSQUAT_MIN_LENGTH long. The name
    itself never counts.
    """
    normalized = canonicalize_name(name)
    bound = typosquat_distance(normalized)
    if bound == 0:
        return []
    found = []
    for popular in top_names:
        if popular == normalized or len(popular) < TYPOSQUAT_MIN_LENGTH:
            continue
        if edit_distance(normalized, popular, bound=bound) <= bound:
            found.append(popular)
    return found
