"""What the feedback after sessions adds up to, for leads, with every small group hidden.

Answers keep only their month, and a period is read as whole calendar quarters. A team's answers
about one kind of session in one quarter (a cell) count only when there are at least
``SUPPRESSION_THRESHOLD`` of them; a smaller cell counts nowhere, not even in totals, so no two views
can be subtracted to reveal it.

The figures are the answers in the period all together, then by kind of session, by quarter, by
service and by team. A group shows its number of answers, each statement's mean on the 1 to 5 scale
and the share agreeing (4 or 5) only when at least ``SUPPRESSION_THRESHOLD`` people answered;
otherwise it says "hidden". Because every breakdown adds up to the total, and a service's teams add up
to the service, more groups are hidden where one could otherwise be worked out by subtraction
(``scores.protect``), until the hidden ones together hold nothing or enough answers. Response rates
(links answered out of links sent, by the session's date) are shown beside a group only when its
scores are. Comments come only from teams whose scores are shown, without team or month, in
alphabetical order so that their order says nothing.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from typing import Any

from dateutil.relativedelta import relativedelta
from flask import current_app
from sqlalchemy import select

from programme.evaluation.definitions import SESSION_FEEDBACK_KEY, built_in
from programme.evaluation.models import Source, SurveyInvitation, SurveyResponse
from programme.evaluation.scores import mean_scores, protect
from programme.models import Kind, ProgrammeSession
from rosters.extensions import db
from rosters.models import Team

KIND_LABELS = {Kind.SUPERVISION.value: "Reflexive supervision", Kind.DEBRIEF.value: "Debrief"}
NO_SERVICE = "No service given"
BREAKDOWNS = (("kind", "Kind of session"), ("quarter", "Quarter"), ("service", "Service"), ("team", "Team"))


def quarter_of(day: dt.date) -> dt.date:
    return dt.date(day.year, 3 * ((day.month - 1) // 3) + 1, 1)


def quarter_span(start: dt.date, end: dt.date) -> tuple[dt.date, dt.date]:
    """The whole calendar quarters a period covers: the first day of ``start``'s to the last of ``end``'s."""
    return quarter_of(start), quarter_of(end) + relativedelta(months=3) - dt.timedelta(days=1)


def last_twelve_months(today: dt.date) -> tuple[dt.date, dt.date]:
    """The twelve calendar months up to and including the one ``today`` is in."""
    return today.replace(day=1) - relativedelta(months=11), today


def quarter_label(first: dt.date) -> str:
    last = first + relativedelta(months=2)
    return f"{first:%B} to {last:%B %Y}"


@dataclass(frozen=True)
class _Answer:
    kind: str
    quarter: dt.date
    service: str
    team_id: int
    scores: dict[str, float]
    comment: str


@dataclass(frozen=True)
class _Link:
    kind: str
    quarter: dt.date
    service: str
    team_id: int
    answered: bool


KEYS: dict[str, Callable[[Any], Hashable]] = {
    "kind": lambda row: row.kind, "quarter": lambda row: row.quarter,
    "service": lambda row: row.service, "team": lambda row: row.team_id,
}


def _cell(row: _Answer | _Link) -> tuple[dt.date, int, str]:
    return row.quarter, row.team_id, row.kind


def _load(first: dt.date, last: dt.date, team_ids: list[int] | None, threshold: int
          ) -> tuple[list[_Answer], list[_Link], dict[int, Team]]:
    r = SurveyResponse
    answers_query = (select(r.session_kind, r.month, r.team_id, r.scores, r.comment, Team.service)
                     .join(Team, Team.id == r.team_id)
                     .where(r.source == Source.SESSION.value, r.month >= first, r.month <= last))
    i, s = SurveyInvitation, ProgrammeSession
    links_query = (select(s.kind, s.date, i.team_id, i.answered, Team.service)
                   .join(s, s.id == i.session_id).join(Team, Team.id == i.team_id)
                   .where(i.source == Source.SESSION.value, i.withdrawn.is_(False), s.date >= first, s.date <= last))
    if team_ids is not None:
        answers_query = answers_query.where(r.team_id.in_(team_ids))
        links_query = links_query.where(i.team_id.in_(team_ids))
    answers = [_Answer(kind or "", quarter_of(month), service or NO_SERVICE, team_id, json.loads(scores),
                       (comment or "").strip())
               for kind, month, team_id, scores, comment, service in db.session.execute(answers_query)]
    links = [_Link(kind, quarter_of(day), service or NO_SERVICE, team_id, answered)
             for kind, day, team_id, answered, service in db.session.execute(links_query)]
    # The smallest unit ever counted is a cell: one team's answers about one kind of session in one
    # quarter. A cell with too few answers counts nowhere, not even in totals, so no two views (two
    # periods, a total and its breakdown) differ by fewer than the threshold's worth of answers.
    cells = _counts(answers, _cell)
    kept = {cell for cell, n in cells.items() if n >= threshold}
    answers = [a for a in answers if _cell(a) in kept]
    links = [link for link in links if _cell(link) in kept]
    wanted = {a.team_id for a in answers} | {link.team_id for link in links}
    teams = {t.id: t for t in db.session.scalars(select(Team).where(Team.id.in_(wanted)))} if wanted else {}
    return answers, links, teams


def _hidden_groups(answers: list[_Answer], threshold: int) -> tuple[bool, dict[str, set[Hashable]]]:
    """Whether the total is shown, and the hidden groups of each breakdown (primary and secondary)."""
    total_shown = len(answers) >= threshold
    counts = {name: _counts(answers, key) for name, key in KEYS.items()}
    hidden = {name: {k for k, n in counts[name].items() if n < threshold} for name in KEYS}
    if not total_shown:
        return False, {name: set(counts[name]) for name in KEYS}
    service_of_team = {a.team_id: a.service for a in answers}
    while True:
        before = {name: set(keys) for name, keys in hidden.items()}
        for name in KEYS:
            hidden[name] = protect(counts[name], hidden[name], threshold)
        # Totals anyone can work out: each shown service, and the hidden services together (the total
        # less the shown ones). The teams inside each are protected against it as against the total.
        parts = [{service} for service in counts["service"] if service not in hidden["service"]]
        parts.append(set(hidden["service"]))
        for services in parts:
            teams = {t: n for t, n in counts["team"].items() if service_of_team[t] in services}
            hidden["team"] |= protect(teams, hidden["team"] & set(teams), threshold)
        if hidden == before:
            return True, hidden


def _counts(rows: list, key: Callable[[Any], Hashable]) -> dict[Hashable, int]:
    counts: dict[Hashable, int] = {}
    for row in rows:
        counts[key(row)] = counts.get(key(row), 0) + 1
    return counts


def _group(key: Hashable, label: str, members: list[_Answer], links: list[_Link], shown: bool,
           subscales: list[str], agree_from: int) -> dict[str, Any]:
    """One group's figures; a hidden group says only that it is hidden."""
    group: dict[str, Any] = {"key": key.isoformat() if isinstance(key, dt.date) else key, "label": label,
                             "shown": shown, "answers": None, "means": {}, "agree_pct": {},
                             "links_sent": None, "links_answered": None, "response_rate_pct": None}
    if not shown:
        return group
    rows = [m.scores for m in members]
    group["answers"] = len(rows)
    group["means"] = mean_scores(rows, subscales)
    for subscale in subscales:
        values = [row[subscale] for row in rows if subscale in row]
        if values:
            group["agree_pct"][subscale] = round(100 * sum(1 for v in values if v >= agree_from) / len(values))
    sent = len(links)
    group["links_sent"] = sent
    group["links_answered"] = sum(1 for link in links if link.answered)
    group["response_rate_pct"] = round(100 * group["links_answered"] / sent) if sent else None
    return group


