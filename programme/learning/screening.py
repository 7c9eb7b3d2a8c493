"""Screening a learning point before it is saved: words that may identify someone, each with why.

A learning point goes to a forum as written, so it is about practice and support, never about a child,
a family or a colleague. The screen looks for the kinds of detail that identify people: names on the
roster (and a name after "the child", "mum" and the like), ages, dates of birth, addresses and
postcodes, phone numbers, e-mail addresses and case numbers. It cannot be sure (a street name can be
an organisation's), so the author rephrases or confirms; nothing is changed for them.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from rosters.extensions import db
from rosters.models import Person

GUIDANCE = ("The learning is about practice and support, not about a child, a family or a colleague: "
            "no names, ages, addresses, dates of birth, phone numbers, e-mail addresses or case numbers.")
CONFIRM_LABEL = "I have checked: this identifies no one"

WHY = {
    "name": "a name",
    "age": "an age",
    "birth": "a date of birth, or a date that could be one",
    "address": "an address",
    "postcode": "a postcode",
    "phone": "a phone number",
    "email": "an e-mail address",
    "case": "a case or reference number",
}

_STREET = (r"road|rd|street|st|avenue|ave|close|lane|ln|drive|dr|way|court|ct|gardens|gdns|crescent|cres|place|pl|"
           r"terrace|grove|hill|row|square|sq|walk|mews|park|rise|view|green|parade|vale|estate")
_MONTHS = r"jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sep(?:t(?:ember)?)?|" \
          r"oct(?:ober)?|nov(?:ember)?|dec(?:ember)?"
_DATE = rf"\d{{1,2}}[/.-]\d{{1,2}}[/.-]\d{{2,4}}|\d{{1,2}}(?:st|nd|rd|th)?\s+(?:{_MONTHS})\.?\s+\d{{4}}"
_RELATION = (r"child|boy|girl|baby|toddler|infant|son|daughter|mother|mum|mam|father|dad|brother|sister|sibling|"
             r"carer|parent|grandmother|gran|nan|grandad|grandfather|aunt|uncle|cousin|stepdad|stepmum|partner|"
             r"young person|pupil|student|called|named|colleague|worker|practitioner|manager")

PATTERNS: list[tuple[str, re.Pattern[str]]] = [
    ("email", re.compile(r"[\w.+'-]+@[\w-]+(?:\.[\w-]+)+", re.IGNORECASE)),
    ("birth", re.compile(rf"\b(?:d\.?o\.?b\.?|date of birth|born(?: on| in)?)\s*[:\-]?\s*(?:{_DATE}|\d{{4}})?",
                         re.IGNORECASE)),
    ("birth", re.compile(rf"\b(?:{_DATE})\b", re.IGNORECASE)),
    ("age", re.compile(r"\b(?:aged?|age:)\s*\d{1,3}\b"
                       r"|\b\d{1,3}[\s-]*(?:years?|yrs?|months?|weeks?)[\s-]*old\b"
                       r"|\b\d{1,2}\s*(?:yo|y/o|y\.o\.)(?!\w)", re.IGNORECASE)),
    ("postcode", re.compile(r"\b[A-Z]{1,2}\d[A-Z\d]?\s*\d[A-Z]{2}\b", re.IGNORECASE)),
    ("address", re.compile(rf"\b(?:flat|apartment|unit)\s+\d+[a-z]?\b"
                           rf"|\b\d{{1,4}}[a-z]?,?\s+(?:[a-z'’-]+\s+){{1,2}}(?:{_STREET})\b", re.IGNORECASE)),
    ("phone", re.compile(r"(?<![\w+])(?:\+44\s?(?:\(0\)\s?)?|\(?0)\d{2,4}\)?(?:[\s-]?\d){6,8}(?!\d)")),
    ("case", re.compile(r"\b(?:case|ref(?:erence)?|file|crime|incident|nhs)\s*(?:no\.?|number|ref\.?|#)?\s*[:#]?\s*"
                        r"[A-Z]{0,4}[-/]?\d(?:[\d/-]|\s(?=\d)){2,}\b", re.IGNORECASE)),
    ("case", re.compile(r"\b[A-Z]{1,4}[-/]?\d{4,}\b")),
    ("case", re.compile(r"\b\d{3}\s\d{3}\s\d{4}\b|\b\d{6,}\b")),
    ("name", re.compile(rf"\b(?:{_RELATION})(?:,)?\s+(?:called\s+|named\s+)?([A-Z][a-z'’-]+)\b", re.IGNORECASE)),
]


@dataclass(frozen=True)
class Flag:
    """Words in the text that may identify someone: where they are, and what they look like."""

    kind: str
    words: str
    start: int
    end: int

    @property
    def why(self) -> str:
        return WHY[self.kind]

    @property
    def explained(self) -> str:
        return f"“{self.words}” looks like {self.why}"


def _name_patterns(names: Iterable[str]) -> re.Pattern[str] | None:
    """Full names and first-and-last names from the roster, whole words, any case."""
    forms: set[str] = set()
    for name in names:
        parts = name.split()
        if len(parts) >= 2:
            forms.add(" ".join(parts))
            forms.add(f"{parts[0]} {parts[-1]}")
    if not forms:
        return None
    alternatives = "|".join(r"\s+".join(re.escape(word) for word in form.split())
                            for form in sorted(forms, key=len, reverse=True))
    return re.compile(rf"(?<!\w)(?:{alternatives})(?!\w)", re.IGNORECASE)


def screen(text: str, names: Iterable[str] = ()) -> list[Flag]:
    """Every stretch of ``text`` that may identify someone, in order, overlaps merged into the first kind."""
    found: list[Flag] = []
    pattern = _name_patterns(names)
    if pattern is not None:
        found += [Flag("name", m.group(0), m.start(), m.end()) for m in pattern.finditer(text)]
    for kind, regex in PATTERNS:
        for match in regex.finditer(text):
            if kind == "name":  # the capitalised word after "the child", "mum"...: only it is the name
                if not match.group(1)[0].isupper():
                    continue
                found.append(Flag(kind, match.group(1), match.start(1), match.end(1)))
            elif match.group(0).strip():
                words = match.group(0).rstrip(" :-")
                found.append(Flag(kind, words, match.start(), match.start() + len(words)))
    found.sort(key=lambda f: (f.start, -(f.end - f.start)))
    kept: list[Flag] = []
    for flag in found:
        if kept and flag.start < kept[-1].end:
            continue
        kept.append(flag)
    return kept


def roster_names() -> list[str]:
    """The names of everyone on the roster (people whose records were anonymised have none left)."""
    return [name for name in db.session.scalars(db.select(Person.name)) if name]


def screen_against_roster(text: str) -> list[Flag]:
    return screen(text, roster_names())


def flags_text(flags: list[Flag]) -> str:
    """The flags in one sentence for an error message."""
    return "; ".join(flag.explained for flag in flags)


def marked(text: str, flags: list[Flag]) -> list[tuple[str, Flag | None]]:
    """The text in pieces, each flagged piece with its flag, for showing the flags in place."""
    pieces: list[tuple[str, Flag | None]] = []
    at = 0
    for flag in flags:
        if flag.start > at:
            pieces.append((text[at:flag.start], None))
        pieces.append((text[flag.start:flag.end], flag))
        at = flag.end
    if at < len(text):
        pieces.append((text[at:], None))
    return pieces
