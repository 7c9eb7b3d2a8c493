"""Subject access export and erasure, on the command line and for leads in the browser; legal holds."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from sqlalchemy import func, select

from programme.debriefs.models import DebriefRequest
from programme.models import Booking, ProgrammeSession
from rosters.clock import today_uk
from rosters.extensions import db
from rosters.models import ApiToken, AuditEvent, Person, SignInSession, TrainingRecord
from tests.factories import make_person, make_session
from tests.moments import A_MONDAY, uk
from tests.programme_data import metrics_json, populate_programme

# The programme's dates count back from A_MONDAY: erasure and retention judge them from there too.
pytestmark = pytest.mark.time_machine(uk(A_MONDAY), tick=False)

OTHER_PEOPLES_DETAILS = ("colleague@example.org", "Cal Colleague", "Mo Manager", "manager@example.org", "Chris Chair",
                         "chair@example.org", "Lee Lead", "lead@example.org", "sergeant@police.example.org")


@pytest.fixture
def cli(app, runner):
    return runner


def finish_every_request() -> None:
    """Close or decline every request and clear holds, so that nothing blocks an erasure."""
    for item in db.session.scalars(select(DebriefRequest)):
        if item.status == "requested":
            item.status, item.decline_reason = "declined", "No longer needed"
        elif item.status not in ("closed", "declined"):
            item.status = "closed"
        item.legal_hold, item.legal_hold_reason = False, ""
    db.session.commit()


def one_line_error(result) -> str:
    assert result.exit_code != 0
    assert "Traceback" not in result.output
    lines = result.output.strip().splitlines()
    assert len(lines) == 1, result.output
    return lines[0]


# ---------------------------------------------------------------------------------------------
# Subject access export


def test_export_holds_the_persons_own_records_and_no_one_elses(cli):
    ids = populate_programme()
    result = cli.invoke(args=["export-person", "--email", "MEMBER@example.org"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["person"]["email"] == "member@example.org" and data["team"]["name"] == "Assessment 1"
    assert [t["course"] for t in data["training"]] == ["peer_supervision"]
    assert len(data["bookings"]) == 3 and {b["session_date"] for b in data["bookings"]} >= {
        db.session.get(ProgrammeSession, ids["sessions"]["old_delivered"]).date.isoformat()}
    made = {item["id"]: item for item in data["debrief_requests_made"]}
    assert set(made) == set(ids["requests"].values())
    assert made[ids["requests"]["old_closed"]]["arrangements"] == "Mornings; step-free access"
    assert data["sign_ins"] and data["audit_events"][0]["action"] == "person_exported"
    for detail in OTHER_PEOPLES_DETAILS:
        assert detail not in result.output
    exported = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "person_exported",
                                                           AuditEvent.object_id == ids["people"]["member"])).all()
    assert [e.detail for e in exported][-1] == "command line"


def test_export_of_an_invited_colleague_shows_their_part_only(cli):
    ids = populate_programme()
    result = cli.invoke(args=["export-person", "--email", "colleague@example.org"])
    data = json.loads(result.output)
    assert data["debrief_requests_made"] == []
    linked = {item["id"]: item["as"] for item in data["debrief_requests_linked"]}
    assert linked[ids["requests"]["old_closed"]] == ["declared_involved", "invited"]
    assert "member@example.org" not in result.output and "Mel Member" not in result.output
    assert "Mornings" not in result.output  # the requester's arrangements are not the colleague's data


def test_export_to_a_file(cli, tmp_path):
    populate_programme()
    target = tmp_path / "sar.json"
    result = cli.invoke(args=["export-person", "--email", "chair@example.org", "--output", str(target)])
    assert result.exit_code == 0, result.output
    data = json.loads(target.read_text())
    assert len(data["sessions_facilitated"]) == 8 and len(data["debrief_requests_linked"]) == 4


def test_export_of_someone_unknown_is_a_one_line_error(cli):
    assert "no one with the e-mail address" in one_line_error(cli.invoke(args=["export-person", "--email", "x@y.org"]))


# ---------------------------------------------------------------------------------------------
# Erasure


def test_erasure_keeps_every_figure_and_leaves_nothing_personal(cli):
    ids = populate_programme()
    finish_every_request()
    before = metrics_json(cli)
    result = cli.invoke(args=["erase-person", "--email", "member@example.org", "--yes"])
    assert result.exit_code == 0, result.output
    assert "kept as an anonymised placeholder" in result.output
    db.session.expire_all()
    assert metrics_json(cli) == before

    member_id = ids["people"]["member"]
    placeholder = db.session.get(Person, member_id)
    assert placeholder.email == f"erased-{member_id}@erased.invalid" and placeholder.name == "Erased person"
    assert placeholder.team_id is None and placeholder.password_hash is None and not placeholder.enabled
    assert placeholder.anonymised_at is not None
    assert db.session.scalar(select(func.count()).select_from(TrainingRecord).where(TrainingRecord.person_id == member_id)) == 1
    assert not db.session.scalar(select(func.count()).select_from(Booking).where(Booking.person_id == member_id))
    assert not db.session.scalar(select(func.count()).select_from(SignInSession).where(SignInSession.person_id == member_id))
    for item in db.session.scalars(select(DebriefRequest)):
        assert item.requested_by_id is None and item.arrangements == ""
        assert item.manager_id == ids["people"]["manager"]  # other people's links stay
    assert db.session.scalar(select(func.count()).select_from(Booking)) == 5
    assert db.session.scalars(select(AuditEvent.detail).where(AuditEvent.action == "person_erased")).all() == ["command line"]
    assert db.session.scalar(select(Person).where(Person.email == "member@example.org")) is None


def test_erasing_someone_nothing_points_at_deletes_the_row(cli):
    person = make_person(email="gone@example.org")
    db.session.add(ApiToken(person=person, token_hash="c" * 64))
    db.session.commit()
    result = cli.invoke(args=["erase-person", "--email", "gone@example.org", "--yes"])
    assert result.exit_code == 0, result.output
    assert "row deleted" in result.output
    db.session.expire_all()
    assert db.session.scalar(select(func.count()).select_from(Person)) == 0
    assert db.session.scalar(select(func.count()).select_from(ApiToken)) == 0


def test_erasure_refusals_are_one_line_errors(cli):
    ids = populate_programme()
    erase = ["erase-person", "--yes", "--email"]
    assert "open debrief request" in one_line_error(cli.invoke(args=[*erase, "member@example.org"]))
    finish_every_request()
    assert "last programme lead" in one_line_error(cli.invoke(args=[*erase, "lead@example.org"]))
    assert cli.invoke(args=["legal-hold", "--email", "member@example.org", "--reason", "Claim 1"]).exit_code == 0
    assert "legal hold" in one_line_error(cli.invoke(args=[*erase, "member@example.org"]))
    assert cli.invoke(args=["legal-hold", "--email", "member@example.org", "--clear"]).exit_code == 0
    assert cli.invoke(args=["legal-hold", "--debrief", str(ids["requests"]["old_closed"]), "--reason", "Claim 2"]).exit_code == 0
    assert "under a legal hold" in one_line_error(cli.invoke(args=[*erase, "colleague@example.org"]))
    assert "no one with" in one_line_error(cli.invoke(args=[*erase, "nobody@example.org"]))
    future = make_session(status="scheduled", date=today_uk() + dt.timedelta(days=20), attendees=None,
                          facilitator=db.session.get(Person, ids["people"]["chair"]))
    db.session.commit()
    assert future.id
    assert "upcoming sessions" in one_line_error(cli.invoke(args=[*erase, "chair@example.org"]))
    # Without --yes the command asks, and answering no erases nothing.
    quiet = make_person(email="quiet@example.org")
    db.session.commit()
    assert "nothing erased" in cli.invoke(args=["erase-person", "--email", "quiet@example.org"], input="n\n").output
    db.session.expire_all()
    assert db.session.get(Person, quiet.id).anonymised_at is None


def test_erasure_gives_up_upcoming_places_and_the_next_person_waiting_gets_one(cli):
    session = make_session(status="scheduled", date=today_uk() + dt.timedelta(days=14), attendees=None,
                           capacity=1, booked_count=1)
    leaving = make_person(email="leaving@example.org")
    waiting = make_person(email="waiting@example.org")
    db.session.add_all([Booking(session=session, person=leaving, status="booked"),
                        Booking(session=session, person=waiting, status="waitlisted")])
    db.session.commit()
    result = cli.invoke(args=["erase-person", "--email", "leaving@example.org", "--yes"])
    assert result.exit_code == 0, result.output
    db.session.expire_all()
    statuses = {b.person_id: b.status for b in db.session.get(ProgrammeSession, session.id).bookings}
    assert statuses == {None: "cancelled", waiting.id: "booked"}
    assert db.session.get(ProgrammeSession, session.id).booked_count == 1


# ---------------------------------------------------------------------------------------------
# Pages for leads


PRIVACY_URLS = ["/privacy", "/privacy/person/{member}", "/privacy/person/{member}/export.json",
                "/privacy/person/{member}/erase"]


@pytest.mark.parametrize("email", ["member@example.org", "manager@example.org", "chair@example.org"])
def test_privacy_pages_are_for_leads_only(client, auth, email):
    ids = populate_programme()
    auth.login(email)
    for url in PRIVACY_URLS:
        assert client.get(url.format(**ids["people"])).status_code == 403
    for url in ("/privacy/person/{member}/erase", "/privacy/person/{member}/legal-hold"):
        assert client.post(url.format(**ids["people"]), data={"email": "member@example.org"}).status_code == 403
    assert client.post(f"/privacy/debriefs/{ids['requests']['old_closed']}/legal-hold",
                       data={"hold": "1", "reason": "x"}).status_code == 403
    db.session.expire_all()
    assert db.session.get(Person, ids["people"]["member"]).anonymised_at is None


def test_privacy_pages_need_sign_in(client):
    ids = populate_programme()
    for url in PRIVACY_URLS:
        response = client.get(url.format(**ids["people"]))
        assert response.status_code in (302, 401) and "/privacy" not in response.headers.get("Location", "")[:9]


def test_lead_finds_a_person_and_downloads_their_export(client, auth):
    ids = populate_programme()
    auth.login("lead@example.org")
    page = client.get("/privacy")
    assert page.status_code == 200 and b"24 months" in page.data and b"Legal holds" in page.data
    assert b"Debrief request" in page.data  # the held one, and old finished ones due for retention
    found = client.get("/privacy?email=Member@Example.org")
    assert found.status_code == 302 and found.headers["Location"].endswith(f"/privacy/person/{ids['people']['member']}")
    missing = client.get("/privacy?email=nobody@example.org")
    assert missing.status_code == 200 and b"No one on the roster has the e-mail address nobody@example.org" in missing.data
    person_page = client.get(f"/privacy/person/{ids['people']['member']}")
    assert person_page.status_code == 200 and b"Mel Member" in person_page.data
    assert person_page.headers["Cache-Control"] == "no-store"
    download = client.get(f"/privacy/person/{ids['people']['member']}/export.json")
    assert download.status_code == 200 and download.mimetype == "application/json"
    assert "attachment" in download.headers["Content-Disposition"]
    assert download.json["person"]["email"] == "member@example.org"
    assert not any(detail in download.get_data(as_text=True) for detail in OTHER_PEOPLES_DETAILS[:6])
    db.session.expire_all()
    exports = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "person_exported")).all()
    assert [(e.detail, e.object_id) for e in exports][-1] == ("browser", ids["people"]["member"])
    assert client.get("/privacy/person/999999").status_code == 404


def test_lead_erases_a_person_after_typing_their_email(client, auth, runner):
    ids = populate_programme()
    finish_every_request()
    before = metrics_json(runner)
    auth.login("lead@example.org")
    url = f"/privacy/person/{ids['people']['member']}/erase"
    form = client.get(url)
    assert form.status_code == 200 and b"Type the person" in form.data
    wrong = client.post(url, data={"email": "someone@example.org"})
    assert wrong.status_code == 400 and b"does not match" in wrong.data
    db.session.expire_all()
    assert db.session.get(Person, ids["people"]["member"]).anonymised_at is None
    done = client.post(url, data={"email": " MEMBER@example.org "})
    assert done.status_code == 302 and done.headers["Location"].endswith("/privacy")
    db.session.expire_all()
    assert db.session.get(Person, ids["people"]["member"]).anonymised_at is not None
    assert metrics_json(runner) == before
    assert client.get(url).status_code == 404  # the placeholder is nobody to show
    assert db.session.scalar(select(AuditEvent.detail).where(AuditEvent.action == "person_erased")) == "browser"


def test_the_erase_page_explains_why_not_and_a_lead_cannot_erase_themselves(client, auth):
    ids = populate_programme()
    make_person(email="lead2@example.org", role="lead")
    db.session.commit()
    auth.login("lead@example.org")
    blocked = client.get(f"/privacy/person/{ids['people']['member']}/erase")
    assert b"cannot be erased now" in blocked.data and b"open debrief request" in blocked.data
    refused = client.post(f"/privacy/person/{ids['people']['member']}/erase", data={"email": "member@example.org"})
    assert refused.status_code == 400
    own = client.post(f"/privacy/person/{ids['people']['lead']}/erase", data={"email": "lead@example.org"})
    assert own.status_code == 400 and b"You cannot erase yourself" in own.data
    db.session.expire_all()
    assert db.session.get(Person, ids["people"]["member"]).anonymised_at is None
    assert db.session.get(Person, ids["people"]["lead"]).anonymised_at is None


def test_lead_places_and_clears_a_legal_hold_on_a_debrief_request(client, auth):
    ids = populate_programme()
    request_id = ids["requests"]["old_closed"]
    auth.login("lead@example.org")
    url = f"/privacy/debriefs/{request_id}/legal-hold"
    no_reason = client.post(url, data={"hold": "1", "reason": "  "}, follow_redirects=True)
    assert b"give the reason" in no_reason.data.lower()
    db.session.expire_all()
    assert not db.session.get(DebriefRequest, request_id).legal_hold
    placed = client.post(url, data={"hold": "1", "reason": "Claim 2025/4"})
    assert placed.status_code == 302
    db.session.expire_all()
    item = db.session.get(DebriefRequest, request_id)
    assert item.legal_hold and item.legal_hold_reason == "Claim 2025/4"
    assert b"Claim 2025/4" in client.get("/privacy").data
    assert client.post(url, data={"hold": "0"}).status_code == 302
    db.session.expire_all()
    assert not db.session.get(DebriefRequest, request_id).legal_hold
    actions = db.session.scalars(select(AuditEvent.action).where(AuditEvent.object_id == request_id,
                                                                 AuditEvent.object_type == "DebriefRequest")).all()
    assert actions[-2:] == ["legal_hold_set", "legal_hold_cleared"]
    assert client.post("/privacy/debriefs/999999/legal-hold", data={"hold": "0"}).status_code == 404


def test_lead_places_a_legal_hold_on_a_person(client, auth):
    ids = populate_programme()
    auth.login("lead@example.org")
    url = f"/privacy/person/{ids['people']['colleague']}/legal-hold"
    assert client.post(url, data={"hold": "1", "reason": "Tribunal"}).status_code == 302
    db.session.expire_all()
    assert db.session.get(Person, ids["people"]["colleague"]).legal_hold
    page = client.get(f"/privacy/person/{ids['people']['colleague']}")
    assert b"Legal hold" in page.data and b"Clear legal hold" in page.data


def test_privacy_forms_need_a_csrf_token(make_app):
    app = make_app(WTF_CSRF_ENABLED=True)
    client = app.test_client()
    with app.app_context():
        ids = populate_programme()
        page = client.get("/sign-in")
        token = page.get_data(as_text=True).split('name="csrf_token" type="hidden" value="')[1].split('"')[0]
        client.post("/sign-in", data={"email": "lead@example.org", "password": "correct horse battery",
                                      "csrf_token": token})
        assert client.get("/privacy").status_code == 200
        url = f"/privacy/debriefs/{ids['requests']['old_closed']}/legal-hold"
        assert client.post(url, data={"hold": "1", "reason": "x"}).status_code == 400
        erase = client.post(f"/privacy/person/{ids['people']['manager']}/erase", data={"email": "manager@example.org"})
        assert erase.status_code == 400
        db.session.expire_all()
        assert db.session.get(Person, ids["people"]["manager"]).anonymised_at is None
        assert not db.session.get(DebriefRequest, ids["requests"]["old_closed"]).legal_hold
