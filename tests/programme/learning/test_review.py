"""Leads review learning points: edit (redact), reject with a reason, move back a stage; every change is
audited, and drafts and rejected points never leave in an export."""

from __future__ import annotations

import datetime as dt
import io

import pandas as pd
import pytest

from programme.learning.operations import DEFAULT_FORUM
from programme.models import LearningPoint
from rosters.extensions import db
from rosters.models import AuditEvent
from tests.factories import make_person
from tests.plugin import text


@pytest.fixture
def lead(app, auth):
    person = make_person(role="lead", name="Lee Lead", email="lee.lead@example.org")
    make_person(name="Chloe Hughes", email="chloe@example.org")
    db.session.commit()
    auth.login(person.email)
    return person


def point(words: str = "Out-of-hours teams need a named contact", **fields) -> LearningPoint:
    fields.setdefault("forum", DEFAULT_FORUM)
    item = LearningPoint(text=words, **fields)
    db.session.add(item)
    db.session.commit()
    return item


def stored(item: LearningPoint) -> LearningPoint:
    db.session.expire_all()
    return db.session.get(LearningPoint, item.id)


def audits(action: str) -> list[AuditEvent]:
    return list(db.session.scalars(db.select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id)))


def exported(client, **query) -> pd.DataFrame:
    response = client.get("/learning/export.csv", query_string=query)
    assert response.status_code == 200
    return pd.read_csv(io.BytesIO(response.data), encoding="utf-8-sig", dtype=str, keep_default_na=False)


def test_a_redacted_point_exports_only_the_new_text(client, lead):
    words = "Chloe Hughes said the team needed a named contact"
    item = point(words, status="approved", approved_at=dt.datetime(2026, 11, 2, 12))
    page = text(client.get(f"/learning/{item.id}/edit"))
    assert words in page and "not about a child" in page

    response = client.post(f"/learning/{item.id}/edit", data={"text": "The team needed a named contact",
                                                              "forum": DEFAULT_FORUM})
    assert response.status_code == 302
    assert stored(item).text == "The team needed a named contact"
    frame = exported(client)
    assert frame["text"].tolist() == ["The team needed a named contact"]
    body = client.get("/learning/export.csv").get_data(as_text=True)
    assert "Chloe" not in body
    [entry] = audits("learning_point_edited")
    assert (entry.object_id, entry.detail) == (item.id, "changed: text")
    assert "Chloe" not in entry.detail  # the old words are kept nowhere


def test_an_edit_that_still_identifies_someone_is_flagged_and_changes_nothing(client, lead):
    item = point()
    response = client.post(f"/learning/{item.id}/edit", data={"text": "Ring 07700 900123 for the contact",
                                                              "forum": DEFAULT_FORUM})
    assert response.status_code == 400
    assert "<mark>07700 900123</mark>" in text(response)
    assert stored(item).text == "Out-of-hours teams need a named contact"
    assert audits("learning_point_edited") == []


def test_a_rejected_point_keeps_its_reason_is_audited_and_never_exported(client, lead):
    item = point(status="approved", approved_at=dt.datetime(2026, 11, 2, 12))
    point("Keep the offer of a debrief within a week", status="shared", approved_at=dt.datetime(2026, 11, 2),
          shared_at=dt.datetime(2026, 11, 3))
    assert "Why is the point rejected?" in text(client.get(f"/learning/{item.id}/reject"))
    response = client.post(f"/learning/{item.id}/reject", data={"status": "approved", "reason": ""})
    assert response.status_code == 400 and "Give the reason" in text(response)

    response = client.post(f"/learning/{item.id}/reject",
                           data={"status": "approved", "reason": "About one case, not practice"})
    assert response.status_code == 302
    rejected = stored(item)
    assert (rejected.status, rejected.shared_at, rejected.outcome) == ("closed", None, "Rejected: About one case, not practice")
    [entry] = audits("learning_point_rejected")
    assert entry.detail == "approved -> rejected; reason: About one case, not practice"
    page = text(client.get("/learning", query_string={"status": "rejected"}))
    assert "Rejected (1)" in page and "About one case, not practice" in page
    assert exported(client)["text"].tolist() == ["Keep the offer of a debrief within a week"]
    assert exported(client, status="rejected").empty and exported(client, status="closed").empty


def test_a_shared_point_is_moved_back_before_it_can_be_rejected(client, lead):
    item = point(status="shared", approved_at=dt.datetime(2026, 11, 2), shared_at=dt.datetime(2026, 11, 3))
    response = client.post(f"/learning/{item.id}/reject", data={"status": "shared", "reason": "Identifies a family"})
    assert response.status_code == 409
    assert "move it back to approved first" in text(response)
    assert client.post(f"/learning/{item.id}/back", data={"status": "shared"}).status_code == 302
    assert (stored(item).status, stored(item).shared_at) == ("approved", None)
    assert client.post(f"/learning/{item.id}/reject",
                       data={"status": "approved", "reason": "Identifies a family"}).status_code == 302
    # Reopened, it goes back to where it was rejected from.
    assert client.post(f"/learning/{item.id}/back", data={"status": "rejected"}).status_code == 302
    assert (stored(item).status, stored(item).outcome, stored(item).closed_at) == ("approved", "", None)
    assert [e.detail for e in audits("learning_point_moved_back")] == ["shared -> approved", "rejected -> approved"]


def test_moving_back_goes_one_stage_at_a_time_and_a_draft_has_nowhere_to_go(client, lead):
    item = point(status="closed", outcome="Handbook", approved_at=dt.datetime(2026, 11, 2),
                 shared_at=dt.datetime(2026, 11, 3), closed_at=dt.datetime(2026, 11, 4))
    for seen, now in (("closed", "shared"), ("shared", "approved"), ("approved", "draft")):
        response = client.post(f"/learning/{item.id}/back", data={"status": seen, "next": "/learning"})
        assert response.status_code == 302
        assert stored(item).status == now
    assert (stored(item).approved_at, stored(item).outcome) == (None, "")
    response = client.post(f"/learning/{item.id}/back", data={"status": "draft"})
    assert response.status_code == 409 and "A draft has no earlier stage" in text(response)
    # A second click on a button already acted on changes nothing.
    assert client.post(f"/learning/{item.id}/back", data={"status": "approved"}).status_code == 409


def test_the_list_offers_edit_reject_and_move_back(client, lead):
    draft = point()
    shared = point("Debriefs within a week help", status="shared", approved_at=dt.datetime(2026, 11, 2),
                   shared_at=dt.datetime(2026, 11, 3))
    page = text(client.get("/learning"))
    assert f'href="/learning/{draft.id}/edit"' in page and f'href="/learning/{draft.id}/reject"' in page
    assert f'href="/learning/{shared.id}/reject"' not in page
    assert f'action="/learning/{shared.id}/back"' in page and f'action="/learning/{draft.id}/back"' not in page
    assert "drafts and rejected points never leave" in page


@pytest.mark.parametrize("role", ["member", "manager", "facilitator"])
def test_only_leads_review_points(app, client, auth, role):
    item = point()
    person = make_person(role=role)
    db.session.commit()
    auth.login(person.email)
    assert client.get(f"/learning/{item.id}/edit").status_code == 403
    assert client.post(f"/learning/{item.id}/reject", data={"reason": "x"}).status_code == 403
    assert client.post(f"/learning/{item.id}/back", data={}).status_code == 403
    assert stored(item).status == "draft"
