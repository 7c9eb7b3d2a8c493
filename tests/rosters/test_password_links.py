"""A lead e-mails a single-use, time-limited link; the person sets a password with it, once."""

from __future__ import annotations

import datetime as dt
import re

import pytest

from rosters.clock import utcnow
from rosters.extensions import db
from rosters.models import AuditEvent, Person, SignInSession, hash_secret
from rosters.people import links
from rosters.people.models import PasswordLink
from rosters.web import hide_secret_paths
from tests.factories import PASSWORD, make_person
from tests.plugin import text

NEW_PASSWORD = "plum orchard lantern"
LINK = re.compile(r"http://wellbeing\.example\.org/set-password/([A-Za-z0-9_-]+)")


@pytest.fixture
def app(make_app):
    app = make_app(BASE_URL="http://wellbeing.example.org")
    with app.app_context():
        yield app




@pytest.fixture
def newcomer(app) -> Person:
    person = make_person(name="Nia New", email="nia@example.org", password=False)
    db.session.commit()
    return person


def send_link(client, person: Person, sent) -> str:
    """Send a link from the person's page; the secret from the e-mail."""
    response = client.post(f"/people/{person.id}/password-link", follow_redirects=True)
    assert response.status_code == 200 and "A link to set a password has been e-mailed" in text(response)
    return LINK.search(sent[-1].body)[1]


def choose(client, secret: str, password: str = NEW_PASSWORD, confirm: str | None = None):
    return client.post(f"/set-password/{secret}", data={"password": password, "confirm": confirm or password})


def actions() -> list[str]:
    return list(db.session.scalars(db.select(AuditEvent.action).order_by(AuditEvent.id)))


def test_the_email_holds_a_link_whose_secret_is_stored_only_as_a_hash(as_lead, newcomer, sent):
    page = as_lead.get(f"/people/{newcomer.id}")
    assert "Send a link to set a password" in text(page) and "None sent" in text(page)
    secret = send_link(as_lead, newcomer, sent)
    [message] = sent
    assert message.to == "nia@example.org"
    assert message.subject == "Set your password for the staff wellbeing support service"
    assert "Nia" not in message.subject
    assert "Hello Nia New" in message.body and "works once, until" in message.body
    [link] = db.session.scalars(db.select(PasswordLink)).all()
    assert link.secret_hash == hash_secret(secret) and link.person_id == newcomer.id
    assert link.expires_at - link.created_at == dt.timedelta(hours=48)
    [line] = db.session.scalars(db.select(AuditEvent).where(AuditEvent.action == "password_link_sent")).all()
    assert line.object_id == newcomer.id and line.detail == "valid for 48 hours"
    assert secret not in line.detail and link.secret_hash not in line.detail
    assert "works until" in text(as_lead.get(f"/people/{newcomer.id}"))


def test_the_person_sets_a_password_once_and_signs_in(as_lead, app, newcomer, sent):
    secret = send_link(as_lead, newcomer, sent)
    anyone = app.test_client()
    page = anyone.get(f"/set-password/{secret}")
    assert page.status_code == 200 and "Set your password" in text(page)
    assert page.headers["Cache-Control"] == "no-store" and page.headers["Referrer-Policy"] == "no-referrer"
    response = choose(anyone, secret)
    assert response.status_code == 302 and response.headers["Location"].endswith("/sign-in")
    assert anyone.post("/sign-in", data={"email": "nia@example.org", "password": NEW_PASSWORD}).status_code == 302
    db.session.expire_all()
    link = db.session.scalar(db.select(PasswordLink))
    assert link.used_at is not None
    line = db.session.scalar(db.select(AuditEvent).where(AuditEvent.action == "password_set_by_link"))
    assert (line.person_id, line.object_id, line.detail) == (newcomer.id, newcomer.id, "")
    # Used: a second visit, or a second try, is told so and changes nothing.
    again = app.test_client()
    for response in (again.get(f"/set-password/{secret}"), choose(again, secret, "another fine passphrase")):
        assert response.status_code == 410 and "already been used" in text(response)
    assert again.post("/sign-in", data={"email": "nia@example.org", "password": NEW_PASSWORD}).status_code == 302
    assert "Used on" in text(as_lead.get(f"/people/{newcomer.id}"))


