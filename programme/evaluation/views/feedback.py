"""Leads' summary of the feedback after sessions, on a page and as CSV; small groups hidden in both.

Leads only: facilitators would see their own sessions' groups, small by nature, and comparing them
with the programme's figures could give away a few people's answers.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from flask import Response, render_template, request

from programme.evaluation.blueprint import bp
from programme.evaluation.summary import BREAKDOWNS, feedback_summary, last_twelve_months, quarter_span
from rosters import audit
from rosters.auth import role_required
from rosters.bounds import PERIOD_RANGE_WORDS, period_in_range, read_iso_date
from rosters.clock import today_uk
from rosters.exports import CSV, csv_bytes
from rosters.extensions import db
from rosters.models import Role

LONGEST_YEARS = 5


@dataclass
class Period:
    start: dt.date
    end: dt.date
    errors: dict[str, str] = field(default_factory=dict)

    def args(self) -> dict[str, str]:
        return {"start": self.start.isoformat(), "end": self.end.isoformat()}


def _month_arg(name: str, label: str) -> tuple[dt.date | None, str | None]:
    """A month from ``YYYY-MM``, ``YYYY-MM-DD`` or the page's two boxes (month, year) under one name."""
    values = [v.strip() for v in request.args.getlist(name)]
    if not values or not any(values):
        return None, None
    day = None
    if len(values) == 1:
        text = values[0]
        day = read_iso_date(text if len(text) != 7 else text + "-01")
    elif len(values) == 2 and all(v.isascii() and v.isdigit() and len(v) <= 4 for v in values):
        month, year = int(values[0]), int(values[1])
        if 1 <= month <= 12 and 1 <= year <= 9999:
            day = dt.date(year, month, 1)
    if day is None:
        return None, f"Enter a real {label} month, for example 4 and 2026"
    if not period_in_range(day):
        return None, f"The {label} month must be between {PERIOD_RANGE_WORDS}"
    return day, None


def read_period() -> Period:
    """The whole quarters asked for; the quarters of the last 12 months when not asked, or asked wrongly."""
    default_start, default_end = quarter_span(*last_twelve_months(today_uk()))
    start, start_error = _month_arg("start", "first")
    end, end_error = _month_arg("end", "last")
    start, end = start or default_start, end or default_end
    reversed_ = end < start
    start, end = quarter_span(start, end)
    period = Period(start, end)
    for name, error in (("start", start_error), ("end", end_error)):
        if error:
            period.errors[name] = error
    if not period.errors and reversed_:
        period.errors["end"] = "The last month must be the same as or after the first month"
    if not period.errors and end.year - start.year > LONGEST_YEARS:
        period.errors["end"] = f"Choose a period of {LONGEST_YEARS} years or less"
    if period.errors:
        period.start, period.end = default_start, default_end
    return period


@bp.get("/evaluation/feedback")
@role_required(Role.LEAD)
def feedback():
    period = read_period()
    summary = feedback_summary(period.start, period.end, comments=True)
    audit.record("feedback_viewed", detail=f"{period.start}..{period.end}")
    db.session.commit()
    page = render_template("programme/evaluation/feedback.html", summary=summary, period=period,
                           breakdowns=BREAKDOWNS)
    return page, 400 if period.errors else 200


CSV_HEAD = ["breakdown", "group", "answers", "links_sent", "links_answered", "response_rate_pct"]


def summary_rows(summary: dict[str, Any]) -> tuple[list[str], list[list[Any]]]:
    """The summary as one table: a row per group, "hidden" where a group's figures are hidden."""
    statements = [s["id"] for s in summary["statements"]]
    head = CSV_HEAD + [f"mean_{s}" for s in statements] + [f"agree_pct_{s}" for s in statements]
    rows = []
    groups = [("all", summary["overall"])]
    groups += [(breakdown, group) for breakdown, _ in BREAKDOWNS for group in summary[f"by_{breakdown}"]]
    for name, group in groups:
        if not group["shown"]:
            rows.append([name, group["label"]] + ["hidden"] * (len(head) - 2))
            continue
        rows.append([name, group["label"], group["answers"], group["links_sent"], group["links_answered"],
                     "" if group["response_rate_pct"] is None else group["response_rate_pct"]]
                    + [group["means"].get(s, "") for s in statements]
                    + [group["agree_pct"].get(s, "") for s in statements])
    return head, rows


@bp.get("/evaluation/feedback.csv")
@role_required(Role.LEAD)
def feedback_csv():
    """The summary as CSV (UTF-8 with a byte-order mark for Excel); never the comments."""
    period = read_period()
    if period.errors:
        return Response("; ".join(period.errors.values()) + "\n", status=400, mimetype="text/plain")
    summary = feedback_summary(period.start, period.end)
    head, rows = summary_rows(summary)
    body = csv_bytes(head, rows)
    audit.record("feedback_exported", detail=f"csv {period.start}..{period.end}")
    db.session.commit()
    name = f"session-feedback-{period.start:%Y-%m}-to-{period.end:%Y-%m}.csv"
    return Response(body, mimetype=CSV,
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})
