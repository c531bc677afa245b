"""Hostile form values (security.md §7 #1-38) through a real provisioning run: identifiers are
refused with a reason; free text is kept literally, in Keystone, in the mails and in the sheet,
and never reaches a shell, a file path, a mail header or a formula."""

from __future__ import annotations

from pathlib import Path

import pytest

from moc_tui.cli import main
from moc_tui.devstack.sheets_api import FakeSheetsServer
from tests.fixtures.keystone import KeystoneAdmin
from tests.fixtures.stack import MakeStack
from tests.hostile_values import (
    LITERAL_TEXT,
    LONG_TEXT,
    REFUSED_EMAILS,
    REFUSED_NAMES,
    REFUSED_PINS,
    REFUSED_PROJECTS,
)
from tests.sample_rows import access_row
from tests.tab_names import ACCESS_DONE, FORM

pytestmark = pytest.mark.keystone


def test_hostile_rows(
    make_stack: MakeStack,
    keystone_admin: KeystoneAdmin,
    sheets_fake: FakeSheetsServer,
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
) -> None:
    stack = make_stack([])
    s = stack.suffix
    marker = Path(f"/tmp/PWNED-{s}")
    rows = []
    for n, text in enumerate(LITERAL_TEXT):
        rows.append(
            access_row(
                email=f"lit{n}.{s}@example.org",
                first_name=text,
                organization=LONG_TEXT[n % len(LONG_TEXT)],
                comment=f"{text} $(touch {marker})",
                description=text,
                new_project=f"lit{n}-{s}",
                timestamp=f"lit-{n}",
            )
        )
    refused = (
        [
            access_row(email=e, timestamp=f"e{n}", new_project=f"e{n}-{s}")
            for n, e in enumerate(REFUSED_EMAILS)
        ]
        + [
            access_row(email=f"p{n}.{s}@example.org", new_project=p, timestamp=f"p{n}")
            for n, p in enumerate(REFUSED_PROJECTS)
        ]
        + [
            access_row(
                email=f"pin{n}.{s}@example.org",
                pin=p,
                new_project=f"pin{n}-{s}",
                timestamp=f"pin{n}",
            )
            for n, p in enumerate(REFUSED_PINS)
        ]
        + [
            access_row(
                email=f"nm{n}.{s}@example.org",
                last_name=x,
                new_project=f"nm{n}-{s}",
                timestamp=f"nm{n}",
            )
            for n, x in enumerate(REFUSED_NAMES)
        ]
    )
    stack.store.append_rows(FORM, rows + refused)

    assert main(["provision", "--config", str(stack.settings_path), "--all"]) == 1
    out = capsys.readouterr().out
    tabs = stack.tabs()
    # every refused row stays, with a reason in the summary; no control character is printed
    assert len(tabs[FORM]) == 1 + len(refused)
    assert out.count("failed (checking the row)") == len(refused)
    assert "\x1b" not in out and "\u202e" not in out and "\x00" not in out
    # the literal rows moved verbatim, as text: the fake saw no parsed or formula writes
    moved = tabs[ACCESS_DONE][1:]
    assert [row[5] for row in moved] == LITERAL_TEXT
    assert [row[8] for row in moved] == [LONG_TEXT[n % 2] for n in range(len(LITERAL_TEXT))]
    assert [row[13] for row in moved] == [f"{t} $(touch {marker})" for t in LITERAL_TEXT]
    assert stack.sheet_key is not None
    assert sheets_fake.flagged(stack.sheet_key) == []
    # Keystone holds the text literally
    for n, text in enumerate(LITERAL_TEXT):
        [project] = keystone_admin.client.projects.list(name=f"lit{n}-{s}", domain="default")
        keystone_admin.cleanup(project)
        assert project.description == text
        [user] = keystone_admin.client.users.list(name=f"lit{n}.{s}@example.org", domain="default")
        keystone_admin.cleanup(user)
    # mails: headers are what we set, names appear literally in bodies
    mails = stack.mail.wait_for(3 * len(LITERAL_TEXT))
    for mail in mails:
        assert set(mail.message.keys()) == {
            "From",
            "To",
            "Subject",
            "Date",
            "Message-ID",
            "Content-Type",
            "Content-Transfer-Encoding",
            "MIME-Version",
        }
        assert "evil.example" not in str(mail.message["To"])
    welcome = [m for m in mails if m.message["Subject"] == "Welcome to the cloud"]
    bodies = {m.rcpt_tos[0]: m.text for m in welcome}
    for n, text in enumerate(LITERAL_TEXT):
        assert f"Dear {text} Liddell," in bodies[f"lit{n}.{s}@example.org"]
    # nothing ran a shell or wrote a file
    assert not marker.exists() and not Path("/tmp/PWNED").exists()
    assert not Path("/tmp/hd").exists()
    # a name that looks like the link placeholder stays literal next to the one real link
    index = LITERAL_TEXT.index("<SETPASS_TOKEN_URL>")
    [password_mail] = [
        m
        for m in mails
        if m.rcpt_tos == (f"lit{index}.{s}@example.org",)
        and m.message["Subject"] == "Choose your cloud password"
    ]
    assert "Dear <SETPASS_TOKEN_URL> Liddell," in password_mail.text
    assert password_mail.text.count("?token=") == 1


def test_lone_surrogates_in_a_row_do_not_stop_the_batch(
    make_stack: MakeStack, keystone_admin: KeystoneAdmin, capsys: pytest.CaptureFixture[str]
) -> None:
    """The Sheets API can return lone surrogates (security.md §7): a free-text cell holding one is
    provisioned and moved like any text; a name holding one is refused with a reason; the other
    rows of the batch go on either way, and the journal keeps the values."""
    stack = make_stack([])
    s = stack.suffix
    stack.store.append_rows(
        FORM,
        [
            access_row(
                email=f"sur.{s}@example.org",
                organization="Org \udfff",
                comment="lone \ud800 in a comment",
                new_project=f"sur-{s}",
                timestamp="sur-1",
            ),
            access_row(
                email=f"bad.{s}@example.org",
                first_name="Bad\udfff",
                new_project=f"bad-{s}",
                timestamp="sur-2",
            ),
            access_row(email=f"ok.{s}@example.org", new_project=f"ok-{s}", timestamp="sur-3"),
        ],
    )
    assert main(["provision", "--config", str(stack.settings_path), "--all"]) == 1
    out = capsys.readouterr().out
    assert "failed (checking the row)" in out and "first name contains invisible" in out
    tabs = stack.tabs()
    assert [r[4] for r in tabs[FORM][1:]] == [f"bad.{s}@example.org"]
    moved = {r[4]: r for r in tabs[ACCESS_DONE][1:]}
    assert set(moved) == {f"sur.{s}@example.org", f"ok.{s}@example.org"}
    assert moved[f"sur.{s}@example.org"][8] == "Org \udfff"
    assert moved[f"sur.{s}@example.org"][13] == "lone \ud800 in a comment"
    for name in (f"sur.{s}@example.org", f"ok.{s}@example.org"):
        [user] = keystone_admin.client.users.list(name=name, domain="default")
        keystone_admin.cleanup(user)
    for name in (f"sur-{s}", f"ok-{s}"):
        [project] = keystone_admin.client.projects.list(name=name, domain="default")
        keystone_admin.cleanup(project)
    assert len(stack.mail.wait_for(6)) == 6
    # a second run has nothing more to do for the moved rows and refuses the bad one again
    assert main(["provision", "--config", str(stack.settings_path), "--all"]) == 1
    assert len(stack.tabs()[ACCESS_DONE]) == 3
