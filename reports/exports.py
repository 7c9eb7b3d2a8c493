"""Writing tables for spreadsheets: the one writer lives in ``rosters.exports`` (programme uses it too).

Kept here under its old names, which the evaluation report and the dashboard import.
"""

from __future__ import annotations

from rosters.exports import (  # noqa: F401  (names this module has always offered)
    CSV,
    FORMULA_STARTS,
    XLSX,
    csv_bytes,
    frame_csv,
    inert,
    inert_frame,
    long_table,
    sheet_name,
    workbook,
)
