"""Whether a JSON value has the shape a protocol type says, checked at run time.

mypy holds the code that builds a view to its TypedDict; this holds what actually crossed a
pipe (or what the TUI tests' fake answered) to the same TypedDict: every required key present,
no key the type does not name, each value of its declared type, recursively.
"""

from __future__ import annotations

import types
from enum import StrEnum
from typing import Any, Literal, NotRequired, Union, get_args, get_origin, get_type_hints


def _is_typeddict(tp: Any) -> bool:
    return isinstance(tp, type) and issubclass(tp, dict) and hasattr(tp, "__required_keys__")


def problems(value: Any, tp: Any, where: str = "$") -> list[str]:
    """What about `value` does not fit `tp` (empty when it fits)."""
    origin = get_origin(tp)
    if tp is Any or tp is object:
        return []
    if origin is NotRequired:
        return problems(value, get_args(tp)[0], where)
    if origin in (Union, types.UnionType):
        options = [problems(value, option, where) for option in get_args(tp)]
        return [] if any(not found for found in options) else min(options, key=len)
    if origin is Literal:
        return [] if value in get_args(tp) else [f"{where}: {value!r} not one of {get_args(tp)}"]
    if tp is None or tp is type(None):
        return [] if value is None else [f"{where}: {value!r} is not null"]
    if _is_typeddict(tp):
        if not isinstance(value, dict):
            return [f"{where}: {type(value).__name__} is not an object ({tp.__name__})"]
        hints = get_type_hints(tp, include_extras=True)
        # not `__required_keys__`: under postponed annotations it misses NotRequired (3.11)
        required = {k for k, hint in hints.items() if get_origin(hint) is not NotRequired}
        found = [f"{where}.{k}: missing ({tp.__name__})" for k in required - set(value)]
        found += [f"{where}.{k}: not a field of {tp.__name__}" for k in set(value) - set(hints)]
        for key in set(value) & set(hints):
            found += problems(value[key], hints[key], f"{where}.{key}")
        return found
    if origin is list:
        if not isinstance(value, list):
            return [f"{where}: {type(value).__name__} is not a list"]
        [item] = get_args(tp)
        return [p for i, v in enumerate(value) for p in problems(v, item, f"{where}[{i}]")]
    if origin is dict:
        if not isinstance(value, dict):
            return [f"{where}: {type(value).__name__} is not an object"]
        _, item = get_args(tp)
        found = [f"{where}: key {k!r} is not text" for k in value if not isinstance(k, str)]
        return found + [p for k, v in value.items() for p in problems(v, item, f"{where}.{k}")]
    if tp is bool:
        return [] if isinstance(value, bool) else [f"{where}: {value!r} is not a boolean"]
    if tp is int:
        ok = isinstance(value, int) and not isinstance(value, bool)
        return [] if ok else [f"{where}: {value!r} is not an integer"]
    if tp is str:
        return [] if isinstance(value, str) else [f"{where}: {value!r} is not text"]
    if isinstance(tp, type) and issubclass(tp, StrEnum):
        values = {member.value for member in tp}
        return [] if value in values else [f"{where}: {value!r} not one of {sorted(values)}"]
    raise AssertionError(f"no check for {tp!r} at {where}")
