"""Signing in with the council's own account: settings, who is let in, and every refusal.

The provider is real (``oidc_provider/provider.js``); its pages are driven by ``requests`` here and by
Chromium in ``test_oidc_browser.py``. Only the settings tests need no provider.
"""

from __future__ import annotations

import datetime as dt
from urllib.parse import parse_qs, urlsplit

import pytest

from rosters.config import load_config, oidc_config
from rosters.extensions import db
from rosters.models import AuditEvent, Person, SignInSession
from rosters.oidc import SignInRefused, check_domain, email_from_claims
from tests.factories import PASSWORD, make_person
from tests.plugin import text
from tests.rosters.oidc_support import Provider, provider_sign_in

OIDC_VARIABLES = ["OIDC_ISSUER", "OIDC_CLIENT_ID", "OIDC_CLIENT_SECRET", "OIDC_ALLOWED_DOMAINS", "OIDC_EMAIL_CLAIM",
                  "PASSWORD_SIGN_IN"]


@pytest.fixture
def environment(monkeypatch):
    for name in OIDC_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    return monkeypatch


# --- settings ----------------------------------------------------------------------------------


def test_council_sign_in_is_off_and_passwords_on_by_default(environment, tmp_path):
    config = load_config(str(tmp_path))
    assert config["OIDC_ISSUER"] == "" and config["PASSWORD_SIGN_IN"] is True
    assert config["OIDC_EMAIL_CLAIM"] == "email" and config["OIDC_ALLOWED_DOMAINS"] == ()


def test_settings_are_read_from_the_environment(environment):
    environment.setenv("OIDC_ISSUER", "https://login.microsoftonline.com/0000-tenant/v2.0")
    environment.setenv("OIDC_CLIENT_ID", " app-id ")
    environment.setenv("OIDC_CLIENT_SECRET", "secret")
    environment.setenv("OIDC_ALLOWED_DOMAINS", " Example.GOV.uk, @School.example.org ,, ")
    environment.setenv("OIDC_EMAIL_CLAIM", "preferred_username")
    environment.setenv("PASSWORD_SIGN_IN", "no")
    assert oidc_config() == {
        "OIDC_ISSUER": "https://login.microsoftonline.com/0000-tenant/v2.0", "OIDC_CLIENT_ID": "app-id",
        "OIDC_CLIENT_SECRET": "secret", "OIDC_ALLOWED_DOMAINS": ("example.gov.uk", "school.example.org"),
        "OIDC_EMAIL_CLAIM": "preferred_username", "PASSWORD_SIGN_IN": False,
    }


@pytest.mark.parametrize(
    ("variables", "message"),
    [
        ({"OIDC_ISSUER": "http://login.example.org"}, "must be an https:// address"),
        ({"OIDC_ISSUER": "https://login.example.org", "OIDC_CLIENT_ID": "app"}, "set OIDC_CLIENT_ID and OIDC_CLIENT_SECRET"),
        ({"PASSWORD_SIGN_IN": "false"}, "no one could sign in"),
    ],
)
def test_a_half_made_setup_is_refused_at_start_up(environment, variables, message):
    for name, value in variables.items():
        environment.setenv(name, value)
    with pytest.raises(RuntimeError, match=message):
        oidc_config()


def test_a_local_provider_may_use_plain_http(environment):
    for name, value in {"OIDC_ISSUER": "http://127.0.0.1:4000", "OIDC_CLIENT_ID": "a", "OIDC_CLIENT_SECRET": "b"}.items():
        environment.setenv(name, value)
    assert oidc_config()["OIDC_ISSUER"] == "http://127.0.0.1:4000"


# --- the claims and the domains ---------------------------------------------------------------


def test_domains_are_matched_exactly_and_an_empty_list_allows_any():
    check_domain("ada@example.gov.uk", ("example.gov.uk",))
    check_domain("ada@anywhere.example", ())
    for email in ["ada@gmail.example", "ada@evil.example.gov.uk", "ada@example.gov.uk.evil.example"]:
        with pytest.raises(SignInRefused, match="outside the allowed domains"):
            check_domain(email, ("example.gov.uk",))


