"""Dashboards for programme leads (and managers, for their own team), exports and the board report."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd
import plotly
from flask import Blueprint, Response, abort, current_app, g, render_template, request, url_for
from flask_login import current_user

from programme.models import IncidentCategory
from reports import charts, debrief_practice, figures, queries, session_table, windows
from reports.exports import CSV, XLSX, frame_csv, long_table, workbook
from reports.metrics import metrics_from_inputs
from rosters import audit
from rosters.assets import add_static_file
from rosters.auth import role_required
from rosters.bounds import (
    FIRST_DATE,
    LAST_DATE,
    PERIOD_RANGE_WORDS,
    parse_id,
    parse_page,
    period_in_range,
    read_iso_date,
)
from rosters.clock import now_uk, today_uk
from rosters.extensions import db
from rosters.models import Agency, Course, Role, Team
from rosters.paging import Page

bp = Blueprint("reports", __name__)

PLOTLY_JS = Path(plotly.__file__).parent / "package_data" / "plotly.min.js"
EXPIRY_DAYS = 90


def serve_plotly_js(state) -> None:
    """plotly.js from the installed plotly package, at /assets/vendor/plotly.min.js: compressed and, under its
    hashed name (``url_for('static', filename='vendor/plotly.min.js')``), cached for a year. The dashboard
    works with no internet, and a second visit downloads no script."""
    add_static_file(state.app, "vendor/plotly.min.js", PLOTLY_JS)


bp.record_once(serve_plotly_js)


# ---------------------------------------------------------------------------------------------
# Filters


@dataclass
class Filters:
    start: dt.date
    end: dt.date
    service: str = ""
    agency_id: int | None = None
    team_id: int | None = None
    errors: dict[str, str] = field(default_factory=dict)
    rounded: bool = False  # the window was rounded out to whole months or quarters (reports.windows)

    def args(self, **extra: Any) -> dict[str, Any]:
        values = {"start": self.start.isoformat(), "end": self.end.isoformat()}
        if self.service:
            values["service"] = self.service
        if self.agency_id:
            values["agency"] = self.agency_id
        if self.team_id:
            values["team"] = self.team_id
        values.update(extra)
        return values


def _date_arg(name: str, label: str) -> tuple[dt.date | None, str | None]:
    """A date from one ISO value or GOV.UK's three boxes (day, month, year) under the same name."""
    values = [v.strip() for v in request.args.getlist(name)]
    if not values or not any(values):
        return None, None
    day = None
    if len(values) == 1:
        day = read_iso_date(values[0])
    elif len(values) == 3 and all(v.isascii() and v.isdigit() and len(v) <= 4 for v in values):
        try:
            day = dt.date(int(values[2]), int(values[1]), int(values[0]))
        except ValueError:
            pass
    if day is None:
        return None, f"Enter a real {label} date"
    if not period_in_range(day):
        return None, f"The {label} date must be between {PERIOD_RANGE_WORDS}"
    return day, None


def _id_arg(name: str) -> tuple[int | None, str | None]:
    """A team or agency chosen in the filters: absent, or an id the database could hold."""
    value = request.args.get(name, "").strip()
    if not value:
        return None, None
    number = parse_id(value)
    return (number, None) if number is not None else (None, f"Choose the {name} from the list")


def read_filters() -> Filters:
    today = today_uk()
    default_start = (today.replace(day=1) - pd.DateOffset(months=11)).date()
    start, start_error = _date_arg("start", "start")
    end, end_error = _date_arg("end", "end")
    agency_id, agency_error = _id_arg("agency")
    team_id, team_error = _id_arg("team")
    filters = Filters(start or default_start, end or today, request.args.get("service", "").strip(), agency_id, team_id)
    for name, error in (("start", start_error), ("end", end_error), ("agency", agency_error), ("team", team_error)):
        if error:
            filters.errors[name] = error
    if filters.end < filters.start:
        filters.errors["end"] = "The end date must be on or after the start date"
    if (filters.end - filters.start).days > 366 * 5:
        filters.errors["end"] = "Choose a period of 5 years or less"
    if current_user.role == Role.MANAGER.value:
        # Managers see their own team's figures only, whatever the address asks for; they have no such
        # filters, so whatever else the address says of teams and agencies is not theirs to correct.
        filters.service, filters.agency_id, filters.team_id = "", None, current_user.team_id or -1
        filters.errors.pop("agency", None)
        filters.errors.pop("team", None)
    if "start" in filters.errors or "end" in filters.errors:
        filters.start, filters.end = default_start, today
    return filters


