"""Static checks on moc_tui/tui (security.md §2.3 T5, §6.5): no way to run programs or open
links, no markup from strings, every notification with markup off, small modules."""

from __future__ import annotations

import ast
import re
from pathlib import Path
from urllib.parse import unquote

from moc_tui.tui.app import HelpdeskTui

TUI = Path(__file__).resolve().parents[2] / "moc_tui" / "tui"
MODULES = sorted(TUI.rglob("*.py"))
BANNED_IMPORTS = {"subprocess", "pty", "webbrowser", "os.system", "shutil"}
BANNED_NAMES = {"Markdown", "Link", "from_markup", "suspend", "system", "popen", "Popen"}
WIDGETS_WITH_CONTENT = {"Static", "Label", "Button", "update"}


def calls(tree: ast.AST) -> list[ast.Call]:
    return [node for node in ast.walk(tree) if isinstance(node, ast.Call)]


def name_of(call: ast.Call) -> str:
    func = call.func
    return func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")


def test_no_route_to_a_program_or_a_link() -> None:
    assert MODULES
    for module in MODULES:
        tree = ast.parse(module.read_text())
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                assert not {a.name for a in node.names} & BANNED_IMPORTS, module
            if isinstance(node, ast.ImportFrom):
                assert node.module not in BANNED_IMPORTS, module
                assert not {a.name for a in node.names} & BANNED_NAMES, module
            if isinstance(node, ast.Attribute):
                assert node.attr not in BANNED_NAMES, (module, node.attr)


def test_no_markup_from_strings_and_quiet_notifications() -> None:
    for module in MODULES:
        for call in calls(ast.parse(module.read_text())):
            name = name_of(call)
            if name == "notify":
                keywords = {k.arg: k.value for k in call.keywords}
                markup = keywords.get("markup")
                assert isinstance(markup, ast.Constant) and markup.value is False, (
                    f"{module}:{call.lineno}: notify without markup=False"
                )
            if name in WIDGETS_WITH_CONTENT and call.args:
                first = call.args[0]
                plain_string = isinstance(first, ast.JoinedStr) or (
                    isinstance(first, ast.Constant) and isinstance(first.value, str)
                )
                assert not plain_string, f"{module}:{call.lineno}: {name}(str) parses markup"
            assert not any(
                k.arg == "markup" and getattr(k.value, "value", None) is True for k in call.keywords
            ), f"{module}:{call.lineno}"


def test_closed_doors_and_small_modules() -> None:
    assert HelpdeskTui.ENABLE_COMMAND_PALETTE is False
    for module in MODULES:
        assert len(module.read_text().splitlines()) <= 400, module


def test_operator_guide_pictures_are_the_snapshots() -> None:
    guide = TUI.parents[1] / "docs" / "operator-guide.md"
    pattern = r"\]\((\.\./tests/[^)]+\.svg)\)"
    links = [unquote(m) for m in re.findall(pattern, guide.read_text())]
    assert len(links) >= 8
    for link in links:
        assert (guide.parent / link).is_file(), link


def test_no_screen_branches_on_the_request_kind() -> None:
    """What differs between access and quota requests is a `RequestKind` (tui/kinds.py), not
    an `if kind == "quota"` in a screen: a comparison with a kind's name fails here."""
    names = {"access", "quota"}
    for module in MODULES:
        for node in ast.walk(ast.parse(module.read_text())):
            if isinstance(node, ast.Compare):
                sides = [node.left, *node.comparators]
                words = {s.value for s in sides if isinstance(s, ast.Constant)}
                assert not words & names, f"{module}:{node.lineno}: branch on a request kind"
