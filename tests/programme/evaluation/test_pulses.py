"""Pulses: created by a lead for chosen teams, invitations on the day they open, one reminder to those who
have not answered (with a fresh link), cancelling, and links refused once closed."""

from __future__ import annotations

import datetime as dt
import html
import re

import pytest

from programme.evaluation.answers import answer
from programme.evaluation.models import Pulse, SurveyInvitation, SurveyResponse
from rosters.extensions import db
from rosters.models import AuditEvent
from tests.factories import make_person, make_questionnaire, make_team
from tests.moments import A_MONDAY, uk
from tests.plugin import date_parts
from tests.plugin import text as raw_text

pytestmark = pytest.mark.time_machine(uk(A_MONDAY), tick=False)
LINK = re.compile(r"/respond/([A-Za-z0-9_-]+)")


def text(response) -> str:
    return html.unescape(raw_text(response))


@pytest.fixture
def setting(app, auth):
    """A lead signed in; two teams to survey and one not, with people of every kind in them."""
    lead = make_person(role="lead", name="Lee Lead", email="lee.lead@example.org")
    north = make_team(name="Assessment North", service="Assessment")
    south = make_team(name="Fostering South", service="Fostering")
    west = make_team(name="Leaving Care West", service="Leaving care")
    people = [make_person(team=north, email="n1@example.org"), make_person(team=north, email="n2@example.org"),
              make_person(team=north, role="manager", email="n3@example.org"),
              make_person(team=south, email="s1@example.org"), make_person(team=south, role="facilitator",
                                                                          email="s2@example.org")]
    make_person(team=north, email="gone@example.org", enabled=False)
    make_person(team=west, email="w1@example.org")
    questionnaire = make_questionnaire()
    db.session.commit()
    auth.login(lead.email)
    return {"lead": lead, "north": north, "south": south, "west": west, "people": people,
            "questionnaire": questionnaire}


def create(client, setting, *, opens_on: dt.date = A_MONDAY, days: str = "7", teams=None, title="Winter pulse"):
    teams = teams if teams is not None else [setting["north"].id, setting["south"].id]
    return client.post("/evaluation/pulses/new", data={
        "title": title, "questionnaire": str(setting["questionnaire"].id), "teams": [str(t) for t in teams],
        "opens_on": date_parts(opens_on), "days": days})


def links(messages) -> dict[str, str]:
    return {m.to: LINK.search(m.body).group(1) for m in messages}


def every_answer(value: str = "3") -> dict[str, str]:
    from programme.evaluation.definitions import load
    from tests.factories import EXAMPLE_QUESTIONNAIRE

    return {item.id: value for item in load(EXAMPLE_QUESTIONNAIRE.read_bytes()).items}


def test_a_pulse_opening_today_invites_the_chosen_teams_people_at_once(client, setting, sent):
    response = create(client, setting)
    assert response.status_code == 302
    assert "Pulse created and open: 5 people sent a link" in text(client.get(response.headers["Location"]))
    pulse = db.session.scalar(db.select(Pulse))
    assert (pulse.opens_on, pulse.closes_on) == (A_MONDAY, A_MONDAY + dt.timedelta(days=6))
    assert sorted(m.to for m in sent) == sorted(p.email for p in setting["people"])  # not west, not disabled
    for message in sent:
        assert "Hello" not in message.subject and "@" not in message.subject
        assert "open until 29 November 2026" in message.subject
        assert "http://" in message.body and "/respond/" in message.body
    invitations = db.session.scalars(db.select(SurveyInvitation)).all()
    assert {(i.person.email, i.team_id) for i in invitations} == {(p.email, p.team_id) for p in setting["people"]}
    assert all(i.expires_on == pulse.closes_on and i.source == "pulse" for i in invitations)
    assert db.session.scalar(db.select(db.func.count()).select_from(AuditEvent)
                             .where(AuditEvent.action == "pulse_created")) == 1
    # The link works and the answer keeps only the team.
    secret = links(sent)["s1@example.org"]
    page = client.get(f"/respond/{secret}")
    assert page.status_code == 200 and "Work and wellbeing check" in text(page)
    assert client.post(f"/respond/{secret}", data=every_answer("4")).status_code == 200
    (response_row,) = db.session.scalars(db.select(SurveyResponse)).all()
    assert (response_row.pulse_id, response_row.team_id, response_row.source) == (pulse.id, setting["south"].id, "pulse")
    assert client.get(f"/respond/{secret}").status_code == 410


