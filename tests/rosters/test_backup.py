"""Backup and restore, as docs/operations.md describes: a restored database gives identical figures."""

from __future__ import annotations

import os
import secrets
import shutil
import sqlite3
import subprocess
import sys

import pytest
from flask import Flask
from flask_migrate import upgrade
from sqlalchemy import create_engine, func, select, text
from sqlalchemy.engine import make_url

from app import create_app
from rosters.cli import MIGRATIONS
from rosters.extensions import db
from tests.plugin import ROOT
from tests.programme_data import metrics_json, populate_programme


def table_counts(app: Flask) -> dict[str, int]:
    with app.app_context():
        return {table.name: db.session.scalar(select(func.count()).select_from(table))
                for table in db.metadata.sorted_tables}


def figures(app: Flask) -> list[str]:
    with app.app_context():
        return metrics_json(app.test_cli_runner())


def cli_metrics(database_url: str, start: str, end: str) -> str:
    """The real ``flask metrics`` in a new process, pointed at a database by ``DATABASE_URL``."""
    env = {k: v for k, v in os.environ.items() if k not in {"FLASK_APP"}}
    env.update(DATABASE_URL=database_url, SECRET_KEY="backup-test")
    done = subprocess.run([sys.executable, "-m", "flask", "metrics", "--start", start, "--end", end], cwd=ROOT,
                          env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    return done.stdout


def dispose(*apps: Flask) -> None:
    for app in apps:
        with app.app_context():
            db.session.remove()
            db.engine.dispose()


def test_sqlite_online_backup_restores_into_a_fresh_file_with_identical_figures(base_config, tmp_path):
    live_url = "sqlite:///" + str(tmp_path / "live.sqlite3")
    live = create_app({**base_config, "SQLALCHEMY_DATABASE_URI": live_url})
    with live.app_context():
        upgrade(directory=MIGRATIONS)
        populate_programme()
        # Leave a change in the WAL file, as a running service would: the backup API must include it.
        assert db.session.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        db.session.execute(text("UPDATE teams SET service = 'Assessment and intake' WHERE name = 'Assessment 1'"))
        db.session.commit()
        assert (tmp_path / "live.sqlite3-wal").exists()

        # The backup runs while the service's connection is open, as docs/operations.md says it may.
        source = sqlite3.connect(tmp_path / "live.sqlite3")
        target = sqlite3.connect(tmp_path / "backup.sqlite3")
        with target:
            source.backup(target)
        target.close()
        source.close()
        before = metrics_json(live.test_cli_runner())

    assert not (tmp_path / "backup.sqlite3-wal").exists() or (tmp_path / "backup.sqlite3-wal").stat().st_size == 0
    check = sqlite3.connect(tmp_path / "backup.sqlite3")
    assert check.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    check.close()

    # Restore: a fresh file in a fresh place, then init-db (which changes nothing on a current backup).
    restored_path = tmp_path / "restored" / "wellbeing.sqlite3"
    restored_path.parent.mkdir()
    shutil.copyfile(tmp_path / "backup.sqlite3", restored_path)
    restored = create_app({**base_config, "SQLALCHEMY_DATABASE_URI": "sqlite:///" + str(restored_path)})
    result = restored.test_cli_runner().invoke(args=["init-db"])
    assert result.exit_code == 0, result.output

    assert figures(restored) == before
    assert table_counts(restored) == table_counts(live)
    with restored.app_context():
        assert db.session.execute(text("SELECT service FROM teams WHERE name = 'Assessment 1'")).scalar() \
            == "Assessment and intake"
    start, end = "2000-01-01", "2100-12-31"
    assert cli_metrics("sqlite:///" + str(restored_path), start, end) == cli_metrics(live_url, start, end)
    dispose(live, restored)


def _postgres_tools() -> tuple[str, str]:
    dump, restore = shutil.which("pg_dump"), shutil.which("pg_restore")
    if not (dump and restore):
        if os.environ.get("CI"):
            pytest.fail("pg_dump and pg_restore are required in CI (apt-get install postgresql-client)")
        pytest.skip("pg_dump/pg_restore not installed")
    return dump, restore


def test_postgres_dump_restores_into_a_fresh_database_with_identical_figures(app, database_url, tmp_path, base_config):
    if not database_url.startswith("postgresql"):
        pytest.skip("PostgreSQL backup is tested when TEST_DATABASE_URL names a PostgreSQL database")
    pg_dump, pg_restore = _postgres_tools()
    populate_programme()
    db.session.commit()
    before = metrics_json(app.test_cli_runner())

    live = make_url(database_url)
    plain = live.set(drivername="postgresql")  # pg_dump takes libpq URLs, not SQLAlchemy's +psycopg
    dump_file = tmp_path / "wellbeing.dump"
    subprocess.run([pg_dump, "-Fc", "--no-owner", "--no-privileges", "-d", plain.render_as_string(hide_password=False),
                    "-f", str(dump_file)], check=True, capture_output=True, timeout=120)

    fresh_name = f"{live.database}_restore_{secrets.token_hex(4)}"
    maintenance = create_engine(live.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with maintenance.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{fresh_name}"'))
    fresh = live.set(database=fresh_name)
    restored = None
    try:
        subprocess.run([pg_restore, "--no-owner", "--no-privileges", "--exit-on-error",
                        "-d", plain.set(database=fresh_name).render_as_string(hide_password=False), str(dump_file)],
                       check=True, capture_output=True, timeout=120)
        fresh_url = fresh.render_as_string(hide_password=False)
        restored = create_app({**base_config, "SQLALCHEMY_DATABASE_URI": fresh_url})
        result = restored.test_cli_runner().invoke(args=["init-db"])
        assert result.exit_code == 0, result.output
        assert figures(restored) == before
        assert table_counts(restored) == table_counts(app)
        start, end = "2000-01-01", "2100-12-31"
        assert cli_metrics(fresh_url, start, end) == cli_metrics(database_url, start, end)
    finally:
        if restored is not None:
            dispose(restored)
        with maintenance.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{fresh_name}" WITH (FORCE)'))
        maintenance.dispose()
