"""What a failed Google Sheets HTTP call means: retry it (and whether it may have applied), or stop.

429, 408 and 5xx, timeouts and dropped connections are worth another attempt (`Retry`); a lost
answer after the request was sent is marked `unclear` (a write may have been applied). Other
answers become a `SheetError` in plain words naming the job, the account and the sheet.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

import requests
from google.auth.exceptions import RefreshError, TransportError
from gspread.exceptions import APIError
from urllib3.exceptions import MaxRetryError, NewConnectionError

from moc_tui.core.sheets.retry import Failure, Retry
from moc_tui.core.sheets.store import SheetError

T = TypeVar("T")
RETRY_STATUSES = {408, 429}


def never_sent(error: requests.ConnectionError) -> bool:
    """True when the TCP connection was never made, so the request cannot have been applied."""
    reason = error.args[0] if error.args else None
    if isinstance(reason, MaxRetryError):
        reason = reason.reason
    return isinstance(error, requests.ConnectTimeout) or isinstance(reason, NewConnectionError)


def refusal(what: str, status: int, message: str, account: str, key: str) -> SheetError:
    if status == 401:
        text = f"Google refused the credentials of {account} (HTTP 401: {message})"
    elif status == 403:
        text = (
            f"the service account {account} has no access to sheet {key}: share "
            f"it with {account} as an editor (Google said: {message})"
        )
    elif status == 404:
        text = f"no spreadsheet with key {key} (check worksheet_key)"
    else:
        text = f"Google refused the request (HTTP {status}: {message})"
    return SheetError(f"{what}: {text}")


def classified(what: str, call: Callable[[], T], account: str, key: str) -> T:
    """`call()`, each failure turned into `Retry` or a plain-words `SheetError`."""
    try:
        return call()
    except APIError as error:
        status = error.response.status_code
        message = str(error.error.get("message", "")).strip()
        if status in RETRY_STATUSES or status >= 500:
            reason = f"HTTP {status} {error.error.get('status', '')}".strip()
            raise Retry(Failure(reason)) from None
        raise refusal(what, status, message, account, key) from None
    except requests.ConnectionError as error:
        if never_sent(error):
            raise Retry(Failure("could not connect to Google")) from None
        raise Retry(Failure("no answer from Google (timeout or dropped)", unclear=True)) from None
    except requests.Timeout:
        raise Retry(Failure("no answer from Google within the timeout", unclear=True)) from None
    except requests.RequestException as error:  # a garbled answer: treat it as lost
        raise Retry(Failure(f"unreadable answer from Google: {error}", unclear=True)) from None
    except RefreshError as error:
        if error.retryable:
            raise Retry(Failure(f"the token endpoint failed: {error}")) from None
        raise SheetError(
            f"{what}: Google refused to sign in the service account {account} ({error});"
            " check that the key file is current and not revoked"
        ) from None
    except TransportError as error:
        raise Retry(Failure(f"the token endpoint is unreachable: {error}")) from None