def test_setting_a_password_ends_the_persons_other_sign_ins(as_lead, app, sent):
    member = make_person(email="mo@example.org")
    db.session.commit()
    theirs = app.test_client()
    assert theirs.post("/sign-in", data={"email": member.email, "password": PASSWORD}).status_code == 302
    secret = send_link(as_lead, member, sent)
    assert choose(app.test_client(), secret).status_code == 302
    db.session.expire_all()
    assert not db.session.scalar(db.select(db.func.count()).select_from(SignInSession).where(
        SignInSession.person_id == member.id, SignInSession.ended_at.is_(None)))
    assert theirs.get("/").status_code == 302
    assert app.test_client().post("/sign-in", data={"email": member.email, "password": PASSWORD}).status_code == 200


@pytest.mark.parametrize(("password", "confirm", "message"), [
    ("short", "short", "Password must be at least 8 characters"),
    ("password123", "password123", "Password is too common"),
    ("x" * 129, "x" * 129, "Password must be 128 characters or fewer"),
    (NEW_PASSWORD, "something else", "The passwords do not match"),
    ("", "", "Enter a password"),
])
def test_the_password_rules_of_create_user_apply_and_the_link_stays_usable(as_lead, app, newcomer, sent, password,
                                                                            confirm, message):
    secret = send_link(as_lead, newcomer, sent)
    response = choose(app.test_client(), secret, password, confirm)
    assert response.status_code == 400 and message in text(response)
    db.session.expire_all()
    assert db.session.scalar(db.select(PasswordLink.used_at)) is None
    assert db.session.get(Person, newcomer.id).password_hash is None
    assert choose(app.test_client(), secret).status_code == 302


def test_a_link_expires(as_lead, auth, lead, app, newcomer, sent, time_machine):
    time_machine.move_to(dt.datetime.now(dt.UTC), tick=False)
    secret = send_link(as_lead, newcomer, sent)
    time_machine.shift(dt.timedelta(hours=47, minutes=59))
    assert app.test_client().get(f"/set-password/{secret}").status_code == 200
    time_machine.shift(dt.timedelta(minutes=1))
    for response in (app.test_client().get(f"/set-password/{secret}"), choose(app.test_client(), secret)):
        assert response.status_code == 410 and "This link has expired." in text(response)
    db.session.expire_all()
    assert db.session.get(Person, newcomer.id).password_hash is None
    auth.login(lead.email)  # two days on, the lead's own sign-in has timed out
    assert "expired on" in text(as_lead.get(f"/people/{newcomer.id}"))


@pytest.mark.parametrize(("setting", "hours"), [(24, 24), (72, 72), (1, 24), (1000, 72)])
def test_how_long_a_link_lasts_is_a_setting_from_24_to_72_hours(make_app, setting, hours):
    app = make_app(PASSWORD_LINK_HOURS=setting)
    with app.app_context():
        person = make_person()
        sent = links.send_password_link(person)
        assert sent.link.expires_at - sent.link.created_at == dt.timedelta(hours=hours)
        db.session.rollback()


def test_a_new_link_supersedes_the_older_one(as_lead, app, newcomer, sent):
    first = send_link(as_lead, newcomer, sent)
    second = send_link(as_lead, newcomer, sent)
    assert first != second
    response = app.test_client().get(f"/set-password/{first}")
    assert response.status_code == 410 and "A newer link has been sent" in text(response)
    assert choose(app.test_client(), second).status_code == 302
    details = list(db.session.scalars(db.select(AuditEvent.detail).where(AuditEvent.action == "password_link_sent")
                                      .order_by(AuditEvent.id)))
    assert details == ["valid for 48 hours", "valid for 48 hours; 1 older link withdrawn"]


def test_an_unknown_link_is_not_valid(app):
    for path in ("/set-password/not-a-real-link", "/set-password/" + "x" * 300):
        response = app.test_client().get(path)
        assert response.status_code == 404 and "This link is not valid" in text(response)


