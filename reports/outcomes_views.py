"""The Outcomes page: sickness and turnover with and without regular supervision, for leads and managers.

Leads see the whole programme (or a service or team); managers see their own team only, with small
numbers hidden (``reports.outcome_figures.hide_small``; docs/figures.md says the rule).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pandas as pd
from flask import current_app, g, render_template, request
from flask_login import current_user

from programme.evaluation.demo import holds_demo_data
from reports import charts, outcome_figures
from reports.outcomes import outcomes_summary
from reports.views import Filters, bp, filter_choices, read_filters, team_ids_for
from rosters.auth import role_required
from rosters.clock import today_uk
from rosters.extensions import db
from rosters.models import Role, Team

GROUP_LABELS = {
    "supported": "With regular supervision",
    "unsupported": "Without regular supervision",
    "before_first_session": "Before the team’s first session",
    "after_first_session": "From the team’s first session on",
}
COLOURS = {"supported": charts.BLUE, "unsupported": charts.ORANGE,
           "before_first_session": charts.ORANGE, "after_first_session": charts.BLUE}
TABLE_COLUMNS = ["label", "team_months", "fte_months", "sickness_days", "days_lost", "days_lost_ci",
                 "leavers", "turnover", "turnover_ci"]
TABLE_HEADERS = ["Team-months", "FTE-months", "Sickness days", "Days lost per FTE per year", "95% interval",
                 "Leavers", "Turnover per year (%)", "95% interval"]
NUMERIC = ["team_months", "fte_months", "sickness_days", "days_lost", "leavers", "turnover"]


def whole_months_default() -> tuple[dt.date, dt.date]:
    """The last 12 whole months: from the first of the month a year ago to the end of last month."""
    this_month = today_uk().replace(day=1)
    return (pd.Timestamp(this_month) - pd.DateOffset(months=12)).date(), this_month - dt.timedelta(days=1)


def outcome_filters() -> Filters:
    """The dashboard's filters, except that an unchosen period is the last 12 whole months."""
    filters = read_filters()
    default_start, default_end = whole_months_default()
    given = {name: any(v.strip() for v in request.args.getlist(name)) for name in ("start", "end")}
    if "start" in filters.errors or "end" in filters.errors:
        filters.start, filters.end = default_start, default_end
    else:
        if not given["start"]:
            filters.start = min(default_start, filters.end)
        if not given["end"]:
            filters.end = max(default_end, filters.start)
    return filters


def _interval(value: list[float] | None) -> str:
    return f"{value[0]} to {value[1]}" if value else "–"


def _shown(value: Any) -> Any:
    return "–" if value is None else value


def table_frame(rows: list[dict[str, Any]], label: str) -> pd.DataFrame:
    """Rows of stats as the table beside a chart shows them (text, so hidden and missing read clearly)."""
    return pd.DataFrame([{
        "label": row[label] if label != "group" else GROUP_LABELS[row["group"]],
        "group": GROUP_LABELS.get(row.get("group", ""), ""),
        "team_months": row["team_months"],
        "fte_months": row["fte_months"],
        "sickness_days": row["sickness_days"],
        "days_lost": _shown(row["days_lost_per_fte_year"]),
        "days_lost_ci": _interval(row["days_lost_interval"]),
        "leavers": row["leavers"],
        "turnover": _shown(row["turnover_pct_year"]),
        "turnover_ci": _interval(row["turnover_interval"]),
    } for row in rows], columns=["label", "group", *TABLE_COLUMNS[1:]])


def rate_chart(rows: list[dict[str, Any]], x: str, rate: str, interval: str, axis: str, *, lines: bool) -> dict:
    """One trace per group: the rate with its interval as error bars; missing or hidden rates are gaps."""
    traces = []
    for group in dict.fromkeys(row["group"] for row in rows):
        mine = [row for row in rows if row["group"] == group]
        values = [row[rate] for row in mine]
        spans = [None if row[interval] is None or row[rate] is None else row[interval] for row in mine]
        plus = [None if span is None else round(span[1] - v, 1) for span, v in zip(spans, values, strict=True)]
        minus = [None if span is None else round(v - span[0], 1) for span, v in zip(spans, values, strict=True)]
        trace = {
            "type": "scatter" if lines else "bar", "name": GROUP_LABELS[group],
            "x": [row[x] if x != "group" else GROUP_LABELS[group] for row in mine], "y": values,
            "error_y": {"type": "data", "array": plus, "arrayminus": minus, "visible": True, "color": "#505a5f"},
            "marker": {"color": COLOURS[group]},
        }
        if lines:
            trace.update(mode="lines+markers", connectgaps=False, line={"color": COLOURS[group], "width": 3})
        traces.append(trace)
    layout = charts._layout(yaxis={"title": {"text": axis}})
    if not lines:
        layout["barmode"] = "group"
    return {"data": traces, "layout": layout}


