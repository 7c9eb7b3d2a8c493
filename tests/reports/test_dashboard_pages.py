"""The dashboard, its exports and the board report through the test client: who sees what, and what is hidden."""

from __future__ import annotations

import base64
import csv
import datetime as dt
import html
import io
import json
import re

import numpy as np
import openpyxl
import pandas as pd
import pytest

from rosters.clock import today_uk
from rosters.extensions import db
from rosters.models import AuditEvent, Person
from tests.factories import make_agency, make_person, make_session, make_team, make_training

START, END = dt.date(2025, 4, 1), dt.date(2025, 6, 30)
PERIOD = {"start": START.isoformat(), "end": END.isoformat()}
SHEETS = ["summary", "supervision_by_month", "debriefs_by_category", "time_to_debrief", "team_coverage"]


@pytest.fixture
def programme(app) -> dict:
    """Three active teams and a closed one, with supervision and debriefs in 2025-Q2.

    Assessment A: supervision in April (6 attend) and May (3 attend); 3 individual abuse debriefs.
    Protection B: supervision in June (8 attend); 7 group "other" debriefs, one cancelled session.
    Police C (partner agency): nothing delivered. Closed D: a session that must not count.
    """
    council, police = make_agency(name="Test Council"), make_agency(name="Constabulary")
    a = make_team(name="Assessment A", service="Assessment", agency=council)
    b = make_team(name="Protection B", service="Protection", agency=council)
    c = make_team(name="Police C", service="Police", agency=police)
    d = make_team(name="Closed D", service="Assessment", agency=council, active=False)
    make_session(team=a, date=dt.date(2025, 4, 10), attendees=6, ref="REF-A-APRIL")
    make_session(team=a, date=dt.date(2025, 5, 12), attendees=3)
    make_session(team=b, date=dt.date(2025, 6, 2), attendees=8)
    make_session(team=b, date=dt.date(2025, 6, 9), status="cancelled")
    make_session(team=d, date=dt.date(2025, 5, 1), attendees=9)
    make_session(team=a, date=dt.date(2025, 3, 1), attendees=5)  # before the period
    for day in (2, 5, 9):
        make_session(team=a, kind="debrief", format="individual", incident_category="abuse", attendees=1,
                     date=dt.date(2025, 5, day + 10), requested_on=dt.date(2025, 5, day))
    for day in range(7):
        make_session(team=b, kind="debrief", format="group", incident_category="other", attendees=4,
                     date=dt.date(2025, 6, 10 + day), requested_on=dt.date(2025, 6, 1))
    facilitator = make_person(role="facilitator", name="Fay Facilitator", email="fay@example.org")
    make_training(person=facilitator, course="critical_incident_debrief", completed_on=dt.date(2024, 1, 1))
    make_training(person=facilitator, course="peer_supervision", completed_on=dt.date(2024, 1, 1))
    people = {
        "lead": make_person(role="lead", name="Lee Lead", email="lead@example.org"),
        "manager": make_person(role="manager", team=a, name="Mo Manager", email="manager@example.org"),
        "member": make_person(role="member", team=a, name="Mel Member", email="member@example.org"),
        "facilitator": facilitator,
    }
    db.session.commit()
    return {"teams": {"a": a.id, "b": b.id, "c": c.id, "d": d.id}, "council": council.id, "police": police.id,
            "people": {role: person.email for role, person in people.items()}}


TILE = re.compile(
    r'<p class="app-tile__value">(.*?)</p>\s*<p class="app-tile__label">(.*?)</p>\s*'
    r'(?:<p class="app-tile__hint">(.*?)</p>)?', re.S,
)


def tiles(page: str) -> dict[str, tuple[str, str | None]]:
    """Label -> (value, hint) of every headline tile, as the HTML has them (``&lt;5`` stays escaped)."""
    return {html.unescape(label): (value, hint) for value, label, hint in TILE.findall(page)}


def table_rows(page: str, caption: str) -> list[list[str]]:
    """The body rows of the table with this caption, as cell texts."""
    start = page.index(f">{caption}</caption>")
    body = page[start:page.index("</tbody>", start)]
    rows = []
    for row in re.findall(r"<tr class=\"govuk-table__row\">(.*?)</tr>", body, re.S):
        rows.append([re.sub(r"<[^>]+>", "", cell).strip() for cell in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row, re.S)])
    return [row for row in rows if row and not row[0].startswith(("Month", "Kind"))]


