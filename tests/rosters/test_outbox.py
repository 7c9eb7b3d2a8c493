"""The outbox: every e-mail is stored with its change, sent later by ``flask send-mail``, never lost while
the mail server is down, tried again less often, shown to leads when it fails for good."""

from __future__ import annotations

import datetime as dt
import smtplib
import time
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
import time_machine as travel
from aiosmtpd.controller import Controller

from rosters import outbox
from rosters.clock import local_to_utc, utcnow
from rosters.extensions import db
from rosters.models import AuditEvent, OutboxMessage
from rosters.services import create_token
from tests.factories import PASSWORD, make_person, make_session, make_team
from tests.moments import A_MONDAY, uk
from tests.programme.supervision.test_mail import Mailbox, free_port

pytestmark = pytest.mark.time_machine(uk(A_MONDAY), tick=False)
DAY = dt.date(2027, 7, 6)


def bearer(person) -> dict[str, str]:
    token = create_token(person.email)
    db.session.commit()
    return {"Authorization": f"Bearer {token}"}


def rows(status: str | None = None) -> list[OutboxMessage]:
    db.session.expire_all()
    query = db.select(OutboxMessage).order_by(OutboxMessage.id)
    if status:
        query = query.where(OutboxMessage.status == status)
    return list(db.session.scalars(query))


@contextmanager
def smtp_server() -> Iterator[tuple[Mailbox, int]]:
    """A local SMTP server taking everything it is sent, for the length of the block: its box and port."""
    box = Mailbox()
    controller = Controller(box, hostname="127.0.0.1", port=free_port())
    controller.start()
    try:
        yield box, controller.port
    finally:
        controller.stop()


def send_mail(app, *args: str) -> str:
    result = app.test_cli_runner().invoke(args=["send-mail", *args])
    assert result.exit_code == 0, result.output
    return result.output


@pytest.fixture
def people(app):
    team = make_team()
    session = make_session(team=team, date=DAY, starts_at=local_to_utc(DAY, dt.time(10)), status="scheduled",
                           capacity=1, location="Room 4")
    names = ("ada", "ben", "cy")
    return session, [make_person(team=team, email=f"{n}@example.org", name=n.title()) for n in names]


def test_mail_server_down_then_up_every_message_arrives_exactly_once(make_app, monkeypatch):
    port = free_port()  # nothing listens here yet: the mail server is down
    app = make_app(MAIL_SERVER="127.0.0.1", MAIL_PORT=port, MAIL_FROM="wellbeing@council.example")
    with app.app_context():
        team = make_team()
        session = make_session(team=team, date=DAY, starts_at=local_to_utc(DAY, dt.time(10)), status="scheduled",
                               capacity=1, location="Room 4")
        ada, ben, cy = (make_person(team=team, email=f"{n}@example.org", name=n.title()) for n in ("ada", "ben", "cy"))
        headers = {person.email: bearer(person) for person in (ada, ben, cy)}
        client = app.test_client()

        def no_smtp(*args, **kwargs):
            raise AssertionError("a request talked to the mail server")

        monkeypatch.setattr(smtplib, "SMTP", no_smtp)
        booked = client.post(f"/api/v1/slots/{session.id}/bookings", headers=headers["ada@example.org"]).get_json()
        client.post(f"/api/v1/slots/{session.id}/bookings", headers=headers["ben@example.org"])  # waitlisted
        client.post(f"/api/v1/slots/{session.id}/bookings", headers=headers["cy@example.org"])  # waitlisted
        assert client.delete(f"/api/v1/bookings/{booked['id']}", headers=headers["ada@example.org"]).status_code == 204
        monkeypatch.undo()
        expected = sorted((m.to, m.subject) for m in rows())
        assert ("ada@example.org", "Place booked: supervision on 6 July") in expected
        assert ("ben@example.org", "You have a place: supervision on 6 July") in expected  # the promotion
        assert {m.status for m in rows()} == {"waiting"}

        assert "0 sent" in send_mail(app)  # still down: everything waits
        assert {m.status for m in rows()} == {"waiting"} and all(m.attempts == 1 for m in rows())

        box = Mailbox()
        controller = Controller(box, hostname="127.0.0.1", port=port)
        controller.start()
        try:
            assert "0 sent" in send_mail(app)  # not due yet: it waits a minute after a failed try
            with travel.travel(utcnow() + dt.timedelta(minutes=2), tick=False):
                send_mail(app)
                send_mail(app)  # a second run sends nothing twice
        finally:
            controller.stop()
        delivered = sorted((e.rcpt_tos[0], m["Subject"]) for e, m in zip(box.envelopes, box.messages, strict=True))
        assert delivered == expected
        assert {m.status for m in rows()} == {"sent"}


