"""Plan and confirm: what exactly will happen to each chosen request, on which cloud.

The plan is the one confirmation dialog (`confirm.py`) with a scrolling body: focus starts on
Cancel, `y` confirms, `n`/Esc cancels, the plan scrolls wherever the focus is. Requests whose
plan has problems are skipped and not sent: they are listed first, each with its reason.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import ClassVar

from rich.text import Text
from textual.binding import Binding, BindingType

from moc_tui.protocol.views import PlanView
from moc_tui.tui.kinds import RequestKind
from moc_tui.tui.screens.confirm import ScrollingConfirmModal
from moc_tui.tui.text import plain

MAIL = re.compile(r"send the (.+?)(?: mail)? to (\S+@\S+.*)")  # core's plan line of one mail


def compact(lines: list[str]) -> list[str]:
    """The plan's lines with the quota lines on one line and the mails grouped by recipient,
    so that a screen shows more than one request."""
    quotas = [
        line.removeprefix("quota ").replace(": ", " ", 1)
        for line in lines
        if line.startswith("quota ")
    ]
    mails: dict[str, list[str]] = {}
    for line in lines:
        if (mail := MAIL.fullmatch(line)) is not None:
            mails.setdefault(mail[2], []).append(mail[1])
    out: list[str] = []
    for line in lines:
        mail = MAIL.fullmatch(line)
        if line.startswith("quota "):
            grouped = "quotas: " + ", ".join(quotas)
        elif mail is not None:
            grouped = f"mail {', '.join(mails[mail[2]])} to {mail[2]}"
        else:
            grouped = line
        if grouped not in out:
            out.append(grouped)
    return out


def plan_text(kind: RequestKind, plans: Sequence[PlanView], cloud: str) -> Text:
    """The whole plan as one literal Text: the skipped requests first with their reasons, then
    a heading per request with its actions below."""
    ok = [p for p in plans if p["ok"]]
    skipped = [p for p in plans if not p["ok"]]
    text = Text()
    text.append(f"{len(ok)} of {len(plans)} requests will be {kind.done_word} on ", style="bold")
    text.append(plain(cloud, 60), style="bold reverse")
    if skipped:
        text.append(f"; {len(skipped)} skipped, listed first", style="bold")
    text.append("\n")
    for plan in [*skipped, *ok]:
        mark, style = ("✓", "green") if plan["ok"] else ("✗ skipped", "red")
        text.append(f"\n{mark} row {plan['row']}  ", style=f"bold {style}")
        text.append(plain(plan["email"], 60), style="bold")
        text.append("  ")
        text.append(plain(plan["project"], 40))
        if not plan["ok"]:
            reasons = [str(p) for p in plan["problems"]] or ["the backend refused it"]
            text.append("\n    because: ", style="bold")
            text.append(plain("; ".join(reasons), 300), style="red")
            text.append("\n")
            continue
        text.append("\n")
        for line in kind.plan_details(plan):
            text.append(f"    {plain(line, 120)}\n")
        for line in compact(kind.plan_lines(plan)):
            text.append(f"    {plain(line, 300)}\n")
    return text


class PlanModal(ScrollingConfirmModal):
    """The plan as a confirmation; returns True only when the operator confirms and at least
    one request can run."""

    HELP_NAME = "Plan"
    BODY_ID = "plan-text"

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("y", "confirm", "Yes, go"),
        Binding("end,G", "scroll('end')", "End of the plan", show=False),
        Binding("home,g", "scroll('home')", "Top of the plan", show=False),
    ]

    def __init__(self, kind: RequestKind, plans: Sequence[PlanView], cloud: str) -> None:
        self.kind = kind
        self.plans = plans
        self.cloud = cloud
        self.runnable = sum(1 for p in plans if p["ok"])
        super().__init__(
            Text("Plan — nothing has happened yet", style="bold"),
            plan_text(kind, plans, cloud),
            f"{kind.run_verb} {self.runnable}",
            allowed=self.runnable > 0,
        )
