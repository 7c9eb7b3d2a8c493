"""JSON API for supervision slots and bookings (see ../shared/CONTRACT.md and /api/v1/openapi.json)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from flask import g, jsonify, request
from sqlalchemy import func

from programme.models import Booking, Kind, ProgrammeSession
from programme.supervision.notices import booking_made, place_cancelled, promoted_place, removal_told
from programme.supervision.places import (
    ALREADY_BOOKED,
    book_place,
    cancel_booking,
    effective_capacity,
    is_bookable,
    live_booking,
    places_left,
    remove_place,
    upcoming_slots,
    visible_team_ids,
    waiting_on,
    waitlist_position,
)
from rosters.actions import api_error, api_refusal, perform
from rosters.api import OPENAPI, bp, error_response
from rosters.auth import token_required
from rosters.bounds import parse_iso_date
from rosters.clock import today_uk
from rosters.extensions import db
from rosters.models import Person, Role

MAX_RANGE_DAYS = 366


def slot_json(session: ProgrammeSession, person: Person) -> dict[str, Any]:
    mine = live_booking(session, person)
    return {
        "id": session.id,
        "ref": session.ref,
        "team": session.team.name,
        "starts_at": session.starts_local.isoformat(),
        "ends_at": session.ends_local.isoformat(),
        "status": session.status,
        "bookable": is_bookable(session),
        "capacity": effective_capacity(session),
        "booked": session.booked_count,
        "places_left": places_left(session),
        "waitlisted": waiting_on(session),
        "location": session.location,
        "online_link": session.online_link,
        "facilitator": session.facilitator.name if session.facilitator else None,
        "my_booking": None if mine is None else {"id": mine.id, "status": mine.status,
                                                  "waitlist_position": waitlist_position(mine)},
    }


def _date_arg(name: str, default: dt.date | None) -> dt.date | None:
    value = request.args.get(name)
    if value is None or value == "":
        return default
    return parse_iso_date(value, name, period=True)


@bp.get("/slots")
@token_required()
def list_slots():
    person: Person = g.api_person
    teams = visible_team_ids(person)
    ref = request.args.get("ref")
    if ref is not None:
        # With a ref, from and to narrow the dates only when given (and are refused when they are not dates).
        try:
            first = _date_arg("from", None)
            last = _date_arg("to", None)
        except ValueError as exc:
            return api_error(400, str(exc))
        if first and last and last < first:
            return api_error(400, f"to {last.isoformat()} is before from {first.isoformat()}")
        # Refs are matched ignoring case, as the sessions import matches them ("S-1" and "s-1" are one).
        query = db.select(ProgrammeSession).where(
            func.lower(ProgrammeSession.ref) == ref.strip().lower(), ProgrammeSession.kind == Kind.SUPERVISION.value
        )
        if teams is not None:
            query = query.where(ProgrammeSession.team_id.in_(teams))
        if first:
            query = query.where(ProgrammeSession.date >= first)
        if last:
            query = query.where(ProgrammeSession.date <= last)
        sessions = list(db.session.scalars(query))
    else:
        try:
            first = _date_arg("from", today_uk())
            last = _date_arg("to", first + dt.timedelta(days=56))
        except ValueError as exc:
            return api_error(400, str(exc))
        if last < first:
            return api_error(400, f"to {last.isoformat()} is before from {first.isoformat()}")
        if (last - first).days > MAX_RANGE_DAYS:
            return api_error(400, f"ask for at most {MAX_RANGE_DAYS} days at a time")
        sessions = upcoming_slots(teams, first, last)
    return jsonify({"slots": [slot_json(session, person) for session in sessions]})


@bp.post("/slots/<int:slot_id>/bookings")
@token_required()
def create_booking(slot_id: int):
    person: Person = g.api_person
    session = db.session.get(ProgrammeSession, slot_id)
    if session is None or session.kind != Kind.SUPERVISION.value:
        return api_error(404, "no such slot")
    outcome = perform(lambda: book_place(slot_id, person), tell=lambda booking: [booking_made(booking)],
                      clash=ALREADY_BOOKED)  # the one-live-booking index: a second request from the same person
    if not outcome.done:
        return api_refusal(outcome)
    booking = outcome.result
    response = jsonify(
        {"id": booking.id, "status": booking.status, "waitlist_position": waitlist_position(booking),
         "slot": slot_json(booking.session, person)}
    )
    response.status_code = 201
    response.headers["Location"] = f"/api/v1/bookings/{booking.id}"
    return response


@bp.delete("/bookings/<int:booking_id>")
@token_required()
def delete_booking(booking_id: int):
    person: Person = g.api_person
    booking = db.session.get(Booking, booking_id)
    # Someone else's booking is reported as unknown, whatever the role: ids reveal nothing about other
    # people, and a lead removes someone's place through POST /bookings/{id}/removal, with a reason.
    if booking is None or booking.person_id != person.id:
        return api_error(404, "no such booking")
    outcome = perform(lambda: cancel_booking(booking_id, person),
                      tell=lambda promoted: [*place_cancelled(booking),
                                             *([promoted_place(promoted)] if promoted is not None else [])])
    if not outcome.done:
        return api_refusal(outcome)
    return "", 204


@bp.post("/bookings/<int:booking_id>/removal")
@token_required(Role.LEAD)
def remove_booking(booking_id: int):
    """A lead removes someone's place or queue entry with a reason; they are told, and the first waiting
    gets a freed place."""
    if db.session.get(Booking, booking_id) is None:
        return api_error(404, "no such booking")
    body = request.get_json(silent=True)
    reason = body.get("reason") if isinstance(body, dict) else None
    if not isinstance(reason, str) or not reason.strip():
        return api_error(400, "give the reason for removing the place: {\"reason\": \"...\"}")
    outcome = perform(lambda: remove_place(booking_id, g.api_person, reason), tell=removal_told)
    if not outcome.done:
        return api_refusal(outcome)
    return "", 204


_booking_ref = {"$ref": "#/components/schemas/MyBooking"}
OPENAPI["components"]["schemas"]["MyBooking"] = {
    "type": "object",
    "nullable": True,
    "required": ["id", "status", "waitlist_position"],
    "properties": {
        "id": {"type": "integer"},
        "status": {"type": "string", "enum": ["booked", "waitlisted"]},
        "waitlist_position": {"type": "integer", "minimum": 1, "nullable": True},
    },
}
OPENAPI["components"]["schemas"]["Slot"] = {
    "type": "object",
    "required": ["id", "team", "starts_at", "ends_at", "capacity", "booked", "places_left"],
    "properties": {
        "id": {"type": "integer"},
        "ref": {"type": "string", "nullable": True},
        "team": {"type": "string"},
        "starts_at": {"type": "string", "format": "date-time"},
        "ends_at": {"type": "string", "format": "date-time"},
        "status": {"type": "string", "enum": ["scheduled", "delivered", "cancelled"]},
        "bookable": {"type": "boolean"},
        "capacity": {"type": "integer", "minimum": 1},
        "booked": {"type": "integer", "minimum": 0},
        "places_left": {"type": "integer", "minimum": 0},
        "waitlisted": {"type": "integer", "minimum": 0},
        "location": {"type": "string"},
        "online_link": {"type": "string"},
        "facilitator": {"type": "string", "nullable": True},
        "my_booking": _booking_ref,
    },
}
OPENAPI["components"]["schemas"]["Booking"] = {
    "type": "object",
    "required": ["id", "status", "waitlist_position"],
    "properties": {
        "id": {"type": "integer"},
        "status": {"type": "string", "enum": ["booked", "waitlisted"]},
        "waitlist_position": {"type": "integer", "minimum": 1, "nullable": True},
        "slot": {"$ref": "#/components/schemas/Slot"},
    },
}
OPENAPI["paths"]["/slots"] = {
    "get": {
        "summary": "Bookable supervision slots, one per dated session",
        "description": "Team members and managers see their own team's slots; facilitators and leads see all. "
        "With ref, the supervision session imported with that reference (whatever its status); from and to, "
        "when given with ref, narrow it to those dates.",
        "parameters": [
            {"name": "from", "in": "query", "schema": {"type": "string", "format": "date"},
             "description": "First UK date (default today; with ref, no limit)"},
            {"name": "to", "in": "query", "schema": {"type": "string", "format": "date"},
             "description": "Last UK date, inclusive (default 8 weeks after from; at most 366 days after; with "
             "ref, no limit)"},
            {"name": "ref", "in": "query", "schema": {"type": "string"}},
        ],
        "responses": {
            "200": {"description": "The slots", "content": {"application/json": {"schema": {
                "type": "object", "required": ["slots"],
                "properties": {"slots": {"type": "array", "items": {"$ref": "#/components/schemas/Slot"}}},
            }}}},
            "400": error_response("Bad dates"),
            "401": error_response("No or bad token"),
        },
    }
}
OPENAPI["paths"]["/slots/{slot_id}/bookings"] = {
    "post": {
        "summary": "Book a place (or join the waitlist) for the token's own user",
        "parameters": [{"name": "slot_id", "in": "path", "required": True, "schema": {"type": "integer"}}],
        "responses": {
            "201": {"description": "Booked or waitlisted",
                    "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Booking"}}}},
            "401": error_response("No or bad token"),
            "403": error_response("Another team's slot"),
            "404": error_response("No such slot"),
            "409": error_response("Already booked or waitlisted, or the slot is no longer bookable"),
            "503": error_response("The database is busy"),
        },
    }
}
OPENAPI["paths"]["/bookings/{booking_id}/removal"] = {
    "post": {
        "summary": "A lead removes someone's place or waitlist entry, with a reason",
        "description": "The person is e-mailed the reason (a place they held is taken out of their calendar), and "
        "the first person waiting gets a freed place, as when someone cancels. Leads' tokens only: DELETE "
        "/bookings/{booking_id} cancels one's own booking alone.",
        "parameters": [{"name": "booking_id", "in": "path", "required": True, "schema": {"type": "integer"}}],
        "requestBody": {"required": True, "content": {"application/json": {"schema": {
            "type": "object", "required": ["reason"],
            "properties": {"reason": {"type": "string", "minLength": 1, "maxLength": 500,
                                      "description": "Why the place is removed; sent to the person"}},
        }}}},
        "responses": {
            "204": {"description": "Removed"},
            "400": error_response("No reason, or a reason over 500 characters"),
            "401": error_response("No or bad token"),
            "403": error_response("Not a lead's token"),
            "404": error_response("No such booking"),
            "409": error_response("Already cancelled, or the session has started or been cancelled"),
            "503": error_response("The database is busy"),
        },
    }
}
OPENAPI["paths"]["/bookings/{booking_id}"] = {
    "delete": {
        "summary": "Cancel one's own booking; the first person waiting gets a freed place",
        "description": "Only the token's own user's booking: anyone else's is reported as unknown (404), "
        "whatever the role. A lead removes someone's place with POST /bookings/{booking_id}/removal.",
        "parameters": [{"name": "booking_id", "in": "path", "required": True, "schema": {"type": "integer"}}],
        "responses": {
            "204": {"description": "Cancelled"},
            "401": error_response("No or bad token"),
            "404": error_response("No such booking of yours"),
            "409": error_response("Already cancelled, or the session has started or been cancelled"),
            "503": error_response("The database is busy"),
        },
    }
}
