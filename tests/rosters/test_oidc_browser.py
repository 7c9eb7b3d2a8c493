"""Signing in with the council's account in Chromium, through a real OpenID provider, every page checked by axe.

The provider's own login and consent pages belong to the provider; axe checks this service's pages.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit

import pytest
from playwright.sync_api import expect

from rosters.extensions import db
from tests.browser_support import axe_violations, require_chromium, shot
from tests.factories import make_person
from tests.rosters.oidc_support import Provider, serve_on

pytestmark = pytest.mark.browser
require_chromium()


@contextmanager
def council_site(make_app, provider: Provider, client_id: str = "wellbeing", **settings) -> Iterator[str]:
    """This service, set up for the provider as ``client_id``, with Ada on the roster (no password)."""
    app = make_app(**provider.settings(client_id, **settings))
    with app.app_context():
        make_person(email="ada.member@example.org", name="Ada Member", password=False)
        db.session.commit()
        db.session.remove()
        with serve_on(app, provider.app_base) as base:
            yield base


def sign_in_at_provider(page, base: str, login: str) -> None:
    """From this service's sign-in page, through the provider's login and consent pages."""
    page.goto(base + "/sign-in")
    page.get_by_role("button", name="Sign in with your council account").click()
    page.locator("input[name=login]").fill(login)
    page.locator("input[name=password]").fill("any password")
    page.get_by_role("button", name="Sign-in").click()
    page.get_by_role("button", name="Continue").click()


def test_a_roster_person_signs_in_and_out_with_their_council_account(page, make_app, oidc_provider):
    with council_site(make_app, oidc_provider) as base:
        page.goto(base + "/sign-in")
        expect(page.get_by_role("button", name="Sign in with your council account")).to_be_visible()
        assert axe_violations(page) == []
        shot(page, "sign-in-council-account")

        sign_in_at_provider(page, base, "Ada.Member@example.org")
        expect(page.get_by_text("Signed in as Ada Member")).to_be_visible()
        assert page.url == base + "/"
        assert axe_violations(page) == []

        page.get_by_role("button", name="Sign out").click()
        expect(page.get_by_text("You have signed out")).to_be_visible()
        expect(page.get_by_role("link", name="Sign out of your council account")).to_be_visible()
        assert axe_violations(page) == []
        shot(page, "signed-out-council-account")
        page.get_by_role("link", name="Sign out of your council account").click()
        page.get_by_role("button", name=re.compile("Yes, sign me out", re.I)).click()  # the provider asks
        expect(page.get_by_role("heading", name="Sign in", exact=True)).to_be_visible()
        assert page.url.startswith(base + "/sign-in")
        expect(page.get_by_role("link", name="Sign out of your council account")).to_have_count(0)


def test_someone_not_on_the_roster_is_told_whom_to_ask(page, make_app, oidc_provider):
    with council_site(make_app, oidc_provider) as base:
        sign_in_at_provider(page, base, "stranger@example.org")
        expect(page.get_by_role("heading", name="You cannot use this service yet")).to_be_visible()
        expect(page.get_by_text("Ask your programme lead to add you")).to_be_visible()
        assert axe_violations(page) == []
        shot(page, "sign-in-council-account-not-on-roster")
        page.goto(base + "/")
        expect(page.get_by_role("heading", name="Sign in", exact=True)).to_be_visible()


def test_a_tampered_state_is_refused(page, make_app, oidc_provider):
    """The provider's consent answer sends the browser back with the state changed on the way."""

    def tamper(route):
        if route.request.method != "POST" or "prompt=consent" not in (route.request.post_data or ""):
            route.continue_()
            return
        resume = route.fetch(max_redirects=0)  # the provider's next step, then its redirect to us
        callback = page.request.get(urljoin(route.request.url, resume.headers["location"]), max_redirects=0)
        parts = urlsplit(callback.headers["location"])
        query = urlencode([(key, "tampered" if key == "state" else value) for key, value in parse_qsl(parts.query)])
        route.fulfill(status=303, headers={"location": parts._replace(query=query).geturl()})

    with council_site(make_app, oidc_provider) as base:
        page.route(re.compile(re.escape(oidc_provider.issuer) + r"/interaction/.*"), tamper)
        sign_in_at_provider(page, base, "ada.member@example.org")
        expect(page.get_by_role("heading", name="Sign-in could not be completed")).to_be_visible()
        assert "state=tampered" in page.url
        expect(page.get_by_text("started in another browser or tab")).to_be_visible()
        assert axe_violations(page) == []
        page.goto(base + "/")
        expect(page.get_by_role("heading", name="Sign in", exact=True)).to_be_visible()


@pytest.mark.parametrize("client_id", ["wellbeing-wrong-audience", "wellbeing-expired"])
def test_an_id_token_for_another_service_or_out_of_date_is_refused(page, make_app, oidc_provider, client_id):
    with council_site(make_app, oidc_provider, client_id) as base:
        sign_in_at_provider(page, base, "ada.member@example.org")
        expect(page.get_by_role("heading", name="Sign-in could not be completed")).to_be_visible()
        expect(page.get_by_text("could not be checked")).to_be_visible()
        assert axe_violations(page) == []
        shot(page, f"sign-in-council-account-{client_id}")
        page.goto(base + "/")
        expect(page.get_by_role("heading", name="Sign in", exact=True)).to_be_visible()


def test_with_passwords_off_only_the_council_account_is_offered(page, make_app, oidc_provider):
    with council_site(make_app, oidc_provider, PASSWORD_SIGN_IN=False) as base:
        page.goto(base + "/sign-in")
        expect(page.get_by_role("button", name="Sign in with your council account")).to_be_visible()
        expect(page.get_by_label("Password")).to_have_count(0)
        assert axe_violations(page) == []
