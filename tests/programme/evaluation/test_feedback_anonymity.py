"""No stored answer can be joined back to a person; privacy tools reach feedback links."""

from __future__ import annotations

import datetime as dt
import json
import logging

import pytest
from sqlalchemy import DateTime, func, inspect, select

from programme.evaluation.models import SurveyInvitation, SurveyResponse
from rosters.extensions import db
from rosters.models import AuditEvent, Person
from tests.factories import make_facilitator, make_person, make_session, make_team
from tests.programme.evaluation.feedback_data import ALL_FIVES, links_in, register_form, started_session

PERSONAL_TABLES = {"people", "survey_invitations", "programme_sessions", "bookings", "debrief_requests",
                   "debrief_invitations", "sign_in_sessions", "api_tokens", "audit_events"}


def test_the_responses_table_has_nothing_that_leads_to_a_person(app):
    table = SurveyResponse.__table__
    referenced = {fk.column.table.name for fk in table.foreign_keys}
    assert referenced == {"questionnaires", "pulses", "teams"}
    assert not referenced & PERSONAL_TABLES
    assert not [c.name for c in table.columns if isinstance(c.type, DateTime)]  # no instant, only the month
    assert {c.name for c in table.columns} == {"id", "source", "questionnaire_id", "session_kind", "pulse_id",
                                               "team_id", "month", "answers", "scores", "comment"}
    # The database agrees (the migration built the same thing).
    columns = {c["name"] for c in inspect(db.engine).get_columns("survey_responses")}
    assert columns == {c.name for c in table.columns}
    foreign = {fk["referred_table"] for fk in inspect(db.engine).get_foreign_keys("survey_responses")}
    assert not foreign & PERSONAL_TABLES
    # And the invitation knows nothing of the answer: no column points at survey_responses.
    assert not [fk for t in db.metadata.sorted_tables for fk in t.foreign_keys
                if fk.column.table.name == "survey_responses"]


def test_the_order_answers_were_stored_in_is_not_kept(app):
    """Keys are random; on SQLite the table has no hidden rowid, so rows sit in the order of their keys."""
    keys = [SurveyResponse.id.default.arg(None) for _ in range(200)]
    assert len(set(keys)) == 200 and keys != sorted(keys)
    if db.engine.dialect.name == "sqlite":
        with db.engine.connect() as connection:
            sql = connection.exec_driver_sql(
                "SELECT sql FROM sqlite_master WHERE name = 'survey_responses'").scalar_one()
        assert "WITHOUT ROWID" in sql


def test_answering_leaves_no_trace_of_who_or_when(client, auth, app, sent, caplog):
    app.config["MAIL_SERVER"] = ""
    team = make_team()
    members = [make_person(team=team, name=f"Distinct Name{n}", email=f"distinct{n}@example.org") for n in range(4)]
    facilitator = make_facilitator(email="fac@example.org")
    session = started_session(team, facilitator, members)
    auth.login(facilitator.email)
    client.post(f"/facilitation/sessions/{session.id}/register", data=register_form(session, {m.id for m in members}))
    auth.logout()
    links = links_in(sent)
    audit_before = db.session.scalar(select(func.count()).select_from(AuditEvent))
    caplog.set_level(logging.DEBUG)
    caplog.clear()
    for member in members:
        response = client.post(f"/respond/{links[member.email]}", data={**ALL_FIVES, "comment": "Useful"})
        assert response.status_code == 200
    assert client.post(f"/respond/{links[members[0].email]}", data=ALL_FIVES).status_code == 410
    # Not one audit line, and no log line naming the person, their address, their id or their link.
    assert db.session.scalar(select(func.count()).select_from(AuditEvent)) == audit_before
    logged = "\n".join(record.getMessage() for record in caplog.records)
    for member in members:
        for trace in (member.email, member.name, links[member.email]):
            assert trace not in logged

    rows = db.session.scalars(select(SurveyResponse)).all()
    assert len(rows) == 4
    for row in rows:
        assert row.month.day == 1
        assert len(row.id) == 32 and int(row.id, 16) >= 0  # random hex
        stored = json.dumps([row.answers, row.scores, row.comment, row.session_kind])
        for member in members:
            assert member.email not in stored and member.name not in stored
            assert links[member.email] not in stored
        for invitation in db.session.scalars(select(SurveyInvitation)):
            assert invitation.token_hash not in stored and row.id != str(invitation.id)
    # Keys are 128 random bits, not a sequence: ordering by them says nothing about who answered first.
    ids = [row.id for row in rows]
    assert len(set(ids)) == 4 and not any(i.isdigit() for i in ids)
    assert SurveyResponse.__table__.c.id.default.arg.__name__ == "random_key"
    # What the invitation keeps: that it was answered, nothing more (no time of answering).
    invitation_columns = {c.name for c in SurveyInvitation.__table__.columns}
    assert not {"answered_at", "response_id", "updated_at"} & invitation_columns