def test_the_form_refuses_what_cannot_be_a_pulse(client, setting, sent):
    past = create(client, setting, opens_on=A_MONDAY - dt.timedelta(days=1))
    assert past.status_code == 400 and "The pulse must open today or later" in text(past)
    long = create(client, setting, days="61")
    assert long.status_code == 400 and "A pulse is open for 1 to 60 days" in text(long)
    words = create(client, setting, days="a week")
    assert words.status_code == 400 and "must be a whole number" in text(words)
    none = create(client, setting, teams=[])
    assert none.status_code == 400 and "Select at least one team" in text(none)
    setting["west"].active = False
    db.session.commit()
    inactive = create(client, setting, teams=[setting["west"].id])
    assert inactive.status_code == 400
    untitled = create(client, setting, title="")
    assert untitled.status_code == 400 and "Enter a title for the pulse" in text(untitled)
    assert db.session.scalar(db.select(db.func.count()).select_from(Pulse)) == 0
    assert sent == []
    form = text(client.get("/evaluation/pulses/new"))
    assert "Assessment North (Assessment)" in form and "Leaving Care West" not in form


def test_a_later_pulse_is_sent_by_the_command_on_its_day_then_one_reminder_to_non_answerers(
        client, setting, sent, runner, time_machine):
    opens = A_MONDAY + dt.timedelta(days=2)  # Wednesday; open 5 days, to Sunday 29 November
    response = create(client, setting, opens_on=opens, days="5")
    assert response.status_code == 302
    assert "Links will be e-mailed on 25 November 2026" in text(client.get(response.headers["Location"]))
    assert sent == []
    result = runner.invoke(args=["send-pulse-reminders"])
    assert result.exit_code == 0 and "0 invitation(s) and 0 reminder(s) sent" in result.output
    assert sent == []  # not before it opens

    time_machine.move_to(uk(opens))
    result = runner.invoke(args=["send-pulse-reminders"])
    assert "5 invitation(s) and 0 reminder(s) sent" in result.output
    first = links(sent)
    assert set(first) == {p.email for p in setting["people"]}
    sent.clear()
    assert "0 invitation(s)" in runner.invoke(args=["send-pulse-reminders"]).output
    assert sent == []  # nothing twice

    for email in ("n1@example.org", "s1@example.org"):
        answer(first[email], every_answer())
    db.session.commit()

    time_machine.move_to(uk(opens + dt.timedelta(days=2)))  # Friday: three days left, no reminder yet
    assert "0 reminder(s)" in runner.invoke(args=["send-pulse-reminders"]).output
    time_machine.move_to(uk(opens + dt.timedelta(days=3)))  # Saturday: the last two days
    result = runner.invoke(args=["send-pulse-reminders"])
    assert "0 invitation(s) and 3 reminder(s) sent" in result.output
    reminded = links(sent)
    assert set(reminded) == {"n2@example.org", "n3@example.org", "s2@example.org"}
    assert all(m.subject.startswith("Reminder:") and "new link" in m.body for m in sent)
    # The first link has been replaced by the reminder's.
    assert client.get(f"/respond/{first['n2@example.org']}").status_code == 404
    assert client.get(f"/respond/{reminded['n2@example.org']}").status_code == 200
    sent.clear()
    time_machine.move_to(uk(opens + dt.timedelta(days=4)))
    assert "0 invitation(s) and 0 reminder(s) sent" in runner.invoke(args=["send-pulse-reminders"]).output
    assert sent == []  # one reminder only
    time_machine.move_to(uk(opens + dt.timedelta(days=5)))  # the day after it closed
    closed = client.get(f"/respond/{reminded['n2@example.org']}")
    assert closed.status_code == 410 and "has closed" in text(closed)


def test_a_one_day_pulse_has_no_reminder(client, setting, sent, runner, time_machine):
    assert create(client, setting, days="1").status_code == 302
    sent.clear()
    assert "0 reminder(s)" in runner.invoke(args=["send-pulse-reminders"]).output
    assert sent == []


def test_cancelling_closes_the_links_and_keeps_the_answers(client, setting, sent):
    create(client, setting)
    pulse = db.session.scalar(db.select(Pulse))
    given = links(sent)
    answer(given["n1@example.org"], every_answer())
    db.session.commit()
    response = client.post(f"/evaluation/pulses/{pulse.id}/cancel")
    assert response.status_code == 302
    assert "Pulse cancelled" in text(client.get(response.headers["Location"]))
    closed = client.get(f"/respond/{given['n2@example.org']}")
    assert closed.status_code == 410 and "has closed" in text(closed)
    assert db.session.scalar(db.select(db.func.count()).select_from(SurveyResponse)) == 1
    again = client.post(f"/evaluation/pulses/{pulse.id}/cancel")
    assert "already cancelled" in text(client.get(again.headers["Location"]))
    assert "Cancelled" in text(client.get("/evaluation/pulses"))
