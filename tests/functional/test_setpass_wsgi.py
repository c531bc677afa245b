"""The seeds' Apache route: config/setpass.wsgi loaded as mod_wsgi loads it, and the vhost.

mod_wsgi imports the .wsgi file as a module of its own (not through sys.path, not as
`__main__`) and calls its `application`; we do the same and drive it with werkzeug's WSGI test
client, on each database, through a whole registration and password change.
"""

from __future__ import annotations

import importlib.machinery
import importlib.util
import re
import secrets
from collections.abc import Callable
from pathlib import Path
from types import ModuleType

import pytest
from werkzeug.test import Client

from tests.fixtures.databases import DATABASES
from tests.fixtures.keystone import KeystoneAdmin
from tests.fixtures.setpass import PIN, SECRET, can_log_in, new_user

pytestmark = pytest.mark.keystone
SETPASS_DATABASES = DATABASES
CONFIG = Path(__file__).resolve().parents[2] / "config"


def load_like_mod_wsgi(script: Path) -> ModuleType:
    """What mod_wsgi does with WSGIScriptAlias: a fresh module named after the file's path."""
    name = "_mod_wsgi_" + re.sub(r"\W", "_", str(script))
    loader = importlib.machinery.SourceFileLoader(name, str(script))
    spec = importlib.util.spec_from_file_location(name, script, loader=loader)
    assert spec is not None
    module = importlib.util.module_from_spec(spec)
    loader.exec_module(module)
    return module


def test_the_wsgi_file_serves_a_whole_registration(
    setpass_db: str,
    keystone_admin: KeystoneAdmin,
    unique_name: Callable[[str], str],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    conf = tmp_path / "setpass.conf"
    conf.write_text(
        f'[DEFAULT]\ndatabase = "{setpass_db}"\nsecret_key = {SECRET}\n'
        f"auth_url = {keystone_admin.keystone.auth_url}\n"
    )
    conf.chmod(0o600)
    monkeypatch.setenv("SETPASS_CONFIG", str(conf))
    application = load_like_mod_wsgi(CONFIG / "setpass.wsgi").application
    assert callable(application)
    http = Client(application)

    assert http.get("/").status_code == 404
    assert http.put("/token/x", json={}).status_code == 401
    user, temporary = new_user(keystone_admin, unique_name)
    admin_token = keystone_admin.session.get_token()
    put = http.put(
        f"/token/{user.id}",
        json={"password": temporary, "pin": PIN},
        headers={"X-Auth-Token": admin_token},
    )
    assert put.status_code == 200
    token = put.get_data(as_text=True)
    page = http.get(f"/?token={token}", headers={"Accept": "text/html"})
    found = re.search(r'name="csrf_token" value="([^"]+)"', page.get_data(as_text=True))
    assert page.status_code == 200 and found
    password = "Via-mod-wsgi-" + secrets.token_urlsafe(8)
    done = http.post(
        f"/?token={token}",
        data={"csrf_token": found.group(1), "pin": PIN, "password": password,
              "confirm_password": password},
    )  # fmt: skip
    assert (done.status_code, done.get_data(as_text=True)) == (200, "Password set.")
    assert can_log_in(keystone_admin, user.id, password)


def directives(text: str) -> dict[str, list[str]]:
    """Apache directives (continuation lines joined, comments dropped): name -> arguments."""
    joined = re.sub(r"\\\n\s*", " ", text)
    found: dict[str, list[str]] = {}
    for line in joined.splitlines():
        line = line.strip()
        if line and not line.startswith(("#", "<")):
            name, _, args = line.partition(" ")
            found.setdefault(name, []).append(args.strip())
    return found


def test_the_apache_vhost_matches_what_the_service_needs() -> None:
    conf = directives((CONFIG / "apache-setpass.conf").read_text())
    alias = conf["WSGIScriptAlias"][0].split()
    assert alias[0] == "/" and Path(alias[1]).name == "setpass.wsgi"
    assert conf["WSGIPassAuthorization"] == ["On"]  # the admin's X-Auth-Token reaches the app
    daemon = conf["WSGIDaemonProcess"][0]
    assert re.search(r"\bprocesses=\d+", daemon) and re.search(r"\bthreads=5\b", daemon)
    assert conf["WSGIProcessGroup"][0] == daemon.split()[0]
    # the link token is in the query string: the access log must not carry it
    fmt_name = conf["CustomLog"][0].split()[-1]
    log_format = next(f for f in conf["LogFormat"] if f.endswith(" " + fmt_name))
    assert "%U" in log_format and not re.search(r"%[<>]?(r|q)", log_format)