def dashboard(client, **args) -> str:
    response = client.get("/dashboard", query_string={**PERIOD, **args})
    assert response.status_code == 200
    return response.get_data(as_text=True)


# ---------------------------------------------------------------------------------------------
# Leads


def test_lead_tiles_match_flask_metrics_for_the_same_period(client, auth, runner, programme):
    result = runner.invoke(args=["metrics", "--start", PERIOD["start"], "--end", PERIOD["end"]])
    assert result.exit_code == 0, result.output
    metrics = json.loads(result.output)
    assert metrics["debriefs_delivered"] == 10 and metrics["teams_total"] == 3  # the data is what we think

    auth.login(programme["people"]["lead"])
    shown = tiles(dashboard(client))
    assert shown["Debriefs delivered"] == (
        str(metrics["debriefs_delivered"]),
        f"{metrics['debriefs_individual']} individual, {metrics['debriefs_group']} group",
    )
    assert shown["Team coverage"] == (
        f"{metrics['team_coverage_pct']}%",
        f"{metrics['teams_covered']} of {metrics['teams_total']} active teams had supervision",
    )
    assert shown["Trained debrief facilitators"][0] == str(metrics["facilitators_trained_debrief"])
    assert shown["Trained debrief facilitators"][1].startswith(str(metrics["facilitators_trained_supervision"]))
    assert shown["Median days, request to debrief"][0] == str(metrics["median_days_request_to_debrief"])
    assert shown["Supervision sessions delivered"] == (
        str(metrics["supervision_sessions_delivered"]), f"{metrics['supervision_attendances']} attendances"
    )
    assert shown["Debrief requests"][0] == str(metrics["debrief_requests"])


def test_lead_sees_small_numbers_unsuppressed(client, auth, programme):
    auth.login(programme["people"]["lead"])
    page = dashboard(client)
    assert tiles(page)["Debriefs delivered"] == ("10", "3 individual, 7 group")
    assert "&lt;5" not in page


@pytest.mark.parametrize(
    ("filter_args", "covered", "teams_total", "sessions", "debriefs"),
    [
        # Closed D is in Assessment: its session counts, as it does programme-wide, but not as a team.
        (lambda p: {"service": "Assessment"}, 1, 1, 3, 3),
        (lambda p: {"agency": p["police"]}, 0, 1, 0, 0),
        (lambda p: {"agency": p["council"]}, 2, 2, 4, 10),
        (lambda p: {"team": p["teams"]["b"]}, 1, 1, 1, 7),
        (lambda p: {"service": "Assessment", "team": p["teams"]["b"]}, 0, 0, 0, 0),
    ],
)
def test_filters_narrow_the_tiles(client, auth, programme, filter_args, covered, teams_total, sessions, debriefs):
    auth.login(programme["people"]["lead"])
    shown = tiles(dashboard(client, **filter_args(programme)))
    assert shown["Team coverage"][1] == f"{covered} of {teams_total} active teams had supervision"
    assert shown["Supervision sessions delivered"][0] == str(sessions)
    assert shown["Debriefs delivered"][0] == str(debriefs)


def test_three_box_dates_are_read_like_iso_dates(client, auth, programme):
    auth.login(programme["people"]["lead"])
    response = client.get("/dashboard?start=1&start=4&start=2025&end=30&end=6&end=2025")
    page = response.get_data(as_text=True)
    assert "1 April 2025 to 30 June 2025" in page
    assert tiles(page)["Debriefs delivered"][0] == "10"


@pytest.mark.parametrize("bad", [{"start": "2025-02-30"}, {"start": "31", "end": "2025-06-30"},
                                 {"start": "2025-07-01", "end": "2025-06-30"}])
def test_a_bad_date_shows_an_error_and_falls_back_to_the_last_12_months(client, auth, programme, bad):
    auth.login(programme["people"]["lead"])
    response = client.get("/dashboard", query_string=bad)
    assert response.status_code == 400  # shown with its error, as every form with errors is
    page = response.get_data(as_text=True)
    assert "There is a problem" in page
    assert "Showing the last 12 months instead." in page
    today = today_uk()
    assert f"to {today.day} {today.strftime('%B %Y')}" in page
    assert 'href="#' in page and ("#start-day" in page or "#end-day" in page)


