"""Further support beyond peer support: the services a lead lists, and referrals a chair offers.

A service says what it is and how to reach it; it is shown to everyone invited to a debrief. A referral
says only that a service was offered to someone invited, whether they accepted, and whether they
agreed that their contact details are passed on; never why, nor anything clinical.
"""

from __future__ import annotations

import datetime as dt
import enum

from sqlalchemy import CheckConstraint, ForeignKey, String, false, true
from sqlalchemy.orm import Mapped, mapped_column, relationship

from programme.debriefs.models import DebriefInvitation, DebriefRequest
from rosters.clock import utcnow
from rosters.extensions import db
from rosters.models import Person, _in


class ServiceKind(enum.StrEnum):
    EMPLOYEE_ASSISTANCE = "employee_assistance"
    OCCUPATIONAL_HEALTH = "occupational_health"
    CLINICAL_PSYCHOLOGY = "clinical_psychology"
    GP = "gp"
    OTHER = "other"

    @property
    def label(self) -> str:
        return {
            "employee_assistance": "Employee assistance programme",
            "occupational_health": "Occupational health",
            "clinical_psychology": "Clinical psychology",
            "gp": "GP",
            "other": "Other",
        }[self.value]


SERVICE_KINDS = tuple(k.value for k in ServiceKind)


class ReferralOutcome(enum.StrEnum):
    ACCEPTED = "accepted"
    DECLINED = "declined"


class SupportService(db.Model):
    """A service people can be pointed or referred to, kept by the programme lead."""

    __tablename__ = "support_services"
    __table_args__ = (CheckConstraint(_in("kind", SERVICE_KINDS), name="kind_known"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(30))
    how_to_reach: Mapped[str] = mapped_column(String(1000))  # telephone, e-mail, web address, opening times
    active: Mapped[bool] = mapped_column(default=True, server_default=true())
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    @property
    def kind_enum(self) -> ServiceKind:
        return ServiceKind(self.kind)


class SupportReferral(db.Model):
    """A service offered to someone invited to a debrief, and what they chose. No clinical detail."""

    __tablename__ = "support_referrals"
    __table_args__ = (
        CheckConstraint(_in("outcome", tuple(o.value for o in ReferralOutcome)), name="outcome_known"),
        CheckConstraint("outcome = 'accepted' OR consent_to_share = false", name="consent_only_if_accepted"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("debrief_requests.id"), index=True)
    # Empty once retention or erasure has removed the person (the referral is then only a count).
    invitation_id: Mapped[int | None] = mapped_column(ForeignKey("debrief_invitations.id"), index=True)
    service_id: Mapped[int] = mapped_column(ForeignKey("support_services.id"), index=True)
    outcome: Mapped[str] = mapped_column(String(20))
    # The person agreed that their name and contact details are passed to the service.
    consent_to_share: Mapped[bool] = mapped_column(default=False, server_default=false())
    offered_by_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"))
    offered_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    followed_up_at: Mapped[dt.datetime | None]  # a lead has made the referral or checked in
    followed_up_by_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"))

    request: Mapped[DebriefRequest] = relationship()
    invitation: Mapped[DebriefInvitation | None] = relationship()
    service: Mapped[SupportService] = relationship()
    offered_by: Mapped[Person | None] = relationship(foreign_keys=[offered_by_id])
    followed_up_by: Mapped[Person | None] = relationship(foreign_keys=[followed_up_by_id])

    @property
    def waiting(self) -> bool:
        """Accepted and not yet followed up by a lead."""
        return self.outcome == ReferralOutcome.ACCEPTED.value and self.followed_up_at is None
