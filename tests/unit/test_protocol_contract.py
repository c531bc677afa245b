"""The contract's boundaries: the TUI reaches the backend only through `moc_tui.protocol`.

Checked twice: on the source (every import statement of every module, also inside functions,
against an allow-list) and in a fresh interpreter (what importing every module really loads,
package `__init__`s included). The unprivileged TUI must not load the privileged backend nor
the core's settings, cloud or sheet code; the protocol loads neither the backend, the TUI nor
Textual.
"""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from pathlib import Path

import moc_tui

PACKAGE = Path(moc_tui.__file__).resolve().parent
# the pure helpers of the core the TUI may use: text and identifier rules, the access rules
PURE_CORE = (
    "moc_tui.core.text",
    "moc_tui.core.identifiers",
    "moc_tui.core.access.personal",
    "moc_tui.core.access.parse",
    "moc_tui.core.access.request",
    "moc_tui.core.access.problems",
    "moc_tui.core.step_names",
)
TUI_MAY_IMPORT = ("moc_tui.protocol", "moc_tui.tui", *PURE_CORE)
NEVER_IN_TUI = (
    "moc_tui.backend",
    "moc_tui.core.settings",
    "moc_tui.core.cloud",
    "moc_tui.core.sheets",
    "moc_tui.core.services",
    "moc_tui.devstack",
)
PROTOCOL_MAY_IMPORT = ("moc_tui.protocol", "moc_tui.core.identifiers")
NEVER_IN_PROTOCOL = ("moc_tui.backend", "moc_tui.tui", "textual", "moc_tui.core.settings")


def _within(name: str, prefixes: tuple[str, ...]) -> bool:
    return any(name == p or name.startswith(p + ".") for p in prefixes)


def _modules(folder: str) -> dict[str, Path]:
    base = PACKAGE / folder
    found = {}
    for path in sorted(base.rglob("*.py")):
        parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        found[name] = path
    return found


def _imports(name: str, path: Path) -> list[tuple[int, str]]:
    """(line, module) of every import in the file, relative ones resolved."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    out = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            out += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.rsplit(".", node.level - 1)[0] if node.level > 1 else package
                module = f"{base}.{node.module}" if node.module else base
            else:
                module = node.module or ""
            out.append((node.lineno, module))
    return out


def _moc_imports_outside(folder: str, allowed: tuple[str, ...]) -> list[str]:
    bad = []
    for name, path in _modules(folder).items():
        for line, module in _imports(name, path):
            if module.startswith("moc_tui") and not _within(module, allowed):
                bad.append(f"{path.relative_to(PACKAGE.parent)}:{line} imports {module}")
    return bad


def _loaded_by(modules: list[str]) -> list[str]:
    """Every module importing `modules` loads, in a fresh interpreter."""
    code = (
        "import importlib, json, sys\n"
        f"for name in {modules!r}: importlib.import_module(name)\n"
        "print(json.dumps(sorted(sys.modules)))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=120
    )
    loaded: list[str] = json.loads(result.stdout)
    return loaded


def test_the_tui_imports_only_the_protocol_and_pure_core_helpers() -> None:
    modules = _modules("tui")
    assert "moc_tui.tui.screens.progress" in modules and "moc_tui.tui.__main__" in modules
    assert _moc_imports_outside("tui", TUI_MAY_IMPORT) == []


def test_the_tui_never_loads_the_backend_settings_cloud_or_sheets() -> None:
    loaded = _loaded_by(sorted(_modules("tui")))
    assert "moc_tui.tui.screens.progress" in loaded and "moc_tui.protocol.client" in loaded
    assert [m for m in loaded if _within(m, NEVER_IN_TUI)] == []


def test_the_protocol_imports_nothing_of_the_backend_the_tui_or_textual() -> None:
    modules = _modules("protocol")
    assert {"moc_tui.protocol.wire", "moc_tui.protocol.client"} <= set(modules)
    assert _moc_imports_outside("protocol", PROTOCOL_MAY_IMPORT) == []
    loaded = _loaded_by(sorted(modules))
    assert [m for m in loaded if _within(m, NEVER_IN_PROTOCOL)] == []


def test_the_check_sees_a_forbidden_import(tmp_path: Path) -> None:
    """The walk resolves relative and function-level imports (so it cannot pass vacuously)."""
    sample = tmp_path / "screen.py"
    sample.write_text(
        "from ..backend import ops\n"
        "def f():\n"
        "    import moc_tui.core.settings\n"
        "    from moc_tui.protocol import wire\n"
    )
    found = [m for _, m in _imports("moc_tui.tui.screen", sample)]
    assert found == ["moc_tui.backend", "moc_tui.core.settings", "moc_tui.protocol"]
    assert not _within("moc_tui.backend", TUI_MAY_IMPORT)
    assert _within("moc_tui.core.settings.loader", NEVER_IN_TUI)