def test_lead_export_and_report_links_are_on_the_dashboard(client, auth, programme):
    auth.login(programme["people"]["lead"])
    page = dashboard(client)
    assert "/dashboard/export.xlsx?" in page
    assert "/dashboard/report" in page


# ---------------------------------------------------------------------------------------------
# Managers and other roles


def test_manager_sees_only_their_own_team_with_small_numbers_hidden(client, auth, programme):
    auth.login(programme["people"]["manager"])
    for extra in ({}, {"team": programme["teams"]["b"]}, {"service": "Protection"}, {"agency": programme["police"]}):
        page = dashboard(client, **extra)
        shown = tiles(page)
        assert "Assessment A: support figures" in page
        # B's 7 debriefs, its June session and its 8 attendances are never counted.
        assert shown["Debriefs delivered"] == ("&lt;5", "&lt;5 individual, 0 group")
        assert shown["Supervision sessions delivered"][0] == "2"
        assert shown["Team coverage"][1] == "1 of 1 active teams had supervision"
        assert shown["Median days, request to debrief"][0] == "–"
        assert "Protection B" not in page and "Police C" not in page
        assert 'id="service"' not in page  # no filters beyond the period
        assert "/dashboard/export" not in page  # exports are for leads
        assert "Fay Facilitator" not in page


def test_managers_small_month_cannot_be_worked_out_from_the_attendances_total(client, auth, programme):
    auth.login(programme["people"]["manager"])
    page = dashboard(client)
    months = {row[0]: row[2] for row in table_rows(page, "Supervision by month")}
    attendances_hint = tiles(page)["Supervision sessions delivered"][1]
    assert months["2025-05"] == "&lt;5"  # 3 attended
    # 9 in the tile with April's 6 shown would give May's 3 away: something else is hidden too.
    assert attendances_hint == "&lt;5 attendances" or months["2025-04"] == "&lt;5"


@pytest.mark.parametrize(("start", "end"), [("2025-05-13", "2025-05-13"), ("2025-05-12", "2025-05-12"),
                                            ("2025-05-01", "2025-05-31"), ("2025-04-01", "2025-06-30")])
def test_a_manager_cannot_narrow_the_figures_to_a_day_or_a_month_with_a_small_count(client, auth, programme,
                                                                                    start, end):
    """Assessment A's 3 debriefs in May make 2025-Q2 small: every window in it shows the whole quarter,
    the same figures, and the debriefs hidden."""
    auth.login(programme["people"]["manager"])
    page = dashboard(client, start=start, end=end)
    assert "1 April 2025 to 30 June 2025" in page
    assert ("The period has been widened" in page) == ((start, end) != ("2025-04-01", "2025-06-30"))
    assert tiles(page)["Debriefs delivered"][0] == "&lt;5"
    categories = {row[0]: row[1] for row in table_rows(page, "Debriefs by kind of incident")}
    assert categories["Systematic sexual or physical abuse"] == "&lt;5"


def test_a_managers_quiet_month_is_shown_as_a_whole_month(client, auth, programme):
    auth.login(programme["people"]["manager"])
    page = dashboard(client, start="2025-03-10", end="2025-03-12")  # one session with 5 attendances: nothing small
    assert "1 March 2025 to 31 March 2025" in page


def test_manager_without_a_team_sees_nothing_rather_than_everything(client, auth, programme):
    make_person(role="manager", email="teamless@example.org")
    db.session.commit()
    auth.login("teamless@example.org")
    shown = tiles(dashboard(client, team=programme["teams"]["b"]))
    assert shown["Debriefs delivered"][0] == "0"
    assert shown["Team coverage"][1] == "0 of 0 active teams had supervision"


@pytest.mark.parametrize("role", ["member", "facilitator"])
def test_members_and_facilitators_may_not_see_the_dashboard(client, auth, programme, role):
    auth.login(programme["people"][role])
    for path in ("/dashboard", "/dashboard/export.csv", "/dashboard/report?quarter=2025-Q2"):
        assert client.get(path).status_code == 403, path


def test_managers_may_not_export_or_see_the_board_report(client, auth, programme):
    auth.login(programme["people"]["manager"])
    assert client.get("/dashboard/export.xlsx").status_code == 403
    assert client.get("/dashboard/export.csv?what=sessions").status_code == 403
    assert client.get("/dashboard/report").status_code == 403