def build_outcomes(filters: Filters, *, suppress: bool) -> dict[str, Any]:
    """Every figure, table and chart of the page; managers' copies with small numbers hidden."""
    g.csp_allow_inline_styles = True  # the charts' own styling; scripts stay nonce-only
    summary = outcomes_summary(filters.start, filters.end, team_ids_for(filters))
    threshold = current_app.config["SUPPRESSION_THRESHOLD"]
    headline = [{"group": key, **summary["groups"][key]} for key in outcome_figures.GROUPS]
    phases = [{"group": key, **summary["groups"][key]} for key in outcome_figures.PHASES]
    by_period, by_service = summary["by_period"], summary["by_service"]
    if suppress:
        # A manager sees one team: its months one by one are too few to show, so only the pooled rows,
        # and a figure hidden in one of them is hidden in all four (they add up to the same totals).
        shown = outcome_figures.hide_together(
            [outcome_figures.hide_small(row, threshold) for row in headline + phases]
        )
        headline, phases, by_period, by_service = shown[:2], shown[2:], [], []
    data: dict[str, Any] = {
        "summary": summary, "headline": headline, "phases": phases, "suppressed": suppress, "threshold": threshold,
        "tables": {
            "headline": table_frame(headline, "group"),
            "phases": table_frame(phases, "group"),
            "period": table_frame(by_period, "period"),
            "service": table_frame(by_service, "service"),
        },
        "charts": {
            "headline_days": rate_chart(headline, "group", "days_lost_per_fte_year", "days_lost_interval",
                                        "Days lost per FTE per year", lines=False),
            "headline_turnover": rate_chart(headline, "group", "turnover_pct_year", "turnover_interval",
                                            "Turnover per year (%)", lines=False),
            "phase_days": rate_chart(phases, "group", "days_lost_per_fte_year", "days_lost_interval",
                                     "Days lost per FTE per year", lines=False),
            "phase_turnover": rate_chart(phases, "group", "turnover_pct_year", "turnover_interval",
                                         "Turnover per year (%)", lines=False),
        },
    }
    if not suppress:
        data["charts"].update(
            period_days=rate_chart(by_period, "period", "days_lost_per_fte_year", "days_lost_interval",
                                   "Days lost per FTE per year", lines=True),
            period_turnover=rate_chart(by_period, "period", "turnover_pct_year", "turnover_interval",
                                       "Turnover per year (%)", lines=True),
            service_days=rate_chart(by_service, "service", "days_lost_per_fte_year", "days_lost_interval",
                                    "Days lost per FTE per year", lines=False),
            service_turnover=rate_chart(by_service, "service", "turnover_pct_year", "turnover_interval",
                                        "Turnover per year (%)", lines=False),
        )
    data["charts"] = {name: charts.to_json(figure) for name, figure in data["charts"].items()}
    return data


@bp.get("/outcomes")
@role_required(Role.LEAD, Role.MANAGER)
def outcomes():
    filters = outcome_filters()
    is_lead = current_user.role == Role.LEAD.value
    data = build_outcomes(filters, suppress=not is_lead)
    team = db.session.get(Team, filters.team_id) if filters.team_id and filters.team_id > 0 else None
    page = render_template(
        "reports/outcomes.html", filters=filters, data=data, choices=filter_choices(filters, team) if is_lead else None,
        is_lead=is_lead, team=team, demo=holds_demo_data(), columns=TABLE_COLUMNS, headers=TABLE_HEADERS, numeric=NUMERIC,
    )
    return page, 400 if filters.errors else 200
