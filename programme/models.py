"""Dated programme sessions: reflexive peer-group supervision and critical-incident debriefs."""

from __future__ import annotations

import datetime as dt
import enum

from sqlalchemy import CheckConstraint, ColumnElement, ForeignKey, Index, String, UniqueConstraint, text
from sqlalchemy.ext.hybrid import hybrid_property
from sqlalchemy.orm import Mapped, mapped_column, relationship

from rosters.clock import uk_time, utcnow
from rosters.extensions import db
from rosters.models import Person, Team, _in


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
# The most people one session can have had: 50 places and as many again coming without booking.
MAX_PLACES = 50
MAX_ATTENDEES = 2 * MAX_PLACES


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
        # Retention (programme/privacy/) removes the facilitator of old sessions and sets anonymised_at.
        CheckConstraint("status = 'cancelled' OR facilitator_id IS NOT NULL OR anonymised_at IS NOT NULL",
                        name="facilitator_unless_cancelled"),
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
    anonymised_at: Mapped[dt.datetime | None]  # personal links removed by retention or erasure
    sequence: Mapped[int] = mapped_column(default=0, server_default="0")  # iCalendar SEQUENCE: time, place, status
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    team: Mapped[Team] = relationship()
    facilitator: Mapped[Person | None] = relationship()
    series: Mapped[SupervisionSeries | None] = relationship(back_populates="sessions")
    bookings: Mapped[list[Booking]] = relationship(back_populates="session", order_by="Booking.id")

    def has_started(self, now: dt.datetime | None = None) -> bool:
        """Whether the session's start time has come (at ``now``, the clock's by default): from then on it
        can be logged and its register taken, and it can no longer be changed, withdrawn from or cancelled."""
        return self.starts_at <= (now or utcnow())

    @property
    def starts_local(self) -> dt.datetime:
        return uk_time(self.starts_at)

    @property
    def ends_local(self) -> dt.datetime:
        return uk_time(self.starts_at + dt.timedelta(minutes=self.duration_minutes))

    @property
    def hours(self) -> str:
        """From and to, in UK time: "10:00 to 11:30"."""
        return f"{self.starts_local:%H:%M} to {self.ends_local:%H:%M}"

    @property
    def when(self) -> str:
        """The day and hours in words, in UK time: "Tuesday 1 December 2026, 10:00 to 11:30"."""
        return f"{self.starts_local:%A %-d %B %Y}, {self.hours}"

    @property
    def where(self) -> str:
        """Where to go, a line each: "Place: ..." and "Online: ..." (empty when neither is known)."""
        return "\n".join(line for line in (self.location and f"Place: {self.location}",
                                             self.online_link and f"Online: {self.online_link}") if line)


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
    sessions: Mapped[list[ProgrammeSession]] = relationship(back_populates="series", order_by="ProgrammeSession.date")
    skipped: Mapped[list[SkippedDate]] = relationship(back_populates="series", order_by="SkippedDate.date",
                                                      cascade="all, delete-orphan")

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


# A live booking holds a place or a place in the queue; a cancelled one holds neither.
LIVE_STATUSES = (BookingStatus.BOOKED.value, BookingStatus.WAITLISTED.value)
LIVE_BOOKING = _in("status", LIVE_STATUSES)


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
    # Empty once retention or erasure has removed the person; the booking still counts.
    person_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"), index=True)
    status: Mapped[str] = mapped_column(String(20))
    attendance: Mapped[str | None] = mapped_column(String(20))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    booked_at: Mapped[dt.datetime | None]
    cancelled_at: Mapped[dt.datetime | None]
    reminder_sent_at: Mapped[dt.datetime | None]

    session: Mapped[ProgrammeSession] = relationship(back_populates="bookings")
    person: Mapped[Person | None] = relationship()

    @hybrid_property
    def is_live(self) -> bool:
        return self.status in LIVE_STATUSES

    @is_live.inplace.expression
    @classmethod
    def _is_live_expression(cls) -> ColumnElement[bool]:
        return cls.status.in_(LIVE_STATUSES)


class LearningStatus(enum.StrEnum):
    DRAFT = "draft"
    APPROVED = "approved"
    SHARED = "shared"
    CLOSED = "closed"


LEARNING_NEXT = {"draft": "approved", "approved": "shared", "shared": "closed"}


class LearningPoint(db.Model):
    """An area of wider learning, written without personal details, taken to a forum."""

    __tablename__ = "learning_points"
    __table_args__ = (CheckConstraint(_in("status", tuple(s.value for s in LearningStatus)), name="status_known"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int | None] = mapped_column(ForeignKey("debrief_requests.id"), index=True)
    text: Mapped[str] = mapped_column(String(2000))
    forum: Mapped[str] = mapped_column(String(200))
    status: Mapped[str] = mapped_column(String(20), default=LearningStatus.DRAFT.value)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    approved_at: Mapped[dt.datetime | None]
    shared_at: Mapped[dt.datetime | None]
    closed_at: Mapped[dt.datetime | None]
    outcome: Mapped[str] = mapped_column(String(2000), default="")

    # DebriefRequest lives in programme.debriefs.models, which imports this module; the name is resolved when
    # the mappers are configured.
    request: Mapped[DebriefRequest | None] = relationship(back_populates="learning_points")  # noqa: F821
    created_by: Mapped[Person | None] = relationship()


# The debrief tables moved to ``programme.debriefs.models``; older imports of them from here still work.
_MOVED_TO_DEBRIEFS = {"RequestStatus", "PreferredFormat", "FollowUp", "DebriefRequest", "DebriefInvitation",
                      "debrief_affected_teams", "debrief_involved_people"}


def __getattr__(name: str):
    if name in _MOVED_TO_DEBRIEFS:
        import importlib

        return getattr(importlib.import_module("programme.debriefs.models"), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
