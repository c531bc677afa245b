"""The edges of the host around the login (issue 14), on a deployed host with real accounts,
the real sudoers rule and a private sshd: what sudo may pass, what the interpreter may read,
what the backend does when it cannot start, and what setup-host does to folders and links."""

from __future__ import annotations

import dataclasses
import json
import os
import shutil
import socket
import stat
import subprocess
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from moc_tui.host.layout import Layout
from moc_tui.host.setup import SetupError, ensure_login_log, setup_host
from tests.fixtures.sshd import (
    ADMIN_CANARY,
    OPERATOR,
    SOURCE,
    HelpdeskHost,
    deployed_host,
    fill_sheet,
    pth_ran,
)
from tests.reset_form import PIN
from tests.sample_rows import access_row

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def host() -> Iterator[HelpdeskHost]:
    yield from deployed_host()


@pytest.fixture(scope="module", autouse=True)
def _rows(host: HelpdeskHost) -> None:
    fill_sheet(host.layout, [access_row(pin=PIN)])


def backend(host: HelpdeskHost, requests: list[dict[str, Any] | bytes], **env: str) -> list[Any]:
    """The backend as the TUI starts it (helpdesk -> sudo -> service user); its replies."""
    argv = ["/usr/bin/sudo", "-n", "-u", host.layout.service_user, "--", str(host.layout.backend)]
    lines = [r if isinstance(r, bytes) else json.dumps(r).encode() for r in requests]
    result = host.as_user(host.user, argv, b"".join(line + b"\n" for line in lines), **env)
    assert ADMIN_CANARY.encode() not in result.stdout + result.stderr
    return [json.loads(line) for line in result.stdout.splitlines()]


HELLO = {"id": 1, "op": "hello", "params": {"operator": OPERATOR}}


def _quote(word: str) -> str:
    return "'" + word.replace("'", "'\\''") + "'"


# sudo's Defaults and the backend's own environment -----------------------------------------
class Listener:
    """A TCP listener on 127.0.0.1 that records whatever connects (a would-be proxy)."""

    def __init__(self) -> None:
        self.server = socket.create_server(("127.0.0.1", 0))
        self.port = self.server.getsockname()[1]
        self.received: list[bytes] = []
        self.thread = threading.Thread(target=self._accept, daemon=True)
        self.thread.start()

    def _accept(self) -> None:
        while True:
            try:
                conn, _ = self.server.accept()
            except OSError:
                return
            with conn:
                conn.settimeout(5)
                try:
                    self.received.append(conn.recv(4096) or b"(connected)")
                except OSError:
                    self.received.append(b"(connected)")

    def close(self) -> None:
        self.server.close()


def test_a_proxy_set_by_helpdesk_never_sees_the_token_request(host: HelpdeskHost) -> None:
    layout = host.layout
    drop = Path(f"/etc/sudoers.d/moc-tui-proxytest-{layout.helpdesk_user}")
    # the host's fault: the caller's environment passes; and, for the control below only,
    # a rule that shows what the service user's environment then holds
    drop.write_text(
        f"Defaults:{layout.helpdesk_user} !env_reset\n"
        f'{layout.helpdesk_user} ALL=({layout.service_user}) NOPASSWD: /usr/bin/env ""\n'
    )
    drop.chmod(0o440)
    proxy = Listener()
    url = f"http://127.0.0.1:{proxy.port}"
    env = {name: url for name in ("HTTP_PROXY", "https_proxy", "ALL_PROXY", "http_proxy")} | {
        "REQUESTS_CA_BUNDLE": "/tmp/evil-ca.pem",
        "NO_PROXY": "",
    }
    try:
        control = host.as_user(
            host.user,
            ["/usr/bin/sudo", "-n", "-u", layout.service_user, "/usr/bin/env"],
            b"",
            **env,
        )
        replies = backend(
            host, [HELLO, {"id": 2, "op": "find_users", "params": {"text": "bob"}}], **env
        )
    finally:
        drop.unlink()
        proxy.close()
    assert f"HTTP_PROXY={url}".encode() in control.stdout  # sudo did pass it on
    assert replies[0]["ok"] is True
    # Keystone (auth_url on 127.0.0.1:9) was tried directly and could not be reached
    assert replies[1]["ok"] is False and replies[1]["error"]["code"] == "unavailable"
    assert proxy.received == []


# the interpreter's site ------------------------------------------------------------------------
def test_no_pth_file_runs_in_the_backend_or_the_tui(host: HelpdeskHost) -> None:
    """The fixture planted a .pth on the launchers' path; neither launcher runs it."""
    assert backend(host, [HELLO])[0]["ok"] is True
    session = host.open_terminal(" ".join(map(_quote, host.ssh_args("-tt"))))
    host.wait_screen(session, "pending rows: 1")
    host.tmux("send-keys", "-t", session, "C-q")
    host.wait_screen(session, "SSH-EXIT=0")
    assert not pth_ran(host)


