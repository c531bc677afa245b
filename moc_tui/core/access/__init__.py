"""Access requests: rows of the signup form turned into validated, typed requests."""

from moc_tui.core.access.parse import ParsedAccessTab, parse_access_requests
from moc_tui.core.access.request import AccessRequest, ProjectAction

__all__ = ["AccessRequest", "ParsedAccessTab", "ProjectAction", "parse_access_requests"]
