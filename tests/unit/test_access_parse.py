"""Access tab rows -> requests: by header name, trimmed, every problem in plain words."""

from __future__ import annotations

from moc_tui.core.access import ParsedAccessTab, ProjectAction, parse_access_requests
from moc_tui.core.settings.columns import ACCESS_COLUMNS
from moc_tui.core.table import read_table
from tests.sample_rows import ACCESS_HEADER as HEADER
from tests.sample_rows import access_row as row
from tests.tab_names import FORM


def parse(
    *rows: list[str], aliases: dict[str, str] | None = None, header: list[str] = HEADER
) -> ParsedAccessTab:
    table = read_table(FORM, [header, *rows], ACCESS_COLUMNS, "access_columns")
    return parse_access_requests(table, aliases)


def test_a_complete_row_is_a_valid_new_project_request() -> None:
    [request] = parse(row(email=" Alice@Example.org\u00a0")).requests
    assert request.ok, request.problems
    assert (request.row, request.email, request.username) == (
        2,
        "Alice@Example.org",
        "alice@example.org",
    )
    assert (request.project, request.project_action) == ("wonderland", ProjectAction.NEW)
    assert request.full_name == "Alice Liddell"
    assert request.expects_new_user
    assert "0123" not in repr(request)


def test_only_approved_and_notified_rows_are_requests() -> None:
    parsed = parse(
        row(approved="approved "),
        row(approved="Denied", email="b@example.org"),
        row(approved="", email="c@example.org"),
        row(notified="", email="d@example.org"),
        ["", "", ""],
    )
    assert [r.row for r in parsed.requests] == [2]


def test_columns_are_found_by_header_not_position() -> None:
    shuffled = list(reversed(HEADER))
    [request] = parse(list(reversed(row())), header=shuffled).requests
    assert request.ok and request.email == "alice@example.org"


def test_a_missing_column_is_named_with_the_setting_to_change() -> None:
    header = [h if h != "PIN" else "Your PIN" for h in HEADER]
    parsed = parse(row(), header=header)
    expected = (
        f"tab {FORM!r} has no column headed 'PIN' (field pin); rename the header or "
        "set [access_columns] pin = <header>"
    )
    assert parsed.tab_problems == (expected,)
    assert expected in parsed.requests[0].problems


def test_personal_project_from_email_and_aliases_for_existing_projects() -> None:
    parsed = parse(
        row(email="l.k.kamf913@bu.edu", new_project="", project_choice="A personal project"),
        row(email="bob@example.org", new_project="", existing_project="mix & MATCH"),
        aliases={"Mix & Match": "k2k"},
    )
    personal, join = parsed.requests
    assert (personal.project, personal.project_action, personal.project_derived) == (
        "l.k.kamf913",
        ProjectAction.NEW,
        True,
    )
    assert (join.project, join.project_action) == ("k2k", ProjectAction.JOIN)
    assert personal.ok and join.ok


def test_every_problem_of_a_row_is_listed() -> None:
    [request] = parse(
        row(first_name="", pin="12345", new_project="admin", extra_users="ok@example.org, bad@")
    ).requests
    assert request.problems == (
        "first name is blank",
        "PIN must be exactly four digits 0-9",
        "project name 'admin' is reserved for the cloud itself",
        "additional user 'bad@': 'bad@' is not an email address (name@domain)",
    )


def test_existing_users_need_no_pin_and_extra_users_are_deduplicated() -> None:
    [request] = parse(
        row(has_account="Yes", pin="", extra_users="X@example.org; x@example.org alice@example.org")
    ).requests
    assert request.ok
    assert request.extra_users == ("x@example.org",)


def test_duplicates_and_shared_new_projects_are_flagged_on_the_later_row() -> None:
    parsed = parse(
        row(),
        row(email="ALICE@example.org", new_project="other"),
        row(email="carol@example.org", new_project="Wonderland"),
        row(email="dave@example.org", new_project="", project_choice="new"),
    )
    first, dup, shared, nameless = parsed.requests
    assert first.ok
    assert dup.problems == ("duplicate request: row 2 is for the same user",)
    assert shared.problems == (
        "row 2 already asks for new project 'Wonderland'; make this row join it instead",
    )
    # a new project without a name: the personal project of the email's first part (seeds)
    assert nameless.ok and (nameless.project, nameless.project_derived) == ("dave", True)


def test_a_new_row_without_a_project_name_gets_the_personal_project_whatever_the_choice() -> None:
    parsed = parse(
        row(email="kamfonik@bu.edu", new_project="", project_choice="A new project"),
        row(email="Pat+Lab@example.org", new_project="", project_choice="", timestamp="t2"),
        row(email="x%y@example.org", new_project="", timestamp="t3"),
        row(email="joe@example.org", new_project="", project_choice="An existing project"),
    )
    kamfonik, pat, odd, joiner = parsed.requests
    assert [(r.project, r.project_action, r.project_derived) for r in (kamfonik, pat, odd)] == [
        ("kamfonik", ProjectAction.NEW, True),
        ("pat-lab", ProjectAction.NEW, True),
        ("x-y", ProjectAction.NEW, True),
    ]
    assert kamfonik.ok and pat.ok and odd.ok
    assert joiner.project_action is ProjectAction.JOIN
    assert joiner.problems == ("no project to join named: type its name",)


def test_the_personal_project_name_is_always_a_valid_new_project_name() -> None:
    from moc_tui.core.access.personal import personal_project_name
    from moc_tui.core.identifiers import project_name_problems

    for email in ("a@b.org", "A.B-c_d@x.org", "+++@x.org", "é@x.org", "x" * 80 + "@y.org"):
        name = personal_project_name(email)
        assert name == "" or project_name_problems(name, new=True) == [], (email, name)
    assert personal_project_name("l.k.kamf913@bu.edu") == "l.k.kamf913"


def test_hidden_characters_in_names_are_problems() -> None:
    [request] = parse(row(first_name="Eve\x1b]2;PWNED\x07", last_name="Bob\u202e")).requests
    assert request.problems == (
        "first name contains invisible or control characters (\\x1b, \\x07)",
        "last name contains invisible or control characters (\\u202e)",
    )
