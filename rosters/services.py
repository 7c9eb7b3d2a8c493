"""Roster operations: people, passwords, tokens, teams and training status."""

from __future__ import annotations

import datetime as dt
import functools
from dataclasses import dataclass
from pathlib import Path

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app, has_request_context
from flask_login import current_user
from sqlalchemy import event, func, inspect
from sqlalchemy.orm import Session

from rosters import audit
from rosters.clock import utcnow
from rosters.errors import Refused
from rosters.extensions import db
from rosters.models import Agency, ApiToken, Course, Person, Role, SignInSession, Team, TrainingRecord, hash_secret

password_hasher = PasswordHasher()  # argon2id with the library's current recommended costs
MIN_PASSWORD_LENGTH = 8
MAX_PASSWORD_LENGTH = 128  # room for passphrases and password managers (at least 64 is the guidance)
# The 19,640 most common passwords, most common first, lower case: Django 5.2's list
# (django/contrib/auth/common-passwords.txt.gz, BSD licence, compiled by Royce Williams), unzipped.
# The whole list rather than its top 10,000, because only 3,903 of those are long enough to pass the
# length rule anyway; 8,354 of the whole list are.
COMMON_PASSWORDS_FILE = Path(__file__).resolve().parent / "data" / "common-passwords.txt"
# A hash of nothing in particular, checked when no such person exists so timing does not tell.
_DUMMY_HASH = password_hasher.hash("no such person: constant-time comparison")


class RosterError(Refused):
    """A request the roster cannot carry out; the message is for the person who asked."""


def normalise_email(email: str) -> str:
    return email.strip().lower()


def find_person(email: str) -> Person | None:
    return db.session.scalar(db.select(Person).where(Person.email == normalise_email(email)))


def find_team(name: str) -> Team | None:
    """Find a team by name, exactly or else ignoring case."""
    name = name.strip()
    team = db.session.scalar(db.select(Team).where(Team.name == name))
    if team is None:
        matches = db.session.scalars(db.select(Team).where(func.lower(Team.name) == name.lower())).all()
        team = matches[0] if len(matches) == 1 else None
    return team


def own_agency() -> Agency:
    """The organisation running the programme (created on first use)."""
    return get_or_create_agency(current_app.config["ORGANISATION_NAME"])


def get_or_create_agency(name: str) -> Agency:
    """Find an agency by name, exactly or else ignoring case; create it if new."""
    name = name.strip()
    # Exact first: SQLite's lower() folds ASCII letters only, so "Équipe Santé" must match as written.
    agency = db.session.scalar(db.select(Agency).where(Agency.name == name))
    if agency is None:
        # Agencies are few: compare with Python's full Unicode case folding, the same on every database.
        folded = name.casefold()
        agency = next((a for a in db.session.scalars(db.select(Agency)) if a.name.casefold() == folded), None)
    if agency is None:
        agency = Agency(name=name.strip())
        db.session.add(agency)
        db.session.flush()
    return agency


@functools.cache
def common_passwords() -> frozenset[str]:
    """The shipped list of common passwords, read once per process."""
    return frozenset(line for line in COMMON_PASSWORDS_FILE.read_text(encoding="utf-8").splitlines() if line)


def check_password_rules(password: str) -> None:
    """Refuse a password that is too short, too long, or on the list of common passwords."""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise RosterError(f"Password must be at least {MIN_PASSWORD_LENGTH} characters")
    if len(password) > MAX_PASSWORD_LENGTH:
        raise RosterError(f"Password must be {MAX_PASSWORD_LENGTH} characters or fewer")
    # The list is lower case; "Password123" is as guessable as "password123".
    if password.strip().lower() in common_passwords():
        raise RosterError("Password is too common: choose one that is not on lists of often-used passwords")


def set_password(person: Person, password: str) -> None:
    """Give the person a new password; every other sign-in of theirs ends (it may be someone else's)."""
    check_password_rules(password)
    person.password_hash = password_hasher.hash(password)
    end_sign_ins(person)


def end_sign_ins(person: Person) -> int:
    """End the person's open sign-ins, except the one making this request; returns how many ended."""
    if person.id is None:
        return 0
    # The person changing their own details keeps the sign-in they are using; nobody else keeps any.
    keep = None
    if has_request_context() and current_user and current_user.is_authenticated and current_user.id == person.id:
        keep = current_user.current_sign_in
    with db.session.no_autoflush:
        query = db.select(SignInSession).where(SignInSession.person_id == person.id, SignInSession.ended_at.is_(None))
        if keep is not None and keep.id is not None:
            query = query.where(SignInSession.id != keep.id)
        open_sign_ins = db.session.scalars(query).all()
    now = utcnow()
    for sign_in in open_sign_ins:
        sign_in.ended_at = now
    return len(open_sign_ins)


