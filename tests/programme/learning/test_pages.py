"""The learning log pages: listing and filtering points, adding one, moving it on, and the CSV export."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re

import pytest

from programme.debriefs.asking import DebriefAsk, request_debrief
from programme.learning.operations import DEFAULT_FORUM
from programme.models import LearningPoint
from rosters.extensions import db
from rosters.models import AuditEvent
from tests.factories import PASSWORD, make_person, make_team
from tests.moments import A_MONDAY, uk
from tests.plugin import text

COLUMNS = ["id", "status", "forum", "text", "created_on", "approved_on", "shared_on", "closed_on", "outcome"]
EMAIL = re.compile(r"[^@\s,]+@[^@\s,]+\.[a-z]+", re.IGNORECASE)


@pytest.fixture
def lead(app, auth):
    """A signed-in programme lead."""
    person = make_person(role="lead", name="Lee Lead", email="lee.lead@example.org")
    db.session.commit()
    auth.login(person.email)
    return person


def point(words: str = "Out-of-hours teams need a named contact after an incident", **fields) -> LearningPoint:
    fields.setdefault("forum", DEFAULT_FORUM)
    item = LearningPoint(text=words, **fields)
    db.session.add(item)
    db.session.commit()
    return item


def audit_actions(action: str) -> list[AuditEvent]:
    return list(db.session.scalars(db.select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id)))


def read_csv(response) -> list[dict]:
    body = response.get_data()
    assert body.startswith(b"\xef\xbb\xbf")  # the byte-order mark Excel needs to read UTF-8
    return list(csv.DictReader(io.StringIO(body.decode("utf-8-sig"), newline="")))


# --- who may see the log ----------------------------------------------------------------------


@pytest.mark.parametrize("role", ["member", "manager", "facilitator"])
def test_only_leads_may_use_the_learning_log(app, client, auth, role):
    person = make_person(role=role)
    item = point()
    auth.login(person.email)
    assert client.get("/learning").status_code == 403
    assert client.get("/learning/new").status_code == 403
    assert client.post("/learning/new", data={"text": "x", "forum": "y"}).status_code == 403
    assert client.post(f"/learning/{item.id}/advance", data={}).status_code == 403
    assert client.get("/learning/export.csv").status_code == 403
    db.session.expire_all()
    assert db.session.get(LearningPoint, item.id).status == "draft"
    assert audit_actions("learning_exported") == []


def test_signed_out_visitors_are_sent_to_sign_in(client):
    for path in ("/learning", "/learning/new", "/learning/export.csv"):
        response = client.get(path)
        assert response.status_code == 302
        assert "/sign-in" in response.headers["Location"]


# --- the list ---------------------------------------------------------------------------------


def test_the_empty_log_says_where_points_come_from(client, lead):
    page = text(client.get("/learning"))
    assert "No learning points yet" in page
    assert "Points come from debrief session logs" in page
    assert 'href="/learning/new"' in page


def test_points_are_grouped_by_stage_with_their_forum_dates_and_next_step(client, lead):
    draft = point("Named contact for out-of-hours staff")
    approved = point("Debriefs within a fortnight help most", forum="Police single-agency meeting",
                     status="approved", approved_at=dt.datetime(2026, 11, 2, 12))
    closed = point("Managers want a script for the first call", status="closed", outcome="Script written",
                   approved_at=dt.datetime(2026, 10, 1), shared_at=dt.datetime(2026, 10, 5),
                   closed_at=dt.datetime(2026, 10, 20))
    page = text(client.get("/learning"))
    for item in (draft, approved, closed):
        assert item.text in page
    assert page.index("Draft (1)") < page.index("Approved (1)") < page.index("Closed (1)")
    assert "Police single-agency meeting" in page
    assert "Approved 2 November 2026" in page
    assert "Closed 20 October 2026" in page
    assert "Script written" in page
    assert f'action="/learning/{draft.id}/advance"' in page
    assert f'action="/learning/{approved.id}/advance"' in page
    assert f'action="/learning/{closed.id}/advance"' not in page  # nothing after closed
    assert ">Approve<" in page and ">Mark as shared<" in page


def test_the_list_filters_by_stage_and_forum(client, lead):
    point("Point for the group")
    point("Police point, draft", forum="Police single-agency meeting")
    point("Police point, approved", forum="Police single-agency meeting", status="approved")

    page = text(client.get("/learning", query_string={"status": "approved"}))
    assert "Police point, approved" in page
    assert "Police point, draft" not in page and "Point for the group" not in page

    page = text(client.get("/learning", query_string={"forum": "Police single-agency meeting"}))
    assert "Police point, draft" in page and "Police point, approved" in page
    assert "Point for the group" not in page

    page = text(client.get("/learning", query_string={"status": "closed"}))
    assert "No learning points match these filters" in page
    assert client.get("/learning", query_string={"status": "lost"}).status_code == 400


# --- adding a point ---------------------------------------------------------------------------


def test_the_form_hints_at_no_names_and_defaults_the_forum(client, lead):
    page = text(client.get("/learning/new"))
    assert "No names or details that identify anyone" in page
    assert f'value="{DEFAULT_FORUM}"' in page


def test_adding_a_point_stores_a_draft_and_audits_it(client, lead):
    response = client.post("/learning/new", data={"text": "  Agree who tells the team  ", "forum": "Health meeting"})
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/learning")
    [item] = db.session.scalars(db.select(LearningPoint)).all()
    assert (item.text, item.forum, item.status, item.created_by_id, item.request_id) == (
        "Agree who tells the team", "Health meeting", "draft", lead.id, None
    )
    [entry] = audit_actions("learning_point_added")
    assert (entry.person_id, entry.object_type, entry.object_id) == (lead.id, "LearningPoint", item.id)
    page = text(client.get("/learning"))
    assert "govuk-notification-banner--success" in page
    assert "Learning point added" in page


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"text": "   ", "forum": DEFAULT_FORUM}, "Write the learning point"),
        ({"text": "x" * 2001, "forum": DEFAULT_FORUM}, "2000 characters or fewer"),
        ({"text": "Ask jo.bloggs@example.org first", "forum": DEFAULT_FORUM},
         "“jo.bloggs@example.org” looks like an e-mail address"),
        ({"text": "A point", "forum": ""}, "Enter the forum"),
        ({"text": "A point", "forum": "f" * 201}, "200 characters or fewer"),
    ],
)
def test_a_bad_point_is_refused_with_a_message(client, lead, data, message):
    response = client.post("/learning/new", data=data)
    assert response.status_code == 400
    assert message in text(response)
    assert "govuk-error-summary" in text(response)
    assert db.session.scalar(db.select(db.func.count()).select_from(LearningPoint)) == 0


# --- moving a point on ------------------------------------------------------------------------


def test_a_point_moves_draft_approved_shared_closed_in_order(client, lead):
    item = point()
    for expected, banner in (("approved", "approved"), ("shared", "marked as shared"), ("closed", "closed")):
        before = db.session.get(LearningPoint, item.id).status
        data = {"status": before}
        if expected == "closed":
            data["outcome"] = "Added to the out-of-hours handbook"
        response = client.post(f"/learning/{item.id}/advance", data=data)
        assert response.status_code == 302
        db.session.expire_all()
        assert db.session.get(LearningPoint, item.id).status == expected
        assert f"Learning point {item.id} {banner}" in text(client.get("/learning"))
    stored = db.session.get(LearningPoint, item.id)
    assert stored.approved_at <= stored.shared_at <= stored.closed_at
    assert stored.outcome == "Added to the out-of-hours handbook"
    entries = audit_actions("learning_point_advanced")
    assert [e.detail for e in entries] == ["draft -> approved", "approved -> shared", "shared -> closed"]
    assert {(e.person_id, e.object_id) for e in entries} == {(lead.id, item.id)}


def test_closing_without_an_outcome_is_allowed(client, lead):
    item = point(status="shared")
    assert client.post(f"/learning/{item.id}/advance", data={}).status_code == 302
    db.session.expire_all()
    stored = db.session.get(LearningPoint, item.id)
    assert (stored.status, stored.outcome) == ("closed", "")


def test_a_closed_point_cannot_be_moved_on(client, lead):
    item = point(status="closed", shared_at=dt.datetime(2026, 10, 1), closed_at=dt.datetime(2026, 11, 1))
    response = client.post(f"/learning/{item.id}/advance", data={})
    assert response.status_code == 409
    assert "This learning point is closed" in text(response)
    assert "govuk-error-summary" in text(response)
    db.session.expire_all()
    assert db.session.get(LearningPoint, item.id).closed_at == dt.datetime(2026, 11, 1)
    assert audit_actions("learning_point_advanced") == []


def test_a_second_click_on_the_same_button_does_not_skip_a_stage(client, lead):
    item = point()
    assert client.post(f"/learning/{item.id}/advance", data={"status": "draft"}).status_code == 302
    response = client.post(f"/learning/{item.id}/advance", data={"status": "draft"})
    assert response.status_code == 409
    assert "already approved" in text(response)
    db.session.expire_all()
    assert db.session.get(LearningPoint, item.id).status == "approved"


def test_moving_on_returns_to_the_filtered_list_and_never_elsewhere(client, lead):
    item = point()
    response = client.post(f"/learning/{item.id}/advance", data={"next": "/learning?status=draft"})
    assert response.headers["Location"].endswith("/learning?status=draft")
    response = client.post(f"/learning/{item.id}/advance", data={"next": "https://evil.example/learning"})
    assert response.headers["Location"].endswith("/learning")
    assert "evil" not in response.headers["Location"]
    assert client.post("/learning/999999/advance", data={}).status_code == 404


def test_an_outcome_with_an_e_mail_address_is_refused(client, lead):
    item = point(status="shared")
    response = client.post(f"/learning/{item.id}/advance", data={"outcome": "Ask sam@example.org"})
    assert response.status_code == 400
    assert "Remove the e-mail address" in text(response)
    db.session.expire_all()
    assert db.session.get(LearningPoint, item.id).status == "shared"


def test_moving_on_needs_the_page_csrf_token(make_app):
    app = make_app(WTF_CSRF_ENABLED=True)
    with app.app_context():
        lead = make_person(role="lead")
        item = point()
        client = app.test_client()
        html = text(client.get("/sign-in"))
        token = html.split('name="csrf_token" type="hidden" value="')[1].split('"')[0]
        client.post("/sign-in", data={"email": lead.email, "password": PASSWORD, "csrf_token": token})
        assert client.post(f"/learning/{item.id}/advance", data={"status": "draft"}).status_code == 400
        page = text(client.get("/learning"))
        token = page.split('name="csrf_token" value="')[1].split('"')[0]
        response = client.post(f"/learning/{item.id}/advance", data={"status": "draft", "csrf_token": token})
        assert response.status_code == 302
        db.session.expire_all()
        assert db.session.get(LearningPoint, item.id).status == "approved"


# --- the export -------------------------------------------------------------------------------


@pytest.mark.time_machine(uk(A_MONDAY), tick=False)  # the request below was made on A_MONDAY
def test_the_export_is_a_csv_attachment_for_excel_without_personal_details(app, client, lead):
    team = make_team()
    member = make_person(team=team, name="Morgan Member", email="morgan.member@example.org")
    manager = make_person(role="manager", team=team, name="Max Manager", email="max.manager@example.org")
    request = request_debrief(
        member,
        DebriefAsk(dt.date(2026, 11, 20), "other", "group", manager=manager, invite_emails=[("p@police.example", "")]),
    )
    from_log = point("Café staff need a quiet room, “not” the canteen", request=request, created_by=member,
                     created_at=dt.datetime(2026, 11, 23, 23, 30),  # 23:30 UTC is still 23 November in winter
                     status="approved", approved_at=dt.datetime(2026, 11, 24, 9))
    point("A draft never leaves", created_by=lead)
    by_hand = point("=HYPERLINK(\"http://x\")", forum="Police single-agency meeting", created_by=lead,
                    status="closed", approved_at=dt.datetime(2026, 6, 30, 23, 30), shared_at=dt.datetime(2026, 7, 2),
                    closed_at=dt.datetime(2026, 7, 3), outcome="Done\nand dusted",
                    created_at=dt.datetime(2026, 6, 29, 9))

    response = client.get("/learning/export.csv")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
    disposition = response.headers["Content-Disposition"]
    assert disposition.startswith("attachment;")
    assert re.search(r'filename="learning-points-\d{4}-\d{2}-\d{2}\.csv"', disposition)
    body = response.get_data().decode("utf-8-sig")
    assert body.splitlines()[0] == ",".join(COLUMNS)
    rows = read_csv(response)
    assert list(rows[0]) == COLUMNS
    assert rows == [
        {"id": str(by_hand.id), "status": "closed", "forum": "Police single-agency meeting",
         "text": "'=HYPERLINK(\"http://x\")",  # never run as a formula in Excel
         "created_on": "2026-06-29", "approved_on": "2026-07-01",  # 23:30 UTC in summer is the next UK day
         "shared_on": "2026-07-02", "closed_on": "2026-07-03", "outcome": "Done\nand dusted"},
        {"id": str(from_log.id), "status": "approved", "forum": DEFAULT_FORUM,
         "text": "Café staff need a quiet room, “not” the canteen", "created_on": "2026-11-23",
         "approved_on": "2026-11-24", "shared_on": "", "closed_on": "", "outcome": ""},
    ]
    assert not EMAIL.search(body)
    for name in (member.name, manager.name, lead.name):
        assert name not in body


def test_the_export_filters_by_stage_and_forum(client, lead):
    point("Group draft")
    point("Group approved", status="approved")
    point("Police approved", status="approved", forum="Police single-agency meeting")

    def texts(**query) -> list[str]:
        response = client.get("/learning/export.csv", query_string=query)
        assert response.status_code == 200
        return [row["text"] for row in read_csv(response)]

    assert texts() == ["Group approved", "Police approved"]  # never a draft
    assert texts(status="draft") == []
    assert texts(status="approved") == ["Group approved", "Police approved"]
    assert texts(status="approved", forum=DEFAULT_FORUM) == ["Group approved"]
    assert texts(forum="Police single-agency meeting") == ["Police approved"]
    assert texts(status="closed") == []
    assert "-approved-" in client.get("/learning/export.csv?status=approved").headers["Content-Disposition"]
    assert client.get("/learning/export.csv", query_string={"status": "nonsense"}).status_code == 400


def test_every_export_is_audited(client, lead):
    point("Group approved", status="approved")
    client.get("/learning/export.csv", query_string={"status": "approved"})
    client.get("/learning/export.csv")
    entries = audit_actions("learning_exported")
    assert [(e.person_id, e.detail) for e in entries] == [
        (lead.id, "1 point(s); status=approved; forum=any"),
        (lead.id, "1 point(s); status=any; forum=any"),
    ]


def test_the_list_links_to_the_export_with_its_filters(client, lead):
    point("Police approved", status="approved", forum="Police single-agency meeting")
    page = text(client.get("/learning", query_string={"status": "approved"}))
    assert 'href="/learning/export.csv?status=approved"' in page
