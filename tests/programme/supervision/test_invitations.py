"""Calendar invitations for supervision places: REQUEST, changed REQUEST and CANCEL, through the real pages.

Every invitation is read by two iCalendar libraries and held to RFC 5546's rules for its method
(``tests/calendar_rules.py``); the download and the personal feed publish the same event.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

import pytest
from icalendar import Calendar

from programme.models import Booking, ProgrammeSession, SupervisionSeries
from programme.supervision import notices
from rosters.extensions import db
from rosters.mail import Message
from rosters.models import Person
from rosters.services import create_token
from tests.calendar_rules import check, invite_in, read_icalendar, read_vobject
from tests.factories import make_person, make_series, make_team
from tests.moments import A_MONDAY, uk
from tests.plugin import text

pytestmark = pytest.mark.time_machine(uk(A_MONDAY), tick=False)
FEED_PATH = re.compile(r"/calendar/feed/[A-Za-z0-9_-]{20,}\.ics")


@dataclass
class Setting:
    lead: Person
    ada: Person
    ben: Person
    cy: Person
    series: SupervisionSeries

    @property
    def session(self) -> ProgrammeSession:
        return self.series.sessions[0]


@pytest.fixture
def setting(app) -> Setting:
    """A weekly series with two places a session; Ada, Ben and Cy are in its team."""
    team = make_team(name="Assessment North")
    people = [make_person(team=team, name=name, email=f"{name.split()[0].lower()}@example.org")
              for name in ("Ada Lovelace", "Ben Okri", "Cy Twombly")]
    series = make_series(team=team, capacity=2, location="Room 2")
    lead = make_person(role="lead", name="Lena Lead")
    db.session.commit()
    return Setting(lead, *people, series)


def as_person(client, auth, person: Person) -> None:
    auth.logout()
    auth.login(person.email)


def book(client, auth, person: Person, session: ProgrammeSession, sent: list[Message]) -> Message:
    as_person(client, auth, person)
    before = len(sent)
    assert client.post(f"/supervision/{session.id}/book").status_code == 302
    [message] = sent[before:]
    return message


def booking_of(person: Person, session: ProgrammeSession) -> Booking:
    return db.session.scalar(db.select(Booking).where(Booking.person_id == person.id,
                                                      Booking.session_id == session.id).order_by(Booking.id.desc()))


def sequence_of(session: ProgrammeSession) -> int:
    db.session.expire_all()
    return db.session.get(ProgrammeSession, session.id).sequence


def to(sent: list[Message], person: Person) -> list[Message]:
    return [message for message in sent if message.to == person.email]


def edit_form(session: ProgrammeSession, **overrides) -> dict:
    form = {"date": [str(session.date.day), str(session.date.month), str(session.date.year)],
            "start_time": f"{session.starts_local:%H:%M}", "duration_minutes": str(session.duration_minutes),
            "capacity": str(session.capacity), "location": session.location, "online_link": session.online_link}
    form.update(overrides)
    return form


# --- booking, the waitlist, promotion ------------------------------------------------------------


def test_a_place_is_a_request_and_booking_leaves_the_sequence_alone(app, client, auth, setting, sent):
    session = setting.session
    invite = invite_in(book(client, auth, setting.ada, session, sent), "REQUEST")
    assert invite.uid == f"session-{session.id}@127.0.0.1:5000"
    assert invite.organizer == app.config["MAIL_FROM"]
    assert invite.attendees == ("ada@example.org",)
    assert invite.status == "CONFIRMED" and invite.sequence == 0
    assert invite.start == session.starts_at.replace(tzinfo=dt.UTC)
    assert invite.dtstamp == uk(A_MONDAY)  # when the message was made
    assert 'ORGANIZER;CN="Staff wellbeing support":mailto:' in invite.text
    assert "ROLE=REQ-PARTICIPANT" in invite.text and "RSVP=FALSE" in invite.text and "PARTSTAT=ACCEPTED" in invite.text

    second = invite_in(book(client, auth, setting.ben, session, sent), "REQUEST")
    assert (second.uid, second.sequence) == (invite.uid, 0)  # a booking is no change to the event
    waiting = book(client, auth, setting.cy, session, sent)
    assert waiting.subject.startswith("On the waitlist") and waiting.attachment is None
    assert sequence_of(session) == 0


def test_someone_only_waiting_has_no_calendar_link_or_download_until_the_place_is_theirs(client, auth, setting, sent):
    session = setting.session
    first = invite_in(book(client, auth, setting.ada, session, sent), "REQUEST")
    book(client, auth, setting.ben, session, sent)
    book(client, auth, setting.cy, session, sent)  # full: a queue entry

    page = text(client.get("/supervision"))
    assert "You are number 1 on the waitlist" in page and "Add to your calendar" not in page
    response = client.get(f"/supervision/{session.id}.ics")
    assert response.status_code == 409 and "text/calendar" not in response.content_type
    assert "When a place is yours" in text(response)

    as_person(client, auth, setting.ada)
    assert "Add to your calendar" in text(client.get("/supervision"))
    sent.clear()
    client.post(f"/supervision/bookings/{booking_of(setting.ada, session).id}/cancel")

    [cancel] = to(sent, setting.ada)
    assert cancel.subject == f"Place cancelled: supervision on {session.starts_local:%-d %B}"
    gone = invite_in(cancel, "CANCEL")
    [promotion] = to(sent, setting.cy)
    assert promotion.subject.startswith("You have a place")
    given = invite_in(promotion, "REQUEST")
    assert gone.uid == given.uid == first.uid
    assert first.sequence <= gone.sequence == given.sequence == sequence_of(session) == 0

    as_person(client, auth, setting.cy)
    assert "Add to your calendar" in text(client.get("/supervision"))
    assert client.get(f"/supervision/{session.id}.ics").status_code == 200


def test_a_place_given_up_and_booked_again_is_a_later_request(client, auth, setting, sent, time_machine):
    session = setting.session
    book(client, auth, setting.ada, session, sent)
    sent.clear()
    client.post(f"/supervision/bookings/{booking_of(setting.ada, session).id}/cancel")
    [cancel] = sent
    gone = invite_in(cancel, "CANCEL")
    assert "You have cancelled your place" in cancel.body
    time_machine.shift(dt.timedelta(minutes=5))
    again = invite_in(book(client, auth, setting.ada, session, sent), "REQUEST")
    # The same SEQUENCE (the event did not change): the later DTSTAMP makes calendars keep the REQUEST.
    assert again.uid == gone.uid and again.sequence == gone.sequence
    assert again.dtstamp > gone.dtstamp


def test_leaving_the_waitlist_sends_nothing(client, auth, setting, sent):
    session = setting.session
    for person in (setting.ada, setting.ben, setting.cy):
        book(client, auth, person, session, sent)
    sent.clear()
    client.post(f"/supervision/bookings/{booking_of(setting.cy, session).id}/cancel")
    assert sent == []


def test_a_lead_removing_someones_place_sends_them_the_cancel(app, client, setting, sent):
    session = setting.session
    token = create_token(setting.lead.email)
    headers = {"Authorization": f"Bearer {create_token(setting.ada.email)}"}
    db.session.commit()
    assert client.post(f"/api/v1/slots/{session.id}/bookings", headers=headers).status_code == 201
    [confirmation] = sent
    booked = invite_in(confirmation, "REQUEST")
    sent.clear()
    response = client.post(f"/api/v1/bookings/{booking_of(setting.ada, session).id}/removal",
                           json={"reason": "Booked for the wrong team"}, headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 204
    [cancel] = sent
    assert cancel.to == "ada@example.org"
    assert "A programme lead has removed your place" in cancel.body
    gone = invite_in(cancel, "CANCEL")
    assert gone.uid == booked.uid and gone.sequence >= booked.sequence
    assert "Ada" not in cancel.subject


# --- changes and cancellation ------------------------------------------------------------------


def test_a_changed_session_sends_a_higher_sequence_to_places_and_words_to_the_queue(client, auth, setting, sent):
    session = setting.session
    first = {p.id: invite_in(book(client, auth, p, session, sent), "REQUEST") for p in (setting.ada, setting.ben)}
    book(client, auth, setting.cy, session, sent)
    as_person(client, auth, setting.lead)
    sent.clear()

    response = client.post(f"/supervision/sessions/{session.id}/edit", data=edit_form(session, start_time="14:00"))
    assert response.status_code == 302
    assert sequence_of(session) == 1
    for person in (setting.ada, setting.ben):
        [changed] = to(sent, person)
        assert changed.subject.startswith("Changed: supervision on")
        invite = invite_in(changed, "REQUEST")
        assert invite.uid == first[person.id].uid and invite.sequence == 1 > first[person.id].sequence
        moved = db.session.get(ProgrammeSession, session.id)
        assert invite.start == moved.starts_at.replace(tzinfo=dt.UTC)
        assert changed.body.count("14:00 to 15:30") == 1  # the new time is stated once
    [told] = to(sent, setting.cy)
    assert told.attachment is None and "14:00 to 15:30" in told.body

    # A new place: a new SEQUENCE again, the time is said once, below what changed.
    sent.clear()
    moved = db.session.get(ProgrammeSession, session.id)
    client.post(f"/supervision/sessions/{session.id}/edit", data=edit_form(moved, location="Room 5"))
    assert sequence_of(session) == 2
    [changed] = to(sent, setting.ada)
    assert invite_in(changed, "REQUEST").sequence == 2
    assert changed.body.count("14:00 to 15:30") == 1 and "Room 5" in changed.body


def test_more_places_alone_do_not_change_the_event(client, auth, setting, sent):
    session = setting.session
    for person in (setting.ada, setting.ben, setting.cy):
        book(client, auth, person, session, sent)
    as_person(client, auth, setting.lead)
    sent.clear()
    client.post(f"/supervision/sessions/{session.id}/edit", data=edit_form(session, capacity="3"))
    assert sequence_of(session) == 0
    [told] = to(sent, setting.ada)
    assert "there are now 3 places" in told.body and told.attachment is None
    [promotion] = to(sent, setting.cy)
    assert invite_in(promotion, "REQUEST").sequence == 0


def test_changing_every_future_session_raises_each_sequence(client, auth, setting, sent):
    sessions = setting.series.sessions
    invite_in(book(client, auth, setting.ada, sessions[1], sent), "REQUEST")
    as_person(client, auth, setting.lead)
    sent.clear()
    response = client.post(f"/supervision/series/{setting.series.id}/edit", data={
        "start_time": "13:30", "duration_minutes": "60", "capacity": "2", "location": "Room 2", "online_link": ""})
    assert response.status_code == 302
    db.session.expire_all()
    assert {s.sequence for s in db.session.get(SupervisionSeries, setting.series.id).sessions} == {1}
    [changed] = sent
    invite = invite_in(changed, "REQUEST")
    assert invite.sequence == 1 and invite.uid.startswith(f"session-{sessions[1].id}@")


def test_a_cancelled_session_sends_the_cancel_to_places_and_words_to_the_queue(client, auth, setting, sent):
    session = setting.session
    first = invite_in(book(client, auth, setting.ada, session, sent), "REQUEST")
    book(client, auth, setting.ben, session, sent)
    book(client, auth, setting.cy, session, sent)
    as_person(client, auth, setting.lead)
    sent.clear()
    response = client.post(f"/supervision/sessions/{session.id}/cancel", data={"reason": "The facilitator is unwell"})
    assert response.status_code == 302
    assert sequence_of(session) == 1
    for person in (setting.ada, setting.ben):
        [cancelled] = to(sent, person)
        assert cancelled.subject.startswith("Cancelled: supervision on")
        gone = invite_in(cancelled, "CANCEL")
        assert gone.uid == first.uid and gone.sequence == 1 > first.sequence
    [told] = to(sent, setting.cy)
    assert told.attachment is None and "has been cancelled" in told.body


def test_a_reminder_repeats_the_invitation(client, auth, setting, sent):
    session = setting.session
    first = invite_in(book(client, auth, setting.ada, session, sent), "REQUEST")
    reminder = invite_in(notices.reminder(booking_of(setting.ada, session)), "REQUEST")
    assert (reminder.uid, reminder.sequence) == (first.uid, first.sequence)


# --- the download and the feed ------------------------------------------------------------------


def test_the_download_publishes_the_event_with_its_sequence_and_a_stamp_that_stays(
        app, client, auth, setting, sent, time_machine):
    session = setting.session
    book(client, auth, setting.ada, session, sent)
    book(client, auth, setting.ben, session, sent)  # a booking changes nothing in the event
    first = client.get(f"/supervision/{session.id}.ics").data
    time_machine.shift(dt.timedelta(minutes=20))
    later = client.get(f"/supervision/{session.id}.ics").data
    assert later == first  # DTSTAMP says when the event last changed, not when it was downloaded
    for read in (read_icalendar(first), read_vobject(first)):
        assert read.method == "PUBLISH" and read.sequence == 0 and read.status == "CONFIRMED"
        assert read.organizer == app.config["MAIL_FROM"] and read.dtstamp.utcoffset() == dt.timedelta(0)
        assert read.uid == f"session-{session.id}@127.0.0.1:5000"

    as_person(client, auth, setting.lead)
    client.post(f"/supervision/sessions/{session.id}/edit", data=edit_form(session, start_time="15:00"))
    as_person(client, auth, setting.ada)
    assert read_icalendar(client.get(f"/supervision/{session.id}.ics").data).sequence == 1


def test_the_feed_drops_places_given_up_and_sessions_cancelled(client, auth, setting, sent):
    kept, given_up, called_off, waiting = setting.series.sessions[:4]
    for session in (kept, given_up, called_off):
        book(client, auth, setting.ada, session, sent)
    for person in (setting.ben, setting.cy):
        book(client, auth, person, waiting, sent)
    book(client, auth, setting.ada, waiting, sent)  # full: a queue entry
    client.post(f"/supervision/bookings/{booking_of(setting.ada, given_up).id}/cancel")
    [path] = set(FEED_PATH.findall(text(client.post("/calendar/feed"))))
    as_person(client, auth, setting.lead)
    client.post(f"/supervision/sessions/{called_off.id}/cancel", data={"reason": "Room flooded"})
    auth.logout()

    content = client.get(path).data
    events = Calendar.from_ical(content).walk("VEVENT")
    assert [str(e["uid"]).split("@")[0] for e in events] == [f"session-{kept.id}"]
    assert "METHOD" not in Calendar.from_ical(content)
    assert int(events[0]["sequence"]) == 0 and str(events[0]["status"]) == "CONFIRMED"
    check_feed = read_vobject(content)
    assert check_feed.uid == f"session-{kept.id}@127.0.0.1:5000"


def test_the_rules_catch_a_broken_invitation(app):
    """The checker itself: an event without an ORGANIZER or a CANCEL still CONFIRMED is refused."""
    broken = (b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//x//EN\r\nMETHOD:CANCEL\r\nBEGIN:VEVENT\r\n"
              b"UID:a@b\r\nDTSTAMP:20261123T090000Z\r\nSEQUENCE:0\r\nDTSTART:20261207T100000Z\r\n"
              b"STATUS:CONFIRMED\r\nATTENDEE:mailto:ada@example.org\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n")
    with pytest.raises(AssertionError):
        check(broken, "CANCEL", "ada@example.org")


def test_a_register_saying_the_session_did_not_go_ahead_changes_the_event(client, auth, setting, sent, time_machine):
    from programme.supervision.registers import record_register

    session = setting.session
    book(client, auth, setting.ada, session, sent)
    time_machine.move_to(session.starts_at.replace(tzinfo=dt.UTC) + dt.timedelta(hours=2))
    record_register(session.id, {}, outcome="cancelled", reason="Fire alarm")
    db.session.commit()
    assert sequence_of(session) == 1
    record_register(session.id, {booking_of(setting.ada, session).id: True}, outcome="delivered")
    db.session.commit()
    assert sequence_of(session) == 2  # confirmed again
