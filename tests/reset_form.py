"""The user's side of a password reset: filing setpass's reset form, and the PIN canary.

The reset tests of the CLI, the backend and the TUI all start from a filed form; the PIN typed
into it must show up in no mail, argv, journal, log or reply, which `pin_alone` finds.
"""

from __future__ import annotations

import re

from tests.fixtures.setpass import HELPDESK, FormUser
from tests.fixtures.stack import Stack

PIN = "9731"  # the canary of security.md #39


def pin_alone(pin: str) -> re.Pattern[bytes]:
    """`pin` as a number of its own (not inside a longer run of letters or digits)."""
    return re.compile(rb"(?<![0-9A-Za-z])" + re.escape(pin.encode()) + rb"(?![0-9A-Za-z])")


PIN_ALONE = pin_alone(PIN)


def file_reset_form(stack: Stack, email: str, pin: str = PIN) -> str:
    """The user asks on setpass's form; the reference the helpdesk ticket carries (no PIN)."""
    before = len(stack.mail.received)
    browser = FormUser()
    browser.open(stack.setpass.url + "reset")
    answer = browser.submit(
        stack.setpass.url + "reset", name="Dora Explorer", email=email, confirm_email=email,
        pin=pin,
    )  # fmt: skip
    assert answer.status_code == 200, answer.text
    ticket = stack.mail.wait_for(before + 1)[-1]
    assert ticket.rcpt_tos == (HELPDESK,)
    assert not pin_alone(pin).search(ticket.message.as_bytes())  # the canary: no PIN in the ticket
    found = re.search(r"^Reset reference: ([0-9A-Z]{5}-[0-9A-Z]{5})\r?$", ticket.text, re.M)
    assert found, ticket.text
    return found.group(1)