def test_the_wrapper_s_own_flags_keep_a_pth_file_from_running(
    host: HelpdeskHost, tmp_path: Path
) -> None:
    """A venv stands in for an interpreter whose site-packages a local user could write."""
    venv = tmp_path / "venv"
    subprocess.run(["/usr/bin/python3", "-m", "venv", "--without-pip", str(venv)], check=True)
    [site] = list(venv.glob("lib/python3*/site-packages"))
    mark = tmp_path / "pth-ran"
    (site / "evil.pth").write_text(f"import pathlib; pathlib.Path({str(mark)!r}).touch()\n")
    wrapper = host.layout.wrapper
    shebang = wrapper.read_text().splitlines()[0].split()
    assert shebang == ["#!/usr/bin/python3", "-IS"]
    env = {"PATH": "/usr/bin:/bin"}
    argv = [str(venv / "bin" / "python"), shebang[1], str(wrapper)]
    ran = subprocess.run(argv, capture_output=True, env=env, timeout=30, check=False)
    assert ran.returncode == 64 and b"only as an SSH forced command" in ran.stderr
    assert not mark.exists()
    # the control: with -I alone (the old line) the same interpreter runs the file
    subprocess.run([*argv[:1], "-I", *argv[2:]], capture_output=True, env=env, timeout=30)
    assert mark.exists()


# start-up refusals reach the operator ---------------------------------------------------------
@pytest.mark.parametrize("what", ["settings", "config_dir"])
def test_settings_owned_by_another_account(host: HelpdeskHost, what: str) -> None:
    layout = host.layout
    path: Path = getattr(layout, what)
    shutil.chown(path, "root", "root")
    try:
        replies = backend(host, [HELLO])
        session = host.open_terminal(" ".join(map(_quote, host.ssh_args("-tt"))))
        screen = host.wait_screen(session, "run: chown")
        host.tmux("send-keys", "-t", session, "q")
        host.wait_screen(session, "SSH-EXIT=0")
    finally:
        shutil.chown(path, layout.service_user, layout.service_user)
    [error] = replies
    assert error["id"] is None and error["error"]["code"] == "startup"
    message = error["error"]["message"]
    assert message.startswith("the backend cannot start: ")
    assert f"run: chown {layout.service_user}" in message and str(layout.settings) in message
    assert "Traceback" not in screen and "the backend stopped" not in screen
    assert "cannot start" in screen and ADMIN_CANARY not in screen


def test_a_state_folder_of_another_account(host: HelpdeskHost) -> None:
    state = host.layout.state_dir
    shutil.chown(state, "root", "root")
    try:
        [error] = backend(host, [HELLO])
    finally:
        shutil.chown(state, host.layout.service_user, host.layout.service_user)
    assert error["error"]["code"] == "startup"
    assert f"run: chown -R {host.layout.service_user} {state}" in error["error"]["message"]


# malformed input ------------------------------------------------------------------------------
def test_a_30000_deep_array_is_a_protocol_error(host: HelpdeskHost) -> None:
    deep = b"[" * 30000 + b"]" * 30000
    nested_params = b'{"id": 3, "op": "hello", "params": {"operator": ' + deep + b"}}"
    errors = {"id": 5, "op": "list_errors", "params": {"include_acknowledged": True}}
    replies = backend(host, [HELLO, deep, nested_params, {"id": 4, "op": "list_access"}, errors])
    assert [r.get("error", {}).get("code") for r in replies[1:3]] == ["malformed", "malformed"]
    assert "nests deeper" in replies[1]["error"]["message"]
    assert replies[3]["ok"] is True  # the backend goes on
    assert not any("hello" in e.get("message", "") for e in replies[4]["result"]["errors"])
    assert all("internal" not in json.dumps(r) for r in replies)
    log = (host.layout.state_dir / "backend.log").read_text()
    assert "RecursionError" not in log and "Traceback" not in log


# setup-host: the login log's folder and links -------------------------------------------------
def _state(path: Path) -> tuple[int, int, int]:
    info = path.lstat()
    return info.st_uid, info.st_gid, stat.S_IMODE(info.st_mode)


@pytest.mark.parametrize("where", ["/tmp/hd-login-{tag}.log", "{prefix}/var/log/login.log"])
def test_the_login_log_never_takes_over_an_existing_folder(host: HelpdeskHost, where: str) -> None:
    log = Path(where.format(tag=host.user, prefix=host.prefix))
    before = _state(log.parent)
    layout = dataclasses.replace(host.layout, login_log=str(log))
    with pytest.raises(SetupError, match=r"a folder of its own|nobody else can write"):
        ensure_login_log(layout, log, [])
    assert _state(log.parent) == before and not log.exists()


