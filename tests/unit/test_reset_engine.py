"""Password reset orchestration with in-memory ports: order, refusals, references, crashes,
and the confirmation a rerun minutes after a finished reset needs.

The outcome that matters after any crash and rerun: Keystone holds the password setpass holds
(so the link works), setpass holds the PIN of the latest run's reference, exactly one mail went
to the address on file, its link carries the token setpass accepts now, and the reset is closed.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from moc_tui.core.journal import Journal
from moc_tui.core.password_reset import ResetContext, ResetResult, reset_password
from moc_tui.core.settings import Settings, load_settings
from moc_tui.core.workflow.events import Event, StepDone
from setpass_client import SetpassReferenceRefused
from tests.port_fakes import UnusedSetpass
from tests.provision_fakes import Crash, FakeCloud, FakeMailer
from tests.reset_form import PIN, PIN_ALONE
from tests.settings_files import write_settings

REF, OTHER_REF = "7K3QX-9W2HD", "AB12C-D34EF"  # the form's PINs: PIN and 1111
NAME, ADDRESS = "dora@example.org", "dora.home@mail.example.org"


@dataclass
class ResetSetpass(UnusedSetpass):
    """Like the service: PUT keeps the stored password or PIN when None; one valid token."""

    records: dict[str, tuple[str, str]] = field(default_factory=dict)
    valid_token: dict[str, str] = field(default_factory=dict)
    hook: Callable[[str], None] = lambda call: None
    fail_with: Exception | None = None
    references: dict[str, str] = field(
        default_factory=lambda: {"7K3QX9W2HD": PIN, "AB12CD34EF": "1111"}
    )

    def redeem(self, user_id: str, password: str | None, reference: str) -> str:
        """The PIN the form stored under the (canonical) reference."""
        if reference not in self.references:
            raise SetpassReferenceRefused("Unknown reset reference: check it against the ticket")
        return self.register(user_id, password, self.references[reference])

    def register(self, user_id: str, password: str | None, pin: str | None) -> str:
        if self.fail_with is not None:
            raise self.fail_with
        old = self.records.get(user_id)
        if old is None and (password is None or pin is None):
            raise AssertionError("renewing a user that was never registered")
        self.records[user_id] = (
            password if password is not None else old[0],  # type: ignore[index]
            pin if pin is not None else old[1],  # type: ignore[index]
        )
        self.valid_token[user_id] = uuid.uuid4().hex
        self.hook("register")
        return self.valid_token[user_id]

    def link(self, token: str) -> str:
        return f"https://setpass.example.org/?token={token}"


@dataclass
class ResetWorld:
    settings: Settings
    cloud: FakeCloud
    setpass: ResetSetpass
    mailer: FakeMailer
    journal: Journal
    events: list[Event]
    user_id: str
    clock: list[datetime] = field(default_factory=lambda: [datetime(2026, 11, 1, 9, tzinfo=UTC)])

    def run(
        self,
        username: str = NAME,
        reference: str | None = REF,
        pin: str | None = None,
        again: bool = False,
        emit_hook: Any = None,
    ) -> ResetResult:
        def emit(event: Event) -> None:
            self.events.append(event)
            if emit_hook is not None:
                emit_hook(event)

        ctx = ResetContext(
            self.settings, self.cloud, self.setpass, self.mailer, self.journal, "op", emit,
            now=lambda: self.clock[0],
        )  # fmt: skip
        if pin is not None:
            reference = None
        return reset_password(ctx, username, reference=reference, pin=pin, again=again)

    def set_hooks(self, hook: Callable[[str], None]) -> None:
        self.cloud.hook = self.setpass.hook = self.mailer.hook = hook


def make_reset_world(tmp_path: Path) -> ResetWorld:
    settings = load_settings(write_settings(tmp_path))
    cloud = FakeCloud()
    user = cloud.create_user(NAME, ADDRESS, "Dora Explorer", "old-password").item
    admin = cloud.create_user("ops-admin@example.org", "ops@example.org", "", "x").item
    cloud.admins.add(admin.id)
    cloud.create_user("nomail@example.org", "", "", "x")
    journal = Journal(settings.state_dir / "journal.sqlite3")
    return ResetWorld(settings, cloud, ResetSetpass(), FakeMailer(), journal, [], user.id)


def outcome(world: ResetWorld) -> dict[str, Any]:
    assert len(world.mailer.sent) == 1
    return outcome_of_last(world)


def outcome_of_last(world: ResetWorld) -> dict[str, Any]:
    uid = world.user_id
    password, pin = world.setpass.records[uid]
    mail = world.mailer.sent[-1]
    token = re.search(r"token=(\w+)", mail.body)
    return {
        "keystone_matches_setpass": world.cloud.passwords[uid] == password,
        "password_changed": password != "old-password",
        "pin": pin,
        "to": mail.to,
        "cc": mail.cc,
        "link_valid": token is not None and token.group(1) == world.setpass.valid_token[uid],
        "open": world.journal.steps(f"reset-user-{uid}")["open"]["key"],
    }


EXPECTED = {
    "keystone_matches_setpass": True,
    "password_changed": True,
    "pin": PIN,
    "to": (ADDRESS,),
    "cc": (),
    "link_valid": True,
    "open": None,
}


def test_a_reset_registers_first_then_sets_then_mails_the_address_on_file(
    tmp_path: Path,
) -> None:
    world = make_reset_world(tmp_path)
    order: list[str] = []
    world.set_hooks(order.append)
    result = world.run(username="DORA@Example.org")
    assert result.ok and result.mailed_to == ADDRESS and not result.resumed
    assert outcome(world) == EXPECTED
    assert order.index("register") < order.index("set_password") < order.index("send")
    assert "Dora Explorer" in world.mailer.sent[0].body
    # a later reset is a new one: a second mail
    world.clock[0] += timedelta(minutes=15)
    second = world.run()
    assert second.ok and second.request_key != result.request_key
    assert len(world.mailer.sent) == 2
    actions = [a.action for a in world.journal.audit_trail()]
    assert actions.count("reset-password-done") == 2


def test_a_rerun_minutes_after_a_finished_reset_asks_first(tmp_path: Path) -> None:
    """A kill between "closed" and the success line: the rerun must not mail the user again."""
    world = make_reset_world(tmp_path)
    first = world.run()
    assert first.ok
    registered = dict(world.setpass.valid_token)
    world.clock[0] += timedelta(minutes=14, seconds=59)
    asked = world.run()
    assert not asked.ok and asked.needs_confirmation and asked.step == "confirm"
    assert asked.message == (
        "the password of dora@example.org was reset 14 minutes ago by op (link mailed to "
        f"{ADDRESS}); another reset mails the user again and that link stops working"
    )
    assert len(world.mailer.sent) == 1 and world.setpass.valid_token == registered
    assert world.journal.errors() == []  # a question, not a failure
    confirmed = world.run(again=True)
    assert confirmed.ok and not confirmed.resumed and len(world.mailer.sent) == 2
    assert outcome_of_last(world) == EXPECTED


def test_only_a_finished_reset_asks_a_failed_one_resumes(tmp_path: Path) -> None:
    world = make_reset_world(tmp_path)
    world.mailer.fail_with = RuntimeError("smtp down")
    assert not world.run().ok
    world.mailer.fail_with = None
    again = world.run()
    assert again.ok and again.resumed and not again.needs_confirmation


def test_a_setpass_failure_leaves_the_current_password_working(tmp_path: Path) -> None:
    world = make_reset_world(tmp_path)
    world.setpass.fail_with = RuntimeError("setpass is down")
    result = world.run()
    assert not result.ok and result.step == "setpass"
    assert world.cloud.passwords[world.user_id] == "old-password"
    assert world.mailer.sent == []
    [error] = world.journal.errors()
    assert (error.step, error.email) == ("setpass", NAME)
    assert result.request_key is None  # nothing changed: not left open
    world.setpass.fail_with = None
    again = world.run()
    assert again.ok and not again.resumed and not again.needs_confirmation
    assert outcome(world) == EXPECTED


def test_a_refused_reference_changes_nothing_and_says_why(tmp_path: Path) -> None:
    world = make_reset_world(tmp_path)
    result = world.run(reference="ZZZZZ-ZZZZZ")
    assert not result.ok and result.step == "setpass" and result.request_key is None
    assert result.message == "Unknown reset reference: check it against the ticket"
    assert world.cloud.passwords[world.user_id] == "old-password" and world.mailer.sent == []
    assert world.run().ok  # the right reference then works at once


@pytest.mark.parametrize("reference", ["", "ABC", "7K3QX-9W2HU", "7K3QX-9W2HD-1", "１２３"])
def test_a_malformed_reference_is_refused_before_any_lookup(tmp_path: Path, reference: str) -> None:
    world = make_reset_world(tmp_path)
    result = world.run(reference=reference)
    assert not result.ok and result.step == "validate"
    assert "reset reference" in result.message
    assert world.cloud.calls.count("find_user") == 0 and world.setpass.records == {}


@pytest.mark.parametrize(
    ("username", "reason"),
    [
        ("ops-admin@example.org", "is an administrator or a reserved account"),
        ("admin", "is an administrator or a reserved account"),
        ("nomail@example.org", "has no email address stored in Keystone"),
        ("ghost@example.org", "no user named 'ghost@example.org' in domain 'default'"),
    ],
)
def test_refusals_change_nothing(tmp_path: Path, username: str, reason: str) -> None:
    world = make_reset_world(tmp_path)
    world.cloud.create_user("admin", "root@example.org", "", "x")
    result = world.run(username=username)
    assert not result.ok and reason in result.message
    assert world.setpass.records == {} and "set_password" not in world.cloud.calls
    assert world.mailer.sent == []
    assert [e.step for e in world.journal.errors()] == ["user"]


HOSTILE_PINS = [
    "1234\n", "١٢٣٤", "１２３４", "12345", "123", " 1234", "1234 ", "+123", "-123", "0x1F",
    "1e3", "12 34", "",
]  # fmt: skip


@pytest.mark.parametrize("pin", HOSTILE_PINS)
def test_only_four_ascii_digits_are_a_pin(tmp_path: Path, pin: str) -> None:
    world = make_reset_world(tmp_path)
    result = world.run(pin=pin, reference=None)
    assert not result.ok and result.step == "validate"
    assert result.message == "the PIN must be exactly four digits 0-9"
    assert world.cloud.calls.count("find_user") == 0 and world.setpass.records == {}


def test_no_pin_password_token_or_link_in_the_journal(tmp_path: Path) -> None:
    world = make_reset_world(tmp_path)
    world.setpass.fail_with = RuntimeError("down")
    world.run()
    world.setpass.fail_with = None
    world.run()
    raw = world.journal.path.read_bytes()
    for wal in world.journal.path.parent.glob("*-wal"):
        raw += wal.read_bytes()
    password, _ = world.setpass.records[world.user_id]
    assert not PIN_ALONE.search(raw)
    assert password.encode() not in raw
    assert world.setpass.valid_token[world.user_id].encode() not in raw
    assert b"token=" not in raw


def boundary_count(tmp_path: Path) -> int:
    world = make_reset_world(tmp_path)
    world.run()
    return sum(isinstance(e, StepDone) and not e.resumed for e in world.events)


def crash_after_step(n: int) -> Callable[[Event], None]:
    """An event hook that dies right after the n-th step is journaled."""
    seen = [0]

    def crash(event: Event) -> None:
        if isinstance(event, StepDone) and not event.resumed:
            seen[0] += 1
            if seen[0] == n:
                raise Crash(f"after step {n}")

    return crash


def test_a_crash_at_every_step_boundary_then_a_rerun(tmp_path: Path) -> None:
    count = boundary_count(tmp_path / "count")
    assert count == 4  # setpass, password, mails_queued, mail
    for n in range(1, count + 1):
        world = make_reset_world(tmp_path / f"boundary-{n}")
        crash = crash_after_step(n)
        # the rerun's reference wins, unless the mail went out already (boundary 4)
        with pytest.raises(Crash):
            world.run(reference=OTHER_REF if n < count else REF, emit_hook=crash)
        world.journal = Journal(world.journal.path)  # a new process
        result = world.run()
        assert result.ok and result.resumed, n
        assert outcome(world) == EXPECTED, f"crash after step boundary {n}"


@pytest.mark.parametrize("call", ["register", "set_password"])
def test_a_crash_right_after_each_changing_call_with_a_new_pin_on_the_rerun(
    tmp_path: Path, call: str
) -> None:
    """The rerun resumes the open reset; the rerun's reference names the PIN that works."""
    world = make_reset_world(tmp_path)

    def crash(name: str) -> None:
        if name == call:
            raise Crash(name)

    world.set_hooks(crash)
    with pytest.raises(Crash):
        world.run(reference=OTHER_REF)
    world.set_hooks(lambda name: None)
    world.journal = Journal(world.journal.path)
    assert world.run().resumed
    assert outcome(world) == EXPECTED


