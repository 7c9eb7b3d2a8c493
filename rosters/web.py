"""Plumbing every page shares: templates, security headers, error pages and database settings."""

from __future__ import annotations

import logging
import re
import secrets
import unicodedata
from collections.abc import Iterable
from urllib.parse import unquote, urlsplit

from flask import Flask, current_app, g, jsonify, make_response, render_template, request
from flask.sessions import SecureCookieSessionInterface
from govuk_frontend_wtf.main import WTFormsHelpers
from govuk_frontend_wtf.wtforms_widgets import GovDateInput
from jinja2 import ChoiceLoader, FileSystemLoader, PackageLoader, PrefixLoader
from sqlalchemy import event
from sqlalchemy.engine import Engine
from werkzeug.exceptions import HTTPException
from werkzeug.middleware.proxy_fix import ProxyFix
from werkzeug.routing import IntegerConverter

from rosters.clock import uk_date
from rosters.navigation import service_navigation

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


def is_local_path(target: str | None) -> bool:
    """True only for a path on this site, however it is encoded: never another host or scheme.

    Browsers drop tabs and line breaks from addresses and treat a backslash as a slash, so
    ``/%09/evil.example`` or ``/\\evil.example`` would leave the site: the target is decoded until it
    stops changing, then must start with exactly one slash and hold no control characters or backslashes.
    """
    if not target:
        return False
    decoded = target
    for _ in range(5):  # %2509 is %09 once decoded: decode until nothing changes
        once = unquote(decoded)
        if once == decoded:
            break
        decoded = once
    else:
        return False  # still changing after five rounds: no real address is encoded like that
    if any(unicodedata.category(char) in ("Cc", "Cf", "Zl", "Zp") for char in decoded):
        return False
    if not decoded.startswith("/") or decoded.startswith("//") or "\\" in decoded:
        return False
    parts = urlsplit(decoded)
    return not parts.scheme and not parts.netloc


def absolute_url(endpoint: str, **values) -> str:
    """The address people reach a page at (``BASE_URL`` and its path), for e-mails and calendar feeds;
    it needs no request, so commands build the same links as pages."""
    return current_app.config["BASE_URL"] + current_app.url_map.bind("localhost").build(endpoint, values)


def plural(number: int, word: str, words: str | None = None) -> str:
    """ "1 session", "2 sessions"; "1 person", "3 people" with ``words``."""
    return f"{number} {word if number == 1 else (words or word + 's')}"


def error_summary(form, general: Iterable[str] = (), order: Iterable[str] | None = None) -> list[dict]:
    """Items for the GOV.UK error summary: problems of the page as a whole, then every error of every
    field (in ``order``, else the form's), each linked to its field; a date links to its day box."""
    items = [{"text": text} for text in general]
    for name in order or form._fields:
        field = form[name]
        anchor = f"#{field.id}-day" if isinstance(field.widget, GovDateInput) else f"#{field.id}"
        items += [{"text": message, "href": anchor} for message in field.errors]
    return items


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
    app.add_template_global(service_navigation)
    app.add_template_global(uk_date, "uk_day_of")  # the UK day of a stored moment (UTC in the database)


def csp_nonce() -> str:
    """A fresh nonce per response, for the few inline and module scripts we send."""
    if "csp_nonce" not in g:
        g.csp_nonce = secrets.token_urlsafe(16)
    return g.csp_nonce


class HttpsAwareSessionInterface(SecureCookieSessionInterface):
    """The session cookie is Secure when SESSION_COOKIE_SECURE says so or the request came over HTTPS."""

    def get_cookie_secure(self, app: Flask) -> bool:
        return bool(app.config["SESSION_COOKIE_SECURE"]) or request.is_secure

    def get_signing_serializer(self, app: Flask):
        """Made once per key rather than on every request: making one derives its signing keys again."""
        keys = (app.secret_key, tuple(app.config.get("SECRET_KEY_FALLBACKS") or ()))
        made = app.extensions.get("session_serializer")
        if made is None or made[0] != keys:
            made = app.extensions["session_serializer"] = (keys, super().get_signing_serializer(app))
        return made[1]


def trust_proxies(app: Flask) -> None:
    """Believe X-Forwarded-For/-Proto/-Host from TRUSTED_PROXIES proxies in front of the app, and no one else.

    The client's address (sign-in limits) and whether it used HTTPS (HSTS, Secure cookies) come from
    these headers behind a proxy; with no trusted proxy, anyone could forge them.
    """
    hops = app.config.get("TRUSTED_PROXIES", 0)
    if hops > 0:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)  # type: ignore[method-assign]


class DatabaseId(IntegerConverter):
    """``<int:...>`` URL parts that fit the database's integer: a larger id is simply not found (404)."""

    def __init__(self, map, *args, **kwargs):  # noqa: A002 (werkzeug's own parameter name)
        kwargs.setdefault("max", 2**31 - 1)
        super().__init__(map, *args, **kwargs)


