"""``POST /api/v1/debriefs``: ask for a critical-incident debrief as the token's own user."""

from __future__ import annotations

from flask import g, jsonify, request

from programme.debriefs.asking import DebriefAsk, request_debrief
from programme.debriefs.manager_notices import manager_told_of_request
from programme.debriefs.models import DebriefRequest, PreferredFormat
from programme.debriefs.notices import request_waiting
from programme.debriefs.triage import deadlines
from programme.models import CATEGORY_VALUES, MAX_ATTENDEES
from rosters.actions import api_error, api_refusal, perform
from rosters.api import OPENAPI, bp, error_response
from rosters.auth import token_required
from rosters.bounds import parse_iso_date
from rosters.models import Person
from rosters.services import find_person, find_team

FIELDS = {"incident_date", "incident_category", "preferred_format", "manager_email", "affected_teams",
          "invite_emails", "arrangements", "tell_manager"}


def request_json(item: DebriefRequest) -> dict:
    due = deadlines(item)
    return {
        "id": item.id,
        "status": item.status,
        "requested_on": item.requested_on.isoformat(),
        "incident_date": item.incident_date.isoformat(),
        "incident_category": item.incident_category,
        "preferred_format": item.preferred_format,
        "offer_due": due.offer_due.isoformat(),
        # The standard target, as it always was; a later target agreed by a lead is given beside it.
        "session_due": due.standard_session_due.isoformat(),
        "agreed_session_due": due.agreed_session_due.isoformat() if due.agreed_session_due else None,
        "manager_told": item.manager_told,
    }


@bp.post("/debriefs")
@token_required()
def create_debrief():
    person: Person = g.api_person
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        return api_error(400, "send a JSON object")
    unknown = sorted(set(body) - FIELDS)
    if unknown:
        return api_error(400, f"unknown field(s): {', '.join(unknown)}")
    problems = []

    def text(name: str, required: bool = False) -> str:
        value = body.get(name, "")
        if value is None:
            value = ""
        if not isinstance(value, str):
            problems.append(f"{name} must be a string")
            return ""
        if required and not value.strip():
            problems.append(f"{name} is required")
        return value.strip()

    def text_list(name: str) -> list[str]:
        value = body.get(name, [])
        if value is None:
            return []
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            problems.append(f"{name} must be a list of strings")
            return []
        if len(value) > MAX_ATTENDEES:
            problems.append(f"{name} may list at most {MAX_ATTENDEES}")
            return []
        return [v.strip() for v in value if v.strip()]

    raw_date = text("incident_date", required=True)
    incident_date = None
    if raw_date:
        try:
            incident_date = parse_iso_date(raw_date, "incident_date")
        except ValueError as exc:
            problems.append(str(exc))
    category = text("incident_category", required=True).lower()
    if category and category not in CATEGORY_VALUES:
        problems.append(f"incident_category must be one of {', '.join(CATEGORY_VALUES)}")
    preferred = (text("preferred_format") or "either").lower()
    if preferred not in tuple(f.value for f in PreferredFormat):
        problems.append("preferred_format must be individual, group or either")
    manager = None
    manager_email = text("manager_email")
    if manager_email:
        manager = find_person(manager_email)
        if manager is None:
            problems.append(f"manager_email {manager_email!r} is not on the roster")
    teams = []
    for name in text_list("affected_teams"):
        team = find_team(name)
        if team is None:
            problems.append(f"affected_teams: no team called {name!r}")
        else:
            teams.append(team)
    invite_emails = [(email, "") for email in text_list("invite_emails")]
    arrangements = text("arrangements")
    tell_manager = body.get("tell_manager", False)
    if not isinstance(tell_manager, bool):
        problems.append("tell_manager must be true or false")
    if problems:
        return api_error(400, "; ".join(problems))
    ask = DebriefAsk(incident_date, category, preferred, manager=manager, affected_teams=teams,
                     invite_emails=invite_emails, arrangements=arrangements, tell_manager=tell_manager)
    outcome = perform(lambda: request_debrief(person, ask, via="via API"),
                      tell=lambda item: [*request_waiting(item), *manager_told_of_request(item)])
    if not outcome.done:
        return api_refusal(outcome)
    item = outcome.result
    response = jsonify(request_json(item))
    response.status_code = 201
    return response


OPENAPI["components"]["schemas"]["DebriefRequest"] = {
    "type": "object",
    "required": ["id", "status", "requested_on", "incident_date", "incident_category", "preferred_format",
                 "offer_due", "session_due", "agreed_session_due", "manager_told"],
    "properties": {
        "id": {"type": "integer"},
        "status": {"type": "string"},
        "requested_on": {"type": "string", "format": "date"},
        "incident_date": {"type": "string", "format": "date"},
        "incident_category": {"type": "string", "enum": list(CATEGORY_VALUES)},
        "preferred_format": {"type": "string", "enum": ["individual", "group", "either"]},
        "offer_due": {"type": "string", "format": "date"},
        "session_due": {"type": "string", "format": "date",
                        "description": "The standard target for the session (working days after the request)"},
        "agreed_session_due": {"type": "string", "format": "date", "nullable": True,
                               "description": "A later target agreed by a programme lead, or null"},
        "manager_told": {"type": "boolean",
                         "description": "Whether the named manager is told of the request and sees its status"},
    },
}
OPENAPI["paths"]["/debriefs"] = {
    "post": {
        "summary": "Ask for a critical-incident debrief (reflective support, not therapy)",
        "description": "For the token's own user. A practitioner names their manager (manager_email); a manager "
        "may ask directly. No field takes details of the incident or of any child.",
        "requestBody": {
            "required": True,
            "content": {"application/json": {"schema": {
                "type": "object",
                "additionalProperties": False,
                "required": ["incident_date", "incident_category"],
                "properties": {
                    "incident_date": {"type": "string", "format": "date"},
                    "incident_category": {"type": "string", "enum": list(CATEGORY_VALUES)},
                    "preferred_format": {"type": "string", "enum": ["individual", "group", "either"]},
                    "manager_email": {"type": "string", "format": "email"},
                    "affected_teams": {"type": "array", "items": {"type": "string"}, "maxItems": MAX_ATTENDEES},
                    "invite_emails": {"type": "array", "items": {"type": "string", "format": "email"},
                                      "maxItems": MAX_ATTENDEES},
                    "arrangements": {"type": "string", "maxLength": 1000,
                                     "description": "Practical arrangements only (times, access needs)"},
                    "tell_manager": {"type": "boolean", "default": False,
                                     "description": "Whether the named manager may be told of the request and "
                                     "see where it stands (status and dates only)"},
                },
            }}},
        },
        "responses": {
            "201": {"description": "Requested", "content": {"application/json": {
                "schema": {"$ref": "#/components/schemas/DebriefRequest"}}}},
            "400": error_response("Missing or invalid fields"),
            "401": error_response("No or bad token"),
        },
    }
}
