"""The e-mails people get about their supervision places. Subjects hold no personal details."""

from __future__ import annotations

from flask import current_app

from programme.models import Booking, ProgrammeSession
from programme.supervision.calendar import session_ics
from programme.supervision.places import waitlist_position
from programme.supervision.series import Change
from rosters.mail import Message

SIGN_OFF = (
    "\n\nReflexive supervision is a contained, safe space to reflect on your practice. "
    "It is not therapy and does not replace it. If you need support now, speak to your manager or "
    "contact your employee assistance programme, occupational health or your GP."
)


def _link() -> str:
    return current_app.config["BASE_URL"] + "/supervision"


def _ics(session: ProgrammeSession) -> tuple[str, str, bytes]:
    return (f"supervision-{session.date.isoformat()}.ics", "text/calendar", session_ics(session))


def booking_made(booking: Booking) -> Message:
    session = booking.session
    if booking.status == "booked":
        return Message(
            booking.person.email,
            f"Place booked: supervision on {session.starts_local:%-d %B}",
            f"Hello {booking.person.name},\n\nYou have a place at {session.team.name}'s reflexive supervision on "
            f"{session.when}.\n{session.where}\n\nIf you cannot come, cancel at {_link()} so someone "
            f"waiting can have your place." + SIGN_OFF,
            _ics(session),
        )
    return Message(
        booking.person.email,
        f"On the waitlist: supervision on {session.starts_local:%-d %B}",
        f"Hello {booking.person.name},\n\nThe session on {session.when} is full. You are number "
        f"{waitlist_position(booking)} on the waitlist. If a place comes free, it is yours automatically "
        f"and we will e-mail you." + SIGN_OFF,
    )


def promoted_place(booking: Booking) -> Message:
    session = booking.session
    return Message(
        booking.person.email,
        f"You have a place: supervision on {session.starts_local:%-d %B}",
        f"Hello {booking.person.name},\n\nA place came free and it is now yours: {session.team.name}'s reflexive "
        f"supervision on {session.when}.\n{session.where}\n\nIf you cannot come, cancel at {_link()}." + SIGN_OFF,
        _ics(session),
    )


def session_cancelled(session: ProgrammeSession, bookings: list[Booking]) -> list[Message]:
    return [
        Message(
            booking.person.email,
            f"Cancelled: supervision on {session.starts_local:%-d %B}",
            f"Hello {booking.person.name},\n\n{session.team.name}'s reflexive supervision on {session.when} has "
            f"been cancelled.\nReason: {session.cancelled_reason}\n\nSee other sessions at {_link()}." + SIGN_OFF,
            _ics(session),
        )
        for booking in bookings
    ]


def session_changed(session: ProgrammeSession, what: list[str]) -> list[Message]:
    if not what:
        return []
    return [
        Message(
            booking.person.email,
            f"Changed: supervision on {session.starts_local:%-d %B}",
            f"Hello {booking.person.name},\n\n{session.team.name}'s reflexive supervision has changed: "
            + "; ".join(what)
            + f".\n\nIt is now on {session.when}.\n{session.where}" + SIGN_OFF,
            _ics(session),
        )
        for booking in session.bookings
        if booking.is_live
    ]


def reminder(booking: Booking) -> Message:
    session = booking.session
    return Message(
        booking.person.email,
        f"Reminder: supervision on {session.starts_local:%-d %B}",
        f"Hello {booking.person.name},\n\nA reminder of your place at {session.team.name}'s reflexive supervision "
        f"on {session.when}.\n{session.where}\n\nIf you cannot come, cancel at {_link()} so someone waiting "
        f"can have your place." + SIGN_OFF,
        _ics(session),
    )


def changes_told(changes: list[Change]) -> list[Message]:
    """Tell booked and waiting people what changed; people promoted get their own message instead."""
    messages = []
    for change in changes:
        promoted = {booking.person.email for booking in change.promoted}
        messages += [m for m in session_changed(change.session, change.what) if m.to not in promoted]
        messages += [promoted_place(booking) for booking in change.promoted]
    return messages
