"""How every page and message words a count: `1 file`, `35 files`, `1,200 files`."""


def counted(number: int, word: str, plural: str | None = None) -> str:
    """The number with thousands separators and the noun in the right number."""
    return f"{number:,} {word if number == 1 else (plural or word + 's')}"
