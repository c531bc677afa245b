"""Search Keystone for what an operator is typing: projects close to a name, users by name or email.

Two helpers for the TUI's forms (through the backend's `suggest_projects` and `find_users` ops):

- Project suggestions rank the domain's project names and the `[project_aliases]` table against
  the typed text: the same name ignoring case first, then names starting with it, then names
  containing it, then names `difflib` finds close (a typo). Closeness needs every name, so the
  names are listed page by page (Keystone caps one answer at 1,000 entries without an error, so
  one listing would silently drop the rest) and kept for `PROJECT_TTL` seconds
  (`ProjectDirectory`): typing does not hammer Keystone, and a project created a minute ago
  shows up soon enough.
- User search asks Keystone for the users whose name contains the text (one filtered call: never
  every user). Keystone cannot filter on the stored email (it is an "extra" attribute), so the
  email is compared among those answers only; here a user's name *is* their email address, so
  searching names finds them. Admin, service and reserved accounts are never returned: the rule
  of `users.is_admin_user` (reserved name, or the admin role anywhere), asked once for all the
  candidates instead of once per user.

Reserved projects (admin, service, ...) are never suggested either. Nothing here changes Keystone.
"""

from __future__ import annotations

import difflib
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING
from urllib.parse import urlencode

from moc_tui.core.cloud.errors import cloud_errors
from moc_tui.core.cloud.models import User
from moc_tui.core.cloud.roles import ADMIN_ROLE
from moc_tui.core.identifiers import canonical, is_reserved
from moc_tui.core.text import trim

if TYPE_CHECKING:  # annotations only: importing this must not load keystoneclient
    from moc_tui.core.cloud.backend import KeystoneCloud

SUGGESTION_LIMIT = 8
USER_LIMIT = 10
MIN_USER_TEXT = 2
PROJECT_TTL = 60.0
PAGE_SIZE = 1000  # Keystone's default max_db_limit: one call per 1,000 projects
CLOSENESS = 0.6  # difflib's own default cutoff for "close"

KEYSTONE, ALIAS = "keystone", "alias"


class SearchRefused(ValueError):
    """The search was not sent (text too short); `str()` is the operator's message."""


@dataclass(frozen=True)
class Suggestion:
    """A name to offer: a Keystone project (`target` is the name itself) or an alias of one."""

    name: str
    source: str  # KEYSTONE or ALIAS
    target: str


Rank = tuple[int, float]


def closeness(text: str, candidate: str) -> Rank | None:
    """How well `candidate` matches `text` (lower sorts first), None when it is not close.

    Tiers: 0 same name ignoring case, 1 starts with the text, 2 contains it, 3 close by
    difflib's ratio. Within a tier the higher ratio comes first.
    """
    wanted, name = canonical(text), canonical(candidate)
    if not wanted or not name:
        return None
    ratio = difflib.SequenceMatcher(None, wanted, name).ratio()
    if name == wanted:
        return 0, -1.0
    if name.startswith(wanted):
        return 1, -ratio
    if wanted in name:
        return 2, -ratio
    if ratio >= CLOSENESS:
        return 3, -ratio
    return None


def suggest_projects(
    text: str,
    project_names: Iterable[str],
    aliases: Mapping[str, str],
    limit: int = SUGGESTION_LIMIT,
) -> list[Suggestion]:
    """Keystone projects and aliases close to `text`, best first, at most `limit`.

    An alias matches when the alias or its target is close. Reserved names are left out.
    """
    typed = trim(text)
    ranked: list[tuple[Rank, str, Suggestion]] = []
    seen: set[str] = set()
    for name in project_names:
        rank = closeness(typed, name)
        if rank is None or is_reserved(name) or canonical(name) in seen:
            continue
        seen.add(canonical(name))
        ranked.append((rank, canonical(name), Suggestion(name, KEYSTONE, name)))
    for alias, target in aliases.items():
        ranks = [r for r in (closeness(typed, alias), closeness(typed, target)) if r is not None]
        if not ranks or is_reserved(alias) or is_reserved(target):
            continue
        ranked.append((min(ranks), canonical(alias), Suggestion(alias, ALIAS, target)))
    # a tie goes to the Keystone project: an alias found by its target only repeats it
    ranked.sort(key=lambda item: (item[0], item[2].source != KEYSTONE, item[1]))
    return [suggestion for _, _, suggestion in ranked[:limit]]


