"""Learning points are screened before they are saved: every kind of identifying detail is flagged in
place with a plain explanation, and the author rephrases or confirms."""

from __future__ import annotations

import pytest

from programme.learning.screening import marked, screen
from programme.models import LearningPoint
from rosters.extensions import db
from rosters.models import AuditEvent
from tests.factories import make_person
from tests.plugin import text

ROSTER = ["Chloe Hughes", "Mary Anne Smith", "Lee Lead"]


@pytest.mark.parametrize(("words", "kind", "flagged"), [
    ("Chloe Hughes said supervision helped", "name", "Chloe Hughes"),
    ("as CHLOE HUGHES said", "name", "CHLOE HUGHES"),
    ("Mary Smith found it useful", "name", "Mary Smith"),  # first and last of a roster name
    ("Mary Anne Smith found it useful", "name", "Mary Anne Smith"),
    ("the child Jayden was known to the MASH", "name", "Jayden"),
    ("the mum, Sarah, was not told", "name", "Sarah"),
    ("a boy aged 4 was at home", "age", "aged 4"),
    ("a 4-year-old was present", "age", "4-year-old"),
    ("she is 4 years old", "age", "4 years old"),
    ("DOB 12/03/2019 on the file", "birth", "DOB 12/03/2019"),
    ("born on 3 March 2019", "birth", "born on 3 March 2019"),
    ("seen on 12/03/2019", "birth", "12/03/2019"),
    ("the family at 12 Elm Road", "address", "12 Elm Road"),
    ("visits to 4a Church Street", "address", "4a Church Street"),
    ("Flat 3 was cold", "address", "Flat 3"),
    ("near LS1 4AB", "postcode", "LS1 4AB"),
    ("postcode sw1a1aa", "postcode", "sw1a1aa"),
    ("call 07700 900123", "phone", "07700 900123"),
    ("call 020 7946 0018", "phone", "020 7946 0018"),
    ("call +44 7700 900 123", "phone", "+44 7700 900 123"),
    ("call (0161) 496 0000", "phone", "(0161) 496 0000"),
    ("ask j.bloggs@council.gov.uk", "email", "j.bloggs@council.gov.uk"),
    ("see case 12345", "case", "case 12345"),
    ("see ref ABC-1234", "case", "ref ABC-1234"),
    ("the CP12345 plan", "case", "CP12345"),
    ("NHS number 943 476 5919", "case", "NHS number 943 476 5919"),
])
def test_each_kind_of_identifying_detail_is_flagged(words, kind, flagged):
    flags = screen(words, ROSTER)
    assert [(f.kind, f.words) for f in flags] == [(kind, flagged)]
    assert words[flags[0].start:flags[0].end] == flagged
    assert flags[0].explained.startswith(f"“{flagged}” looks like ")


@pytest.mark.parametrize("words", [
    "Handover notes help after out-of-hours incidents",
    "Teams of 12 need two facilitators and 5 practitioners on the way back said so",
    "Offer a debrief within 2 working days; in 2025 we met 3 times",
    "Out-of-hours teams need a named contact after an incident",
    "The Safeguarding Practice Learning and Improvement Group agreed a script",
    "Leeds practitioners valued being asked",
])
def test_points_about_practice_are_not_flagged(words):
    assert screen(words, ROSTER) == []


def test_the_issues_example_is_flagged_word_by_word():
    words = "Chloe Hughes said the child Jayden (aged 4) at 12 Elm Road was known to the MASH"
    flags = screen(words, ROSTER)
    assert [(f.kind, f.words) for f in flags] == [("name", "Chloe Hughes"), ("name", "Jayden"), ("age", "aged 4"),
                                                  ("address", "12 Elm Road")]
    pieces = marked(words, flags)
    assert "".join(piece for piece, _ in pieces) == words
    assert [piece for piece, flag in pieces if flag] == ["Chloe Hughes", "Jayden", "aged 4", "12 Elm Road"]


@pytest.fixture
def lead(app, auth):
    person = make_person(role="lead", name="Lee Lead", email="lee.lead@example.org")
    make_person(name="Chloe Hughes", email="chloe@example.org")
    db.session.commit()
    auth.login(person.email)
    return person


def count() -> int:
    return db.session.scalar(db.select(db.func.count()).select_from(LearningPoint))


def test_a_flagged_point_is_shown_again_with_the_words_marked_and_nothing_saved(client, lead):
    words = "Chloe Hughes said the child Jayden (aged 4) at 12 Elm Road was known to the MASH"
    response = client.post("/learning/new", data={"text": words, "forum": "SPLIG"})
    assert response.status_code == 400
    page = text(response)
    assert "govuk-error-summary" in page and "may identify someone" in page
    for piece in ("Chloe Hughes", "Jayden", "aged 4", "12 Elm Road"):
        assert f"<mark>{piece}</mark>" in page
    assert "“12 Elm Road” looks like an address" in page
    assert "not about a child" in page  # the guidance
    assert words in page  # nothing the author wrote is lost
    assert count() == 0


def test_ticking_the_check_saves_the_point_as_written_and_audits_that(client, lead):
    words = "Chloe Hughes’s team found the debrief helped"
    response = client.post("/learning/new", data={"text": words, "forum": "SPLIG", "checked": "y"})
    assert response.status_code == 302
    [point] = db.session.scalars(db.select(LearningPoint)).all()
    assert point.text == words
    [entry] = db.session.scalars(db.select(AuditEvent).where(AuditEvent.action == "learning_point_added")).all()
    assert entry.detail == "forum: SPLIG; checked by the author: name"
    assert "Chloe" not in entry.detail


def test_the_form_shows_the_guidance_and_the_check(client, lead):
    page = text(client.get("/learning/new"))
    assert "The learning is about practice and support, not about a child" in page
    assert "I have checked: this identifies no one" in page
