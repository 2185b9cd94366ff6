"""The code's shape, held by tests: one direction of dependency and modules of a readable size."""

import ast
from pathlib import Path

import pytest

TOP = Path(__file__).resolve().parent.parent
MAX_LINES = 600


def modules(*apps):
    for app in apps:
        for path in sorted((TOP / app).rglob("*.py")):
            if "migrations" not in path.parts:
                yield path


def imported_modules(path):
    tree = ast.parse(path.read_text(), filename=str(path))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            yield node.module


@pytest.mark.parametrize("path", list(modules("registry")), ids=lambda p: str(p.relative_to(TOP)))
def test_registry_never_imports_moderation(path):
    offending = [name for name in imported_modules(path) if name.split(".")[0] == "moderation"]

    assert offending == []


@pytest.mark.parametrize(
    "path", list(modules("registry", "moderation", "config")), ids=lambda p: str(p.relative_to(TOP))
)
def test_no_module_outside_migrations_and_tests_grows_past_600_lines(path):
    lines = len(path.read_text().splitlines())

    assert lines <= MAX_LINES, f"{path.name} has {lines} lines: split it by responsibility"
