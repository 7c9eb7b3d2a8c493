"""Questionnaire definitions: read a definition file, say everything wrong with it, and score answers.

The format is documented in docs/questionnaires.md. A definition is JSON; it names its items, one
response scale, the subscales (which items, summed or averaged, reverse-scored items), optional bands
for a subscale's score, and the attribution or licence text shown wherever the questionnaire is.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

FORMAT = "questionnaire/1"
BUILT_IN_DIR = Path(__file__).resolve().parent / "questionnaires"
SESSION_FEEDBACK_KEY = "session-feedback"
MAX_BYTES = 200_000
MAX_ITEMS = 100
KEY = re.compile(r"[a-z0-9][a-z0-9-]{0,59}")
ITEM_ID = re.compile(r"[a-z][a-z0-9_]{0,39}")
SCORING = ("sum", "mean")
# The fields each part of a definition may have: anything else is refused, so that a misspelt field
# ("reversed", "higher_is_beter") cannot quietly change how answers are scored.
FIELDS = {
    "": {"format", "key", "version", "title", "intro", "attribution", "licence", "comment", "scale", "items",
         "subscales"},
    "scale": {"min", "max", "labels"},
    "item": {"id", "text", "reverse"},
    "subscale": {"id", "label", "items", "score", "higher_is_better", "bands"},
    "band": {"label", "from"},
}


class DefinitionError(ValueError):
    """A definition file that cannot be used; ``problems`` says every reason, one line each."""

    def __init__(self, problems: list[str]):
        super().__init__("; ".join(problems))
        self.problems = problems


@dataclass(frozen=True)
class Item:
    id: str
    text: str
    reverse: bool


@dataclass(frozen=True)
class Band:
    label: str
    lowest: float  # a score belongs to the last band whose lowest score it reaches


@dataclass(frozen=True)
class Subscale:
    id: str
    label: str
    items: tuple[str, ...]
    scoring: str
    higher_is_better: bool
    bands: tuple[Band, ...]

    def band(self, score: float) -> str | None:
        chosen = None
        for band in self.bands:
            if score >= band.lowest:
                chosen = band.label
        return chosen


@dataclass(frozen=True)
class Definition:
    key: str
    version: int
    title: str
    intro: str
    attribution: str
    licence: str
    scale_min: int
    scale_max: int
    labels: dict[int, str]
    items: tuple[Item, ...]
    subscales: tuple[Subscale, ...]
    comment: str  # the comment box's label; empty: no comment box

    @property
    def points(self) -> list[tuple[int, str]]:
        return [(value, self.labels[value]) for value in range(self.scale_min, self.scale_max + 1)]

    def score(self, answers: dict[str, int]) -> dict[str, float]:
        """Each subscale's score from answers (item id -> the value chosen), reverse items turned round."""
        turned = {item.id: (self.scale_min + self.scale_max - answers[item.id]) if item.reverse
                  else answers[item.id] for item in self.items}
        scores = {}
        for subscale in self.subscales:
            total = sum(turned[item] for item in subscale.items)
            scores[subscale.id] = total if subscale.scoring == "sum" else round(total / len(subscale.items), 2)
        return scores

    def bands(self, scores: dict[str, float]) -> dict[str, str | None]:
        return {s.id: s.band(scores[s.id]) for s in self.subscales if s.id in scores}

    def score_range(self, subscale: Subscale) -> tuple[int, int]:
        """The lowest and highest score a subscale can have."""
        count = len(subscale.items) if subscale.scoring == "sum" else 1
        return self.scale_min * count, self.scale_max * count

    def subscale(self, subscale_id: str) -> Subscale | None:
        return next((s for s in self.subscales if s.id == subscale_id), None)


def load(text: str | bytes) -> Definition:
    """Read a definition from JSON text; raise ``DefinitionError`` listing every problem."""
    return check(parse(text))


def parse(text: str | bytes) -> Any:
    """The JSON in a definition file (UTF-8, a byte-order mark allowed), or ``DefinitionError``."""
    if isinstance(text, bytes):
        if len(text) > MAX_BYTES:
            raise DefinitionError([f"the file is larger than {MAX_BYTES // 1000} KB"])
        try:
            text = text.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise DefinitionError(["the file is not UTF-8 text"]) from None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise DefinitionError([f"not JSON: {exc.msg} at line {exc.lineno}, column {exc.colno}"]) from None
    except RecursionError:
        raise DefinitionError(["the file nests lists or objects too deeply to be a questionnaire"]) from None
    return data


