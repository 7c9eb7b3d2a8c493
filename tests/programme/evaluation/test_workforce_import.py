"""The ``workforce`` spreadsheet import: Excel's quirks, every kind of bad value, all or nothing, idempotent."""

from __future__ import annotations

import datetime as dt
import re

import pytest

from programme.evaluation.models import WorkforceMonth
from programme.evaluation.workforce import parse_month
from rosters.csv_import import ImportFailed, kinds_in_order, run_import
from rosters.extensions import db
from tests.factories import make_team

ERROR_LINE = re.compile(r"^row \d+: [a-z_]+: \S.*$")
HEADER = "team,month,fte,sickness_days,leavers,vacancies_fte,agency_fte"


def csv_bytes(*lines: str, bom: bool = False, newline: str = "\n") -> bytes:
    return (b"\xef\xbb\xbf" if bom else b"") + (newline.join(lines) + newline).encode()


def errors_of(*lines: str) -> list[str]:
    with pytest.raises(ImportFailed) as failure:
        run_import("workforce", csv_bytes(*lines))
    for line in failure.value.errors:
        assert ERROR_LINE.match(line), line
    db.session.rollback()
    return failure.value.errors


def stored() -> list[tuple]:
    db.session.expire_all()
    rows = db.session.scalars(db.select(WorkforceMonth).order_by(WorkforceMonth.team_id, WorkforceMonth.month))
    return [(r.team.name, r.month, r.fte, r.sickness_days, r.leavers, r.vacancies_fte, r.agency_fte) for r in rows]


@pytest.fixture
def teams(app):
    make_team(name="Alpha")
    make_team(name="Beta", active=False)
    db.session.commit()


def test_workforce_is_a_registered_kind_after_teams(app):
    assert "workforce" in kinds_in_order()
    assert kinds_in_order().index("workforce") > kinds_in_order().index("teams")


def test_a_clean_file_is_stored_with_the_month_as_its_first_day(teams):
    result = run_import("workforce", csv_bytes(
        HEADER,
        "Alpha,2025-04,12.5,3.5,1,0.5,1",
        "Beta,15/04/2025,8,0,0,,",
        "Alpha,2025-05-31,12,0.25,0,,",
    ))
    assert (result.created, result.updated, result.unchanged) == (3, 0, 0)
    assert stored() == [
        ("Alpha", dt.date(2025, 4, 1), 12.5, 3.5, 1, 0.5, 1.0),
        ("Alpha", dt.date(2025, 5, 1), 12.0, 0.25, 0, None, None),
        ("Beta", dt.date(2025, 4, 1), 8.0, 0.0, 0, None, None),  # an inactive team's months are kept too
    ]


def test_excel_quirks_are_accepted(teams):
    data = csv_bytes(
        " Leavers , MONTH,Team,FTE,Sickness_Days",
        "  1 , 2025-4 ,  alpha , 10 , 2 ",
        "0,Apr-25,BETA,4,.5",
        bom=True, newline="\r\n",
    )
    result = run_import("workforce", data)
    assert result.created == 2
    assert stored() == [("Alpha", dt.date(2025, 4, 1), 10.0, 2.0, 1, None, None),
                        ("Beta", dt.date(2025, 4, 1), 4.0, 0.5, 0, None, None)]


@pytest.mark.parametrize("text, month", [
    ("2025-04", dt.date(2025, 4, 1)), ("2025-4", dt.date(2025, 4, 1)), ("2025-04-30", dt.date(2025, 4, 1)),
    ("03/04/2025", dt.date(2025, 4, 1)),  # 3 April (UK), never 4 March
    ("04/2025", dt.date(2025, 4, 1)), ("April 2025", dt.date(2025, 4, 1)), ("apr-25", dt.date(2025, 4, 1)),
    ("Dec 2099", dt.date(2099, 12, 1)), ("2000-01", dt.date(2000, 1, 1)),
    ("2025-13", None), ("2025-00", None), ("31/02/2025", None), ("2025", None), ("Ma 2025", None),
    ("Jun 20255", None), ("2025/04", None), ("", None), ("٢٠٢٥-٠٤", None),
])
def test_months_are_read_in_the_forms_people_write_them(text, month):
    assert parse_month(text) == month


def test_reimporting_updates_and_never_duplicates(teams):
    data = csv_bytes(HEADER, "Alpha,2025-04,10,2,1,1,0")
    assert run_import("workforce", data).created == 1
    again = run_import("workforce", data)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 1)
    # The same month written another way is the same row, updated.
    changed = run_import("workforce", csv_bytes(HEADER, "Alpha,01/04/2025,11,2,1,1,0"))
    assert (changed.created, changed.updated) == (0, 1)
    assert stored() == [("Alpha", dt.date(2025, 4, 1), 11.0, 2.0, 1, 1.0, 0.0)]


