"""The whole job with nothing but the calls it needs: the floor for the end-to-end ratio.

    python -m bench.minimal_job --config SETTINGS

One token, the member role, one read of both tabs; per request one case-insensitive lookup and
one create for the project and for the user, one grant, one setpass registration, and three mails
(welcome, password link, new project) over one SMTP connection for the run; then one move of the
done rows (its re-check read and one atomic batchUpdate). No journal, no locks, no audit, no
events, no plan: what remains when everything that makes the job safe to rerun is taken away.
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
from setpass_client import SetpassClient

FORM, DONE = "Form Responses 1", "Current Users"


def run(config: Path) -> int:
    settings = load_settings(config)
    session = make_session(settings.auth)
    client: Any = ks_client.Client(session=session, interface="public")
    mailer = Mailer(settings.smtp)
    setpass = SetpassClient(session, settings.setpass_url)
    store = open_store(settings.access_sheet)
    tabs = store.read_tabs([FORM, DONE])
    col = {key: tabs[FORM][0].index(title) for key, title in ACCESS_COLUMNS.items()}
    role = client.roles.list(name="member")[0].id
    moved: list[int] = []
    with mailer.connection():
        for number, row in enumerate(tabs[FORM][1:], start=2):
            email, name = row[col["email"]].lower(), row[col["new_project"]]
            if client.projects.list(domain="default", name__istartswith=name, name__iendswith=name):
                continue
            project = client.projects.create(name=name, domain="default", description="b")
            if client.users.list(domain="default", name__istartswith=email, name__iendswith=email):
                continue
            password = random_password()
            user = client.users.create(name=email, domain="default", email=email, password=password)
            client.roles.grant(role, user=user.id, project=project.id)
            token = setpass.register(user.id, password, row[col["pin"]])
            for subject, body in (
                ("Welcome", "welcome"),
                ("Your password", setpass.link(token)),
                ("Your project", name),
            ):
                mailer.send(OutgoingMail("bench@example.org", (email,), (), subject, body, False))
            moved.append(number)
    store.move_rows(FORM, DONE, moved, [tabs[FORM][n - 1] for n in moved])
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--config", type=Path, required=True)
    return run(parser.parse_args(argv).config)


if __name__ == "__main__":
    sys.exit(main())