def test_the_login_log_gets_a_new_folder_of_its_own(host: HelpdeskHost) -> None:
    log = host.prefix / "var" / "log" / "helpdesk-login" / "login.log"
    done: list[str] = []
    layout = dataclasses.replace(host.layout, login_log=str(log))
    ensure_login_log(layout, log, done)
    uid = _state(host.login_log)[0]  # the fixture's log: the helpdesk account's
    assert _state(log.parent)[0] == uid and _state(log.parent)[2] == 0o700
    assert _state(log)[0] == uid and _state(log)[2] == 0o600
    assert done == [f"created {log.parent} for the login log"]
    again: list[str] = []
    ensure_login_log(layout, log, again)  # its own folder from before: accepted, untouched
    assert again == []


def test_setup_host_refuses_a_link_planted_for_the_log(host: HelpdeskHost) -> None:
    target = host.prefix / "setuid-target"
    shutil.copy("/bin/true", target)
    target.chmod(0o4755)
    log = host.login_log
    saved = log.read_bytes()
    planted = host.as_user(host.user, ["/bin/ln", "-sf", str(target), str(log)])
    assert planted.returncode == 0, planted.stderr
    try:
        with pytest.raises(SetupError, match="symbolic link"):
            setup_host(host.layout, SOURCE, check_sshd=False)
    finally:
        log.unlink()
        log.write_bytes(saved)
        shutil.chown(log, host.user, host.user)
        log.chmod(0o600)
    assert _state(target) == (0, 0, 0o4755)


def test_setup_host_refuses_a_hard_link_planted_for_the_log(host: HelpdeskHost) -> None:
    target = host.prefix / "var" / "root-file"
    target.write_text("root's\n")
    target.chmod(0o644)
    log = host.login_log
    saved = log.read_bytes()
    log.unlink()
    os.link(target, log)  # as if protected_hardlinks were off
    try:
        with pytest.raises(SetupError, match=r"hard links|another account"):
            setup_host(host.layout, SOURCE, check_sshd=False)
    finally:
        log.unlink()
        log.write_bytes(saved)
        shutil.chown(log, host.user, host.user)
        log.chmod(0o600)
    assert _state(target) == (0, 0, 0o644)


def test_setup_host_refuses_a_link_in_place_of_a_root_file(host: HelpdeskHost) -> None:
    target = host.prefix / "another-target"
    target.write_text("x")
    target.chmod(0o4755)
    keys = host.layout.operators_map
    saved = keys.read_bytes()
    keys.unlink()
    keys.symlink_to(target)
    try:
        with pytest.raises(OSError, match="symbolic link"):
            setup_host(host.layout, SOURCE, check_sshd=False)
    finally:
        keys.unlink()
        keys.write_bytes(saved)
        keys.chmod(0o644)
    assert _state(target) == (0, 0, 0o4755)


# launchers that cannot load the program ------------------------------------------------------
def test_a_launcher_that_cannot_load_the_program_says_so(tmp_path: Path) -> None:
    """Launchers rendered with an empty library path (a broken install): one sentence each."""
    layout = Layout(python="/usr/bin/python3")
    for name, text in (("backend", layout.backend_launcher([])), ("ui", layout.ui_launcher([]))):
        (tmp_path / name).write_text(text)
    run = [
        subprocess.run(
            ["/usr/bin/python3", "-IS", str(tmp_path / name)],
            capture_output=True,
            text=True,
            timeout=30,
            check=False,
            cwd="/",
        )
        for name in ("backend", "ui")
    ]
    assert [r.returncode for r in run] == [78, 78]
    [line] = run[0].stdout.splitlines()
    error = json.loads(line)["error"]
    assert error["code"] == "startup" and "ModuleNotFoundError" in error["message"]
    assert run[1].stderr.startswith("the helpdesk program cannot start (ModuleNotFoundError)")
    assert "Traceback" not in run[0].stderr + run[1].stderr


def test_sudo_refusing_the_backend_reaches_the_operator(host: HelpdeskHost) -> None:
    """No backend line at all (sudo said no): the TUI still says what to do."""
    rule = host.layout.sudoers
    aside = rule.with_name(f".{rule.name}.aside")  # sudo skips names with a dot
    rule.rename(aside)
    try:
        session = host.open_terminal(" ".join(map(_quote, host.ssh_args("-tt"))))
        screen = host.wait_screen(session, "moc-tui doctor")
        host.tmux("send-keys", "-t", session, "q")
        host.wait_screen(session, "SSH-EXIT=0")
    finally:
        aside.rename(rule)
    assert "the backend did not start" in screen and "Traceback" not in screen