def test_the_email_claim_is_read_in_lower_case_and_must_be_an_address():
    assert email_from_claims({"email": "Ada@Example.ORG", "email_verified": True}, "email") == "ada@example.org"
    assert email_from_claims({"upn": "ADA@example.org"}, "upn") == "ada@example.org"
    for claims in [{}, {"email": ""}, {"email": ["ada@example.org"]}, {"email": "ada"}]:
        with pytest.raises(SignInRefused, match="no e-mail address"):
            email_from_claims(claims, "email")
    with pytest.raises(SignInRefused, match="not verified"):
        email_from_claims({"email": "ada@example.org", "email_verified": False}, "email")


# --- through the real provider ----------------------------------------------------------------


@pytest.fixture
def council(make_app, oidc_provider: Provider):
    """An app whose sign-in page offers the council account, as ``council(**settings)``."""

    def build(client_id: str = "wellbeing", **overrides):
        app = make_app(**oidc_provider.settings(client_id, **overrides))
        return app, app.test_client()

    return build


def audit_lines(action: str) -> list[AuditEvent]:
    return list(db.session.scalars(db.select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id)))


def test_a_roster_person_signs_in_whatever_the_case_of_their_address(council, oidc_provider):
    app, client = council()
    with app.app_context():
        person = make_person(email="ada.member@example.org", name="Ada Member", password=False)
        db.session.commit()
        response = provider_sign_in(client, oidc_provider, "Ada.Member@Example.ORG")
        assert response.status_code == 302 and response.headers["Location"] == "/"
        assert "Signed in as Ada Member" in text(client.get("/"))  # no password needed: the council vouched
        assert db.session.scalar(db.select(SignInSession).where(SignInSession.person_id == person.id)) is not None
        (line,) = audit_lines("sign_in")
        assert line.person_id == person.id and line.detail == "council account"


def test_next_is_followed_only_on_this_site(council, oidc_provider):
    app, client = council()
    with app.app_context():
        make_person(email="ada@example.org")
        db.session.commit()
        response = provider_sign_in(client, oidc_provider, "ada@example.org", start="/sign-in/oidc?next=/debriefs")
        assert response.headers["Location"] == "/debriefs"
        client.post("/sign-out")
        response = provider_sign_in(client, oidc_provider, "ada@example.org",
                                    start="/sign-in/oidc?next=//evil.example/")
        assert response.headers["Location"] == "/"


def test_nothing_from_before_sign_in_survives_it(council, oidc_provider):
    app, client = council()
    with app.app_context():
        make_person(email="ada@example.org")
        db.session.commit()
        with client.session_transaction() as session:
            session["planted"] = "by someone else"
        provider_sign_in(client, oidc_provider, "ada@example.org")
        with client.session_transaction() as session:
            assert "planted" not in session and not any(key.startswith("_state_") for key in session)


def test_someone_not_on_the_roster_is_refused_and_nothing_is_made(council, oidc_provider):
    app, client = council()
    with app.app_context():
        response = provider_sign_in(client, oidc_provider, "stranger@example.org")
        assert response.status_code == 403
        page = text(response)
        assert "You cannot use this service yet" in page and "Ask your programme lead to add you" in page
        assert db.session.scalar(db.select(Person).where(Person.email == "stranger@example.org")) is None
        (line,) = audit_lines("sign_in_failed")
        assert line.object_id is None and line.detail.startswith("council account: not on the roster; address digest ")
        assert "stranger" not in line.detail
        assert client.get("/").status_code == 302  # still signed out


@pytest.mark.parametrize("change", [{"enabled": False}, {"anonymised_at": dt.datetime(2026, 1, 1)}])
def test_a_disabled_or_erased_person_is_refused(council, oidc_provider, change):
    app, client = council()
    with app.app_context():
        person = make_person(email="ada@example.org", **change)
        db.session.commit()
        response = provider_sign_in(client, oidc_provider, "ada@example.org")
        assert response.status_code == 403 and "Your access to this service is switched off" in text(response)
        (line,) = audit_lines("sign_in_failed")
        assert (line.object_type, line.object_id) == ("Person", person.id) and "cannot sign in" in line.detail


