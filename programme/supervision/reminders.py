"""``flask send-reminders``: e-mail everyone booked on a supervision session starting soon (run from cron)."""

from __future__ import annotations

import datetime as dt

import click
from flask import current_app
from flask.cli import with_appcontext
from sqlalchemy import update

from programme.models import Booking, BookingStatus, Kind, ProgrammeSession, Status
from programme.supervision import notices
from rosters import mail
from rosters.cli import command, fail
from rosters.clock import utcnow
from rosters.extensions import db

MAX_HOURS = 24 * 14  # a fortnight ahead at most


@command("send-reminders")
@click.option("--hours", type=click.IntRange(1, MAX_HOURS), default=None,
              help="Remind about sessions starting within this many hours (default REMINDER_HOURS, 24).")
@with_appcontext
def send_reminders(hours: int | None) -> None:
    """Send one reminder per booked place for sessions starting within the next HOURS (default 24)."""
    hours = hours if hours is not None else current_app.config["REMINDER_HOURS"]
    if not 1 <= hours <= MAX_HOURS:  # REMINDER_HOURS is checked here too: it is not the option's to check
        fail(f"REMINDER_HOURS must be between 1 and {MAX_HOURS}, not {hours}")
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
    # Claim each reminder with a conditional UPDATE before sending: a second run started at the same
    # time (a slow cron job overlapping the next) finds it claimed and sends nothing twice. Marking
    # first also means a crash between marking and sending loses a reminder rather than repeating it.
    claimed = []
    for booking in due:
        result = db.session.execute(
            update(Booking)
            .where(Booking.id == booking.id, Booking.reminder_sent_at.is_(None))
            .values(reminder_sent_at=now)
            .execution_options(synchronize_session=False)
        )
        if result.rowcount == 1:
            claimed.append(booking)
    due = claimed
    messages = [notices.reminder(booking) for booking in due]
    db.session.commit()
    outcomes = mail.deliver(messages)
    # A message the server did not take (unreachable, refused) is unmarked, so the next run tries again
    # instead of the reminder being lost for good. Logged ones (no MAIL_SERVER) count as handled.
    undelivered = [booking for booking, outcome in zip(due, outcomes, strict=True) if outcome is False]
    for booking in undelivered:
        booking.reminder_sent_at = None
    if undelivered:
        db.session.commit()
    sent = sum(1 for outcome in outcomes if outcome is True)
    configured = bool(current_app.config.get("MAIL_SERVER"))
    click.echo(f"{len(due)} reminder(s) due; {sent} sent by e-mail"
               + ("" if configured else " (no MAIL_SERVER: written to the log)")
               + (f"; {len(undelivered)} will be tried again next run" if undelivered else ""))
