"""Counts in words: one helper for every page, message and email."""

import pytest

from registry.words import counted


@pytest.mark.parametrize(
    ("number", "word", "plural", "expected"),
    [
        (0, "file", None, "0 files"),
        (1, "file", None, "1 file"),
        (35, "file", None, "35 files"),
        (63000, "download", None, "63,000 downloads"),
        (1, "staged removal", None, "1 staged removal"),
        (2, "dependency", "dependencies", "2 dependencies"),
    ],
)
def test_counted(number, word, plural, expected):
    assert counted(number, word, plural) == expected
