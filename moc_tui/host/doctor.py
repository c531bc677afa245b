"""`moc-tui doctor`: compare a deployed host with the layout and list every deviation.

The checks live in `moc_tui.host.checks`, one module per group (accounts, files and
keys, sudo, sshd, the Python import path), each registered with a name and what it covers.
`run_checks` gives one result per check, the clean ones too (`doctor --json`); `doctor` gives
the deviations alone, in plain words, so the admin sees all of them at once.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path

from moc_tui.host.checks import Context, Result, check
from moc_tui.host.checks.base import DEFAULT_ADDRESSES, Runner, run_command
from moc_tui.host.layout import RELEASE, Layout


def run_checks(ctx: Context) -> list[Result]:
    """Every registered check, in order; a check that raises is reported, not fatal."""
    results = []
    for item in check.checks:
        try:
            found = item.function(ctx)
        except Exception as error:  # one broken check must not hide the others' findings
            results.append(Result(item.name, item.covers, error=f"{type(error).__name__}: {error}"))
            continue
        deviations = tuple(re.sub(r"\s+", " ", text) for text in found)
        results.append(Result(item.name, item.covers, deviations))
    return results


def doctor(
    layout: Layout,
    *,
    source: Path | None = None,
    sshd_config: Path | None = None,
    run: Runner = run_command,
    addresses: Iterable[str] = DEFAULT_ADDRESSES,
    code_roots: Iterable[Path] | None = None,
) -> list[str]:
    """Every deviation of the host from `layout`, in plain words (a failed check is one)."""
    ctx = Context(
        layout,
        source or RELEASE,
        run,
        sshd_config,
        tuple(addresses),
        None if code_roots is None else tuple(code_roots),
    )
    return [
        f"{result.name}: {result.detail}" if result.error else deviation
        for result in run_checks(ctx)
        for deviation in (result.deviations or ((result.detail,) if result.error else ()))
    ]
