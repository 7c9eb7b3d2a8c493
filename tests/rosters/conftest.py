"""Fixtures for the roster's tests: one real OpenID provider per run for the council sign-in tests (see
tests/rosters/oidc_support.py), and a lead signed in for the people pages."""

import pytest

from rosters.extensions import db
from rosters.models import Person
from tests.factories import make_person
from tests.rosters.oidc_support import oidc_provider  # noqa: F401  (a session-scoped fixture)


@pytest.fixture
def lead(app) -> Person:
    person = make_person(name="Pat Lead", email="pat.lead@example.org", role="lead")
    db.session.commit()
    return person


@pytest.fixture
def as_lead(client, auth, lead):
    assert auth.login(lead.email).status_code == 302
    return client
