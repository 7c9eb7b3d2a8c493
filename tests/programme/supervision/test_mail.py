"""E-mail about supervision places, put in the outbox by each change and delivered by ``flask send-mail`` to a
real SMTP server (aiosmtpd) listening on this machine."""

from __future__ import annotations

import datetime as dt
import email
import logging
import smtplib
import socket
from collections.abc import Iterator
from email import policy
from email.message import EmailMessage

import pytest
import time_machine
from aiosmtpd.controller import Controller
from icalendar import Calendar

from programme.models import Booking, ProgrammeSession
from programme.supervision import notices
from programme.supervision.places import book_place
from programme.supervision.series import cancel_session
from rosters import mail, outbox
from rosters.clock import local_to_utc, uk_date, utcnow
from rosters.extensions import db
from rosters.models import OutboxMessage
from rosters.services import create_token
from tests.factories import make_person, make_session, make_team
from tests.moments import A_MONDAY, uk

DAY = dt.date(2027, 7, 6)
# Reminders count hours from now: the clock stands at 09:00 on an ordinary Monday, long before DAY.
pytestmark = pytest.mark.time_machine(uk(A_MONDAY), tick=False)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Mailbox:
    """An aiosmtpd handler keeping every message delivered; it can refuse chosen recipients."""

    def __init__(self) -> None:
        self.envelopes: list = []
        self.refuse: set[str] = set()

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address in self.refuse:
            return "550 5.1.1 No such mailbox"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        self.envelopes.append(envelope)
        return "250 Message accepted for delivery"

    @property
    def messages(self) -> list[EmailMessage]:
        return [email.message_from_bytes(e.content, policy=policy.default) for e in self.envelopes]

    def to(self, address: str) -> list[EmailMessage]:
        return [m for m, e in zip(self.messages, self.envelopes, strict=True) if e.rcpt_tos == [address]]

    def clear(self) -> None:
        self.envelopes.clear()


@pytest.fixture
def mailbox() -> Iterator[tuple[Mailbox, int]]:
    handler = Mailbox()
    port = free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield handler, port
    finally:
        controller.stop()


@pytest.fixture
def smtp_app(make_app, mailbox):
    """The app with MAIL_SERVER pointing at the local SMTP server, inside an app context."""
    handler, port = mailbox
    app = make_app(MAIL_SERVER="127.0.0.1", MAIL_PORT=port, MAIL_FROM="wellbeing@council.example")
    with app.app_context():
        yield app, handler


def bearer(person) -> dict[str, str]:
    token = create_token(person.email)
    db.session.commit()
    return {"Authorization": f"Bearer {token}"}


def supervision(team, day: dt.date = DAY, capacity: int = 1, **fields) -> ProgrammeSession:
    fields.setdefault("starts_at", local_to_utc(day, dt.time(10, 0)))
    return make_session(team=team, date=day, status="scheduled", capacity=capacity, location="Room 4", **fields)


def member(team, name: str) -> object:
    first = name.split()[0].lower()
    return make_person(team=team, name=name, email=f"{first}@example.org")


def assert_no_names(messages: list[EmailMessage], *people) -> None:
    """Subjects can be read on lock screens and in logs: no names or addresses in them."""
    for message in messages:
        subject = message["Subject"]
        for person in people:
            for part in [*person.name.split(), person.email, person.email.split("@")[0]]:
                assert part.lower() not in subject.lower(), subject


def ics_of(message: EmailMessage) -> Calendar:
    """The calendar part: an invitation sits beside the text (text/calendar with its method), anything
    else is an attached .ics file."""
    parts = [p for p in message.walk() if p.get_content_type() == "text/calendar"]
    if not parts:
        parts = [p for p in message.iter_attachments() if (p.get_filename() or "").endswith(".ics")]
    assert len(parts) == 1, [p.get_content_type() for p in message.walk()]
    content = parts[0].get_payload(decode=True)
    return Calendar.from_ical(content)


def send_waiting(app) -> str:
    """Run ``flask send-mail`` as cron would; returns what it printed."""
    result = app.test_cli_runner().invoke(args=["send-mail"])
    assert result.exit_code == 0, result.output
    return result.output


# --- booking, waitlist, promotion ---------------------------------------------------------------


