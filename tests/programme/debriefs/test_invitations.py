"""Calendar invitations for debriefs: everyone invited and the chair, through the real pages.

Each invitation is read by two iCalendar libraries and held to RFC 5546 (``tests/calendar_rules.py``);
none says what happened, to whom, or who else is coming.
"""

from __future__ import annotations

import datetime as dt

import pytest

from programme.debriefs.models import DebriefRequest
from programme.models import ProgrammeSession
from rosters.clock import today_uk, utcnow
from rosters.extensions import db
from rosters.mail import Message
from tests.calendar_rules import Invite, invite_in
from tests.factories import make_person, make_team, make_training
from tests.plugin import text
from tests.programme.debriefs.test_pages import accepted, arrange_form, switch

PARTNERS = {"sam.jones@nhs.example", "alex@police.example"}  # invited by ``test_pages.ask``


@pytest.fixture
def world(app) -> dict:
    """The people ``test_pages.ask`` and ``accepted`` use: Mel asks, naming Max and inviting Ivy; two chairs."""
    north, south = make_team(name="Assessment North"), make_team(name="Fostering South")
    w = {
        "north": north,
        "south": south,
        "member": make_person(name="Mel Member", team=north),
        "manager": make_person(name="Max Manager", role="manager", team=north),
        "lead": make_person(name="Pat Lead", role="lead"),
        "involved": make_person(name="Ivy Involved", role="facilitator", team=south),
        "good": make_person(name="Gita Good", role="facilitator"),
        "busy": make_person(name="Bea Busy", role="facilitator"),
    }
    for key in ("involved", "good", "busy"):
        make_training(person=w[key])
    db.session.commit()
    return w


def arranged(client, auth, w, sent: list[Message], **form) -> DebriefRequest:
    item = accepted(client, auth, w)
    sent.clear()
    response = client.post(f"/debriefs/{item.id}/arrange",
                           data=arrange_form(w["good"], today_uk() + dt.timedelta(days=7), **form))
    assert response.status_code == 302, text(response)
    db.session.expire_all()
    return item


def invitations(sent: list[Message], method: str) -> dict[str, Invite]:
    return {message.to: invite_in(message, method) for message in sent}


def test_everyone_invited_and_the_chair_get_a_request_with_no_detail_of_the_incident(client, auth, world, sent):
    item = arranged(client, auth, world, sent, online_link="https://meet.example.org/debrief")
    session = item.session
    invites = invitations(sent, "REQUEST")
    assert set(invites) == {world["member"].email, world["involved"].email, world["good"].email} | PARTNERS
    assert {invite.uid for invite in invites.values()} == {f"session-{session.id}@127.0.0.1:5000"}
    assert {invite.sequence for invite in invites.values()} == {0}
    assert all(invite.start == session.starts_at.replace(tzinfo=dt.UTC) for invite in invites.values())
    assert "ROLE=CHAIR" in invites[world["good"].email].text
    everyone = [world[k].name for k in ("member", "involved", "good", "manager", "lead")]
    for address, invite in invites.items():
        assert invite.summary == "Debrief session" and "CLASS:PRIVATE" in invite.text
        for detail in ("serious", "violence", "Assessment North", "Fostering South", "incident"):
            assert detail.lower() not in invite.text.lower(), (address, detail)
        # No one is named but the person it is for (partners are named by their address only).
        own = {p.email: p.name for p in (world["member"], world["involved"], world["good"])}.get(address)
        assert {name for name in everyone if name in invite.text} <= {own}, address
        assert "https://meet.example.org/debrief" in invite.text


def test_a_changed_debrief_is_a_higher_sequence_and_a_new_chair_cancels_the_old(client, auth, world, sent):
    item = arranged(client, auth, world, sent)
    first = invitations(sent, "REQUEST")
    day = item.session.date

    # The same time and place with another chair: the event is unchanged; the old chair's is cancelled.
    sent.clear()
    response = client.post(f"/debriefs/{item.id}/arrange", data=arrange_form(world["busy"], day))
    assert response.status_code == 302, text(response)
    assert db.session.get(ProgrammeSession, item.session_id).sequence == 0
    [old_chair] = [m for m in sent if m.to == world["good"].email]
    gone = invite_in(old_chair, "CANCEL")
    assert gone.uid == first[world["good"].email].uid
    assert "no longer chairing" in old_chair.subject
    assert invite_in(next(m for m in sent if m.to == world["busy"].email), "REQUEST").sequence == 0

    # A new time: everyone gets the REQUEST again with the same UID and a higher SEQUENCE.
    sent.clear()
    response = client.post(f"/debriefs/{item.id}/arrange",
                           data=arrange_form(world["busy"], day, start_time="14:00"))
    assert response.status_code == 302, text(response)
    changed = invitations(sent, "REQUEST")
    assert set(changed) == {world["member"].email, world["involved"].email, world["busy"].email} | PARTNERS
    assert {(invite.uid, invite.sequence) for invite in changed.values()} == {(gone.uid, 1)}
    assert all(m.subject.startswith("Debrief session changed") for m in sent if m.to in PARTNERS)


def test_a_debrief_called_off_sends_the_cancel_to_everyone_it_was_sent_to(client, auth, world, sent):
    item = arranged(client, auth, world, sent)
    first = invitations(sent, "REQUEST")
    session = item.session
    session.starts_at = utcnow() - dt.timedelta(hours=1)  # it was due to start an hour ago
    db.session.commit()
    switch(auth, world["good"].email)
    sent.clear()
    response = client.post(f"/debriefs/{item.id}/log", data={"delivered": "no", "reason": "Chair unwell"})
    assert response.status_code == 302, text(response)
    cancels = invitations(sent, "CANCEL")
    assert set(cancels) == set(first)
    for address, cancel in cancels.items():
        assert cancel.uid == first[address].uid and cancel.sequence > first[address].sequence
        assert cancel.status == "CANCELLED"
    assert all("did not go ahead" in m.subject for m in sent)
