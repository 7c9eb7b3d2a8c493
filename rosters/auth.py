"""Signing in and out, role checks for pages, bearer tokens for the JSON API, and throttling of both."""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import hmac
import math
import time
from collections.abc import Callable
from typing import Any

from flask import Blueprint, abort, current_app, flash, g, jsonify, redirect, render_template, request, session, url_for
from flask.blueprints import BlueprintSetupState
from flask_limiter import Limiter, RateLimitExceeded
from flask_limiter.util import get_remote_address
from flask_login import current_user, login_required, login_user, logout_user
from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import GovPasswordInput, GovSubmitInput, GovTextInput
from sqlalchemy import bindparam
from sqlalchemy.orm import joinedload
from wtforms import PasswordField, StringField, SubmitField
from wtforms.validators import InputRequired

from rosters import audit
from rosters.actions import api_error
from rosters.clock import utcnow
from rosters.extensions import db, login_manager
from rosters.models import Person, Role, SignInSession, hash_secret
from rosters.services import find_person, normalise_email, person_for_token, verify_password
from rosters.web import is_local_path

bp = Blueprint("auth", __name__)

# One limiter for the process; each app's config says where the counts live (RATELIMIT_STORAGE_URI:
# memory:// per worker, or a Redis shared by every worker). Only failures are counted, so an office
# signing in together behind one address is never held up; once a limit is reached, every attempt
# (right password or not) is refused until the window has passed, so a guess cannot be confirmed.
limiter = Limiter(
    key_func=get_remote_address,  # the client's address (TRUSTED_PROXIES decides whom to believe)
    strategy="moving-window",
    in_memory_fallback_enabled=True,  # if Redis goes away, keep counting per worker rather than fail
)


@bp.record_once
def _init_limiter(state: BlueprintSetupState) -> None:
    """Bind the limiter to the app this blueprint joins; the limits below guard this blueprint's routes."""
    limiter.init_app(state.app)


def address_digest(email: str) -> str:
    """A keyed digest of an e-mail address tried, so limits and the audit trail never hold the address."""
    key = current_app.config["SECRET_KEY"].encode()
    return hmac.new(key, normalise_email(email).encode(), hashlib.sha256).hexdigest()[:24]


def _account_key() -> str:
    return "sign-in-account:" + address_digest(request.form.get("email", ""))


def _sign_in_failed(response) -> bool:
    return response.status_code != 302  # success and "already signed in" both redirect


def _retry_minutes() -> int:
    """Whole minutes until the limit just reached lets another attempt through (at least 1)."""
    breached = limiter.current_limit
    seconds = breached.window[0] - time.time() if breached is not None else 60  # window[0]: when it resets
    return max(1, math.ceil(seconds / 60))


@bp.app_errorhandler(RateLimitExceeded)
def too_many_attempts(error: RateLimitExceeded):
    """429 in the house style, saying when to try again and nothing about any account."""
    minutes = _retry_minutes()
    wait = f"{minutes} minute{'' if minutes == 1 else 's'}"
    if request.path.startswith("/api/"):
        response = jsonify({"error": f"too many requests with a token that is not valid; try again in {wait}"})
    else:
        paragraphs = [
            f"There have been too many attempts to sign in. Wait {wait}, then try again.",
            "If you have forgotten your password, ask your programme lead to set a new one.",
        ]
        response = current_app.make_response(
            render_template("errors/error.html", title="Too many attempts to sign in", paragraphs=paragraphs)
        )
    response.status_code = 429
    response.headers["Retry-After"] = str(minutes * 60)
    return response

login_manager.login_view = "auth.sign_in"
login_manager.login_message = "Sign in to continue."
login_manager.login_message_category = "info"


# last_seen_at is written at most this often, so a busy page is not a write per request. Requests in
# between are noted in the signed cookie (SEEN_KEY), so the idle limit still counts from the last request.
SEEN_WRITE_INTERVAL = dt.timedelta(seconds=60)
SEEN_KEY = "seen_at"
# The note is renewed at most this often, so most pages send no new cookie (signing and compressing one cost
# more than the rest of the request's sign-in check). A sign-in may so end up to this much before its idle
# limit, never after it.
SEEN_NOTE_STEP = dt.timedelta(seconds=10)
# Every page runs this query: built once, as building one with loader options costs more than running it.
_LIVE_SIGN_IN = (
    db.select(SignInSession)
    .where(SignInSession.secret_hash == bindparam("secret_hash"), SignInSession.ended_at.is_(None))
    .options(joinedload(SignInSession.person).joinedload(Person.team))
)


