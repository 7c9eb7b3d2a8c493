"""Programme figures as the public contract defines them: pure functions of aggregated inputs, no Flask."""

from __future__ import annotations

import datetime as dt
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import pandas as pd

from programme.models import CATEGORY_VALUES


def _count(sessions: pd.DataFrame, **match: str) -> int:
    mask = pd.Series(True, index=sessions.index)
    for column, value in match.items():
        mask &= sessions[column] == value
    return int(sessions.loc[mask, "sessions"].sum())


def programme_metrics(
    start: dt.date,
    end: dt.date,
    *,
    teams_total: int,
    teams_covered: int,
    sessions: pd.DataFrame,
    debrief_requests: int,
    debrief_waits: pd.DataFrame,
    trained: pd.DataFrame,
) -> dict[str, Any]:
    """The ``flask metrics`` object for one inclusive period (see docs/figures.md)."""
    supervision = sessions[(sessions["kind"] == "supervision") & (sessions["status"] == "delivered")]
    debriefs = sessions[(sessions["kind"] == "debrief") & (sessions["status"] == "delivered")]
    by_category = debriefs.groupby("incident_category", dropna=True)["sessions"].sum()
    trained_by_course = dict(zip(trained["course"], trained["people"], strict=True))
    waits = debrief_waits["days"].repeat(debrief_waits["debriefs"]) if len(debrief_waits) else ()
    median = waits.median() if len(waits) else None

    return {
        "period": {"start": start.isoformat(), "end": end.isoformat()},
        "teams_total": int(teams_total),
        "teams_covered": int(teams_covered),
        "team_coverage_pct": _percent(teams_covered, teams_total),
        "supervision_sessions_delivered": int(supervision["sessions"].sum()),
        "supervision_attendances": int(supervision["attendees"].sum()),
        "debriefs_delivered": int(debriefs["sessions"].sum()),
        "debriefs_individual": _count(debriefs, format="individual"),
        "debriefs_group": _count(debriefs, format="group"),
        "debrief_requests": int(debrief_requests),
        "median_days_request_to_debrief": None if median is None else _number(median),
        "debriefs_by_category": {c: int(by_category.get(c, 0)) for c in CATEGORY_VALUES},
        "facilitators_trained_supervision": int(trained_by_course.get("peer_supervision", 0)),
        "facilitators_trained_debrief": int(trained_by_course.get("critical_incident_debrief", 0)),
        "managers_trained_supervision_skills": int(trained_by_course.get("supervision_skills", 0)),
        "sessions_cancelled": _count(sessions, status="cancelled"),
    }


def _percent(part: int, whole: int) -> float:
    """``100 * part / whole`` to 1 decimal, halves rounded up; 0.0 when ``whole`` is 0.

    Exact decimal arithmetic, not ``round()``: that rounds halves to even (1 of 16 teams,
    6.25%, would show as 6.2), whereas a spreadsheet and a reader expect 6.3.
    """
    if not whole:
        return 0.0
    exact = Decimal(100 * int(part)) / Decimal(int(whole))
    return float(exact.quantize(Decimal("0.1"), rounding=ROUND_HALF_UP))


def _number(value: float) -> int | float:
    """A whole median as an int (4, not 4.0); a half-day median stays a float."""
    value = float(value)
    return int(value) if value.is_integer() else value


# ---------------------------------------------------------------------------------------------
# Dashboard shaping (pure: DataFrames in, DataFrames out)


def month_range(start: dt.date, end: dt.date) -> list[str]:
    """Every ``YYYY-MM`` from the month of ``start`` to the month of ``end``."""
    months = pd.period_range(start=start, end=end, freq="M")
    return [str(period) for period in months]


def monthly_supervision(by_month: pd.DataFrame, months: list[str]) -> pd.DataFrame:
    """Sessions and attendances for every month in the period, 0 where none."""
    frame = by_month.set_index("month").reindex(months, fill_value=0)
    frame.index.name = "month"
    return frame.reset_index()[["month", "sessions", "attendances"]]


