"""The wire format: one JSON object per line, each operation with its own parameter schema.

Requests  {"id": ID, "op": NAME, "params": {...}}
Replies   {"id": ID, "ok": true, "result": {...}}  or  {"id": ID, "ok": false,
          "error": {"code": CODE, "message": TEXT, ...}}
Events    {"id": ID, "event": KIND, "data": {...}}   (zero or more, before the reply)

The backend trusts nothing the TUI sends: every field is checked for type, length and allowed
values here, before any operation sees it. Unknown fields are refused, not ignored, so a typo in
the client fails loudly instead of silently doing something else.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from moc_tui.core.identifiers import EMAIL_MAX, PROJECT_NAME_MAX

PROTOCOL_VERSION = 1
MAX_MESSAGE = 64 * 1024  # bytes of one request line, newline included
MAX_DEPTH = 16  # nesting of arrays and objects; the deepest valid request needs 4
MAX_ROWS = 200
ID_MAX = 64
OPERATOR_PATTERN = re.compile(r"[a-z][a-z0-9_-]{0,31}")
REQUEST_KEY_PATTERN = re.compile(r"(access|quota|reset)-[0-9a-f]{20}")
FINGERPRINT_PATTERN = re.compile(r"[0-9a-f]{64}")
PIN_PATTERN = re.compile(r"[0-9]{4}")


class ProtocolError(Exception):
    """A request the backend refuses before acting; `code` is stable, `message` plain words."""

    def __init__(self, code: str, message: str, **extra: Any) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.extra = extra

    def payload(self) -> dict[str, Any]:
        return {"code": self.code, "message": self.message, **self.extra}


@dataclass(frozen=True)
class Field:
    """One parameter: its JSON type and bounds. `kind` is str, int, bool, rows or list."""

    kind: str
    required: bool = True
    max_len: int = 200
    pattern: re.Pattern[str] | None = None
    choices: frozenset[str] | None = None
    minimum: int = 0
    maximum: int = 1_000_000


ROW = Field("int", minimum=2, maximum=1_000_000)
FINGERPRINT = Field("str", max_len=64, pattern=FINGERPRINT_PATTERN)
ROW_REF = Field("rows")  # [{"row": int, "fingerprint": hex}], 1..MAX_ROWS items

EDITABLE_FIELDS = frozenset(
    {
        "new_project",
        "existing_project",
        "description",
        "first_name",
        "last_name",
        "organization",
        "role",
        "phone",
        "sponsor",
        "comment",
        "extra_users",
    }
)

SCHEMAS: dict[str, dict[str, Field]] = {
    "hello": {
        "operator": Field("str", max_len=32, pattern=OPERATOR_PATTERN),
        # the login wrapper's session id: joins the backend's audit to the login log line
        "session": Field("str", required=False, max_len=32, pattern=re.compile(r"[0-9a-f]{1,32}")),
    },
    "list_access": {},
    "edit_access_field": {
        "row": ROW,
        "fingerprint": FINGERPRINT,
        "field": Field("str", max_len=32, choices=EDITABLE_FIELDS),
        "value": Field("str", max_len=2000),
    },
    "plan_access": {"rows": ROW_REF},
    "provision": {"rows": ROW_REF},
    # put a row on hold or deny it, with a reason (the sheet's note column); release it again
    "hold_access": {
        "row": ROW,
        "fingerprint": FINGERPRINT,
        "kind": Field("str", max_len=8, choices=frozenset({"held", "denied"})),
        "reason": Field("str", max_len=2000),
    },
    "release_access": {"row": ROW, "fingerprint": FINGERPRINT},
    "list_errors": {"include_acknowledged": Field("bool", required=False)},
    "ack_error": {"error_id": Field("int", minimum=1, maximum=2**62)},
    "audit_trail": {"request_key": Field("str", max_len=40, pattern=REQUEST_KEY_PATTERN)},
    "list_not_activated": {},
    # what the operator is typing, for suggestions (see moc_tui.core.cloud.search)
    "suggest_projects": {"text": Field("str", max_len=PROJECT_NAME_MAX)},
    "find_users": {"text": Field("str", max_len=EMAIL_MAX)},
    "list_quota": {},
    "plan_quota": {"rows": ROW_REF},
    "apply_quota": {"rows": ROW_REF},
    # the reset reference from the ticket (setpass holds the PIN; no PIN crosses the wire);
    # `again` confirms a reset of a user whose last reset closed minutes ago
    "reset_password": {
        "username": Field("str", max_len=254),
        "reference": Field("str", max_len=32),
        "again": Field("bool", required=False),
    },
    # stop the `provision` / `apply_quota` request `target` before its next step; answered at
    # once, even while that request runs (see moc_tui.backend.server.Inbox)
    "cancel": {"target": Field("int", maximum=2**53 - 1)},
}
CANCELLABLE = frozenset({"provision", "apply_quota"})
# what a read-only operator (a viewer in the operator map) may not run: every op that changes a
# sheet, the cloud, the journal's errors log or a user's password. Every op is in exactly one of
# the two sets (tests/unit/test_protocol_ops.py), so a new op must be classified to be served.
MUTATING = frozenset(
    {
        "edit_access_field",
        "provision",
        "hold_access",
        "release_access",
        "ack_error",
        "apply_quota",
        "reset_password",
    }
)
READ_ONLY = frozenset(
    {
        "hello",
        "list_access",
        "plan_access",
        "list_errors",
        "audit_trail",
        "list_not_activated",
        "suggest_projects",
        "find_users",
        "list_quota",
        "plan_quota",
        "cancel",
    }
)


def parse_line(line: bytes) -> tuple[Any, str, dict[str, Any]]:
    """Decode one request line into (id, op, params) or raise ProtocolError.

    The id is returned as soon as it is known so the error reply can carry it.
    """
    if too_deep(line, MAX_DEPTH):
        raise ProtocolError("malformed", f"the message nests deeper than {MAX_DEPTH} levels")
    try:
        message = json.loads(line.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError):
        raise ProtocolError("malformed", "the message is not one JSON object in UTF-8") from None
    if not isinstance(message, dict):
        raise ProtocolError("malformed", "the message is not a JSON object")
    request_id = message.get("id")
    if not _valid_id(request_id):
        raise ProtocolError("malformed", f"id must be an integer or a string of at most {ID_MAX}")
    try:
        extra = set(message) - {"id", "op", "params"}
        if extra:
            raise ProtocolError("malformed", "unknown message fields: " + ", ".join(sorted(extra)))
        op = message.get("op")
        if not isinstance(op, str) or op not in SCHEMAS:
            raise ProtocolError("unknown_op", "unknown operation", ops=sorted(SCHEMAS))
        params = message.get("params", {})
        if not isinstance(params, dict):
            raise ProtocolError("bad_params", "params must be a JSON object")
        return request_id, op, validate(op, params)
    except ProtocolError as error:
        error.extra["request_id"] = request_id  # taken out again before the reply is sent
        raise


_SPECIAL = re.compile(rb'[\\"\[\]{}]')


def too_deep(line: bytes, limit: int) -> bool:
    """Whether arrays and objects in `line` nest deeper than `limit`, found before parsing.

    json.loads recurses once per level: 30,000 levels end in RecursionError, which is no
    protocol error. One pass over the quote, backslash and bracket bytes, stopping as soon
    as the limit is passed; brackets inside strings do not count.
    """
    depth, in_string, skip = 0, False, -1
    for match in _SPECIAL.finditer(line):
        at = match.start()
        if at == skip:
            continue
        char = line[at]
        if in_string:
            if char == 0x5C:  # backslash: the next byte is escaped
                skip = at + 1
            elif char == 0x22:
                in_string = False
        elif char == 0x22:
            in_string = True
        elif char in (0x5B, 0x7B):
            depth += 1
            if depth > limit:
                return True
        elif char in (0x5D, 0x7D):
            depth -= 1
    return False


def _valid_id(value: object) -> bool:
    if isinstance(value, bool):
        return False
    if isinstance(value, int):
        return 0 <= value < 2**53
    return isinstance(value, str) and 0 < len(value) <= ID_MAX and value.isprintable()


def validate(op: str, params: Mapping[str, Any]) -> dict[str, Any]:
    """Check `params` against the op's schema; return a clean copy."""
    schema = SCHEMAS[op]
    unknown = set(params) - set(schema)
    if unknown:
        raise ProtocolError("bad_params", "unknown parameters: " + ", ".join(sorted(unknown)))
    clean: dict[str, Any] = {}
    for name, spec in schema.items():
        if name not in params:
            if spec.required:
                raise ProtocolError("bad_params", f"parameter {name!r} is required")
            continue
        clean[name] = _check(name, spec, params[name])
    return clean


