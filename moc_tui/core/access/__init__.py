"""Access requests, in one place: rows of the signup form turned into validated, typed requests
(`request`, `parse`, `problems`, `personal`), their keys (`keys`), what provisioning one will do
(`decide`, `plan`) and the run (`steps`, `engine`, `mails`, `events`). Only the request and the
parser load here."""

from moc_tui.core.access.parse import ParsedAccessTab, parse_access_requests
from moc_tui.core.access.request import AccessRequest, ProjectAction

__all__ = ["AccessRequest", "ParsedAccessTab", "ProjectAction", "parse_access_requests"]
