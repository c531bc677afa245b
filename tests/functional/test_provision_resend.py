"""The resent mail: the server stored the password mail but its reply was lost.

Against the real SMTP server (its reply dropped after it stored the message), Keystone and
setpass: the rerun sends a new link under a new Message-ID, saying which message it replaces;
the first link is dead, the second works; every other mail went once.
"""

from __future__ import annotations

import asyncio
import re
from collections import Counter
from typing import Any

import pytest
from aiosmtpd.smtp import SMTP, Envelope, Session

from moc_tui.cli import main
from tests.fixtures.keystone import KeystoneAdmin
from tests.fixtures.setpass import FormUser, can_log_in
from tests.fixtures.stack import MakeStack
from tests.sample_rows import access_row
from tests.tab_names import FORM

pytestmark = pytest.mark.keystone
PASSWORD = "Choose your cloud password"


def link_in(text: str) -> str:
    found = re.search(r"http://127\.0\.0\.1:\d+/\?token=[\w-]+", text)
    assert found, text
    return found.group(0)


def test_a_lost_reply_resends_the_link_as_a_new_message_that_replaces_the_first(
    make_stack: MakeStack, keystone_admin: KeystoneAdmin, monkeypatch: pytest.MonkeyPatch
) -> None:
    stack = make_stack([])
    s = stack.suffix
    stack.store.append_rows(FORM, [access_row(email=f"rio.{s}@example.org", new_project=f"r-{s}")])
    handler: Any = stack.mail._handler
    store = handler.handle_DATA

    async def stored_then_reply_lost(server: SMTP, session: Session, envelope: Envelope) -> str:
        answer: str = await store(server, session, envelope)
        if PASSWORD.encode() in (envelope.original_content or b""):
            transport = server.transport
            assert isinstance(transport, asyncio.Transport)
            transport.abort()  # stored, and the client never hears "250"
        return answer

    monkeypatch.setattr(handler, "handle_DATA", stored_then_reply_lost)
    config = ["--config", str(stack.settings_path), "--all"]
    try:
        assert main(["provision", *config]) == 1  # the mail step failed: the row stays
        monkeypatch.undo()
        assert main(["provision", *config]) == 0
        mails = stack.mail.wait_for(4)
        subjects = Counter(str(m.message["Subject"]) for m in mails)
        assert subjects == {PASSWORD: 2, "Welcome to the cloud": 1, "Your new cloud project": 1}
        first, second = [m for m in mails if m.message["Subject"] == PASSWORD]
        first_id, second_id = str(first.message["Message-ID"]), str(second.message["Message-ID"])
        assert first_id != second_id
        assert f"replaces an earlier one (Message-ID {first_id})" in second.text
        assert "no longer works" in second.text
        ids = [str(m.message["Message-ID"]) for m in mails]
        assert len(set(ids)) == 4
        # the first link is dead, the second works
        browser = FormUser()
        dead, live = link_in(first.text), link_in(second.text)
        assert browser.open(dead).status_code == 404
        browser.open(live)
        assert browser.set_password(live, "0123", "A-new-Passw0rd").status_code == 200
        [user] = keystone_admin.client.users.list(name=f"rio.{s}@example.org", domain="default")
        assert can_log_in(keystone_admin, user.id, "A-new-Passw0rd")
    finally:
        stack.remove_cloud_objects(keystone_admin)
