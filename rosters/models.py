"""People, teams, agencies, training records, sign-in sessions and API tokens."""

from __future__ import annotations

import datetime as dt
import enum
import hashlib
import secrets
from typing import ClassVar

from sqlalchemy import (
    CheckConstraint,
    ColumnElement,
    ForeignKey,
    Index,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
    and_,
    false,
    or_,
)
from sqlalchemy.ext.hybrid import hybrid_method
from sqlalchemy.orm import Mapped, mapped_column, relationship

from rosters.clock import utcnow
from rosters.extensions import db


def hash_secret(value: str) -> str:
    """One-way digest for high-entropy secrets (tokens), so a database leak exposes none."""
    return hashlib.sha256(value.encode()).hexdigest()


class Role(enum.StrEnum):
    """What a person may do: the four roles of the contract."""

    MEMBER = "member"
    MANAGER = "manager"
    FACILITATOR = "facilitator"
    LEAD = "lead"

    @property
    def label(self) -> str:
        return {"member": "Team member", "manager": "Manager", "facilitator": "Facilitator", "lead": "Programme lead"}[
            self.value
        ]


class Course(enum.StrEnum):
    """Training courses that qualify people for a part of the programme."""

    PEER_SUPERVISION = "peer_supervision"
    CRITICAL_INCIDENT_DEBRIEF = "critical_incident_debrief"
    SUPERVISION_SKILLS = "supervision_skills"

    @property
    def label(self) -> str:
        return {
            "peer_supervision": "Reflexive peer-group supervision",
            "critical_incident_debrief": "Critical-incident debrief",
            "supervision_skills": "Supervision skills (managers)",
        }[self.value]


ROLE_VALUES = tuple(r.value for r in Role)
COURSE_VALUES = tuple(c.value for c in Course)


