"""The README's table of presets says what the code does: the last-release flag and sources."""

import re
from pathlib import Path

import pytest

from registry.policy import PRESETS, preset_notes

README = (Path(__file__).resolve().parent.parent / "README.md").read_text()


@pytest.mark.parametrize("preset", sorted(PRESETS))
def test_the_readme_says_how_each_preset_counts_the_last_release(preset):
    row = re.search(rf"^\s*\| `{re.escape(preset)}` \| (on|off) \|(.*)$", README, re.MULTILINE)
    assert row, f"README.md has no row for the preset {preset} in the deletion-policy table"
    expected = "on" if PRESETS[preset]["last_release_is_project"] else "off"
    assert row.group(1) == expected
    _why, sources = preset_notes(preset)
    assert sources
    for source in sources:
        assert source.url.startswith("https://")
        assert source.url in row.group(2)
