"""``flask metrics`` and ``flask outcomes``: the programme figures and workforce outcomes for a period, as JSON."""

from __future__ import annotations

import json

import click
from flask.cli import with_appcontext

from reports.metrics import PeriodError, metrics_for_period, parse_period
from reports.outcomes import outcomes_for_period
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


@command("outcomes")
@click.option("--start", default=None, help="A day in the first month, YYYY-MM-DD (required).")
@click.option("--end", default=None, help="A day in the last month, YYYY-MM-DD (required).")
@with_appcontext
def outcomes(start: str | None, end: str | None) -> None:
    """Print sickness and turnover with and without regular supervision, for the months START..END."""
    try:
        first, last = parse_period(start, end)
    except PeriodError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(json.dumps(outcomes_for_period(first, last)))
