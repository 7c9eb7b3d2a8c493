"""Generated values in every form field and query parameter of every page, as every role: never a 5xx.

The JSON API has its own fuzzer (test_api_fuzz.py, from its OpenAPI document). Here every web route,
for each role and each of its methods, is sent values a person, a pasted address or an attacker could
send: numbers beyond the database's integer, Unicode digits, dates in year 1 or 9999, three-box dates
with two boxes, very long text, control characters, encoded slashes and other hosts.

What to send where is found, not listed: the pages are walked as a lead, and every form (its fields, by
the address it is sent to) and every link with a query string (its parameters, by address) is noted;
the view's own ``request.args`` reads are added. A form no page shows gets every field the service's
form classes declare. Each field and parameter is first sent each value of ``SWEEP`` alone, then
hypothesis sends random mixes. A role refused outright (sign-in, 403, 404) never has its input read, so
it gets one plain request only.

The lead, who reaches about five times as many routes as any other role, has their routes shared out over
several tests (every route in exactly one, each test with a world of its own), so that pytest-xdist's
workers share that sweep, the longest of the suite.
"""

from __future__ import annotations

import inspect
import re
from collections import defaultdict
from collections.abc import Iterator
from html.parser import HTMLParser
from urllib.parse import parse_qsl, urlsplit

import pytest
from flask import Flask
from flask.testing import FlaskClient
from flask_wtf import FlaskForm
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from wtforms.fields.core import UnboundField

from rosters.extensions import db
from tests.world import ROLES, World, build_url, methods_of, rules, signed_in

PACKAGES = ("programme", "rosters", "reports")
# Fuzzed elsewhere (the API), static files, and signing out (it would end the walk for the role).
SKIPPED = ("api.", "static", "auth.sign_out")
EXAMPLES = 10  # random mixes per route, method and role that reads input, after the sweep
# Tests per role, each sweeping every n-th route, so that parallel workers share the work; one for the rest.
PARTS = {"lead": 4}
CASES = [(role, part, PARTS.get(role, 1)) for role in sorted(ROLES, key=lambda role: -PARTS.get(role, 1))
         for part in range(PARTS.get(role, 1))]  # the lead's first: the longest start first under xdist
# Sent to each field and parameter in turn, the others left out: the values that have broken services.
SWEEP: list[str | list[str]] = [
    "99999999999999999999", "2147483648", "²", "-1", "9999-12-31", "0001-01-01", ["31", "12", "9999"],
    ["1", "1", "1"], ["1", "2"], "a" * 5001, "\x01", "/%09/evil.example",
]
NASTY = [
    "", " ", "0", "-1", "1", "2147483647", "2147483648", "99999999999999999999", "9" * 400, "1e9", "NaN", "inf",
    "²", "١٢", "½", "0x10", "1_000", "0001-01-01", "9999-12-31", "31/12/9999", "2027-02-30", "1999-12-31",
    "2100-01-01", "/%0a/x", "/%0d/x", "/%09/evil.example", "/\t/evil.example", "//evil.example", "/\\evil.example",
    "http://evil.example/", "javascript:alert(1)", "<script>alert(1)</script>", "' OR 1=1 --", "\u202egnp.exe",
    "\U0001d518\U0001d52b\U0001d526", "a" * 5001, "\x01\x02", "yes", "no", "y", "delivered", "cancelled",
    "individual", "group", "either", "draft", "closed", "figures", "sessions", "2026-Q5", "2099-Q4", "1999-Q1",
]
nasty = st.sampled_from(NASTY)
values = st.one_of(
    nasty,
    nasty,  # twice: the values most likely to find a fault come up most often
    st.integers(min_value=-(2**70), max_value=2**70).map(str),
    st.integers(min_value=2**31 - 2, max_value=2**64 + 2).map(str),  # around the database's integers
    st.dates().map(lambda day: day.isoformat()),
    st.dates().map(lambda day: f"{day.day}/{day.month}/{day.year}"),
    st.text(max_size=40),
)
# A date may come as three boxes (day, month, year), sensible or not.
date_boxes = st.tuples(st.integers(-5, 40), st.integers(-5, 15), st.integers(-10, 12000)).map(
    lambda boxes: [str(n) for n in boxes]
)
ARGS_READ = re.compile(r"""request\.args(?:\.get|\.getlist)?\(?\[?["']([a-z_]+)["']""")


def form_field_names() -> set[str]:
    """Every field declared on any form class of the service."""
    names: set[str] = set()
    pending = list(FlaskForm.__subclasses__())
    while pending:
        form = pending.pop()
        pending.extend(form.__subclasses__())
        if form.__module__.split(".")[0] in PACKAGES:
            names.update(name for name in dir(form) if isinstance(getattr(form, name, None), UnboundField))
    return names - {"csrf_token"}


