"""Plotly chart specifications for the dashboard, drawn in the browser by plotly.js (static/charts.js).

They are plain plotly figure dictionaries rather than ``plotly.graph_objects`` figures: building and
validating graph objects cost more than all the dashboard's SQL together on a large programme.
"""

from __future__ import annotations

import json
import textwrap
from typing import Any

import pandas as pd

BLUE, DARK_BLUE, ORANGE, GREEN = "#1d70b8", "#003078", "#f47738", "#00703c"
FONT = {"family": "GDS Transport, arial, sans-serif", "size": 14, "color": "#0b0c0c"}
Figure = dict[str, Any]


def _layout(height: int = 360, **extra: Any) -> dict[str, Any]:
    axis = {"automargin": True, "gridcolor": "#f3f2f1", "zerolinecolor": "#b1b4b6"}
    layout = {
        "font": FONT, "height": height, "margin": {"l": 10, "r": 10, "t": 10, "b": 10},
        "plot_bgcolor": "#ffffff", "paper_bgcolor": "#ffffff", "legend": {"orientation": "h", "y": -0.2},
        "hoverlabel": {"font": FONT}, "xaxis": dict(axis), "yaxis": {**axis, "rangemode": "tozero"},
    }
    for key, value in extra.items():
        layout[key] = {**layout.get(key, {}), **value} if isinstance(value, dict) else value
    return layout


def _values(series: pd.Series) -> list:
    """JSON-ready values; hidden (suppressed) counts arrive as NaN and are drawn as gaps."""
    return [None if pd.isna(v) else (v.item() if hasattr(v, "item") else v) for v in series]


def _count_axis(values: pd.Series) -> dict[str, Any]:
    """Axis settings for whole counts: no "0.5 sessions" ticks when the numbers are small."""
    largest = pd.to_numeric(values, errors="coerce").max()
    settings: dict[str, Any] = {"tickformat": ",d", "rangemode": "tozero"}
    if pd.isna(largest) or largest <= 5:
        settings["dtick"] = 1
    return settings


def _wrap(label: str, width: int = 22) -> str:
    # Long category names on several lines, so that on a phone they leave room for the bars.
    return "<br>".join(textwrap.wrap(label, width)) or label


def to_json(fig: Figure) -> str:
    # Escaping "<" keeps the JSON inert inside a <script type="application/json"> block.
    return json.dumps(fig).replace("<", "\\u003c")


def supervision_chart(monthly: pd.DataFrame) -> Figure:
    months = list(monthly["month"])
    return {
        "data": [
            {"type": "bar", "x": months, "y": _values(monthly["sessions"]), "name": "Sessions delivered",
             "marker": {"color": BLUE}},
            {"type": "scatter", "mode": "lines+markers", "x": months, "y": _values(monthly["attendances"]),
             "name": "Attendances", "yaxis": "y2", "line": {"color": ORANGE, "width": 3}},
        ],
        "layout": _layout(
            yaxis={"title": {"text": "Sessions"}, **_count_axis(monthly["sessions"])},
            # Attendances tick on their own scale: synced to the sessions' gridlines they read 11.2, 22.3...
            yaxis2={"title": {"text": "Attendances"}, "overlaying": "y", "side": "right", "tickmode": "auto",
                    "showgrid": False, "automargin": True, **_count_axis(monthly["attendances"])},
        ),
    }


def coverage_chart(heatmap: pd.DataFrame, by_service: pd.DataFrame, months: list[str]) -> Figure:
    """Service x month: supervision sessions delivered per active team of the service (a team meeting every
    four weeks has about one a month), so that services of any size compare.

    One row a service, however many teams: the teams themselves are listed, a page at a time, beside it.
    """
    teams = dict(zip(by_service["service"], by_service["teams"], strict=True))
    services = list(heatmap["service"]) if len(heatmap) else []
    counts = heatmap[months].to_numpy().tolist() if months and services else []
    z = [[round(n / teams[service], 2) if teams[service] else 0 for n in row]
         for service, row in zip(services, counts, strict=True)]
    text = [[f"{n:,} sessions, {teams[service]:,} teams" for n in row] for service, row in zip(services, counts, strict=True)]
    return {
        "data": [{
            "type": "heatmap", "z": z, "x": months, "y": [service or "No service" for service in services],
            "text": text, "zmin": 0, "zmax": 1.5, "xgap": 2, "ygap": 2,
            "colorscale": [[0, "#f3f2f1"], [0.5, "#5694ca"], [1, DARK_BLUE]],
            "colorbar": {"title": {"text": "Sessions per team"}, "tickvals": [0, 0.5, 1, 1.5],
                         "ticktext": ["0", "0.5", "1", "1.5+"]},
            "hovertemplate": "%{y}<br>%{x}: %{z} per team (%{text})<extra></extra>",
        }],
        "layout": _layout(height=max(260, 32 * len(services) + 120), yaxis={"autorange": "reversed"}),
    }


def category_chart(categories: pd.DataFrame) -> Figure:
    return {
        "data": [{"type": "bar", "orientation": "h", "x": _values(categories["debriefs"]),
                  "y": [_wrap(c) for c in categories["category"]], "marker": {"color": BLUE}}],
        "layout": _layout(height=340, yaxis={"autorange": "reversed"}, xaxis=_count_axis(categories["debriefs"])),
    }


def wait_chart(buckets: pd.DataFrame) -> Figure:
    return {
        "data": [{"type": "bar", "x": list(buckets["wait"]), "y": _values(buckets["debriefs"]),
                  "marker": {"color": GREEN}}],
        "layout": _layout(height=300, yaxis={"title": {"text": "Debriefs"}, **_count_axis(buckets["debriefs"])}),
    }


def load_chart(load: pd.DataFrame, limit: int = 20) -> Figure:
    top = load.head(limit)
    names = list(top["facilitator"])
    return {
        "data": [
            {"type": "bar", "orientation": "h", "y": names, "x": _values(top["supervision"]), "name": "Supervision",
             "marker": {"color": BLUE}},
            {"type": "bar", "orientation": "h", "y": names, "x": _values(top["debrief"]), "name": "Debriefs",
             "marker": {"color": ORANGE}},
        ],
        "layout": _layout(height=max(260, 26 * len(top) + 100), barmode="stack", yaxis={"autorange": "reversed"}),
    }
