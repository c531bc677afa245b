"""No test module imports another test module (issue 15).

What two test modules share lives in a helper module under tests/ (beside conftest.py, or in
tests/fixtures/ when it starts a service), so the unit folder never depends on the functional
one, a helper is found where its concern is, and running one test file never collects, runs or
breaks with another's. Checked on the source (the AST), so an import inside a function counts.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

TESTS = Path(__file__).resolve().parents[1]


def module_name(path: Path) -> str:
    """The dotted name pytest imports `path` under (tests/ and its folders are packages)."""
    parts = list(path.relative_to(TESTS.parent).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _is_test_module(name: str) -> bool:
    return any(part.startswith("test_") for part in name.split("."))


def imported_test_modules(source: str, module: str) -> list[str]:
    """Each import statement of `source` (the text of `module`) that names a test module."""
    package = module.rpartition(".")[0]
    found: list[str] = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - (node.level - 1)]
                base = ".".join([*anchor, base] if base else anchor)
            names = [base, *(f"{base}.{alias.name}" for alias in node.names)]
        else:
            continue
        tests = [name for name in names if _is_test_module(name)]
        if tests:
            found.append(f"{tests[0]} (line {node.lineno})")
    return found


def plugins_named(source: str) -> list[str]:
    """The module names a conftest's `pytest_plugins` lists."""
    names: list[str] = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Assign) and any(
            isinstance(target, ast.Name) and target.id == "pytest_plugins"
            for target in node.targets
        ):
            constants = [c for c in ast.walk(node.value) if isinstance(c, ast.Constant)]
            names += [c.value for c in constants if isinstance(c.value, str)]
    return names


def test_no_test_module_imports_another() -> None:
    sources = sorted(p for p in TESTS.rglob("*.py") if "__pycache__" not in p.parts)
    assert len(sources) > 100, sources  # the walk found the suite
    offenders = [
        f"{path.relative_to(TESTS.parent)}: {found}"
        for path in sources
        for found in imported_test_modules(path.read_text(encoding="utf-8"), module_name(path))
    ]
    assert offenders == [], "move what they share into a helper module:\n" + "\n".join(offenders)


def test_no_conftest_loads_a_test_module_as_a_plugin() -> None:
    conftests = sorted(TESTS.rglob("conftest.py"))
    plugins = [name for path in conftests for name in plugins_named(path.read_text())]
    assert "tests.fixtures.stack" in plugins
    assert [name for name in plugins if _is_test_module(name)] == []


@pytest.mark.parametrize(
    "source",
    [
        "from tests.functional.test_activation import Outbox",
        "from tests.unit import test_tui_hostile",
        "import tests.test_x",
        "import tests.unit.test_quota_engine as quota",
        "from .test_tui_hostile import HOSTILE",
        "from ..functional.test_backend_protocol import local_settings",
        "from test_notify import run_notify",
        "def helper():\n    from tests.unit.test_shell_keys import new_key\n",
    ],
)
def test_every_form_of_such_an_import_is_found(source: str) -> None:
    assert len(imported_test_modules(source, "tests.unit.test_here")) == 1


@pytest.mark.parametrize(
    "source",
    [
        "from tests.fixtures.tui_pilot import screen_is, wait_for",
        "from tests.hostile_values import HOSTILE",
        "import tests.sample_rows",
        "from . import sample_rows",
        "from .. import fixtures",
        "from moc_tui.tui.screens.edit import EditModal",
    ],
)
def test_helper_and_production_imports_pass(source: str) -> None:
    assert imported_test_modules(source, "tests.unit.test_here") == []
