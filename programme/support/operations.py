"""Further support: the services a lead keeps, and referrals a chair offers after a debrief has begun.

A service holds what it is and how to reach it. A referral holds only who was offered which service,
whether they accepted, and whether they agreed their contact details are passed on: never why, and
nothing clinical. Each problem names the input it is about; every change is on the audit trail, whose
detail never names the person referred.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from programme.debriefs.asking import can_view
from programme.debriefs.models import DebriefInvitation, DebriefRequest, RequestStatus
from programme.errors import Conflict, NotAllowed, ProgrammeError
from programme.models import Status
from programme.support.models import SERVICE_KINDS, ReferralOutcome, ServiceKind, SupportReferral, SupportService
from rosters import audit
from rosters.clock import utcnow
from rosters.errors import Problem, refuse_if
from rosters.extensions import db
from rosters.models import Person, Role

NAME_MAX = 200
HOW_TO_REACH_MAX = 1000
OUTCOMES = tuple(o.value for o in ReferralOutcome)
# Requests whose session is over and logged: referrals may still be offered at the follow-up.
AFTER_THE_SESSION = (RequestStatus.DELIVERED.value, RequestStatus.CLOSED.value)


@dataclass
class ServiceDetails:
    """What a lead writes about a service."""

    name: str
    kind: str
    how_to_reach: str


def _is_lead(person: Person) -> bool:
    return person.role == Role.LEAD.value


def _lead_only(person: Person) -> None:
    if not _is_lead(person):
        raise NotAllowed("Only a programme lead can change the list of services")


def _service_problems(details: ServiceDetails) -> list[Problem]:
    problems = []
    name = details.name.strip()
    if not name:
        problems.append(Problem("Enter the name of the service", "name"))
    elif len(name) > NAME_MAX:
        problems.append(Problem(f"The name must be {NAME_MAX} characters or fewer", "name"))
    if details.kind not in SERVICE_KINDS:
        problems.append(Problem("Choose what kind of service it is", "kind"))
    reach = details.how_to_reach.strip()
    if not reach:
        problems.append(Problem("Say how to reach the service: a telephone number, e-mail or web address, and "
                                "when it is open", "how_to_reach"))
    elif len(reach) > HOW_TO_REACH_MAX:
        problems.append(Problem(f"How to reach the service must be {HOW_TO_REACH_MAX} characters or fewer",
                                "how_to_reach"))
    return problems


def _fill(service: SupportService, details: ServiceDetails) -> None:
    service.name = details.name.strip()
    service.kind = details.kind
    # Line ends as typed in any browser or spreadsheet, kept as one form.
    service.how_to_reach = "\n".join(line.rstrip() for line in details.how_to_reach.strip().splitlines())


def add_service(details: ServiceDetails, lead: Person) -> SupportService:
    """A lead adds a service to the list shown to everyone invited to a debrief."""
    _lead_only(lead)
    refuse_if(_service_problems(details), ProgrammeError)
    service = SupportService(active=True)
    _fill(service, details)
    db.session.add(service)
    db.session.flush()
    audit.record("support_service_added", service, person=lead, detail=service.kind)
    return service


def change_service(service: SupportService, details: ServiceDetails, lead: Person) -> SupportService:
    """A lead corrects a service's name, kind or how to reach it."""
    _lead_only(lead)
    refuse_if(_service_problems(details), ProgrammeError)
    _fill(service, details)
    db.session.flush()
    audit.record("support_service_changed", service, person=lead, detail=service.kind)
    return service


def set_service_active(service: SupportService, active: bool, lead: Person) -> SupportService:
    """Take a service off the list (kept for the referrals that name it) or put it back."""
    _lead_only(lead)
    if service.active == active:
        raise Conflict("The service is already " + ("on" if active else "off") + " the list")
    service.active = active
    db.session.flush()
    audit.record("support_service_reactivated" if active else "support_service_deactivated", service, person=lead)
    return service


def kind_order(service: SupportService) -> tuple[int, str]:
    """Services in the order of their kinds (employee assistance first), then by name."""
    return SERVICE_KINDS.index(service.kind), service.name.casefold()


def all_services() -> list[SupportService]:
    return sorted(db.session.scalars(select(SupportService)), key=kind_order)


def active_services() -> list[SupportService]:
    """The services shown to participants and offered by chairs."""
    return sorted(db.session.scalars(select(SupportService).where(SupportService.active.is_(True))), key=kind_order)


# --- referrals ------------------------------------------------------------------------------------


