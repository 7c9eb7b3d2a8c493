"""``GET /api/v1/feedback``: the leads' summary of feedback after sessions, small groups hidden."""

from __future__ import annotations

from flask import jsonify, request

from programme.evaluation.summary import feedback_summary
from rosters.actions import api_error
from rosters.api import OPENAPI, bp, period_report
from rosters.auth import token_required
from rosters.bounds import parse_iso_date
from rosters.models import Role


@bp.get("/feedback")
@token_required(Role.LEAD)
def feedback():
    """The summary for the whole months from ``start`` to ``end`` (ISO dates), with the comments."""
    dates = []
    for name in ("start", "end"):
        value = request.args.get(name)
        if not value:
            return api_error(400, f"{name} is required (YYYY-MM-DD)")
        try:
            dates.append(parse_iso_date(value, name, period=True))
        except ValueError as exc:
            return api_error(400, str(exc))
    start, end = dates
    if end < start:
        return api_error(400, f"end {end.isoformat()} is before start {start.isoformat()}")
    return jsonify(feedback_summary(start, end, comments=True))


_count = {"type": "integer", "minimum": 0, "nullable": True}
_scores = {"type": "object", "additionalProperties": {"type": "number"}}
OPENAPI["components"]["schemas"]["FeedbackGroup"] = {
    "type": "object",
    "description": "One group's figures; when shown is false every figure is null or empty.",
    "required": ["key", "label", "shown", "answers", "means", "agree_pct", "links_sent", "links_answered",
                 "response_rate_pct"],
    "properties": {
        "key": {"oneOf": [{"type": "string"}, {"type": "integer"}]},
        "label": {"type": "string"},
        "shown": {"type": "boolean"},
        "answers": _count,
        "means": {**_scores, "description": "statement id -> mean on the 1 to 5 scale"},
        "agree_pct": {**_scores, "description": "statement id -> % answering 4 or 5"},
        "links_sent": _count,
        "links_answered": _count,
        "response_rate_pct": {"type": "number", "nullable": True},
        "service": {"type": "string", "description": "by_team groups only"},
    },
}
_groups = {"type": "array", "items": {"$ref": "#/components/schemas/FeedbackGroup"}}
OPENAPI["components"]["schemas"]["FeedbackSummary"] = {
    "type": "object",
    "required": ["period", "threshold", "questionnaire", "statements", "overall", "by_kind", "by_quarter",
                 "by_service", "by_team", "hidden_groups", "comments"],
    "properties": {
        "period": {"type": "object", "description": "whole months",
                   "properties": {"start": {"type": "string", "format": "date"},
                                  "end": {"type": "string", "format": "date"}}},
        "threshold": {"type": "integer"},
        "questionnaire": {"type": "object"},
        "statements": {"type": "array", "items": {"type": "object", "properties": {
            "id": {"type": "string"}, "label": {"type": "string"}}}},
        "overall": {"$ref": "#/components/schemas/FeedbackGroup"},
        "by_kind": _groups, "by_quarter": _groups, "by_service": _groups, "by_team": _groups,
        "hidden_groups": {"type": "integer", "minimum": 0},
        "comments": {"type": "array", "items": {"type": "string"},
                     "description": "from shown teams only, without team or month, alphabetical"},
    },
}
OPENAPI["paths"]["/feedback"] = period_report(
    "Anonymous feedback after sessions for the whole months of a period, small groups hidden", "The summary",
    "FeedbackSummary", "Only programme leads may read feedback")
