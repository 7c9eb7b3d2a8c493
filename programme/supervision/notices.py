"""The e-mails people get about their supervision places. Subjects hold no personal details.

A place carries a calendar invitation (``METHOD:REQUEST``): when it is booked or given from the waitlist,
again with a higher ``SEQUENCE`` when the session changes, and with each reminder. A place given up or a
session called off carries ``METHOD:CANCEL``. A waitlist entry holds no place, so its messages carry no event.
"""

from __future__ import annotations

from programme.calendars import CANCEL, REQUEST, attachment
from programme.models import Booking, BookingStatus, ProgrammeSession
from programme.supervision.calendar import invitation
from programme.supervision.places import Removal, waitlist_position
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


def _message(booking: Booking, subject: str, body: str, *, method: str | None = REQUEST) -> Message:
    """To the person on a booking: "<subject>: supervision on 1 December", the body, and their invitation
    (``method`` REQUEST or CANCEL) or, with ``method=None``, no event."""
    session = booking.session
    return Message(
        booking.person.email,
        f"{subject}: supervision on {session.starts_local:%-d %B}",
        f"Hello {booking.person.name},\n\n{body}" + SIGN_OFF,
        attachment(invitation(session, booking.person, method), method) if method else None,
    )


def _held_place(booking: Booking) -> bool:
    """They had a place (booked, or given one from the waitlist), not only a queue entry."""
    return booking.booked_at is not None


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
        method=None,  # a queue entry holds no place, so it puts nothing in a calendar
    )


def promoted_place(booking: Booking) -> Message:
    return _message(booking, "You have a place",
                    f"A place came free and it is now yours: {_place(booking.session)}\n\n"
                    f"If you cannot come, cancel at {_link()}.")


def place_cancelled(booking: Booking) -> list[Message]:
    """Someone gave up their own place: it is taken out of their calendar. Leaving the queue sends nothing
    (the page said so, and nothing was in their calendar); a lead's removal is ``place_removed``."""
    if not _held_place(booking):
        return []
    session = booking.session
    return [_message(booking, "Place cancelled",
                     f"You have cancelled your place at {session.team.name}'s reflexive supervision on "
                     f"{session.when}. It is taken out of your calendar.\n\nTo book again, go to {_link()}.",
                     method=CANCEL)]


def session_cancelled(session: ProgrammeSession, bookings: list[Booking]) -> list[Message]:
    """Everyone who had a place gets the CANCEL; people waiting are told in words only."""
    return [
        _message(booking, "Cancelled",
                 f"{session.team.name}'s reflexive supervision on {session.when} has been cancelled.\n"
                 f"Reason: {session.cancelled_reason}\n\nSee other sessions at {_link()}.",
                 method=CANCEL if _held_place(booking) else None)
        for booking in bookings
    ]


def session_changed(change: Change) -> list[Message]:
    """People with a place get the new invitation when the event changed; people waiting, words only."""
    session = change.session
    if not change.what:
        return []
    # The new time is stated once: in what changed when it moved, otherwise below it.
    now = (f"{session.where}" if change.retimed else f"It is on {session.when}.\n{session.where}").strip()
    body = f"{session.team.name}'s reflexive supervision has changed: " + "; ".join(change.what) + "."
    return [
        _message(booking, "Changed", body + (f"\n\n{now}" if now else ""),
                 method=REQUEST if change.event_changed and booking.status == BookingStatus.BOOKED.value else None)
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
        messages += [m for m in session_changed(change) if m.to not in promoted]
        messages += [promoted_place(booking) for booking in change.promoted]
    return messages


def place_removed(booking: Booking, reason: str) -> Message:
    """Tell someone a programme lead removed their place (or queue entry), and why."""
    session = booking.session
    what = "your place at" if _held_place(booking) else "you from the waitlist for"
    calendar = " It is taken out of your calendar." if _held_place(booking) else ""
    return _message(booking, "Place removed",
                    f"A programme lead has removed {what} {session.team.name}'s reflexive supervision on "
                    f"{session.when}.{calendar}\nReason: {reason.strip()}\n\nSee other sessions at {_link()}.",
                    method=CANCEL if _held_place(booking) else None)


def removal_told(removal: Removal) -> list[Message]:
    """After a lead removes a place: the person removed, and whoever was given the place."""
    promoted = [promoted_place(removal.promoted)] if removal.promoted is not None else []
    return [place_removed(removal.booking, removal.reason), *promoted]
