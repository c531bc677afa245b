"""Everything the wrapper's and the launchers' interpreters import from, root's alone.

The interpreters are asked with `-I -S` (no .pth file runs while looking for writable ones);
every folder they could import from (sys.path, their site-packages with or without a venv, the
launchers' extra folders, our package) is walked with its parents: a folder others can write
is a way to run code as the helpdesk account or as the service user.
"""

from __future__ import annotations

import functools
import importlib.util
import os
from pathlib import Path

import moc_tui
from moc_tui.host.checks.base import Context, check, writable_by_others
from moc_tui.host.interpreter import Interpreter, describe
from moc_tui.host.layout import WRAPPER_PYTHON


@functools.cache
def _interpreter(python: str) -> Interpreter:
    return describe(python)


def library(ctx: Context) -> tuple[str, ...]:
    """The launchers' interpreter's site-packages (what setup-host lists in them)."""
    return _interpreter(ctx.layout.python).library


def import_roots(ctx: Context) -> list[Path]:
    if ctx.code_roots is not None:
        return list(ctx.code_roots)
    roots = {Path(moc_tui.__file__).resolve().parent}
    for python in dict.fromkeys([WRAPPER_PYTHON, ctx.layout.python]):
        roots |= {Path(entry) for entry in _interpreter(python).every_path if entry}
    roots |= {Path(entry) for entry in ctx.layout.site_dirs}
    return sorted(roots)


def walk_writable(tops: list[Path]) -> list[str]:
    found: set[str] = set()
    for top in tops:
        if not top.exists():
            continue
        for parent in [top, *top.parents]:
            problem = writable_by_others(parent)
            if problem:
                found.add(problem)
        if top.is_dir() and not top.is_symlink():
            for folder, dirs, files in os.walk(top):
                dirs[:] = [d for d in dirs if d != "__pycache__"]
                for name in [*dirs, *files]:
                    problem = writable_by_others(Path(folder) / name)
                    if problem:
                        found.add(problem)
    return sorted(found)


@check(
    "python.path",
    "nothing on the interpreters' import path (sys.path, site-packages, the launchers' "
    "folders) nor the launchers themselves is writable by anyone but root",
)
def import_path(ctx: Context) -> list[str]:
    layout = ctx.layout
    interpreters = [Path(p) for p in (WRAPPER_PYTHON, layout.python)]
    interpreters += [p.resolve() for p in interpreters]
    return walk_writable(
        [*import_roots(ctx), *interpreters, layout.wrapper, layout.backend, layout.ui]
    )


@check("python.dev-tools", "no Textual devtools or textual-serve installed")
def dev_tools(ctx: Context) -> list[str]:
    folders = [Path(d) for d in (*library(ctx), *ctx.layout.site_dirs)]
    return [
        f"{module} is installed; remove it from production (devtools/serving)"
        for module in ("textual_dev", "textual_serve")
        if importlib.util.find_spec(module) is not None
        or any((d / module).exists() for d in folders)
    ]