def coverage_matrix(
    teams: pd.DataFrame,
    team_month: pd.DataFrame,
    last: pd.DataFrame,
    months: list[str],
    end: dt.date,
    gap_days: int = 42,
) -> pd.DataFrame:
    """Team x month delivered sessions, with each team's last session and a flag for a long gap.

    A team is flagged when it has had no delivered supervision for more than ``gap_days`` before ``end``
    (or none at all).
    """
    matrix = (
        team_month.pivot_table(index="team_id", columns="month", values="sessions", aggfunc="sum", fill_value=0)
        .reindex(index=teams["team_id"], columns=months, fill_value=0)
        .fillna(0)
        .astype("int64")
    )
    matrix.columns.name = None
    out = teams.set_index("team_id")[["team", "service", "agency"]].join(matrix)
    out["sessions_in_period"] = matrix.sum(axis=1).reindex(out.index, fill_value=0).astype("int64")
    last_dates = last.set_index("team_id")["last_date"] if len(last) else pd.Series(dtype="object")
    last_sessions = [last_dates.get(team_id) for team_id in out.index]
    # Worked out on the plain list: once in a column, a missing day becomes NaN, which is neither None
    # nor more than gap_days, and a team that never had a session would go unflagged.
    days_since = [None if day is None or pd.isna(day) else (end - day).days for day in last_sessions]
    out["last_session"] = pd.Series(last_sessions, index=out.index, dtype="object")
    out["days_since"] = pd.Series(days_since, index=out.index, dtype="Int64")
    out["gap"] = [days is None or days > gap_days for days in days_since]
    return out.reset_index().sort_values(["gap", "team"], ascending=[False, True]).reset_index(drop=True)


def supervision_totals(by_month: pd.DataFrame) -> pd.DataFrame:
    """Delivered supervision per month over every team (``reports.queries.supervision_by_service_month``'s
    rows: a few per service and month, summed here without pandas' grouping, which costs more than they do)."""
    totals: dict[str, list[int]] = {}
    for month, sessions, attendances in zip(by_month["month"], by_month["sessions"], by_month["attendances"],
                                            strict=True):
        row = totals.setdefault(month, [0, 0])
        row[0] += int(sessions)
        row[1] += int(attendances)
    return pd.DataFrame([(m, n, a) for m, (n, a) in sorted(totals.items())], columns=["month", "sessions", "attendances"])


