"""``flask send-pulse-reminders``: open the pulses due to open, and send each pulse's one reminder (run daily from cron).

Invitations for a pulse that opens on a later day go out on the first run on or after that day; the
reminder goes on the first run in the pulse's last two days (never on the day it opened), once, to
those who have not answered. Running it twice in a day sends nothing twice.
"""

from __future__ import annotations

import click
from flask import current_app
from flask.cli import with_appcontext

from programme.evaluation.pulses import messages, open_due_pulses, remind_due_pulses
from rosters.cli import command, committed
from rosters.clock import today_uk


@command("send-pulse-reminders")
@with_appcontext
def send_pulse_reminders() -> None:
    """Send the invitations of pulses that have opened, and one reminder near each pulse's end."""
    today = today_uk()
    invited = committed(lambda: open_due_pulses(today), tell=messages)
    reminded = committed(lambda: remind_due_pulses(today), tell=messages)
    configured = bool(current_app.config.get("MAIL_SERVER"))
    click.echo(f"{len(invited)} invitation(s) and {len(reminded)} reminder(s) sent"
               + ("" if configured else " (no MAIL_SERVER: written to the log)"))