def test_two_uses_of_one_link_at_the_same_moment_set_one_password(as_lead, newcomer, sent, monkeypatch):
    secret = send_link(as_lead, newcomer, sent)
    link = links.open_link(secret)
    assert links.set_password_with_link(secret, NEW_PASSWORD).id == newcomer.id
    # The second request found the link unused a moment before the first one's UPDATE.
    monkeypatch.setattr(links, "open_link", lambda _secret: link)
    with pytest.raises(links.LinkRefused, match="already been used"):
        links.set_password_with_link(secret, "a different passphrase")


def test_deactivating_withdraws_a_link_and_a_deactivated_person_gets_none(as_lead, app, newcomer, sent):
    secret = send_link(as_lead, newcomer, sent)
    assert as_lead.post(f"/people/{newcomer.id}/deactivate").status_code == 302
    response = app.test_client().get(f"/set-password/{secret}")
    assert response.status_code == 410 and "the account it was for cannot be used now" in text(response)
    assert "A newer link has been sent" not in text(response)
    response = as_lead.post(f"/people/{newcomer.id}/password-link", follow_redirects=True)
    assert "reactivate them before sending a link" in text(response)
    assert "Send a link to set a password" not in text(as_lead.get(f"/people/{newcomer.id}"))
    assert len(sent) == 1


def test_changing_the_email_address_withdraws_links_sent_to_the_old_one(as_lead, app, newcomer, sent):
    secret = send_link(as_lead, newcomer, sent)
    data = {"name": newcomer.name, "email": "nia.new@example.org", "team": "", "role": "member"}
    assert as_lead.post(f"/people/{newcomer.id}/edit", data=data).status_code == 302
    assert app.test_client().get(f"/set-password/{secret}").status_code == 410
    detail = db.session.scalar(db.select(AuditEvent.detail).where(AuditEvent.action == "person_changed"))
    assert detail == "email changed; 1 unused password link withdrawn"


def test_with_password_sign_in_off_no_link_is_offered_sent_or_used(make_app, sent):
    on = make_app()
    with on.app_context():
        lead = make_person(role="lead")
        person = make_person(password=False)
        db.session.commit()
        secret = links.send_password_link(person).secret
        db.session.commit()
        lead_id, person_id = lead.id, person.id
    off = make_app(PASSWORD_SIGN_IN=False)
    with off.app_context():
        # Signed in some other way (the council's account): a live sign-in session and its cookie.
        db.session.add(SignInSession(person_id=lead_id, secret_hash=hash_secret("lead-cookie")))
        db.session.commit()
        client = off.test_client()
        with client.session_transaction() as cookie:
            cookie["_user_id"], cookie["_fresh"] = "lead-cookie", True
        page = client.get(f"/people/{person_id}")
        assert page.status_code == 200 and "Send a link to set a password" not in text(page)
        assert "send them a link" not in text(client.get("/people"))
        refused = client.post(f"/people/{person_id}/password-link")
        assert refused.status_code == 403 and "Password sign-in is switched off" in text(refused)
        response = off.test_client().get(f"/set-password/{secret}")
        assert response.status_code == 410 and "Password sign-in is switched off" in text(response)
        assert db.session.scalar(db.select(db.func.count()).select_from(PasswordLink)) == 1
        assert db.session.get(Person, person_id).password_hash is None
        assert not sent


def test_request_lines_never_hold_a_password_link():
    line = '"GET /set-password/s3cr3t-Token_x HTTP/1.1" 200'
    assert hide_secret_paths(line) == '"GET /set-password/[hidden] HTTP/1.1" 200'


def test_a_link_is_usable_only_before_it_expires_and_while_unused(app):
    now = utcnow()
    link = PasswordLink(person_id=1, secret_hash="x", created_at=now, expires_at=now + dt.timedelta(hours=1))
    assert link.usable_at(now) and not link.usable_at(now + dt.timedelta(hours=1))
    link.used_at = now
    assert not link.usable_at(now)