@login_manager.user_loader
def load_person(secret: str) -> Person | None:
    """Find the live sign-in session named by the cookie, with its person and team in the same query; end it
    if it has timed out."""
    sign_in = db.session.scalar(_LIVE_SIGN_IN, {"secret_hash": hash_secret(secret)})
    if sign_in is None or not may_sign_in(sign_in.person):
        return None
    now = utcnow()
    idle = dt.timedelta(minutes=current_app.config["SESSION_IDLE_MINUTES"])
    absolute = dt.timedelta(hours=current_app.config["SESSION_ABSOLUTE_HOURS"])
    last = last_request_at(sign_in)
    if now - last > idle or now - sign_in.created_at > absolute:
        sign_in.ended_at = now
        db.session.commit()
        return None
    if now - sign_in.last_seen_at >= SEEN_WRITE_INTERVAL:
        sign_in.last_seen_at = last = now
        _commit_keeping_loaded()
    if now - last >= SEEN_NOTE_STEP:
        session[SEEN_KEY] = now.isoformat()
    sign_in.cookie_secret = secret
    person = sign_in.person
    person.current_sign_in = sign_in
    return person


def last_request_at(sign_in: SignInSession) -> dt.datetime:
    """When this sign-in was last used: last_seen_at, or the later request the cookie notes.

    Only a note less than SEEN_WRITE_INTERVAL after last_seen_at is believed: a later request would have
    written last_seen_at itself. The cookie is signed, so a note is a time the service wrote; an old cookie
    sent again carries an older note, which never lengthens a sign-in.
    """
    try:
        noted = dt.datetime.fromisoformat(str(session.get(SEEN_KEY, "")))
    except ValueError:
        return sign_in.last_seen_at
    if sign_in.last_seen_at < noted < sign_in.last_seen_at + SEEN_WRITE_INTERVAL:
        return noted
    return sign_in.last_seen_at


def _commit_keeping_loaded() -> None:
    """Commit the new last_seen_at without expiring what this request has just read (nothing else changed
    it), so the page does not read the person and team again."""
    orm_session = db.session()
    orm_session.expire_on_commit = False
    try:
        orm_session.commit()
    finally:
        orm_session.expire_on_commit = True


def may_sign_in(person: Person) -> bool:
    """Enabled and not erased. A password is one way in; the council's own account (rosters/oidc.py) is another."""
    return person.enabled and person.anonymised_at is None


@bp.app_template_global()
def sign_in_ways(person: Person) -> str:
    """How a person can sign in today, in words for leads' pages: "Council account", "Password", both or "No"."""
    if not may_sign_in(person):
        return "No"
    ways = []
    if current_app.config.get("OIDC_ISSUER"):
        ways.append("Council account")
    if current_app.config.get("PASSWORD_SIGN_IN", True) and person.password_hash is not None:
        ways.append("Password")
    return " or ".join(ways) or "No"


def start_sign_in(person: Person, next_target: str | None, *, method: str, detail: str = ""):
    """The one way in, whichever way the person proved who they are: a fresh session (nothing from before
    carries over), a server-side sign-in row, an audit line, then off to ``next`` if it stays on this site."""
    next_url = _safe_next(next_target)
    session.clear()
    sign_in = SignInSession.start(person)
    db.session.add(sign_in)
    audit.record("sign_in", person=person, detail=detail)
    db.session.commit()
    person.current_sign_in = sign_in
    login_user(person, force=True)  # the caller has checked the person may sign in this way
    session["signed_in_with"] = method  # sign-out offers the council's own sign-out after "oidc"
    return redirect(next_url)


def me() -> Person:
    """The signed-in person as a model instance, not the proxy, for operations that store it on a row."""
    return current_user._get_current_object()


def role_required(*roles: Role) -> Callable:
    """Let a signed-in person through only if their role is one of ``roles`` (403 otherwise)."""

    def decorator(view: Callable) -> Callable:
        @functools.wraps(view)
        @login_required
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            if not current_user.has_role(*roles):
                abort(403)
            return view(*args, **kwargs)

        return wrapped

    return decorator


