"""The Google Sheets store: gspread's low-level spreadsheet calls, one request per job.

Requests per call (after `open`, which costs one metadata GET plus the token): `read_tabs` 1
(`values:batchGet`), `write_cells` 1 (`values:batchUpdate`, RAW), `append_rows` 1 and
`delete_rows` 1 (`:batchUpdate`). `update_rows` and `move_rows` find the rows by their tags
(`rowids`): 4 reads (metadata for the row count, tag search, the tab, tag search again) and one
guarded atomic `:batchUpdate`; rows not tagged yet cost one tagging write and 4 reads more
before it. Constant in the number of rows. Sheet ids are cached.

Failures (`google_errors`): 429, 408 and 5xx, timeouts and dropped connections are retried with
bounded backoff (`RetryPolicy`), all within the `Deadline` of one call, then `SheetUnavailable`.
A 401 is handled inside google-auth (refresh, resend). A lost answer leaves a write's outcome
unknown: `update_rows` and `move_rows` are idempotent (a rerun finds the rows, or their done
markers, again), `append_rows` reads the target's tail before resending, and `delete_rows`, which
cannot tell, stops with `SheetUnavailable` asking for a reload.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from typing import Any, TypeVar

import gspread
from gspread.urls import SPREADSHEET_URL

from moc_tui.core.sheets import batch, metadata, rowids
from moc_tui.core.sheets.a1 import quote_title
from moc_tui.core.sheets.google_client import make_client
from moc_tui.core.sheets.google_errors import classified
from moc_tui.core.sheets.grid import trim_row, trim_rows
from moc_tui.core.sheets.metadata import Meta
from moc_tui.core.sheets.retry import Deadline, Failure, RetryPolicy, run_with_retry
from moc_tui.core.sheets.store import (
    Row,
    RowRef,
    RowsChanged,
    SheetError,
    SheetUnavailable,
    TabNotFound,
)

T = TypeVar("T")
_ROUNDS = 4  # finding rows again after a refused guarded write, before giving up


class GoogleSheetStore:
    """`SheetStore` over one spreadsheet, through the service account of `client`."""

    def __init__(
        self,
        client: gspread.Client,
        key: str,
        *,
        account: str,
        retry: RetryPolicy | None = None,
        sleep: Callable[[float], None] = time.sleep,
        deadline: Deadline | None = None,
        timeout: float = 30.0,
    ) -> None:
        self._http = client.http_client
        self._key = key
        self._account = account
        self._retry = retry or RetryPolicy()
        self._sleep = sleep
        self._sheet_ids: dict[str, int] | None = None
        self._deadline = deadline
        self._timeout = timeout
        self._started: float | None = None  # when the outermost call began (for the deadline)

    @classmethod
    def open(
        cls,
        key_info: Mapping[str, Any],
        key: str,
        *,
        api_base: str | None = None,
        timeout: float = 30.0,
        retry: RetryPolicy | None = None,
        sleep: Callable[[float], None] = time.sleep,
        deadline: Deadline | None = None,
    ) -> GoogleSheetStore:
        """Build the client and fetch the tab list: access problems show up here, not later."""
        client = make_client(key_info, api_base=api_base, timeout=timeout)
        account = str(key_info["client_email"])
        store = cls(
            client,
            key,
            account=account,
            retry=retry,
            sleep=sleep,
            deadline=deadline,
            timeout=timeout,
        )
        store.refresh_tabs()
        return store

    # -- plumbing ------------------------------------------------------------------------------

    def _call(self, what: str, call: Callable[[], T]) -> T:
        """One HTTP call (`google_errors.classified`); under a deadline its timeout is what is
        left of it (at least a tenth of a second)."""
        if self._deadline is not None and self._started is not None:
            left = self._deadline.seconds - (self._deadline.clock() - self._started)
            self._http.timeout = max(0.1, min(self._timeout, left))
        try:
            return classified(what, call, self._account, self._key)
        except SheetError as error:
            if "HTTP 400" in str(error):
                self._sheet_ids = None  # a tab may have been renamed or deleted meanwhile
            raise

    def _run(self, what: str, attempt: Callable[[Failure | None], T]) -> T:
        """`attempt` with retries, all of it (nested calls too) within the deadline."""
        outermost = self._started is None
        if outermost and self._deadline is not None:
            self._started = self._deadline.clock()
        try:
            return run_with_retry(
                attempt,
                what=what,
                policy=self._retry,
                sleep=self._sleep,
                deadline=self._deadline,
                started=self._started,
            )
        finally:
            if outermost:
                self._started = None

    def _get_rows(self, what: str, ranges: list[str]) -> list[list[Row]]:
        """One `values:batchGet`; each range's rows, trimmed."""
        reply = self._call(what, lambda: self._http.values_batch_get(self._key, list(ranges)))
        return [
            trim_rows([str(v) for v in line] for line in vr.get("values", []))
            for vr in reply.get("valueRanges", [])
        ]

    # -- tabs ----------------------------------------------------------------------------------

    def refresh_tabs(self) -> None:
        """Fetch tab titles and sheet ids (one metadata GET)."""
        what = f"opening sheet {self._key}"

        def attempt(_: Failure | None) -> dict[str, Any]:
            return dict(self._call(what, lambda: self._http.fetch_sheet_metadata(self._key)))

        sheets = self._run(what, attempt).get("sheets", [])
        self._sheet_ids = {s["properties"]["title"]: s["properties"]["sheetId"] for s in sheets}

    def tab_titles(self) -> list[str]:
        if self._sheet_ids is None:
            self.refresh_tabs()
        assert self._sheet_ids is not None
        return list(self._sheet_ids)

    def _sheet_id(self, tab: str) -> int:
        if self._sheet_ids is None or tab not in self._sheet_ids:
            self.refresh_tabs()
        assert self._sheet_ids is not None
        if tab not in self._sheet_ids:
            raise TabNotFound(tab)
        return self._sheet_ids[tab]

    # -- SheetStore ----------------------------------------------------------------------------

    def read_tabs(self, tabs: Sequence[str]) -> dict[str, list[Row]]:
        titles = list(dict.fromkeys(tabs))
        if not titles:
            return {}
        for title in titles:
            self._sheet_id(title)
        what = "reading " + ", ".join(repr(t) for t in titles)
        ranges = [quote_title(t) for t in titles]
        values = self._run(what, lambda _: self._get_rows(what, ranges))
        return dict(zip(titles, values, strict=True))

    def write_cells(self, tab: str, cells: Mapping[tuple[int, int], str]) -> None:
        if not cells:
            return
        self._sheet_id(tab)
        what = f"writing {len(cells)} cell(s) of {tab!r}"
        data = [{"range": rng, "values": v} for rng, v in batch.cell_updates(tab, cells)]
        body = {"valueInputOption": "RAW", "data": data}
        self._run(
            what,
            lambda _: self._call(what, lambda: self._http.values_batch_update(self._key, body)),
        )

    def _batch(self, what: str, requests_: list[batch.Request]) -> None:
        body = {"requests": requests_}
        self._call(what, lambda: self._http.batch_update(self._key, body))

    def append_rows(self, tab: str, rows: Sequence[Sequence[str]]) -> None:
        if not rows:
            return
        request = batch.append_cells(self._sheet_id(tab), rows)
        what = f"appending {len(rows)} row(s) to {tab!r}"
        wanted = [trim_row(r) for r in rows]

        def attempt(previous: Failure | None) -> None:
            if previous and previous.unclear:
                (current,) = self._get_rows(what, [quote_title(tab)])
                if current[-len(wanted) :] == wanted:
                    return  # the lost answer was a success
            self._batch(what, [request])

        self._run(what, attempt)

    def delete_rows(self, tab: str, rows: Sequence[int]) -> None:
        if not rows:
            return
        requests_ = batch.delete_rows(self._sheet_id(tab), rows)
        what = f"deleting row(s) {_listed(rows)} of {tab!r}"

        def attempt(previous: Failure | None) -> None:
            if previous and previous.unclear:
                raise SheetUnavailable(
                    f"{what}: Google did not answer ({previous.reason}), so the rows may or may "
                    "not be deleted; reload the tab before trying again"
                )
            self._batch(what, requests_)

        self._run(what, attempt)

    # -- rows found by identity (see `rowids`) ----------------------------------------------

    def _locate(
        self, what: str, tab: str, refs: Sequence[RowRef]
    ) -> tuple[int, list[Row], dict[int, Meta]] | None:
        """The tab's row count, its rows and the refs' metadata, as one consistent picture.

        Four reads: the row count first (so it can only be too high, and the floor guard then
        refuses), the tags, the rows, the tags again. If the tags moved while the rows were
        read, the picture is not consistent: None (the caller looks again).
        """
        meta = self._call(what, lambda: self._http.fetch_sheet_metadata(self._key))
        props = {s["properties"]["title"]: s["properties"] for s in meta.get("sheets", [])}
        self._sheet_ids = {t: p["sheetId"] for t, p in props.items()}
        if tab not in props:
            raise TabNotFound(tab)
        row_count = int(props[tab].get("gridProperties", {}).get("rowCount", 0))
        before = self._tags(what, refs)
        (rows,) = self._get_rows(what, [quote_title(tab)])
        after = self._tags(what, refs)
        return (row_count, rows, after) if before == after else None

    def _tags(self, what: str, refs: Sequence[RowRef]) -> dict[int, Meta]:
        """The metadata under the refs' ids, where it is now (one `developerMetadata:search`)."""
        filters = [metadata.lookup_id(metadata.id_for(r.key)) for r in refs] + [rowids.ALL_MARKERS]
        url = f"{SPREADSHEET_URL % self._key}/developerMetadata:search"
        reply = self._call(
            what, lambda: self._http.request("post", url, json={"dataFilters": filters}).json()
        )
        metas = {}
        for match in reply.get("matchedDeveloperMetadata", []):
            found = metadata.parse(match["developerMetadata"])
            metas[found.metadata_id] = found
        return metas

    def _guarded(self, what: str, requests_: list[batch.Request]) -> bool:
        """Send a guarded batch; False when Google refused it (a row moved: find them again)."""
        try:
            self._batch(what, requests_)
        except TabNotFound:
            raise
        except SheetError as error:
            if "HTTP 400" not in str(error):
                raise
            return False
        return True

    def _placed(
        self, what: str, tab: str, refs: Sequence[RowRef], done: str | None
    ) -> tuple[int, list[Row], rowids.Placement]:
        """Locate the refs' rows, tagging (and checking) the untagged ones first."""
        fresh: set[str] = set()
        for _ in range(_ROUNDS):
            picture = self._locate(what, tab, refs)
            if picture is None:
                continue
            row_count, rows, metas = picture
            sheet_id = self._sheet_id(tab)
            done_id = None if done is None else self._sheet_id(done)
            placement = rowids.place(refs, rows, metas, sheet_id, done_id)
            wrong = [
                k
                for k, i in placement.tagged.items()
                if k in fresh
                and trim_row(_ref(refs, k).cells) != (rows[i] if i < len(rows) else [])
            ]
            if wrong:  # tagged a row that shifted under us: untag and find it again
                drop = [
                    {
                        "deleteDeveloperMetadata": {
                            "dataFilter": metadata.lookup_id(metadata.id_for(k))
                        }
                    }
                    for k in wrong
                ]
                self._batch(what, drop)
                fresh.difference_update(wrong)
                continue
            if not placement.untagged:
                return row_count, rows, placement
            self._guarded(what, rowids.tag_batch(sheet_id, row_count, placement.untagged))
            fresh.update(placement.untagged)
        raise SheetUnavailable(f"{what}: the rows kept moving while being found; try again")

    def update_rows(
        self, tab: str, updates: Sequence[tuple[RowRef, Mapping[int, str]]]
    ) -> list[int]:
        if not updates:
            return []
        refs = rowids.update_refs(updates)
        changes = {ref.key: dict(cells) for ref, cells in updates}
        what = f"writing {len(updates)} row(s) of {tab!r}"

        def attempt(_: Failure | None) -> list[int]:
            for _round in range(_ROUNDS):
                row_count, _rows, placement = self._placed(what, tab, refs, None)
                skipped = [r.row for r in placement.missing]
                if not placement.tagged:
                    return skipped
                requests_ = rowids.update_batch(
                    self._sheet_id(tab), row_count, placement.tagged, changes
                )
                if self._guarded(what, requests_):
                    return skipped
            raise SheetUnavailable(f"{what}: the rows kept moving; try again")

        return self._run(what, attempt)

    def move_rows(
        self,
        source: str,
        target: str,
        rows: Sequence[int],
        expected: Sequence[Sequence[str]],
        keys: Sequence[str] | None = None,
    ) -> None:
        refs = rowids.row_refs(rows, expected, keys)
        if not refs:
            return
        what = f"moving row(s) {_listed(rows)} from {source!r} to {target!r}"
        target_id = self._sheet_id(target)

        def attempt(_: Failure | None) -> None:
            for _round in range(_ROUNDS):
                row_count, current, placement = self._placed(what, source, refs, target)
                if placement.missing:
                    raise RowsChanged(source, [r.row for r in placement.missing])
                if not placement.tagged:
                    return  # every row is on the target already
                now = rowids.now()
                stale = rowids.stale_markers(placement.metas, target_id, now)
                requests_ = rowids.move_batch(
                    self._sheet_id(source),
                    target_id,
                    row_count,
                    placement.tagged,
                    current,
                    now,
                    stale,
                )
                if self._guarded(what, requests_):
                    return
            raise SheetUnavailable(f"{what}: the rows kept moving; try again")

        self._run(what, attempt)


def _ref(refs: Sequence[RowRef], key: str) -> RowRef:
    return next(r for r in refs if r.key == key)


def _listed(rows: Sequence[int]) -> str:
    return ", ".join(str(r) for r in rows)
