"""A local fake of the Google Sheets v4 REST API and OAuth token endpoint, for tests and the demo.

Driven by the real gspread + google-auth through `google_client.LoopbackAdapter`. Routes:
`POST /token` (JWT-bearer grant, signature checked), `GET .../allowedLocations` (google-auth's
background lookup), and under `/v4/spreadsheets/{id}`: `GET` (metadata), `GET /values/{range}`,
`GET /values:batchGet`, `PUT /values/{range}`, `POST /values:batchUpdate`,
`POST /values/{range}:append`, `POST :batchUpdate` (deleteDimension, insertDimension,
appendCells, updateCells, createDeveloperMetadata, deleteDeveloperMetadata; atomic) and
`POST /developerMetadata:search`. API calls need a valid Bearer token with the spreadsheets
scope (401/403 otherwise); errors use Google's JSON shape; anything unknown is a loud 400/404.

For assertions it keeps a request log (method, path, query, original host from
`X-Original-Host`, value input option, status), every committed cell write with how it was given
(`flagged()` lists the ones Google would not have stored as plain text), and fault hooks: answer
the next N matching API requests (or all) with a status, or drop the connection before or after
applying the request, or hold it, or run a test's action (a person editing the sheet) just before
applying it. The hooks live here, on the test side; product code has none.

Fidelity limits (check against a real sheet before relying on them): no formula evaluation (a
formula is stored and flagged, not computed), no number formats, locales or render options
(reads always give the stored text), no merged cells, columns or `fields` masks beyond
`userEnteredValue`; `values.append`'s table detection is approximate; Google's exact error
messages and its handling of NUL and other control characters are not reproduced (the fake stores
any text); access is per service-account email, with no Drive and no sharing API.
"""

from __future__ import annotations

import json
import re
import secrets
import socket
import sys
import threading
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

from moc_tui.core.sheets.grid import CellWrite, GridError, Row, Workbook
from moc_tui.devstack import sheets_routes as routes
from moc_tui.devstack.sheets_auth import Grant, TokenAuthority, TokenRefused, new_service_account

SHEETS_SCOPE = "https://www.googleapis.com/auth/spreadsheets"
_SHEET_PATH = re.compile(r"^/v4/spreadsheets/([A-Za-z0-9_-]+)(.*)$")
_RAB_PATH = re.compile(r"^/v1/projects/-/serviceAccounts/[^/]+/allowedLocations$")
_STATUS = {
    400: "INVALID_ARGUMENT",
    401: "UNAUTHENTICATED",
    403: "PERMISSION_DENIED",
    404: "NOT_FOUND",
    429: "RESOURCE_EXHAUSTED",
    500: "INTERNAL",
    502: "UNAVAILABLE",
    503: "UNAVAILABLE",
    504: "DEADLINE_EXCEEDED",
}


@dataclass(frozen=True)
class LoggedRequest:
    """One request as the fake saw it; `status` is 0 when the connection was dropped."""

    method: str
    path: str
    query: dict[str, list[str]]
    host: str
    value_input_option: str | None
    spreadsheet: str | None
    status: int
    body: Any = None


@dataclass
class Fault:
    """What to do to the next `times` (None: all) API requests that match.

    Answer `status`; or, with `status` None, drop the connection before or `after_apply`; or,
    with `hold` set, wait until the event is set (at most a minute) and then answer normally,
    which lets a client's timeout expire without the test sleeping.
    """

    status: int | None
    times: int | None
    spreadsheet: str | None = None
    method: str | None = None
    after_apply: bool = False
    hold: threading.Event | None = None
    path: str | None = None
    action: Callable[[], None] | None = None

    def matches(self, method: str, spreadsheet: str | None, path: str = "") -> bool:
        return (
            self.spreadsheet in (None, spreadsheet)
            and self.method in (None, method)
            and (self.path is None or path.endswith(self.path))
        )


@dataclass(frozen=True)
class Reply:
    status: int
    body: Any
    drop: bool = False


def api_error(code: int, message: str) -> Reply:
    return Reply(
        code, {"error": {"code": code, "message": message, "status": _STATUS.get(code, "UNKNOWN")}}
    )


