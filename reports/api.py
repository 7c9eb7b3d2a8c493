"""``GET /api/v1/metrics``: the same object as ``flask metrics``, for a lead's token."""

from __future__ import annotations

from flask import jsonify, request

from reports.metrics import PeriodError, metrics_for_period, parse_period
from reports.outcomes import outcomes_for_period
from rosters.api import OPENAPI, bp, period_report
from rosters.auth import api_error, token_required
from rosters.models import Role


@bp.get("/metrics")
@token_required(Role.LEAD)
def metrics():
    try:
        start, end = parse_period(request.args.get("start"), request.args.get("end"))
    except PeriodError as exc:
        return api_error(400, str(exc))
    return jsonify(metrics_for_period(start, end))


_count = {"type": "integer", "minimum": 0}
OPENAPI["components"]["schemas"]["Metrics"] = {
    "type": "object",
    "required": [
        "period", "teams_total", "teams_covered", "team_coverage_pct", "supervision_sessions_delivered",
        "supervision_attendances", "debriefs_delivered", "debriefs_individual", "debriefs_group",
        "debrief_requests", "median_days_request_to_debrief", "debriefs_by_category",
        "facilitators_trained_supervision", "facilitators_trained_debrief",
        "managers_trained_supervision_skills", "sessions_cancelled",
    ],
    "properties": {
        "period": {
            "type": "object",
            "properties": {"start": {"type": "string", "format": "date"}, "end": {"type": "string", "format": "date"}},
        },
        "teams_total": _count,
        "teams_covered": _count,
        "team_coverage_pct": {"type": "number", "minimum": 0, "maximum": 100},
        "supervision_sessions_delivered": _count,
        "supervision_attendances": _count,
        "debriefs_delivered": _count,
        "debriefs_individual": _count,
        "debriefs_group": _count,
        "debrief_requests": _count,
        "median_days_request_to_debrief": {"type": "number", "nullable": True},
        "debriefs_by_category": {
            "type": "object",
            "properties": {c: _count for c in ("murder", "abuse", "serious_violence", "threat_to_worker", "other")},
        },
        "facilitators_trained_supervision": _count,
        "facilitators_trained_debrief": _count,
        "managers_trained_supervision_skills": _count,
        "sessions_cancelled": _count,
    },
}
OPENAPI["paths"]["/metrics"] = period_report(
    "Programme figures for an inclusive period", "The figures", "Metrics", "Only programme leads may read figures")


@bp.get("/outcomes")
@token_required(Role.LEAD)
def outcomes():
    """Workforce outcomes with and without regular supervision (the contract's ``outcomes`` object)."""
    try:
        start, end = parse_period(request.args.get("start"), request.args.get("end"))
    except PeriodError as exc:
        return api_error(400, str(exc))
    return jsonify(outcomes_for_period(start, end))


_rate = {"type": "number", "minimum": 0, "nullable": True}
OPENAPI["components"]["schemas"]["Outcomes"] = {
    "type": "object",
    "required": [
        "period", "team_months", "supported_team_months", "days_lost_per_fte_year_supported",
        "days_lost_per_fte_year_unsupported", "turnover_pct_year_supported", "turnover_pct_year_unsupported",
    ],
    "properties": {
        "period": {
            "type": "object",
            "properties": {"start": {"type": "string", "format": "date"}, "end": {"type": "string", "format": "date"}},
        },
        "team_months": _count,
        "supported_team_months": _count,
        "days_lost_per_fte_year_supported": _rate,
        "days_lost_per_fte_year_unsupported": _rate,
        "turnover_pct_year_supported": _rate,
        "turnover_pct_year_unsupported": _rate,
    },
}
OPENAPI["paths"]["/outcomes"] = period_report(
    "Sickness and turnover in team-months with and without regular supervision",
    "The figures for every month from the month of start to the month of end", "Outcomes",
    "Only programme leads may read figures")
