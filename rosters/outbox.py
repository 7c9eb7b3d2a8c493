"""The outbox: every e-mail is stored with the change it reports, and sent later by ``flask send-mail``.

``post`` adds messages to the current transaction, so they exist exactly when the change does, and no
page or API request waits on the mail server. ``send_due`` claims what is due (a conditional UPDATE, so
two senders never send one message twice), sends it, and marks it sent; a message the server would not
take waits longer before each new try (``BACKOFF_MINUTES``) and, after ``MAIL_MAX_ATTEMPTS``, is marked
failed and shown to leads, who can send it again. Once sent, a message keeps no secret link (answer,
password or calendar feed): the secret is blanked in the stored copy. Whether a message is really sent is
decided by the sender alone: a page or command that makes a change only stores its messages, whatever its own
settings, so a web process started without ``MAIL_SERVER`` loses nothing that ``flask send-mail`` (with it) can
send. A sender with no ``MAIL_SERVER`` (one person trying the service) writes each subject to the log instead
and counts the message as sent.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from flask import current_app
from sqlalchemy import or_, update

from rosters import mail
from rosters.clock import utcnow
from rosters.extensions import db
from rosters.models import OutboxMessage
from rosters.web import hide_secret_paths

# Minutes to wait before each new try: soon at first, then less often, about a day in all.
BACKOFF_MINUTES = (1, 5, 15, 30, 60, 120, 240, 480, 720)
CLAIM_MINUTES = 5  # how long a sender holds the messages it is sending
BATCH = 200


def post(messages: Iterable[mail.Message]) -> list[OutboxMessage]:
    """Add the messages to the current transaction; they are stored when it commits, and only then."""
    rows = []
    now = utcnow()
    for message in messages:
        name, kind, content = message.attachment or (None, None, None)
        row = OutboxMessage(to=message.to, subject=message.subject[:300], body=message.body,
                            attachment_name=name, attachment_type=kind, attachment=content,
                            next_attempt_at=now)
        db.session.add(row)
        rows.append(row)
    return rows


def as_message(row: OutboxMessage) -> mail.Message:
    attachment = None
    if row.attachment is not None:
        attachment = (row.attachment_name or "attachment", row.attachment_type or "application/octet-stream",
                      row.attachment)
    return mail.Message(to=row.to, subject=row.subject, body=row.body, attachment=attachment)


@dataclass
class Report:
    sent: int = 0
    retrying: int = 0
    failed: int = 0

    @property
    def line(self) -> str:
        waiting = db.session.scalar(db.select(db.func.count()).select_from(OutboxMessage)
                                    .where(OutboxMessage.status == "waiting"))
        return (f"{self.sent} sent, {self.retrying} to be tried again, {self.failed} failed for good; "
                f"{waiting} waiting")


def _claim(now: dt.datetime) -> list[OutboxMessage]:
    due = db.session.scalars(
        db.select(OutboxMessage.id)
        .where(OutboxMessage.status == "waiting", OutboxMessage.next_attempt_at <= now,
               or_(OutboxMessage.claimed_until.is_(None), OutboxMessage.claimed_until < now))
        .order_by(OutboxMessage.next_attempt_at, OutboxMessage.id).limit(BATCH)).all()
    claimed = []
    until = now + dt.timedelta(minutes=CLAIM_MINUTES)
    for message_id in due:
        taken = db.session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.id == message_id, OutboxMessage.status == "waiting",
                   or_(OutboxMessage.claimed_until.is_(None), OutboxMessage.claimed_until < now))
            .values(claimed_until=until).execution_options(synchronize_session=False))
        if taken.rowcount == 1:
            claimed.append(message_id)
    db.session.commit()
    return list(db.session.scalars(db.select(OutboxMessage).where(OutboxMessage.id.in_(claimed))
                                   .order_by(OutboxMessage.id))) if claimed else []


def send_due() -> Report:
    """Send every message that is due, in batches, and say what became of them."""
    report = Report()
    limit = current_app.config["MAIL_MAX_ATTEMPTS"]
    while True:
        now = utcnow()
        rows = _claim(now)
        if not rows:
            return report
        outcomes = mail.deliver_each([as_message(row) for row in rows])
        for row, error in zip(rows, outcomes, strict=True):
            row.claimed_until = None
            row.attempts += 1
            if error is None:
                row.status, row.sent_at, row.last_error = "sent", utcnow(), ""
                row.body = hide_secret_paths(row.body)  # a sent link's secret is kept nowhere here
                report.sent += 1
            elif row.attempts >= limit:
                row.status, row.last_error = "failed", error[:300]
                report.failed += 1
            else:
                wait = BACKOFF_MINUTES[min(row.attempts, len(BACKOFF_MINUTES)) - 1]
                row.next_attempt_at = now + dt.timedelta(minutes=wait)
                row.last_error = error[:300]
                report.retrying += 1
        db.session.commit()
        if any(error is not None for error in outcomes):
            return report  # the server is refusing or away: the rest wait for the next run


def purge_sent() -> int:
    """Delete sent messages older than ``MAIL_KEEP_DAYS``: they hold addresses and what was said."""
    cutoff = utcnow() - dt.timedelta(days=current_app.config["MAIL_KEEP_DAYS"])
    result = db.session.execute(db.delete(OutboxMessage).where(OutboxMessage.status == "sent",
                                                               OutboxMessage.sent_at < cutoff))
    db.session.commit()
    return result.rowcount or 0


def send_again(message_id: int) -> OutboxMessage | None:
    """A failed message goes back in the queue, due now, with its tries counted afresh."""
    row = db.session.get(OutboxMessage, message_id)
    if row is None or row.status != "failed":
        return None
    row.status, row.attempts, row.next_attempt_at, row.claimed_until = "waiting", 0, utcnow(), None
    return row
