"""The doctor's checks, one module per group; importing this package registers them all."""

from moc_tui.host.checks import accounts, files, python_path, sshd, sudo
from moc_tui.host.checks.base import Context, Result, check

__all__ = ["Context", "Result", "accounts", "check", "files", "python_path", "sshd", "sudo"]