def team_ids_for(filters: Filters) -> list[int] | None:
    if not (filters.service or filters.agency_id or filters.team_id):
        return None
    query = db.select(Team.id)
    if filters.service:
        query = query.where(Team.service == filters.service)
    if filters.agency_id:
        query = query.where(Team.agency_id == filters.agency_id)
    if filters.team_id:
        query = query.where(Team.id == filters.team_id)
    return list(db.session.scalars(query))


# ---------------------------------------------------------------------------------------------
# Building the figures


TEAMS_PER_PAGE = 25
TOP_ROWS = 20  # busiest facilitators and soonest expiring training: the rest are on their own pages


@dataclass(frozen=True)
class TeamList:
    """Which teams the dashboard lists: those over six weeks without supervision (default) or all, a page."""

    all_teams: bool = False
    page: int = 1


def read_team_list() -> TeamList:
    """The list asked for in the address (``teams=all``, ``page=N``): a clear 400 for anything else."""
    which = request.args.get("teams", "").strip()
    if which not in ("", "gaps", "all"):
        abort(400, "Choose which teams to list: leave teams out, or teams=all")
    page = parse_page(request.args.get("page"))
    if page is None:
        abort(400, "The page in the address must be a whole number from 1")
    return TeamList(which == "all", page)


def build_dashboard(filters: Filters, *, suppress: bool, team_list: TeamList | None = None,
                    for_lead: bool = False) -> dict[str, Any]:
    """Every figure, table and chart for one set of filters; small numbers hidden when ``suppress``.

    Each figure is aggregated in the database, by month, service or agency, so the number of statements
    and the size of what comes back do not grow with the number of teams; teams are listed a page at a
    time. ``for_lead`` adds the facilitators' and training tables.
    """
    g.csp_allow_inline_styles = True  # the charts' own styling; scripts stay nonce-only
    team_list = team_list or TeamList()
    team_ids = team_ids_for(filters)
    threshold = current_app.config["SUPPRESSION_THRESHOLD"]
    window = None
    if suppress:  # figures shown beyond leads: whole months, whole quarters where a number is small
        window = shared_window_for(filters, team_ids, threshold)
        filters.start, filters.end, filters.rounded = window.start, window.end, window.rounded
    start, end = filters.start, filters.end
    groups = queries.coverage_by_group(start, end, team_ids)  # counts active and covered teams as metrics do
    by_month = queries.supervision_by_service_month(start, end, team_ids)  # every team's, as metrics count them
    inputs = queries.load_metric_inputs(start, end, team_ids,
                                        team_counts=(int(groups["teams"].sum()), int(groups["covered"].sum())),
                                        supervision_delivered=(int(by_month["sessions"].sum()),
                                                               int(by_month["attendances"].sum())))
    metrics = metrics_from_inputs(start, end, inputs)
    months = figures.month_range(start, end)
    monthly = figures.monthly_supervision(figures.supervision_totals(by_month), months)
    by_service = figures.coverage_by(groups, ["service"])
    by_agency = figures.coverage_by(groups, ["agency", "agency_id"])
    heatmap = figures.coverage_heatmap(by_month, by_service, months)
    teams, teams_total = queries.teams_page(start, end, team_ids, gaps_only=not team_list.all_teams,
                                            page=team_list.page, per_page=TEAMS_PER_PAGE)
    page = Page(team_list.page, TEAMS_PER_PAGE, teams_total)
    if not page.exists():
        abort(404)
    buckets = figures.wait_buckets(inputs.debrief_waits)
    categories = figures.category_table(metrics)

    tiles = {
        "debriefs_delivered": metrics["debriefs_delivered"],
        "debriefs_individual": metrics["debriefs_individual"],
        "debriefs_group": metrics["debriefs_group"],
        "team_coverage_pct": metrics["team_coverage_pct"],
        "teams_covered": metrics["teams_covered"],
        "teams_total": metrics["teams_total"],
        "facilitators_trained_debrief": metrics["facilitators_trained_debrief"],
        "facilitators_trained_supervision": metrics["facilitators_trained_supervision"],
        "median_days": metrics["median_days_request_to_debrief"],
        "supervision_sessions_delivered": metrics["supervision_sessions_delivered"],
        "supervision_attendances": metrics["supervision_attendances"],
        "debrief_requests": metrics["debrief_requests"],
    }
    if suppress:
        hide_small_numbers(tiles, metrics, categories, buckets, window, threshold)
        label = figures.suppressed_label(threshold)
        monthly = monthly.astype({"attendances": "object"})
        monthly["attendances"] = [label if ("month", m) in window.hidden else n
                                  for m, n in zip(monthly["month"], monthly["attendances"], strict=True)]

    data = {
        "metrics": metrics, "tiles": tiles, "months": months, "monthly": monthly, "by_service": by_service,
        "by_agency": by_agency, "gaps": int(groups["gaps"].sum()), "teams": teams, "team_list": team_list,
        "page": page, "buckets": buckets, "categories": categories, "suppressed": suppress, "threshold": threshold,
        "charts": {
            "supervision": charts.to_json(charts.supervision_chart(_numeric(monthly, ["attendances"]))),
            "coverage": charts.to_json(charts.coverage_chart(heatmap, by_service, months)),
            "categories": charts.to_json(charts.category_chart(_numeric(categories, ["debriefs"]))),
            "waits": charts.to_json(charts.wait_chart(_numeric(buckets, ["debriefs"]))),
        },
    }
    data["practice"] = debrief_practice.for_dashboard(start, end, team_ids, suppress=suppress)
    if for_lead:
        data["load"], data["facilitators"] = queries.facilitator_load(start, end, team_ids, TOP_ROWS)
        data["expiring"], data["expiring_total"] = queries.training_expiring_soonest(today_uk(), EXPIRY_DAYS, TOP_ROWS)
        data["expiring"]["course"] = [Course(c).label for c in data["expiring"]["course"]]
        data["charts"]["load"] = charts.to_json(charts.load_chart(data["load"]))
    return data


