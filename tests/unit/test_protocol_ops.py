"""One set of ops, named alike everywhere: the wire's schemas, the typed parameters and replies,
and the backend's handlers. A new op (or a renamed parameter) must change all of them."""

from __future__ import annotations

from typing import NotRequired, get_args, get_origin, get_type_hints

from moc_tui.backend.ops import HANDLERS, Session
from moc_tui.protocol.replies import PARAMS, REPLIES, Op
from moc_tui.protocol.wire import MUTATING, READ_ONLY, SCHEMAS


def test_every_op_has_a_schema_typed_params_a_reply_type_and_a_handler() -> None:
    ops = set(get_args(Op))
    assert set(SCHEMAS) == ops
    assert set(PARAMS) == ops and set(REPLIES) == ops
    # hello is the session's own; cancel is answered by the server's inbox, while ops run
    assert set(HANDLERS) | {"hello", "cancel"} == ops
    assert not set(HANDLERS) & {"hello", "cancel"}
    # the one table names every op method, each under its own name (no handler left out)
    methods = {name for name in dir(Session) if name.startswith("op_")}
    assert {f"op_{op}" for op in HANDLERS} == methods
    assert all(getattr(Session, f"op_{op}") is handler for op, handler in HANDLERS.items())


def test_the_typed_params_name_the_schema_fields_required_alike() -> None:
    for op, params in PARAMS.items():
        spec = SCHEMAS[op]
        hints = get_type_hints(params, include_extras=True)
        assert set(hints) == set(spec), op
        for name, field in spec.items():
            optional = get_origin(hints[name]) is NotRequired
            assert optional is not field.required, (op, name)


def test_every_op_is_classified_as_mutating_or_read_only_once() -> None:
    # a viewer's session refuses MUTATING ops: an op in neither set would be unclassified
    assert set(SCHEMAS) == MUTATING | READ_ONLY
    assert not MUTATING & READ_ONLY
    assert {"provision", "apply_quota", "edit_access_field", "reset_password"} <= MUTATING
    assert "ack_error" in MUTATING and "list_access" in READ_ONLY