def _check(name: str, spec: Field, value: Any) -> Any:
    if spec.kind == "str":
        if not isinstance(value, str) or len(value) > spec.max_len:
            raise ProtocolError("bad_params", f"{name!r} must be text of at most {spec.max_len}")
        if spec.pattern is not None and not spec.pattern.fullmatch(value):
            raise ProtocolError("bad_params", f"{name!r} has the wrong form")
        if spec.choices is not None and value not in spec.choices:
            raise ProtocolError(
                "bad_params", f"{name!r} must be one of: " + ", ".join(sorted(spec.choices))
            )
        return value
    if spec.kind == "bool":
        if not isinstance(value, bool):
            raise ProtocolError("bad_params", f"{name!r} must be true or false")
        return value
    if spec.kind == "int":
        if isinstance(value, bool) or not isinstance(value, int):
            raise ProtocolError("bad_params", f"{name!r} must be an integer")
        if not spec.minimum <= value <= spec.maximum:
            raise ProtocolError("bad_params", f"{name!r} is out of range")
        return value
    if spec.kind == "rows":
        return _rows(name, value)
    raise AssertionError(spec.kind)


def _rows(name: str, value: Any) -> list[tuple[int, str]]:
    if not isinstance(value, list) or not 1 <= len(value) <= MAX_ROWS:
        raise ProtocolError("bad_params", f"{name!r} must list 1 to {MAX_ROWS} rows")
    rows: list[tuple[int, str]] = []
    for item in value:
        if not isinstance(item, dict) or set(item) != {"row", "fingerprint"}:
            raise ProtocolError("bad_params", f"each of {name!r} is {{row, fingerprint}}")
        row = _check("row", ROW, item["row"])
        fingerprint = _check("fingerprint", FINGERPRINT, item["fingerprint"])
        rows.append((row, fingerprint))
    if len({r for r, _ in rows}) != len(rows):
        raise ProtocolError("bad_params", f"{name!r} lists a row twice")
    return rows


def reply(request_id: Any, result: Mapping[str, Any]) -> dict[str, Any]:
    return {"id": request_id, "ok": True, "result": dict(result)}


def error_reply(request_id: Any, error: ProtocolError) -> dict[str, Any]:
    return {"id": request_id, "ok": False, "error": error.payload()}


def event(request_id: Any, kind: str, data: Mapping[str, Any]) -> dict[str, Any]:
    return {"id": request_id, "event": kind, "data": dict(data)}


def encode(message: Mapping[str, Any]) -> bytes:
    """One line of JSON; ASCII-only so no raw control or bidi character crosses the pipe."""
    return json.dumps(message, ensure_ascii=True, separators=(",", ":")).encode() + b"\n"
