"""The one writer for every CSV and XLSX the product hands out: nothing in them runs as a formula.

A cell starting with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return is read by Excel and
LibreOffice as a formula (or the start of one); such text gets a leading apostrophe. Numbers stay
numbers and dates stay dates: in a CSV they are written as plain numbers and ISO dates, in a workbook
as number and date cells. CSV files are UTF-8 with a byte-order mark (so that Excel reads them) and one
header row, so that ``pandas.read_csv`` reads each in one call.

It lives in rosters so that programme (the learning log, the feedback summary) and reports (figures,
the evaluation report) share it: dependencies run one way.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import math
import re
from collections.abc import Iterable, Mapping, Sequence
from decimal import Decimal
from typing import Any

import pandas as pd

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
CSV = "text/csv"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def inert(value: Any) -> Any:
    """The value, with text that would start a formula turned into plain text."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def inert_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy whose text cells and column names are inert; numbers and dates are left as they are."""
    out = frame.copy()
    for column in out.columns:
        if out[column].dtype == object or pd.api.types.is_string_dtype(out[column]):
            out[column] = out[column].map(inert)
    out.columns = [inert(str(c)) for c in out.columns]
    return out


def csv_cell(value: Any) -> Any:
    """One CSV cell: empty for nothing, ISO for dates, a plain number for numbers, inert text otherwise."""
    if value is None or value is pd.NA or value is pd.NaT:
        return ""
    if isinstance(value, bool):  # before int: a bool is an int to Python
        return "yes" if value else "no"
    if isinstance(value, (int, Decimal)):
        return value
    if isinstance(value, float):
        return "" if math.isnan(value) else (int(value) if value.is_integer() and abs(value) < 2**53 else value)
    if hasattr(value, "item") and not isinstance(value, str):  # numpy scalars
        return csv_cell(value.item())
    if isinstance(value, pd.Timestamp):
        value = value.to_pydatetime()
    if isinstance(value, (dt.date, dt.datetime, dt.time)):
        return value.isoformat()
    return inert(str(value))


def csv_bytes(columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> bytes:
    """A CSV file: a header row, then the rows, every cell through :func:`csv_cell`."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)  # \r\n line ends, as Excel writes them
    writer.writerow([inert(str(c)) for c in columns])
    for row in rows:
        writer.writerow([csv_cell(value) for value in row])
    return buffer.getvalue().encode("utf-8-sig")


def frame_csv(frame: pd.DataFrame) -> bytes:
    """A DataFrame as a CSV file (without its index)."""
    return csv_bytes([str(c) for c in frame.columns], frame.itertuples(index=False, name=None))


def sheet_name(name: str, taken: set[str]) -> str:
    """A name Excel accepts: none of ``[]:*?/\\``, at most 31 characters, and not already used."""
    base = re.sub(r"[\[\]:*?/\\]", " ", name).strip(" '")[:31] or "Sheet"
    candidate, number = base, 1
    while candidate.lower() in taken:
        number += 1
        candidate = f"{base[:28]} {number}"
    taken.add(candidate.lower())
    return candidate


def workbook(sheets: Mapping[str, pd.DataFrame]) -> bytes:
    """An XLSX file with one sheet a table."""
    stream = io.BytesIO()
    taken: set[str] = set()
    with pd.ExcelWriter(stream, engine="openpyxl") as writer:
        for name, frame in sheets.items():
            inert_frame(frame).to_excel(writer, sheet_name=sheet_name(name, taken), index=False)
    return stream.getvalue()


def long_table(tables: Mapping[str, pd.DataFrame]) -> pd.DataFrame:
    """Several tables as one tidy table: ``table``, ``row`` (from 1), ``label`` (the row's first cell),
    ``column`` and ``value``, one line per cell after the first. Pivoting one table's lines on ``row``
    and ``column`` gives the table back."""
    lines: list[tuple[Any, ...]] = []
    for name, frame in tables.items():
        columns = [str(c) for c in frame.columns]
        for number, row in enumerate(frame.itertuples(index=False, name=None), start=1):
            label = row[0] if row else ""
            for column, value in zip(columns[1:], row[1:], strict=True):
                lines.append((name, number, label, column, value))
    return pd.DataFrame(lines, columns=["table", "row", "label", "column", "value"], dtype="object")
