"""Workforce outcome rates, their intervals and small-number hiding: pure functions, no database, no Flask.

Rates follow the contract (docs/figures.md): days lost to sickness per FTE per year is
``12 * sum(sickness_days) / sum(fte)`` and turnover per year is ``100 * 12 * sum(leavers) / sum(fte)``,
each over a set of team-months, one decimal with halves rounded up, None over no team-months.

Intervals are a cluster bootstrap over teams: teams are drawn with replacement (a team brings all its
team-months in the set), the rate is worked out again, 2,000 times with a fixed seed, and the 2.5th and
97.5th percentiles are the approximate 95% interval. See docs/figures.md for what that assumes.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import numpy as np
import pandas as pd

BOOTSTRAP_DRAWS = 2000
BOOTSTRAP_SEED = 20250101  # fixed: the same data always gives the same interval
SUMS = ("team_months", "fte", "sickness_days", "leavers")
GROUPS = ("supported", "unsupported")
PHASES = ("before_first_session", "after_first_session")


def _exact(value: float) -> Decimal:
    """A database sum as a decimal, without the float noise of adding 0.1s (inputs have few decimals)."""
    return Decimal(repr(float(value))).quantize(Decimal("0.000001"))


def round_half_up(value: Decimal | float) -> float:
    exact = value if isinstance(value, Decimal) else Decimal(repr(float(value)))
    return float(exact.quantize(Decimal("0.1"), rounding=ROUND_HALF_UP))


def days_lost_rate(sickness_days: float, fte: float, team_months: int) -> float | None:
    """``12 * sickness_days / fte``, one decimal; None with no team-months."""
    if not team_months or not fte:
        return None
    return round_half_up(Decimal(12) * _exact(sickness_days) / _exact(fte))


def turnover_rate(leavers: float, fte: float, team_months: int) -> float | None:
    """``100 * 12 * leavers / fte``, one decimal; None with no team-months."""
    if not team_months or not fte:
        return None
    return round_half_up(Decimal(1200) * _exact(leavers) / _exact(fte))


def bootstrap_interval(numerators: np.ndarray, denominators: np.ndarray, scale: float) -> list[float] | None:
    """Approximate 95% interval for ``scale * sum(num) / sum(den)``, resampling the rows (teams).

    None when the bootstrap cannot show any uncertainty: fewer than two teams, or no events at all
    (every resample would give the same rate, which is not the same as knowing it exactly).
    """
    count = len(numerators)
    if count < 2 or not np.any(numerators > 0):
        return None
    rng = np.random.default_rng(BOOTSTRAP_SEED)
    picks = rng.integers(0, count, size=(BOOTSTRAP_DRAWS, count))
    rates = scale * numerators[picks].sum(axis=1) / denominators[picks].sum(axis=1)
    low, high = np.percentile(rates, [2.5, 97.5])
    return [round_half_up(low), round_half_up(high)]


def group_stats(per_team: pd.DataFrame) -> dict[str, Any]:
    """Counts, both rates and their intervals for one set of team-months, given one row per team.

    ``per_team`` has columns team_id, team_months, fte, sickness_days, leavers (sums over the set).
    """
    team_months = int(per_team["team_months"].sum()) if len(per_team) else 0
    fte = float(per_team["fte"].sum()) if len(per_team) else 0.0
    sickness = float(per_team["sickness_days"].sum()) if len(per_team) else 0.0
    leavers = int(per_team["leavers"].sum()) if len(per_team) else 0
    den = per_team["fte"].to_numpy(dtype=float)
    return {
        "team_months": team_months,
        "teams": int(per_team["team_id"].nunique()) if len(per_team) else 0,
        "fte_months": round(fte, 2),
        "sickness_days": round(sickness, 2),
        "leavers": leavers,
        "days_lost_per_fte_year": days_lost_rate(sickness, fte, team_months),
        "days_lost_interval": bootstrap_interval(per_team["sickness_days"].to_numpy(dtype=float), den, 12.0)
        if team_months else None,
        "turnover_pct_year": turnover_rate(leavers, fte, team_months),
        "turnover_interval": bootstrap_interval(per_team["leavers"].to_numpy(dtype=float), den, 1200.0)
        if team_months else None,
    }


def _per_team(rows: pd.DataFrame) -> pd.DataFrame:
    if not len(rows):
        return pd.DataFrame(columns=["team_id", *SUMS])
    return rows.groupby("team_id", as_index=False)[list(SUMS)].sum()


def split_stats(rows: pd.DataFrame) -> dict[str, dict[str, Any]]:
    """Supported and unsupported, then before and after each team's first delivered supervision session.

    ``rows``: team_id, month, service, supported (0/1), after_first (0/1, or None for a team that has
    never had a delivered supervision session), and the sums. Teams with no session ever are in neither
    phase: they have no "after" to compare with.
    """
    supported = rows["supported"].astype(int) == 1 if len(rows) else pd.Series(dtype=bool)
    after = pd.to_numeric(rows["after_first"], errors="coerce") if len(rows) else pd.Series(dtype=float)
    return {
        "supported": group_stats(_per_team(rows[supported])),
        "unsupported": group_stats(_per_team(rows[~supported])),
        "before_first_session": group_stats(_per_team(rows[after == 0])),
        "after_first_session": group_stats(_per_team(rows[after == 1])),
    }


def breakdown(rows: pd.DataFrame, by: str, keys: list[str]) -> list[dict[str, Any]]:
    """Supported and unsupported stats for each value of ``by`` (in the order of ``keys``)."""
    out = []
    for key in keys:
        part = rows[rows[by] == key] if len(rows) else rows
        for group, stats in list(split_stats(part).items())[:2]:
            out.append({by: key, "group": group, **stats})
    return out


def period_label(month: str, by_quarter: bool) -> str:
    """``2025-04`` as itself, or as its quarter ``2025 Q2``."""
    if not by_quarter:
        return month
    year, number = month.split("-")
    return f"{year} Q{(int(number) - 1) // 3 + 1}"


# ---------------------------------------------------------------------------------------------
# Small numbers, for managers


HIDDEN = "hidden"


def hide_small(stats: dict[str, Any], threshold: int) -> dict[str, Any]:
    """A manager's copy of one row: rates from few team-months or few leavers are not shown.

    Under ``threshold`` team-months, both rates, their intervals, the sickness days and the leavers are
    hidden (a month or two of one small team is a handful of people). Otherwise leavers from 1 to
    ``threshold - 1`` are hidden, and the turnover rate and interval with them (the rate and the
    FTE-months shown beside it would give the leavers back). Team-months and FTE-months stay shown:
    they describe the team, not a person. ``hidden`` lists what was hidden: ``days_lost``, ``turnover``.
    """
    shown = dict(stats, hidden=[])
    if 0 < stats["team_months"] < threshold:
        _hide(shown, "days_lost")
        _hide(shown, "turnover")
    elif 0 < stats["leavers"] < threshold:
        _hide(shown, "turnover")
    return shown


def _hide(shown: dict[str, Any], kind: str) -> None:
    if kind in shown["hidden"]:
        return
    if kind == "days_lost":
        shown.update(days_lost_per_fte_year=None, days_lost_interval=None, sickness_days=HIDDEN)
    else:
        shown.update(turnover_pct_year=None, turnover_interval=None, leavers=HIDDEN)
    shown["hidden"] = [*shown["hidden"], kind]


def hide_together(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Rows whose counts add up to the same total: a figure hidden in one is hidden in all of them.

    Otherwise a hidden count could be worked out by taking the shown ones from the total (supported
    plus unsupported leavers equal before plus after; the months add up to the period).
    """
    for kind in ("days_lost", "turnover"):
        if any(kind in row["hidden"] for row in rows):
            for row in rows:
                _hide(row, kind)
    return rows
