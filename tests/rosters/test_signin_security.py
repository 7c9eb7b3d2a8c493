"""Sign-in throttling (in memory and shared through Redis), password rules, and cookie and HTTPS headers."""

from __future__ import annotations

import os
import re
import uuid

import pytest
import redis

from rosters.extensions import db
from rosters.services import RosterError, check_password_rules, create_token
from tests.factories import PASSWORD, make_person
from tests.plugin import text

REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
NONCE = re.compile(r'nonce="[^"]*"')


def sign_in(client, email: str, password: str = PASSWORD, address: str = "127.0.0.1", **kwargs):
    return client.post(
        "/sign-in", data={"email": email, "password": password}, environ_base={"REMOTE_ADDR": address}, **kwargs
    )


# --- throttling -------------------------------------------------------------------------------


def test_failed_sign_ins_to_one_account_are_throttled_even_with_the_right_password(make_app):
    app = make_app(SIGN_IN_LIMIT_PER_ACCOUNT="3 per 15 minutes")
    with app.app_context():
        person = make_person()
        db.session.commit()
        client = app.test_client()
        for attempt in range(3):
            # Each try from a new address: only the per-account limit can stop these.
            assert sign_in(client, person.email, "wrong password", address=f"10.0.0.{attempt}").status_code == 200
        response = sign_in(client, person.email, address="10.0.0.99")
        assert response.status_code == 429
        page = text(response)
        assert "Too many attempts to sign in" in page
        assert "Wait 15 minutes, then try again" in page
        assert 840 <= int(response.headers["Retry-After"]) <= 900
        assert client.get("/").status_code == 302  # not signed in
        # The same address in another case is the same account.
        assert sign_in(client, person.email.upper(), address="10.0.0.98").status_code == 429


def test_throttled_page_does_not_say_whether_the_account_exists(make_app):
    app = make_app(SIGN_IN_LIMIT_PER_ACCOUNT="2 per 15 minutes")
    with app.app_context():
        person = make_person()
        db.session.commit()
        client = app.test_client()
        pages = []
        for email in (person.email, "nobody@example.org"):
            for _ in range(2):
                assert sign_in(client, email, "wrong password").status_code == 200
            response = sign_in(client, email, "wrong password")
            assert response.status_code == 429
            pages.append(text(response))
        # Word for word the same, but for the per-response CSP nonce.
        first, second = (NONCE.sub('nonce=""', page) for page in pages)
        assert first == second


def test_failed_sign_ins_from_one_address_are_throttled(make_app):
    app = make_app(SIGN_IN_LIMIT_PER_ADDRESS="3 per 15 minutes")
    with app.app_context():
        person = make_person()
        db.session.commit()
        client = app.test_client()
        for number in range(3):
            assert sign_in(client, f"guess{number}@example.org", "wrong password").status_code == 200
        assert sign_in(client, person.email).status_code == 429
        # Someone at another address is not held up.
        assert sign_in(client, person.email, address="192.0.2.7").status_code == 302


def test_successful_sign_ins_and_the_form_itself_are_never_counted(make_app):
    app = make_app(SIGN_IN_LIMIT_PER_ADDRESS="2 per 15 minutes", SIGN_IN_LIMIT_PER_ACCOUNT="2 per 15 minutes")
    with app.app_context():
        person = make_person()
        db.session.commit()
        client = app.test_client()
        for _ in range(4):
            assert client.get("/sign-in").status_code == 200
            assert sign_in(client, person.email).status_code == 302
            assert client.post("/sign-out").status_code == 302


def test_forwarded_addresses_are_believed_only_from_trusted_proxies(make_app):
    for proxies, escapes in ((0, False), (1, True)):
        app = make_app(SIGN_IN_LIMIT_PER_ADDRESS="2 per 15 minutes", TRUSTED_PROXIES=proxies)
        with app.app_context():
            client = app.test_client()
            statuses = [
                client.post(
                    "/sign-in",
                    data={"email": f"guess{n}@example.org", "password": "wrong password"},
                    headers={"X-Forwarded-For": f"203.0.113.{n}"},
                ).status_code
                for n in range(4)
            ]
        # With no trusted proxy a client cannot dodge the limit by inventing X-Forwarded-For.
        assert statuses == ([200] * 4 if escapes else [200, 200, 429, 429]), proxies


