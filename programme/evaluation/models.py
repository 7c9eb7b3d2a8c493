"""Evidence of impact: workforce figures from HR, questionnaires, invitations to answer them, and answers.

Anonymity is in the shape of the tables. An invitation knows its person and only whether it has been
answered; a response knows its questionnaire, the month, the team and what kind of session (or which
pulse) it is about, and nothing that leads back to an invitation: its key is random, it keeps no time
finer than the month, and no column is shared with the invitation but those coarse groups.
"""

from __future__ import annotations

import datetime as dt
import enum
import json
import secrets
from typing import Any

from sqlalchemy import CheckConstraint, Column, ForeignKey, Index, String, Table, Text, UniqueConstraint, false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from rosters.clock import utcnow
from rosters.extensions import db
from rosters.models import Person, Team, _in


class WorkforceMonth(db.Model):
    """One team's staffing in one calendar month, from HR (the ``workforce`` import)."""

    __tablename__ = "workforce_months"
    __table_args__ = (
        UniqueConstraint("team_id", "month", name="uq_workforce_team_month"),
        CheckConstraint("fte > 0 AND fte <= 1000", name="fte_range"),
        CheckConstraint("sickness_days >= 0", name="sickness_not_negative"),
        CheckConstraint("leavers >= 0", name="leavers_not_negative"),
        CheckConstraint("vacancies_fte IS NULL OR vacancies_fte >= 0", name="vacancies_not_negative"),
        CheckConstraint("agency_fte IS NULL OR agency_fte >= 0", name="agency_not_negative"),
        Index("ix_workforce_months_month", "month"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[int] = mapped_column(ForeignKey("teams.id"))
    month: Mapped[dt.date]  # always the first day of the month
    fte: Mapped[float]
    sickness_days: Mapped[float]
    leavers: Mapped[int]
    vacancies_fte: Mapped[float | None]
    agency_fte: Mapped[float | None]
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    team: Mapped[Team] = relationship()


class Source(enum.StrEnum):
    SESSION = "session"  # feedback after a delivered supervision session or debrief
    PULSE = "pulse"  # a wellbeing questionnaire sent to chosen teams


SOURCE_VALUES = tuple(s.value for s in Source)


class Questionnaire(db.Model):
    """A questionnaire's definition (docs/questionnaires.md), kept as the JSON text that was uploaded."""

    __tablename__ = "questionnaires"
    __table_args__ = (UniqueConstraint("key", "version", name="uq_questionnaire_key_version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(60))
    version: Mapped[int]
    title: Mapped[str] = mapped_column(String(200))
    definition: Mapped[str] = mapped_column(Text)  # JSON, checked by programme.evaluation.definitions
    built_in: Mapped[bool] = mapped_column(default=False, server_default=false())
    retired: Mapped[bool] = mapped_column(default=False, server_default=false())
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    @property
    def spec(self) -> dict[str, Any]:
        return json.loads(self.definition)


pulse_teams = Table(
    "pulse_teams",
    db.metadata,
    Column("pulse_id", ForeignKey("pulses.id", ondelete="CASCADE"), primary_key=True),
    Column("team_id", ForeignKey("teams.id"), primary_key=True),
)


class Pulse(db.Model):
    """A questionnaire sent to chosen teams, open from ``opens_on`` to ``closes_on`` inclusive."""

    __tablename__ = "pulses"
    __table_args__ = (CheckConstraint("closes_on >= opens_on", name="closes_after_opening"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    questionnaire_id: Mapped[int] = mapped_column(ForeignKey("questionnaires.id"), index=True)
    opens_on: Mapped[dt.date]
    closes_on: Mapped[dt.date]
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"))
    reminder_sent_at: Mapped[dt.datetime | None]
    cancelled_at: Mapped[dt.datetime | None]
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    questionnaire: Mapped[Questionnaire] = relationship()
    teams: Mapped[list[Team]] = relationship(secondary=pulse_teams, order_by="Team.name")
    created_by: Mapped[Person | None] = relationship()


class SurveyInvitation(db.Model):
    """A person's single-use link to answer a questionnaire. The link's secret is kept only as a hash."""

    __tablename__ = "survey_invitations"
    __table_args__ = (
        CheckConstraint(_in("source", SOURCE_VALUES), name="source_known"),
        CheckConstraint("(source = 'session') = (session_id IS NOT NULL)", name="session_feedback_has_session"),
        CheckConstraint("(source = 'pulse') = (pulse_id IS NOT NULL)", name="pulse_invitation_has_pulse"),
        UniqueConstraint("person_id", "session_id", name="uq_invitation_person_session"),
        UniqueConstraint("person_id", "pulse_id", name="uq_invitation_person_pulse"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    source: Mapped[str] = mapped_column(String(20))
    person_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"), index=True)
    questionnaire_id: Mapped[int] = mapped_column(ForeignKey("questionnaires.id"))
    session_id: Mapped[int | None] = mapped_column(ForeignKey("programme_sessions.id"), index=True)
    pulse_id: Mapped[int | None] = mapped_column(ForeignKey("pulses.id"), index=True)
    team_id: Mapped[int | None] = mapped_column(ForeignKey("teams.id"))  # the team the answer will count for
    expires_on: Mapped[dt.date]
    answered: Mapped[bool] = mapped_column(default=False, server_default=false())
    withdrawn: Mapped[bool] = mapped_column(default=False, server_default=false())  # e.g. register corrected
    reminded: Mapped[bool] = mapped_column(default=False, server_default=false())
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    person: Mapped[Person | None] = relationship()
    questionnaire: Mapped[Questionnaire] = relationship()
    pulse: Mapped[Pulse | None] = relationship()
    team: Mapped[Team | None] = relationship()


def random_key() -> str:
    return secrets.token_hex(16)


class SurveyResponse(db.Model):
    """One anonymous answer. No person, no invitation, no session, no time finer than the month."""

    __tablename__ = "survey_responses"
    __table_args__ = (
        CheckConstraint(_in("source", SOURCE_VALUES), name="source_known"),
        CheckConstraint("session_kind IS NULL OR session_kind IN ('supervision', 'debrief')", name="kind_known"),
        Index("ix_survey_responses_questionnaire_month", "questionnaire_id", "month"),
        # On SQLite, rows are then kept in the order of their random key, not the order they were written.
        {"sqlite_with_rowid": False},
    )

    # Random, so the order rows were written in says nothing about who wrote them.
    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=random_key)
    source: Mapped[str] = mapped_column(String(20))
    questionnaire_id: Mapped[int] = mapped_column(ForeignKey("questionnaires.id"))
    session_kind: Mapped[str | None] = mapped_column(String(20))  # for session feedback
    pulse_id: Mapped[int | None] = mapped_column(ForeignKey("pulses.id"), index=True)
    team_id: Mapped[int | None] = mapped_column(ForeignKey("teams.id"), index=True)
    month: Mapped[dt.date]  # the first day of the month it was given
    answers: Mapped[str] = mapped_column(Text)  # JSON: item id -> the value chosen (as given, before reversing)
    scores: Mapped[str] = mapped_column(Text)  # JSON: subscale id -> score
    comment: Mapped[str] = mapped_column(Text, default="", server_default="")

    questionnaire: Mapped[Questionnaire] = relationship()
    team: Mapped[Team | None] = relationship()

    @property
    def score_map(self) -> dict[str, float]:
        return json.loads(self.scores)
