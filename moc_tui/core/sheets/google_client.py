"""The one way a gspread client is built, for production and for tests against the local fake.

gspread has no base-URL setting, so the fake is reached through a requests transport adapter: with
`api_base` set, every http(s) URL on BOTH sessions (the `AuthorizedSession` gspread sends API calls
through, and the plain session google-auth uses for its token and allowedLocations calls) is sent
to `api_base` instead, with the original host in `X-Original-Host`. Nothing else differs between
production and tests: same credentials class, same scope, same gspread code paths.

The scope is `spreadsheets` only: the stores open sheets by key and never need Drive.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import gspread
import requests
from google.auth.exceptions import MalformedError
from google.auth.transport.requests import AuthorizedSession, Request
from google.oauth2.service_account import Credentials

from moc_tui.core.sheets.store import SheetError

SCOPES = ("https://www.googleapis.com/auth/spreadsheets",)
_KEY_FIELDS = ("client_email", "private_key", "token_uri")


class LoopbackAdapter(requests.adapters.HTTPAdapter):
    """Sends every request to `base` (scheme and host), keeping path and query.

    google-auth deep-copies its transport for a background thread; `HTTPAdapter` only keeps the
    names in `__attrs__` across a copy, so `_base` must be listed there or it silently vanishes.
    """

    __attrs__ = [*requests.adapters.HTTPAdapter.__attrs__, "_base"]  # noqa: RUF012

    def __init__(self, base: str, **kwargs: Any) -> None:
        parts = urlsplit(base)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise ValueError(f"api_base must be an http(s) URL, not {base!r}")
        self._base = (parts.scheme, parts.netloc)
        super().__init__(**kwargs)

    def send(
        self,
        request: requests.PreparedRequest,
        stream: bool = False,
        timeout: float | tuple[float, float] | tuple[float, None] | None = None,
        verify: bool | str = True,
        cert: bytes | str | tuple[bytes | str, bytes | str] | None = None,
        proxies: Mapping[str, str] | None = None,
    ) -> requests.Response:
        parts = urlsplit(request.url or "")
        request.headers["X-Original-Host"] = parts.netloc
        request.url = urlunsplit((*self._base, parts.path, parts.query, ""))
        return super().send(request, stream, timeout, verify, cert, proxies={})


def load_key_file(path: Path) -> dict[str, Any]:
    """Read a service-account key file; every problem becomes a plain-words `SheetError`."""
    try:
        info = json.loads(path.read_text(encoding="utf-8"))
    except OSError as error:
        raise SheetError(f"cannot read the Google key file {path}: {error.strerror}") from None
    except ValueError:
        raise SheetError(f"the Google key file {path} is not JSON") from None
    if not isinstance(info, dict) or info.get("type") != "service_account":
        raise SheetError(f"{path} is not a Google service-account key (type service_account)")
    missing = [name for name in _KEY_FIELDS if not isinstance(info.get(name), str)]
    if missing:
        raise SheetError(f"the Google key file {path} lacks {', '.join(missing)}")
    return info


@functools.lru_cache(maxsize=4)
def _parsed_key(serialized: str) -> Credentials:
    info = json.loads(serialized)
    credentials: Credentials = Credentials.from_service_account_info(info)  # type: ignore[no-untyped-call]
    return credentials


def service_account_credentials(key_info: Mapping[str, Any]) -> Credentials:
    """Credentials for `key_info` with the stores' scope; raises as google-auth does.

    Parsing the private key is most of the cost (about 80 ms with `cryptography`), and the
    backend's start-up check and its first sheet call both need it: the key is parsed once per
    process and each caller gets its own credentials object over the same signer.
    """
    base = _parsed_key(json.dumps(dict(key_info), sort_keys=True))
    scoped: Credentials = base.with_scopes(list(SCOPES))
    return scoped


def usable_credentials(key_info: Mapping[str, Any]) -> Credentials:
    """`service_account_credentials`, its refusals in our words: the library's messages may
    quote part of the key. `check`, the backend's start and every client say the same."""
    email = key_info.get("client_email", "?")
    try:
        return service_account_credentials(key_info)
    except MalformedError:
        fault = "a field google-auth needs is missing or malformed"
    except (ValueError, TypeError):
        fault = "its private_key is not a valid PEM private key"
    raise SheetError(
        f"the Google key for {email} is unusable: {fault}"
        " (download a new JSON key for the service account)"
    )


def make_client(
    key_info: Mapping[str, Any], *, api_base: str | None = None, timeout: float = 30.0
) -> gspread.Client:
    """A gspread client for the service account in `key_info`, with a timeout on every call.

    No request is made here: the token is fetched on the first API call.
    """
    creds = usable_credentials(key_info)
    auth_http = requests.Session()
    api_http = AuthorizedSession(creds, auth_request=Request(auth_http))  # type: ignore[no-untyped-call]
    if api_base:
        for session in (auth_http, api_http):
            for prefix in ("https://", "http://"):
                session.mount(prefix, LoopbackAdapter(api_base))
    client = gspread.Client(auth=creds, session=api_http)
    # Passing `session=` makes gspread skip storing the credentials; its `expiry` needs them.
    client.http_client.auth = creds
    client.set_timeout(timeout)
    return client