def _in(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


class Agency(db.Model):
    """An organisation whose teams take part: the council itself or a partner agency."""

    __tablename__ = "agencies"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    teams: Mapped[list[Team]] = relationship(back_populates="agency")


class Team(db.Model):
    """A social work team (or a partner agency's team) that should have regular supervision."""

    __tablename__ = "teams"
    __table_args__ = (CheckConstraint("length(name) > 0", name="name_not_empty"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    service: Mapped[str] = mapped_column(String(200), default="")
    agency_id: Mapped[int] = mapped_column(ForeignKey("agencies.id"), index=True)
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    agency: Mapped[Agency] = relationship(back_populates="teams")
    people: Mapped[list[Person]] = relationship(back_populates="team")


class Person(db.Model):
    """Anyone on the roster; those with a password can sign in."""

    __tablename__ = "people"
    __table_args__ = (
        CheckConstraint(_in("role", ROLE_VALUES), name="role_known"),
        CheckConstraint("email = lower(email)", name="email_lower_case"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(320), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(20), default=Role.MEMBER.value)
    team_id: Mapped[int | None] = mapped_column(ForeignKey("teams.id"), index=True)
    password_hash: Mapped[str | None] = mapped_column(String(255))
    # Digest of the secret in this person's calendar feed address; replaced to revoke the old address.
    calendar_token_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    enabled: Mapped[bool] = mapped_column(default=True)
    # A legal hold keeps this person's links through retention and erasure (programme/privacy/);
    # anonymised_at marks the placeholder an erased person leaves behind so that figures stay the same.
    legal_hold: Mapped[bool] = mapped_column(default=False, server_default=false())
    legal_hold_reason: Mapped[str] = mapped_column(String(500), default="", server_default="")
    anonymised_at: Mapped[dt.datetime | None]
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    team: Mapped[Team | None] = relationship(back_populates="people")
    training: Mapped[list[TrainingRecord]] = relationship(
        back_populates="person", order_by="TrainingRecord.completed_on.desc()"
    )

    # Set by the user loader: the sign-in session this request belongs to.
    current_sign_in: ClassVar[SignInSession | None] = None

    def get_id(self) -> str:
        """Flask-Login keeps the sign-in session's secret in the cookie, not the person's id."""
        if self.current_sign_in is None:
            raise RuntimeError("person is not signed in")
        return self.current_sign_in.cookie_secret or ""

    # Flask-Login's user interface, written out: its UserMixin compares people by get_id().
    is_authenticated = True
    is_anonymous = False

    @property
    def is_active(self) -> bool:
        return self.enabled and self.password_hash is not None

    @property
    def role_enum(self) -> Role:
        return Role(self.role)

    def has_role(self, *roles: Role) -> bool:
        return self.role_enum in roles

    def trained_on(self, course: Course, day: dt.date) -> bool:
        """True if the person holds training for ``course`` that is valid on ``day``."""
        return any(record.course == course.value and record.valid_on(day) for record in self.training)

    def trained_throughout(self, course: Course, first: dt.date, last: dt.date) -> bool:
        """True if training for ``course`` is valid on every day from ``first`` to ``last``.

        A renewal completed before the old record expires carries cover on, so records are chained.
        """
        records = sorted((r for r in self.training if r.course == course.value), key=lambda r: r.completed_on)
        covered_to = first - dt.timedelta(days=1)  # every day up to this one is covered
        for record in records:
            if record.completed_on > covered_to + dt.timedelta(days=1):
                return False  # a day with no valid training: every later record starts later still
            if record.expires_on is None:
                return True
            covered_to = max(covered_to, record.expires_on)
            if covered_to >= last:
                return True
        return False


class TrainingRecord(db.Model):
    """One completed course; the natural key is (person, course, completed_on)."""

    __tablename__ = "training_records"
    __table_args__ = (
        UniqueConstraint("person_id", "course", "completed_on"),
        CheckConstraint(_in("course", COURSE_VALUES), name="course_known"),
        CheckConstraint("expires_on IS NULL OR expires_on >= completed_on", name="expires_after_completed"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"), index=True)
    course: Mapped[str] = mapped_column(String(40))
    completed_on: Mapped[dt.date]
    expires_on: Mapped[dt.date | None]
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    person: Mapped[Person] = relationship(back_populates="training")

    @property
    def course_enum(self) -> Course:
        return Course(self.course)

    @hybrid_method
    def valid_on(self, day: dt.date) -> bool:
        """Completed by ``day`` and not expired before it (the one meaning of "trained on a day")."""
        return self.completed_on <= day and (self.expires_on is None or self.expires_on >= day)

    @valid_on.inplace.expression
    @classmethod
    def _valid_on_expression(cls, day: dt.date) -> ColumnElement[bool]:
        return and_(cls.completed_on <= day, or_(cls.expires_on.is_(None), cls.expires_on >= day))


class SignInSession(db.Model):
    """A server-side record of one sign-in, so that signing out really ends it everywhere."""

    __tablename__ = "sign_in_sessions"
    __table_args__ = (Index("ix_sign_in_sessions_person_open", "person_id", "ended_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"))
    secret_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    last_seen_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    ended_at: Mapped[dt.datetime | None]

    person: Mapped[Person] = relationship()

    # Only known in the request that created the session; afterwards it comes from the cookie.
    cookie_secret: ClassVar[str | None] = None

    @classmethod
    def start(cls, person: Person) -> SignInSession:
        secret = secrets.token_urlsafe(32)
        sign_in = cls(person=person, secret_hash=hash_secret(secret))
        sign_in.cookie_secret = secret
        return sign_in


class ApiToken(db.Model):
    """A bearer token for the JSON API; only its digest is stored."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    last_used_at: Mapped[dt.datetime | None]
    revoked_at: Mapped[dt.datetime | None]

    person: Mapped[Person] = relationship()

    @classmethod
    def issue(cls, person: Person) -> tuple[ApiToken, str]:
        token = secrets.token_urlsafe(32)
        return cls(person=person, token_hash=hash_secret(token)), token



class AuditEvent(db.Model):
    """One line of the append-only audit trail: who did or saw what, when (UTC)."""

    __tablename__ = "audit_events"
    __table_args__ = (Index("ix_audit_events_object", "object_type", "object_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[dt.datetime] = mapped_column(default=utcnow, index=True)
    person_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"), index=True)
    action: Mapped[str] = mapped_column(String(60))
    object_type: Mapped[str] = mapped_column(String(40), default="")
    object_id: Mapped[int | None]
    detail: Mapped[str] = mapped_column(String(500), default="")

    person: Mapped[Person | None] = relationship()


class OutboxMessage(db.Model):
    """An e-mail waiting to be sent, stored in the same transaction as the change it reports.

    ``flask send-mail`` sends what is due (``next_attempt_at`` reached, not ``claimed_until`` another
    sender), then marks it sent, or waits longer before the next try; after the last try it is
    ``failed`` and leads see it, with a retry. Sent messages are deleted after a while (they hold
    addresses and what the e-mail said).
    """

    __tablename__ = "outbox"
    __table_args__ = (
        CheckConstraint("status IN ('waiting', 'sent', 'failed')", name="status_known"),
        Index("ix_outbox_status_next_attempt_at", "status", "next_attempt_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    to: Mapped[str] = mapped_column(String(320))
    subject: Mapped[str] = mapped_column(String(300))
    body: Mapped[str] = mapped_column(Text)
    attachment_name: Mapped[str | None] = mapped_column(String(200))
    attachment_type: Mapped[str | None] = mapped_column(String(100))
    attachment: Mapped[bytes | None] = mapped_column(LargeBinary)
    status: Mapped[str] = mapped_column(String(10), default="waiting", server_default="waiting")
    attempts: Mapped[int] = mapped_column(default=0, server_default="0")
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    next_attempt_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    claimed_until: Mapped[dt.datetime | None]
    sent_at: Mapped[dt.datetime | None]
    last_error: Mapped[str] = mapped_column(String(300), default="", server_default="")
