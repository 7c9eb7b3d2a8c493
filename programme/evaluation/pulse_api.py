"""``GET /api/v1/pulses/{id}/results``: a pulse's results for a lead's token, suppressed as on the page."""

from __future__ import annotations

from flask import g, jsonify

from programme.evaluation.models import Pulse
from programme.evaluation.pulse_results import pulse_results
from rosters import audit
from rosters.api import OPENAPI, bp, error_response
from rosters.auth import api_error, token_required
from rosters.extensions import db
from rosters.models import Role


@bp.get("/pulses/<int:pulse_id>/results")
@token_required(Role.LEAD)
def pulse_results_api(pulse_id: int):
    pulse = db.session.get(Pulse, pulse_id)
    if pulse is None:
        return api_error(404, "no such pulse")
    results = pulse_results(pulse)
    audit.record("pulse_results_viewed", pulse, person=g.api_person, detail="api")
    db.session.commit()
    return jsonify(results)


_count = {"type": "integer", "minimum": 0}
_hidden_count = {"type": "integer", "minimum": 0, "nullable": True,
                 "description": "null when the group is below the suppression threshold"}
_subscale_scores = {
    "type": "object",
    "description": "subscale id -> its mean, the band that mean falls in, and how many answers fell in each band; "
                   "empty when the group is hidden",
    "additionalProperties": {
        "type": "object",
        "properties": {"mean": {"type": "number"}, "band": {"type": "string", "nullable": True},
                       "bands": {"type": "object", "additionalProperties": _count}},
    },
}
_group = {
    "type": "object",
    "required": ["answers", "shown", "subscales"],
    "properties": {"answers": _hidden_count, "shown": {"type": "boolean"}, "subscales": _subscale_scores,
                   "invited": _count, "service": {"type": "string"}, "team": {"type": "string"},
                   "team_id": {"type": "integer", "nullable": True}},
}
OPENAPI["components"]["schemas"]["PulseResults"] = {
    "type": "object",
    "required": ["pulse", "questionnaire", "threshold", "invited", "answered", "response_rate_pct", "subscales",
                 "overall", "by_service", "by_team", "over_time"],
    "properties": {
        "pulse": {"type": "object", "properties": {
            "id": {"type": "integer"}, "title": {"type": "string"},
            "opens_on": {"type": "string", "format": "date"}, "closes_on": {"type": "string", "format": "date"},
            "status": {"type": "string", "enum": ["scheduled", "open", "closed", "cancelled"]},
            "teams": {"type": "array", "items": {"type": "string"}}}},
        "questionnaire": {"type": "object", "properties": {
            "key": {"type": "string"}, "version": {"type": "integer"}, "title": {"type": "string"},
            "attribution": {"type": "string"}, "licence": {"type": "string"}}},
        "threshold": {"type": "integer", "description": "groups with fewer answers show no scores"},
        "invited": _count,
        "answered": _count,
        "response_rate_pct": {"type": "number", "nullable": True},
        "subscales": {"type": "array", "items": {"type": "object", "properties": {
            "id": {"type": "string"}, "label": {"type": "string"}, "score": {"type": "string", "enum": ["sum", "mean"]},
            "higher_is_better": {"type": "boolean"}, "lowest": {"type": "number"}, "highest": {"type": "number"},
            "item_count": _count,
            "bands": {"type": "array", "items": {"type": "object", "properties": {
                "label": {"type": "string"}, "from": {"type": "number"},
                "below": {"type": "number", "nullable": True}}}}}}},
        "overall": _group,
        "by_service": {"type": "array", "items": _group},
        "by_team": {"type": "array", "items": _group},
        "over_time": {"type": "array", "items": {"type": "object", "properties": {
            "pulse_id": {"type": "integer"}, "title": {"type": "string"},
            "opens_on": {"type": "string", "format": "date"}, "version": {"type": "integer"},
            "answers": _hidden_count, "shown": {"type": "boolean"},
            "means": {"type": "object", "additionalProperties": {"type": "number"}}}}},
    },
}
OPENAPI["paths"]["/pulses/{pulse_id}/results"] = {
    "get": {
        "summary": "A wellbeing pulse's results: response rate and scores by subscale, service, team and over time",
        "description": "Groups with fewer answers than the suppression threshold show no scores and no count.",
        "parameters": [{"name": "pulse_id", "in": "path", "required": True, "schema": {"type": "integer"}}],
        "responses": {
            "200": {"description": "The results",
                    "content": {"application/json": {"schema": {"$ref": "#/components/schemas/PulseResults"}}}},
            "401": error_response("No or bad token"),
            "403": error_response("Only programme leads may read results"),
            "404": error_response("No such pulse"),
        },
    }
}
