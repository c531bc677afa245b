"""One quota change request: which project, which quotas to what, and the problems found."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class QuotaRequest:
    """A pending row of the quota sheet. `requested` holds only the quotas asked to change,
    in the services' units (RAM in MB although the form asks for GB)."""

    row: int
    cells: tuple[str, ...] = field(repr=False)
    timestamp: str
    email: str
    first_name: str
    last_name: str
    project: str
    requested: dict[str, int]
    comment: str
    problems: tuple[str, ...]

    @property
    def ok(self) -> bool:
        return not self.problems

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()