def test_absent_optional_columns_leave_stored_values_alone_and_empty_cells_clear_them(teams):
    run_import("workforce", csv_bytes(HEADER, "Alpha,2025-04,10,2,1,1.5,2"))
    run_import("workforce", csv_bytes("team,month,fte,sickness_days,leavers", "Alpha,2025-04,10,3,1"))
    assert stored() == [("Alpha", dt.date(2025, 4, 1), 10.0, 3.0, 1, 1.5, 2.0)]
    run_import("workforce", csv_bytes("team,month,fte,sickness_days,leavers,agency_fte", "Alpha,2025-04,10,3,1,"))
    assert stored() == [("Alpha", dt.date(2025, 4, 1), 10.0, 3.0, 1, 1.5, None)]


def test_the_same_month_twice_in_one_file_is_an_error(teams):
    errors = errors_of(HEADER, "Alpha,2025-04,10,2,1,,", "alpha,30/04/2025,11,2,1,,")
    assert errors == ["row 3: team: repeats row 2 (same team + month)"]
    assert stored() == []


@pytest.mark.parametrize("column, value, message", [
    ("team", "Gamma", "no team called 'Gamma' (import teams first)"),
    ("team", "", "is empty"),
    ("month", "", "is empty"),
    ("month", "2025-13", "is not a month"),
    ("month", "1999-12", "is outside the months this service accepts (2000-01 to 2099-12)"),
    ("month", "01/01/2100", "is outside the months"),
    ("fte", "0", "must be more than 0"),
    ("fte", "1000.01", "is more than 1000"),
    ("fte", "-1", "is below 0"),
    ("fte", "NaN", "is not a number"),
    ("fte", "inf", "is not a number"),
    ("fte", "1e3", "is not a number"),
    ("fte", "", "is empty"),
    ("sickness_days", "1e999", "is not a number"),
    ("sickness_days", "-0.5", "is below 0"),
    ("sickness_days", "\"1,234\"", "has a comma: write the number without thousands separators"),
    ("sickness_days", "\"2,5\"", "has a comma"),
    ("sickness_days", "two", "is not a number"),
    ("sickness_days", "1.2.3", "is not a number"),
    ("sickness_days", "99999999999999999999999", "is not a number"),
    ("sickness_days", "31000.5", "is more than 31000"),
    ("leavers", "1.5", "is not a whole number"),
    ("leavers", "-1", "is below 0"),
    ("leavers", "+1", "is not a whole number"),
    ("leavers", "1_000", "is not a whole number"),
    ("leavers", "²", "is not a whole number"),
    ("leavers", "", "is empty"),
    ("vacancies_fte", "-2", "is below 0"),
    ("agency_fte", "nan", "is not a number"),
])
def test_every_kind_of_bad_value_is_reported_and_nothing_is_stored(teams, column, value, message):
    cells = {"team": "Alpha", "month": "2025-04", "fte": "10", "sickness_days": "2", "leavers": "1",
             "vacancies_fte": "", "agency_fte": ""}
    cells[column] = value
    errors = errors_of(HEADER, "Alpha,2025-03,10,2,1,,", ",".join(cells.values()))
    assert len(errors) == 1, errors
    assert errors[0].startswith(f"row 3: {column}: "), errors
    assert message in errors[0], errors
    assert stored() == []  # the good row 2 is not stored either


def test_every_bad_row_is_listed(teams):
    errors = errors_of(HEADER, "Alpha,2025-04,0,2,1,,", "Alpha,2025-05,10,x,1.5,,", "Gamma,2025-06,10,2,1,,")
    assert [e.split(":")[0:2] for e in errors] == [
        ["row 2", " fte"], ["row 3", " sickness_days"], ["row 3", " leavers"], ["row 4", " team"],
    ]


def test_missing_and_unknown_columns_are_refused(teams):
    assert errors_of("team,month,fte,sickness_days", "Alpha,2025-04,10,2") == [
        "row 1: leavers: required column is missing"]
    assert errors_of("team,month,fte,sickness_days,leavers,headcount", "Alpha,2025-04,10,2,1,12")[0].startswith(
        "row 1: headcount: unknown column")


def test_the_command_line_imports_and_refuses_in_one_line_per_problem(teams, runner, tmp_path):
    good = tmp_path / "good.csv"
    good.write_bytes(csv_bytes(HEADER, "Alpha,2025-04,10,2,1,,"))
    result = runner.invoke(args=["import-csv", "workforce", str(good)])
    assert result.exit_code == 0, result.output
    bad = tmp_path / "bad.csv"
    bad.write_bytes(csv_bytes(HEADER, "Alpha,2025-05,10,NaN,1,,"))
    result = runner.invoke(args=["import-csv", "workforce", str(bad)])
    assert result.exit_code != 0
    assert "row 2: sickness_days: 'NaN' is not a number" in result.stderr
    assert "Traceback" not in result.output
    assert len(stored()) == 1


def test_the_import_page_offers_and_runs_workforce(teams, client, auth):
    from tests.factories import make_person

    lead = make_person(role="lead")
    db.session.commit()
    auth.login(lead.email)
    page = client.get("/import").get_data(as_text=True)
    assert "Workforce by month" in page
