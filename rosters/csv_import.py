"""Spreadsheet import: tolerant reading of Excel-made CSV, strict all-or-nothing storing.

Each kind (teams, people, training, sessions, workforce) registers an :class:`Importer`; the command line and
the import page offer whatever is registered. Each importer also says, column by column, what a cell may
hold (:class:`Rule`), built from the same lists and limits its rows are checked against, so the import
page and the downloadable templates never describe a rule the importer does not apply. Reading is the same
for all: UTF-8 with or without a byte-order mark, any line ends, header names in any case and
order, cells trimmed. Every bad row is reported as ``row N: column: what is wrong`` and nothing
is stored unless every row is good.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from sqlalchemy.exc import SQLAlchemyError

from rosters import audit
from rosters.bounds import DATE_RANGE, date_in_range
from rosters.extensions import db

# In pairs, in the order the import page offers them: yes/no, true/false, 1/0, y/n.
YES = ("yes", "true", "1", "y")
NO = ("no", "false", "0", "n")
MAX_TEXT = 200  # characters in a text cell, unless the column says otherwise
DATE_WORDS = "YYYY-MM-DD or DD/MM/YYYY"
TIME_WORDS = "HH:MM"
EMAIL_RE = re.compile(r"^[^@\s,;<>]+@[^@\s,;<>]+\.[^@\s,;<>]+$")
ISO_DATE_RE = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$")
UK_DATE_RE = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4})$")
TIME_RE = re.compile(r"^(\d{1,2}):(\d{2})(?::00)?$")


class ImportFailed(Exception):
    """The file was refused; ``errors`` holds one line per problem."""

    def __init__(self, errors: list[str]):
        super().__init__("\n".join(errors))
        self.errors = errors


@dataclass
class ImportResult:
    """What an import stored."""

    kind: str
    rows: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0

    def summary(self) -> str:
        return (
            f"{self.kind}: {self.rows} rows read, {self.created} added, "
            f"{self.updated} updated, {self.unchanged} unchanged"
        )


@dataclass
class Row:
    """One data row with typed readers that record errors instead of raising."""

    number: int
    cells: dict[str, str]
    errors: list[str] = field(default_factory=list)

    def error(self, column: str, message: str) -> None:
        self.errors.append(f"row {self.number}: {column}: {message}")

    def text(self, column: str, *, required: bool = False, max_length: int = MAX_TEXT) -> str | None:
        value = self.cells.get(column, "")
        if not value:
            if required:
                self.error(column, "is empty")
            return None
        if len(value) > max_length:
            self.error(column, f"is longer than {max_length} characters")
            return None
        return value

    def email(self, column: str, *, required: bool = True) -> str | None:
        value = self.text(column, required=required, max_length=320)
        if value is None:
            return None
        if not EMAIL_RE.match(value):
            self.error(column, f"{value!r} is not an e-mail address")
            return None
        return value.lower()

    def choice(self, column: str, values: Iterable[str], *, required: bool = True) -> str | None:
        value = self.text(column, required=required)
        if value is None:
            return None
        allowed = list(values)
        lowered = value.lower()
        if lowered not in allowed:
            self.error(column, f"{value!r} is not one of {', '.join(allowed)}")
            return None
        return lowered

    def yes_no(self, column: str, *, default: bool) -> bool | None:
        value = self.cells.get(column, "").lower()
        if not value:
            return default
        if value in YES:
            return True
        if value in NO:
            return False
        self.error(column, f"{self.cells[column]!r} is not yes or no")
        return None

    def date(self, column: str, *, required: bool = True) -> dt.date | None:
        value = self.text(column, required=required)
        if value is None:
            return None
        parsed = parse_date(value)
        if parsed is None:
            self.error(column, f"{value!r} is not a date (write {DATE_WORDS})")
        elif not date_in_range(parsed):
            self.error(column, f"{value!r} is outside the dates this service accepts ({DATE_RANGE})")
            return None
        return parsed

    def time(self, column: str, *, required: bool = True) -> dt.time | None:
        value = self.text(column, required=required)
        if value is None:
            return None
        match = TIME_RE.match(value)
        if match and int(match[1]) < 24 and int(match[2]) < 60:
            return dt.time(int(match[1]), int(match[2]))
        self.error(column, f"{value!r} is not a 24-hour time (write {TIME_WORDS})")
        return None

    def whole_number(self, column: str, *, low: int, high: int | None = None, required: bool = True) -> int | None:
        value = self.text(column, required=required)
        if value is None:
            return None
        try:
            number = int(value)
        except ValueError:
            self.error(column, f"{value!r} is not a whole number")
            return None
        if number < low or (high is not None and number > high):
            self.error(column, f"{number} is out of range ({range_words(low, high)})")
            return None
        return number


def range_words(low: object, high: object | None) -> str:
    """``15 to 480``, or ``0 or more`` when there is no upper limit."""
    return f"{low} to {high}" if high is not None else f"{low} or more"


def parse_date(value: str) -> dt.date | None:
    """Read ``YYYY-MM-DD`` or the UK ``DD/MM/YYYY`` (never US month-first); None if neither."""
    value = value.strip()
    if match := ISO_DATE_RE.match(value):
        year, month, day = int(match[1]), int(match[2]), int(match[3])
    elif match := UK_DATE_RE.match(value):
        day, month, year = int(match[1]), int(match[2]), int(match[3])
    else:
        return None
    try:
        return dt.date(year, month, day)
    except ValueError:
        return None


def apply_changes(obj: object, values: dict, result: ImportResult, *, created: bool) -> None:
    """Set changed fields on a model and count the row as added, updated or unchanged."""
    changed = False
    for name, value in values.items():
        if getattr(obj, name) != value:
            setattr(obj, name, value)
            changed = True
    if created:
        db.session.add(obj)
        result.created += 1
    elif changed:
        result.updated += 1
    else:
        result.unchanged += 1


RowHandler = Callable[[Row, ImportResult], None]


@dataclass(frozen=True)
class Rule:
    """What one column may hold, in words for the import page; ``values`` lists (value, meaning) pairs
    for a column that takes one of a list."""

    column: str
    says: str
    values: tuple[tuple[str, str], ...] = ()


def text_rule(column: str, says: str, *, max_length: int = MAX_TEXT) -> Rule:
    return Rule(column, f"{says}. Text, at most {max_length} characters.")


def email_rule(column: str, says: str) -> Rule:
    return Rule(column, f"{says}. An e-mail address, in any case: it names the same person.")


def listed_rule(column: str, values: Iterable, says: str = "") -> Rule:
    """One of ``values`` (strings, or enum members whose ``label`` says what each means), in any case."""
    pairs = tuple((str(getattr(value, "value", value)), str(getattr(value, "label", ""))) for value in values)
    return Rule(column, f"{says + '. ' if says else ''}One of these, in any case:", pairs)


def date_rule(column: str, says: str) -> Rule:
    return Rule(column, f"{says}. A date written {DATE_WORDS} (day first), from {DATE_RANGE}.")


def time_rule(column: str, says: str) -> Rule:
    return Rule(column, f"{says}. A 24-hour time written {TIME_WORDS}.")


def whole_rule(column: str, says: str, *, low: int, high: int | None = None) -> Rule:
    return Rule(column, f"{says}. A whole number, {range_words(low, high)}.")


def yes_no_rule(column: str, says: str, *, default: bool) -> Rule:
    pairs = ", ".join(f"{yes}/{no}" for yes, no in zip(YES, NO, strict=True))
    return Rule(column, f"{says}. Yes or no ({pairs}); empty means {YES[0] if default else NO[0]}.")


@dataclass
class Importer:
    """How one kind of file is read: its columns and what to do with each good row."""

    kind: str
    columns: tuple[str, ...]
    required_columns: tuple[str, ...]
    key_columns: tuple[str, ...]
    handle_row: RowHandler
    normalise_key: Callable[[Row], tuple] | None = None
    label: str = ""  # what the import page calls it, e.g. "Training records"
    after: tuple[str, ...] = ()  # kinds to import before this one (their rows are named by this kind's)
    rules: tuple[Rule, ...] = ()  # what each column may hold, for the import page
    # Rows for the downloadable template, in the order of ``columns``: clearly examples, and harmless
    # if imported by mistake. Empty for kinds whose every row changes the programme's figures.
    examples: tuple[tuple[str, ...], ...] = ()

    def __post_init__(self) -> None:
        self.label = self.label or self.kind.capitalize()

    def rule(self, column: str) -> Rule | None:
        return next((rule for rule in self.rules if rule.column == column), None)


IMPORTERS: dict[str, Importer] = {}


def register(importer: Importer) -> None:
    """Make a kind available to ``flask import-csv`` and the import page."""
    IMPORTERS[importer.kind] = importer


def kinds_in_order() -> list[str]:
    """Every registered kind, each after the kinds it comes after: the order to import a programme in."""
    ordered: list[str] = []

    def place(kind: str) -> None:
        if kind not in ordered:
            for earlier in IMPORTERS[kind].after:
                place(earlier)
            ordered.append(kind)

    for kind in IMPORTERS:
        place(kind)
    return ordered


def read_rows(data: bytes, importer: Importer) -> list[Row]:
    """Decode and split a CSV file; raise :class:`ImportFailed` for problems with the file as a whole."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ImportFailed(
            ["row 1: file: is not UTF-8 text (in Excel, save as 'CSV UTF-8 (Comma delimited)')"]
        ) from None
    if "\x00" in text:
        raise ImportFailed(["row 1: file: is not a CSV text file"])
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        records = list(reader)
    except csv.Error as exc:
        raise ImportFailed([f"row {reader.line_num}: file: cannot be read as CSV ({exc})"]) from None
    if not records or not any(cell.strip() for cell in records[0]):
        raise ImportFailed([f"row 1: file: is empty; the first row must name the columns: {', '.join(importer.columns)}"])

    header = [cell.strip().lower() for cell in records[0]]
    errors: list[str] = []
    seen: set[str] = set()
    for name in header:
        if not name:
            continue
        if name not in importer.columns:
            errors.append(f"row 1: {name}: unknown column (expected {', '.join(importer.columns)})")
        elif name in seen:
            errors.append(f"row 1: {name}: column appears twice")
        seen.add(name)
    for name in importer.required_columns:
        if name not in seen:
            errors.append(f"row 1: {name}: required column is missing")
    if errors:
        raise ImportFailed(errors)

    rows: list[Row] = []
    for index, record in enumerate(records[1:], start=2):
        if not any(cell.strip() for cell in record):
            continue  # Excel leaves blank lines at the end of sheets.
        row = Row(number=index, cells={})
        for position, cell in enumerate(record):
            if position >= len(header) or not header[position]:
                if cell.strip():
                    row.error("file", f"has a value {cell.strip()!r} in a column with no header")
                continue
            row.cells[header[position]] = cell.strip()
        # A short row (scripts often drop trailing empty cells) means empty cells, not absent
        # columns: importers use ``column in row.cells`` to tell "not in this file" from "empty".
        for name in header:
            if name:
                row.cells.setdefault(name, "")
        rows.append(row)
    return rows


