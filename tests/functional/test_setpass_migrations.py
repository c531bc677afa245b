"""Upgrades without loss: a database made before migrations (or at an older revision) is
migrated in place by the service, and the links issued before the upgrade still work."""

from __future__ import annotations

import secrets
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

import pytest
from alembic import command
from sqlalchemy import Column, DateTime, Integer, MetaData, String, Table, Text, inspect

from setpass import schema
from setpass.cli import main
from setpass.crypto import Keyring, hash_token, new_token
from setpass.db import Store
from setpass.engine import make_engine
from tests.fixtures.databases import DATABASES
from tests.fixtures.keystone import KeystoneAdmin
from tests.fixtures.setpass import (
    PIN,
    SECRET,
    FakeClock,
    FormUser,
    StartServer,
    can_log_in,
    new_user,
)

pytestmark = pytest.mark.keystone
SETPASS_DATABASES = DATABASES


def previous_release_schema() -> MetaData:
    """What `Base.metadata.create_all` made before migrations existed (frozen copy)."""
    metadata = MetaData()
    Table(
        "setpass_registrations",
        metadata,
        Column("id", Integer, primary_key=True),
        Column("user_id", String(64), unique=True, nullable=False),
        Column("token_hash", String(64), unique=True, nullable=False),
        Column("pin_hash", String(64), nullable=False),
        Column("password_enc", Text, nullable=False),
        Column("updated_at", DateTime(timezone=False), index=True, nullable=False),
        Column("attempts", Integer, nullable=False),
    )
    return metadata


def issue_link(store: Store, user_id: str, temporary: str, now: datetime) -> str:
    """What the previous release's PUT /token stored (the registrations table is unchanged)."""
    keyring = Keyring.from_secret(SECRET)
    token = new_token()
    stored = store.upsert(
        user_id,
        hash_token(token),
        now,
        pin_hash=keyring.hash_pin(user_id, PIN),
        password_enc=keyring.encrypt_password(temporary),
    )
    assert stored
    return token


def write_config(tmp_path: Path, database: str) -> Path:
    conf = tmp_path / "setpass.conf"
    conf.write_text(f'[DEFAULT]\ndatabase = "{database}"\nsecret_key = {SECRET}\n')
    conf.chmod(0o600)
    return conf


def complete(url: str, token: str, admin: KeystoneAdmin, user_id: str) -> None:
    browser = FormUser()
    link = f"{url}?token={token}"
    assert browser.open(link).status_code == 200
    password = "After-upgrade-" + secrets.token_urlsafe(8)
    done = browser.set_password(link, PIN, password)
    assert done.status_code == 200, done.text
    assert can_log_in(admin, user_id, password)


def test_a_database_from_before_migrations_upgrades_in_place_and_its_links_work(
    setpass_db: str,
    setpass_factory: StartServer,
    keystone_admin: KeystoneAdmin,
    unique_name: Callable[[str], str],
    clock: FakeClock,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    engine = make_engine(setpass_db)
    previous_release_schema().create_all(engine)
    store = Store(engine)
    users = [new_user(keystone_admin, unique_name) for _ in range(2)]
    tokens = [issue_link(store, user.id, temporary, clock.now()) for user, temporary in users]
    assert store.count_wrong_pin(store.by_user_id(users[1][0].id).id, 3) == 1  # type: ignore[union-attr]

    conf = write_config(tmp_path, setpass_db)
    assert main(["-c", str(conf), "check"]) == 1
    assert "behind: made by a release before migrations" in capsys.readouterr().err

    server = setpass_factory()  # the new release starts on the old database
    assert schema.state(engine).up_to_date
    assert main(["-c", str(conf), "check"]) == 0
    assert "up to date" in capsys.readouterr().out
    for (user, _), token in zip(users, tokens, strict=True):
        complete(server.url, token, keystone_admin, user.id)
    engine.dispose()


def test_an_older_revision_upgrades_and_matches_a_fresh_database(
    setpass_db: str,
    setpass_factory: StartServer,
    keystone_admin: KeystoneAdmin,
    unique_name: Callable[[str], str],
    clock: FakeClock,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    engine = make_engine(setpass_db)
    with engine.begin() as conn:
        config = schema._config(conn)
        command.upgrade(config, schema.BASELINE)
    user, temporary = new_user(keystone_admin, unique_name)
    token = issue_link(Store(engine), user.id, temporary, clock.now())
    conf = write_config(tmp_path, setpass_db)
    assert main(["-c", str(conf), "check"]) == 1
    assert f"at revision {schema.BASELINE}" in capsys.readouterr().err

    server = setpass_factory()
    complete(server.url, token, keystone_admin, user.id)
    fresh = make_engine(f"sqlite:///{tmp_path / 'fresh.db'}")
    schema.upgrade(fresh)
    assert _tables(engine) == _tables(fresh)
    engine.dispose()


def _tables(engine: object) -> dict[str, list[str]]:
    found = inspect(engine)
    return {
        name: sorted(c["name"] for c in found.get_columns(name)) for name in found.get_table_names()
    }


def test_check_names_an_unreachable_database_without_its_password(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    secret = "Db-pass-" + secrets.token_hex(4)
    conf = write_config(tmp_path, f"mysql://setpass:{secret}@127.0.0.1:9/setpass")
    assert main(["-c", str(conf), "check"]) == 1
    out, err = capsys.readouterr()
    assert "mysql+pymysql://setpass:***@127.0.0.1:9/setpass" in out + err
    assert "cannot be read" in err and secret not in out + err


def test_the_migrations_build_exactly_the_tables_the_code_uses(setpass_db: str) -> None:
    """A model added without a migration (or a migration that drifts from its model) would
    work in a test that calls `create_all` and fail on every real, migrated database."""
    from alembic.autogenerate import compare_metadata
    from alembic.runtime.migration import MigrationContext

    import setpass.reset_requests
    from setpass.db import Base
    from setpass.ratelimit import rate_limits

    assert setpass.reset_requests  # imported for its model on Base.metadata
    used = MetaData()
    for table in [*Base.metadata.tables.values(), rate_limits]:
        table.to_metadata(used)
    engine = make_engine(setpass_db)
    schema.upgrade(engine)
    with engine.connect() as conn:
        differences = compare_metadata(MigrationContext.configure(conn), used)
    engine.dispose()
    assert differences == []