@pytest.mark.parametrize("path", ["/dashboard", "/dashboard/export.csv", "/dashboard/report"])
def test_anonymous_visitors_are_sent_to_sign_in(client, programme, path):
    response = client.get(path)
    assert response.status_code == 302
    assert "/sign-in" in response.headers["Location"]


# ---------------------------------------------------------------------------------------------
# Exports


def export(client, fmt: str, **args):
    response = client.get(f"/dashboard/export.{fmt}", query_string={**PERIOD, **args})
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    return response


def csv_sections(body: bytes) -> dict[str, list[list[str]]]:
    """The figures CSV (one long table: table, row, label, column, value), read by pandas in one call and
    pivoted back into its tables, each as rows of cell texts with its header first."""
    assert body.startswith(b"\xef\xbb\xbf")
    frame = pd.read_csv(io.BytesIO(body), encoding="utf-8-sig", dtype=str, keep_default_na=False)
    assert list(frame.columns) == ["table", "row", "label", "column", "value"]
    sections: dict[str, list[list[str]]] = {}
    for name in dict.fromkeys(frame["table"]):
        part = frame[frame["table"] == name]
        columns = list(dict.fromkeys(part["column"]))
        rows = [[part[(part["row"] == row)]["label"].iloc[0]]
                + [part[(part["row"] == row) & (part["column"] == c)]["value"].iloc[0] for c in columns]
                for row in dict.fromkeys(part["row"])]
        sections[name] = [["label", *columns], *rows]
    return sections


def test_csv_figures_start_with_a_bom_parse_and_hide_small_numbers_by_default(client, auth, programme):
    auth.login(programme["people"]["lead"])
    response = export(client, "csv")
    assert response.mimetype == "text/csv"
    assert 'filename="wellbeing-figures-2025-04-01-to-2025-06-30.csv"' in response.headers["Content-Disposition"]
    sections = csv_sections(response.data)
    assert list(sections) == SHEETS
    summary = {row[0]: row[1] for row in sections["summary"][1:]}
    assert summary["Debriefs delivered"] == "10"
    assert summary["Individual debriefs"] == "<5"
    assert summary["Group debriefs"] == "<5"  # 10 - 7 would give the 3 away
    categories = {row[0]: row[1] for row in sections["debriefs_by_category"][1:]}
    assert categories["Systematic sexual or physical abuse"] == "<5"
    assert categories["Murder of a child or adult"] == "0"


def test_full_figures_export_shows_small_numbers(client, auth, programme):
    auth.login(programme["people"]["lead"])
    summary = {row[0]: row[1] for row in csv_sections(export(client, "csv", suppress=0).data)["summary"][1:]}
    assert summary["Individual debriefs"] == "3"
    assert summary["Group debriefs"] == "7"
    assert summary["Supervision attendances"] == "26"  # 6 + 3 + 8, and Closed D's 9
    assert summary["Active teams"] == "3"  # not "3.0": the column holds a percentage and a half-day median too
    assert summary["Median days from request to debrief"] == "10.5"