def run_import(kind: str, data: bytes) -> ImportResult:
    """Import a whole file inside one transaction; commit only if every row is good."""
    importer = IMPORTERS.get(kind)
    if importer is None:
        raise ImportFailed([f"row 1: kind: {kind!r} is not one of {', '.join(kinds_in_order())}"])
    rows = read_rows(data, importer)
    result = ImportResult(kind=kind)
    errors: list[str] = []
    first_seen: dict[tuple, int] = {}
    try:
        for row in rows:
            key = tuple(row.cells.get(c, "").lower() for c in importer.key_columns)
            if importer.normalise_key is not None:
                key = importer.normalise_key(row)
            if all(key) and key in first_seen:
                row.error(importer.key_columns[0], f"repeats row {first_seen[key]} (same {' + '.join(importer.key_columns)})")
            else:
                first_seen.setdefault(key, row.number)
                importer.handle_row(row, result)  # validates every cell; stores only a clean row
            errors.extend(row.errors)
            result.rows += 1
        if not errors:
            db.session.flush()
    except SQLAlchemyError as exc:
        db.session.rollback()
        raise ImportFailed([f"row {row.number}: file: could not be stored ({exc.__class__.__name__})"]) from None
    if errors:
        db.session.rollback()
        raise ImportFailed(errors)
    audit.record("spreadsheet_imported", detail=result.summary())
    db.session.commit()
    return result
