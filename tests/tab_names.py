"""The sheet tabs the tests build and read, spelled once: the names the settings default to
(`moc_tui.core.settings`), as the helpdesk's Google forms and sheets name them.

Both sheets' form tab is "Form Responses 1" (Google's own name for a form's answers); the access
sheet keeps provisioned rows in "Current Users", the quota sheet in "Processed Requests".
"""

from __future__ import annotations

FORM = "Form Responses 1"
ACCESS_DONE = "Current Users"
QUOTA_DONE = "Processed Requests"
