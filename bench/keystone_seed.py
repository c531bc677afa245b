"""A Keystone holding thousands of users and projects, seeded by SQL and cached per version.

Creating 5,000 users through the API takes minutes (one bcrypt hash and several writes each);
the same rows written straight into a copy of the bootstrapped template's SQLite DB take well
under a second. The rows are what Keystone's own SQL identity and resource backends write for a
local user without a password (`user` + `local_user`) and for a project (`project`), so the
server serves them like any other. The seeded DB is cached beside the template, keyed by the
template's key (Keystone version, config, init script) and the counts, and copied per run.

Some seeded users are spelled with capitals (`Seed00007@Example.org`), as the original tool
created them from whatever case the requester typed: the lookups must find them in any case.
"""

from __future__ import annotations

import os
import secrets
import shutil
import sqlite3
import uuid
from pathlib import Path

from moc_tui.devstack.keystone import DEFAULT_DOMAIN, ensure_template, template_key

SEED_DOMAIN_SUFFIX = "example.org"
KEY_DIRS = ("fernet-keys", "credential-keys")
MIXED_CASE_EVERY = 7  # every 7th seeded user is spelled with capitals


def seed_user_name(n: int) -> str:
    """The name of seeded user `n` as stored in Keystone."""
    if n % MIXED_CASE_EVERY == 0:
        return f"Seed{n:05d}@Example.org"
    return f"seed{n:05d}@{SEED_DOMAIN_SUFFIX}"


def seed_project_name(n: int) -> str:
    return f"seed-project-{n:05d}"


def _seed(db_path: Path, users: int, projects: int) -> None:
    db = sqlite3.connect(db_path)
    try:
        with db:
            user_rows, local_rows, project_rows = [], [], []
            for n in range(users):
                user_id = uuid.uuid4().hex
                name = seed_user_name(n)
                extra = f'{{"email": "{name.lower()}"}}'
                user_rows.append((user_id, extra, 1, "2024-01-01 00:00:00", DEFAULT_DOMAIN))
                local_rows.append((user_id, DEFAULT_DOMAIN, name, 0))
            for n in range(projects):
                project_rows.append(
                    (uuid.uuid4().hex, seed_project_name(n), "{}", "seeded", 1, DEFAULT_DOMAIN)
                )
            db.executemany(
                "INSERT INTO user (id, extra, enabled, created_at, domain_id) "
                "VALUES (?, ?, ?, ?, ?)",
                user_rows,
            )
            db.executemany(
                "INSERT INTO local_user (user_id, domain_id, name, failed_auth_count) "
                "VALUES (?, ?, ?, ?)",
                local_rows,
            )
            db.executemany(
                "INSERT INTO project (id, name, extra, description, enabled, domain_id, "
                "parent_id, is_domain) VALUES (?, ?, ?, ?, ?, ?, ?, 0)",
                [(*row, DEFAULT_DOMAIN) for row in project_rows],
            )
    finally:
        db.close()


def seeded_template(cache_root: Path, users: int, projects: int) -> Path:
    """A template directory (keystone.db + key repositories) with the seeded rows; built once."""
    base = ensure_template(cache_root)
    done = cache_root / f"{template_key()}-seed-u{users}-p{projects}"
    if (done / "keystone.db").exists():
        return done
    build = cache_root / f"{done.name}.build-{os.getpid()}-{secrets.token_hex(4)}"
    shutil.copytree(base, build)
    try:
        _seed(build / "keystone.db", users, projects)
        try:
            build.rename(done)
        except OSError:
            if not (done / "keystone.db").exists():
                raise
    finally:
        shutil.rmtree(build, ignore_errors=True)
    return done


def prepare_state(state_dir: Path, template: Path) -> None:
    """Copy a (seeded) template into a LocalKeystone state dir before its first start."""
    state_dir.mkdir(parents=True, exist_ok=True)
    shutil.copy2(template / "keystone.db", state_dir / "keystone.db")
    for name in KEY_DIRS:
        shutil.copytree(template / name, state_dir / name, dirs_exist_ok=True)