def test_xlsx_figures_open_with_the_expected_sheets(client, auth, programme):
    auth.login(programme["people"]["lead"])
    response = export(client, "xlsx")
    assert response.mimetype == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert 'filename="wellbeing-figures-2025-04-01-to-2025-06-30.xlsx"' in response.headers["Content-Disposition"]
    book = openpyxl.load_workbook(io.BytesIO(response.data))
    assert book.sheetnames == SHEETS
    summary = {row[0]: row[1] for row in book["summary"].iter_rows(min_row=2, values_only=True)}
    assert summary["Debriefs delivered"] == 10
    assert summary["Individual debriefs"] == "<5"
    coverage = list(book["team_coverage"].iter_rows(values_only=True))
    assert coverage[0][:3] == ("team", "service", "agency")
    assert {row[0] for row in coverage[1:]} == {"Assessment A", "Protection B", "Police C"}

    full = openpyxl.load_workbook(io.BytesIO(export(client, "xlsx", suppress=0).data))
    summary = {row[0]: row[1] for row in full["summary"].iter_rows(min_row=2, values_only=True)}
    assert summary["Individual debriefs"] == 3


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_anonymised_session_export_has_no_names_emails_or_refs(client, auth, programme, fmt):
    auth.login(programme["people"]["lead"])
    response = export(client, fmt, what="sessions")
    if fmt == "csv":
        assert response.data.startswith(b"\xef\xbb\xbf")
        rows = list(csv.reader(io.StringIO(response.data.decode("utf-8-sig"))))
    else:
        rows = [[("" if v is None else str(v)) for v in row]
                for row in openpyxl.load_workbook(io.BytesIO(response.data))["sessions"].iter_rows(values_only=True)]
    header, body = rows[0], rows[1:]
    assert "ref" not in header
    assert not {"name", "email", "facilitator", "facilitator_id"} & set(header)
    assert header == ["period", "service", "agency", "kind", "format", "status", "incident_category", "attendees",
                      "duration_minutes"]  # the month, never the day; the service, never the team
    # Protection B's 7 group debriefs share one row's worth of details; the other 8 sessions (3 debriefs and
    # 5 supervision sessions) stay rare however vague they are made, and are left out.
    assert len(body) == 7
    assert {tuple(row[:7]) for row in body} == {
        ("2025-06", "Protection", "Test Council", "debrief", "group", "delivered", "other")}
    assert "Assessment A" not in "\n".join(",".join(row) for row in rows)
    text = "\n".join(",".join(row) for row in rows)
    assert "@" not in text
    assert "REF-A-APRIL" not in text
    for name in db.session.scalars(db.select(Person.name)):
        assert name not in text, name


def test_every_export_is_audited(client, auth, programme):
    auth.login(programme["people"]["lead"])

    def exported() -> list[str]:
        db.session.expire_all()
        return list(db.session.scalars(
            db.select(AuditEvent.detail).where(AuditEvent.action == "dashboard_exported").order_by(AuditEvent.id)
        ))

    before = len(exported())
    export(client, "csv")
    export(client, "xlsx", suppress=0)
    export(client, "csv", what="sessions")
    details = exported()[before:]
    assert len(details) == 3
    assert details[0].startswith("figures csv 2025-04-01..2025-06-30 suppressed=True")
    assert details[1].startswith("figures xlsx") and details[1].endswith("suppressed=False")
    assert details[2].startswith("sessions csv")
    lead_id = db.session.scalar(db.select(Person.id).where(Person.email == programme["people"]["lead"]))
    assert set(db.session.scalars(
        db.select(AuditEvent.person_id).where(AuditEvent.action == "dashboard_exported")
    )) == {lead_id}


@pytest.mark.parametrize("query", ["what=everything", "start=2025-13-01", "start=2025-06-01&end=2025-01-01"])
def test_bad_export_requests_are_refused(client, auth, programme, query):
    auth.login(programme["people"]["lead"])
    assert client.get(f"/dashboard/export.csv?{query}").status_code == 400


def test_unknown_export_format_is_not_found(client, auth, programme):
    auth.login(programme["people"]["lead"])
    assert client.get("/dashboard/export.pdf").status_code == 404


# ---------------------------------------------------------------------------------------------
# Board report


def test_board_report_shows_the_quarters_figures_with_suppression(client, auth, programme):
    auth.login(programme["people"]["lead"])
    response = client.get("/dashboard/report?quarter=2025-Q2")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "board report 2025-Q2" in page
    assert "1 April 2025 to 30 June 2025" in page
    shown = tiles(page)
    assert shown["Debriefs delivered"] == ("10", "&lt;5 individual, &lt;5 group")
    assert shown["Supervision sessions delivered"][0] == "4"  # Closed D's counts, as in flask metrics
    assert shown["Team coverage"] == ("66.7%", "2 of 3 active teams had supervision")
    categories = {row[0]: row[1] for row in table_rows(page, "Debriefs by kind of incident")}
    assert categories["Systematic sexual or physical abuse"] == "&lt;5"
    assert "Police C (last: none yet)" in page  # the team with no supervision is listed
    assert '<option value="2025-Q2" selected' in page or "2025-Q2" in page
    assert db.session.scalar(
        db.select(db.func.count()).select_from(AuditEvent).where(AuditEvent.action == "board_report_viewed")
    ) == 1