def session_begun(request: DebriefRequest) -> bool:
    """True once referrals may be recorded: the session has started, or the request is past it."""
    if request.status in AFTER_THE_SESSION:
        return True
    session = request.session
    return (session is not None and session.status in (Status.SCHEDULED.value, Status.DELIVERED.value)
            and session.has_started())


def may_refer(person: Person, request: DebriefRequest) -> bool:
    """Only the request's chair and programme leads record referrals (and see them)."""
    return can_view(person, request) and (_is_lead(person) or request.facilitator_id == person.id)


def record_referral(request: DebriefRequest, person: Person, invitation: DebriefInvitation | None,
                    service: SupportService | None, outcome: str, consent_to_share: bool | None) -> SupportReferral:
    """The chair (or a lead) records that a service was offered to someone invited, and their answer.

    Consent to pass on contact details means something only when the offer was accepted; it is
    required then and stored as no when declined (the table's CHECK says the same).
    """
    if not may_refer(person, request):
        raise NotAllowed("Only the chair or a programme lead can record a referral")
    if not session_begun(request):
        raise Conflict("Referrals can be recorded once the session has started")
    problems = []
    if invitation is None or invitation.request_id != request.id:
        problems.append(Problem("Choose someone invited to this debrief", "invitation"))
    if service is None or not service.active:
        problems.append(Problem("Choose a service from the list", "service"))
    if outcome not in OUTCOMES:
        problems.append(Problem("Select whether they accepted or declined the referral", "outcome"))
    accepted = outcome == ReferralOutcome.ACCEPTED.value
    if accepted and consent_to_share is None:
        problems.append(Problem("Select whether they agreed that their contact details are shared with the service",
                                "consent_to_share"))
    refuse_if(problems, ProgrammeError)
    referral = SupportReferral(request=request, invitation=invitation, service=service, outcome=outcome,
                               consent_to_share=bool(accepted and consent_to_share), offered_by=person,
                               offered_at=utcnow())
    db.session.add(referral)
    db.session.flush()
    # The request is the object, so the line sits on its trail; the detail names the service, not the person.
    audit.record("support_referral_recorded", request, person=person,
                 detail=f"referral {referral.id}: service {service.id} ({service.kind}), {outcome}"
                 + (f", consent to share {'yes' if referral.consent_to_share else 'no'}" if accepted else ""))
    return referral


def mark_followed_up(referral: SupportReferral, lead: Person) -> SupportReferral:
    """A lead has made the referral, or checked in with the person: it no longer waits."""
    if not _is_lead(lead):
        raise NotAllowed("Only a programme lead can mark a referral as followed up")
    if referral.outcome != ReferralOutcome.ACCEPTED.value:
        raise Conflict("Only an accepted referral is followed up")
    if referral.followed_up_at is not None:
        raise Conflict("This referral has already been followed up")
    referral.followed_up_at = utcnow()
    referral.followed_up_by = lead
    db.session.flush()
    audit.record("support_referral_followed_up", referral.request, person=lead, detail=f"referral {referral.id}")
    return referral


def referrals_for(request: DebriefRequest) -> list[SupportReferral]:
    return list(db.session.scalars(
        select(SupportReferral).where(SupportReferral.request_id == request.id)
        .options(selectinload(SupportReferral.service), selectinload(SupportReferral.invitation))
        .order_by(SupportReferral.offered_at, SupportReferral.id)
    ))


def referral_count(request: DebriefRequest) -> int:
    return db.session.scalar(
        select(func.count()).select_from(SupportReferral).where(SupportReferral.request_id == request.id)) or 0


def waiting_referrals() -> list[SupportReferral]:
    """Accepted referrals not yet followed up, oldest first.

    One whose person has been removed (erasure or retention) no longer waits: there is no one to follow up.
    """
    r = SupportReferral
    return list(db.session.scalars(
        select(r).where(r.outcome == ReferralOutcome.ACCEPTED.value, r.followed_up_at.is_(None),
                        r.invitation_id.is_not(None))
        .options(selectinload(r.service), selectinload(r.request),
                 selectinload(r.invitation).selectinload(DebriefInvitation.person))
        .order_by(r.offered_at, r.id)
    ))


def referral_counts() -> Counter:
    """Every referral offered, and how many were accepted, declined and followed up."""
    counts: Counter = Counter()
    r = SupportReferral
    for outcome, followed, number in db.session.execute(
        select(r.outcome, r.followed_up_at.is_not(None), func.count()).group_by(r.outcome, r.followed_up_at.is_not(None))
    ):
        counts[outcome] += number
        counts["offered"] += number
        if followed:
            counts["followed_up"] += number
    return counts


def kind_label(kind: str) -> str:
    return ServiceKind(kind).label
