"""The import page's templates and allowed values: every kind offers a CSV to start from, with the
contract's header, and says what each column may hold from the very lists its importer checks."""

from __future__ import annotations

import html
import io

import pandas as pd
import pytest

from programme.evaluation.workforce import MONTH_WORDS
from programme.models import CATEGORY_VALUES, FORMAT_VALUES, KIND_VALUES, STATUS_VALUES
from programme.rules import LONGEST_MINUTES, SHORTEST_MINUTES
from rosters.csv_import import DATE_WORDS, IMPORTERS, kinds_in_order
from rosters.extensions import db
from rosters.models import COURSE_VALUES, ROLE_VALUES, Person, Team
from tests.factories import make_person

# The header rows the public contract (the import table of CONTRACT.md) asks for, in its order. Kept
# here on purpose: a change to an importer's columns must be a deliberate change to the contract too.
CONTRACT_HEADERS = {
    "teams": ["team", "service", "agency", "active"],
    "people": ["email", "name", "team", "role"],
    "training": ["email", "course", "completed_on", "expires_on"],
    "sessions": ["ref", "kind", "format", "team", "date", "start", "duration_minutes", "facilitator_email",
                 "status", "attendees", "requested_on", "incident_category", "capacity"],
    "workforce": ["team", "month", "fte", "sickness_days", "leavers", "vacancies_fte", "agency_fte"],
}


@pytest.fixture
def lead(app, auth):
    person = make_person(role="lead")
    db.session.commit()
    auth.login(person.email)
    return person


def template(client, kind: str):
    return client.get(f"/import/templates/{kind}.csv")


def upload(client, kind: str, data: bytes):
    return client.post("/import", data={"kind": kind, "file": (io.BytesIO(data), f"{kind}-template.csv")},
                       content_type="multipart/form-data")


def test_every_kind_the_import_offers_is_in_the_contract():
    assert set(IMPORTERS) == set(CONTRACT_HEADERS)


@pytest.mark.parametrize("kind", CONTRACT_HEADERS)
def test_each_template_downloads_with_the_contracts_header(client, lead, kind):
    response = template(client, kind)
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert response.headers["Content-Disposition"] == f'attachment; filename="{kind}-template.csv"'
    frame = pd.read_csv(io.BytesIO(response.data), dtype=str, keep_default_na=False)
    assert list(frame.columns) == CONTRACT_HEADERS[kind]
    assert len(frame) == len(IMPORTERS[kind].examples)
    for row in frame.itertuples(index=False):  # an example says it is one
        assert any("example" in cell.lower() for cell in row)


def test_kinds_whose_rows_count_in_the_figures_have_no_examples():
    """A training record, a session or a workforce month left in by mistake would change the figures."""
    assert {kind for kind, importer in IMPORTERS.items() if not importer.examples} == {
        "training", "sessions", "workforce"}


def test_every_template_imports_cleanly_through_the_import_page(client, lead):
    """Imported in the page's order, examples and all; a second time adds nothing."""
    for kind in kinds_in_order():
        data = template(client, kind).data
        response = upload(client, kind, data)
        page = html.unescape(response.get_data(as_text=True))
        assert response.status_code == 200, page
        rows = len(IMPORTERS[kind].examples)
        assert f"{kind}: {rows} rows read, {rows} added, 0 updated, 0 unchanged" in page
        again = html.unescape(upload(client, kind, data).get_data(as_text=True))
        assert f"{kind}: {rows} rows read, 0 added, 0 updated, {rows} unchanged" in again


def test_examples_left_in_by_mistake_change_nothing_anyone_counts(client, lead):
    for kind in ("teams", "people"):
        assert upload(client, kind, template(client, kind).data).status_code == 200
    team = db.session.scalar(db.select(Team).where(Team.name.like("Example team%")))
    person = db.session.scalar(db.select(Person).where(Person.email == "example.person@example.org"))
    assert team.active is False  # outside coverage
    assert person.team == team
    assert not person.password_hash  # cannot sign in


def test_unknown_kind_has_no_template(client, lead):
    assert template(client, "holidays").status_code == 404


def test_every_column_says_what_it_may_hold():
    for importer in IMPORTERS.values():
        described = [rule.column for rule in importer.rules]
        assert sorted(described) == sorted(importer.columns), importer.kind


def test_listed_values_are_the_ones_the_importers_check():
    listed = {(kind, rule.column): tuple(value for value, _ in rule.values)
              for kind, importer in IMPORTERS.items() for rule in importer.rules if rule.values}
    assert listed == {
        ("people", "role"): ROLE_VALUES,
        ("training", "course"): COURSE_VALUES,
        ("sessions", "kind"): KIND_VALUES,
        ("sessions", "format"): FORMAT_VALUES,
        ("sessions", "status"): STATUS_VALUES,
        ("sessions", "incident_category"): CATEGORY_VALUES,
    }


def test_the_import_page_lists_every_column_and_allowed_value(client, lead):
    response = client.get("/import")
    assert response.status_code == 200
    page = html.unescape(response.get_data(as_text=True))
    for importer in IMPORTERS.values():
        assert f"/import/templates/{importer.kind}.csv" in page
        for column in importer.columns:
            assert f"<code>{column}</code>" in page
        for rule in importer.rules:
            assert rule.says in page
            for value, meaning in rule.values:
                assert f"<code>{value}</code>{': ' + meaning if meaning else ''}</li>" in page
    assert "<code>lead</code>: Programme lead" in page
    assert "<code>threat_to_worker</code>: Serious threats to workers' safety" in page
    assert DATE_WORDS in page
    assert f"A whole number, {SHORTEST_MINUTES} to {LONGEST_MINUTES}." in page
    assert MONTH_WORDS in page
    assert "yes/no, true/false, 1/0, y/n" in page
    assert page.count(">Required</td>") == sum(len(i.required_columns) for i in IMPORTERS.values())
    assert page.count(">Optional</td>") == sum(len(i.columns) - len(i.required_columns) for i in IMPORTERS.values())