def test_a_refused_change_stores_no_message_and_a_done_one_stores_it_with_the_change(make_app):
    app = make_app(MAIL_SERVER="127.0.0.1", MAIL_PORT=free_port())
    with app.app_context():
        team = make_team()
        session = make_session(team=team, date=DAY, starts_at=local_to_utc(DAY, dt.time(10)), status="scheduled",
                               capacity=1)
        ada = make_person(team=team, email="ada@example.org")
        headers = bearer(ada)
        client = app.test_client()
        assert client.post(f"/api/v1/slots/{session.id}/bookings", headers=headers).status_code == 201
        assert [m.to for m in rows()] == ["ada@example.org"]
        assert client.post(f"/api/v1/slots/{session.id}/bookings", headers=headers).status_code == 409
        assert len(rows()) == 1


def test_a_message_that_keeps_failing_is_shown_to_leads_who_can_send_it_again(make_app, time_machine):
    port = free_port()
    app = make_app(MAIL_SERVER="127.0.0.1", MAIL_PORT=port, MAIL_MAX_ATTEMPTS=3)
    with app.app_context():
        outbox.post([outbox.mail.Message("ada@example.org", "Place booked: supervision on 6 July", "Hello")])
        db.session.commit()
        moment = utcnow()
        waits = []
        for _ in range(3):
            send_mail(app)
            [row] = rows()
            waits.append(row.next_attempt_at - moment)
            moment = row.next_attempt_at
            time_machine.move_to(moment, tick=False)
        [row] = rows()
        assert row.status == "failed" and row.attempts == 3 and "unavailable" in row.last_error
        assert waits[0] < waits[1]  # each wait longer than the one before

        lead = make_person(role="lead", email="lead@example.org")
        client = app.test_client()
        client.post("/sign-in", data={"email": lead.email, "password": PASSWORD})
        page = client.get("/mail").get_data(as_text=True)
        assert "ada@example.org" in page and "Place booked: supervision on 6 July" in page
        assert client.post(f"/mail/{row.id}/retry").status_code == 302
        [row] = rows()
        assert row.status == "waiting" and row.attempts == 0
        assert db.session.scalar(db.select(AuditEvent.action).order_by(AuditEvent.id.desc())) == "email_retried"
        assert client.post(f"/mail/{row.id}/retry").status_code == 404  # only a failed one goes again

        box = Mailbox()
        controller = Controller(box, hostname="127.0.0.1", port=port)
        controller.start()
        try:
            assert "1 sent" in send_mail(app)
        finally:
            controller.stop()
        assert [e.rcpt_tos for e in box.envelopes] == [["ada@example.org"]]


def test_without_a_mail_server_messages_wait_and_the_sender_logs_them(make_app, caplog):
    app = make_app(MAIL_SERVER="")
    with app.app_context(), caplog.at_level("INFO"):
        outbox.post([outbox.mail.Message("ada@example.org", "Place booked: supervision on 6 July", "Hello")])
        db.session.commit()
        assert "E-mail not sent" not in caplog.text
        assert [m.status for m in rows()] == ["waiting"]  # the sender decides, not the page that made the change
        assert "1 sent" in send_mail(app)
        assert "E-mail not sent (no MAIL_SERVER): 'Place booked: supervision on 6 July'" in caplog.text
        assert [m.status for m in rows()] == ["sent"]
        assert "0 sent" in send_mail(app)


