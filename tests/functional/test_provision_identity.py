"""A request is done only when its own work is done: rows whose old journal keys collide.

Against the real parts (Keystone, setpass, SMTP, the Sheets fake through gspread), through the
CLI: the dry run first, then the run, for each order of the two rows.
"""

from __future__ import annotations

import pytest

from moc_tui.cli import main
from tests.fixtures.keystone import KeystoneAdmin
from tests.fixtures.stack import MakeStack, Stack
from tests.sample_rows import access_row
from tests.tab_names import ACCESS_DONE, FORM

pytestmark = pytest.mark.keystone
EMAIL = 4


def provision(stack: Stack, capsys: pytest.CaptureFixture[str], *extra: str) -> tuple[int, str]:
    status = main(["provision", "--config", str(stack.settings_path), "--all", *extra])
    return status, capsys.readouterr().out


def project_names(stack: Stack, admin: KeystoneAdmin) -> set[str]:
    s = stack.suffix
    return {p.name for p in admin.client.projects.list(domain="default") if s in p.name}


@pytest.mark.parametrize("upper_first", [True, False])
def test_same_timestamp_emails_differing_in_case_are_two_requests(
    make_stack: MakeStack,
    keystone_admin: KeystoneAdmin,
    capsys: pytest.CaptureFixture[str],
    upper_first: bool,
) -> None:
    stack = make_stack([])
    s = stack.suffix
    upper = access_row(email=f"Pat.{s}@example.org", new_project=f"first-{s}", timestamp="t1")
    lower = access_row(email=f"pat.{s}@example.org", new_project=f"second-{s}", timestamp="t1")
    rows = [upper, lower] if upper_first else [lower, upper]
    first, second = rows[0][EMAIL], rows[1][EMAIL]
    first_project = f"first-{s}" if upper_first else f"second-{s}"
    second_project = f"second-{s}" if upper_first else f"first-{s}"
    stack.store.append_rows(FORM, rows)
    try:
        # run 1: the first row goes ahead, the second is the same user (refused, it stays)
        status, out = provision(stack, capsys, "--dry-run")
        assert status == 1 and "duplicate request: row 2" in out
        assert provision(stack, capsys)[0] == 1
        assert [r[EMAIL] for r in stack.tabs()[ACCESS_DONE][1:]] == [first]
        assert project_names(stack, keystone_admin) == {first_project}
        stack.mail.wait_for(3)
        stack.mail.clear()

        # run 2: the second row is its own request: its plan is its own, and so is its work
        status, out = provision(stack, capsys, "--dry-run")
        assert status == 0, out
        assert f"create project '{second_project}'" in out
        assert "already done" not in out
        assert "use existing user" in out
        assert provision(stack, capsys)[0] == 0
        assert [r[EMAIL] for r in stack.tabs()[ACCESS_DONE][1:]] == [first, second]
        assert stack.tabs()[FORM][1:] == []
        assert project_names(stack, keystone_admin) == {first_project, second_project}
        [user] = keystone_admin.client.users.list(name=f"pat.{s}@example.org", domain="default")
        assigned = {
            a.scope["project"]["name"]
            for a in keystone_admin.client.role_assignments.list(user=user, include_names=True)
        }
        assert assigned == {first_project, second_project}
        mails = stack.mail.wait_for(2)
        assert sorted(str(m.message["Subject"]) for m in mails) == [
            "You were added to a cloud project",
            "Your new cloud project",
        ]
    finally:
        stack.remove_cloud_objects(keystone_admin)


@pytest.mark.parametrize("copy_is_upper", [True, False])
def test_a_copy_of_a_moved_request_is_refused_never_done(
    make_stack: MakeStack,
    keystone_admin: KeystoneAdmin,
    capsys: pytest.CaptureFixture[str],
    copy_is_upper: bool,
) -> None:
    stack = make_stack([])
    s = stack.suffix
    row = access_row(email=f"quinn.{s}@example.org", new_project=f"q-{s}", timestamp="t9")
    stack.store.append_rows(FORM, [access_row(email=f"x.{s}@example.org", timestamp="t0"), row])
    stack.store.write_cells(FORM, {(2, 1): ""})  # the first row is not approved: it stays above
    try:
        assert provision(stack, capsys)[0] == 0
        stack.mail.wait_for(3)
        stack.mail.clear()
        # the same request again (as typed, or with the email in other case)
        copy = list(row)
        if copy_is_upper:
            copy[EMAIL] = copy[EMAIL].upper()
        stack.store.append_rows(FORM, [copy])
        for extra in (["--dry-run"], []):
            status, out = provision(stack, capsys, *extra)
            assert status == 1
            assert "this request was provisioned on " in out
            assert "as row 3; delete the row or change it" in out
            assert "create project" not in out
        assert [r[EMAIL] for r in stack.tabs()[ACCESS_DONE][1:]] == [f"quinn.{s}@example.org"]
        assert len(stack.tabs()[FORM]) == 3
        assert stack.mail.received == []
    finally:
        stack.remove_cloud_objects(keystone_admin)
