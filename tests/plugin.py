"""The test suite's shared fixtures and helpers, in one place (conftest.py only loads this module).

- A migrated database per run (SQLite, or PostgreSQL with TEST_DATABASE_URL), emptied after each test;
  under pytest-xdist (``-n 2``) each worker has its own (``<database>_gw0``, ...: ``TEST_DATABASE_URL``);
  ``make_app`` builds an app with extra settings, ``app``/``client``/``runner``/``auth`` as in flaskr.
- ``sent`` catches the e-mail the service hands over, ``world`` builds a programme with a record of every
  kind for tests that walk every route (``tests/world.py``), Chromium for browser tests.
- ``ROOT``, ``text`` and ``date_parts`` for the tests' own use. Data comes from ``tests/factories.py``,
  moments to freeze the clock at from ``tests/moments.py``.
"""

from __future__ import annotations

import datetime as dt
import os
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask, g, has_app_context
from flask.testing import FlaskClient, FlaskCliRunner
from flask_migrate import upgrade
from sqlalchemy import create_engine
from sqlalchemy import text as sql
from sqlalchemy.engine import make_url

from app import create_app
from rosters import mail, outbox
from rosters.cli import MIGRATIONS
from rosters.extensions import db
from tests.factories import PASSWORD
from tests.world import World, build_world

ROOT = Path(__file__).resolve().parent.parent
# The xdist worker this process is ("gw0", "gw1", ...), or "" in a plain run (and in xdist's controller).
XDIST_WORKER = re.sub(r"[^a-z0-9_]", "", os.environ.get("PYTEST_XDIST_WORKER", "").lower())


def _worker_url(url: str) -> str:
    """The worker's own PostgreSQL database under xdist (``test`` becomes ``test_gw0``), so that workers
    never empty each other's tables; the address unchanged in a plain run."""
    if not url or not XDIST_WORKER:
        return url
    address = make_url(url)
    return address.set(database=f"{address.database}_{XDIST_WORKER}").render_as_string(hide_password=False)


# The test database's address for this process: every test that needs the server's address imports it.
TEST_DATABASE_URL = _worker_url(os.environ.get("TEST_DATABASE_URL", "").strip())


# Under xdist, the longest tests start first: work stealing then evens the workers out with short tests at
# the end, instead of one worker sweeping the lead's pages alone for minutes while the other waits.
FIRST_UNDER_XDIST = ("tests/site/test_web_fuzz.py",)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    if XDIST_WORKER:  # every worker collects, and must get the same order
        items.sort(key=lambda item: item.nodeid.split("::")[0] not in FIRST_UNDER_XDIST)  # stable: else as found


def text(response) -> str:
    """A response's body as text."""
    return response.get_data(as_text=True)


def date_parts(day: dt.date) -> list[str]:
    """A date as the GOV.UK date boxes post it: day, month, year."""
    return [str(day.day), str(day.month), str(day.year)]


def _create_if_missing(url: str) -> None:
    """Create the database ``url`` names (a worker's own, on its first run), through ``postgres``."""
    address = make_url(url)
    server = create_engine(address.set(database="postgres"), isolation_level="AUTOCOMMIT")
    try:
        with server.connect() as connection:
            exists = connection.execute(sql("SELECT 1 FROM pg_database WHERE datname = :name"),
                                        {"name": address.database}).scalar()
            if not exists:
                connection.execute(sql(f'CREATE DATABASE "{address.database}"'))
    finally:
        server.dispose()


def _fresh_postgres(url: str) -> None:
    if XDIST_WORKER:
        _create_if_missing(url)
    engine = create_engine(url)
    with engine.begin() as connection:
        connection.execute(sql("DROP SCHEMA public CASCADE"))
        connection.execute(sql("CREATE SCHEMA public"))
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


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    """Playwright drives Debian's Chromium (it cannot download its own browser here)."""
    from tests.browser_support import CHROMIUM, LAUNCH_ARGS

    return {**browser_type_launch_args, "executable_path": CHROMIUM, "args": LAUNCH_ARGS}


@pytest.fixture
def sent(monkeypatch) -> list[mail.Message]:
    """Every e-mail the service hands over to be sent, in order; nothing leaves the machine."""
    messages: list[mail.Message] = []

    def fake_post(batch) -> list:
        batch = list(batch)
        messages.extend(batch)
        return []

    monkeypatch.setattr(outbox, "post", fake_post)
    return messages


@pytest.fixture
def world(app: Flask, sent) -> World:
    """Two teams and one person of each role; a record of every kind, some of them other people's."""
    return build_world()


@pytest.fixture
def demo_server(app, runner) -> Iterator[str]:
    """The demo programme (``flask seed-demo``) served on a free local port, for one browser test."""
    from tests.browser_support import serve

    result = runner.invoke(args=["seed-demo"])
    assert result.exit_code == 0, result.output
    db.session.remove()
    with serve(app) as base:
        yield base