def _text(data: dict, name: str, problems: list[str], *, required: bool = True, longest: int = 2000,
          where: str = "") -> str:
    value = data.get(name, "")
    if value is None:
        value = ""
    if not isinstance(value, str):
        problems.append(f"{where}{name}: must be text")
        return ""
    value = value.strip()
    if required and not value:
        problems.append(f"{where}{name}: is required")
    elif len(value) > longest:
        problems.append(f"{where}{name}: is longer than {longest} characters")
    return value


def _unknown(data: dict, part: str, where: str, problems: list[str]) -> None:
    extra = sorted(str(name) for name in data if name not in FIELDS[part])
    if extra:
        problems.append(f"{where or 'the file'}: unknown field{'s' if len(extra) > 1 else ''} "
                        f"{', '.join(map(repr, extra))} (allowed: {', '.join(sorted(FIELDS[part]))})")


def _whole(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def check(data: Any) -> Definition:  # noqa: C901 (one pass over the format, in its order)
    if not isinstance(data, dict):
        raise DefinitionError(["the file must hold one JSON object"])
    problems: list[str] = []
    _unknown(data, "", "", problems)
    if data.get("format") != FORMAT:
        problems.append(f"format: must be {FORMAT!r}")
    key = data.get("key")
    if not isinstance(key, str) or not KEY.fullmatch(key):
        problems.append("key: lower-case letters, digits and hyphens, up to 60, starting with a letter or digit")
        key = ""
    version = data.get("version")
    if not _whole(version) or not 1 <= version <= 10_000:
        problems.append("version: a whole number from 1 to 10000")
        version = 0
    title = _text(data, "title", problems, longest=200)
    intro = _text(data, "intro", problems, required=False)
    attribution = _text(data, "attribution", problems)
    licence = _text(data, "licence", problems, required=False)
    comment = _text(data, "comment", problems, required=False, longest=200)

    scale = data.get("scale")
    low = high = 0
    labels: dict[int, str] = {}
    if not isinstance(scale, dict):
        problems.append("scale: an object with min, max and labels")
    else:
        _unknown(scale, "scale", "scale", problems)
        low, high = scale.get("min"), scale.get("max")
        if not (_whole(low) and _whole(high) and 0 <= low < high <= low + 10):
            problems.append("scale: min and max are whole numbers, 0 or more, max above min, at most 11 points")
            low = high = 0
        raw = scale.get("labels")
        if not isinstance(raw, dict):
            problems.append("scale.labels: an object giving a label for every point, e.g. {\"1\": \"Never\"}")
        else:
            for value in range(low, high + 1) if high else ():
                label = raw.get(str(value))
                if not isinstance(label, str) or not label.strip() or len(label) > 100:
                    problems.append(f"scale.labels: point {value} needs a label of up to 100 characters")
                else:
                    labels[value] = label.strip()
            extra = sorted(k for k in raw if not (k.lstrip("-").isdigit() and low <= int(k) <= high))
            if extra and high:
                problems.append(f"scale.labels: {', '.join(extra)} not on the scale")

    items: list[Item] = []
    raw_items = data.get("items")
    if not isinstance(raw_items, list) or not 1 <= len(raw_items) <= MAX_ITEMS:
        problems.append(f"items: a list of 1 to {MAX_ITEMS} items")
        raw_items = []
    seen: set[str] = set()
    for n, raw in enumerate(raw_items, start=1):
        where = f"items[{n}]"
        if not isinstance(raw, dict):
            problems.append(f"{where}: an object with id and text")
            continue
        _unknown(raw, "item", where, problems)
        item_id = raw.get("id")
        if not isinstance(item_id, str) or not ITEM_ID.fullmatch(item_id):
            problems.append(f"{where}.id: a lower-case letter, then letters, digits or _ (up to 40)")
            continue
        if item_id in seen:
            problems.append(f"{where}.id: {item_id!r} is used twice")
        seen.add(item_id)
        text = _text(raw, "text", problems, longest=300, where=f"{where}.")
        reverse = raw.get("reverse", False)
        if not isinstance(reverse, bool):
            problems.append(f"{where}.reverse: true or false")
            reverse = False
        items.append(Item(item_id, text, reverse))

    subscales: list[Subscale] = []
    raw_subscales = data.get("subscales")
    if not isinstance(raw_subscales, list) or not 1 <= len(raw_subscales) <= 20:
        problems.append("subscales: a list of 1 to 20 subscales")
        raw_subscales = []
    subscale_ids: set[str] = set()
    for n, raw in enumerate(raw_subscales, start=1):
        where = f"subscales[{n}]"
        if not isinstance(raw, dict):
            problems.append(f"{where}: an object with id, label and items")
            continue
        _unknown(raw, "subscale", where, problems)
        sub_id = raw.get("id")
        if not isinstance(sub_id, str) or not ITEM_ID.fullmatch(sub_id):
            problems.append(f"{where}.id: a lower-case letter, then letters, digits or _ (up to 40)")
            continue
        if sub_id in subscale_ids:
            problems.append(f"{where}.id: {sub_id!r} is used twice")
        subscale_ids.add(sub_id)
        label = raw.get("label")
        if not isinstance(label, str) or not label.strip() or len(label) > 100:
            problems.append(f"{where}.label: text of up to 100 characters")
            label = sub_id
        members = raw.get("items")
        if not isinstance(members, list) or not members or not all(isinstance(m, str) for m in members):
            problems.append(f"{where}.items: a list of item ids")
            members = []
        unknown = [m for m in members if m not in seen]
        if unknown:
            problems.append(f"{where}.items: no item called {', '.join(map(repr, unknown))}")
        if len(set(members)) != len(members):
            problems.append(f"{where}.items: an item is listed twice")
        scoring = raw.get("score", "mean")
        ranged = bool(high and members)  # the score's range is known, so bands can be checked against it
        if scoring not in SCORING:
            problems.append(f"{where}.score: 'sum' or 'mean'")
            scoring, ranged = "mean", False
        better = raw.get("higher_is_better", True)
        if not isinstance(better, bool):
            problems.append(f"{where}.higher_is_better: true or false")
            better = True
        bands: list[Band] = []
        raw_bands = raw.get("bands", [])
        if not isinstance(raw_bands, list):
            problems.append(f"{where}.bands: a list of bands")
            raw_bands = []
        lowest_possible = low * (len(members) if scoring == "sum" else 1)
        highest_possible = high * (len(members) if scoring == "sum" else 1)
        for m, band in enumerate(raw_bands, start=1):
            if (not isinstance(band, dict) or not isinstance(band.get("label"), str) or not band["label"].strip()
                    or not _number(band.get("from"))):
                problems.append(f"{where}.bands[{m}]: an object with a label and the lowest score, from")
                continue
            _unknown(band, "band", f"{where}.bands[{m}]", problems)
            if len(band["label"].strip()) > 60:
                problems.append(f"{where}.bands[{m}].label: is longer than 60 characters")
            if bands and band["from"] <= bands[-1].lowest:
                problems.append(f"{where}.bands[{m}].from: must be above the band before it")
            elif ranged and band["from"] > highest_possible:
                problems.append(f"{where}.bands[{m}].from: must be at most the highest possible score, "
                                f"{highest_possible}")
            bands.append(Band(band["label"].strip(), float(band["from"])))
        if bands and ranged and bands[0].lowest > lowest_possible:
            problems.append(f"{where}.bands[1].from: must be at most the lowest possible score, {lowest_possible}")
        if len({b.label for b in bands}) != len(bands):
            problems.append(f"{where}.bands: two bands have the same label")
        subscales.append(Subscale(sub_id, label.strip(), tuple(members), scoring, better, tuple(bands)))
    unused = [item.id for item in items if not any(item.id in s.items for s in subscales)]
    if unused and subscales:
        problems.append(f"items: {', '.join(map(repr, unused))} belong to no subscale")
    if problems:
        raise DefinitionError(problems)
    return Definition(key, version, title, intro, attribution, licence, low, high, labels,
                      tuple(items), tuple(subscales), comment)


def built_in(key: str = SESSION_FEEDBACK_KEY) -> Definition:
    """A definition shipped with the product (written for it; no third-party wording)."""
    return load((BUILT_IN_DIR / f"{key}.json").read_bytes())
