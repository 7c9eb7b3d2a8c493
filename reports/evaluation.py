"""The evaluation report for a board or funder: reach, provision, feedback, wellbeing and workforce
outcomes for any period, printable on A4 and as an XLSX workbook, with its caveats in words.

The report is meant to be shared, so small numbers are hidden throughout, as on the board report.
Each part is a ``Table`` (a title, a pandas frame and which columns are numbers); the page and the
workbook show the same tables.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

import pandas as pd
from flask import Response, abort, current_app, render_template

from programme.evaluation.demo import holds_demo_data
from programme.evaluation.pulse_results import pulse_results, pulses_in_period
from programme.evaluation.summary import feedback_summary
from programme.models import Attendance, Booking, Kind, ProgrammeSession, Status
from reports.exports import XLSX, workbook
from reports.figures import suppress_value
from reports.metrics import metrics_for_period
from reports.outcome_figures import hide_small, hide_together
from reports.outcomes import outcomes_summary
from reports.views import bp, read_filters
from rosters import audit
from rosters.auth import role_required
from rosters.clock import now_uk
from rosters.extensions import db
from rosters.models import Role, Team

CAVEATS = [
    "Workforce figures show an association, not proof of cause. Teams that have regular supervision may "
    "differ from others in other ways (their workload, their managers, how settled they are), and the "
    "figures cannot separate those from the effect of supervision.",
    "Intervals are approximate 95% intervals. Where they overlap widely, the difference may be chance.",
    "Feedback and wellbeing answers are anonymous and voluntary: people who choose to answer may feel "
    "differently from those who do not. The response rate is shown beside every summary.",
    "Numbers below the suppression threshold are hidden so that no member of staff can be identified, "
    "and so are any figures from which a hidden one could be worked out.",
    "Sessions are peer support, not therapy, and these figures are not clinical measures.",
]


HEADERS = {
    "figure": "Figure", "value": "Value", "group": "Group", "answers": "Answers",
    "response_rate_pct": "Response rate (%)", "team_months": "Team-months", "fte_months": "FTE-months",
    "sickness_days": "Sickness days", "days_lost_per_fte_year": "Days lost per FTE per year",
    "days_lost_interval": "Days lost: 95% interval", "leavers": "Leavers",
    "turnover_pct_year": "Turnover (% per year)", "turnover_interval": "Turnover: 95% interval",
}


@dataclass
class Table:
    """One table of the report; its columns are renamed to the words the page and the workbook show."""

    title: str
    frame: pd.DataFrame
    numeric: list[str] = field(default_factory=list)
    note: str = ""

    def __post_init__(self) -> None:
        self.frame = self.frame.rename(columns=HEADERS)
        self.numeric = [HEADERS.get(column, column) for column in self.numeric]


@dataclass
class Section:
    heading: str
    lines: list[str]
    tables: list[Table]


def _reach(start: dt.date, end: dt.date, threshold: int) -> Section:
    metrics = metrics_for_period(start, end)
    teams_reached = db.session.scalar(
        db.select(db.func.count(db.distinct(ProgrammeSession.team_id)))
        .where(ProgrammeSession.status == Status.DELIVERED.value, ProgrammeSession.date.between(start, end)))
    services = db.session.scalar(
        db.select(db.func.count(db.distinct(Team.service))).join(ProgrammeSession, ProgrammeSession.team_id == Team.id)
        .where(ProgrammeSession.status == Status.DELIVERED.value, ProgrammeSession.date.between(start, end),
               Team.service != ""))
    named = db.session.scalar(
        db.select(db.func.count(db.distinct(Booking.person_id))).join(ProgrammeSession)
        .where(Booking.attendance == Attendance.ATTENDED.value, Booking.person_id.is_not(None),
               ProgrammeSession.kind == Kind.SUPERVISION.value, ProgrammeSession.status == Status.DELIVERED.value,
               ProgrammeSession.date.between(start, end)))
    attendances = metrics["supervision_attendances"] + db.session.scalar(
        db.select(db.func.coalesce(db.func.sum(ProgrammeSession.attendees), 0)).where(
            ProgrammeSession.kind == Kind.DEBRIEF.value, ProgrammeSession.status == Status.DELIVERED.value,
            ProgrammeSession.date.between(start, end)))
    rows = [
        ("Active teams in the programme", metrics["teams_total"]),
        ("Active teams with supervision delivered", metrics["teams_covered"]),
        ("Team coverage (%)", metrics["team_coverage_pct"]),
        ("Teams with any session delivered (supervision or debrief)", teams_reached),
        ("Services reached", services),
        ("Attendances at all sessions (people may attend more than once)", attendances),
        ("Different people recorded as attending supervision (registers taken in the product)",
         suppress_value(named, threshold)),
    ]
    frame = pd.DataFrame(rows, columns=["figure", "value"], dtype=object)
    return Section("Reach", [
        f"{metrics['teams_covered']} of {metrics['teams_total']} active teams had reflexive peer-group supervision "
        f"({metrics['team_coverage_pct']}%).",
    ], [Table("Reach", frame, ["value"])])


def _provision(start: dt.date, end: dt.date, threshold: int) -> Section:
    m = metrics_for_period(start, end)
    rows = [
        ("Supervision sessions delivered", m["supervision_sessions_delivered"]),
        ("Supervision attendances", m["supervision_attendances"]),
        ("Debriefs delivered", suppress_value(m["debriefs_delivered"], threshold)),
        ("Debrief requests", suppress_value(m["debrief_requests"], threshold)),
        ("Median days from request to debrief", m["median_days_request_to_debrief"]),
        ("Sessions cancelled", m["sessions_cancelled"]),
        ("Trained supervision facilitators", m["facilitators_trained_supervision"]),
        ("Trained debrief facilitators", m["facilitators_trained_debrief"]),
        ("Managers trained in supervision skills", m["managers_trained_supervision_skills"]),
    ]
    frame = pd.DataFrame(rows, columns=["figure", "value"], dtype=object)
    return Section("Provision", [], [Table("What was delivered", frame, ["value"])])


def _score(value: float | None) -> float | None:
    return None if value is None else round(value, 2)


def _feedback(start: dt.date, end: dt.date) -> Section:
    summary = feedback_summary(start, end)
    statements = summary["statements"]
    rows = []
    for group in [summary["overall"], *summary["by_kind"], *summary["by_quarter"], *summary["by_service"]]:
        row = {"group": group["label"], "answers": group["answers"] if group["shown"] else "hidden",
               "response_rate_pct": group.get("response_rate_pct") if group["shown"] else None}
        for statement in statements:
            row[statement["label"]] = _score(group["means"].get(statement["id"])) if group["shown"] else None
        rows.append(row)
    frame = pd.DataFrame(rows, columns=["group", "answers", "response_rate_pct", *[s["label"] for s in statements]])
    overall = summary["overall"]
    if overall["shown"]:
        mean = overall["means"].get("overall")
        lines = [f"{overall['answers']} anonymous answers after sessions in the period; on a scale of 1 (strongly "
                 f"disagree) to 5 (strongly agree) the mean of the four statements was {mean}."]
    else:
        lines = [f"Fewer than {summary['threshold']} people answered the feedback after sessions in the period, "
                 "so no scores are shown."]
    return Section("Feedback after sessions", lines, [Table(
        "Feedback: mean score by statement (1 to 5, higher is better)", frame,
        ["answers", "response_rate_pct", *[s["label"] for s in statements]],
        note=summary["questionnaire"]["attribution"])])


def _wellbeing(start: dt.date, end: dt.date) -> Section:
    tables = []
    lines = []
    for pulse in pulses_in_period(start, end):
        results = pulse_results(pulse)
        subscales = results["subscales"]
        rows = []
        for label, group in [("All teams", results["overall"]),
                             *[(entry["service"], entry) for entry in results["by_service"]]]:
            row = {"group": label, "answers": group["answers"] if group["shown"] else "hidden"}
            for subscale in subscales:
                score = group["subscales"].get(subscale["id"], {}) if group["shown"] else {}
                row[subscale["label"]] = _score(score.get("mean"))
            rows.append(row)
        columns = ["group", "answers", *[s["label"] for s in subscales]]
        directions = "; ".join(f"{s['label']}: {'higher' if s['higher_is_better'] else 'lower'} is better"
                               for s in subscales)
        rate = results["response_rate_pct"]
        lines.append(f"{results['pulse']['title']} ({results['questionnaire']['title']}), open "
                     f"{pulse.opens_on:%-d %B} to {pulse.closes_on:%-d %B %Y}: {results['answered']} of "
                     f"{results['invited']} invited answered ({'–' if rate is None else rate}%).")
        attribution = " ".join(filter(None, [results["questionnaire"]["attribution"],
                                             results["questionnaire"]["licence"]]))
        tables.append(Table(f"Pulse {pulse.id}: mean scores", pd.DataFrame(rows, columns=columns), columns[1:],
                            note=f"{directions}. {attribution}"))
    if not tables:
        lines.append("No wellbeing pulse opened in the period.")
    return Section("Staff wellbeing", lines, tables)


OUTCOME_GROUPS = {
    "supported": "Team-months with regular supervision",
    "unsupported": "Team-months without regular supervision",
    "before_first_session": "Before each team's first supervision session",
    "after_first_session": "From each team's first supervision session",
}


def _interval(values: list[float] | None) -> str:
    return "" if not values else f"{values[0]} to {values[1]}"


def _outcomes(start: dt.date, end: dt.date) -> Section:
    threshold = current_app.config["SUPPRESSION_THRESHOLD"]
    summary = outcomes_summary(start, end)
    rows = []
    shown = hide_together([hide_small(summary["groups"][key], threshold) for key in OUTCOME_GROUPS])
    for (_key, label), stats in zip(OUTCOME_GROUPS.items(), shown, strict=True):
        rows.append({"group": label, "team_months": stats["team_months"], "fte_months": round(stats["fte_months"], 1),
                     "sickness_days": stats["sickness_days"], "days_lost_per_fte_year": stats["days_lost_per_fte_year"],
                     "days_lost_interval": _interval(stats["days_lost_interval"]), "leavers": stats["leavers"],
                     "turnover_pct_year": stats["turnover_pct_year"],
                     "turnover_interval": _interval(stats["turnover_interval"])})
    frame = pd.DataFrame(rows, dtype=object)
    if summary["team_months"]:
        lines = [f"{summary['team_months']} team-months of workforce figures, {summary['supported_team_months']} "
                 "of them with regular supervision (a delivered session that month or in the two before).",
                 "This shows an association, not proof that supervision caused any difference."]
    else:
        lines = ["No workforce figures have been imported for the period."]
    return Section("Workforce outcomes", lines, [Table(
        "Sickness absence and turnover", frame,
        ["team_months", "fte_months", "sickness_days", "days_lost_per_fte_year", "leavers", "turnover_pct_year"],
        note=f"Days lost per FTE per year and turnover (% per year) as defined in the programme's figures; "
             f"{summary['interval_method']}.")])


def build_report(start: dt.date, end: dt.date) -> dict[str, Any]:
    threshold = current_app.config["SUPPRESSION_THRESHOLD"]
    sections = [_reach(start, end, threshold), _provision(start, end, threshold)]
    sections.append(_feedback(start, end))
    sections.append(_wellbeing(start, end))
    sections.append(_outcomes(start, end))
    return {"start": start, "end": end, "threshold": threshold, "sections": sections, "caveats": CAVEATS,
            "demo": holds_demo_data(), "generated": now_uk()}


def _period():
    filters = read_filters()
    if filters.errors:
        abort(400, "; ".join(filters.errors.values()))
    return filters


@bp.get("/evaluation/report")
@role_required(Role.LEAD)
def evaluation_report():
    filters = _period()
    report = build_report(filters.start, filters.end)
    audit.record("evaluation_report_viewed", detail=f"{filters.start}..{filters.end}")
    db.session.commit()
    return render_template("reports/evaluation_report.html", report=report, filters=filters)


@bp.get("/evaluation/report.xlsx")
@role_required(Role.LEAD)
def evaluation_report_xlsx():
    filters = _period()
    report = build_report(filters.start, filters.end)
    sheets = {"about": pd.DataFrame({"about": [
        f"Staff wellbeing support: evaluation report, {filters.start:%-d %B %Y} to {filters.end:%-d %B %Y}",
        f"Counts from 1 to {report['threshold'] - 1} are hidden.", *report["caveats"]]})}
    for section in report["sections"]:
        for table in section.tables:
            sheets[table.title] = table.frame
    audit.record("evaluation_report_exported", detail=f"xlsx {filters.start}..{filters.end}")
    db.session.commit()
    name = f"wellbeing-evaluation-{filters.start.isoformat()}-to-{filters.end.isoformat()}.xlsx"
    return Response(workbook(sheets), mimetype=XLSX,
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})