def test_board_report_for_another_quarter_has_other_figures(client, auth, programme):
    auth.login(programme["people"]["lead"])
    page = client.get("/dashboard/report?quarter=2025-q1").get_data(as_text=True)
    assert "1 January 2025 to 31 March 2025" in page
    shown = tiles(page)
    assert shown["Debriefs delivered"][0] == "0"
    assert shown["Supervision sessions delivered"][0] == "1"  # Assessment A on 1 March


def test_board_report_defaults_to_the_last_complete_quarter(client, auth, programme):
    auth.login(programme["people"]["lead"])
    previous = pd.Timestamp(today_uk()).to_period("Q") - 1
    page = client.get("/dashboard/report").get_data(as_text=True)
    assert f"board report {previous.year}-Q{previous.quarter}" in page


@pytest.mark.parametrize("quarter", ["2025-Q5", "2025-Q0", "nonsense", "2025", "1999-Q1", "2025-Q2-Q3"])
def test_a_bad_quarter_is_a_400(client, auth, programme, quarter):
    auth.login(programme["people"]["lead"])
    assert client.get("/dashboard/report", query_string={"quarter": quarter}).status_code == 400


# ---------------------------------------------------------------------------------------------
# Scripts, CSP and chart data


def test_plotly_is_served_locally_as_javascript(client, programme):
    response = client.get("/assets/vendor/plotly.min.js")
    assert response.status_code == 200
    assert response.mimetype in ("text/javascript", "application/javascript")
    assert b"plotly" in response.data[:2000].lower()


@pytest.mark.parametrize("path", ["/dashboard?start=2025-04-01&end=2025-06-30", "/dashboard/report?quarter=2025-Q2"])
def test_scripts_carry_the_nonce_and_csp_has_no_inline_scripts(client, auth, programme, path):
    auth.login(programme["people"]["lead"])
    response = client.get(path)
    policy = response.headers["Content-Security-Policy"]
    directives = dict(part.strip().split(" ", 1) for part in policy.split(";") if part.strip())
    assert "'unsafe-inline'" not in directives["script-src"]
    assert "'unsafe-eval'" not in directives["script-src"]
    nonce = re.search(r"'nonce-([^']+)'", directives["script-src"]).group(1)
    page = response.get_data(as_text=True)
    scripts = re.findall(r"<script\b([^>]*)>", page)
    executable = [attrs for attrs in scripts if 'type="application/json"' not in attrs]
    assert any("/assets/vendor/plotly.min." in attrs for attrs in executable)  # under its hashed name
    assert any("/assets/charts." in attrs for attrs in executable)
    for attrs in executable:
        assert f'nonce="{nonce}"' in attrs, attrs


def test_chart_json_blocks_parse_as_json(client, auth, programme):
    auth.login(programme["people"]["lead"])
    page = dashboard(client)
    blocks = dict(re.findall(r'<script type="application/json" data-chart="([^"]+)">(.*?)</script>', page, re.S))
    assert set(blocks) == {"chart-supervision", "chart-coverage", "chart-categories", "chart-waits", "chart-load"}
    for chart_id, text in blocks.items():
        assert "<" not in text, chart_id  # kept inert inside the script element
        figure = json.loads(text)
        assert figure["data"] and "layout" in figure, chart_id
        assert f'id="{chart_id}"' in page
    supervision = json.loads(blocks["chart-supervision"])
    assert array(supervision["data"][0]["x"]) == ["2025-04", "2025-05", "2025-06"]
    assert array(supervision["data"][0]["y"]) == [1, 2, 1]  # May has Closed D's session too
    assert array(supervision["data"][1]["y"]) == [6, 12, 8]


def array(value) -> list:
    """A plotly array: a plain list, or plotly's typed-array form ``{"dtype": ..., "bdata": base64}``."""
    if isinstance(value, dict):
        return np.frombuffer(base64.b64decode(value["bdata"]), dtype=value["dtype"]).tolist()
    return list(value)


def test_managers_charts_leave_hidden_counts_out(client, auth, programme):
    auth.login(programme["people"]["manager"])
    page = dashboard(client)
    blocks = dict(re.findall(r'<script type="application/json" data-chart="([^"]+)">(.*?)</script>', page, re.S))
    categories = json.loads(blocks["chart-categories"])
    values = array(categories["data"][0]["x"])
    assert 3 not in values  # abuse's 3 is drawn as a gap, not as a bar of 3
