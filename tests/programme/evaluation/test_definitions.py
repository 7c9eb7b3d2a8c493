"""Questionnaire definitions: every kind of mistake gives its own line; scoring with reverse items, sum,
mean and bands; the documented example and the test-only example are valid."""

from __future__ import annotations

import copy
import json
import re
from pathlib import Path

import pytest

from programme.evaluation.definitions import DefinitionError, built_in, check, load
from tests.factories import EXAMPLE_QUESTIONNAIRE

DOCS = Path(__file__).resolve().parents[3] / "docs" / "questionnaires.md"


def example() -> dict:
    return json.loads(EXAMPLE_QUESTIONNAIRE.read_text("utf-8"))


def problems_of(data) -> list[str]:
    with pytest.raises(DefinitionError) as caught:
        check(data)
    return caught.value.problems


def broken(change) -> list[str]:
    data = example()
    change(data)
    return problems_of(data)


def test_the_examples_are_valid():
    definition = load(EXAMPLE_QUESTIONNAIRE.read_bytes())
    assert [s.id for s in definition.subscales] == ["satisfaction", "burnout", "secondary_stress"]
    assert built_in().key == "session-feedback"
    documented = re.search(r"```json\n(.*?)```", DOCS.read_text("utf-8"), re.S).group(1)
    assert load(documented).key == "team-support-check"


@pytest.mark.parametrize("change, line", [
    (lambda d: d.update(format="questionnaire/2"), "format: must be 'questionnaire/1'"),
    (lambda d: d.update(key="Bad Key"), "key: lower-case letters"),
    (lambda d: d.update(version=0), "version: a whole number from 1 to 10000"),
    (lambda d: d.update(version=True), "version: a whole number from 1 to 10000"),
    (lambda d: d.update(title=""), "title: is required"),
    (lambda d: d.update(title="x" * 201), "title: is longer than 200 characters"),
    (lambda d: d.update(attribution=None), "attribution: is required"),
    (lambda d: d.update(licence=5), "licence: must be text"),
    (lambda d: d.update(reversed=True), "the file: unknown field 'reversed'"),
    (lambda d: d.update(scale=[1, 5]), "scale: an object with min, max and labels"),
    (lambda d: d["scale"].update(max=1), "scale: min and max are whole numbers"),
    (lambda d: d["scale"].update(max=20), "scale: min and max are whole numbers"),
    (lambda d: d["scale"]["labels"].pop("3"), "scale.labels: point 3 needs a label"),
    (lambda d: d["scale"]["labels"].update({"9": "Always"}), "scale.labels: 9 not on the scale"),
    (lambda d: d["scale"].update(step=1), "scale: unknown field 'step'"),
    (lambda d: d.update(items=[]), "items: a list of 1 to 100 items"),
    (lambda d: d["items"][2].update(text=""), "items[3].text: is required"),
    (lambda d: d["items"][2].update(text="x" * 301), "items[3].text: is longer than 300 characters"),
    (lambda d: d["items"][1].update(id="cs_difference"), "items[2].id: 'cs_difference' is used twice"),
    (lambda d: d["items"][1].update(id="2nd"), "items[2].id: a lower-case letter"),
    (lambda d: d["items"][4].update(reverse="yes"), "items[5].reverse: true or false"),
    (lambda d: d["items"][4].update(reversed=True), "items[5]: unknown field 'reversed'"),
    (lambda d: d["subscales"][1]["items"].append("bo_tierd"), "subscales[2].items: no item called 'bo_tierd'"),
    (lambda d: d["subscales"][1]["items"].append("bo_worn"), "subscales[2].items: an item is listed twice"),
    (lambda d: d["subscales"][1].update(score="median"), "subscales[2].score: 'sum' or 'mean'"),
    (lambda d: d["subscales"][1].update(higher_is_better="no"), "subscales[2].higher_is_better: true or false"),
    (lambda d: d["subscales"][1].update(id="satisfaction"), "subscales[2].id: 'satisfaction' is used twice"),
    (lambda d: d["subscales"][1].update(label=""), "subscales[2].label: text of up to 100 characters"),
    (lambda d: d["subscales"][1]["bands"][1].update({"from": 3}), "subscales[2].bands[2].from: must be above"),
    (lambda d: d["subscales"][1]["bands"][0].update({"from": 5}), "subscales[2].bands[1].from: must be at most the lowest"),
    (lambda d: d["subscales"][1]["bands"][2].update({"from": 21}), "subscales[2].bands[3].from: must be at most the highest"),
    (lambda d: d["subscales"][1]["bands"][2].update(label="Low"), "subscales[2].bands: two bands have the same label"),
    (lambda d: d["subscales"][1]["bands"][2].update({"to": 20}), "subscales[2].bands[3]: unknown field 'to'"),
    (lambda d: d["subscales"][1]["bands"].append({"label": "Top"}), "subscales[2].bands[4]: an object with a label"),
    (lambda d: d["subscales"][2]["items"].remove("sts_sleep"), "items: 'sts_sleep' belong to no subscale"),
])
def test_each_mistake_gives_its_own_line(change, line):
    problems = broken(change)
    assert any(p.startswith(line) for p in problems), problems
    assert problems[0].startswith(line) or len(problems) <= 3, problems  # little else is blamed for it