def test_booking_confirms_with_a_calendar_file_and_the_waitlist_is_told_its_place(smtp_app):
    app, box = smtp_app
    client = app.test_client()
    team = make_team(name="Assessment North")
    session = supervision(team, capacity=1)
    ada, ben = member(team, "Ada Lovelace"), member(team, "Ben Okri")

    assert client.post(f"/api/v1/slots/{session.id}/bookings", headers=bearer(ada)).status_code == 201
    assert client.post(f"/api/v1/slots/{session.id}/bookings", headers=bearer(ben)).status_code == 201
    assert box.envelopes == []  # nothing is sent during a request: the outbox holds it
    assert "2 sent" in send_waiting(app)

    [confirmation] = box.to("ada@example.org")
    assert confirmation["Subject"] == "Place booked: supervision on 6 July"
    assert confirmation["From"] == "wellbeing@council.example"
    assert confirmation["To"] == "ada@example.org"
    body = confirmation.get_body(("plain",)).get_content()
    assert "Hello Ada Lovelace" in body and "Tuesday 6 July 2027, 10:00 to 11:30" in body and "Room 4" in body
    [event] = ics_of(confirmation).walk("VEVENT")
    assert event.decoded("dtstart") == dt.datetime(2027, 7, 6, 9, 0, tzinfo=dt.UTC)  # 10:00 in London
    assert str(event.get("status")) == "CONFIRMED"

    [waiting] = box.to("ben@example.org")
    assert waiting["Subject"] == "On the waitlist: supervision on 6 July"
    assert "number 1 on the waitlist" in waiting.get_body(("plain",)).get_content()
    assert not list(waiting.iter_attachments())
    assert_no_names(box.messages, ada, ben)


def test_cancelling_a_place_tells_the_person_promoted(smtp_app):
    app, box = smtp_app
    client = app.test_client()
    team = make_team()
    session = supervision(team, capacity=1)
    ada, ben, cy = member(team, "Ada Lovelace"), member(team, "Ben Okri"), member(team, "Cy Twombly")
    ada_headers = bearer(ada)
    mine = client.post(f"/api/v1/slots/{session.id}/bookings", headers=ada_headers).get_json()
    for person in (ben, cy):
        client.post(f"/api/v1/slots/{session.id}/bookings", headers=bearer(person))
    send_waiting(app)
    box.clear()

    assert client.delete(f"/api/v1/bookings/{mine['id']}", headers=ada_headers).status_code == 204
    send_waiting(app)

    [promotion] = box.to("ben@example.org")
    assert promotion["Subject"] == "You have a place: supervision on 6 July"
    assert "A place came free and it is now yours" in promotion.get_body(("plain",)).get_content()
    ics_of(promotion)
    assert_no_names(box.messages, ada, ben, cy)


def test_cancelling_a_session_tells_everyone_booked_and_waiting(smtp_app):
    app, box = smtp_app
    team = make_team()
    session = supervision(team, capacity=2)
    people = [member(team, name) for name in ("Ada Lovelace", "Ben Okri", "Cy Twombly")]
    for person in people:
        book_place(session.id, person)
    earlier = make_person(team=team, email="gone@example.org")
    gone = book_place(session.id, earlier)
    gone.status = "cancelled"  # gave up their place before: not told again
    db.session.commit()

    affected = cancel_session(session, "The facilitator is unwell")
    outbox.post(notices.session_cancelled(session, affected))
    db.session.commit()

    assert "3 sent" in send_waiting(app)
    assert sorted(e.rcpt_tos[0] for e in box.envelopes) == ["ada@example.org", "ben@example.org", "cy@example.org"]
    for message in box.messages:
        assert message["Subject"] == "Cancelled: supervision on 6 July"
        assert "Reason: The facilitator is unwell" in message.get_body(("plain",)).get_content()
    for address in ("ada@example.org", "ben@example.org"):  # they had places: the CANCEL
        [message] = box.to(address)
        [event] = ics_of(message).walk("VEVENT")
        assert str(event.get("status")) == "CANCELLED"
    [waiting] = box.to("cy@example.org")  # a queue entry: words only, nothing was in a calendar
    assert not [p for p in waiting.walk() if p.get_content_type() == "text/calendar"]
    assert_no_names(box.messages, *people)


def test_a_refused_recipient_does_not_stop_the_others_getting_their_message(smtp_app, caplog):
    _, box = smtp_app
    team = make_team()
    session = supervision(team, capacity=5)
    people = [member(team, name) for name in ("Ada Lovelace", "Ben Okri", "Cy Twombly")]
    for person in people:
        book_place(session.id, person)
    db.session.commit()
    box.refuse.add("ben@example.org")

    affected = cancel_session(session, "Room flooded")
    db.session.commit()
    with caplog.at_level(logging.WARNING):
        outcome = mail.deliver_each(notices.session_cancelled(session, affected))

    assert [reason is None for reason in outcome] == [True, False, True]
    assert "refused" in outcome[1]
    assert sorted(e.rcpt_tos[0] for e in box.envelopes) == ["ada@example.org", "cy@example.org"]
    assert "refused" in caplog.text
    assert "ben@example.org" not in caplog.text and "Ben" not in caplog.text


