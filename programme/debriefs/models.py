"""The tables of the debrief feature: a request, who is affected and invited, and what happened.

No column holds details of a child or of what was said. The dated session itself is a
``ProgrammeSession`` of kind ``debrief`` (``programme.models``), so it counts in the figures.
"""

from __future__ import annotations

import datetime as dt
import enum
import re
from typing import TYPE_CHECKING

from sqlalchemy import CheckConstraint, ForeignKey, String, UniqueConstraint, false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from programme.models import CATEGORY_VALUES, IncidentCategory, ProgrammeSession
from rosters.clock import utcnow
from rosters.extensions import db
from rosters.models import Person, Team, _in

if TYPE_CHECKING:
    from programme.models import LearningPoint

REFERENCE_PREFIX = "DB-"
_REFERENCE = re.compile(r"^\s*(?:db)?[\s-]*0*(\d{1,9})\s*$", re.IGNORECASE)


def request_id_from_reference(text: str) -> int | None:
    """The request id a typed reference names ("DB-0042", "db42", "42"), or None when it names none."""
    match = _REFERENCE.match(text or "")
    return int(match.group(1)) if match else None


class RequestStatus(enum.StrEnum):
    REQUESTED = "requested"  # waiting for a lead to triage
    ACCEPTED = "accepted"  # accepted; a chair and a session are being arranged
    DECLINED = "declined"
    SCHEDULED = "scheduled"  # a dated session exists
    DELIVERED = "delivered"
    CLOSED = "closed"  # follow-up recorded; nothing more to do
    WITHDRAWN = "withdrawn"  # the person who asked no longer wants it

    @property
    def label(self) -> str:
        return {
            "requested": "Waiting for triage",
            "accepted": "Accepted – arranging",
            "declined": "Declined",
            "scheduled": "Session arranged",
            "delivered": "Delivered – follow-up due",
            "closed": "Closed",
            "withdrawn": "Withdrawn",
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
        CheckConstraint("others_allowed >= 0 AND others_allowed <= 50", name="others_allowed_range"),
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
    # A lead may open the follow-up before it is due, with a reason.
    follow_up_opened_at: Mapped[dt.datetime | None]
    follow_up_open_reason: Mapped[str] = mapped_column(String(500), default="", server_default="")
    # The practitioner agreed, on the form, that their named manager is told and sees where it stands.
    manager_told: Mapped[bool] = mapped_column(default=False, server_default=false())
    manager_supported_at: Mapped[dt.datetime | None]  # the manager said they support the request
    # A later target for the session agreed with the people affected ("after the funeral"); the overdue
    # clock follows it, the standard target stays for the figures.
    agreed_session_due: Mapped[dt.date | None]
    agreed_due_reason: Mapped[str] = mapped_column(String(500), default="", server_default="")
    # People beyond those invited by name who may come (a stated number, set when arranging).
    others_allowed: Mapped[int] = mapped_column(default=0, server_default="0")
    withdrawn_at: Mapped[dt.datetime | None]
    withdraw_reason: Mapped[str] = mapped_column(String(1000), default="", server_default="")
    # The person who asked asked to change something (a time, a place); cleared once a lead deals with it.
    change_asked: Mapped[str] = mapped_column(String(1000), default="", server_default="")
    change_asked_at: Mapped[dt.datetime | None]
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
    def reference(self) -> str:
        """How people quote a request: "DB-0042"."""
        return f"{REFERENCE_PREFIX}{self.id:04d}"

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
