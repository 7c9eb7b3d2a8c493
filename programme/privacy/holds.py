"""Legal holds: a debrief request or a person kept out of retention and erasure while a claim is open."""

from __future__ import annotations

from programme.debriefs.models import DebriefRequest
from programme.privacy.policy import PrivacyError
from rosters import audit
from rosters.extensions import db
from rosters.models import Person


def set_request_hold(item: DebriefRequest, hold: bool, reason: str = "") -> None:
    """Place or clear a legal hold on a debrief request; placing one needs a reason."""
    _set_hold(item, hold, reason)
    audit.record("legal_hold_set" if hold else "legal_hold_cleared", item, detail=item.legal_hold_reason if hold else "")


def set_person_hold(person: Person, hold: bool, reason: str = "") -> None:
    """Place or clear a legal hold on a person: retention keeps their links and erasure is refused."""
    if person.anonymised_at is not None:
        raise PrivacyError("this person has been erased; there is nothing left to hold")
    _set_hold(person, hold, reason)
    audit.record("legal_hold_set" if hold else "legal_hold_cleared", person, detail=person.legal_hold_reason if hold else "")


def _set_hold(obj: DebriefRequest | Person, hold: bool, reason: str) -> None:
    reason = " ".join(reason.split())
    if hold and not reason:
        raise PrivacyError("give the reason for the legal hold (for example the claim or case reference)")
    if len(reason) > 500:
        raise PrivacyError("the reason must be 500 characters or fewer")
    obj.legal_hold = hold
    obj.legal_hold_reason = reason if hold else ""
    db.session.flush()