# --- reminders -----------------------------------------------------------------------------------


def starting_in(team, hours: float, **fields) -> ProgrammeSession:
    starts = (utcnow() + dt.timedelta(hours=hours)).replace(second=0, microsecond=0)
    return make_session(team=team, date=uk_date(starts), starts_at=starts, status="scheduled", capacity=2,
                        location="Room 4", **fields)


def test_send_reminders_reminds_each_booked_place_once_and_no_one_else(smtp_app):
    app, box = smtp_app
    runner = app.test_cli_runner()
    team = make_team()
    soon = starting_in(team, 3)
    later = starting_in(team, 30)
    ada, ben, cy = member(team, "Ada Lovelace"), member(team, "Ben Okri"), member(team, "Cy Twombly")
    book_place(soon.id, ada)
    book_place(soon.id, ben)
    book_place(soon.id, cy)  # waitlisted: no reminder
    book_place(later.id, ada)  # more than 24 hours ahead: not yet
    cancelled_place = book_place(later.id, cy)
    cancelled_place.status = "cancelled"
    db.session.commit()

    result = runner.invoke(args=["send-reminders"])
    assert result.exit_code == 0, result.output
    assert "2 reminder(s) due" in result.output
    assert "2 sent" in send_waiting(app)
    assert sorted(e.rcpt_tos[0] for e in box.envelopes) == ["ada@example.org", "ben@example.org"]
    for message in box.messages:
        assert message["Subject"].startswith("Reminder: supervision on ")
        ics_of(message)
    assert_no_names(box.messages, ada, ben, cy)

    again = runner.invoke(args=["send-reminders"])
    assert again.exit_code == 0, again.output
    assert "0 reminder(s) due" in again.output
    assert len(box.envelopes) == 2

    # The later session comes within reach once --hours covers it; still only Ada, who holds a place.
    wider = runner.invoke(args=["send-reminders", "--hours", "48"])
    assert wider.exit_code == 0
    send_waiting(app)
    assert [e.rcpt_tos[0] for e in box.envelopes[2:]] == ["ada@example.org"]


def test_reminders_skip_people_who_have_been_deactivated(smtp_app):
    app, box = smtp_app
    team = make_team()
    soon = starting_in(team, 2)
    staying, leaving = member(team, "Ada Lovelace"), member(team, "Grace Hopper")
    book_place(soon.id, staying)
    book_place(soon.id, leaving)
    leaving.enabled = False
    db.session.execute(db.delete(OutboxMessage))
    db.session.commit()
    result = app.test_cli_runner().invoke(args=["send-reminders"])
    assert result.exit_code == 0 and "1 reminder(s) due" in result.output
    send_waiting(app)
    assert [envelope.rcpt_tos for envelope in box.envelopes] == [[staying.email]]


def test_reminders_skip_cancelled_and_started_sessions(smtp_app):
    app, box = smtp_app
    team = make_team()
    started = starting_in(team, -0.25)
    called_off = starting_in(team, 2)
    person = member(team, "Ada Lovelace")
    db.session.add(Booking(session=started, person=person, status="booked", booked_at=utcnow()))
    book_place(called_off.id, person)
    cancel_session(called_off, "Facilitator unwell")
    db.session.commit()
    result = app.test_cli_runner().invoke(args=["send-reminders"])
    assert result.exit_code == 0 and "0 reminder(s) due" in result.output
    db.session.execute(db.delete(OutboxMessage))  # what the bookings and the cancellation said
    db.session.commit()
    send_waiting(app)
    assert box.envelopes == []


def test_reminders_that_could_not_be_sent_wait_in_the_outbox_and_go_when_the_server_is_back(make_app, mailbox,
                                                                                           caplog):
    handler, port = mailbox
    down = make_app(MAIL_SERVER="127.0.0.1", MAIL_PORT=free_port())  # nothing listens there
    with down.app_context():
        team = make_team()
        soon = starting_in(team, 2)
        book_place(soon.id, member(team, "Ada Lovelace"))
        db.session.commit()
        result = down.test_cli_runner().invoke(args=["send-reminders"])
        assert result.exit_code == 0, result.output
        assert "1 reminder(s) due" in result.output
        with caplog.at_level(logging.ERROR):
            output = send_waiting(down)
        assert "0 sent, 1 to be tried again" in output
        assert "E-mail delivery failed" in caplog.text
        again = down.test_cli_runner().invoke(args=["send-reminders"])
        assert "0 reminder(s) due" in again.output  # reminded once: the outbox keeps it

    up = make_app(MAIL_SERVER="127.0.0.1", MAIL_PORT=port)
    with up.app_context(), time_machine.travel(utcnow() + dt.timedelta(minutes=2), tick=False):
        assert "1 sent" in send_waiting(up)
        assert [e.rcpt_tos for e in handler.envelopes] == [["ada@example.org"]]


