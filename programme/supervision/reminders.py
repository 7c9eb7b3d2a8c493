"""``flask send-reminders``: e-mail everyone booked on a supervision session starting soon (run from cron)."""

from __future__ import annotations

import datetime as dt

import click
from flask import current_app
from flask.cli import with_appcontext
from sqlalchemy import update

from programme.models import Booking, BookingStatus, Kind, ProgrammeSession, Status
from programme.supervision import notices
from rosters import outbox
from rosters.cli import command, fail
from rosters.clock import utcnow
from rosters.extensions import db
from rosters.models import Person

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
        .join(Person, Person.id == Booking.person_id)
        .where(
            # A deactivated person keeps their place until a lead frees it, but hears nothing more.
            Person.enabled.is_(True),
            Person.anonymised_at.is_(None),
            Booking.status == BookingStatus.BOOKED.value,
            Booking.reminder_sent_at.is_(None),
            ProgrammeSession.kind == Kind.SUPERVISION.value,
            ProgrammeSession.status == Status.SCHEDULED.value,
            ProgrammeSession.starts_at > now,
            ProgrammeSession.starts_at <= now + dt.timedelta(hours=hours),
        )
        .order_by(ProgrammeSession.starts_at, Booking.id)
    ).all()
    # Claim each reminder with a conditional UPDATE: a second run started at the same time (a slow cron
    # job overlapping the next) finds it claimed and adds nothing twice. The reminder goes into the
    # outbox in the same transaction as the mark, so it is neither lost nor repeated.
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
    outbox.post(notices.reminder(booking) for booking in due)  # sent by flask send-mail
    db.session.commit()
    click.echo(f"{len(due)} reminder(s) due; {len(due)} put in the outbox for flask send-mail")
