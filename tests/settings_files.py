"""Write settings files for tests: a minimal valid file, with sections changed or added."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

Sections = Mapping[str, Mapping[str, str] | None]

# Every value the shipped templates need, on 127.0.0.1: with these `moc-tui check` has no
# placeholder to complain about.
MAIL_DEFAULTS = {
    "sender": "cloud@test.invalid",
    "support_email": "help@test.invalid",
    "login_url": "http://127.0.0.1/dashboard",
    "terms_url": "http://127.0.0.1/terms",
    "getting_started_url": "http://127.0.0.1/start",
    "password_reset_form_url": "http://127.0.0.1:5001/reset",
}


def minimal_sections(tmp_path: Path) -> dict[str, dict[str, str]]:
    """The smallest valid settings: a local sheet store and a state directory under tmp_path."""
    return {
        "auth": {
            "auth_url": "http://127.0.0.1:5000/v3",
            "admin_user": "admin",
            "admin_pwd": "pw%with%percent",
            "admin_project": "admin",
        },
        "setpass": {"setpass_url": "http://127.0.0.1:5001/"},
        "excelsheet": {"local_store": str(tmp_path / "access.db")},
        "state": {"directory": str(tmp_path / "state")},
    }


def write_settings(tmp_path: Path, changes: Sections | None = None, *, mode: int = 0o600) -> Path:
    """Write settings.ini: `changes` replaces whole sections; a None value drops the section."""
    sections: dict[str, Mapping[str, str]] = dict(minimal_sections(tmp_path))
    for name, body in (changes or {}).items():
        if body is None:
            sections.pop(name, None)
        else:
            sections[name] = body
    lines: list[str] = []
    for name, body in sections.items():
        lines.append(f"[{name}]")
        lines += [f"{key} = {value}" for key, value in body.items()]
        lines.append("")
    tmp_path.mkdir(parents=True, exist_ok=True)
    path = tmp_path / "settings.ini"
    path.write_text("\n".join(lines), encoding="utf-8")
    path.chmod(mode)
    return path