# --- no server, or a server that cannot be reached ------------------------------------------------


def test_without_a_mail_server_the_sender_logs_messages_not_sends_them(make_app, mailbox, caplog):
    handler, _ = mailbox
    app = make_app(MAIL_SERVER="")
    with app.app_context():
        team = make_team()
        soon = starting_in(team, 2)
        ada = member(team, "Ada Lovelace")
        book_place(soon.id, ada)
        db.session.commit()
        with caplog.at_level(logging.INFO):
            booked = app.test_client().post(
                f"/api/v1/slots/{supervision(team).id}/bookings", headers=bearer(ada)
            )
            result = app.test_cli_runner().invoke(args=["send-reminders"])
            assert "E-mail not sent" not in caplog.text  # stored, waiting for the sender
            sending = app.test_cli_runner().invoke(args=["send-mail"])
        assert booked.status_code == 201
        assert result.exit_code == 0, result.output
        assert sending.exit_code == 0 and "2 sent" in sending.output, sending.output
        assert "1 reminder(s) due" in result.output
        assert "E-mail not sent (no MAIL_SERVER): 'Place booked: supervision on 6 July'" in caplog.text
        assert "E-mail not sent (no MAIL_SERVER): 'Reminder: supervision on" in caplog.text
        assert "Ada" not in caplog.text and "ada@example.org" not in caplog.text
        assert handler.envelopes == []
        # Logged counts as handled: the next run does not log it again.
        again = app.test_cli_runner().invoke(args=["send-reminders"])
        assert "0 reminder(s) due" in again.output


def test_an_unreachable_mail_server_never_slows_or_stops_a_booking(make_app, caplog, monkeypatch):
    app = make_app(MAIL_SERVER="127.0.0.1", MAIL_PORT=free_port())
    with app.app_context():
        team = make_team()
        session = supervision(team)
        ada = member(team, "Ada Lovelace")
        headers = bearer(ada)

        def no_smtp_during_a_request(*args, **kwargs):
            raise AssertionError("a request must not talk to the mail server")

        monkeypatch.setattr(smtplib, "SMTP", no_smtp_during_a_request)
        response = app.test_client().post(f"/api/v1/slots/{session.id}/bookings", headers=headers)
        assert response.status_code == 201
        assert response.get_json()["status"] == "booked"
        monkeypatch.undo()
        db.session.expire_all()
        assert db.session.get(ProgrammeSession, session.id).booked_count == 1
        [waiting] = db.session.scalars(db.select(OutboxMessage)).all()
        assert waiting.status == "waiting" and waiting.to == "ada@example.org"
        with caplog.at_level(logging.ERROR):
            assert "1 to be tried again" in send_waiting(app)
        assert "E-mail delivery failed" in caplog.text and "ada@example.org" not in caplog.text


def test_moving_a_session_after_its_reminder_reminds_again_before_the_new_time(smtp_app):
    from programme.supervision import series as services
    from tests.factories import make_training

    app, box = smtp_app
    runner = app.test_cli_runner()
    team = make_team()
    facilitator = make_training(course="peer_supervision", completed_on=dt.date(2025, 1, 1)).person
    soon = starting_in(team, 3, facilitator=facilitator)
    book_place(soon.id, member(team, "Ada Lovelace"))
    db.session.commit()
    assert "1 reminder(s) due" in runner.invoke(args=["send-reminders"]).output
    # Put back by two hours: still within the next day, so the new time is reminded too.
    later = soon.starts_local + dt.timedelta(hours=2)
    services.edit_occurrence(soon, day=later.date(), start=later.time(), duration_minutes=90, capacity=2,
                    location="Room 4", online_link="")
    db.session.commit()
    assert "1 reminder(s) due" in runner.invoke(args=["send-reminders"]).output
    db.session.execute(db.delete(OutboxMessage).where(~OutboxMessage.subject.startswith("Reminder")))
    db.session.commit()
    send_waiting(app)
    assert [e.rcpt_tos[0] for e in box.envelopes] == ["ada@example.org", "ada@example.org"]
