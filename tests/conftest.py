"""Shared fixtures: one migrated database per run (SQLite, or PostgreSQL via TEST_DATABASE_URL), emptied after each test."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask, g, has_app_context
from flask.testing import FlaskClient, FlaskCliRunner
from flask_migrate import upgrade
from sqlalchemy import create_engine, text

from app import create_app
from rosters.cli import MIGRATIONS
from rosters.extensions import db
from tests.factories import PASSWORD

TEST_DATABASE_URL = os.environ.get("TEST_DATABASE_URL", "").strip()

# The programme with a record of every kind (``world``) that route-walking tests share.
pytest_plugins = ["tests.world"]


def _fresh_postgres(url: str) -> None:
    engine = create_engine(url)
    with engine.begin() as connection:
        connection.execute(text("DROP SCHEMA public CASCADE"))
        connection.execute(text("CREATE SCHEMA public"))
    engine.dispose()


@pytest.fixture(scope="session")
def database_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    if TEST_DATABASE_URL:
        _fresh_postgres(TEST_DATABASE_URL)
        return TEST_DATABASE_URL
    return "sqlite:///" + str(tmp_path_factory.mktemp("db") / "test.sqlite3")


@pytest.fixture(scope="session")
def base_config(database_url: str, tmp_path_factory: pytest.TempPathFactory) -> dict:
    return {
        "TESTING": True,
        "SQLALCHEMY_DATABASE_URI": database_url,
        "SECRET_KEY": "test-secret-key",
        "WTF_CSRF_ENABLED": False,
        "ORGANISATION_NAME": "Test Council",
    }


@pytest.fixture(scope="session")
def _migrated(base_config: dict) -> None:
    """Build the schema through the real migrations, as ``flask init-db`` does."""
    app = create_app(base_config)
    with app.app_context():
        upgrade(directory=MIGRATIONS)
        db.engine.dispose()


@pytest.fixture
def make_app(base_config: dict, _migrated: None) -> Iterator:
    """Build an app with extra settings; every table is emptied after the test."""
    apps: list[Flask] = []

    def build(**overrides) -> Flask:
        app = create_app({**base_config, **overrides})
        app.test_client_class = FreshRequestClient
        apps.append(app)
        return app

    yield build
    for app in apps:
        with app.app_context():
            db.session.remove()
    cleaner = create_app(base_config)
    with cleaner.app_context():
        with db.engine.begin() as connection:
            for table in reversed(db.metadata.sorted_tables):
                connection.execute(table.delete())
        db.engine.dispose()
    for app in apps:
        with app.app_context():
            db.session.remove()
            db.engine.dispose()


class FreshRequestClient(FlaskClient):
    """A test client whose every request starts with an empty ``g``, as each real request does.

    Tests keep one app context open so they can use the database directly; without this, values
    cached in ``g`` (the signed-in person, the CSP nonce) would leak from one request to the next.
    """

    def open(self, *args, **kwargs):
        if has_app_context():
            g.__dict__.clear()
        return super().open(*args, **kwargs)


@pytest.fixture
def app(make_app) -> Iterator[Flask]:
    app = make_app()
    app.test_client_class = FreshRequestClient
    with app.app_context():
        yield app


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def runner(app: Flask) -> FlaskCliRunner:
    return app.test_cli_runner()


class AuthActions:
    """Sign in and out through the real pages, as a person would."""

    def __init__(self, client: FlaskClient):
        self.client = client

    def login(self, email: str, password: str = PASSWORD):
        return self.client.post("/sign-in", data={"email": email, "password": password})

    def logout(self):
        return self.client.post("/sign-out", data={})


@pytest.fixture
def auth(client: FlaskClient) -> AuthActions:
    return AuthActions(client)


@pytest.fixture
def data_dir() -> Path:
    return Path(__file__).parent / "data"


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    """Playwright drives Debian's Chromium (it cannot download its own browser here)."""
    from tests.browser_support import CHROMIUM, LAUNCH_ARGS

    return {**browser_type_launch_args, "executable_path": CHROMIUM, "args": LAUNCH_ARGS}