def shared_window_for(filters: Filters, team_ids: list[int] | None, threshold: int) -> windows.Window:
    """The window to show beyond leads (``reports.windows``): the months of every quarter it touches are read."""
    first = pd.Period(filters.start, freq="Q").start_time.date()
    last = pd.Period(filters.end, freq="Q").end_time.date()
    inputs = queries.load_monthly_inputs(first, last, team_ids)
    labels = {c.value: c.label for c in IncidentCategory}
    monthly = windows.monthly_counts(inputs.debriefs, inputs.requests, inputs.attendances, labels)
    return windows.shared_window(filters.start, filters.end, monthly, threshold)


def hide_small_numbers(tiles: dict[str, Any], metrics: dict[str, Any], categories: pd.DataFrame,
                       buckets: pd.DataFrame, window: windows.Window, threshold: int) -> None:
    """Replace the counts the window hides with "<threshold" (in place)."""
    label = figures.suppressed_label(threshold)

    def shown(cell: windows.Cell, value: Any) -> Any:
        return label if cell in window.hidden else value

    tiles["debriefs_delivered"] = shown(("total",), tiles["debriefs_delivered"])
    tiles["debriefs_individual"] = shown(("format", "individual"), tiles["debriefs_individual"])
    tiles["debriefs_group"] = shown(("format", "group"), tiles["debriefs_group"])
    categories["debriefs"] = [shown(("category", c), n) for c, n in zip(categories["category"], categories["debriefs"],
                                                                        strict=True)]
    buckets["debriefs"] = [shown(("wait", w), n) for w, n in zip(buckets["wait"], buckets["debriefs"], strict=True)]
    tiles["debrief_requests"] = shown(("requests",), tiles["debrief_requests"])
    # Sessions delivered stay shown: a session is a team's event, not a person, and the coverage
    # table publishes every team's sessions by month anyway, so hiding the tile would hide nothing.
    if isinstance(tiles["debriefs_delivered"], str) or metrics["debriefs_delivered"] < threshold:
        tiles["median_days"] = None  # a median of one or two debriefs is one person's wait
    tiles["supervision_attendances"] = shown(("attendances",), tiles["supervision_attendances"])