@event.listens_for(Session, "before_flush")
def _end_sign_ins_on_change_of_role_or_access(session: Session, flush_context, instances) -> None:
    """A new role, or being disabled, takes effect at once: no sign-in made before it carries on.

    (A new password does the same through ``set_password``; a rehash of the same password does not.)
    """
    for obj in list(session.dirty):
        if isinstance(obj, Person):
            state = inspect(obj)
            if state.attrs.role.history.has_changes() or state.attrs.enabled.history.has_changes():
                end_sign_ins(obj)


def verify_password(person: Person | None, password: str) -> bool:
    """True if the password is right; spends the same effort whether or not the person exists."""
    if person is None or person.password_hash is None:
        try:
            password_hasher.verify(_DUMMY_HASH, password)
        except VerificationError:
            pass
        return False
    try:
        password_hasher.verify(person.password_hash, password)
    except (VerificationError, InvalidHashError):
        return False
    if password_hasher.check_needs_rehash(person.password_hash):
        person.password_hash = password_hasher.hash(password)
    return True


def create_user(email: str, name: str, role: str, password: str, team_name: str | None = None) -> Person:
    """Add a person who can sign in, or give an existing roster entry a password and these details."""
    email = normalise_email(email)
    if not email or "@" not in email or len(email) > 320:  # 320: the longest address, and the column's limit
        raise RosterError(f"{email[:60]!r} is not an e-mail address")
    if not name.strip():
        raise RosterError("Name must not be empty")
    if len(name.strip()) > 200:
        raise RosterError("Name must be 200 characters or fewer")
    try:
        role_value = Role(role.strip().lower()).value
    except ValueError:
        raise RosterError(f"Role must be one of {', '.join(r.value for r in Role)}, not {role!r}") from None
    team = None
    if team_name:
        team = find_team(team_name)
        if team is None:
            raise RosterError(f"No team called {team_name!r}; import or add the team first")
    person = find_person(email)
    if person is None:
        person = Person(email=email)
        db.session.add(person)
    person.name = name.strip()
    person.role = role_value
    if team is not None:
        person.team = team
    set_password(person, password)
    db.session.flush()
    audit.record("sign_in_granted", person, detail=f"role {role_value}")
    return person


def create_token(email: str) -> str:
    """Issue a new API token for a person; only its digest is kept."""
    person = find_person(email)
    if person is None:
        raise RosterError(f"No person with e-mail {normalise_email(email)!r}")
    token_row, token = ApiToken.issue(person)
    db.session.add(token_row)
    db.session.flush()
    audit.record("api_token_created", person)
    return token


def person_for_token(token: str) -> Person | None:
    """The enabled person a live token belongs to, marking the token as used."""
    row = db.session.scalar(
        db.select(ApiToken).where(ApiToken.token_hash == hash_secret(token), ApiToken.revoked_at.is_(None))
    )
    if row is None or not row.person.enabled:
        return None
    row.last_used_at = utcnow()
    return row.person


def people_trained_in(course: Course) -> list[Person]:
    """Everyone enabled who holds (or once held) training for ``course``, by name."""
    return list(db.session.scalars(
        db.select(Person)
        .where(Person.enabled.is_(True),
               Person.id.in_(db.select(TrainingRecord.person_id).where(TrainingRecord.course == course.value)))
        .order_by(Person.name)
    ))


@dataclass(frozen=True)
class TrainingStatus:
    """A person's standing on one course, as of a day."""

    course: Course
    completed_on: dt.date
    expires_on: dt.date | None
    state: str  # "valid", "expiring" or "expired"

    @property
    def label(self) -> str:
        return {"valid": "Valid", "expiring": "Expiring soon", "expired": "Expired"}[self.state]


def training_status(records: list[TrainingRecord], today: dt.date, warning_days: int) -> list[TrainingStatus]:
    """The latest-expiring record per course, classed valid / expiring within ``warning_days`` / expired."""
    best: dict[str, TrainingRecord] = {}
    for record in records:
        if record.completed_on > today:
            continue
        current = best.get(record.course)
        if current is None or _expiry_key(record) > _expiry_key(current):
            best[record.course] = record
    statuses = []
    for course in Course:
        record = best.get(course.value)
        if record is None:
            continue
        if record.expires_on is not None and record.expires_on < today:
            state = "expired"
        elif record.expires_on is not None and record.expires_on <= today + dt.timedelta(days=warning_days):
            state = "expiring"
        else:
            state = "valid"
        statuses.append(TrainingStatus(course, record.completed_on, record.expires_on, state))
    return statuses


def _expiry_key(record: TrainingRecord) -> tuple[int, dt.date]:
    return (1, dt.date.max) if record.expires_on is None else (0, record.expires_on)
