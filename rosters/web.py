"""Plumbing every page shares: templates, security headers, error pages and database settings."""

from __future__ import annotations

import secrets

from flask import Flask, g, jsonify, render_template, request
from govuk_frontend_wtf.main import WTFormsHelpers
from jinja2 import ChoiceLoader, FileSystemLoader, PackageLoader, PrefixLoader
from sqlalchemy import event
from sqlalchemy.engine import Engine
from werkzeug.exceptions import HTTPException

ERROR_PAGES = {
    400: ("Sorry, there is a problem with that request", ["Go back and try again."]),
    403: ("You do not have access to this page", ["If you think you should, ask your programme lead."]),
    404: (
        "Page not found",
        [
            "If you typed the web address, check it is correct.",
            "If you pasted the web address, check you copied the entire address.",
        ],
    ),
    405: ("Sorry, there is a problem with that request", ["That page cannot be used in that way."]),
    413: ("The file is too large", ["Split the spreadsheet into smaller files and import each one."]),
    500: (
        "Sorry, there is a problem with the service",
        ["Try again later. Anything the page did not say was saved has not been saved."],
    ),
}


def register_templates(app: Flask) -> None:
    """Our templates first, then the GOV.UK Frontend macros and WTForms widgets by prefix."""
    app.jinja_loader = ChoiceLoader(
        [
            FileSystemLoader(app.root_path + "/templates"),
            PrefixLoader(
                {
                    "govuk_frontend_jinja": PackageLoader("govuk_frontend_jinja"),
                    "govuk_frontend_wtf": PackageLoader("govuk_frontend_wtf"),
                }
            ),
        ]
    )
    WTFormsHelpers(app)
    app.add_template_global(csp_nonce)


def csp_nonce() -> str:
    """A fresh nonce per response, for the few inline and module scripts we send."""
    if "csp_nonce" not in g:
        g.csp_nonce = secrets.token_urlsafe(16)
    return g.csp_nonce


def register_security_headers(app: Flask) -> None:
    @app.after_request
    def set_headers(response):
        nonce = csp_nonce()
        # plotly.js writes <style> rules and style attributes as it draws; only chart pages allow that.
        styles = "'self' 'unsafe-inline'" if g.get("csp_allow_inline_styles") else "'self'"
        response.headers["Content-Security-Policy"] = (
            f"default-src 'self'; script-src 'self' 'nonce-{nonce}'; style-src {styles}; img-src 'self' data:; "
            "font-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'"
        )
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["Referrer-Policy"] = "same-origin"
        response.headers["X-Frame-Options"] = "DENY"
        if request.is_secure:
            response.headers["Strict-Transport-Security"] = "max-age=31536000; includeSubDomains"
        if request.endpoint != "static":
            # Pages carry personal data: never keep them in shared or browser caches.
            response.headers["Cache-Control"] = "no-store"
        return response


def register_error_pages(app: Flask) -> None:
    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException):
        if request.path.startswith("/api/"):
            return jsonify({"error": error.description or error.name}), error.code
        title, paragraphs = ERROR_PAGES.get(error.code or 500, (error.name, [error.description or ""]))
        return render_template("errors/error.html", title=title, paragraphs=paragraphs), error.code

    @app.errorhandler(Exception)
    def server_error(error: Exception):
        app.logger.exception("Unhandled error on %s %s", request.method, request.path)
        from rosters.extensions import db

        db.session.rollback()
        if request.path.startswith("/api/"):
            return jsonify({"error": "internal error"}), 500
        title, paragraphs = ERROR_PAGES[500]
        return render_template("errors/error.html", title=title, paragraphs=paragraphs), 500


@event.listens_for(Engine, "connect")
def _sqlite_pragmas(dbapi_connection, connection_record) -> None:
    """Foreign keys on, WAL so readers never block the writer, and wait rather than fail when busy."""
    import sqlite3

    if isinstance(dbapi_connection, sqlite3.Connection):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA busy_timeout=10000")
        cursor.close()
