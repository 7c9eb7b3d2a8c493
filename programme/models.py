"""Dated programme sessions: reflexive peer-group supervision and critical-incident debriefs."""

from __future__ import annotations

import datetime as dt
import enum
from zoneinfo import ZoneInfo

from sqlalchemy import CheckConstraint, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from rosters.extensions import db
from rosters.models import Person, Team, _in, utcnow

LONDON = ZoneInfo("Europe/London")


class Kind(enum.StrEnum):
    SUPERVISION = "supervision"
    DEBRIEF = "debrief"


class Format(enum.StrEnum):
    GROUP = "group"
    INDIVIDUAL = "individual"


class Status(enum.StrEnum):
    SCHEDULED = "scheduled"
    DELIVERED = "delivered"
    CANCELLED = "cancelled"


class IncidentCategory(enum.StrEnum):
    MURDER = "murder"
    ABUSE = "abuse"
    SERIOUS_VIOLENCE = "serious_violence"
    THREAT_TO_WORKER = "threat_to_worker"
    OTHER = "other"

    @property
    def label(self) -> str:
        return {
            "murder": "Murder of a child or adult",
            "abuse": "Systematic sexual or physical abuse",
            "serious_violence": "Serious violence resulting in significant injury",
            "threat_to_worker": "Serious threats to workers' safety",
            "other": "Other serious incident with significant emotional impact",
        }[self.value]


KIND_VALUES = tuple(k.value for k in Kind)
FORMAT_VALUES = tuple(f.value for f in Format)
STATUS_VALUES = tuple(s.value for s in Status)
CATEGORY_VALUES = tuple(c.value for c in IncidentCategory)


def local_to_utc(day: dt.date, start: dt.time) -> dt.datetime:
    """UK wall-clock date and time -> naive UTC, so clock changes never move a session."""
    return dt.datetime.combine(day, start, tzinfo=LONDON).astimezone(dt.UTC).replace(tzinfo=None)


def uk_time_exists(day: dt.date, start: dt.time) -> bool:
    """False for the hour skipped when the clocks go forward (e.g. 01:30 on the last Sunday of March)."""
    local = dt.datetime.combine(day, start, tzinfo=LONDON)
    round_trip = local.astimezone(dt.UTC).astimezone(LONDON)
    return round_trip.replace(tzinfo=None) == local.replace(tzinfo=None)


class ProgrammeSession(db.Model):
    """One dated session. ``date`` is the UK calendar date, by which figures group sessions."""

    __tablename__ = "programme_sessions"
    __table_args__ = (
        CheckConstraint(_in("kind", KIND_VALUES), name="kind_known"),
        CheckConstraint(_in("format", FORMAT_VALUES), name="format_known"),
        CheckConstraint(_in("status", STATUS_VALUES), name="status_known"),
        CheckConstraint(
            f"incident_category IS NULL OR {_in('incident_category', CATEGORY_VALUES)}", name="category_known"
        ),
        CheckConstraint("kind = 'debrief' OR format = 'group'", name="supervision_is_group"),
        CheckConstraint("kind = 'debrief' OR (requested_on IS NULL AND incident_category IS NULL)",
                        name="debrief_fields_only_on_debriefs"),
        CheckConstraint("duration_minutes BETWEEN 15 AND 480", name="duration_range"),
        CheckConstraint("capacity IS NULL OR capacity BETWEEN 1 AND 50", name="capacity_range"),
        CheckConstraint("attendees IS NULL OR attendees >= 0", name="attendees_not_negative"),
        CheckConstraint("status <> 'delivered' OR attendees IS NOT NULL", name="delivered_has_attendees"),
        CheckConstraint("status = 'cancelled' OR facilitator_id IS NOT NULL", name="facilitator_unless_cancelled"),
        CheckConstraint("requested_on IS NULL OR requested_on <= date", name="requested_not_after_date"),
        Index("ix_programme_sessions_kind_status_date", "kind", "status", "date"),
        Index("ix_programme_sessions_team_date", "team_id", "date"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    ref: Mapped[str | None] = mapped_column(String(100), unique=True)
    kind: Mapped[str] = mapped_column(String(20))
    format: Mapped[str] = mapped_column(String(20))
    team_id: Mapped[int] = mapped_column(ForeignKey("teams.id"))
    date: Mapped[dt.date]
    starts_at: Mapped[dt.datetime]
    duration_minutes: Mapped[int]
    facilitator_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"), index=True)
    status: Mapped[str] = mapped_column(String(20), default=Status.SCHEDULED.value)
    attendees: Mapped[int | None]
    requested_on: Mapped[dt.date | None] = mapped_column(index=True)
    incident_category: Mapped[str | None] = mapped_column(String(30))
    capacity: Mapped[int | None]
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    team: Mapped[Team] = relationship()
    facilitator: Mapped[Person | None] = relationship()

    @property
    def starts_local(self) -> dt.datetime:
        return self.starts_at.replace(tzinfo=dt.UTC).astimezone(LONDON)

    @property
    def ends_local(self) -> dt.datetime:
        ends = self.starts_at + dt.timedelta(minutes=self.duration_minutes)
        return ends.replace(tzinfo=dt.UTC).astimezone(LONDON)
