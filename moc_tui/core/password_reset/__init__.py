"""Password resets: setpass first, then Keystone, then the link to the address on file."""

from moc_tui.core.password_reset.reset import ResetContext, ResetResult, reset_password

__all__ = ["ResetContext", "ResetResult", "reset_password"]
