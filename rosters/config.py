"""Configuration read from the environment, with safe defaults for one person on one machine."""

from __future__ import annotations

import os
import secrets
from pathlib import Path
from urllib.parse import urlsplit

from limits import parse_many


def database_url(instance_path: str) -> str:
    """Return the SQLAlchemy URL: ``DATABASE_URL`` if set, else SQLite under ``instance/``."""
    url = os.environ.get("DATABASE_URL", "").strip()
    if not url:
        return "sqlite:///" + str(Path(instance_path) / "wellbeing.sqlite3")
    # Hosting platforms hand out plain postgres:// URLs; psycopg 3 is the driver we ship.
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url


def secret_key(instance_path: str) -> str:
    """Return ``SECRET_KEY``, or one kept in ``instance/`` so every worker signs cookies alike."""
    key = os.environ.get("SECRET_KEY", "").strip()
    if key:
        return key
    path = Path(instance_path) / "secret_key"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        # Write-then-rename so two workers starting together cannot read a half-written key.
        tmp = path.with_suffix(f".{os.getpid()}.tmp")
        tmp.write_text(secrets.token_hex(32))
        os.chmod(tmp, 0o600)
        if not path.exists():
            tmp.replace(path)
        else:
            tmp.unlink()
    return path.read_text().strip()


def env_int(name: str, default: int) -> int:
    """Read a whole number from the environment, refusing anything else loudly."""
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    try:
        return int(raw)
    except ValueError:
        raise RuntimeError(f"{name} must be a whole number, not {raw!r}") from None


def env_flag(name: str, default: bool) -> bool:
    """Read yes/no from the environment: 1, true or yes mean yes; unset means ``default``."""
    raw = os.environ.get(name, "").strip().lower()
    if not raw:
        return default
    return raw in {"1", "true", "yes"}


def env_rate_limit(name: str, default: str) -> str:
    """Read a rate limit such as "10 per 15 minutes", refusing one that cannot be parsed at start-up."""
    value = os.environ.get(name, "").strip() or default
    try:
        parse_many(value)
    except ValueError:
        raise RuntimeError(f"{name} must be a rate limit such as '10 per 15 minutes', not {value!r}") from None
    return value


def env_domains(name: str) -> tuple[str, ...]:
    """Read comma-separated e-mail domains ("example.gov.uk, @school.example.org"), lower case, no "@"."""
    raw = os.environ.get(name, "")
    return tuple(part.strip().lstrip("@").lower() for part in raw.split(",") if part.strip().lstrip("@"))


def oidc_config() -> dict:
    """Sign-in with the organisation's own accounts (OpenID Connect), refusing a half-made setup at start-up.

    With no OIDC_ISSUER, council sign-in is off. PASSWORD_SIGN_IN may only be turned off when it is on,
    or no one could sign in at all.
    """
    issuer = os.environ.get("OIDC_ISSUER", "").strip()
    settings = {
        "OIDC_ISSUER": issuer,
        "OIDC_CLIENT_ID": os.environ.get("OIDC_CLIENT_ID", "").strip(),
        "OIDC_CLIENT_SECRET": os.environ.get("OIDC_CLIENT_SECRET", "").strip(),
        "OIDC_ALLOWED_DOMAINS": env_domains("OIDC_ALLOWED_DOMAINS"),
        "OIDC_EMAIL_CLAIM": os.environ.get("OIDC_EMAIL_CLAIM", "").strip() or "email",
        "PASSWORD_SIGN_IN": env_flag("PASSWORD_SIGN_IN", True),
    }
    if issuer:
        parts = urlsplit(issuer)
        loopback = parts.hostname in {"127.0.0.1", "localhost", "::1"}
        if parts.scheme != "https" and not (parts.scheme == "http" and loopback):
            raise RuntimeError(f"OIDC_ISSUER must be an https:// address, not {issuer!r}")
        if not settings["OIDC_CLIENT_ID"] or not settings["OIDC_CLIENT_SECRET"]:
            raise RuntimeError("OIDC_ISSUER is set: set OIDC_CLIENT_ID and OIDC_CLIENT_SECRET too")
    elif not settings["PASSWORD_SIGN_IN"]:
        raise RuntimeError("PASSWORD_SIGN_IN is off but OIDC_ISSUER is not set: no one could sign in")
    return settings