def test_only_the_allowed_domains_may_sign_in(council, oidc_provider):
    app, client = council(OIDC_ALLOWED_DOMAINS=("council.example.gov.uk",))
    with app.app_context():
        make_person(email="ada@personal.example.org")
        make_person(email="bea@council.example.gov.uk")
        db.session.commit()
        response = provider_sign_in(client, oidc_provider, "ada@personal.example.org")
        assert response.status_code == 403 and "ending @personal.example.org cannot sign in" in text(response)
        assert provider_sign_in(client, oidc_provider, "bea@council.example.gov.uk").status_code == 302


def test_an_unverified_address_is_refused(council, oidc_provider):
    app, client = council()
    with app.app_context():
        make_person(email="ada@example.org")
        db.session.commit()
        response = provider_sign_in(client, oidc_provider, "unverified.ada@example.org")
        assert response.status_code == 403 and "not confirmed" in text(response)


def test_another_claim_can_carry_the_address(council, oidc_provider):
    app, client = council(OIDC_EMAIL_CLAIM="preferred_username")
    with app.app_context():
        make_person(email="ada@example.org")
        db.session.commit()
        assert provider_sign_in(client, oidc_provider, "ada@example.org").status_code == 302


@pytest.mark.parametrize("client_id", ["wellbeing-wrong-audience", "wellbeing-expired", "wellbeing-bad-signature"])
def test_an_id_token_that_fails_its_checks_signs_no_one_in(council, oidc_provider, client_id):
    app, client = council(client_id)
    with app.app_context():
        make_person(email="ada@example.org")
        db.session.commit()
        response = provider_sign_in(client, oidc_provider, "ada@example.org")
        assert response.status_code == 400 and "could not be checked" in text(response)
        assert client.get("/").status_code == 302
        (line,) = audit_lines("sign_in_failed")
        assert line.detail.startswith("council account: ID token refused")
        assert not audit_lines("sign_in")


def _with_state(url: str, state: str | None) -> str:
    parts = urlsplit(url)
    query = {key: values[0] for key, values in parse_qs(parts.query).items() if key != "state"}
    if state is not None:
        query["state"] = state
    return parts._replace(query="&".join(f"{key}={value}" for key, value in query.items())).geturl()


@pytest.mark.parametrize("state", ["tampered", None])
def test_a_tampered_or_missing_state_is_refused(council, oidc_provider, state):
    app, client = council()
    with app.app_context():
        make_person(email="ada@example.org")
        db.session.commit()
        response = provider_sign_in(client, oidc_provider, "ada@example.org",
                                    alter_callback=lambda url: _with_state(url, state))
        assert response.status_code == 400 and "started in another browser or tab" in text(response)
        assert client.get("/").status_code == 302


def test_a_refusal_at_the_provider_is_shown_plainly(council):
    app, client = council()
    with app.app_context():
        client.get("/sign-in/oidc")
        with client.session_transaction() as session:
            state = next(key for key in session if key.startswith("_state_council_")).removeprefix("_state_council_")
        response = client.get(f"/sign-in/oidc/callback?error=access_denied&state={state}")
        assert response.status_code == 400 and "You have not been signed in" in text(response)


@pytest.mark.parametrize("query", ["", "&code=", "&error=" + "x" * 3000])
def test_an_answer_without_a_code_gets_a_page_not_an_error(council, query):
    app, client = council()
    with app.app_context():
        client.get("/sign-in/oidc")
        with client.session_transaction() as session:
            state = next(key for key in session if key.startswith("_state_council_")).removeprefix("_state_council_")
        response = client.get(f"/sign-in/oidc/callback?state={state}{query}")
        assert response.status_code == 400 and "You have not been signed in" in text(response)
        (line,) = audit_lines("sign_in_failed")
        assert line.detail.startswith("council account: provider answered") and len(line.detail) < 150


