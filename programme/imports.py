"""Spreadsheet import of historical or planned sessions (``flask import-csv sessions``).

Re-importing a row updates the session, status included, but never takes away a place someone holds:
a supervision session with places booked stays supervision, keeps at least those places, and is
cancelled only as a programme lead cancels it in the service (everyone booked or waiting is told, in
the import's own transaction, so a refused file tells nobody).
"""

from __future__ import annotations

from flask import current_app
from sqlalchemy import func

from programme.calendars import event_changed
from programme.models import (
    CATEGORY_VALUES,
    FORMAT_VALUES,
    KIND_VALUES,
    MAX_PLACES,
    STATUS_VALUES,
    IncidentCategory,
    Kind,
    ProgrammeSession,
    Status,
)
from programme.rules import LONGEST_MINUTES, SHORTEST_MINUTES
from rosters import outbox
from rosters.bounds import MAX_ATTENDANCE
from rosters.clock import local_to_utc, uk_time_exists
from rosters.csv_import import (
    Importer,
    ImportResult,
    Row,
    apply_changes,
    date_rule,
    email_rule,
    listed_rule,
    register,
    text_rule,
    time_rule,
    whole_rule,
)
from rosters.extensions import db
from rosters.services import find_person, find_team

COLUMNS = (
    "ref", "kind", "format", "team", "date", "start", "duration_minutes", "facilitator_email",
    "status", "attendees", "requested_on", "incident_category", "capacity",
)
REQUIRED = ("ref", "kind", "format", "team", "date", "start", "duration_minutes", "facilitator_email", "status")
MAX_REF = 100
# What people booked or waiting are told when a file cancels their session (``cancelled_reason``).
IMPORT_CANCEL_REASON = "Cancelled by an import of the sessions file"
# No example rows in the template: every session row counts in the programme's figures, and a session
# cannot be deleted, so an example imported by mistake would stay in the board report.
RULES = (
    text_rule("ref", "Your own unique reference for the session; importing it again updates it", max_length=MAX_REF),
    listed_rule("kind", KIND_VALUES, "The kind of session: reflexive peer-group supervision or a critical-incident "
                                     "debrief"),
    listed_rule("format", FORMAT_VALUES, "Supervision is always group"),
    text_rule("team", "The name of a team already imported"),
    date_rule("date", "The day of the session"),
    time_rule("start", "When it starts, UK local time"),
    whole_rule("duration_minutes", "How long it lasts in minutes", low=SHORTEST_MINUTES, high=LONGEST_MINUTES),
    email_rule("facilitator_email", "The e-mail address of the facilitator, a person already imported; empty only "
                                    "for a cancelled session"),
    listed_rule("status", STATUS_VALUES, "Whether it is still to come, took place or was called off"),
    whole_rule("attendees", "Practitioners who attended; needed for a delivered session, ignored otherwise",
               low=0, high=MAX_ATTENDANCE),
    date_rule("requested_on", "Debriefs only: the day the debrief was asked for, not after the session's date"),
    listed_rule("incident_category", IncidentCategory, "Debriefs only: what kind of incident it followed"),
    whole_rule("capacity", "Places on a supervision session; empty means the programme's default; ignored for "
                           "debriefs. Never below the places people have already booked on it", low=1, high=MAX_PLACES),
)


def import_session(row: Row, result: ImportResult) -> None:
    ref = row.text("ref", required=True, max_length=MAX_REF)
    kind = row.choice("kind", KIND_VALUES)
    fmt = row.choice("format", FORMAT_VALUES)
    team_name = row.text("team", required=True)
    day = row.date("date")
    start = row.time("start")
    duration = row.whole_number("duration_minutes", low=SHORTEST_MINUTES, high=LONGEST_MINUTES)
    status = row.choice("status", STATUS_VALUES)
    facilitator_email = row.email("facilitator_email", required=False)
    requested_on = row.date("requested_on", required=False)
    category = row.choice("incident_category", CATEGORY_VALUES, required=False)
    capacity = None
    if kind != Kind.DEBRIEF.value:  # a debrief has no places: ignored there, as attendees are unless delivered
        capacity = row.whole_number("capacity", low=1, high=MAX_PLACES, required=False)
    attendees = None
    if status == Status.DELIVERED.value:
        attendees = row.whole_number("attendees", low=0, high=MAX_ATTENDANCE)

    team = find_team(team_name) if team_name else None
    if team_name and team is None:
        row.error("team", f"no team called {team_name!r} (import teams first)")
    facilitator = None
    if facilitator_email:
        facilitator = find_person(facilitator_email)
        if facilitator is None:
            row.error("facilitator_email", f"no person with e-mail {facilitator_email!r} (import people first)")
    elif status and status != Status.CANCELLED.value and "facilitator_email" not in _errored(row):
        row.error("facilitator_email", "is empty (only a cancelled session may have no facilitator)")
    if kind == Kind.SUPERVISION.value:
        if fmt == "individual":
            row.error("format", "supervision is always group")
        if requested_on is not None:
            row.error("requested_on", "is for debriefs only")
        if category is not None:
            row.error("incident_category", "is for debriefs only")
    if day and start and not uk_time_exists(day, start):
        row.error("start", f"{start:%H:%M} does not exist on {day.isoformat()} (the clocks go forward)")
    if requested_on and day and requested_on > day:
        row.error("requested_on", f"{requested_on.isoformat()} is after the session date {day.isoformat()}")
    if row.errors:
        return

    values = {
        "kind": kind,
        "format": fmt,
        "team": team,
        "date": day,
        "starts_at": local_to_utc(day, start),
        "duration_minutes": duration,
        "facilitator": facilitator,
        "status": status,
        "attendees": attendees,
        "requested_on": requested_on,
        "incident_category": category,
        "capacity": capacity,
    }
    if status != Status.CANCELLED.value:
        values["cancelled_reason"] = ""  # a reason the session was called off no longer applies
    existing = _find_session(ref)
    if existing is None:
        apply_changes(ProgrammeSession(ref=ref), values, result, created=True)
        return
    _check_places(row, existing, kind=kind, status=status, capacity=capacity)
    if row.errors:
        return
    cancelling = (existing.kind == kind == Kind.SUPERVISION.value and existing.status == Status.SCHEDULED.value
                  and status == Status.CANCELLED.value)
    if cancelling:
        _cancel_as_a_lead_would(existing)
    # Still a bookable session after the row: the people booked or waiting hear of a new time or more places.
    staying = (existing.kind == kind == Kind.SUPERVISION.value
               and existing.status == status == Status.SCHEDULED.value)
    told = (existing.starts_local, existing.duration_minutes, existing.location, existing.online_link)
    places = _places(existing)
    before = (existing.starts_at, existing.duration_minutes, existing.status == Status.CANCELLED.value)
    unchanged = result.unchanged
    apply_changes(existing, values, result, created=False)
    if cancelling and result.unchanged > unchanged:  # the cancellation itself was the row's change
        result.unchanged, result.updated = unchanged, result.updated + 1
    if before != (existing.starts_at, existing.duration_minutes, existing.status == Status.CANCELLED.value):
        event_changed(existing)  # calendars holding the session take the new time or status
    if staying and not existing.has_started() and any(booking.is_live for booking in existing.bookings):
        _tell_of_changes(existing, told, places)