def load_config(instance_path: str) -> dict:
    """Build the Flask configuration mapping."""
    return {
        "SECRET_KEY": secret_key(instance_path),
        "SQLALCHEMY_DATABASE_URI": database_url(instance_path),
        # hide_parameters: values (debrief text, e-mail addresses) never reach logs or error messages,
        # even with SQL logging switched on or when a statement fails.
        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True, "hide_parameters": True},
        "ORGANISATION_NAME": os.environ.get("ORGANISATION_NAME", "").strip() or "Children's Services",
        "SERVICE_NAME": "Staff wellbeing support",
        "DEFAULT_SESSION_CAPACITY": env_int("DEFAULT_SESSION_CAPACITY", 8),
        # Sign-in sessions end after this long without a request, and after this long in all.
        "SESSION_IDLE_MINUTES": env_int("SESSION_IDLE_MINUTES", 30),
        "SESSION_ABSOLUTE_HOURS": env_int("SESSION_ABSOLUTE_HOURS", 12),
        "TRAINING_EXPIRY_WARNING_DAYS": env_int("TRAINING_EXPIRY_WARNING_DAYS", 60),
        "MAX_CONTENT_LENGTH": env_int("MAX_UPLOAD_BYTES", 5 * 1024 * 1024),
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        # Off by default for plain-HTTP development; a request that arrived over HTTPS (directly or
        # through TRUSTED_PROXIES) gets a Secure cookie whatever this says.
        "SESSION_COOKIE_SECURE": os.environ.get("SESSION_COOKIE_SECURE", "").lower() in {"1", "true", "yes"},
        # How many reverse proxies in front of the app set X-Forwarded-For/-Proto/-Host. 0 trusts none,
        # so a client cannot forge its address (rate limits) or claim HTTPS.
        "TRUSTED_PROXIES": env_int("TRUSTED_PROXIES", 0),
        # Throttling (Flask-Limiter). memory:// counts per worker process; give every worker the same
        # redis://host:6379/0 so the counts are shared.
        "RATELIMIT_ENABLED": env_flag("RATELIMIT_ENABLED", True),
        "RATELIMIT_STORAGE_URI": os.environ.get("RATELIMIT_STORAGE_URI", "").strip() or "memory://",
        # Failed sign-ins allowed per client address and per e-mail address tried. An office behind one
        # address shares the first; the second stops guessing one person's password from many addresses.
        "SIGN_IN_LIMIT_PER_ADDRESS": env_rate_limit("SIGN_IN_LIMIT_PER_ADDRESS", "10 per 15 minutes"),
        "SIGN_IN_LIMIT_PER_ACCOUNT": env_rate_limit("SIGN_IN_LIMIT_PER_ACCOUNT", "5 per 15 minutes"),
        # Calls with an unknown or revoked API token allowed per client address.
        "API_TOKEN_FAILURE_LIMIT": env_rate_limit("API_TOKEN_FAILURE_LIMIT", "20 per 15 minutes"),
        "WTF_CSRF_TIME_LIMIT": None,
        # Outgoing e-mail; with no MAIL_SERVER, messages are written to the log instead.
        "MAIL_SERVER": os.environ.get("MAIL_SERVER", "").strip(),
        "MAIL_PORT": env_int("MAIL_PORT", 25),
        "MAIL_USERNAME": os.environ.get("MAIL_USERNAME", "").strip(),
        "MAIL_PASSWORD": os.environ.get("MAIL_PASSWORD", ""),
        "MAIL_USE_TLS": os.environ.get("MAIL_USE_TLS", "").lower() in {"1", "true", "yes"},
        "MAIL_USE_SSL": os.environ.get("MAIL_USE_SSL", "").lower() in {"1", "true", "yes"},
        "MAIL_MAX_ATTEMPTS": env_int("MAIL_MAX_ATTEMPTS", 10),  # tries before a message is shown to leads as failed
        "MAIL_KEEP_DAYS": env_int("MAIL_KEEP_DAYS", 7),  # days a sent message stays in the outbox
        "MAIL_FROM": os.environ.get("MAIL_FROM", "").strip() or "wellbeing-support@localhost",
        "REMINDER_HOURS": env_int("REMINDER_HOURS", 24),
        # Critical-incident debriefs: clocks start at the request (working days skip bank holidays).
        "DEBRIEF_OFFER_WORKING_DAYS": env_int("DEBRIEF_OFFER_WORKING_DAYS", 3),
        "DEBRIEF_SESSION_WORKING_DAYS": env_int("DEBRIEF_SESSION_WORKING_DAYS", 10),
        "DEBRIEF_MONTHLY_CAP": env_int("DEBRIEF_MONTHLY_CAP", 4),
        "FOLLOW_UP_DAYS": env_int("FOLLOW_UP_DAYS", 28),
        # A feedback link sent after a delivered session can be used for this many days.
        "FEEDBACK_DAYS": env_int("FEEDBACK_DAYS", 28),
        # Counts from 1 to this minus one are shown as "<N" wherever figures leave the programme team.
        "SUPPRESSION_THRESHOLD": env_int("SUPPRESSION_THRESHOLD", 5),
        # flask apply-retention removes personal links from closed records older than this.
        "RETENTION_MONTHS": env_int("RETENTION_MONTHS", 24),
        # Hours a link to set a password (sent by a lead from the person's page) can be used: 24 to 72.
        "PASSWORD_LINK_HOURS": env_int("PASSWORD_LINK_HOURS", 48),
        # The address people reach the service at, for links in e-mails and calendar feeds.
        "BASE_URL": os.environ.get("BASE_URL", "").strip().rstrip("/") or "http://127.0.0.1:5000",
        # Signing in with the council's own accounts (rosters/oidc.py), and whether passwords still work.
        **oidc_config(),
    }
