"""Plan and confirm: what exactly will happen to each chosen request, on which cloud.

Focus starts on Cancel (a stray Enter does nothing harmful); `y` confirms, `n`/Esc cancels.
Requests whose plan has problems are skipped and not sent: they are listed first, each with its
reason. The plan scrolls with the usual keys (↓ j PgDn End …) wherever the focus is.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any, ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.widgets import Button, Static

from moc_tui.tui.screens.help import Dialog
from moc_tui.tui.text import plain

VERBS = {"access": ("Provision", "provisioned"), "quota": ("Apply quotas", "changed")}
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


def plan_text(kind: str, plans: Sequence[Mapping[str, Any]], cloud: str) -> Text:
    """The whole plan as one literal Text: the skipped requests first with their reasons, then
    a heading per request with its actions below."""
    ok = [p for p in plans if p.get("ok")]
    skipped = [p for p in plans if not p.get("ok")]
    _verb, done = VERBS.get(kind, VERBS["access"])
    text = Text()
    text.append(f"{len(ok)} of {len(plans)} requests will be {done} on ", style="bold")
    text.append(plain(cloud, 60), style="bold reverse")
    if skipped:
        text.append(f"; {len(skipped)} skipped, listed first", style="bold")
    text.append("\n")
    for plan in [*skipped, *ok]:
        mark, style = ("✓", "green") if plan.get("ok") else ("✗ skipped", "red")
        text.append(f"\n{mark} row {plan.get('row')}  ", style=f"bold {style}")
        text.append(plain(plan.get("email", ""), 60), style="bold")
        text.append("  ")
        text.append(plain(plan.get("project", ""), 40))
        if not plan.get("ok"):
            reasons = [str(p) for p in plan.get("problems") or []] or ["the backend refused it"]
            text.append("\n    because: ", style="bold")
            text.append(plain("; ".join(reasons), 300), style="red")
            text.append("\n")
            continue
        text.append("\n")
        if kind == "quota":
            for change in plan.get("changes") or []:
                current = "default" if change.get("current") is None else change.get("current")
                line = (
                    f"{change.get('name')}: {current} -> {change.get('requested')}"
                    f" -> {change.get('applied')}"
                )
                text.append(f"    {plain(line, 120)}\n")
        lines = [str(line) for line in plan.get("lines") or []]
        if kind == "quota":
            lines = [line for line in lines if not line.startswith("quota ")]  # shown above
        for line in compact(lines):
            text.append(f"    {plain(line, 300)}\n")
    return text


class PlanModal(Dialog[bool]):
    """Returns True only when the operator confirms."""

    HELP_NAME = "Plan"
    HELP_EXTRA = (("Enter", "Press the focused button (Cancel at first)"),)

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("y", "confirm", "Yes, go"),
        Binding("n", "cancel", "Cancel"),
        Binding("escape", "cancel", "Cancel", show=False),
        Binding("left", "app.focus_previous", "Previous button", show=False),
        Binding("right", "app.focus_next", "Next button", show=False),
        Binding("down,j", "scroll('down')", "Scroll down", show=False),
        Binding("up,k", "scroll('up')", "Scroll up", show=False),
        Binding("pagedown", "scroll('page_down')", "Page down", show=False),
        Binding("pageup", "scroll('page_up')", "Page up", show=False),
        Binding("end,G", "scroll('end')", "End of the plan", show=False),
        Binding("home,g", "scroll('home')", "Top of the plan", show=False),
    ]

    def __init__(self, kind: str, plans: Sequence[Mapping[str, Any]], cloud: str) -> None:
        super().__init__()
        self.kind = kind
        self.plans = plans
        self.cloud = cloud
        self.runnable = sum(1 for p in plans if p.get("ok"))

    def compose(self) -> ComposeResult:
        verb, _ = VERBS.get(self.kind, VERBS["access"])
        with Vertical(id="dialog", classes="plan"):
            yield Static(Text("Plan — nothing has happened yet", style="bold"), classes="title")
            with VerticalScroll(id="plan-body"):
                yield Static(plan_text(self.kind, self.plans, self.cloud), id="plan-text")
            with Horizontal(classes="buttons"):
                yield Button(Text("Cancel (n)"), id="cancel", compact=True)
                yield Button(
                    Text(f"{verb} {self.runnable} (y)"),
                    id="confirm",
                    variant="error",
                    disabled=self.runnable == 0,
                    compact=True,
                )

    def on_mount(self) -> None:
        self.query_one("#cancel", Button).focus()

    def action_scroll(self, where: str) -> None:
        body = self.query_one("#plan-body", VerticalScroll)
        getattr(body, f"scroll_{where}")(animate=False)

    @on(Button.Pressed, "#cancel")
    def action_cancel(self) -> None:
        self.dismiss(False)

    @on(Button.Pressed, "#confirm")
    def action_confirm(self) -> None:
        self.dismiss(self.runnable > 0)