def _check_places(row: Row, session: ProgrammeSession, *, kind: str, status: str, capacity: int | None) -> None:
    """Refuse a row that would take away places people hold on the session, or leave them on a debrief.

    Cancelling a scheduled session releases its places (everyone is told), so any capacity goes then.
    """
    live = [booking for booking in session.bookings if booking.is_live]
    if not live:
        return
    if kind != Kind.SUPERVISION.value:
        row.error("kind", f"{_holding(session, live)} on this session, so it stays supervision (a file with "
                          "kind supervision and status cancelled cancels it and tells them)")
        return
    if status == Status.CANCELLED.value and session.status == Status.SCHEDULED.value:
        return
    # An empty cell means the programme's default, which must hold them as well.
    places = capacity if capacity is not None else current_app.config["DEFAULT_SESSION_CAPACITY"]
    if places < session.booked_count:
        given = f"{capacity}" if capacity is not None else f"empty (the programme's default, {places})"
        row.error("capacity", f"{given} is below the {session.booked_count} places already booked; places people "
                              "hold are never taken away by a file")


def _holding(session: ProgrammeSession, live: list) -> str:
    """``2 people hold places and 1 is waiting``, as a row error says it."""
    booked, waiting = session.booked_count, len(live) - session.booked_count
    words = [f"{booked} {'person holds a place' if booked == 1 else 'people hold places'}"] if booked else []
    if waiting:
        words.append(f"{waiting} {'is' if waiting == 1 else 'are'} waiting")
    return " and ".join(words)


def _cancel_as_a_lead_would(session: ProgrammeSession) -> None:
    """Cancel a scheduled supervision session with the service's own operation: places and the waitlist
    are released, and everyone booked or waiting is told (a calendar cancel for those with a place) through
    the outbox, in the import's transaction: the e-mails are stored only if the whole file is."""
    # Imported here, not at the top: the app loads this module before every model is defined, and
    # loading programme.supervision builds queries that need them all.
    from programme.supervision.notices import session_cancelled
    from programme.supervision.series import cancel_session

    affected = cancel_session(session, IMPORT_CANCEL_REASON)
    outbox.post(session_cancelled(session, affected))


def _places(session: ProgrammeSession) -> int:
    from programme.supervision.places import effective_capacity  # (see _cancel_as_a_lead_would)

    return effective_capacity(session)


def _tell_of_changes(session: ProgrammeSession, told: tuple, places: int) -> None:
    """A booked session the file moved or gave more places, told as when a lead changes it in the service
    (``series.told_of_change``): a new invitation for each place when its time changed, words for people
    waiting, and the places the new capacity frees go to the people waiting, in turn."""
    from programme.supervision.notices import changes_told
    from programme.supervision.series import told_of_change

    outbox.post(changes_told([told_of_change(session, told, places)]))


def _find_session(ref: str) -> ProgrammeSession | None:
    """The session with this ref, exactly or else ignoring case.

    A file's own repeats are found ignoring case (``S-1`` and ``s-1`` are one row), so a later file
    must match the stored session the same way or re-typing a ref in Excel would add a duplicate.
    """
    session = db.session.scalar(db.select(ProgrammeSession).where(ProgrammeSession.ref == ref))
    if session is None:
        matches = db.session.scalars(
            db.select(ProgrammeSession).where(func.lower(ProgrammeSession.ref) == ref.lower())
        ).all()
        session = matches[0] if len(matches) == 1 else None
    return session


def _errored(row: Row) -> set[str]:
    """Columns this row already has an error for, so one cell is not reported twice."""
    return {line.split(": ")[1] for line in row.errors}


register(Importer("sessions", COLUMNS, REQUIRED, ("ref",), import_session, label="Sessions (supervision and debriefs)",
                  after=("teams", "people", "training"), rules=RULES))  # a programme's history comes last
