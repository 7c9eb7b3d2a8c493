"""Signing in and out, server-side session ending, roles and CSRF."""

import datetime as dt

import pytest

from rosters.extensions import db
from rosters.models import Person, SignInSession
from tests.factories import PASSWORD, make_person, make_team

ROLE_PAGES = ["/teams", "/people", "/facilitators", "/import"]


def test_sign_in_with_right_password_reaches_home(client, auth):
    person = make_person(name="Ada Member")
    db.session.commit()
    response = auth.login(person.email)
    assert response.status_code == 302
    html = client.get("/").get_data(as_text=True)
    assert "Signed in as Ada Member" in html


def test_sign_in_ignores_email_case_and_spaces(client, auth):
    make_person(email="ada@example.org")
    db.session.commit()
    assert auth.login("  ADA@Example.org ").status_code == 302


def test_wrong_password_and_unknown_email_look_the_same(client, auth):
    person = make_person()
    db.session.commit()
    wrong = auth.login(person.email, "not the password")
    unknown = auth.login("nobody@example.org", "not the password")
    assert wrong.status_code == unknown.status_code == 200
    for response in (wrong, unknown):
        assert "Enter a correct email address and password" in response.get_data(as_text=True)
    assert client.get("/").status_code == 302


def test_person_without_password_cannot_sign_in(client, auth):
    person = make_person(password=False)
    db.session.commit()
    assert auth.login(person.email, "").status_code == 200
    assert client.get("/").status_code == 302


def test_disabled_person_cannot_sign_in_and_is_signed_out(client, auth):
    person = make_person()
    db.session.commit()
    auth.login(person.email)
    assert client.get("/").status_code == 200
    person.enabled = False
    db.session.commit()
    assert client.get("/").status_code == 302
    assert auth.login(person.email).status_code == 200


def test_password_is_stored_as_argon2id_hash(runner):
    make_team(name="Alpha")
    db.session.commit()
    runner.invoke(
        args=["create-user", "--email", "a@example.org", "--name", "A", "--role", "member"], input="long enough password\n"
    )
    person = db.session.scalar(db.select(Person).where(Person.email == "a@example.org"))
    assert person.password_hash.startswith("$argon2id$")
    assert "long enough password" not in person.password_hash


def test_sign_out_ends_the_session_server_side(client, auth):
    person = make_person()
    db.session.commit()
    auth.login(person.email)
    cookie = client.get_cookie("session").value
    response = auth.logout()
    assert response.status_code == 302
    assert client.get("/").status_code == 302
    # Replaying the cookie from before signing out does not get back in.
    client.set_cookie("session", cookie)
    assert client.get("/").status_code == 302
    sign_in = db.session.scalar(db.select(SignInSession))
    assert sign_in.ended_at is not None


def test_each_sign_in_gets_a_new_session_secret(client, auth):
    person = make_person()
    db.session.commit()
    auth.login(person.email)
    first = client.get_cookie("session").value
    auth.logout()
    auth.login(person.email)
    assert client.get_cookie("session").value != first
    assert db.session.scalar(db.select(db.func.count()).select_from(SignInSession)) == 2


def test_idle_session_expires(client, auth):
    person = make_person()
    db.session.commit()
    auth.login(person.email)
    sign_in = db.session.scalar(db.select(SignInSession))
    sign_in.last_seen_at = sign_in.last_seen_at - dt.timedelta(hours=2)
    db.session.commit()
    assert client.get("/").status_code == 302


def test_absolute_session_lifetime_expires(client, auth):
    person = make_person()
    db.session.commit()
    auth.login(person.email)
    sign_in = db.session.scalar(db.select(SignInSession))
    sign_in.created_at = sign_in.created_at - dt.timedelta(days=1)
    db.session.commit()
    assert client.get("/").status_code == 302


@pytest.mark.parametrize("role", ["member", "manager", "facilitator"])
def test_roster_pages_are_for_leads_only(client, auth, role):
    person = make_person(role=role)
    db.session.commit()
    auth.login(person.email)
    for path in ROLE_PAGES:
        assert client.get(path).status_code == 403, path


def test_roster_pages_need_sign_in(client):
    for path in ROLE_PAGES:
        response = client.get(path)
        assert response.status_code == 302 and "/sign-in" in response.headers["Location"], path


def test_sign_in_follows_only_local_next(client, auth):
    person = make_person(role="lead")
    db.session.commit()
    response = client.post("/sign-in?next=/teams", data={"email": person.email, "password": PASSWORD})
    assert response.headers["Location"] == "/teams"
    auth.logout()
    response = client.post("/sign-in?next=//evil.example/", data={"email": person.email, "password": PASSWORD})
    assert response.headers["Location"] == "/"


def test_forms_refuse_posts_without_csrf_token(make_app):
    app = make_app(WTF_CSRF_ENABLED=True)
    with app.app_context():
        person = make_person()
        db.session.commit()
        client = app.test_client()
        response = client.post("/sign-in", data={"email": person.email, "password": PASSWORD})
        assert response.status_code == 400
        assert client.get("/").status_code == 302


def test_sign_in_works_with_csrf_token(make_app):
    app = make_app(WTF_CSRF_ENABLED=True)
    with app.app_context():
        person = make_person()
        db.session.commit()
        client = app.test_client()
        html = client.get("/sign-in").get_data(as_text=True)
        token = html.split('name="csrf_token" type="hidden" value="')[1].split('"')[0]
        response = client.post("/sign-in", data={"email": person.email, "password": PASSWORD, "csrf_token": token})
        assert response.status_code == 302
        assert client.get("/").status_code == 200
