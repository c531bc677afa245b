"""The per-request locks live in the core (`moc_tui.core.locks`): every mutating run takes them."""

from moc_tui.core.locks import Busy, Locks

__all__ = ["Busy", "Locks"]
