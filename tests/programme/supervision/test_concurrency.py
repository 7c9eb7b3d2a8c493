"""The supervision issue's acceptance test: simultaneous bookings against a real multi-worker server.

Twenty people ask for three places at the same moment, through four gunicorn worker processes sharing
the test database (SQLite by default, PostgreSQL with TEST_DATABASE_URL). Exactly three get a place,
seventeen get waitlist places 1..17 in the order the database recorded them, and nothing is over-filled.
"""

from __future__ import annotations

import datetime as dt
import http.client
import json
import os
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from programme.errors import ProgrammeError
from programme.models import Booking, ProgrammeSession
from programme.supervision.series import change_capacity
from rosters.clock import today_uk
from rosters.extensions import db
from rosters.services import create_token
from tests.factories import make_person, make_session, make_team
from tests.plugin import ROOT

WORKERS = 4


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Server:
    """A gunicorn server on a local port, spoken to with plain http.client."""

    def __init__(self, port: int, log: Path | None = None):
        self.port = port
        self.log = log

    def workers_that_answered(self, method: str, path: str, requests: int) -> set[str]:
        """Process ids of the gunicorn workers whose access log shows these requests.

        A worker writes its log line just after sending the response, so wait a moment for all of them.
        """
        assert self.log is not None
        deadline = time.monotonic() + 10
        while True:
            lines = [line.split() for line in self.log.read_text().splitlines() if line.startswith("access ")]
            answered = [pid for _, pid, verb, url, *_ in lines if verb == method and url == path]
            if len(answered) >= requests or time.monotonic() > deadline:
                return set(answered)
            time.sleep(0.1)

    def request(self, method: str, path: str, token: str | None = None) -> tuple[int, dict | None]:
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
        try:
            headers = {"Authorization": f"Bearer {token}"} if token else {}
            connection.request(method, path, headers=headers)
            response = connection.getresponse()
            body = response.read()
            return response.status, (json.loads(body) if body else None)
        finally:
            connection.close()


@pytest.fixture(scope="module")
def server(database_url: str, _migrated: None, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """``gunicorn --workers 4 app:app`` on the test database, stopped when the module's tests are done."""
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("MAIL_")}
    env.update(DATABASE_URL=database_url, SECRET_KEY="concurrency-test", PYTHONUNBUFFERED="1")
    log = tmp_path_factory.mktemp("gunicorn") / "gunicorn.log"
    with log.open("wb") as output:
        process = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "--workers", str(WORKERS), "--bind", f"127.0.0.1:{port}",
             "--timeout", "60", "--access-logfile", "-", "--access-logformat", "access %(p)s %(m)s %(U)s %(s)s",
             "app:app"],
            cwd=ROOT, env=env, stdout=output, stderr=subprocess.STDOUT,
        )
    try:
        deadline = time.monotonic() + 60
        while True:
            if process.poll() is not None:
                pytest.fail(f"gunicorn exited with {process.returncode}:\n{log.read_text()}")
            try:
                if Server(port).request("GET", "/healthz")[0] == 200:
                    break
            except OSError:
                pass
            if time.monotonic() > deadline:
                pytest.fail(f"gunicorn did not answer /healthz within 60 seconds:\n{log.read_text()}")
            time.sleep(0.2)
        yield Server(port, log)
    finally:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)


def all_at_once(calls: list) -> list:
    """Run every call in its own thread, all released together by a barrier; results in call order."""
    barrier = threading.Barrier(len(calls))
    results: list = [None] * len(calls)

    def run(index: int) -> None:
        barrier.wait()
        try:
            results[index] = calls[index]()
        except Exception as exc:  # reported by the assertions below, not lost in a thread
            results[index] = exc

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(calls))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return results


def bookings_of(session_id: int) -> list[Booking]:
    db.session.expire_all()
    return list(db.session.scalars(db.select(Booking).where(Booking.session_id == session_id).order_by(Booking.id)))


def supervision_slot(capacity: int) -> tuple[ProgrammeSession, list]:
    """A scheduled supervision session next week and twenty team members with tokens, all committed."""
    team = make_team()
    day = today_uk() + dt.timedelta(days=7)
    session = make_session(team=team, date=day, status="scheduled", capacity=capacity, location="Room 1")
    people = [make_person(team=team, password=False) for _ in range(20)]
    tokens = {person.id: create_token(person.email) for person in people}
    db.session.commit()
    return session, [(person, tokens[person.id]) for person in people]


