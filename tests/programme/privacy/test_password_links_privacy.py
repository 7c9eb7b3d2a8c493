"""Password links are personal data too: in the subject access export, removed by erasure and by retention."""

from __future__ import annotations

import datetime as dt

from programme.privacy.access import export_person
from programme.privacy.erasure import erase_person
from programme.privacy.retention import apply_retention
from rosters.extensions import db
from rosters.people.links import send_password_link
from rosters.people.models import PasswordLink
from tests.factories import make_person


def links_of(person_id: int) -> int:
    return db.session.scalar(db.select(db.func.count()).select_from(PasswordLink)
                             .where(PasswordLink.person_id == person_id))


def test_erasure_removes_a_persons_password_links(app):
    make_person(role="lead")
    person = make_person(password=False)
    send_password_link(person)
    send_password_link(person)  # the first is withdrawn, and kept until now
    db.session.commit()
    exported = export_person(person, channel="test")["password_links"]
    assert len(exported) == 2 and exported[0]["withdrawn_at"] and not exported[1]["withdrawn_at"]
    assert all("secret" not in key for link in exported for key in link)
    person_id = person.id
    result = erase_person(person, channel="test")
    db.session.commit()
    assert result.counts["password_links"] == 2 and links_of(person_id) == 0


def test_retention_removes_old_password_links_but_not_recent_ones(app, time_machine):
    old, recent = make_person(password=False), make_person(password=False)
    time_machine.move_to(dt.datetime.now(dt.UTC) - dt.timedelta(days=800), tick=False)
    send_password_link(old)
    time_machine.move_to(dt.datetime.now(dt.UTC) + dt.timedelta(days=800), tick=False)
    send_password_link(recent)
    db.session.commit()
    result = apply_retention(24)
    db.session.commit()
    assert result.counts["password_links"] == 1
    assert links_of(old.id) == 0 and links_of(recent.id) == 1
