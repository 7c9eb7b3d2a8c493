"""Writing tables for spreadsheets: text that a spreadsheet would run as a formula is made inert.

A cell starting with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return is read by Excel and
LibreOffice as a formula (or the start of one); such text gets a leading apostrophe. Numbers stay
numbers and dates stay dates.
"""

from __future__ import annotations

import io
import re
from collections.abc import Mapping
from typing import Any

import pandas as pd

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def inert(value: Any) -> Any:
    """The value, with text that would start a formula turned into plain text."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def inert_frame(frame: pd.DataFrame) -> pd.DataFrame:
    out = frame.copy()
    for column in out.columns:
        if out[column].dtype == object:
            out[column] = out[column].map(inert)
    out.columns = [inert(str(c)) for c in out.columns]
    return out


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