@pytest.mark.parametrize("tool", ["erase", "retain"])
def test_erasure_and_retention_remove_the_person_from_feedback_links(client, auth, app, sent, runner, tool,
                                                                     time_machine):
    app.config["MAIL_SERVER"] = ""
    team = make_team()
    member = make_person(team=team, email="leaver@example.org")
    facilitator = make_facilitator(email="fac@example.org")
    session = started_session(team, facilitator, [member])
    auth.login(facilitator.email)
    client.post(f"/facilitation/sessions/{session.id}/register", data=register_form(session, {member.id}))
    auth.logout()
    secret = links_in(sent)[member.email]

    export = runner.invoke(args=["export-person", "--email", member.email])
    assert export.exit_code == 0, export.output
    listed = json.loads(export.output)["survey_invitations"]
    assert len(listed) == 1 and listed[0]["answered"] is False and listed[0]["about"]["session_kind"] == "supervision"

    if tool == "erase":
        result = runner.invoke(args=["erase-person", "--email", member.email, "--yes"])
    else:
        time_machine.move_to(dt.datetime.now(dt.UTC) + dt.timedelta(days=800))
        result = runner.invoke(args=["apply-retention"])
    assert result.exit_code == 0, result.output
    db.session.expire_all()
    assert db.session.scalar(select(func.count()).select_from(SurveyInvitation)
                             .where(SurveyInvitation.person_id.is_not(None))) == 0
    assert db.session.scalar(select(func.count()).select_from(SurveyInvitation)) == 1  # still counts as sent
    assert client.get(f"/respond/{secret}").status_code in (404, 410)
    if tool == "erase":
        assert db.session.scalar(select(Person).where(Person.email == "leaver@example.org")) is None
    else:
        assert "feedback and pulse links 1" in result.output


def test_every_table_that_points_at_a_person_in_evaluation_is_handled_by_erasure():
    """Erasure must reach each evaluation column that names a person; a new one fails here until it does."""
    from programme.privacy import erasure

    source = open(erasure.__file__).read()
    people = Person.__table__
    for table in db.metadata.sorted_tables:
        if table.name in {"survey_invitations", "pulses", "survey_responses", "questionnaires", "workforce_months",
                          "pulse_teams"}:
            for fk in table.foreign_keys:
                if fk.column.table is people:
                    model = {"survey_invitations": "SurveyInvitation", "pulses": "Pulse"}[table.name]
                    assert f"{model}.{fk.parent.name}" in source, f"{table.name}.{fk.parent.name}"


def test_the_database_stamp_of_an_answer_names_its_group_not_its_author(app):
    """PostgreSQL stamps rows with the id of the transaction that wrote them (``xmin``); an answer's stamp
    must be shared by every invitation of its session, not by the author's invitation alone."""
    from programme.evaluation.answers import answer, invite, session_feedback_questionnaire
    from rosters.clock import today_uk

    team = make_team()
    session = make_session(team=team, kind="supervision", status="delivered", attendees=3)
    questionnaire = session_feedback_questionnaire()
    secrets = [invite(make_person(team=team), questionnaire, expires_on=today_uk() + dt.timedelta(days=5),
                      session=session, team_id=team.id)[1] for _ in range(3)]
    db.session.commit()
    for secret in secrets[:2]:
        answer(secret, dict.fromkeys(["safe", "reflect", "lighter", "recommend"], "4"))
        db.session.commit()
    if db.engine.dialect.name != "postgresql":
        pytest.skip("xmin is PostgreSQL's")
    with db.engine.connect() as connection:
        stamps = connection.exec_driver_sql("SELECT xmin::text FROM survey_responses").scalars().all()
        for stamp in stamps:
            sharing = connection.exec_driver_sql(
                "SELECT count(*) FROM survey_invitations WHERE xmin::text = %s", (stamp,)).scalar_one()
            assert sharing in (0, 3)  # the whole session's links, or none
