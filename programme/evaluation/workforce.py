"""The ``workforce`` spreadsheet import: each team's staffing, sickness and leavers by month, from HR.

One row per team per month (key: team, month). Numbers are read strictly: plain decimals in ASCII digits,
so that ``NaN``, ``inf``, ``1e999`` or a typed ``1,234`` never reach the figures as a silent guess.
See docs/imports.md.
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal, InvalidOperation

from programme.evaluation.models import WorkforceMonth
from rosters.bounds import FIRST_DATE, LAST_DATE
from rosters.csv_import import (
    Importer,
    ImportResult,
    Row,
    Rule,
    apply_changes,
    parse_date,
    range_words,
    register,
    text_rule,
)
from rosters.extensions import db
from rosters.services import find_team

COLUMNS = ("team", "month", "fte", "sickness_days", "leavers", "vacancies_fte", "agency_fte")
REQUIRED = ("team", "month", "fte", "sickness_days", "leavers")
OPTIONAL = ("vacancies_fte", "agency_fte")

MAX_FTE = Decimal(1000)
# Sanity ceilings, far above any real team, so that a slip (a year typed in the wrong column) is caught.
MAX_SICKNESS_DAYS = Decimal(31000)  # 31 days for each of 1000 full-time staff
MAX_LEAVERS = 100000
MAX_NUMBER_LENGTH = 20

DECIMAL_RE = re.compile(r"^[0-9]+(\.[0-9]*)?$|^\.[0-9]+$")
WHOLE_RE = re.compile(r"^[0-9]+$")
YEAR_MONTH_RE = re.compile(r"^([0-9]{4})-([0-9]{1,2})$")
MONTH_YEAR_RE = re.compile(r"^([0-9]{1,2})/([0-9]{4})$")
# What Excel writes back for a month it has turned into a date: "Jan-25", "Jan 2025", "January 2025".
NAMED_MONTH_RE = re.compile(r"^([a-z]+)[ -]([0-9]{2}|[0-9]{4})$", re.IGNORECASE)
MONTH_NAMES = {name: number for number, name in enumerate(
    ("january", "february", "march", "april", "may", "june", "july", "august", "september", "october",
     "november", "december"), start=1)}
MONTH_WORDS = "YYYY-MM (for example 2025-04), or a date in the month (2025-04-01 or 01/04/2025)"
NUMBER_WORDS = "a plain number with a point for decimals, such as 12 or 12.5, without commas"
# No example rows in the template: every row counts in the workforce outcomes.
RULES = (
    text_rule("team", "The name of a team already imported"),
    Rule("month", f"The month the figures are for. Write {MONTH_WORDS}; from {FIRST_DATE:%Y-%m} to {LAST_DATE:%Y-%m}."),
    Rule("fte", f"Staff in post, full-time equivalent: {NUMBER_WORDS}, more than 0 and at most {MAX_FTE}."),
    Rule("sickness_days", f"Working days lost to sickness absence that month: {NUMBER_WORDS}, "
                          f"{range_words(0, MAX_SICKNESS_DAYS)}."),
    Rule("leavers", f"People who left the team's employer that month: a whole number, {range_words(0, MAX_LEAVERS)}."),
    Rule("vacancies_fte", f"Vacant posts, full-time equivalent: {NUMBER_WORDS}, {range_words(0, MAX_FTE)}; "
                          "empty means not known."),
    Rule("agency_fte", f"Agency staff, full-time equivalent: {NUMBER_WORDS}, {range_words(0, MAX_FTE)}; "
                       "empty means not known."),
)


def parse_month(value: str) -> dt.date | None:
    """The first day of the month ``value`` names; None when it names no month.

    ``YYYY-MM``, ``MM/YYYY``, a date (``YYYY-MM-DD`` or UK ``DD/MM/YYYY``, meaning its month), or the
    month name Excel shows once it has turned ``2025-04`` into a date (``Apr-25``, ``April 2025``).
    """
    value = value.strip()
    year = month = None
    if match := YEAR_MONTH_RE.match(value):
        year, month = int(match[1]), int(match[2])
    elif match := MONTH_YEAR_RE.match(value):
        month, year = int(match[1]), int(match[2])
    elif match := NAMED_MONTH_RE.match(value):
        word = match[1].lower()
        found = [number for name, number in MONTH_NAMES.items() if len(word) >= 3 and name.startswith(word)]
        if len(found) == 1:
            month = found[0]
            year = int(match[2]) + (2000 if len(match[2]) == 2 else 0)
    else:
        day = parse_date(value)
        if day is not None:
            return day.replace(day=1)
    if year is None or month is None or not 1 <= month <= 12:
        return None
    return dt.date(year, month, 1)


def read_month(row: Row) -> dt.date | None:
    value = row.text("month", required=True)
    if value is None:
        return None
    month = parse_month(value)
    if month is None:
        row.error("month", f"{value!r} is not a month (write {MONTH_WORDS})")
        return None
    if not FIRST_DATE <= month <= LAST_DATE:
        row.error("month", f"{value!r} is outside the months this service accepts "
                           f"({FIRST_DATE:%Y-%m} to {LAST_DATE:%Y-%m})")
        return None
    return month


def read_decimal(row: Row, column: str, *, high: Decimal, above_zero: bool = False,
                 required: bool = True) -> float | None:
    """A plain decimal such as ``12.5``: no signs, exponents, thousands separators, NaN or infinity."""
    value = row.text(column, required=required, max_length=200)
    if value is None:
        return None
    if "," in value:
        row.error(column, f"{value!r} has a comma: write the number without thousands separators "
                          "(1234.5, not 1,234.5) and with a point for decimals")
        return None
    if value.startswith("-") and DECIMAL_RE.match(value[1:]):
        row.error(column, f"{value} is below 0")
        return None
    if len(value) > MAX_NUMBER_LENGTH or not DECIMAL_RE.match(value):
        row.error(column, f"{value[:MAX_NUMBER_LENGTH]!r} is not a number (write it like 12 or 12.5)")
        return None
    try:
        number = Decimal(value)
    except InvalidOperation:  # the pattern admits only what Decimal reads, but say so rather than fail
        row.error(column, f"{value!r} is not a number (write it like 12 or 12.5)")
        return None
    if above_zero and number <= 0:
        row.error(column, f"{value} must be more than 0 (up to {high})")
        return None
    if number > high:
        row.error(column, f"{value} is more than {high}")
        return None
    return float(number)


def read_whole(row: Row, column: str, *, high: int) -> int | None:
    value = row.text(column, required=True)
    if value is None:
        return None
    if value.startswith("-") and WHOLE_RE.match(value[1:]):
        row.error(column, f"{value} is below 0")
        return None
    if len(value) > MAX_NUMBER_LENGTH or not WHOLE_RE.match(value):
        row.error(column, f"{value[:MAX_NUMBER_LENGTH]!r} is not a whole number (write it like 0, 1 or 2)")
        return None
    number = int(value)
    if number > high:
        row.error(column, f"{number} is more than {high}")
        return None
    return number


def import_workforce_month(row: Row, result: ImportResult) -> None:
    team_name = row.text("team", required=True)
    month = read_month(row)
    fte = read_decimal(row, "fte", high=MAX_FTE, above_zero=True)
    sickness_days = read_decimal(row, "sickness_days", high=MAX_SICKNESS_DAYS)
    leavers = read_whole(row, "leavers", high=MAX_LEAVERS)
    optional = {column: read_decimal(row, column, high=MAX_FTE, required=False)
                for column in OPTIONAL if column in row.cells}
    team = find_team(team_name) if team_name else None
    if team_name and team is None:
        row.error("team", f"no team called {team_name!r} (import teams first)")
    if row.errors:
        return

    values = {"fte": fte, "sickness_days": sickness_days, "leavers": leavers}
    # A column left out of the file leaves what is stored alone; an empty cell means "not known".
    values.update(optional)
    existing = db.session.scalar(
        db.select(WorkforceMonth).where(WorkforceMonth.team_id == team.id, WorkforceMonth.month == month)
    )
    if existing is None:
        apply_changes(WorkforceMonth(team=team, month=month), values, result, created=True)
    else:
        apply_changes(existing, values, result, created=False)


def _key(row: Row) -> tuple:
    """Team ignoring case, and the month however it is written: ``2025-04`` and ``15/04/2025`` are one row."""
    text = row.cells.get("month", "")
    return (row.cells.get("team", "").lower(), parse_month(text) or text.lower())


register(Importer("workforce", COLUMNS, REQUIRED, ("team", "month"), import_workforce_month, normalise_key=_key,
                  label="Workforce by month (from HR)", after=("teams",), rules=RULES))