def test_an_open_reset_older_than_a_day_is_replaced_not_resumed(tmp_path: Path) -> None:
    world = make_reset_world(tmp_path)
    world.mailer.fail_with = RuntimeError("smtp is down")
    clock = [datetime(2026, 11, 1, 9, 0, tzinfo=UTC)]
    first = reset_password(
        ResetContext(
            world.settings, world.cloud, world.setpass, world.mailer, world.journal, "op",
            now=lambda: clock[0],
        ),
        NAME,
        reference=REF,
    )  # fmt: skip
    assert not first.ok
    world.mailer.fail_with = None
    clock[0] += timedelta(hours=25)
    ctx = ResetContext(
        world.settings, world.cloud, world.setpass, world.mailer, world.journal, "op",
        now=lambda: clock[0],
    )  # fmt: skip
    second = reset_password(ctx, NAME, reference=REF)
    assert second.ok and not second.resumed and second.request_key != first.request_key
    assert outcome(world) == EXPECTED
    assert "reset-password-replaced" in [a.action for a in world.journal.audit_trail()]


def test_killed_right_after_closed_the_rerun_asks_instead_of_mailing_twice(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    world = make_reset_world(tmp_path)
    audit = world.journal.audit

    def dies_after_closed(operator: str, action: str, *rest: Any) -> None:
        if action == "reset-password-done":  # the journal says closed; nobody saw success
            raise Crash(action)
        audit(operator, action, *rest)

    monkeypatch.setattr(world.journal, "audit", dies_after_closed)
    with pytest.raises(Crash):
        world.run()
    world.journal = Journal(world.journal.path)  # a new process
    world.clock[0] += timedelta(minutes=3)
    rerun = world.run()
    assert rerun.needs_confirmation and "3 minutes ago" in rerun.message
    assert len(world.mailer.sent) == 1 and outcome(world) == EXPECTED
