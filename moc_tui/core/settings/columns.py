"""Which sheet column holds which field, found by header name (never by position).

The defaults are the headers of the MOC signup and quota forms; a deployment whose form words a
question differently maps the field to its header in `[access_columns]` / `[quota_columns]`.
"""

from __future__ import annotations

from moc_tui.core.access.hold import DEFAULT_NOTE_HEADER, NOTE_FIELD

ACCESS_COLUMNS: dict[str, str] = {
    "approved": "Approved",
    "notified": "Helpdesk Notified",
    "reminder_sent": "Reminder Sent",
    "timestamp": "Timestamp",
    "email": "Email Address",
    "first_name": "First Name",
    "last_name": "Last Name",
    "has_account": "Do you already have an account on the MOC?",
    "organization": "Institution or Organization",
    "role": "Role",
    "phone": "Phone",
    "sponsor": "Sponsor or MOC Contact",
    "pin": "PIN",
    "comment": "Comment",
    "project_choice": "New or existing project?",
    "new_project": "New Project Name",
    "description": "Project Description",
    "extra_users": "Additional Users",
    "existing_project": "Existing Project Name",
    "project_contact": "Project Contact Name",
    "project_contact_email": "Project Contact Email",
}

# optional: the access tab's note column, where a hold or denial is written (`core.access.hold`);
# a tab without it simply has no holds, so it is not among the required columns above
ACCESS_NOTE_COLUMN: dict[str, str] = {NOTE_FIELD: DEFAULT_NOTE_HEADER}

QUOTA_COLUMNS: dict[str, str] = {
    "approved": "Approved",
    "notified": "Helpdesk Notified",
    "reminder_sent": "Reminder Sent",
    "timestamp": "Timestamp",
    "email": "Email Address",
    "first_name": "First Name",
    "last_name": "Last Name",
    "organization": "Institution or Organization",
    "project": "Project Name",
    "duration": "Temporary or Permanent",
    "end_date": "End Date",
    "instances": "Instances",
    "cores": "Cores",
    "ram": "RAM (GB)",
    "floatingip": "Floating IPs",
    "network": "Networks",
    "port": "Ports",
    "volumes": "Volumes",
    "snapshots": "Snapshots",
    "gigabytes": "Volume Storage (GB)",
    "comments": "Comments",
    "moc_notes": "MOC Notes",
}
