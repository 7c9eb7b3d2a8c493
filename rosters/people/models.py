"""Password links: a single-use, time-limited link a lead e-mails so that a person can set a password."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import CheckConstraint, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from rosters.clock import utcnow
from rosters.extensions import db
from rosters.models import Person


class PasswordLink(db.Model):
    """One link sent to one person; only the SHA-256 of its secret is stored.

    A link can be used while ``used_at`` and ``superseded_at`` are empty and ``expires_at`` is ahead.
    Sending a new link supersedes the person's older ones; erasure deletes them all.
    """

    __tablename__ = "password_links"
    __table_args__ = (CheckConstraint("expires_at > created_at", name="expires_after_created"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"), index=True)
    secret_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[dt.datetime]
    used_at: Mapped[dt.datetime | None]
    superseded_at: Mapped[dt.datetime | None]

    person: Mapped[Person] = relationship()

    def usable_at(self, moment: dt.datetime) -> bool:
        return self.used_at is None and self.superseded_at is None and moment < self.expires_at
