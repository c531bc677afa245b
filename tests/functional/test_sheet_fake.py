"""The Sheets fake itself, driven by plain gspread calls the stores never make.

It runs on its own server instance: these tests send parsed-input writes on purpose, to prove the
fake flags them, and the shared fake's log must stay free of them.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import gspread
import pytest
from google.auth import crypt, jwt
from gspread.exceptions import APIError

from moc_tui.core.sheets.a1 import A1Range, column_letters, column_number, parse_range
from moc_tui.core.sheets.google_client import make_client
from moc_tui.devstack.sheets_api import SHEETS_SCOPE, FakeSheetsServer
from moc_tui.devstack.sheets_auth import JWT_GRANT, TOKEN_AUDIENCE, TokenRefused
from tests.fixtures.sheets import HEADER, request_row, seed_tabs
from tests.tab_names import ACCESS_DONE, FORM


@pytest.fixture(scope="module")
def own_fake() -> Iterator[FakeSheetsServer]:
    with FakeSheetsServer() as fake:
        yield fake


@pytest.fixture(scope="module")
def client(own_fake: FakeSheetsServer) -> gspread.Client:
    return make_client(own_fake.new_service_account(), api_base=own_fake.url, timeout=5)


@pytest.fixture
def sheet(own_fake: FakeSheetsServer, client: gspread.Client) -> Any:
    return client.open_by_key(own_fake.create_spreadsheet(seed_tabs(requests=3)))


def test_gspread_worksheet_calls_work_on_the_fake(sheet: Any, own_fake: FakeSheetsServer) -> None:
    ws = sheet.worksheet(FORM)
    assert ws.get_all_values()[1] == request_row(1)
    assert ws.acell("B3").value == "user2@example.org"
    ws.update([["new", "values"]], "F2")
    ws.append_rows([["appended", "row"]], insert_data_option="INSERT_ROWS")
    ws.insert_rows([["inserted"]], row=2)
    assert ws.get_all_values()[2] == [*request_row(1), "new", "values"]
    ws.delete_rows(3)
    assert ws.get_all_values()[:3] == [HEADER, ["inserted", "", "", "", ""], request_row(2)]
    assert own_fake.values(sheet.id, FORM)[-1] == ["appended", "row"]
    assert [w.title for w in sheet.worksheets()] == [FORM, ACCESS_DONE]
    assert own_fake.flagged(sheet.id) == []


def test_parsed_and_typed_writes_are_flagged(sheet: Any, own_fake: FakeSheetsServer) -> None:
    ws = sheet.worksheet(ACCESS_DONE)
    ws.update_acell("A2", "=1+1")  # gspread sends this one USER_ENTERED, always
    ws.update([[5, True]], "B2")  # RAW, but a number and a boolean, not text
    sheet.batch_update(
        {
            "requests": [
                {
                    "updateCells": {
                        "start": {"sheetId": ws.id, "rowIndex": 2, "columnIndex": 0},
                        "fields": "userEnteredValue",
                        "rows": [{"values": [{"userEnteredValue": {"formulaValue": "=A2"}}]}],
                    }
                }
            ]
        }
    )
    kinds = [(w.row, w.col, w.value, w.kind) for _, w in own_fake.flagged(sheet.id)]
    assert kinds == [
        (2, 1, "=1+1", "USER_ENTERED"),
        (2, 2, "5", "RAW-typed"),
        (2, 3, "TRUE", "RAW-typed"),
        (3, 1, "=A2", "formulaValue"),
    ]
    assert [r.value_input_option for r in own_fake.requests(sheet.id) if r.method == "PUT"] == [
        "USER_ENTERED",
        "RAW",
    ]


def test_unknown_routes_and_requests_are_loud(
    sheet: Any, client: gspread.Client, own_fake: FakeSheetsServer
) -> None:
    base = f"https://sheets.googleapis.com/v4/spreadsheets/{sheet.id}"
    with pytest.raises(APIError) as caught:
        client.http_client.request("get", f"{base}/developerMetadata")
    assert caught.value.code == 404
    with pytest.raises(APIError) as caught:
        sheet.batch_update({"requests": [{"addChart": {}}]})
    assert caught.value.code == 400 and "unsupported request 'addChart'" in str(caught.value)
    with pytest.raises(APIError) as caught:
        sheet.values_get("'Nope'!A1")
    assert caught.value.code == 400 and "Unable to parse range" in str(caught.value)
    with pytest.raises(APIError) as caught:
        sheet.values_get(f"'{ACCESS_DONE}'!A1001")
    assert "exceeds grid limits" in str(caught.value)


def test_a_bad_sub_request_leaves_every_tab_unchanged(
    sheet: Any, own_fake: FakeSheetsServer
) -> None:
    users = sheet.worksheet(ACCESS_DONE).id
    requests = [
        {
            "appendCells": {
                "sheetId": users,
                "fields": "userEnteredValue",
                "rows": [{"values": [{"userEnteredValue": {"stringValue": "x"}}]}],
            }
        },
        {"deleteDimension": {"range": {"sheetId": 99, "dimension": "ROWS", "startIndex": 1}}},
    ]
    with pytest.raises(APIError, match="No grid with id: 99"):
        sheet.batch_update({"requests": requests})
    assert own_fake.values(sheet.id, ACCESS_DONE) == [HEADER]


def test_api_calls_need_a_valid_token(own_fake: FakeSheetsServer) -> None:
    key = own_fake.create_spreadsheet(seed_tabs())
    reply, _ = own_fake.handle("GET", f"/v4/spreadsheets/{key}", {}, b"")
    assert (reply.status, reply.body["error"]["status"]) == (401, "UNAUTHENTICATED")
    reply, _ = own_fake.handle("GET", f"/v4/spreadsheets/{key}", {"authorization": "Bearer x"}, b"")
    assert reply.status == 401
    reply, _ = own_fake.handle("POST", "/token", {}, b"grant_type=password")
    assert reply.body == {
        "error": "unsupported_grant_type",
        "error_description": "Invalid grant_type.",
    }


@pytest.mark.parametrize(
    ("text", "parsed"),
    [
        ("'Form Responses 1'", A1Range("Form Responses 1")),
        ("'It''s'!F2", A1Range("It's", 2, 6, 2, 6)),
        ("'T'!A1:C3", A1Range("T", 1, 1, 3, 3)),
        ("'T'!5:7", A1Range("T", 5, None, 7, None)),
        ("'T'!A:C", A1Range("T", None, 1, None, 3)),
        ("'T'!B2:D", A1Range("T", 2, 2, None, 4)),
        ("Sheet1!AA10", A1Range("Sheet1", 10, 27, 10, 27)),
        ("'Has!Bang'!A1", A1Range("Has!Bang", 1, 1, 1, 1)),
    ],
)
def test_a1_notation(text: str, parsed: A1Range) -> None:
    assert parse_range(text) == parsed


def test_column_letters_round_trip() -> None:
    for number in (1, 26, 27, 52, 53, 702, 703, 18278):
        assert column_number(column_letters(number)) == number
    assert column_letters(28) == "AB"


def test_the_token_endpoint_checks_signature_claims_and_scope(own_fake: FakeSheetsServer) -> None:
    info = own_fake.new_service_account("claims@moc-demo.iam.gserviceaccount.com")
    signer = crypt.RSASigner.from_service_account_info(info)  # type: ignore[no-untyped-call]
    now = int(time.time())
    good = {
        "iss": info["client_email"],
        "aud": TOKEN_AUDIENCE,
        "scope": SHEETS_SCOPE,
        "iat": now,
        "exp": now + 3600,
    }

    def ask(claims: dict[str, Any]) -> dict[str, Any]:
        assertion = jwt.encode(signer, claims).decode("ascii")  # type: ignore[no-untyped-call]
        return own_fake.tokens.exchange({"grant_type": JWT_GRANT, "assertion": assertion})

    assert ask(good)["token_type"] == "Bearer"
    for bad in (
        {"aud": own_fake.token_uri},
        {"exp": now - 10},
        {"iat": now - 7200, "exp": now + 60},
        {"scope": ""},
        {"iss": "stranger@moc-demo.iam.gserviceaccount.com"},
    ):
        with pytest.raises(TokenRefused):
            ask({**good, **bad})

    key = own_fake.create_spreadsheet(seed_tabs())
    drive_only = ask({**good, "scope": "https://www.googleapis.com/auth/drive"})["access_token"]
    headers = {"authorization": f"Bearer {drive_only}"}
    reply, _ = own_fake.handle("GET", f"/v4/spreadsheets/{key}", headers, b"")
    assert reply.status == 403
