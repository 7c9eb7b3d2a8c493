"""The audit trail: sign-in lines, append-only rows, and the leads' page at /audit."""

from __future__ import annotations

import datetime as dt
import re

import pytest

from rosters.clock import utcnow
from rosters.extensions import db
from rosters.models import AuditEvent
from tests.factories import PASSWORD, make_person
from tests.plugin import text

ROW = re.compile(r'<tr class="govuk-table__row">\s*<td class="govuk-table__cell"><time')


def events(action: str | None = None) -> list[AuditEvent]:
    query = db.select(AuditEvent).order_by(AuditEvent.id)
    if action:
        query = query.where(AuditEvent.action == action)
    return list(db.session.scalars(query))


def add_events(count: int, *, action: str = "debrief_viewed", person=None, start: dt.datetime | None = None) -> None:
    """``count`` lines one minute apart, the last one newest."""
    start = start or utcnow() - dt.timedelta(days=1)
    for number in range(count):
        db.session.add(
            AuditEvent(at=start + dt.timedelta(minutes=number), person=person, action=action, detail=f"line {number}")
        )
    db.session.commit()


# --- what is recorded ---------------------------------------------------------------------------


def test_sign_in_and_sign_out_are_recorded(client, auth):
    person = make_person()
    db.session.commit()
    auth.login(person.email)
    auth.logout()
    assert [(e.action, e.person_id) for e in events()] == [("sign_in", person.id), ("sign_out", person.id)]


def test_failed_sign_ins_are_recorded_without_password_or_address(client, auth):
    person = make_person(email="ada@example.org")
    db.session.commit()
    auth.login("ada@example.org", "Tr0ub4dor&3-guess")
    auth.login("nobody@example.org", "Tr0ub4dor&3-guess")
    auth.login(" NOBODY@example.org", "another guess")
    known, unknown, again = events("sign_in_failed")
    assert known.person_id is None  # no one was signed in
    assert (known.object_type, known.object_id) == ("Person", person.id)
    assert "wrong password" in known.detail
    assert unknown.object_type == "" and unknown.object_id is None and "no such account" in unknown.detail
    for event in (known, unknown, again):
        assert "Tr0ub4dor" not in event.detail and "guess" not in event.detail
        assert "@" not in event.detail and "nobody" not in event.detail and "ada" not in event.detail
    # The same address tried twice gives the same digest, so repeated tries can be matched up.
    digest = unknown.detail.rsplit(" ", 1)[1]
    assert again.detail.endswith(digest) and not known.detail.endswith(digest)


def test_a_disabled_account_is_recorded_as_unable_to_sign_in(client, auth):
    person = make_person(enabled=False)
    db.session.commit()
    auth.login(person.email, PASSWORD)
    (event,) = events("sign_in_failed")
    assert "account cannot sign in" in event.detail


def test_the_trail_is_append_only(client, auth):
    person = make_person()
    db.session.commit()
    auth.login(person.email)
    event = events("sign_in")[0]
    event.detail = "tampered"
    with pytest.raises(PermissionError):
        db.session.commit()
    db.session.rollback()
    db.session.delete(event)
    with pytest.raises(PermissionError):
        db.session.commit()
    db.session.rollback()
    assert events("sign_in")[0].detail == ""


# --- the page -----------------------------------------------------------------------------------


@pytest.fixture
def lead(client, auth):
    person = make_person(name="Pat Lead", role="lead")
    db.session.commit()
    auth.login(person.email)
    return person


@pytest.mark.parametrize("role", ["member", "manager", "facilitator"])
def test_only_leads_may_read_the_trail(client, auth, role):
    person = make_person(role=role)
    db.session.commit()
    auth.login(person.email)
    assert client.get("/audit").status_code == 403


def test_signed_out_visitors_are_sent_to_sign_in(client):
    response = client.get("/audit")
    assert response.status_code == 302 and "/sign-in" in response.headers["Location"]


def test_the_trail_shows_newest_first_in_utc(client, lead):
    viewer = make_person(name="Vic Viewer")
    add_events(1, action="debrief_exported", person=viewer, start=dt.datetime(2025, 7, 1, 9, 30))
    add_events(1, action="debrief_viewed", person=viewer, start=dt.datetime(2025, 7, 1, 10, 45))
    page = text(client.get("/audit"))
    assert "All times are in UTC" in page and "Time (UTC)" in page
    # Summer time: stored 10:45 UTC is shown as 10:45, not as the UK's 11:45.
    assert "2025-07-01 10:45:00" in page and "2025-07-01 11:45" not in page
    table = page[page.index("<tbody") :]  # the action filter lists the names too
    # The lead's own sign-in (today) first, then 10:45, then 09:30.
    assert table.index(">Signed in<") < table.index(">Debrief viewed<") < table.index(">Debrief exported<")
    assert table.index("10:45:00") < table.index("09:30:00")
    assert "Vic Viewer" in table


def test_the_trail_is_paginated_fifty_lines_a_page(client, lead):
    add_events(119)  # plus the lead's sign-in: 120 lines
    first = text(client.get("/audit"))
    assert len(ROW.findall(first)) == 50
    assert "Showing lines 1 to 50 of 120" in first
    assert 'class="govuk-pagination' in first and 'href="/audit?page=2"' in first
    # Page 1 was recorded when it was shown, so there is one more line by now.
    third = text(client.get("/audit?page=3"))
    assert len(ROW.findall(third)) == 21
    assert "line 0<" in third
    assert client.get("/audit?page=9").status_code == 404


def test_the_trail_filters_by_action_and_by_person(client, lead):
    ada, bob = make_person(name="Ada Asker"), make_person(name="Bob Bystander")
    add_events(3, action="debrief_viewed", person=ada)
    add_events(2, action="debrief_exported", person=bob)
    page = text(client.get("/audit?action=debrief_exported"))
    assert len(ROW.findall(page)) == 2 and "Ada Asker</td>" not in page
    page = text(client.get(f"/audit?person={ada.id}"))
    assert len(ROW.findall(page)) == 3 and "Bob Bystander</td>" not in page
    assert f'<option value="{ada.id}" selected>' in page
    page = text(client.get(f"/audit?person={ada.id}&action=debrief_exported"))
    assert "No lines match these filters" in page
    # Filters carry over to the page links.
    add_events(60, action="debrief_viewed", person=ada)
    page = text(client.get(f"/audit?person={ada.id}&action=debrief_viewed"))
    assert f'href="/audit?page=2&amp;action=debrief_viewed&amp;person={ada.id}"' in page


def test_the_person_filter_includes_failed_sign_ins_to_their_account(client, lead, auth):
    ada = make_person(name="Ada Asker")
    db.session.commit()
    client.post("/sign-in", data={"email": ada.email, "password": "a wrong guess"})  # signed in: ignored
    auth.logout()
    auth.login(ada.email, "a wrong guess")
    auth.login(lead.email)
    page = text(client.get(f"/audit?person={ada.id}"))
    assert len(ROW.findall(page)) == 1 and "sign_in_failed" in page and f"Person {ada.id}" in page


def test_reading_the_trail_is_itself_recorded(client, lead):
    client.get("/audit?action=sign_in&page=1")
    (event,) = events("audit_viewed")
    assert event.person_id == lead.id
    assert "action=sign_in" in event.detail
    page = text(client.get("/audit"))
    assert "audit_viewed" in page