def test_every_mistake_is_listed_at_once():
    def many(d):
        d["version"] = "one"
        d["items"][0]["text"] = ""
        d["subscales"][0]["score"] = "avg"
    assert len(broken(many)) == 3


def test_files_that_are_not_json_or_not_text():
    with pytest.raises(DefinitionError) as caught:
        load(b'{"format": "questionnaire/1",\n "key": }')
    assert caught.value.problems == ["not JSON: Expecting value at line 2, column 9"]
    with pytest.raises(DefinitionError, match="not UTF-8"):
        load(b"\xff\xfe{")
    with pytest.raises(DefinitionError, match="one JSON object"):
        load("[1, 2]")
    with pytest.raises(DefinitionError, match="larger than 200 KB"):
        load(b" " * 200_001)
    assert load(b"\xef\xbb\xbf" + EXAMPLE_QUESTIONNAIRE.read_bytes()).key == "test-work-wellbeing"


def test_sum_scoring_turns_reverse_items_round_and_bands_by_lowest_score():
    definition = load(EXAMPLE_QUESTIONNAIRE.read_bytes())
    answers = {item.id: 5 for item in definition.items}
    # Burnout: 5 + 5 + (1 + 5 - 5) + (1 + 5 - 5) = 12; stress: 5 + 5 + 5 + 1 = 16.
    assert definition.score(answers) == {"satisfaction": 20, "burnout": 12, "secondary_stress": 16}
    assert definition.bands(definition.score(answers)) == {"satisfaction": "High", "burnout": "Moderate",
                                                           "secondary_stress": "High"}
    answers.update(bo_myself=1, bo_switch_off=2)  # reversed: 5 and 4
    assert definition.score(answers)["burnout"] == 19
    burnout = definition.subscale("burnout")
    assert [burnout.band(s) for s in (4, 9, 10, 15, 16, 20)] == ["Low", "Low", "Moderate", "Moderate", "High", "High"]
    assert definition.score_range(burnout) == (4, 20)
    assert burnout.higher_is_better is False


def test_mean_scoring_rounds_to_two_places():
    data = example()
    data["subscales"][0]["score"] = "mean"
    data["subscales"][0]["bands"] = [{"label": "Low", "from": 1}, {"label": "High", "from": 3.5}]
    definition = check(data)
    answers = {item.id: 3 for item in definition.items} | {"cs_difference": 4, "cs_proud": 4, "cs_growing": 5}
    assert definition.score(answers)["satisfaction"] == 4.0
    answers.update(cs_growing=4, cs_lift=1)
    assert definition.score(answers)["satisfaction"] == 3.25
    assert definition.bands(definition.score(answers))["satisfaction"] == "Low"
    assert definition.score_range(definition.subscale("satisfaction")) == (1, 5)


def test_the_documented_worked_example():
    documented = re.search(r"```json\n(.*?)```", DOCS.read_text("utf-8"), re.S).group(1)
    definition = load(documented)
    scores = definition.score({"talk": 4, "valued": 3, "drained": 4, "rested": 2})
    assert scores == {"support": 3.5, "strain": 8}
    assert definition.bands(scores) == {"support": "Good", "strain": "High"}


def test_optional_fields_have_their_defaults():
    data = copy.deepcopy(example())
    for subscale in data["subscales"]:
        subscale.pop("score")
        subscale.pop("higher_is_better")
        subscale.pop("bands")
    for name in ("intro", "licence", "comment"):
        data.pop(name)
    definition = check(data)
    assert all(s.scoring == "mean" and s.higher_is_better and not s.bands for s in definition.subscales)
    assert definition.comment == ""


def test_a_file_nested_too_deeply_is_refused_with_a_reason():
    with pytest.raises(DefinitionError) as refused:
        load(b"[" * 100_000 + b"]" * 100_000)
    assert refused.value.problems == ["the file nests lists or objects too deeply to be a questionnaire"]
