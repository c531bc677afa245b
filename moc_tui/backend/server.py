"""The backend's main loop: read a line, validate, run the op, write events and one reply.

Failures are split in two: the operator gets a short message and a reference; the details (with
the traceback) go to `<state dir>/backend.log` (mode 0600, secrets redacted). A malformed,
oversized or unknown request gets an error reply and the loop goes on. When stdin closes (the TUI
went away) the op in hand has already finished and been journaled; the loop then ends. Lines are
read on a thread (`Inbox`) so that a `cancel` is answered while a long op runs; every other
request runs in order on the main thread.
"""

from __future__ import annotations

import json
import logging
import os
import queue
import secrets
import signal
import threading
import traceback
from collections.abc import Iterable
from pathlib import Path
from typing import IO, Any

from moc_tui.backend.ops import Session
from moc_tui.backend.startup import clear_routing_environment, unreadable, user_name
from moc_tui.backend.views import load_fingerprint_key
from moc_tui.core.services import ServicesError
from moc_tui.core.settings import Settings, SettingsError, ini_file, load_settings
from moc_tui.core.settings.checks import key_file_problems
from moc_tui.core.settings.secret_files import backend_file_problems
from moc_tui.core.text import visible
from moc_tui.core.workflow.steps import never
from moc_tui.protocol.events import ProgressEvent, split
from moc_tui.protocol.wire import (
    CANCELLABLE,
    MAX_MESSAGE,
    ProtocolError,
    encode,
    error_reply,
    event,
    parse_line,
    reply,
)

EX_CONFIG = 78
_QUIET_LOGGERS = ("keystoneauth", "keystoneclient", "urllib3", "requests", "gspread", "google")


class Redactor:
    """Replaces every known secret value (and its JSON-escaped form) with a marker."""

    def __init__(self, values: Iterable[str | None]) -> None:
        found: set[str] = set()
        for value in values:
            if value and len(value) >= 6:
                found |= {value, json.dumps(value, ensure_ascii=True)[1:-1]}
        self.values = sorted(found, key=len, reverse=True)

    def __call__(self, text: str) -> str:
        for value in self.values:
            text = text.replace(value, "[redacted]")
        return text


def secrets_of(path: Path, settings: Settings | None) -> list[str | None]:
    """Secret values to keep out of replies and logs, also from a file that failed validation."""
    values: list[str | None] = []
    if settings is not None:
        values += [settings.auth.admin_pwd, settings.smtp.password]
        for sheet in (settings.access_sheet, settings.quota_sheet):
            if sheet is not None and sheet.auth_file is not None:
                values += _key_file_secrets(sheet.auth_file)
    try:  # read the way the loader reads it (BOM, repeated keys, a line without `=`)
        parser = ini_file.parse(ini_file.read_text(path), str(path))
    except OSError:
        parser = None
    if parser is None:
        return values
    for section, key in (("auth", "admin_pwd"), ("smtp", "password")):
        values.append(parser.get(section, key, fallback=None))
    return values


def _key_file_secrets(path: Path) -> list[str | None]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return []
    if not isinstance(data, dict):
        return []
    return [str(data.get("private_key") or "") or None, str(data.get("private_key_id") or "")]


class _JsonFormatter(logging.Formatter):
    def __init__(self, redact: Redactor) -> None:
        super().__init__()
        self.redact = redact

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "at": self.formatTime(record, "%Y-%m-%dT%H:%M:%S"),
            "level": record.levelname,
            "pid": record.process,
            "logger": record.name,
            "message": record.getMessage(),
        }
        entry.update(getattr(record, "fields", {}))
        if record.exc_info:
            entry["traceback"] = "".join(traceback.format_exception(*record.exc_info))
        return self.redact(json.dumps(entry, ensure_ascii=True, default=str))


def open_log(state_dir: Path, redact: Redactor) -> logging.Logger:
    """`<state dir>/backend.log`, private; third-party loggers only at WARNING and above."""
    state_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
    path = state_dir / "backend.log"
    os.close(os.open(path, os.O_CREAT | os.O_WRONLY | os.O_APPEND | os.O_NOFOLLOW, 0o600))
    handler = logging.FileHandler(path, encoding="utf-8")
    handler.setFormatter(_JsonFormatter(redact))
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(logging.WARNING)
    for name in _QUIET_LOGGERS:
        logging.getLogger(name).setLevel(logging.WARNING)
    log = logging.getLogger("moc_tui.backend")
    log.setLevel(logging.INFO)
    return log


