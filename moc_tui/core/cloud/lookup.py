"""Targeted, case-insensitive lookup by name in one domain (projects and users alike).

Never lists everything: Keystone caps listings at 1000 entries without an error, and listing
is slow. Two kinds of query, chosen by what the caller expects:

- **exact first** (the object is expected to exist: a project to join, a user to add or reset):
  `name=X`, an indexed equality whose cost does not grow with the domain. On MySQL/MariaDB's
  default collation it already matches every case; on SQLite it is case-sensitive, so a miss
  is followed by the case-insensitive query below (a legacy user spelled `Ada@BU.edu` is still
  found when `ada@bu.edu` is typed).
- **case-insensitive only** (the object is expected to be new): a miss is the likely answer, and
  after an exact miss the case-insensitive query would be needed anyway; asking it alone costs
  one call instead of two.

The case-insensitive query is `name__istartswith=X&name__iendswith=X` rather than
`name__icontains=X`: Keystone applies both, so it returns every case-insensitive match and no
neighbours (a short name such as "ai" is contained in many names, and the answer is capped at
1000 with no error, which could hide the one we want). Its answer is bounded by the number of
case-twins, never by the size of the domain. Keystone does not escape `%` and `_` in these
filters (they act as wildcards), which only widens the answer; our own comparison decides, so
the backend's collation is never trusted to decide what "the same name" means.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, NoReturn, TypeVar

from moc_tui.core.cloud.errors import AlreadyExists, AmbiguousName, ReservedName
from moc_tui.core.cloud.models import Ensured
from moc_tui.core.identifiers import canonical, is_reserved

T = TypeVar("T")


def find_by_name(
    manager: Any, kind: str, name: str, domain_id: str, *, likely_new: bool = False
) -> Any | None:
    """The one `kind` ("project", "user") named `name` ignoring case, or None.

    One call when the exact query hits (or, with `likely_new`, always); two when it misses.
    An exact-case hit wins among case-twins: the requester typed that very spelling, and this
    tool never creates a case-twin. Otherwise several case-insensitive matches raise
    AmbiguousName naming them all.
    """
    if not likely_new:
        found = _pick(kind, name, domain_id, manager.list(domain=domain_id, name=name))
        if found is not None:
            return found
    twins = manager.list(domain=domain_id, name__istartswith=name, name__iendswith=name)
    return _pick(kind, name, domain_id, twins)


def _pick(kind: str, name: str, domain_id: str, found: Any) -> Any | None:
    wanted = canonical(name)
    matches = [r for r in found if canonical(r.name) == wanted]
    same_case = [r for r in matches if r.name == name]
    if len(same_case) == 1:
        return same_case[0]
    if len(matches) > 1:
        _ambiguous(kind, name, domain_id, matches)
    return matches[0] if matches else None


def _ambiguous(kind: str, name: str, domain_id: str, matches: list[Any]) -> NoReturn:
    names = sorted(str(r.name) for r in matches)
    listed = ", ".join(repr(n) for n in names)
    raise AmbiguousName(
        f"{len(names)} {kind}s in domain {domain_id} match {name!r} ignoring case: {listed}; "
        "use the exact spelling or rename one of them",
        names,
    )


def refuse_reserved(kind: str, name: str) -> None:
    if is_reserved(name):
        raise ReservedName(f"{kind} name {name!r} is reserved for the cloud itself")


def find_or_create(
    kind: str,
    name: str,
    find: Callable[[], T | None],
    create: Callable[[], T],
    *,
    exist_ok: bool,
    taken: Callable[[T], str] = lambda _: "",
    checked: bool = False,
) -> Ensured[T]:
    """openstackclient's `--or-show` habit for `kind` ("project", "user") named `name`.

    An existing object (any case) comes back with `created=False`, or is an AlreadyExists
    error when `exist_ok` is False (`taken` adds how it is spelled). `checked` means the caller
    has just looked the name up and found nothing: it is not looked up again (each object is
    looked up once per request). A 409 from a concurrent create re-finds the winner instead of
    failing: theirs is ours.
    """
    refuse_reserved(kind, name)
    existing = None if checked else find()
    if existing is not None:
        if not exist_ok:
            raise AlreadyExists(f"{kind} {name!r} exists already{taken(existing)}")
        return Ensured(existing, created=False)
    try:
        created = create()
    except AlreadyExists:
        again = find()
        if again is None:
            raise
        if not exist_ok:
            raise AlreadyExists(f"{kind} {name!r} exists already") from None
        return Ensured(again, created=False)
    return Ensured(created, created=True)
