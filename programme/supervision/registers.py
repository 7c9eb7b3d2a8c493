"""After a supervision session: the register says who came and whether it went ahead (it feeds the figures)."""

from __future__ import annotations

from programme.calendars import event_changed
from programme.errors import Conflict, ProgrammeError
from programme.models import Attendance, BookingStatus, Kind, ProgrammeSession, Status
from programme.supervision.places import lock_session
from rosters import audit
from rosters.errors import Problem
from rosters.extensions import db


def record_register(
    session_id: int, attendance: dict[int, bool], *, outcome: str, others: int = 0, reason: str = ""
) -> ProgrammeSession:
    """Record who came and whether the session was delivered or cancelled."""
    session = lock_session(session_id)
    if session.kind != Kind.SUPERVISION.value:
        raise ProgrammeError("Only supervision sessions have a register")
    if session.status == Status.CANCELLED.value and session.cancelled_reason and not any(
        b.attendance for b in session.bookings
    ) and all(b.status == BookingStatus.CANCELLED.value for b in session.bookings):
        # Cancelled in advance: everyone booked was told it was off, so it cannot become delivered.
        raise Conflict(Problem("This session was cancelled in advance and everyone booked was told", "outcome"))
    if not session.has_started():
        raise Conflict(Problem("The register can be taken once the session has started", "outcome"))
    if outcome not in (Status.DELIVERED.value, Status.CANCELLED.value):
        raise ProgrammeError(Problem("Say whether the session was delivered or cancelled", "outcome"))
    if others < 0:
        raise ProgrammeError(Problem("Others attending must be 0 or more", "others"))
    booked = [b for b in session.bookings if b.status == BookingStatus.BOOKED.value]
    was_cancelled = session.status == Status.CANCELLED.value
    if outcome == Status.DELIVERED.value and session.facilitator_id is None:
        # Only a session cancelled without one (e.g. imported so) lacks a facilitator; the database would
        # refuse a delivered session without one, so say so rather than fail.
        raise ProgrammeError(Problem("This session has no facilitator; a delivered session needs one", "outcome"))
    if outcome == Status.DELIVERED.value:
        missing = [(b.person.name if b.person else "a removed person") for b in booked if b.id not in attendance]
        if missing:
            raise ProgrammeError(Problem("Mark everyone booked as attended or did not attend: " + ", ".join(missing),
                                         "outcome"))
        for booking in booked:
            booking.attendance = (Attendance.ATTENDED if attendance[booking.id] else Attendance.DID_NOT_ATTEND).value
        session.attendees = sum(1 for b in booked if attendance[b.id]) + others
        session.status = Status.DELIVERED.value
        session.cancelled_reason = ""
    else:
        if not reason.strip():
            raise ProgrammeError(Problem("Say why the session did not go ahead", "outcome"))
        session.status = Status.CANCELLED.value
        session.attendees = None
        session.cancelled_reason = reason.strip()
    if was_cancelled != (session.status == Status.CANCELLED.value):
        event_changed(session)  # the published event goes from confirmed to cancelled, or back
    db.session.flush()
    audit.record("register_taken", session, detail=outcome)
    return session
