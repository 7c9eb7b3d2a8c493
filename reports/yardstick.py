"""The benchmark's yardstick: a bare GOV.UK Frontend page that does one database read.

``make bench`` serves it under gunicorn beside the service, with the same workers and settings, and
compares each page a member uses against it: what a page costs beyond the template and one query is
the service's own. It shares the service's templates, static files and database, and nothing else.

    DATABASE_URL=postgresql+psycopg://... gunicorn 'reports.yardstick:create_yardstick()'
"""

from __future__ import annotations

from pathlib import Path

from flask import Flask, render_template
from sqlalchemy import create_engine, text

from rosters.config import database_url
from rosters.web import register_templates

ROOT = Path(__file__).resolve().parent.parent
ONE_READ = text("SELECT name FROM teams ORDER BY id LIMIT 1")


def create_yardstick(url: str | None = None) -> Flask:
    """The yardstick app, reading from ``url`` (default: ``DATABASE_URL``, as the service reads it)."""
    app = Flask(__name__, root_path=str(ROOT), static_url_path="/assets")
    app.config["SERVICE_NAME"] = "Staff wellbeing support"
    register_templates(app)  # the service's loader: its templates, then GOV.UK Frontend's
    # The service's engine settings; a read takes a pooled connection, as a request of the service does.
    engine = create_engine(url or database_url(str(ROOT / "instance")), pool_pre_ping=True, hide_parameters=True)
    app.extensions["yardstick_engine"] = engine

    @app.get("/")
    def yardstick():
        with engine.connect() as connection:
            team = connection.execute(ONE_READ).scalar()
        return render_template("reports/yardstick.html", team=team, service_name=app.config["SERVICE_NAME"])

    @app.get("/healthz")
    def healthz():
        return {"status": "ok"}

    return app
