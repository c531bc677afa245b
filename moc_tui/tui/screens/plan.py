"""Plan and confirm: what exactly will happen to each chosen request, on which cloud.

Focus starts on Cancel (a stray Enter does nothing harmful); `y` confirms, `n`/Esc cancels.
Requests whose plan has problems are listed as skipped and are not sent.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Button, Static

from moc_tui.tui.text import plain

VERBS = {"access": ("Provision", "provisioned"), "quota": ("Apply quotas", "changed")}


def plan_text(kind: str, plans: Sequence[Mapping[str, Any]], cloud: str) -> Text:
    """The whole plan as one literal Text: a heading per request, its actions below."""
    ok = [p for p in plans if p.get("ok")]
    _verb, done = VERBS.get(kind, VERBS["access"])
    text = Text()
    text.append(f"{len(ok)} of {len(plans)} requests will be {done} on ", style="bold")
    text.append(plain(cloud, 60), style="bold reverse")
    text.append("\n")
    for plan in plans:
        mark, style = ("✓", "green") if plan.get("ok") else ("✗ skipped", "red")
        text.append(f"\n{mark} row {plan.get('row')}  ", style=f"bold {style}")
        text.append(plain(plan.get("email", ""), 60), style="bold")
        text.append("  ")
        text.append(plain(plan.get("project", ""), 40))
        text.append("\n")
        if kind == "quota":
            for change in plan.get("changes") or []:
                current = "default" if change.get("current") is None else change.get("current")
                line = (
                    f"{change.get('name')}: {current} -> {change.get('requested')}"
                    f" -> {change.get('applied')}"
                )
                text.append(f"    {plain(line, 120)}\n")
        for line in plan.get("lines") or []:
            if kind == "quota" and str(line).startswith("quota "):
                continue  # already shown as current -> requested -> applied
            text.append(f"    {plain(line, 300)}\n")
    return text


class PlanModal(ModalScreen[bool]):
    """Returns True only when the operator confirms."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("y", "confirm", "Yes, go"),
        Binding("n", "cancel", "No"),
        Binding("escape", "cancel", "Cancel"),
        Binding("left", "app.focus_previous", "Previous button", show=False),
        Binding("right", "app.focus_next", "Next button", show=False),
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
                yield Button(Text("Cancel (n)"), id="cancel")
                yield Button(
                    Text(f"{verb} {self.runnable} (y)"),
                    id="confirm",
                    variant="error",
                    disabled=self.runnable == 0,
                )

    def on_mount(self) -> None:
        self.query_one("#cancel", Button).focus()

    @on(Button.Pressed, "#cancel")
    def action_cancel(self) -> None:
        self.dismiss(False)

    @on(Button.Pressed, "#confirm")
    def action_confirm(self) -> None:
        self.dismiss(self.runnable > 0)
