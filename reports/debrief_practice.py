"""Debrief practice: how debriefs logged in the service closed, and whether they were held within target.

For the dashboard and the board report only (never ``flask metrics`` or the API: docs/debrief-journey.md).
Delivered debriefs in the period that came through the service (a ``DebriefRequest`` and its delivered
session, by the session's date; imported sessions have no request), narrowed to the dashboard's teams by
the session's team as the other debrief figures are:

- closed with a safe and uplifting topic: yes, no, not recorded (logs from before the question was asked);
- held within the standard target: the session on or before ``DEBRIEF_SESSION_WORKING_DAYS`` working days
  after the request (``programme.dates.working_days_after``);
- held within the agreed target: on or before the later date agreed with the people affected, where a lead
  agreed one, else the standard target.

Shown beyond leads (``suppress``), the figures appear only when, in every month of the window, every count
they are made of (and the count of delivered debriefs that did not come through the service, the difference
between these figures and the "Debriefs delivered" tile) is 0 or at least the threshold. Every window shown
is a union of whole months (``reports.windows``), so no difference of two views is a small number.

SQL -> a frame of counts (``load_practice``) -> a pure figure (``practice_figures``), as ``reports.queries``
and ``reports.figures`` do.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pandas as pd
from flask import current_app
from sqlalchemy import func

from programme.dates import working_days_after
from programme.debriefs.models import DebriefRequest
from programme.models import Kind, ProgrammeSession, Status
from rosters.extensions import db

COLUMNS = ["date", "requested_on", "agreed_due", "closed", "debriefs"]


def load_practice(start: dt.date, end: dt.date, team_ids: list[int] | None = None) -> pd.DataFrame:
    """Delivered debriefs in the period, counted by session date, request date, agreed date and the close.

    One statement. Debriefs with no request (imported) come back with an empty ``requested_on``: they are
    not in the figures, but suppression needs their number.
    """
    s, r = ProgrammeSession, DebriefRequest
    where = s.date.between(start, end) & (s.kind == Kind.DEBRIEF.value) & (s.status == Status.DELIVERED.value)
    if team_ids is not None:
        where = where & s.team_id.in_(team_ids)
    rows = db.session.execute(
        db.select(s.date, r.requested_on, r.agreed_session_due, r.closed_safe_uplifting, func.count())
        .select_from(s)
        .outerjoin(r, r.session_id == s.id)
        .where(where)
        .group_by(s.date, r.requested_on, r.agreed_session_due, r.closed_safe_uplifting)
    ).all()
    return pd.DataFrame([tuple(row) for row in rows], columns=COLUMNS)


def standard_targets(requested: list[dt.date], days: int) -> dict[dt.date, dt.date]:
    """``programme.dates.working_days_after(day, days)`` for each distinct request date (each costs microseconds:
    the bank-holiday calendar is worked out once per year)."""
    return {day: working_days_after(day, days) for day in set(requested)}


@dataclass(frozen=True)
class DebriefPractice:
    """The figures as shown. ``shown`` is False when suppression hides them all (see the module's note)."""

    closed_yes: int
    closed_no: int
    closed_not_recorded: int
    held: int  # delivered debriefs that came through the service: the "of" in both targets
    within_standard: int
    within_agreed: int
    standard_days: int
    shown: bool = True


def _known(value) -> bool:
    return value is not None and not pd.isna(value)


def _cells(frame: pd.DataFrame, days: int) -> pd.DataFrame:
    """The month of each row of counts and the cell it counts in for each group: the close (yes, no,
    not_recorded), the standard and the agreed target (within, late); "outside" for debriefs with no request."""
    targets = standard_targets([day for day in frame["requested_on"] if _known(day)], days)
    rows = []
    for day, requested, agreed_due, closed, count in frame[COLUMNS].itertuples(index=False):
        month = f"{day:%Y-%m}"
        if not _known(requested):
            rows.append((month, "outside", "outside", "outside", count))
            continue
        standard = targets[requested]
        agreed = agreed_due if _known(agreed_due) else standard
        close = ("yes" if bool(closed) else "no") if _known(closed) else "not_recorded"
        rows.append((month, close, "within" if day <= standard else "late", "within" if day <= agreed else "late",
                     int(count)))
    return pd.DataFrame(rows, columns=["month", "close", "standard", "agreed", "debriefs"])


def practice_figures(frame: pd.DataFrame, days: int, *, suppress: bool = False, threshold: int = 5) -> DebriefPractice:
    """The figures from ``load_practice``'s frame; with ``suppress``, hidden unless every monthly count is safe."""
    if frame.empty:
        return DebriefPractice(0, 0, 0, 0, 0, 0, days)
    cells = _cells(frame, days)
    ours = cells[cells["close"] != "outside"]

    def total(column: str, value: str) -> int:
        return int(ours.loc[ours[column] == value, "debriefs"].sum())

    figures = DebriefPractice(total("close", "yes"), total("close", "no"), total("close", "not_recorded"),
                              int(ours["debriefs"].sum()), total("standard", "within"), total("agreed", "within"), days)
    if suppress:
        for column in ("close", "standard", "agreed"):
            monthly = cells.groupby(["month", column])["debriefs"].sum()
            if ((monthly > 0) & (monthly < threshold)).any():
                return DebriefPractice(0, 0, 0, 0, 0, 0, days, shown=False)
    return figures


def for_dashboard(start: dt.date, end: dt.date, team_ids: list[int] | None, *, suppress: bool) -> DebriefPractice:
    """What the dashboard and board report show (one SQL statement), with the service's target and threshold."""
    config = current_app.config
    return practice_figures(load_practice(start, end, team_ids), config["DEBRIEF_SESSION_WORKING_DAYS"],
                            suppress=suppress, threshold=config["SUPPRESSION_THRESHOLD"])