class Output:
    """Writes redacted lines; a closed pipe (TUI gone) is noted, never fatal mid-operation."""

    def __init__(self, stream: IO[bytes], redact: Redactor) -> None:
        self.stream = stream
        self.redact = redact
        self.gone = False
        self._lock = threading.Lock()  # the inbox thread answers cancels meanwhile

    def send(self, message: dict[str, Any]) -> None:
        line = self.redact(encode(message).decode("ascii")).encode("ascii")
        with self._lock:
            if self.gone:
                return
            try:
                self.stream.write(line)
                self.stream.flush()
            except (BrokenPipeError, OSError, ValueError):
                self.gone = True


def read_request(stream: IO[bytes]) -> bytes | None:
    """The next line (b"" for an oversized one, whose rest is discarded), None at end of input."""
    line = stream.readline(MAX_MESSAGE + 1)
    if not line:
        return None
    if len(line) <= MAX_MESSAGE:
        return line
    while not line.endswith(b"\n"):
        line = stream.readline(1 << 16)
        if not line:
            break
    return b""


class Inbox:
    """Request lines read on a thread: a `cancel` is answered at once, the rest wait in order.

    A cancel only marks its target request; the op running it looks at the mark before each
    new step (`cancelled(request_id)`), so a step is never cut in half. A mark for a request
    that already finished does nothing; only the latest `MAX_MARKS` are kept.
    """

    MAX_MARKS = 64

    def __init__(self, stdin: IO[bytes], out: Output) -> None:
        self._stdin = stdin
        self._out = out
        self._lines: queue.Queue[bytes | None] = queue.Queue()
        self._marked: dict[Any, None] = {}  # an ordered set: the oldest mark goes first
        self._lock = threading.Lock()
        self._thread = threading.Thread(target=self._read, name="inbox", daemon=True)
        self._thread.start()

    def _read(self) -> None:
        try:
            while True:
                line = read_request(self._stdin)
                if line is None:
                    break
                if not (line and self._cancel(line)):
                    self._lines.put(line)
        finally:
            self._lines.put(None)

    def _cancel(self, line: bytes) -> bool:
        """Handle `line` here when it is a valid cancel; anything else goes to the main loop."""
        if b'"cancel"' not in line:  # not one: the main loop parses it (once)
            return False
        try:
            request_id, op, params = parse_line(line)
        except ProtocolError:
            return False  # the main loop parses it again and answers the error
        if op != "cancel":
            return False
        with self._lock:
            self._marked[params["target"]] = None
            while len(self._marked) > self.MAX_MARKS:
                del self._marked[next(iter(self._marked))]
        self._out.send(reply(request_id, {"target": params["target"], "marked": True}))
        return True

    def next(self) -> bytes | None:
        """The next request line (b"" for an oversized one), None at end of input."""
        return self._lines.get()

    def cancelled(self, request_id: Any) -> bool:
        with self._lock:
            return request_id in self._marked

    def forget(self, request_id: Any) -> None:
        with self._lock:
            self._marked.pop(request_id, None)


def serve(session: Session, stdin: IO[bytes], out: Output, log: logging.Logger) -> None:
    inbox = Inbox(stdin, out)
    while not out.gone:
        line = inbox.next()
        if line is None:
            break
        if line == b"":
            out.send(
                error_reply(None, ProtocolError("too_large", f"messages are at most {MAX_MESSAGE}"))
            )
            continue
        if not line.strip():
            continue
        handle_line(session, line, out, log, inbox)


