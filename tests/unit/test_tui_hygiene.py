"""Static checks on moc_tui/tui (security.md §2.3 T5, §6.5): no way to run programs or open
links, no markup from strings, every notification with markup off, small modules."""

from __future__ import annotations

import ast
import re
from pathlib import Path
from typing import NotRequired, get_origin, get_type_hints
from urllib.parse import unquote

from moc_tui.protocol.replies import ResetParams
from moc_tui.tui.app import HelpdeskTui

TUI = Path(__file__).resolve().parents[2] / "moc_tui" / "tui"
MODULES = sorted(TUI.rglob("*.py"))
BANNED_IMPORTS = {"subprocess", "pty", "webbrowser", "os.system", "shutil"}
BANNED_NAMES = {"Markdown", "Link", "from_markup", "suspend", "system", "popen", "Popen"}
WIDGETS_WITH_CONTENT = {"Static", "Label", "Button", "update"}
# the `.get("key")` calls that stay: (module under moc_tui/tui, key) -> why
GET_ALLOWED = {
    # a class's own namespace, not a protocol view: only the bindings it declares itself
    ("screens/help.py", "BINDINGS"): "a class __dict__",
    # `ResetParams.again` is NotRequired: `.get` is how an optional key is read (asserted below)
    ("session_log.py", "again"): "a NotRequired key",
}


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


def literal_gets(module: Path) -> list[tuple[int, str]]:
    """Every `x.get("key", ...)` in `module`: (line, key)."""
    return [
        (call.lineno, call.args[0].value)
        for call in calls(ast.parse(module.read_text()))
        if isinstance(call.func, ast.Attribute)
        and call.func.attr == "get"
        and call.args
        and isinstance(call.args[0], ast.Constant)
        and isinstance(call.args[0].value, str)
    ]


def test_views_are_read_by_indexed_keys() -> None:
    """mypy does not check the key of a TypedDict's `.get("key")` (an unknown key is just
    `object`), so the TUI indexes the protocol's views: `view["row"]`, which mypy checks."""
    found = set()
    for module in MODULES:
        where = module.relative_to(TUI).as_posix()
        for line, key in literal_gets(module):
            assert (where, key) in GET_ALLOWED, f"{where}:{line}: .get({key!r}) is unchecked"
            found.add((where, key))
    assert found == set(GET_ALLOWED), "an allowed .get is gone: drop it from GET_ALLOWED"
    # (not `__optional_keys__`: under Python 3.11 a string annotation's NotRequired is missed)
    again = get_type_hints(ResetParams, include_extras=True)["again"]
    assert get_origin(again) is NotRequired


def test_the_get_check_sees_a_literal_key(tmp_path: Path) -> None:
    module = tmp_path / "m.py"
    module.write_text('a = view.get("row")\nb = view["row"]\nc = counts.get(key, 0)\n')
    assert literal_gets(module) == [(1, "row")]