def feedback_summary(start: dt.date, end: dt.date, team_ids: list[int] | None = None, *,
                     comments: bool = False) -> dict[str, Any]:
    """Session feedback for the whole quarters from ``start``'s to ``end``'s, small groups hidden.

    ``team_ids`` narrows it to some teams (None: every team). The result (JSON-ready but for nothing)::

        {"period": {"start": "2025-07-01", "end": "2026-06-30"},   # whole quarters
         "threshold": 5,
         "questionnaire": {"key": "session-feedback", "title": ..., "attribution": ...},
         "statements": [{"id": "safety", "label": "Felt safe to share"}, ...],   # subscales, in order
         "overall": GROUP,
         "by_kind": [GROUP, ...], "by_quarter": [...], "by_service": [...], "by_team": [...],
         "hidden_groups": 3,          # how many groups say "hidden" (overall included)
         "comments": ["...", ...]}    # only with comments=True (leads only)

    GROUP is ``{"key", "label", "shown", "answers", "means": {statement: mean 1-5},
    "agree_pct": {statement: % answering 4 or 5}, "links_sent", "links_answered", "response_rate_pct"}``;
    when ``shown`` is false every figure is None or empty. ``key`` is the kind ("supervision",
    "debrief"), the quarter's first day, the service's name or the team's id; by_team groups also have
    "service". Groups with no answers are not listed.
    """
    threshold = int(current_app.config["SUPPRESSION_THRESHOLD"])
    definition = built_in(SESSION_FEEDBACK_KEY)
    subscales = [s.id for s in definition.subscales]
    first, last = quarter_span(start, end)
    answers, links, teams = _load(first, last, team_ids, threshold)
    total_shown, hidden = _hidden_groups(answers, threshold)
    agree_from = definition.scale_max - 1
    labels: dict[str, Callable[[Hashable], str]] = {
        "kind": lambda key: KIND_LABELS.get(key, str(key)), "quarter": quarter_label,
        "service": str, "team": lambda key: teams[key].name if key in teams else "Unknown team",
    }
    order: dict[str, Callable[[Hashable], object]] = {
        "kind": lambda key: list(KIND_LABELS).index(key) if key in KIND_LABELS else 99,
        "quarter": lambda key: key, "service": lambda key: str(key).casefold(),
        "team": lambda key: labels["team"](key).casefold(),
    }
    summary: dict[str, Any] = {
        "period": {"start": first.isoformat(), "end": last.isoformat()},
        "threshold": threshold,
        "questionnaire": {"key": definition.key, "title": definition.title, "attribution": definition.attribution},
        "statements": [{"id": s.id, "label": s.label} for s in definition.subscales],
        "overall": _group("all", "All sessions", answers, links, total_shown, subscales, agree_from),
    }
    hidden_count = 0 if total_shown else 1
    for name, _ in BREAKDOWNS:
        key_of = KEYS[name]
        groups = []
        for key in sorted({key_of(a) for a in answers}, key=order[name]):
            shown = key not in hidden[name]
            hidden_count += not shown
            group = _group(key, labels[name](key), [a for a in answers if key_of(a) == key],
                           [link for link in links if key_of(link) == key], shown, subscales, agree_from)
            if name == "team":
                group["service"] = teams[key].service or NO_SERVICE if key in teams else NO_SERVICE
            groups.append(group)
        summary[f"by_{name}"] = groups
    summary["hidden_groups"] = hidden_count
    if comments:
        summary["comments"] = sorted(
            (a.comment for a in answers if a.comment and total_shown and a.team_id not in hidden["team"]),
            key=lambda text: (text.casefold(), text))
    return summary
