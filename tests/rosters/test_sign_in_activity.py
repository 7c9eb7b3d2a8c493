"""A sign-in's last request is written at most once a minute, and its idle and absolute limits stay exact."""

from __future__ import annotations

import datetime as dt

import pytest

from rosters.extensions import db
from rosters.models import SignInSession
from tests.factories import make_person
from tests.moments import A_MONDAY, uk
from tests.statements import statements

pytestmark = pytest.mark.time_machine(uk(A_MONDAY), tick=False)


def last_seen() -> dt.datetime:
    db.session.remove()  # read what is stored, not what this test's session holds
    return db.session.scalar(db.select(SignInSession.last_seen_at))


def get(client, path: str = "/"):
    db.session.remove()  # each request starts with nothing read, as a real one does
    return client.get(path)


def signed_in(response) -> bool:
    if response.status_code == 302:
        assert "/sign-in" in response.headers["Location"]
        return False
    assert response.status_code == 200
    return True


@pytest.fixture
def member(client, auth):
    person = make_person()
    db.session.commit()
    auth.login(person.email)
    return person


def test_last_seen_is_written_at_most_once_a_minute(client, member, time_machine):
    signed_in_at = last_seen()
    time_machine.shift(dt.timedelta(seconds=59))
    db.session.remove()
    with statements() as sent:
        assert signed_in(client.get("/calendar"))
    assert not [statement for statement in sent if statement.lstrip().upper().startswith("UPDATE")]
    assert last_seen() == signed_in_at

    time_machine.shift(dt.timedelta(seconds=1))
    assert signed_in(get(client, "/calendar"))
    assert last_seen() == signed_in_at + dt.timedelta(minutes=1)


def test_idle_limit_counts_from_the_last_request_though_it_was_not_written(app, client, member, time_machine):
    idle = dt.timedelta(minutes=app.config["SESSION_IDLE_MINUTES"])
    signed_in_at = last_seen()
    time_machine.shift(dt.timedelta(seconds=30))
    assert signed_in(get(client))
    assert last_seen() == signed_in_at  # not written: the request is only noted in the cookie

    time_machine.shift(idle - dt.timedelta(seconds=1))  # idle - 1 s since that request, idle + 29 s since the write
    assert signed_in(get(client))
    time_machine.shift(idle + dt.timedelta(seconds=1))
    assert not signed_in(get(client))


def test_idle_limit_ends_a_sign_in_whose_last_request_was_not_written(app, client, member, time_machine):
    idle = dt.timedelta(minutes=app.config["SESSION_IDLE_MINUTES"])
    time_machine.shift(dt.timedelta(seconds=30))
    assert signed_in(get(client))
    time_machine.shift(idle + dt.timedelta(seconds=1))
    assert not signed_in(get(client))
    time_machine.shift(dt.timedelta(seconds=1))
    assert not signed_in(get(client))  # ended for good, not just refused once


def test_a_cookie_note_never_outlives_what_is_stored(client, member, time_machine):
    """A note is believed only within a minute of the stored time: moving the stored time back (as the
    database says the sign-in was idle) ends the sign-in whatever the cookie says."""
    time_machine.shift(dt.timedelta(seconds=30))
    assert signed_in(get(client))
    sign_in = db.session.scalar(db.select(SignInSession))
    sign_in.last_seen_at -= dt.timedelta(hours=2)
    db.session.commit()
    assert not signed_in(get(client))


def test_absolute_limit_is_exact_however_busy_the_sign_in(app, client, member, time_machine):
    absolute = dt.timedelta(hours=app.config["SESSION_ABSOLUTE_HOURS"])
    step = dt.timedelta(minutes=20)
    for _ in range(absolute // step - 1):
        time_machine.shift(step)
        assert signed_in(get(client))
    time_machine.shift(step - dt.timedelta(seconds=1))  # one second before the limit
    assert signed_in(get(client))
    time_machine.shift(dt.timedelta(seconds=2))
    assert not signed_in(get(client))


def test_the_note_is_renewed_at_most_every_ten_seconds_and_never_lengthens_a_sign_in(app, client, member,
                                                                                       time_machine):
    idle = dt.timedelta(minutes=app.config["SESSION_IDLE_MINUTES"])
    time_machine.shift(dt.timedelta(seconds=30))
    assert signed_in(get(client))  # noted in the cookie
    time_machine.shift(dt.timedelta(seconds=5))
    response = get(client)
    assert signed_in(response)
    assert "Set-Cookie" not in response.headers  # too soon after the note to send a new cookie
    time_machine.shift(idle - dt.timedelta(seconds=4))  # idle + 1 s since the note, idle - 4 s since the last request
    assert not signed_in(get(client))  # ended a little early rather than late