def coverage_by(groups: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    """Active teams, teams with supervision in the period, coverage % and teams over six weeks without, by
    ``keys`` (service; or agency and agency_id), from ``reports.queries.coverage_by_group``'s rows (one per
    service and agency, so a few dozen, whatever the number of teams)."""
    totals: dict[tuple, list[int]] = {}
    for row in zip(*(groups[k] for k in keys), groups["teams"], groups["covered"], groups["gaps"], strict=True):
        counts = totals.setdefault(row[:len(keys)], [0, 0, 0])
        for index, value in enumerate(row[len(keys):]):
            counts[index] += int(value)
    rows = [(*key, teams, covered, _percent(covered, teams), gaps) for key, (teams, covered, gaps) in sorted(totals.items())]
    return pd.DataFrame(rows, columns=[*keys, "teams", "covered", "coverage_pct", "gaps"])


def coverage_heatmap(by_month: pd.DataFrame, by_service: pd.DataFrame, months: list[str]) -> pd.DataFrame:
    """Service x month: delivered supervision sessions of the service's active teams (rows as in
    ``by_service``, every month, 0 where none)."""
    services = list(by_service["service"])
    cells = {(service, month): 0 for service in services for month in months}
    for service, active, month, sessions in zip(by_month["service"], by_month["active"], by_month["month"],
                                                by_month["sessions"], strict=True):
        if active and (service, month) in cells:
            cells[service, month] += int(sessions)
    return pd.DataFrame([[service, *(cells[service, month] for month in months)] for service in services],
                        columns=["service", *months])


WAIT_BUCKETS = [(0, 3, "0 to 3 days"), (4, 7, "4 to 7 days"), (8, 14, "8 to 14 days"), (15, 28, "15 to 28 days"),
                (29, None, "29 days or more")]


def wait_buckets(waits: pd.DataFrame) -> pd.DataFrame:
    """Delivered debriefs by days from request to session, in fixed bands (``waits``: days, debriefs)."""
    days = waits["days"] if len(waits) else pd.Series(dtype="int64")
    counts = waits["debriefs"] if len(waits) else pd.Series(dtype="int64")
    rows = []
    for low, high, label in WAIT_BUCKETS:
        mask = days >= low if high is None else days.between(low, high)
        rows.append({"wait": label, "debriefs": int(counts[mask].sum())})
    return pd.DataFrame(rows)


def category_table(metrics: dict[str, Any]) -> pd.DataFrame:
    """Delivered debriefs per kind of incident, by its readable label, in the contract's order."""
    from programme.models import IncidentCategory

    return pd.DataFrame(
        [{"category": IncidentCategory(key).label, "debriefs": value}
         for key, value in metrics["debriefs_by_category"].items()]
    )


# ---------------------------------------------------------------------------------------------
# Small-number suppression


def suppressed_label(threshold: int) -> str:
    return f"<{threshold}"


def suppress_groups(total: int, groups: dict[str, dict[str, int]], threshold: int) -> tuple[str | int, dict]:
    """Hide counts from 1 to ``threshold - 1``, and enough others that no hidden count can be worked out.

    ``groups`` are breakdowns that each add up to ``total`` (e.g. by format, by category). The hidden
    cells of a group add up to a known sum when the total is known, and the total is known if it is
    shown or if any group is shown in full. A known sum gives the cells away when there is one hidden
    cell, or when every way of splitting it fits the published bounds in only one way (see
    :func:`_hidden_cells_recoverable`). So: while some group gives its cells away, hide its smallest
    shown non-zero cell (or the total, if it has none; or, the total being hidden already, a cell of
    each fully shown group, through which the total is known). Returns the total and the groups with
    hidden values replaced by ``<threshold``.
    """
    label = suppressed_label(threshold)
    hidden = {(g, k) for g, cells in groups.items() for k, v in cells.items() if 0 < v < threshold}
    total_hidden = 0 < total < threshold
    while True:
        # A group of zeros tells nothing about a non-zero total: breakdowns handed in may leave some
        # sessions out (debriefs with no request date have no wait), and counting such a group as
        # revealing the total would ask for more cells to hide than exist and never finish.
        fully_shown = [
            g for g, cells in groups.items() if any(cells.values()) and not any((g, k) in hidden for k in cells)
        ]
        if total_hidden and not fully_shown:
            break  # no hidden sum is known, so no hidden cell can be worked out
        leaky = next(
            (g for g, cells in groups.items()
             if _hidden_cells_recoverable([v for k, v in cells.items() if (g, k) in hidden], threshold)),
            None,
        )
        if leaky is None:
            break
        shown = [(v, k) for k, v in groups[leaky].items() if (leaky, k) not in hidden and v > 0]
        if shown:
            hidden.add((leaky, min(shown)[1]))
        elif not total_hidden:
            total_hidden = True
        else:  # the total is only known through fully shown groups: hide one more cell in each
            for other in fully_shown:
                hidden.add((other, min((v, k) for k, v in groups[other].items() if v > 0)[1]))
    shown_groups = {g: {k: (label if (g, k) in hidden else v) for k, v in cells.items()} for g, cells in groups.items()}
    return (label if total_hidden else total), shown_groups


def _hidden_cells_recoverable(values: list[int], threshold: int) -> bool:
    """Whether a reader who knows these hidden cells' sum could work out each of them.

    Zeros are shown, so a reader knows each hidden cell is at least 1, and the label says it is below
    ``threshold``. One hidden cell is its group's remainder; two hidden cells adding up to 2 must be
    1 and 1, and two adding up to ``2 * (threshold - 1)`` must both be ``threshold - 1``.
    """
    if not values:
        return False
    known_sum = sum(int(v) for v in values)
    return len(values) == 1 or known_sum == len(values) or known_sum == len(values) * (threshold - 1)


def suppress_value(value: int, threshold: int) -> str | int:
    """A single count standing alone: hidden if from 1 to ``threshold - 1``."""
    return suppressed_label(threshold) if 0 < value < threshold else value