def test_twenty_simultaneous_requests_for_three_places(app, server):
    session, people = supervision_slot(capacity=3)
    session_id = session.id
    path = f"/api/v1/slots/{session_id}/bookings"

    results = all_at_once([lambda token=token: server.request("POST", path, token) for _, token in people])

    errors = [r for r in results if not isinstance(r, tuple)]
    assert not errors, errors
    statuses = [status for status, _ in results]
    assert statuses == [201] * 20, results
    # The requests really were shared out between worker processes (the access log names each pid).
    assert len(server.workers_that_answered("POST", path, 20)) > 1
    bodies = [body for _, body in results]
    booked = [b for b in bodies if b["status"] == "booked"]
    waiting = [b for b in bodies if b["status"] == "waitlisted"]
    assert len(booked) == 3 and len(waiting) == 17
    assert all(b["waitlist_position"] is None for b in booked)
    assert sorted(b["waitlist_position"] for b in waiting) == list(range(1, 18))

    # The database agrees: three places, seventeen in a queue whose order (by id) is the positions given.
    rows = bookings_of(session_id)
    assert [r.status for r in rows].count("booked") == 3
    assert [r.status for r in rows].count("waitlisted") == 17
    assert db.session.get(ProgrammeSession, session_id).booked_count == 3
    position_of = {b["id"]: b["waitlist_position"] for b in waiting}
    queue = [r.id for r in rows if r.status == "waitlisted"]
    assert [position_of[booking_id] for booking_id in queue] == list(range(1, 18))
    assert {r.id for r in rows if r.status == "booked"} == {b["id"] for b in booked}
    token_of = {person.id: token for person, token in people}
    by_position = {b["waitlist_position"]: b["id"] for b in waiting}

    # Someone gives up a place: the first in the queue gets it, and there are still three places taken.
    first_booked = next(r for r in rows if r.status == "booked")
    status, _ = server.request("DELETE", f"/api/v1/bookings/{first_booked.id}", token_of[first_booked.person_id])
    assert status == 204
    assert {r.id: r.status for r in bookings_of(session_id)}[by_position[1]] == "booked"
    assert db.session.get(ProgrammeSession, session_id).booked_count == 3
    # The person who was second now sees themselves first.
    second = db.session.get(Booking, by_position[2])
    status, body = server.request("GET", f"/api/v1/slots?from={session.date}&to={session.date}", token_of[second.person_id])
    assert status == 200 and body["slots"][0]["my_booking"]["waitlist_position"] == 1
    assert body["slots"][0]["booked"] == 3 and body["slots"][0]["places_left"] == 0

    # Two more places go to the next two in the queue, in order.
    promoted = change_capacity(session_id, 5)
    db.session.commit()
    assert [b.id for b in promoted] == [by_position[2], by_position[3]]
    statuses_now = {r.id: r.status for r in bookings_of(session_id)}
    assert [statuses_now[by_position[n]] for n in range(1, 6)] == ["booked", "booked", "booked", "waitlisted", "waitlisted"]
    assert db.session.get(ProgrammeSession, session_id).booked_count == 5

    # Capacity cannot be cut below the places already booked, and nothing changes when it is refused.
    with pytest.raises(ProgrammeError, match="5 places are already booked"):
        change_capacity(session_id, 4)
    db.session.rollback()
    refreshed = db.session.get(ProgrammeSession, session_id)
    assert (refreshed.capacity, refreshed.booked_count) == (5, 5)


def test_one_person_asking_five_times_at_once_gets_one_place(app, server):
    session, people = supervision_slot(capacity=3)
    session_id = session.id
    _, token = people[0]
    path = f"/api/v1/slots/{session_id}/bookings"

    results = all_at_once([lambda: server.request("POST", path, token) for _ in range(5)])

    errors = [r for r in results if not isinstance(r, tuple)]
    assert not errors, errors
    assert sorted(status for status, _ in results) == [201, 409, 409, 409, 409], results
    assert all("error" in body for status, body in results if status == 409)
    rows = bookings_of(session_id)
    assert [r.status for r in rows] == ["booked"]
    assert db.session.get(ProgrammeSession, session_id).booked_count == 1


def test_cancelling_and_booking_at_once_never_overfills(app, server):
    """Places freed and taken at the same moment: the count always matches the bookings, within capacity."""
    session, people = supervision_slot(capacity=3)
    session_id = session.id
    path = f"/api/v1/slots/{session_id}/bookings"
    first = [server.request("POST", path, token) for _, token in people[:6]]
    assert [body["status"] for _, body in first] == ["booked"] * 3 + ["waitlisted"] * 3
    token_of = {person.id: token for person, token in people}
    rows = bookings_of(session_id)
    cancels = [
        lambda booking=booking: server.request("DELETE", f"/api/v1/bookings/{booking.id}", token_of[booking.person_id])
        for booking in rows[:3]
    ]
    books = [lambda token=token: server.request("POST", path, token) for _, token in people[6:14]]

    results = all_at_once(cancels + books)

    assert not [r for r in results if not isinstance(r, tuple)], results
    assert [status for status, _ in results] == [204] * 3 + [201] * 8, results
    rows = bookings_of(session_id)
    booked = [r for r in rows if r.status == "booked"]
    waiting = [r for r in rows if r.status == "waitlisted"]
    assert len(booked) == 3 == db.session.get(ProgrammeSession, session_id).booked_count
    # The three who were waiting before anyone cancelled hold the places freed.
    assert {r.id for r in booked} == {body["id"] for _, body in first[3:]}
    assert len(waiting) == 8