def handle_line(
    session: Session,
    line: bytes,
    out: Output,
    log: logging.Logger,
    inbox: Inbox | None = None,
) -> None:
    request_id: Any = None
    op = "?"
    try:
        request_id, op, params = parse_line(line)

        def emit(item: ProgressEvent) -> None:
            out.send(event(request_id, *split(item)))

        if op == "cancel":  # read by the inbox; here only when called without one
            out.send(reply(request_id, {"target": params["target"], "marked": False}))
            return
        if inbox is not None and op in CANCELLABLE:
            session.cancelled = lambda: inbox.cancelled(request_id)
        try:
            result = session.handle(op, params, emit)
        finally:
            session.cancelled = never
            if inbox is not None:
                inbox.forget(request_id)
        out.send(reply(request_id, result))
        log.info("op", extra={"fields": {"op": op, "operator": session.operator, "ok": True}})
    except ProtocolError as error:
        request_id = error.extra.pop("request_id", request_id)
        out.send(error_reply(request_id, error))
        log.info(
            "refused",
            extra={"fields": {"op": op, "operator": session.operator, "code": error.code}},
        )
    except ServicesError as error:  # a sheet or the cloud could not be reached: say which
        log.warning("unavailable", extra={"fields": {"op": op, "error": str(error)}})
        out.send(error_reply(request_id, ProtocolError("unavailable", visible(str(error), 500))))
    except Exception as error:
        ref = secrets.token_hex(4)
        log.exception(
            "failed",
            extra={"fields": {"op": op, "operator": session.operator, "ref": ref}},
        )
        _record_failure(session, op, ref, error, log)
        out.send(
            error_reply(
                request_id,
                ProtocolError(
                    "internal", f"the operation failed; details are in the backend log (ref {ref})"
                ),
            )
        )


def _record_failure(
    session: Session, op: str, ref: str, error: Exception, log: logging.Logger
) -> None:
    """An errors-log record the operators see; the class only, never the message (may hold data)."""
    if session.services is None or session.operator is None:
        return
    try:
        session.services.journal.record_error(
            session.operator,
            f"backend operation {op} failed ({type(error).__name__}); backend log ref {ref}",
            step=op,
        )
    except Exception:
        log.exception("could not record the failure in the journal")


def _refuse(out: Output, problems: list[str]) -> int:
    """One plain sentence for the operator (the TUI shows it), and exit status 78."""
    message = "the backend cannot start: " + "; ".join(problems)
    out.send(error_reply(None, ProtocolError("startup", message[:4000])))
    return EX_CONFIG


def run(
    config: Path, stdin: IO[bytes], stdout: IO[bytes], operators_map: Path | None = None
) -> int:
    """Check the settings, then serve until stdin closes. Exit status 78 when it cannot start.

    `operators_map`: the root-owned map the roles are read from (`roles`); the launcher names it.

    Every way start-up can fail ends in one `startup` error line naming the fix, never in a
    traceback on a stderr nobody reads.
    """
    os.umask(0o077)
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # a tty hangup must not cut a step in half
    signal.signal(signal.SIGHUP, signal.SIG_IGN)
    clear_routing_environment()
    problems = backend_file_problems(config)
    settings: Settings | None = None
    try:
        settings = load_settings(config)
        problems += key_file_problems(settings)  # as `moc-tui check` does: google-auth loads it
    except SettingsError as error:
        problems += [str(p) for p in error.problems]
    except OSError as error:
        problems += unreadable(config, error)
    redact = Redactor(secrets_of(config, settings))
    out = Output(stdout, redact)
    if problems or settings is None:
        return _refuse(out, problems or [f"settings file {config} could not be loaded"])
    state = settings.state_dir
    try:
        log = open_log(state, redact)
        load_fingerprint_key(state)
        session = Session(settings, operators_map)
    except OSError as error:
        me = user_name()
        return _refuse(
            out,
            [
                f"the state folder {state} cannot be used by {me} ({error.strerror}); "
                f"run: chown -R {me} {state}"
            ],
        )
    except Exception as error:  # no traceback to a stderr nobody reads; the class only
        return _refuse(out, [f"an unexpected {type(error).__name__}; tell the admin"])
    log.info("start", extra={"fields": {"sudo_user": os.environ.get("SUDO_USER", "")}})
    try:
        serve(session, stdin, out, log)
    finally:
        session.close()
        log.info("end", extra={"fields": {"operator": session.operator, "tui_gone": out.gone}})
        if out.gone:  # nobody reads: let the interpreter's last flush go nowhere, not fail
            null = os.open(os.devnull, os.O_WRONLY)
            os.dup2(null, stdout.fileno())
            os.close(null)
    return 0
