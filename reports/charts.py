"""Plotly figures for the dashboard. Each is sent as JSON and drawn by static/charts.js (no inline script)."""

from __future__ import annotations

import json

import pandas as pd
import plotly.graph_objects as go
from plotly.utils import PlotlyJSONEncoder

BLUE, DARK_BLUE, ORANGE, GREEN, RED, GREY = "#1d70b8", "#003078", "#f47738", "#00703c", "#d4351c", "#b1b4b6"
FONT = dict(family="GDS Transport, arial, sans-serif", size=14, color="#0b0c0c")


def _layout(fig: go.Figure, height: int = 360) -> go.Figure:
    fig.update_layout(
        font=FONT, height=height, margin=dict(l=10, r=10, t=10, b=10), plot_bgcolor="#ffffff",
        paper_bgcolor="#ffffff", legend=dict(orientation="h", y=-0.2), hoverlabel=dict(font=FONT),
    )
    fig.update_xaxes(automargin=True, gridcolor="#f3f2f1")
    fig.update_yaxes(automargin=True, gridcolor="#f3f2f1", rangemode="tozero")
    return fig


def to_json(fig: go.Figure) -> str:
    # Escaping "<" keeps the JSON inert inside a <script type="application/json"> block.
    return json.dumps(fig.to_plotly_json(), cls=PlotlyJSONEncoder).replace("<", "\\u003c")


def supervision_chart(monthly: pd.DataFrame) -> go.Figure:
    fig = go.Figure()
    fig.add_bar(x=monthly["month"], y=monthly["sessions"], name="Sessions delivered", marker_color=BLUE)
    fig.add_scatter(x=monthly["month"], y=monthly["attendances"], name="Attendances", yaxis="y2",
                    mode="lines+markers", line=dict(color=ORANGE, width=3))
    fig.update_layout(yaxis=dict(title="Sessions"), yaxis2=dict(title="Attendances", overlaying="y", side="right",
                                                                rangemode="tozero"))
    return _layout(fig)


def coverage_chart(coverage: pd.DataFrame, months: list[str]) -> go.Figure:
    labels = [("⚠ " if gap else "") + team for team, gap in zip(coverage["team"], coverage["gap"], strict=True)]
    z = coverage[months].clip(upper=2).to_numpy() if months else [[]]
    fig = go.Figure(
        go.Heatmap(
            z=z, x=months, y=labels, zmin=0, zmax=2, xgap=2, ygap=2,
            colorscale=[[0, "#f3f2f1"], [0.5, "#5694ca"], [1, DARK_BLUE]],
            colorbar=dict(title="Sessions", tickvals=[0, 1, 2], ticktext=["0", "1", "2+"]),
            hovertemplate="%{y}<br>%{x}: %{z} session(s)<extra></extra>",
        )
    )
    fig.update_yaxes(autorange="reversed")
    return _layout(fig, height=max(260, min(24 * len(labels) + 80, 2400)))


def category_chart(categories: pd.DataFrame) -> go.Figure:
    fig = go.Figure(go.Bar(x=categories["debriefs"], y=categories["category"], orientation="h", marker_color=BLUE))
    fig.update_yaxes(autorange="reversed")
    return _layout(fig, height=300)


def wait_chart(buckets: pd.DataFrame) -> go.Figure:
    fig = go.Figure(go.Bar(x=buckets["wait"], y=buckets["debriefs"], marker_color=GREEN))
    fig.update_yaxes(title="Debriefs")
    return _layout(fig, height=300)


def load_chart(load: pd.DataFrame, limit: int = 20) -> go.Figure:
    top = load.head(limit)
    fig = go.Figure()
    fig.add_bar(y=top["facilitator"], x=top["supervision"], name="Supervision", orientation="h", marker_color=BLUE)
    fig.add_bar(y=top["facilitator"], x=top["debrief"], name="Debriefs", orientation="h", marker_color=ORANGE)
    fig.update_layout(barmode="stack")
    fig.update_yaxes(autorange="reversed")
    return _layout(fig, height=max(260, 26 * len(top) + 100))