def test_an_unreachable_provider_gets_a_page_not_an_error(make_app, oidc_provider):
    app = make_app(**oidc_provider.settings(OIDC_ISSUER="http://127.0.0.1:9"))  # nothing listens there
    with app.app_context():
        response = app.test_client().get("/sign-in/oidc")
        assert response.status_code == 502 and "could not be reached" in text(response)


def test_refused_callbacks_are_throttled(council):
    app, client = council(RATELIMIT_ENABLED=True, SIGN_IN_LIMIT_PER_ADDRESS="2 per 15 minutes")
    with app.app_context():
        statuses = [client.get("/sign-in/oidc/callback?code=x&state=forged").status_code for _ in range(3)]
        assert statuses == [400, 400, 429]


def test_signing_out_offers_the_council_accounts_own_sign_out(council, oidc_provider):
    app, client = council()
    with app.app_context():
        make_person(email="ada@example.org")
        db.session.commit()
        provider_sign_in(client, oidc_provider, "ada@example.org")
        response = client.post("/sign-out", follow_redirects=True)
        assert "You have signed out" in text(response) and "Sign out of your council account" in text(response)
        response = client.get("/sign-out/oidc")
        location = urlsplit(response.headers["Location"])
        assert f"{location.scheme}://{location.netloc}{location.path}" == oidc_provider.issuer + "/session/end"
        assert parse_qs(location.query) == {"client_id": ["wellbeing"],
                                            "post_logout_redirect_uri": [oidc_provider.app_base + "/sign-in"]}
        assert "id_token_hint" not in location.query  # the ID token is not kept
        assert client.get("/sign-out/oidc").headers["Location"] == "/sign-in"  # offered once
        assert "Sign out of your council account" not in text(client.get("/sign-in"))


def test_a_password_sign_in_gets_no_council_sign_out(council):
    app, client = council()
    with app.app_context():
        make_person(email="ada@example.org")
        db.session.commit()
        assert client.post("/sign-in", data={"email": "ada@example.org", "password": PASSWORD}).status_code == 302
        response = client.post("/sign-out", follow_redirects=True)
        assert "Sign out of your council account" not in text(response)


# --- the sign-in page -------------------------------------------------------------------------


def test_the_sign_in_page_offers_both_ways_in(council):
    app, client = council()
    with app.app_context():
        page = text(client.get("/sign-in?next=/debriefs"))
        assert "Sign in with your council account" in page and 'href="/sign-in/oidc?next=/debriefs"' in page
        assert 'name="password"' in page


def test_with_passwords_off_the_form_is_hidden_and_a_password_post_refused(council):
    app, client = council(PASSWORD_SIGN_IN=False)
    with app.app_context():
        make_person(email="ada@example.org")
        db.session.commit()
        page = text(client.get("/sign-in"))
        assert "Sign in with your council account" in page and 'name="password"' not in page
        response = client.post("/sign-in", data={"email": "ada@example.org", "password": PASSWORD})
        assert response.status_code == 403 and "Sign in with your council account" in text(response)
        assert client.get("/").status_code == 302 and not audit_lines("sign_in")


def test_without_a_provider_there_is_no_council_sign_in(client):
    assert "council account" not in text(client.get("/sign-in"))
    assert client.get("/sign-in/oidc").status_code == 404
    assert client.get("/sign-in/oidc/callback?code=x&state=y").status_code == 404


def test_an_answer_naming_another_issuer_is_refused(council, oidc_provider):
    app, client = council()
    with app.app_context():
        make_person(email="ada@example.org")
        db.session.commit()
        response = provider_sign_in(client, oidc_provider, "ada@example.org",
                                    alter_callback=lambda url: url.replace("iss=http", "iss=https"))
        assert response.status_code == 400 and client.get("/").status_code == 302
        (line,) = audit_lines("sign_in_failed")
        assert line.detail == "council account: answer from another issuer"
