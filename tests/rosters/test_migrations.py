"""The migrations, on a database of their own: empty to head, one head, models match, down and up again.

Runs on the engine in use (SQLite by default; PostgreSQL when TEST_DATABASE_URL is set), never on the
shared test tables: SQLite gets a temporary file, PostgreSQL a throwaway database on the same server
(``mig_<random>``), dropped afterwards. Whatever the newest migration is, these tests hold for it.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterator

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from flask import Flask
from flask_migrate import downgrade, upgrade
from sqlalchemy import Column, Integer, MetaData, Table, create_engine, inspect, text
from sqlalchemy.engine import make_url

from app import create_app
from rosters.cli import MIGRATIONS
from rosters.extensions import db
from tests.plugin import TEST_DATABASE_URL


@pytest.fixture
def fresh_url(tmp_path) -> Iterator[str]:
    """The address of an empty database no other test uses."""
    if not TEST_DATABASE_URL:
        yield "sqlite:///" + str(tmp_path / "migrations.sqlite3")
        return
    name = f"mig_{secrets.token_hex(6)}"
    server = create_engine(make_url(TEST_DATABASE_URL).set(database="postgres"), isolation_level="AUTOCOMMIT")
    with server.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(TEST_DATABASE_URL).set(database=name).render_as_string(hide_password=False)
    finally:
        with server.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        server.dispose()


@pytest.fixture
def fresh_app(fresh_url: str) -> Iterator[Flask]:
    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": fresh_url, "SECRET_KEY": "migrations"})
    with app.app_context():
        yield app
        db.session.remove()
        db.engine.dispose()


def tables() -> set[str]:
    return set(inspect(db.engine).get_table_names()) - {"alembic_version"}


def current_revision() -> str | None:
    with db.engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def differences(metadata: MetaData | None = None) -> list:
    """What autogenerate would put in a new migration: nothing, when the models match the migrations."""
    with db.engine.connect() as connection:
        context = MigrationContext.configure(
            connection, opts={"compare_type": True, "compare_server_default": False, "render_as_batch": True}
        )
        return compare_metadata(context, metadata if metadata is not None else db.metadata)


def test_there_is_a_single_head():
    heads = ScriptDirectory(MIGRATIONS).get_heads()
    assert len(heads) == 1, f"migrations have {len(heads)} heads {heads}: merge them (flask db merge)"


def test_every_migration_can_be_downgraded():
    """Each revision names its parent, and the chain from head reaches base without gaps."""
    script = ScriptDirectory(MIGRATIONS)
    chain = list(script.walk_revisions("base", "heads"))
    assert chain, "no migrations found"
    assert chain[-1].down_revision is None
    for revision in chain:
        assert revision.module.downgrade is not None, revision.revision


def test_upgrade_from_empty_then_models_match_then_down_and_up_again(fresh_app: Flask):
    head = ScriptDirectory(MIGRATIONS).get_current_head()
    assert tables() == set()

    upgrade(directory=MIGRATIONS)
    assert current_revision() == head
    assert tables() == set(db.metadata.tables), "the migrations and the models name different tables"
    problems = differences()
    assert not problems, "the models and the migrations differ (write a migration):\n" + "\n".join(map(str, problems))

    # The comparison does see a model the migrations lack (so "no differences" above means something).
    extra = MetaData()
    for table in db.metadata.tables.values():
        table.to_metadata(extra)
    Table("not_migrated", extra, Column("id", Integer, primary_key=True))
    assert [diff[0] for diff in differences(extra)] == ["add_table"]

    downgrade(directory=MIGRATIONS, revision="base")
    assert current_revision() is None
    assert tables() == set(), f"downgrade to base left tables behind: {sorted(tables())}"

    upgrade(directory=MIGRATIONS)
    assert current_revision() == head
    assert not differences()

    # Upgrading an up-to-date database is harmless (flask init-db may be run twice).
    upgrade(directory=MIGRATIONS)
    assert current_revision() == head


def test_each_step_goes_down_and_up(fresh_app: Flask):
    """Every migration's downgrade undoes its own upgrade, one step at a time from head."""
    script = ScriptDirectory(MIGRATIONS)
    upgrade(directory=MIGRATIONS)
    steps = [revision.revision for revision in script.walk_revisions("base", "heads")]
    for revision in steps:
        before = tables()
        downgrade(directory=MIGRATIONS, revision="-1")
        upgrade(directory=MIGRATIONS, revision=revision)
        assert tables() == before, revision
        assert current_revision() == revision
        downgrade(directory=MIGRATIONS, revision="-1")
    assert current_revision() is None
    assert tables() == set()