class FakeSheets:
    """The fake's state and request handling, independent of the socket server."""

    def __init__(self) -> None:
        self.tokens = TokenAuthority()
        self.sheets: dict[str, routes.Spreadsheet] = {}
        self.log: list[LoggedRequest] = []
        self.faults: list[Fault] = []
        self.lock = threading.RLock()

    # -- set-up and inspection -----------------------------------------------------------------

    def create_spreadsheet(
        self,
        tabs: Mapping[str, Sequence[Sequence[str]]],
        *,
        title: str = "Signup requests",
        editors: Iterable[str] | None = None,
    ) -> str:
        """A new spreadsheet holding `tabs` (title -> rows); returns its key."""
        book = Workbook()
        for name, rows in tabs.items():
            book.add_tab(name, rows)
        key = secrets.token_urlsafe(33)
        allowed = None if editors is None else frozenset(editors)
        with self.lock:
            self.sheets[key] = routes.Spreadsheet(key, title, book, allowed)
        return key

    def values(self, key: str, tab: str) -> list[Row]:
        with self.lock:
            return self.sheets[key].book.tab(tab).values()

    def flagged(self, key: str | None = None) -> list[tuple[str, CellWrite]]:
        """Committed cell writes Google would not have stored as the literal text sent."""
        with self.lock:
            return [
                (k, w)
                for k, sheet in self.sheets.items()
                if key in (None, k)
                for w in sheet.writes
                if w.kind not in routes.TEXT_KINDS
            ]

    def formula_looking(self, key: str) -> list[CellWrite]:
        """Committed writes whose text would start a formula if it were typed into the UI."""
        with self.lock:
            return [w for w in self.sheets[key].writes if w.value[:1] in ("=", "+", "-", "@")]

    def requests(self, key: str | None = None) -> list[LoggedRequest]:
        with self.lock:
            return [r for r in self.log if key in (None, r.spreadsheet)]

    def fail(
        self,
        status: int,
        times: int | None = 1,
        *,
        spreadsheet: str | None = None,
        method: str | None = None,
    ) -> None:
        """Answer the next `times` API requests (None: all) that match with `status`."""
        with self.lock:
            self.faults.append(Fault(status, times, spreadsheet, method))

    def drop(
        self,
        times: int | None = 1,
        *,
        after_apply: bool = False,
        spreadsheet: str | None = None,
        method: str | None = None,
    ) -> None:
        """Close the connection without an answer, before or after applying the request."""
        with self.lock:
            self.faults.append(Fault(None, times, spreadsheet, method, after_apply=after_apply))

    def hold(
        self,
        until: threading.Event,
        times: int | None = 1,
        *,
        spreadsheet: str | None = None,
        method: str | None = None,
    ) -> None:
        """Keep matching requests waiting until `until` is set, then answer them normally."""
        with self.lock:
            self.faults.append(Fault(None, times, spreadsheet, method, hold=until))

    def before(
        self,
        action: Callable[[], None],
        times: int | None = 1,
        *,
        spreadsheet: str | None = None,
        method: str | None = None,
        path: str | None = None,
        hold: threading.Event | None = None,
    ) -> None:
        """Run `action` (e.g. a person deleting a row) just before applying matching requests.

        With `hold`, wait for it first (so a client can time out and retry meanwhile).
        """
        with self.lock:
            self.faults.append(
                Fault(None, times, spreadsheet, method, hold=hold, path=path, action=action)
            )

    def clear_faults(self) -> None:
        with self.lock:
            self.faults.clear()

    # -- handling ------------------------------------------------------------------------------

    def _take_fault(self, method: str, key: str | None, path: str) -> Fault | None:
        with self.lock:
            for fault in self.faults:
                if fault.matches(method, key, path):
                    if fault.times is not None:
                        fault.times -= 1
                        if fault.times <= 0:
                            self.faults.remove(fault)
                    return fault
        return None

    def handle(
        self, method: str, target: str, headers: Mapping[str, str], body: bytes
    ) -> tuple[Reply, LoggedRequest]:
        """Answer one request and describe it for the log (`headers` names in lower case)."""
        url = urlsplit(target)
        query = parse_qs(url.query, keep_blank_values=True)
        match = _SHEET_PATH.match(url.path)
        key = match.group(1) if match else None
        reply, option, payload = self._answer(method, url.path, query, headers, body, key)
        host = headers.get("x-original-host") or headers.get("host", "")
        status = 0 if reply.drop else reply.status
        logged = LoggedRequest(method, url.path, query, host, option, key, status, payload)
        with self.lock:
            self.log.append(logged)
        return reply, logged

    def _answer(
        self,
        method: str,
        path: str,
        query: dict[str, list[str]],
        headers: Mapping[str, str],
        body: bytes,
        key: str | None,
    ) -> tuple[Reply, str | None, Any]:
        """The reply, the value input option used and the JSON payload, for the log."""
        if path == "/token" and method == "POST":
            form = {k: v[-1] for k, v in parse_qs(body.decode("utf-8", "replace")).items()}
            try:
                return Reply(200, self.tokens.exchange(form)), None, None
            except TokenRefused as refused:
                oauth = {"error": refused.error, "error_description": refused.description}
                return Reply(400, oauth), None, None
        if _RAB_PATH.match(path) and method == "GET":
            return Reply(200, {"encodedLocations": "0x0", "locations": []}), None, None
        if key is None:
            return api_error(404, f"fake Sheets API: no route for {method} {path}"), None, None
        try:
            payload = json.loads(body) if body else None
        except ValueError:
            return api_error(400, "Invalid JSON payload received."), None, None
        options = query.get("valueInputOption") or []
        option: str | None = options[-1] if options else None
        if option is None and isinstance(payload, dict):
            option = payload.get("valueInputOption")
        fault = self._take_fault(method, key, path)
        if fault is not None and fault.hold is not None:
            fault.hold.wait(timeout=60)
            if fault.action is None:
                fault = None
        if fault is not None and fault.action is not None:
            fault.action()
            fault = None
        if fault is not None and not fault.after_apply:
            if fault.status is None:
                return Reply(0, None, drop=True), option, payload
            return api_error(fault.status, f"injected {fault.status}"), option, payload
        reply = self._sheets_call(method, path, query, headers, payload, key)
        if fault is not None:
            reply = Reply(reply.status, reply.body, drop=True)
        return reply, option, payload

    def _sheets_call(
        self,
        method: str,
        path: str,
        query: dict[str, list[str]],
        headers: Mapping[str, str],
        payload: Any,
        key: str,
    ) -> Reply:
        grant = self.tokens.check(headers.get("authorization"))
        if grant is None:
            return api_error(401, "Request had invalid authentication credentials.")
        if SHEETS_SCOPE not in grant.scopes:
            return api_error(403, "Request had insufficient authentication scopes.")
        with self.lock:
            sheet = self.sheets.get(key)
            if sheet is None:
                return api_error(404, "Requested entity was not found.")
            if not _allowed(sheet, grant):
                return api_error(403, "The caller does not have permission")
            rest = path.removeprefix(f"/v4/spreadsheets/{key}")
            try:
                return Reply(200, _route(sheet, method, rest, query, payload))
            except GridError as error:
                return api_error(error.code, error.message)
            except TypeError as error:
                return api_error(400, f"Invalid JSON payload: {error}")


