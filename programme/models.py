"""Dated programme sessions: reflexive peer-group supervision and critical-incident debriefs."""

from __future__ import annotations

import datetime as dt
import enum

from sqlalchemy import CheckConstraint, ColumnElement, ForeignKey, Index, String, UniqueConstraint, false, text
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


class RequestStatus(enum.StrEnum):
    REQUESTED = "requested"  # waiting for a lead to triage
    ACCEPTED = "accepted"  # accepted; a chair and a session are being arranged
    DECLINED = "declined"
    SCHEDULED = "scheduled"  # a dated session exists
    DELIVERED = "delivered"
    CLOSED = "closed"  # follow-up recorded; nothing more to do

    @property
    def label(self) -> str:
        return {
            "requested": "Waiting for triage",
            "accepted": "Accepted – arranging",
            "declined": "Declined",
            "scheduled": "Session arranged",
            "delivered": "Delivered – follow-up due",
            "closed": "Closed",
        }[self.value]


class PreferredFormat(enum.StrEnum):
    INDIVIDUAL = "individual"
    GROUP = "group"
    EITHER = "either"


class FollowUp(enum.StrEnum):
    PENDING = "pending"
    DONE = "done"
    DECLINED = "declined"


class DebriefRequest(db.Model):
    """A request for a reflective session after a serious incident. No field holds details of a child."""

    __tablename__ = "debrief_requests"
    __table_args__ = (
        CheckConstraint(_in("status", tuple(s.value for s in RequestStatus)), name="status_known"),
        CheckConstraint(_in("incident_category", CATEGORY_VALUES), name="category_known"),
        CheckConstraint(_in("preferred_format", tuple(f.value for f in PreferredFormat)), name="format_known"),
        CheckConstraint(
            f"follow_up IS NULL OR {_in('follow_up', tuple(f.value for f in FollowUp))}", name="follow_up_known"
        ),
        CheckConstraint("incident_date <= requested_on", name="incident_not_after_request"),
        CheckConstraint("status <> 'declined' OR length(decline_reason) > 0 OR anonymised_at IS NOT NULL",
                        name="declined_has_reason"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # Empty once retention or erasure has removed the requester (programme/privacy/).
    requested_by_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"), index=True)
    manager_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"))
    requested_on: Mapped[dt.date]
    requested_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    incident_date: Mapped[dt.date]
    incident_category: Mapped[str] = mapped_column(String(30))
    preferred_format: Mapped[str] = mapped_column(String(20))
    # Practical arrangements only (times, access needs); the form says not to describe the incident.
    arrangements: Mapped[str] = mapped_column(String(1000), default="")
    status: Mapped[str] = mapped_column(String(20), default=RequestStatus.REQUESTED.value, index=True)
    decline_reason: Mapped[str] = mapped_column(String(1000), default="")
    triaged_by_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"))
    triaged_at: Mapped[dt.datetime | None]
    facilitator_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"), index=True)
    offered_at: Mapped[dt.datetime | None]
    session_id: Mapped[int | None] = mapped_column(ForeignKey("programme_sessions.id"), unique=True)
    closed_safe_uplifting: Mapped[bool | None]
    signposted_eap: Mapped[bool] = mapped_column(default=False)
    signposted_occupational_health: Mapped[bool] = mapped_column(default=False)
    signposted_gp: Mapped[bool] = mapped_column(default=False)
    follow_up_due_on: Mapped[dt.date | None]
    follow_up: Mapped[str | None] = mapped_column(String(20))
    follow_up_recorded_at: Mapped[dt.datetime | None]
    # A legal hold exempts the request from retention and its people from erasure (programme/privacy/).
    legal_hold: Mapped[bool] = mapped_column(default=False, server_default=false())
    legal_hold_reason: Mapped[str] = mapped_column(String(500), default="", server_default="")
    anonymised_at: Mapped[dt.datetime | None]  # personal links removed by retention
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    requested_by: Mapped[Person | None] = relationship(foreign_keys=[requested_by_id])
    manager: Mapped[Person | None] = relationship(foreign_keys=[manager_id])
    triaged_by: Mapped[Person | None] = relationship(foreign_keys=[triaged_by_id])
    facilitator: Mapped[Person | None] = relationship(foreign_keys=[facilitator_id])
    session: Mapped[ProgrammeSession | None] = relationship()
    affected_teams: Mapped[list[Team]] = relationship(secondary="debrief_affected_teams", order_by="Team.name")
    involved: Mapped[list[Person]] = relationship(secondary="debrief_involved_people")
    invitations: Mapped[list[DebriefInvitation]] = relationship(
        back_populates="request", cascade="all, delete-orphan", order_by="DebriefInvitation.id"
    )
    learning_points: Mapped[list[LearningPoint]] = relationship(back_populates="request")

    @property
    def status_enum(self) -> RequestStatus:
        return RequestStatus(self.status)

    @property
    def category_enum(self) -> IncidentCategory:
        return IncidentCategory(self.incident_category)


debrief_affected_teams = db.Table(
    "debrief_affected_teams",
    db.Column("request_id", db.ForeignKey("debrief_requests.id"), primary_key=True),
    db.Column("team_id", db.ForeignKey("teams.id"), primary_key=True),
)

# People declared directly involved in the case: they cannot chair it.
debrief_involved_people = db.Table(
    "debrief_involved_people",
    db.Column("request_id", db.ForeignKey("debrief_requests.id"), primary_key=True),
    db.Column("person_id", db.ForeignKey("people.id"), primary_key=True),
)


class DebriefInvitation(db.Model):
    """Someone invited to the session: a person on the roster, or a partner-agency colleague by e-mail."""

    __tablename__ = "debrief_invitations"
    __table_args__ = (
        CheckConstraint("(person_id IS NULL) <> (email IS NULL)", name="person_or_email"),
        UniqueConstraint("request_id", "person_id"),
        UniqueConstraint("request_id", "email"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("debrief_requests.id"), index=True)
    person_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"), index=True)
    email: Mapped[str | None] = mapped_column(String(320))
    agency: Mapped[str] = mapped_column(String(200), default="")
    invited_at: Mapped[dt.datetime | None]

    request: Mapped[DebriefRequest] = relationship(back_populates="invitations")
    person: Mapped[Person | None] = relationship()

    @property
    def address(self) -> str:
        return self.person.email if self.person is not None else (self.email or "")


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

    request: Mapped[DebriefRequest | None] = relationship(back_populates="learning_points")
    created_by: Mapped[Person | None] = relationship()
