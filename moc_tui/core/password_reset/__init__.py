"""Password resets: setpass first, then Keystone, then the link to the address on file."""

from moc_tui.core.password_reset.reset import (
    ResetCloud,
    ResetContext,
    ResetResult,
    ResetSetpass,
    reset_password,
)

__all__ = [
    "ResetCloud",
    "ResetContext",
    "ResetResult",
    "ResetSetpass",
    "reset_password",
]
