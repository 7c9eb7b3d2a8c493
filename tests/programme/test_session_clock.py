"""A session has started from its start time on, by the one clock: the rule every "too late" check uses."""

from __future__ import annotations

import datetime as dt

import pytest

from rosters.clock import utcnow
from tests.factories import make_session
from tests.moments import A_MONDAY, uk

pytestmark = pytest.mark.time_machine(uk(A_MONDAY, dt.time(10, 0)), tick=False)


def test_a_session_has_started_from_its_start_time_on(app, time_machine):
    session = make_session(starts_at=utcnow() + dt.timedelta(minutes=1), duration_minutes=60)
    assert not session.has_started()
    time_machine.shift(dt.timedelta(seconds=59))
    assert not session.has_started()
    time_machine.shift(dt.timedelta(seconds=1))
    assert session.has_started()  # the start time itself counts
    time_machine.shift(dt.timedelta(hours=3))
    assert session.has_started()


def test_a_given_moment_is_used_instead_of_the_clock(app):
    session = make_session(starts_at=utcnow() + dt.timedelta(days=1))
    assert not session.has_started()
    assert session.has_started(session.starts_at)
    assert not session.has_started(session.starts_at - dt.timedelta(microseconds=1))