class PageInputs(HTMLParser):
    """What a page sends where: its forms' fields and its links' query parameters, by address."""

    def __init__(self, page_path: str, found: Inputs) -> None:
        super().__init__()
        self.page_path = page_path
        self.found = found
        self.form: tuple[str, str] | None = None  # (address, method) of the form being read

    def handle_starttag(self, tag: str, attrs) -> None:
        attributes = {name: value or "" for name, value in attrs}
        if tag == "form":
            action = urlsplit(attributes.get("action") or self.page_path).path
            self.form = (action, attributes.get("method", "get").upper())
        elif tag in ("input", "select", "textarea", "button") and self.form and attributes.get("name"):
            action, method = self.form
            into = self.found.fields if method == "POST" else self.found.parameters
            into[action].add(attributes["name"])
        elif tag == "a" and "?" in attributes.get("href", ""):
            link = urlsplit(attributes["href"])
            self.found.parameters[link.path].update(name for name, _ in parse_qsl(link.query))

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self.form = None


class Inputs:
    """Form fields (POST) and query parameters (GET forms, links) found on the pages, by address."""

    def __init__(self) -> None:
        self.fields: dict[str, set[str]] = defaultdict(set)
        self.parameters: dict[str, set[str]] = defaultdict(set)


def inputs_on_pages(app: Flask, world: World) -> Inputs:
    """Walk every page as a lead (who sees every form) and note what each sends where."""
    client = signed_in(app, world, "lead")
    found = Inputs()
    for rule in rules(app):
        if "GET" in rule.methods and not rule.endpoint.startswith(SKIPPED):
            url = build_url(app, world, rule)
            response = client.get(url)
            if response.mimetype == "text/html":
                PageInputs(urlsplit(url).path, found).feed(response.get_data(as_text=True))
    return found


def read_by_view(app: Flask, endpoint: str) -> set[str]:
    """The ``request.args`` keys a view function reads by name."""
    return set(ARGS_READ.findall(inspect.getsource(app.view_functions[endpoint])))


def refused_outright(response) -> bool:
    """Sent to sign in, forbidden, not found or the wrong method: the view never read its input."""
    if response.status_code in (401, 403, 404, 405):
        return True
    return response.status_code == 302 and "/sign-in" in response.headers.get("Location", "")


@pytest.fixture
def app(make_app) -> Iterator[Flask]:
    """Throttling off: thousands of refused requests would otherwise be throttled (tested elsewhere)."""
    app = make_app(RATELIMIT_ENABLED=False)
    with app.app_context():
        yield app


FUZZ = settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.data_too_large],
)


@pytest.mark.parametrize(("role", "part", "parts"), CASES,
                         ids=[role if parts == 1 else f"{role}-part{part + 1}of{parts}" for role, part, parts in CASES])
def test_no_generated_value_reaches_a_server_error(app: Flask, world: World, role: str, part: int, parts: int):
    every_field = form_field_names()
    found = inputs_on_pages(app, world)
    # Ids that exist, so that generated requests also get past "not found" to the checks behind it.
    real_ids = [str(value) for value in (world.north.id, world.south.id, world.series.id, world.north_session.id,
                                         world.people["facilitator"].id, world.people["manager"].id,
                                         world.chaired.id, world.my_booking.id)]
    client = signed_in(app, world, role)
    failures: list[str] = []
    reach: list[str] = []
    for rule in rules(app)[part::parts]:
        if rule.endpoint.startswith(SKIPPED):
            continue
        url = build_url(app, world, rule)
        path = urlsplit(url).path
        parameters = sorted(found.parameters[path] | read_by_view(app, rule.endpoint))
        for method in methods_of(rule):
            fields: set[str] = set()
            if method == "POST":
                fields = found.fields[path] or every_field  # a form no page shows: every field there is
            db.session.rollback()
            if refused_outright(client.open(url, method=method)):
                continue
            reach.append(f"{method} {rule.endpoint}")
            fuzz_route(client, url, method, parameters, sorted(fields), real_ids, role, failures)
    assert reach, f"no route (of part {part + 1} of {parts}) read any input as {role}"
    assert not failures, "\n".join(failures[:20])


def fuzz_route(client: FlaskClient, url: str, method: str, parameters: list[str], fields: list[str],
               real_ids: list[str], role: str, failures: list[str]) -> None:
    """Sweep each input with the values that break services, then random mixes; note every 5xx."""

    def check(query: dict, form: dict) -> None:
        db.session.rollback()
        response = client.open(url, method=method, query_string=query, data=form if method != "GET" else None)
        if response.status_code >= 500:
            failures.append(f"{method} {url} as {role}: {response.status_code}, query {query!r}, form {form!r}"[:600])

    for name in parameters:
        for bad in SWEEP:
            check({name: bad}, {})
    for name in fields:
        for bad in SWEEP:
            check({}, {name: bad})

    value = st.one_of(values, st.sampled_from(real_ids))
    one = st.one_of(value, st.lists(value, max_size=4), date_boxes)
    query = st.fixed_dictionaries({}, optional=dict.fromkeys(parameters, one))
    form = st.fixed_dictionaries({}, optional=dict.fromkeys(fields, one))

    @FUZZ
    @given(query=query, form=form)
    def mixes(query: dict, form: dict) -> None:
        check(query, form)

    mixes()
