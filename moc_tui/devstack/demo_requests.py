"""Sample form answers for the demo: realistic, invented people (example.org / example.edu).

A mix an operator meets on a normal day: new users with new projects, a personal project, users
joining an existing project (one typed by its nickname, resolved by the alias table), an existing
user, rows with problems to fix (a bad PIN, a blank field), a name that looks like markup (shown
literally), a denied row and one not yet ticketed (both not pending).
"""

from __future__ import annotations

from moc_tui.core.settings.columns import ACCESS_COLUMNS, QUOTA_COLUMNS

EXISTING_PROJECT = "k2k"
EXISTING_PROJECT_ALIAS = "Mix & Match"
EXISTING_USER = "pat.lee@example.edu"


def _access(**values: str) -> list[str]:
    base = {
        "approved": "Approved",
        "notified": "20 Nov 2026 09:12:44",
        "has_account": "No",
        "role": "Graduate student",
        "sponsor": "Prof. Orlando Hart",
        "phone": "None",
        "comment": "None",
    }
    base.update(values)
    return [base.get(field, "") for field in ACCESS_COLUMNS]


ACCESS_ROWS = [
    _access(
        timestamp="11/19/2026 10:02:11",
        email="maria.gomez@example.edu",
        first_name="Maria",
        last_name="Gomez",
        organization="Example University",
        pin="4821",
        project_choice="A new project",
        new_project="genomics-lab",
        description="Sequencing pipeline experiments",
    ),
    _access(
        timestamp="11/19/2026 11:40:57",
        email="kamfonik@example.edu",
        first_name="Laura",
        last_name="Kamfonik",
        organization="Example University",
        pin="1937",
        project_choice="A personal project",
    ),
    _access(
        timestamp="11/19/2026 14:05:03",
        email="wei.zhang@example.org",
        first_name="Wei",
        last_name="Zhang",
        organization="Example Research Lab",
        pin="0042",
        project_choice="An existing project",
        existing_project=EXISTING_PROJECT_ALIAS,
    ),
    _access(
        timestamp="11/20/2026 08:31:20",
        email=EXISTING_USER,
        first_name="Pat",
        last_name="Lee",
        organization="Example University",
        has_account="Yes",
        project_choice="An existing project",
        existing_project=EXISTING_PROJECT,
    ),
    _access(
        timestamp="11/20/2026 09:15:42",
        email="sam.okafor@example.org",
        first_name="Sam",
        last_name="Okafor",
        organization="Example Institute",
        pin="12345",
        project_choice="A new project",
        new_project="climate-models",
        description="Regional climate downscaling",
    ),
    _access(
        timestamp="11/20/2026 10:48:09",
        email="ana.silva@example.edu",
        first_name="Ana",
        last_name="Silva",
        organization="",
        pin="5550",
        project_choice="A new project",
        new_project="vision-lab",
        description="Image segmentation",
    ),
    _access(
        timestamp="11/20/2026 13:22:31",
        email="eve.mallory@example.org",
        first_name="[@click=app.quit]Eve[/]",
        last_name="Mallory",
        organization="Example Consulting",
        pin="7878",
        project_choice="A new project",
        new_project="eve-tests",
        description='=HYPERLINK("https://evil.example")',
    ),
    _access(
        timestamp="11/21/2026 16:03:12",
        email="spam@example.org",
        first_name="Buy",
        last_name="Now",
        organization="Spam Inc",
        pin="1111",
        approved="Denied",
        new_project="spam",
    ),
    _access(
        timestamp="11/22/2026 07:55:00",
        email="jo.park@example.edu",
        first_name="Jo",
        last_name="Park",
        organization="Example University",
        pin="2468",
        notified="",
        new_project="park-lab",
    ),
]


def _quota(**values: str) -> list[str]:
    base = {
        "approved": "Approved",
        "notified": "21 Nov 2026 10:00:00",
        "organization": "Example University",
        "duration": "Permanent",
    }
    base.update(values)
    return [base.get(field, "") for field in QUOTA_COLUMNS]


QUOTA_ROWS = [
    _quota(
        timestamp="11/21/2026 09:30:00",
        email=EXISTING_USER,
        first_name="Pat",
        last_name="Lee",
        project=EXISTING_PROJECT,
        instances="20",
        cores="40",
        ram="80",
    ),
    _quota(
        timestamp="11/21/2026 12:10:00",
        email="no.one@example.org",
        first_name="No",
        last_name="One",
        project="no-such-project",
        volumes="20",
    ),
]

# What earlier runs left in the journal, so the not-activated list and the errors log have
# something to show: two users provisioned earlier who never chose a password (one whose
# links expired unused, one whose link was locked by wrong PINs), and the failed reminder mail
# the activation job recorded for the first.
NOT_ACTIVATED_USER = "jo.park@example.edu"
NOT_ACTIVATED_NAME = "Jo Park"
NOT_ACTIVATED_TIMESTAMP = "11/10/2026 15:20:00"  # its (moved) form row, for the journal key
NOT_ACTIVATED_REASON = "link expired unused"
# (user, full name, form timestamp, reason, reminder mails), oldest first as the list shows them
NOT_ACTIVATED_USERS = (
    (NOT_ACTIVATED_USER, NOT_ACTIVATED_NAME, NOT_ACTIVATED_TIMESTAMP, NOT_ACTIVATED_REASON, 3),
    ("sam.ortiz@example.edu", "Sam Ortiz", "11/12/2026 10:05:00", "link locked by wrong PINs", 1),
)
EARLIER_ERROR = "activation reminder for jo.park@example.edu: the mail server did not answer"
