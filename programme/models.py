"""Dated programme sessions: reflexive peer-group supervision and critical-incident debriefs."""

from __future__ import annotations

import datetime as dt
import enum
from zoneinfo import ZoneInfo

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, UniqueConstraint, text
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
        # The database itself refuses an over-filled session, whatever the code above it does.
        CheckConstraint("booked_count >= 0 AND (capacity IS NULL OR booked_count <= capacity)", name="places_not_overfilled"),
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
    # Places held by bookings with status "booked"; changed only under the session's lock.
    booked_count: Mapped[int] = mapped_column(default=0, server_default="0")
    series_id: Mapped[int | None] = mapped_column(ForeignKey("supervision_series.id"), index=True)
    location: Mapped[str] = mapped_column(String(300), default="", server_default="")
    online_link: Mapped[str] = mapped_column(String(500), default="", server_default="")
    cancelled_reason: Mapped[str] = mapped_column(String(500), default="", server_default="")
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    team: Mapped[Team] = relationship()
    facilitator: Mapped[Person | None] = relationship()
    series: Mapped[SupervisionSeries | None] = relationship(back_populates="sessions")
    bookings: Mapped[list[Booking]] = relationship(back_populates="session", order_by="Booking.id")

    @property
    def starts_local(self) -> dt.datetime:
        return self.starts_at.replace(tzinfo=dt.UTC).astimezone(LONDON)

    @property
    def ends_local(self) -> dt.datetime:
        ends = self.starts_at + dt.timedelta(minutes=self.duration_minutes)
        return ends.replace(tzinfo=dt.UTC).astimezone(LONDON)


class Pattern(enum.StrEnum):
    """How a supervision series recurs."""

    EVERY_N_WEEKS = "every_n_weeks"  # e.g. every 4 weeks on Tuesday
    NTH_WEEKDAY_MONTHLY = "nth_weekday_monthly"  # e.g. the 2nd Tuesday of each month


WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
ORDINALS = {1: "1st", 2: "2nd", 3: "3rd", 4: "4th", -1: "last"}


class SupervisionSeries(db.Model):
    """A team's regular reflexive peer-group supervision, from which dated sessions are generated."""

    __tablename__ = "supervision_series"
    __table_args__ = (
        CheckConstraint(_in("pattern", tuple(p.value for p in Pattern)), name="pattern_known"),
        CheckConstraint("weekday BETWEEN 0 AND 6", name="weekday_range"),
        CheckConstraint(
            "(pattern = 'every_n_weeks' AND interval_weeks BETWEEN 1 AND 12) OR "
            "(pattern = 'nth_weekday_monthly' AND week_of_month IN (1, 2, 3, 4, -1))",
            name="pattern_complete",
        ),
        CheckConstraint("last_date >= first_date", name="dates_in_order"),
        CheckConstraint("duration_minutes BETWEEN 15 AND 480", name="duration_range"),
        CheckConstraint("capacity BETWEEN 1 AND 50", name="capacity_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[int] = mapped_column(ForeignKey("teams.id"), index=True)
    facilitator_id: Mapped[int] = mapped_column(ForeignKey("people.id"), index=True)
    pattern: Mapped[str] = mapped_column(String(30))
    interval_weeks: Mapped[int | None]
    week_of_month: Mapped[int | None]
    weekday: Mapped[int]
    first_date: Mapped[dt.date]
    last_date: Mapped[dt.date]
    start_time: Mapped[dt.time]
    duration_minutes: Mapped[int]
    capacity: Mapped[int]
    location: Mapped[str] = mapped_column(String(300), default="")
    online_link: Mapped[str] = mapped_column(String(500), default="")
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    team: Mapped[Team] = relationship()
    facilitator: Mapped[Person] = relationship()
    sessions: Mapped[list[ProgrammeSession]] = relationship(
        back_populates="series", order_by="ProgrammeSession.date"
    )
    skipped: Mapped[list[SkippedDate]] = relationship(
        back_populates="series", order_by="SkippedDate.date", cascade="all, delete-orphan"
    )

    @property
    def description(self) -> str:
        """In words, e.g. "Every 4 weeks on Tuesday, 10:00 to 11:30"."""
        end = (dt.datetime.combine(dt.date(2000, 1, 1), self.start_time) + dt.timedelta(minutes=self.duration_minutes)).time()
        when = f"{self.start_time:%H:%M} to {end:%H:%M}"
        day = WEEKDAYS[self.weekday]
        if self.pattern == Pattern.EVERY_N_WEEKS:
            every = "Every week" if self.interval_weeks == 1 else f"Every {self.interval_weeks} weeks"
            return f"{every} on {day}, {when}"
        return f"The {ORDINALS[self.week_of_month]} {day} of each month, {when}"


class SkippedDate(db.Model):
    """A date a series would have met on but does not, such as a bank holiday; shown to leads."""

    __tablename__ = "skipped_dates"
    __table_args__ = (UniqueConstraint("series_id", "date"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    series_id: Mapped[int] = mapped_column(ForeignKey("supervision_series.id"))
    date: Mapped[dt.date]
    reason: Mapped[str] = mapped_column(String(200))

    series: Mapped[SupervisionSeries] = relationship(back_populates="skipped")


class BookingStatus(enum.StrEnum):
    BOOKED = "booked"
    WAITLISTED = "waitlisted"
    CANCELLED = "cancelled"


class Attendance(enum.StrEnum):
    ATTENDED = "attended"
    DID_NOT_ATTEND = "did_not_attend"


LIVE_BOOKING = "status IN ('booked', 'waitlisted')"


class Booking(db.Model):
    """A person's place, or place in the queue, on one supervision session."""

    __tablename__ = "bookings"
    __table_args__ = (
        CheckConstraint(_in("status", tuple(s.value for s in BookingStatus)), name="status_known"),
        CheckConstraint(
            f"attendance IS NULL OR {_in('attendance', tuple(a.value for a in Attendance))}", name="attendance_known"
        ),
        # One live place or queue entry per person per session, enforced by the database.
        Index(
            "uq_bookings_live_person",
            "session_id",
            "person_id",
            unique=True,
            sqlite_where=text(LIVE_BOOKING),
            postgresql_where=text(LIVE_BOOKING),
        ),
        Index("ix_bookings_session_status", "session_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("programme_sessions.id"))
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"), index=True)
    status: Mapped[str] = mapped_column(String(20))
    attendance: Mapped[str | None] = mapped_column(String(20))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    booked_at: Mapped[dt.datetime | None]
    cancelled_at: Mapped[dt.datetime | None]
    reminder_sent_at: Mapped[dt.datetime | None]

    session: Mapped[ProgrammeSession] = relationship(back_populates="bookings")
    person: Mapped[Person] = relationship()
