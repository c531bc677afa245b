"""The nesting bound is found before json.loads recurses, and brackets in strings are text."""

from __future__ import annotations

import json

import pytest

from moc_tui.protocol.wire import MAX_DEPTH, ProtocolError, parse_line, too_deep


@pytest.mark.parametrize("depth", [MAX_DEPTH + 1, 1000, 30000])
def test_a_deep_array_is_malformed(depth: int) -> None:
    line = b'{"id": 7, "op": "hello", "params": {"operator": ' + b"[" * depth + b"]" * depth + b"}}"
    with pytest.raises(ProtocolError) as raised:
        parse_line(line)
    assert raised.value.code == "malformed" and "nests deeper" in raised.value.message


def test_brackets_and_escaped_quotes_inside_strings_do_not_count() -> None:
    value = '[{"\\"' * 200 + '\\\\"]]'
    line = json.dumps(
        {
            "id": 1,
            "op": "edit_access_field",
            "params": {"row": 2, "fingerprint": "a" * 64, "field": "comment", "value": value},
        }
    ).encode()
    assert not too_deep(line, 3)
    assert parse_line(line)[2]["value"] == value


def test_the_limit_itself_is_allowed() -> None:
    assert not too_deep(b"[" * MAX_DEPTH + b"]" * MAX_DEPTH, MAX_DEPTH)
    assert too_deep(b"[" * (MAX_DEPTH + 1), MAX_DEPTH)
