"""The e-mails people get about their supervision places. Subjects hold no personal details."""

from __future__ import annotations

from programme.models import Booking, BookingStatus, ProgrammeSession
from programme.supervision.calendar import session_ics
from programme.supervision.places import waitlist_position
from programme.supervision.series import Change
from rosters.mail import Message
from rosters.web import absolute_url

SIGN_OFF = (
    "\n\nReflexive supervision is a contained, safe space to reflect on your practice. "
    "It is not therapy and does not replace it. If you need support now, speak to your manager or "
    "contact your employee assistance programme, occupational health or your GP."
)


def _link() -> str:
    return absolute_url("supervision.slots")


def _ics(session: ProgrammeSession) -> tuple[str, str, bytes]:
    return (f"supervision-{session.date.isoformat()}.ics", "text/calendar", session_ics(session))


def _message(booking: Booking, subject: str, body: str, *, event: bool = True) -> Message:
    """To the person on a booking: "<subject>: supervision on 1 December", the body, and the session's event."""
    session = booking.session
    return Message(
        booking.person.email,
        f"{subject}: supervision on {session.starts_local:%-d %B}",
        f"Hello {booking.person.name},\n\n{body}" + SIGN_OFF,
        _ics(session) if event else None,
    )


def _place(session: ProgrammeSession) -> str:
    return f"{session.team.name}'s reflexive supervision on {session.when}.\n{session.where}"


def _cancel_if_you_cannot_come() -> str:
    return f"If you cannot come, cancel at {_link()} so someone waiting can have your place."


def booking_made(booking: Booking) -> Message:
    session = booking.session
    if booking.status == BookingStatus.BOOKED.value:
        return _message(booking, "Place booked",
                        f"You have a place at {_place(session)}\n\n{_cancel_if_you_cannot_come()}")
    return _message(
        booking, "On the waitlist",
        f"The session on {session.when} is full. You are number {waitlist_position(booking)} on the waitlist. "
        "If a place comes free, it is yours automatically and we will e-mail you.",
        event=False,  # a queue entry holds no place, so it puts nothing in a calendar
    )


def promoted_place(booking: Booking) -> Message:
    return _message(booking, "You have a place",
                    f"A place came free and it is now yours: {_place(booking.session)}\n\n"
                    f"If you cannot come, cancel at {_link()}.")


def session_cancelled(session: ProgrammeSession, bookings: list[Booking]) -> list[Message]:
    return [
        _message(booking, "Cancelled",
                 f"{session.team.name}'s reflexive supervision on {session.when} has been cancelled.\n"
                 f"Reason: {session.cancelled_reason}\n\nSee other sessions at {_link()}.")
        for booking in bookings
    ]


def session_changed(session: ProgrammeSession, what: list[str]) -> list[Message]:
    if not what:
        return []
    return [
        _message(booking, "Changed",
                 f"{session.team.name}'s reflexive supervision has changed: " + "; ".join(what)
                 + f".\n\nIt is now on {session.when}.\n{session.where}")
        for booking in session.bookings
        if booking.is_live
    ]


def reminder(booking: Booking) -> Message:
    return _message(booking, "Reminder",
                    f"A reminder of your place at {_place(booking.session)}\n\n{_cancel_if_you_cannot_come()}")


def changes_told(changes: list[Change]) -> list[Message]:
    """Tell booked and waiting people what changed; people promoted get their own message instead."""
    messages = []
    for change in changes:
        promoted = {booking.person.email for booking in change.promoted}
        messages += [m for m in session_changed(change.session, change.what) if m.to not in promoted]
        messages += [promoted_place(booking) for booking in change.promoted]
    return messages
