"""The session table for analysts: one row per session, coarsened until no row stands out.

A session's date, team, format and kind of incident together can say who was there (a debrief about
serious violence in a team of six on a given day). So the table holds the month (never the day) and
the service and agency (never the team), and every combination of what could identify
(period, service, agency, kind, format, status, kind of incident) is shared by at least ``threshold``
sessions: rarer rows are made vaguer one column at a time (the kind of incident, then the format,
then service and agency, then the month becomes its quarter), and rows still rare after that are left
out. Pure pandas: no database, no Flask.
"""

from __future__ import annotations

import pandas as pd

NOT_SHOWN = "not shown"
KEYS = ["period", "service", "agency", "kind", "format", "status", "incident_category"]
COLUMNS = [*KEYS, "attendees", "duration_minutes"]
# Made vaguer in this order, each step only for the rows still in a rare combination.
STEPS: list[tuple[str, ...]] = [("incident_category",), ("format",), ("service", "agency"), ("period",)]


def _rare(frame: pd.DataFrame, threshold: int) -> pd.Series:
    sizes = frame.groupby(KEYS, dropna=False)["kind"].transform("size")
    return sizes < threshold


def _quarter(period: str) -> str:
    if period == NOT_SHOWN or "-Q" in period:
        return period
    return str(pd.Period(period, freq="M").asfreq("Q"))


def coarsened(sessions: pd.DataFrame, threshold: int) -> tuple[pd.DataFrame, int]:
    """The table and how many sessions were left out because even the vaguest row would be rare.

    ``sessions`` has ``date``, ``kind``, ``format``, ``service``, ``agency``, ``status``, ``attendees``,
    ``duration_minutes`` and ``incident_category`` (empty for supervision).
    """
    if not len(sessions):
        return pd.DataFrame(columns=COLUMNS), 0
    frame = pd.DataFrame({
        "period": [f"{day:%Y-%m}" for day in sessions["date"]],
        "service": sessions["service"].fillna("").astype(str),
        "agency": sessions["agency"].fillna("").astype(str),
        "kind": sessions["kind"].astype(str),
        "format": sessions["format"].astype(str),
        "status": sessions["status"].astype(str),
        "incident_category": sessions["incident_category"].fillna("").astype(str),
        "attendees": pd.to_numeric(sessions["attendees"], errors="coerce"),
        "duration_minutes": pd.to_numeric(sessions["duration_minutes"], errors="coerce"),
    })
    for columns in STEPS:
        rare = _rare(frame, threshold)
        if not rare.any():
            break
        for column in columns:
            if column == "period":
                frame.loc[rare, column] = frame.loc[rare, column].map(_quarter)
            else:
                frame.loc[rare & (frame[column] != ""), column] = NOT_SHOWN
    rare = _rare(frame, threshold)
    # Sorted on every column, so that the order of rows says nothing about the order of dates.
    kept = frame[~rare].sort_values(COLUMNS, na_position="first").reset_index(drop=True)
    for column in ("attendees", "duration_minutes"):
        kept[column] = pd.Series([None if pd.isna(v) else int(v) for v in kept[column]], dtype="object")
    return kept[COLUMNS], int(rare.sum())