def test_api_token_failures_are_throttled(make_app):
    app = make_app(API_TOKEN_FAILURE_LIMIT="3 per 15 minutes")
    with app.app_context():
        token = create_token(make_person(role="lead").email)
        db.session.commit()
        client = app.test_client()
        good = {"Authorization": f"Bearer {token}"}
        assert client.get("/api/v1/metrics?start=2025-01-01&end=2025-01-31", headers=good).status_code == 200
        for _ in range(3):
            assert client.get("/api/v1/slots", headers={"Authorization": "Bearer guessed"}).status_code == 401
        response = client.get("/api/v1/metrics?start=2025-01-01&end=2025-01-31", headers=good)
        assert response.status_code == 429
        assert "try again in 15 minutes" in response.get_json()["error"]
        assert "Retry-After" in response.headers
        # Another client is not affected.
        other = client.get(
            "/api/v1/metrics?start=2025-01-01&end=2025-01-31", headers=good, environ_base={"REMOTE_ADDR": "192.0.2.8"}
        )
        assert other.status_code == 200


def _redis_or_skip() -> None:
    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1).ping()
    except redis.RedisError as error:
        if os.environ.get("CI"):
            pytest.fail(f"Redis at {REDIS_URL} is needed in CI: {error}")
        pytest.skip(f"Redis at {REDIS_URL} is not reachable: {error}")


def _throttled_on_second_instance(make_app, storage_uri: str) -> int:
    """Use up an account's limit on one app, then try once on a second app (another worker)."""
    settings = {
        "RATELIMIT_STORAGE_URI": storage_uri,
        "SIGN_IN_LIMIT_PER_ACCOUNT": "3 per 15 minutes",
        "SIGN_IN_LIMIT_PER_ADDRESS": "1000 per 15 minutes",
    }
    email = f"{uuid.uuid4().hex}@example.org"  # counts in a shared Redis outlive the test: never reuse a key
    first = make_app(**settings)
    with first.app_context():
        client = first.test_client()
        for _ in range(3):
            assert sign_in(client, email, "wrong password").status_code == 200
        assert sign_in(client, email, "wrong password").status_code == 429
    # Building the second app gives the limiter a new storage connection: whatever it counts, it
    # can only know through the shared store, as a separate worker process would.
    second = make_app(**settings)
    with second.app_context():
        return sign_in(second.test_client(), email, "wrong password").status_code


def test_sign_in_limit_is_shared_by_every_worker_through_redis(make_app):
    _redis_or_skip()
    assert _throttled_on_second_instance(make_app, REDIS_URL) == 429


def test_in_memory_limits_are_per_worker(make_app):
    """Why production needs RATELIMIT_STORAGE_URI: memory:// counts are not shared."""
    assert _throttled_on_second_instance(make_app, "memory://") == 200


# --- passwords --------------------------------------------------------------------------------


@pytest.mark.parametrize("password", ["a" * 7, "x" * 129, "password", "password1234", "Password1234", " qwertyuiop "])
def test_short_long_and_common_passwords_are_refused(password):
    with pytest.raises(RosterError):
        check_password_rules(password)


@pytest.mark.parametrize("password", ["tram-kettle", "q" * 64, "plenty of words in a passphrase " * 4])
def test_long_enough_uncommon_passwords_are_accepted(password):
    assert 8 <= len(password) <= 128
    check_password_rules(password)


def test_create_user_refuses_a_common_password(runner):
    result = runner.invoke(
        args=["create-user", "--email", "c@example.org", "--name", "C", "--role", "member"], input="iloveyou123\n"
    )
    assert result.exit_code != 0
    assert "too common" in result.output


# --- cookies and HTTPS ------------------------------------------------------------------------


def session_cookie(response) -> str:
    cookies = [value for value in response.headers.getlist("Set-Cookie") if value.startswith("session=")]
    assert cookies, response.headers
    return cookies[-1]


def test_session_cookie_is_httponly_and_samesite_lax_and_not_secure_over_plain_http(client):
    person = make_person()
    db.session.commit()
    response = sign_in(client, person.email)
    cookie = session_cookie(response)
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
    assert "Secure" not in cookie
    assert "Strict-Transport-Security" not in response.headers


def test_session_cookie_is_secure_when_configured(make_app):
    app = make_app(SESSION_COOKIE_SECURE=True)
    with app.app_context():
        person = make_person()
        db.session.commit()
        cookie = session_cookie(sign_in(app.test_client(), person.email))
        assert "Secure" in cookie and "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_https_request_gets_a_secure_cookie_and_hsts(client):
    person = make_person()
    db.session.commit()
    response = sign_in(client, person.email, base_url="https://localhost")
    assert "Secure" in session_cookie(response)
    assert response.headers["Strict-Transport-Security"].startswith("max-age=")


def test_https_behind_a_trusted_proxy_gets_a_secure_cookie_and_hsts(make_app):
    for proxies, secure in ((0, False), (1, True)):
        app = make_app(TRUSTED_PROXIES=proxies)
        with app.app_context():
            person = make_person()
            db.session.commit()
            response = sign_in(app.test_client(), person.email, headers={"X-Forwarded-Proto": "https"})
            assert response.status_code == 302
            assert ("Secure" in session_cookie(response)) is secure, proxies
            assert ("Strict-Transport-Security" in response.headers) is secure, proxies