def test_mail_made_by_a_process_without_a_mail_server_is_sent_by_one_with_it(make_app):
    """The web service started without MAIL_SERVER, flask send-mail run with it (say, from cron with its
    own settings): every message reaches the server, none was dropped when it was made."""
    web = make_app(MAIL_SERVER="")
    with web.app_context():
        outbox.post([outbox.mail.Message("ada@example.org", "Place booked: supervision on 6 July", "Hello")])
        db.session.commit()
    with smtp_server() as (box, port):
        sender = make_app(MAIL_SERVER="127.0.0.1", MAIL_PORT=port)
        with sender.app_context():
            assert "1 sent" in send_mail(sender)
            assert [m.status for m in rows()] == ["sent"]
    assert [e.rcpt_tos for e in box.envelopes] == [["ada@example.org"]]


def test_a_message_being_sent_by_one_sender_is_left_alone_by_another(make_app):
    app = make_app(MAIL_SERVER="127.0.0.1", MAIL_PORT=free_port())
    with app.app_context():
        outbox.post([outbox.mail.Message("ada@example.org", "Subject", "Body")])
        db.session.commit()
        claimed = outbox._claim(utcnow())
        assert len(claimed) == 1
        assert outbox._claim(utcnow()) == []  # the second sender finds nothing to take


def test_sent_messages_are_cleared_after_the_days_kept(make_app):
    app = make_app(MAIL_SERVER="")
    with app.app_context():
        outbox.post([outbox.mail.Message("ada@example.org", "Old", "Body")])
        db.session.commit()
        send_mail(app)
        assert [m.status for m in rows()] == ["sent"]
        with travel.travel(utcnow() + dt.timedelta(days=app.config["MAIL_KEEP_DAYS"] + 1), tick=False):
            send_mail(app)
        assert rows() == []


def test_watch_keeps_sending_until_stopped(make_app, monkeypatch):
    port = free_port()
    app = make_app(MAIL_SERVER="127.0.0.1", MAIL_PORT=port)
    box = Mailbox()
    controller = Controller(box, hostname="127.0.0.1", port=port)
    controller.start()
    rounds = []

    def sleep(seconds):
        rounds.append(seconds)
        if len(rounds) > 3:
            raise KeyboardInterrupt

    monkeypatch.setattr(time, "sleep", sleep)
    try:
        with app.app_context():
            outbox.post([outbox.mail.Message("ada@example.org", "Subject", "Body")])
            db.session.commit()
            output = send_mail(app, "--watch", "--interval", "1")
    finally:
        controller.stop()
    assert "1 sent" in output and "Stopped." in output
    assert [e.rcpt_tos for e in box.envelopes] == [["ada@example.org"]]


def test_send_mail_refuses_a_bad_interval(runner):
    result = runner.invoke(args=["send-mail", "--watch", "--interval", "0"])
    assert result.exit_code != 0 and "Traceback" not in result.output


def test_a_sent_message_keeps_no_secret_link(make_app):
    """The e-mail carries the link; the stored copy, kept MAIL_KEEP_DAYS for diagnosis, must not open it."""
    body = ("Set your password: https://wellbeing.example/set-password/s3cret-token\n"
            "Your feedback: https://wellbeing.example/respond/another-secret\n"
            "Your feed: https://wellbeing.example/calendar/feed/feed-secret.ics")
    with smtp_server() as (box, port):
        app = make_app(MAIL_SERVER="127.0.0.1", MAIL_PORT=port)
        with app.app_context():
            outbox.post([outbox.mail.Message("ada@example.org", "Links", body)])
            db.session.commit()
            assert "s3cret-token" in rows()[0].body  # waiting: the body is what will be sent
            send_mail(app)
            assert "s3cret-token" in box.messages[0].get_content()  # the person gets the link
            stored = rows("sent")[0].body
            assert not any(secret in stored for secret in ("s3cret-token", "another-secret", "feed-secret"))
            assert "/set-password/[hidden]" in stored
    logged = make_app(MAIL_SERVER="")
    with logged.app_context():
        outbox.post([outbox.mail.Message("ben@example.org", "Links", body)])
        db.session.commit()
        send_mail(logged)  # written to the log instead: counted as sent, and blanked the same way
        assert rows()[-1].status == "sent" and "s3cret-token" not in rows()[-1].body
