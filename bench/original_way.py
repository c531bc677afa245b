"""What the original addusers did in one run, replayed with today's libraries (the baseline).

    python -m bench.original_way --config SETTINGS

Per run (anchors-moc.md §1.4-1.6): one read of the form tab; one listing of every user and one
of every project (Keystone cuts each at 1,000 entries without an error); the member role. Per
request: create the project (unless the name is listed), create the user (unless listed), grant
the role, register with setpass, and mail: welcome and password to a new user, the new-project
mail for a new project, each over its own SMTP connection with STARTTLS. Then one append of the
done rows, one metadata read and one batch delete of them.

Faithful in its failures too: a request whose user or project lies beyond the listing's cut
looks new, so the create is refused (409) and the run aborts before the sheet is touched, like
the original (only its four exception types were caught); a join of a project beyond the cut
is reported as "No Project found". Exit status 1 on either.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from keystoneclient.v3 import client as ks_client

from moc_tui.core.cloud.session import make_session
from moc_tui.core.mail import Mailer, OutgoingMail
from moc_tui.core.secrets_gen import random_password
from moc_tui.core.settings import load_settings
from moc_tui.core.settings.columns import ACCESS_COLUMNS
from moc_tui.core.sheets import open_store
from moc_tui.core.sheets.google import GoogleSheetStore
from setpass_client import SetpassClient

FORM, DONE = "Form Responses 1", "Current Users"


def run(config: Path) -> int:
    settings = load_settings(config)
    session = make_session(settings.auth)
    client: Any = ks_client.Client(session=session, interface="public")
    mailer = Mailer(settings.smtp)  # no connection() block: one connection per message
    setpass = SetpassClient(session, settings.setpass_url)
    store = open_store(settings.access_sheet)
    form = store.read_tabs([FORM])[FORM]
    col = {key: form[0].index(title) for key, title in ACCESS_COLUMNS.items()}
    users = {u.name.lower(): u for u in client.users.list(domain="default")}
    projects = {p.name.lower(): p for p in client.projects.list(domain="default")}
    role = client.roles.list(name="member")[0]
    done_rows: list[Sequence[str]] = []
    done_numbers: list[int] = []
    errors: list[tuple[int, str]] = []

    def mail(to: str, subject: str, body: str) -> None:
        mailer.send(OutgoingMail("bench@example.org", (to,), (), subject, body, False))

    for number, row in enumerate(form[1:], start=2):
        cells = [*row, *[""] * (len(col) - len(row))]
        email = cells[col["email"]].strip().lower()
        new_name, join = cells[col["new_project"]].strip(), cells[col["existing_project"]].strip()
        if new_name:
            if new_name.lower() in projects:
                errors.append((number, f"Project exists with the name: {new_name}"))
                continue
            project = client.projects.create(
                name=new_name, domain="default", description="bench", enabled=True
            )
            projects[new_name.lower()] = project
            mail(email, "Your new project", f"project {new_name}")
        else:
            found = projects.get(join.lower())
            if found is None:
                errors.append((number, f"No Project found in Keystone with name: {join}"))
                continue
            project = found
        user = users.get(email)
        if user is None:
            password = random_password()
            user = client.users.create(
                name=email, domain="default", email=email, password=password, description="B U"
            )
            client.roles.grant(role, user=user, project=project)
            token = setpass.register(user.id, password, cells[col["pin"]])
            mail(email, "Welcome", "welcome")
            mail(email, "Your password", setpass.link(token))
        else:
            client.roles.grant(role, user=user, project=project)  # existing: grant, no mail
        done_rows.append(row)
        done_numbers.append(number)
    store.append_rows(DONE, done_rows)
    if isinstance(store, GoogleSheetStore):
        store.refresh_tabs()  # the metadata read the original's batch delete started with
    store.delete_rows(FORM, done_numbers)
    for number, message in errors:
        print(f"ROW {number}: ERROR {message}")
    return 1 if errors else 0


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--config", type=Path, required=True)
    args = parser.parse_args(argv)
    try:
        return run(args.config)
    except Exception as error:  # the original caught four exception types; anything else aborts
        print(f"CRASH (sheet untouched): {type(error).__name__}: {error}")
        return 1


if __name__ == "__main__":
    sys.exit(main())
