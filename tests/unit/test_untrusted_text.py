"""Hostile form values (security.md §7): shown literally as escapes, refused as identifiers."""

from __future__ import annotations

import pytest

from moc_tui.core.identifiers import email_problems, pin_problems, project_name_problems
from moc_tui.core.text import hidden_characters, looks_like_formula, trim, visible


@pytest.mark.parametrize(
    ("raw", "shown"),
    [
        ("Eve\x1b]2;PWNED\x07", "Eve\\x1b]2;PWNED\\x07"),
        ("Eve\x1b]52;c;Y3VybA==\x07", "Eve\\x1b]52;c;Y3VybA==\\x07"),
        ("\x1b[2J\x1b[H", "\\x1b[2J\\x1b[H"),
        ("\x9b31mC1", "\\x9b31mC1"),
        ("Bob\u202egnp.exe", "Bob\\u202egnp.exe"),
        ("adm\u200bin", "adm\\u200bin"),
        ("\ufeffEve", "\\ufeffEve"),
        ("Eve\nApproved: yes", "Eve\\x0aApproved: yes"),
        ("Eve\rMallory", "Eve\\x0dMallory"),
        ("Eve\x00", "Eve\\x00"),
        ("\ud800", "\\ud800"),
        ("[@click=app.quit]Alice[/]", "[@click=app.quit]Alice[/]"),
        ("測試 👩\u200d👩\u200d👧", "測試 👩\\u200d👩\\u200d👧"),
        ("Z\u0335a\u0338lgo", "Z\u0335a\u0338lgo"),
    ],
)
def test_visible_escapes_every_control_bidi_and_zero_width_character(raw: str, shown: str) -> None:
    assert visible(raw) == shown
    assert "\x1b" not in visible(raw) and "\x9b" not in visible(raw)


def test_visible_cuts_long_values_and_says_how_much() -> None:
    assert visible("x" * 50_000, limit=10) == "xxxxxxxxxx… (+49990 characters)"


def test_trim_removes_nbsp_and_hidden_characters_are_listed_once() -> None:
    assert trim("\u00a0 alice@example.org \u00a0") == "alice@example.org"
    assert hidden_characters("a\u202eb\u202ec\x00") == ["\\u202e", "\\x00"]


@pytest.mark.parametrize(
    "value",
    ['=HYPERLINK("https://evil.example/","x")', "+cmd|' /C calc'!A0", "@SUM(1)", "-2+3", "\t=1+1"],
)
def test_formulas_are_recognised(value: str) -> None:
    assert looks_like_formula(value)


@pytest.mark.parametrize(
    "email",
    [
        "victim@example.org\r\nBcc: attacker@evil.example",
        "alice@example.org\nmallory@evil.example",
        "../../var/lib/helpdesk-home/.profile@example.org",
        '"a/../../x"@example.org',
        "alice@exаmple.org",
        "alice@xn--exmple-cua.org",
        "-oProxyCommand=sh@x.y",
        "--help@x.y",
        "admin@example.org",
        "a@b",
        "@",
        "a" * 250 + "@x.org",
        '"quoted local"@x.org',
        "alice@example.org ",
        "",
    ],
)
def test_hostile_emails_are_refused(email: str) -> None:
    assert email_problems(email), email


@pytest.mark.parametrize("email", ["alice@example.org", "l.k.kamf913@bu.edu", "A_B+tag@x.co.uk"])
def test_ordinary_emails_pass(email: str) -> None:
    assert email_problems(email) == []


@pytest.mark.parametrize(
    "name",
    [
        "admin",
        "service",
        " Admin",
        "ADMIN",
        "аdmin",
        "../etc",
        "a/b",
        ".",
        "p" * 65,
        "proj;id",
        "$(id)",
        "`id`",
        "-c",
        "--config=/tmp/evil.ini",
        "ﬁnance",
        "proj\x00",
        "proj\n",
        "",
    ],
)
def test_hostile_new_project_names_are_refused(name: str) -> None:
    assert project_name_problems(name, new=True), name


def test_joining_allows_existing_names_but_not_reserved_or_hidden() -> None:
    assert project_name_problems("Mix & Match", new=False) == []
    assert project_name_problems("Mix & Match", new=True)
    assert project_name_problems("ADMIN", new=False) == [
        "project name 'ADMIN' is reserved for the cloud itself"
    ]
    assert project_name_problems("p" * 65, new=False) == [
        "project name is 65 characters; Keystone allows 64"
    ]


@pytest.mark.parametrize(
    "pin",
    [
        "1234\n",
        "١٢٣٤",
        "１２３４",
        "12345",
        "123",
        " 1234",
        "+123",
        "-123",
        "0x1F",
        "1e3",
        "12 34",
        "",
    ],
)
def test_hostile_pins_are_refused(pin: str) -> None:
    assert pin_problems(pin)


def test_a_plain_pin_passes() -> None:
    assert pin_problems("0123") == []


def test_every_hidden_character_is_one_isprintable_rejects() -> None:
    """`visible` skips its per-character pass for printable strings: that is only right while no
    hidden character is printable, in the Unicode database this Python ships."""
    from moc_tui.core.text import is_hidden

    assert [hex(c) for c in range(0x110000) if is_hidden(chr(c)) and chr(c).isprintable()] == []