def _numeric(frame: pd.DataFrame, columns: list[str]) -> pd.DataFrame:
    """Charts cannot draw "<5": hidden cells are drawn as gaps, and the table beside says why."""
    frame = frame.copy()
    for column in columns:
        frame[column] = pd.to_numeric(frame[column], errors="coerce")
    return frame


TEAM_CHOICES = 200  # longest team list a filter offers; larger programmes choose a service or agency first


def filter_choices(filters: Filters, team: Team | None = None) -> dict[str, Any]:
    """The filters' lists. Teams are listed only within the service and agency chosen, and only up to
    ``TEAM_CHOICES`` of them; ``teams_listed`` says whether they were."""
    choices = {
        "services": queries.service_choices(),
        "agencies": db.session.execute(db.select(Agency.id, Agency.name).order_by(Agency.name)).all(),
    }
    teams = queries.team_choices(filters.service, filters.agency_id, TEAM_CHOICES)
    choices["teams_listed"] = teams is not None
    teams = teams or []
    if team is not None and (team.id, team.name) not in teams:
        teams = sorted([*teams, (team.id, team.name)], key=lambda pair: pair[1])
    choices["teams"] = teams
    return choices


# ---------------------------------------------------------------------------------------------
# Pages


@bp.get("/dashboard")
@role_required(Role.LEAD, Role.MANAGER)
def dashboard():
    filters = read_filters()
    team_list = read_team_list()
    is_lead = current_user.role == Role.LEAD.value
    data = build_dashboard(filters, suppress=not is_lead, team_list=team_list, for_lead=is_lead)
    team = db.session.get(Team, filters.team_id) if filters.team_id and filters.team_id > 0 else None
    teams_arg = {"teams": "all"} if team_list.all_teams else {}

    def page_url(number: int) -> str:
        return url_for("reports.dashboard", **filters.args(**teams_arg, page=number), _anchor="teams")

    page = render_template(
        "reports/dashboard.html", filters=filters, data=data, choices=filter_choices(filters, team) if is_lead else None,
        is_lead=is_lead, team=team, page_url=page_url,
    )
    return page, 400 if filters.errors else 200  # filters that could not be used: shown, and a bad request


def _quarter(value: str | None) -> tuple[dt.date, dt.date, str]:
    today = today_uk()
    if value:
        try:
            year, q = value.upper().split("-Q")
            year_n, q_n = int(year), int(q)
            if not 1 <= q_n <= 4 or not FIRST_DATE.year <= year_n <= LAST_DATE.year:
                raise ValueError
        except ValueError:
            abort(400, "Choose a quarter such as 2026-Q2")
    else:
        # The last complete quarter, whatever day of the current one it is. (Taking a QuarterBegin off
        # today gave the current, unfinished quarter on most days and the previous one on its first.)
        previous = pd.Timestamp(today).to_period("Q") - 1
        year_n, q_n = previous.year, previous.quarter
    start = dt.date(year_n, 3 * (q_n - 1) + 1, 1)
    end = (pd.Timestamp(start) + pd.offsets.QuarterEnd(startingMonth=3)).date()
    return start, end, f"{year_n}-Q{q_n}"


