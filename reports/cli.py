"""``flask metrics``: the programme figures for a period, as one JSON object."""

from __future__ import annotations

import json

import click
from flask.cli import with_appcontext

from reports.metrics import PeriodError, metrics_for_period, parse_period
from rosters.cli import command


@command("metrics")
@click.option("--start", default=None, help="First day, YYYY-MM-DD (required).")
@click.option("--end", default=None, help="Last day, YYYY-MM-DD, inclusive (required).")
@with_appcontext
def metrics(start: str | None, end: str | None) -> None:
    """Print the programme figures for the inclusive period START..END."""
    try:
        first, last = parse_period(start, end)
    except PeriodError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(json.dumps(metrics_for_period(first, last)))

