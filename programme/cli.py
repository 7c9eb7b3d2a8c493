"""``flask send-reminders``: e-mail everyone booked on a supervision session starting soon (run from cron)."""

from __future__ import annotations

import datetime as dt

import click
from flask import Flask, current_app
from flask.cli import with_appcontext

from programme import mail, notices
from programme.models import Booking, BookingStatus, Kind, ProgrammeSession, Status
from rosters.cli import command
from rosters.extensions import db
from rosters.models import utcnow


@command("send-reminders")
@click.option("--hours", type=int, default=None, help="Remind about sessions starting within this many hours.")
@with_appcontext
def send_reminders(hours: int | None) -> None:
    """Send one reminder per booked place for sessions starting within the next HOURS (default 24)."""
    hours = hours if hours is not None else current_app.config["REMINDER_HOURS"]
    if not 1 <= hours <= 24 * 14:
        raise click.ClickException("--hours must be between 1 and 336")
    now = utcnow()
    due = db.session.scalars(
        db.select(Booking)
        .join(ProgrammeSession, ProgrammeSession.id == Booking.session_id)
        .where(
            Booking.status == BookingStatus.BOOKED.value,
            Booking.reminder_sent_at.is_(None),
            ProgrammeSession.kind == Kind.SUPERVISION.value,
            ProgrammeSession.status == Status.SCHEDULED.value,
            ProgrammeSession.starts_at > now,
            ProgrammeSession.starts_at <= now + dt.timedelta(hours=hours),
        )
        .order_by(ProgrammeSession.starts_at, Booking.id)
    ).all()
    messages = [notices.reminder(booking) for booking in due]
    # Mark first, then send: a crash between the two loses a reminder rather than sending it twice.
    for booking in due:
        booking.reminder_sent_at = now
    db.session.commit()
    sent = mail.send(messages)
    configured = bool(current_app.config.get("MAIL_SERVER"))
    click.echo(f"{len(due)} reminder(s) due; {sent if configured else 0} sent by e-mail"
               + ("" if configured else " (no MAIL_SERVER: written to the log)"))


def register_commands(app: Flask) -> None:
    app.cli.add_command(send_reminders)