def list_project_names(cloud: KeystoneCloud, page_size: int = PAGE_SIZE) -> list[str]:
    """Every project name of the cloud's domain, one call per `page_size` projects.

    Keystone answers `limit` and `marker` with a `links.next` while more remain (and lowers
    `limit` to its `max_db_limit` itself). A Keystone that does not page answers the first call
    with everything it will give and no `next`: then that is all there is to have.
    """
    names: list[str] = []
    seen: set[str] = set()
    params: dict[str, str | int] = {"domain_id": cloud.domain, "limit": page_size}
    with cloud_errors(f"listing the projects of domain {cloud.domain}"):
        while True:
            _, body = cloud.client.get("/projects?" + urlencode(params))
            page = [p for p in body.get("projects", []) if str(p["id"]) not in seen]
            seen.update(str(p["id"]) for p in page)
            names.extend(str(p["name"]) for p in page)
            if not page or not (body.get("links") or {}).get("next"):
                return names
            params["marker"] = str(page[-1]["id"])


class ProjectDirectory:
    """The domain's project names, listed on first use and again once `ttl` seconds passed."""

    def __init__(
        self,
        lister: Callable[[], list[str]],
        ttl: float = PROJECT_TTL,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._lister = lister
        self._ttl = ttl
        self._clock = clock
        self._lock = threading.Lock()
        self._names: list[str] | None = None
        self._listed_at = 0.0

    @classmethod
    def of(cls, cloud: KeystoneCloud, ttl: float = PROJECT_TTL) -> ProjectDirectory:
        return cls(lambda: list_project_names(cloud), ttl)

    def names(self) -> list[str]:
        with self._lock:
            now = self._clock()
            if self._names is None or now - self._listed_at >= self._ttl:
                self._names = self._lister()  # a failure keeps nothing: the next call asks again
                self._listed_at = now
            return list(self._names)

    def forget(self) -> None:
        with self._lock:
            self._names = None


def _user_rank(text: str, user: User) -> tuple[int, str] | None:
    wanted = canonical(text)
    name, email = canonical(user.name), canonical(user.email or "")
    if name == wanted or email == wanted:
        return 0, name
    if name.startswith(wanted) or email.startswith(wanted):
        return 1, name
    if wanted in name or wanted in email:
        return 2, name
    return None


def admin_user_ids(cloud: KeystoneCloud) -> set[str]:
    """Users holding the admin role anywhere (project, domain, system; via groups too): one call."""
    admin_id = cloud.roles.id_of(ADMIN_ROLE)
    with cloud_errors("listing the users with the admin role"):
        found = cloud.client.role_assignments.list(role=admin_id, effective=True)
    ids = set()
    for assignment in found:
        user = getattr(assignment, "user", None)
        if isinstance(user, dict) and "id" in user:
            ids.add(str(user["id"]))
    return ids


def find_users(cloud: KeystoneCloud, text: str, limit: int = USER_LIMIT) -> list[User]:
    """Users of the domain whose name or email contains `text` (ignoring case), best first.

    Refuses text shorter than `MIN_USER_TEXT` characters (SearchRefused). Never returns an admin,
    service or reserved account; disabled users are returned (marked by `enabled`). At most two
    calls, plus the admin role's id on first use.
    """
    needle = trim(text)
    if len(needle) < MIN_USER_TEXT:
        raise SearchRefused(
            f"type at least {MIN_USER_TEXT} characters of the user's name or email to search"
        )
    with cloud_errors(f"searching the users of domain {cloud.domain} for {needle!r}"):
        found = cloud.client.users.list(domain=cloud.domain, name__icontains=needle)
    ranked: list[tuple[tuple[int, str], User]] = []
    for resource in found:
        user = User.from_resource(resource)
        rank = _user_rank(needle, user)
        if rank is not None and not is_reserved(user.name):
            ranked.append((rank, user))
    if not ranked:
        return []
    admins = admin_user_ids(cloud)
    ranked = [(rank, user) for rank, user in ranked if user.id not in admins]
    ranked.sort(key=lambda item: item[0])
    return [user for _, user in ranked[:limit]]
