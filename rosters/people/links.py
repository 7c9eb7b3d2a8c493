"""Password links: a lead e-mails a person a single-use, time-limited link to set their own password.

``send_password_link`` makes the link (only the SHA-256 of its secret is stored) and withdraws the
person's older ones; the secret goes only into the e-mail. ``open_link`` finds a link that may still be
used, or says plainly why not; ``set_password_with_link`` checks the password against the same rules as
``flask create-user``, marks the link used with a conditional UPDATE (so two requests with one link set
one password), stores the new hash and ends the person's other sign-ins.

Links exist only while password sign-in is on (``PASSWORD_SIGN_IN``, on unless the council's account is
the only way in); a link lasts ``PASSWORD_LINK_HOURS`` (24 to 72, 48 unless set).
"""

from __future__ import annotations

import datetime as dt
import secrets
from dataclasses import dataclass

from flask import current_app
from sqlalchemy import update

from rosters import audit
from rosters.clock import utcnow
from rosters.errors import Conflict, NotAllowed, Problem, Refused
from rosters.extensions import db
from rosters.models import Person, hash_secret
from rosters.people.models import PasswordLink
from rosters.people.operations import ERASED
from rosters.services import RosterError, check_password_rules, set_password

LINK_HOURS_DEFAULT, LINK_HOURS_MIN, LINK_HOURS_MAX = 48, 24, 72
SWITCHED_OFF = "Password sign-in is switched off for this service: people sign in with the council's account."
NOT_VALID = "This link is not valid. It may have been mistyped or copied only in part."
USED = "This link has already been used to set a password. Each link works once."
REPLACED = "A newer link has been sent since this one, so this one no longer works. Use the newest e-mail."
EXPIRED = "This link has expired."
CLOSED = "This link no longer works, because the account it was for cannot be used now."


class LinkRefused(Refused):
    """A link that cannot be used: 404 (not valid) or 410 (used, replaced, expired or closed)."""

    def __init__(self, text: str, status: int) -> None:
        super().__init__(text)
        self.status = status


@dataclass(frozen=True)
class SentLink:
    """A new link and the secret for its e-mail (the secret is never stored)."""

    link: PasswordLink
    secret: str

    @property
    def person(self) -> Person:
        return self.link.person


def password_sign_in_on() -> bool:
    """True unless the service is set to sign people in only with the council's account."""
    return bool(current_app.config.get("PASSWORD_SIGN_IN", True))


def link_hours() -> int:
    """How long a new link lasts, in hours: the setting, kept within 24 to 72."""
    hours = current_app.config.get("PASSWORD_LINK_HOURS", LINK_HOURS_DEFAULT)
    return min(max(int(hours), LINK_HOURS_MIN), LINK_HOURS_MAX)


def latest_link(person: Person) -> PasswordLink | None:
    """The most recent link sent to the person, if any (shown to leads on the person's page)."""
    return db.session.scalar(db.select(PasswordLink).where(PasswordLink.person_id == person.id)
                             .order_by(PasswordLink.created_at.desc(), PasswordLink.id.desc()).limit(1))


def send_password_link(person: Person) -> SentLink:
    """A new link for ``person``; their older unused links stop working. The caller e-mails it."""
    if not password_sign_in_on():
        raise NotAllowed(SWITCHED_OFF)
    if person.anonymised_at is not None:
        raise Conflict(ERASED)
    if not person.enabled:
        raise Conflict("This person is deactivated: reactivate them before sending a link.")
    now = utcnow()
    withdrawn = db.session.execute(
        update(PasswordLink).where(PasswordLink.person_id == person.id, PasswordLink.used_at.is_(None),
                                   PasswordLink.superseded_at.is_(None))
        .values(superseded_at=now).execution_options(synchronize_session=False)
    ).rowcount
    secret = secrets.token_urlsafe(32)  # 256 random bits
    hours = link_hours()
    link = PasswordLink(person=person, secret_hash=hash_secret(secret), created_at=now,
                        expires_at=now + dt.timedelta(hours=hours))
    db.session.add(link)
    db.session.flush()
    detail = f"valid for {hours} hours"
    if withdrawn:
        detail += f"; {withdrawn} older link{'s' if withdrawn != 1 else ''} withdrawn"
    audit.record("password_link_sent", person, detail=detail)
    return SentLink(link, secret)


def open_link(secret: str) -> PasswordLink:
    """The link named by ``secret`` if it may be used now; otherwise ``LinkRefused`` saying why."""
    if not password_sign_in_on():
        raise LinkRefused(SWITCHED_OFF, 410)
    if not secret or len(secret) > 100:
        raise LinkRefused(NOT_VALID, 404)
    link = db.session.scalar(db.select(PasswordLink).where(PasswordLink.secret_hash == hash_secret(secret)))
    if link is None:
        raise LinkRefused(NOT_VALID, 404)
    # Deactivating withdraws the links too: say why, not that a newer link was sent.
    if not link.person.enabled or link.person.anonymised_at is not None:
        raise LinkRefused(CLOSED, 410)
    if link.used_at is not None:
        raise LinkRefused(USED, 410)
    if link.superseded_at is not None:
        raise LinkRefused(REPLACED, 410)
    if utcnow() >= link.expires_at:
        raise LinkRefused(EXPIRED, 410)
    return link


def set_password_with_link(secret: str, password: str) -> Person:
    """Use the link once to give its person ``password``; their other sign-ins end."""
    link = open_link(secret)
    try:
        check_password_rules(password)
    except RosterError as error:
        raise RosterError(*(Problem(text, "password") for text in error.texts)) from None
    now = utcnow()
    taken = db.session.execute(
        update(PasswordLink)
        .where(PasswordLink.id == link.id, PasswordLink.used_at.is_(None), PasswordLink.superseded_at.is_(None),
               PasswordLink.expires_at > now)
        .values(used_at=now).execution_options(synchronize_session=False)
    ).rowcount
    if taken != 1:  # another request used it (or a lead replaced it) a moment ago
        raise LinkRefused(USED, 410)
    person = link.person
    set_password(person, password)  # hashes with the service's hasher and ends their other sign-ins
    db.session.flush()
    audit.record("password_set_by_link", person, person=person)
    return person