def token_required(*roles: Role) -> Callable:
    """Authenticate an API call by ``Authorization: Bearer TOKEN``; 401 without, 403 for the wrong role.

    Calls answered 401 count against API_TOKEN_FAILURE_LIMIT per client address, across the whole API,
    so tokens cannot be guessed; past it every call from that address gets 429 until the window passes.
    """

    def decorator(view: Callable) -> Callable:
        @limiter.shared_limit(
            lambda: current_app.config["API_TOKEN_FAILURE_LIMIT"],
            scope="api-token-failures",
            deduct_when=lambda response: response.status_code == 401,
        )
        @functools.wraps(view)
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            header = request.headers.get("Authorization", "")
            scheme, _, token = header.partition(" ")
            if scheme.lower() != "bearer" or not token.strip():
                return api_error(401, "send an API token as 'Authorization: Bearer TOKEN'")
            person = person_for_token(token.strip())
            if person is None:
                return api_error(401, "the API token is not valid")
            db.session.commit()
            if roles and not person.has_role(*roles):
                return api_error(403, "your role may not use this")
            g.api_person = person
            return view(*args, **kwargs)

        return wrapped

    return decorator


class SignInForm(FlaskForm):
    email = StringField("Email address", widget=GovTextInput(), validators=[InputRequired("Enter your email address")])
    password = PasswordField("Password", widget=GovPasswordInput(), validators=[InputRequired("Enter your password")])
    submit = SubmitField("Sign in", widget=GovSubmitInput())


class SignOutForm(FlaskForm):
    submit = SubmitField("Sign out", widget=GovSubmitInput())


def _safe_next(target: str | None) -> str:
    """Only follow a ``next`` that stays on this site; anything else goes to the home page."""
    return target if is_local_path(target) else url_for("rosters.home")


@bp.route("/sign-in", methods=["GET", "POST"])
@limiter.limit(
    lambda: current_app.config["SIGN_IN_LIMIT_PER_ADDRESS"], methods=["POST"], deduct_when=_sign_in_failed
)
@limiter.limit(
    lambda: current_app.config["SIGN_IN_LIMIT_PER_ACCOUNT"],
    key_func=_account_key,
    methods=["POST"],
    deduct_when=_sign_in_failed,
)
def sign_in():
    if current_user.is_authenticated:
        return redirect(url_for("rosters.home"))
    if request.method == "POST" and not current_app.config["PASSWORD_SIGN_IN"]:
        abort(403, "Signing in with a password is switched off here. Sign in with your council account.")
    form = SignInForm()
    failed = False
    if form.validate_on_submit():
        person = find_person(form.email.data or "")
        if verify_password(person, form.password.data or "") and person is not None and person.is_active:
            return start_sign_in(person, request.args.get("next"), method="password")
        # The trail says which account was tried, if any, and never the password; an address that
        # is no one's is kept only as a keyed digest, so repeated tries can be matched up.
        if person is None:
            reason = "no such account"
        elif not person.is_active:
            reason = "account cannot sign in"
        else:
            reason = "wrong password"
        audit.record(
            "sign_in_failed", person, detail=f"{reason}; address digest {address_digest(form.email.data or '')}"
        )
        db.session.commit()  # the audit line, and a password rehash if any
        failed = True
        # One message whether the address or the password was wrong: no account enumeration.
        form.email.errors = list(form.email.errors) + ["Enter a correct email address and password"]
    return render_template("rosters/sign_in.html", form=form, failed=failed)


@bp.route("/sign-out", methods=["POST"])
@login_required
def sign_out():
    form = SignOutForm()
    if not form.validate_on_submit():
        abort(400)
    sign_in = current_user.current_sign_in
    if sign_in is not None:
        sign_in.ended_at = utcnow()
    audit.record("sign_out")
    db.session.commit()
    signed_in_with = session.get("signed_in_with")
    logout_user()
    session.clear()
    if signed_in_with == "oidc":
        session["signed_out_of"] = "oidc"  # the sign-in page offers the council account's own sign-out
    flash("You have signed out.", "success")
    return redirect(url_for("auth.sign_in"))