@bp.get("/dashboard/report")
@role_required(Role.LEAD)
def board_report():
    """A printable quarterly report for boards: small numbers hidden, since it is shared."""
    start, end, label = _quarter(request.args.get("quarter"))
    filters = Filters(start, end)
    data = build_dashboard(filters, suppress=True)
    audit.record("board_report_viewed", detail=label)
    db.session.commit()
    today = today_uk()
    quarters = []
    cursor = pd.Timestamp(today).to_period("Q")
    for _ in range(8):
        quarters.append(f"{cursor.year}-Q{cursor.quarter}")
        cursor -= 1
    return render_template("reports/board_report.html", data=data, filters=filters, label=label, quarters=quarters,
                           generated=now_uk())


EXPORTS = {"csv": CSV, "xlsx": XLSX}


@bp.get("/dashboard/export.<fmt>")
@role_required(Role.LEAD)
def export(fmt: str):
    """Figures (small numbers hidden, in whole months, unless the lead asks for the full figures) or the
    session table (month and service, rare rows made vaguer; see docs/figures.md)."""
    if fmt not in EXPORTS:
        abort(404)
    filters = read_filters()
    if filters.errors:
        abort(400, "; ".join(filters.errors.values()))
    what = request.args.get("what", "figures")
    if what not in ("figures", "sessions"):
        abort(400, "Choose figures or sessions")
    suppress = request.args.get("suppress", "1") != "0"
    detail = ""
    if what == "sessions":
        threshold = current_app.config["SUPPRESSION_THRESHOLD"]
        table, left_out = session_table.coarsened(
            queries.session_table(filters.start, filters.end, team_ids_for(filters)), threshold)
        sheets = {"sessions": table}
        detail = f" left_out={left_out}"
    else:
        data = build_dashboard(filters, suppress=suppress)
        sheets = figure_sheets(data, team_coverage(filters, data["months"]))
    audit.record("dashboard_exported",
                 detail=f"{what} {fmt} {filters.start}..{filters.end} suppressed={suppress}{detail}")
    db.session.commit()
    stem = f"wellbeing-{what}-{filters.start.isoformat()}-to-{filters.end.isoformat()}"
    if fmt == "csv":  # one table a file: the figures as one long table (docs/figures.md)
        body = frame_csv(sheets["sessions"] if what == "sessions" else long_table(sheets))
    else:
        body = workbook(sheets)
    return Response(body, mimetype=EXPORTS[fmt],
                    headers={"Content-Disposition": f'attachment; filename="{stem}.{fmt}"'})


def team_coverage(filters: Filters, months: list[str]) -> pd.DataFrame:
    """Every active team's delivered supervision by month, last session and gap: the export's sheet (a
    download may list every team; three statements, whatever their number)."""
    team_ids = team_ids_for(filters)
    return figures.coverage_matrix(
        queries.teams_frame(team_ids), queries.team_month_sessions(filters.start, filters.end, team_ids),
        queries.last_supervision(filters.end, team_ids), months, filters.end,
    )


def figure_sheets(data: dict[str, Any], coverage: pd.DataFrame) -> dict[str, pd.DataFrame]:
    tiles = data["tiles"]
    labels = {
        "teams_total": "Active teams", "teams_covered": "Teams with supervision delivered",
        "team_coverage_pct": "Team coverage (%)", "supervision_sessions_delivered": "Supervision sessions delivered",
        "supervision_attendances": "Supervision attendances", "debriefs_delivered": "Debriefs delivered",
        "debriefs_individual": "Individual debriefs", "debriefs_group": "Group debriefs",
        "debrief_requests": "Debrief requests", "median_days": "Median days from request to debrief",
        "facilitators_trained_debrief": "Trained debrief facilitators",
        "facilitators_trained_supervision": "Trained supervision facilitators",
    }
    # An object column: otherwise one float (coverage %, a half-day median) turns every count into "12.0".
    values = pd.Series(["" if tiles[k] is None else tiles[k] for k in labels], dtype="object")
    summary = pd.DataFrame({"figure": list(labels.values()), "value": values})
    coverage = coverage[["team", "service", "agency", *data["months"], "last_session", "gap"]]
    return {"summary": summary, "supervision_by_month": data["monthly"], "debriefs_by_category": data["categories"],
            "time_to_debrief": data["buckets"], "team_coverage": coverage}