def _allowed(sheet: routes.Spreadsheet, grant: Grant) -> bool:
    return sheet.editors is None or grant.email in sheet.editors


def _route(
    sheet: routes.Spreadsheet, method: str, rest: str, query: routes.Query, payload: Any
) -> dict[str, Any]:
    """Dispatch on the raw path: `:verb`s are literal, the range is percent-encoded."""
    if rest == "" and method == "GET":
        if (query.get("includeGridData") or ["false"])[-1] != "false":
            raise GridError("includeGridData=true is not supported by the fake")
        return routes.metadata(sheet)
    if rest == ":batchUpdate" and method == "POST":
        return routes.batch_update(sheet, payload)
    if rest == "/developerMetadata:search" and method == "POST":
        return routes.developer_metadata_search(sheet, payload)
    if rest == "/values:batchGet" and method == "GET":
        return routes.values_batch_get(sheet, query)
    if rest == "/values:batchUpdate" and method == "POST":
        return routes.values_batch_update(sheet, payload)
    if rest.startswith("/values/"):
        target = rest.removeprefix("/values/")
        if target.endswith(":append") and method == "POST":
            text = unquote(target.removesuffix(":append"))
            return routes.values_append(sheet, text, query, payload)
        if method == "GET":
            return routes.values_get(sheet, unquote(target), query)
        if method == "PUT":
            return routes.values_update(sheet, unquote(target), query, payload)
    message = f"fake Sheets API: no route for {method} {rest or '/'}"
    raise GridError(message, code=404, status="NOT_FOUND")


class _Handler(BaseHTTPRequestHandler):
    server: _Server

    def setup(self) -> None:
        super().setup()
        # Without this, headers and body leave in two segments and Nagle + delayed ACK add ~40 ms.
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet: the request log is the record."""

    def _serve(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        headers = {k.lower(): v for k, v in self.headers.items()}
        reply, _ = self.server.fake.handle(self.command, self.path, headers, body)
        if reply.drop:
            self.close_connection = True
            return
        data = json.dumps(reply.body).encode("utf-8")
        self.send_response(reply.status)
        self.send_header("Content-Type", "application/json; charset=UTF-8")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = _serve


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    fake: FakeSheets

    def handle_error(self, request: Any, client_address: Any) -> None:
        """A client that gave up (timeout, dropped) is expected here; anything else is loud."""
        error = sys.exc_info()[1]
        if not isinstance(error, ConnectionError):
            super().handle_error(request, client_address)


class FakeSheetsServer(FakeSheets):
    """The fake on `127.0.0.1`, on a free port, served from a background thread."""

    def __init__(self) -> None:
        super().__init__()
        self._server = _Server(("127.0.0.1", 0), _Handler)
        self._server.fake = self
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    @property
    def token_uri(self) -> str:
        return f"{self.url}/token"

    def start(self) -> FakeSheetsServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join()

    def __enter__(self) -> FakeSheetsServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def new_service_account(self, email: str | None = None) -> dict[str, str]:
        """A fresh key registered with the fake, its `token_uri` pointing at the fake."""
        info, public_pem = new_service_account(self.token_uri, *([email] if email else []))
        self.tokens.register(info["client_email"], public_pem)
        return info