def register_url_converters(app: Flask) -> None:
    """Must run before blueprints are registered: rules pick their converters when they are added."""
    app.url_map.converters["int"] = DatabaseId


def register_input_guard(app: Flask) -> None:
    @app.before_request
    def refuse_nul_characters():
        """NUL is never meaningful in a form, query or JSON text, and PostgreSQL refuses it in text columns."""
        if "\x00" in request.query_string.decode("latin-1") or "%00" in request.query_string.decode("latin-1"):
            return _bad_request()
        if request.method in ("POST", "PUT", "PATCH", "DELETE"):
            if request.mimetype == "application/json":
                if b"\\u0000" in request.get_data(cache=True) or b"\x00" in request.get_data(cache=True):
                    return _bad_request()
            elif any("\x00" in value for values in request.form.listvalues() for value in values):
                return _bad_request()
        return None


def _bad_request():
    if request.path.startswith("/api/"):
        return jsonify({"error": "text must not contain NUL characters"}), 400
    title, paragraphs = ERROR_PAGES[400]
    return render_template("errors/error.html", title=title, paragraphs=paragraphs), 400


# Over HTTPS, with every page and file: browsers then refuse plain HTTP to this host for a year.
HSTS = "max-age=31536000; includeSubDomains"
# Files under /assets (rosters/assets.py serves them before any view runs) hold nothing personal and, opened
# on their own, may load and run nothing.
STATIC_FILE_HEADERS = {
    "Content-Security-Policy": "default-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'none'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "X-Frame-Options": "DENY",
}


def register_security_headers(app: Flask) -> None:
    """Security headers and cookie flags on every response; both depend on how the request arrived."""
    trust_proxies(app)
    app.session_interface = HttpsAwareSessionInterface()

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
        response.headers.setdefault("Referrer-Policy", "same-origin")  # a page may ask for stricter
        response.headers["X-Frame-Options"] = "DENY"
        if request.is_secure:
            response.headers["Strict-Transport-Security"] = HSTS
        if request.endpoint != "static":
            # Pages carry personal data: never keep them in shared or browser caches.
            response.headers["Cache-Control"] = "no-store"
        return response


# Addresses that carry a secret: a single-use answer link, a personal calendar feed, a password link.
SECRET_IN_PATH = re.compile(r"(/respond/|/calendar/feed/|/set-password/)[^\s?\"/]+")


def private_page(body: str, status: int):
    """A page reached by a secret link: never cached, never named to the next site, never indexed."""
    response = make_response(body, status)
    response.headers["Cache-Control"] = "no-store"
    response.headers["Referrer-Policy"] = "no-referrer"
    response.headers["X-Robots-Tag"] = "noindex"
    return response


def hide_secret_paths(text: str) -> str:
    return SECRET_IN_PATH.sub(r"\1[hidden]", text)


class SecretPathFilter(logging.Filter):
    """Blank the secret in request lines (the development server's access log, or any handler's), so a
    log never holds a link that names who answered a questionnaire or opens someone's calendar."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        hidden = hide_secret_paths(message)
        if hidden != message:
            record.msg, record.args = hidden, ()
        return True


def register_log_filters(app: Flask) -> None:
    for name in ("werkzeug", "gunicorn.access", app.logger.name):
        logger = logging.getLogger(name)
        if not any(isinstance(f, SecretPathFilter) for f in logger.filters):
            logger.addFilter(SecretPathFilter())


def register_error_pages(app: Flask) -> None:
    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException):
        if request.path.startswith("/api/"):
            return jsonify({"error": error.description or error.name}), error.code
        title, paragraphs = ERROR_PAGES.get(error.code or 500, (error.name, [error.description or ""]))
        if error.description and error.description != type(error).description:
            paragraphs = [error.description, *paragraphs]  # the view said what was wrong: say it first
        return render_template("errors/error.html", title=title, paragraphs=paragraphs), error.code

    @app.errorhandler(Exception)
    def server_error(error: Exception):
        # The route's pattern, not the path: a path may carry a secret (an answer link, a calendar feed).
        where = request.url_rule.rule if request.url_rule is not None else "(no route)"
        app.logger.exception("Unhandled error on %s %s", request.method, where)
        from rosters.extensions import db

        db.session.rollback()
        if request.path.startswith("/api/"):
            return jsonify({"error": "internal error"}), 500
        title, paragraphs = ERROR_PAGES[500]
        return render_template("errors/error.html", title=title, paragraphs=paragraphs), 500


class HideResultRows(logging.Filter):
    """Drop SQLAlchemy's DEBUG lines: they hold result rows (debrief text, addresses, password hashes).

    SQL statements still log at INFO, their values hidden by the engine's ``hide_parameters``, so
    switching every logger to DEBUG never writes personal data to the application log.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        return record.levelno >= logging.INFO


logging.getLogger("sqlalchemy.engine.Engine").addFilter(HideResultRows())


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
