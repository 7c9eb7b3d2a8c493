"""A pulse's results: who was invited and answered, scores by subscale overall, by service, by team and over
time, every score hidden for groups smaller than ``SUPPRESSION_THRESHOLD`` (``scores.breakdown``).

``pulse_results(pulse, team_ids=None)`` is what the results page, the API and the evaluation report
read; its shape is in docs/questionnaires.md ("Results"). A team with fewer answers than the threshold
counts in no score at all (its invitations and answers are still counted). Services are suppressed
against the overall
figure, and each service's teams against that service's figure, so no hidden group can be worked out
by subtracting shown ones.
"""

from __future__ import annotations

import datetime as dt
import json
from collections import Counter
from typing import Any

from flask import current_app

from programme.evaluation.definitions import Definition
from programme.evaluation.models import Pulse, Questionnaire, SurveyInvitation, SurveyResponse
from programme.evaluation.pulses import status_of
from programme.evaluation.scores import GroupScore, breakdown, overall
from programme.evaluation.uploads import definition_of
from rosters.clock import today_uk
from rosters.extensions import db
from rosters.models import Team

NO_SERVICE = "No service"


def _responses(pulse_id: int, team_ids: list[int] | None) -> list[tuple[int | None, dict[str, float]]]:
    query = db.select(SurveyResponse.team_id, SurveyResponse.scores).where(SurveyResponse.pulse_id == pulse_id)
    if team_ids is not None:
        query = query.where(SurveyResponse.team_id.in_(team_ids))
    rows = [(team_id, json.loads(scores)) for team_id, scores in db.session.execute(query)]
    # A team's answers to one pulse count only when there are enough of them: a smaller team counts in
    # no figure, not even the overall one, so nothing can be subtracted to find it.
    sizes = Counter(team_id for team_id, _ in rows)
    threshold = current_app.config["SUPPRESSION_THRESHOLD"]
    return [(team_id, scores) for team_id, scores in rows if sizes[team_id] >= threshold]


def _invited(pulse_id: int, team_ids: list[int] | None) -> dict[int | None, tuple[int, int]]:
    """Team id -> (invited, answered)."""
    query = (db.select(SurveyInvitation.team_id, db.func.count(),
                       db.func.sum(db.case((SurveyInvitation.answered.is_(True), 1), else_=0)))
             .where(SurveyInvitation.pulse_id == pulse_id, SurveyInvitation.withdrawn.is_(False))
             .group_by(SurveyInvitation.team_id))
    if team_ids is not None:
        query = query.where(SurveyInvitation.team_id.in_(team_ids))
    return {team_id: (invited, int(answered or 0)) for team_id, invited, answered in db.session.execute(query)}


def _entry(group: GroupScore, members: list[dict[str, float]], definition: Definition, **extra) -> dict[str, Any]:
    """A group's figures; a hidden group has no answer count and no scores."""
    subscales = {}
    if group.shown:
        for subscale in definition.subscales:
            counts = Counter(subscale.band(row[subscale.id]) for row in members if subscale.id in row)
            mean = group.means.get(subscale.id)
            subscales[subscale.id] = {
                "mean": mean,
                "band": subscale.band(mean) if mean is not None else None,
                "bands": {band.label: counts.get(band.label, 0) for band in subscale.bands},
            }
    return {**extra, "answers": group.answers if group.shown else None, "shown": group.shown,
            "subscales": subscales}


def _subscale_info(definition: Definition) -> list[dict[str, Any]]:
    out = []
    for subscale in definition.subscales:
        low, high = definition.score_range(subscale)
        bands = []
        for n, band in enumerate(subscale.bands):
            following = subscale.bands[n + 1].lowest if n + 1 < len(subscale.bands) else None
            bands.append({"label": band.label, "from": band.lowest, "below": following})
        out.append({"id": subscale.id, "label": subscale.label, "score": subscale.scoring,
                    "higher_is_better": subscale.higher_is_better, "lowest": low, "highest": high,
                    "item_count": len(subscale.items), "bands": bands})
    return out


def pulse_results(pulse: Pulse, team_ids: list[int] | None = None) -> dict[str, Any]:
    """Everything the results page shows, for all the pulse's teams or only ``team_ids``."""
    threshold = current_app.config["SUPPRESSION_THRESHOLD"]
    definition = definition_of(pulse.questionnaire)
    ids = [s.id for s in definition.subscales]
    rows = _responses(pulse.id, team_ids)
    counts = _invited(pulse.id, team_ids)
    teams = {team.id: team for team in pulse.teams}
    teams.update({team.id: team for team in db.session.scalars(
        db.select(Team).where(Team.id.in_([t for t, _ in rows if t is not None] + [t for t in counts if t])))})

    def team_name(team_id):
        return teams[team_id].name if team_id in teams else "No team"

    def service_of(team_id):
        return (teams[team_id].service or NO_SERVICE) if team_id in teams else NO_SERVICE

    everyone = overall([scores for _, scores in rows], ids, threshold)
    invited = sum(i for i, _ in counts.values())
    answered = sum(a for _, a in counts.values())
    by_service_groups = breakdown([(service_of(t), s) for t, s in rows], ids, threshold,
                                  total_shown=everyone.shown)
    by_service = []
    by_team = []
    service_invited = Counter()
    for team_id, (n, _) in counts.items():
        service_invited[service_of(team_id)] += n
    for group in by_service_groups:
        members = [s for t, s in rows if service_of(t) == group.key]
        by_service.append(_entry(group, members, definition, service=group.key,
                                 invited=service_invited.get(group.key, 0)))
        service_rows = [(t, s) for t, s in rows if service_of(t) == group.key]
        for team_group in breakdown(service_rows, ids, threshold, total_shown=group.shown,
                                    order=lambda t: team_name(t)):
            if not group.shown:  # a hidden service's teams stay hidden, or they would add up to it
                team_group.shown, team_group.means = False, {}
            team_members = [s for t, s in service_rows if t == team_group.key]
            by_team.append(_entry(team_group, team_members, definition, team_id=team_group.key,
                                  team=team_name(team_group.key), service=group.key,
                                  invited=counts.get(team_group.key, (0, 0))[0]))
    # Teams invited from whom nobody answered are listed too, with nothing to show.
    answered_teams = {entry["team_id"] for entry in by_team}
    for team_id, (n, _) in counts.items():
        if team_id not in answered_teams:
            by_team.append({"team_id": team_id, "team": team_name(team_id), "service": service_of(team_id),
                            "invited": n, "answers": None, "shown": False, "subscales": {}})
    by_team.sort(key=lambda entry: (entry["service"], entry["team"]))
    questionnaire = pulse.questionnaire
    return {
        "pulse": {"id": pulse.id, "title": pulse.title, "opens_on": pulse.opens_on.isoformat(),
                  "closes_on": pulse.closes_on.isoformat(), "status": status_of(pulse),
                  "teams": [team.name for team in pulse.teams]},
        "questionnaire": {"key": questionnaire.key, "version": questionnaire.version, "title": definition.title,
                          "attribution": definition.attribution, "licence": definition.licence},
        "threshold": threshold,
        "invited": invited,
        "answered": answered,
        "response_rate_pct": round(100 * answered / invited, 1) if invited else None,
        "subscales": _subscale_info(definition),
        "overall": _entry(everyone, [s for _, s in rows], definition),
        "by_service": by_service,
        "by_team": by_team,
        "over_time": over_time(questionnaire.key, team_ids, definition),
    }


def over_time(key: str, team_ids: list[int] | None, definition: Definition) -> list[dict[str, Any]]:
    """Each pulse (not cancelled, opened by today) that used questionnaire ``key``: its subscale means."""
    threshold = current_app.config["SUPPRESSION_THRESHOLD"]
    ids = [s.id for s in definition.subscales]
    pulses = db.session.scalars(db.select(Pulse).join(Questionnaire).where(
        Questionnaire.key == key, Pulse.cancelled_at.is_(None), Pulse.opens_on <= today_uk())
        .order_by(Pulse.opens_on, Pulse.id))
    out = []
    for pulse in pulses:
        group = overall([scores for _, scores in _responses(pulse.id, team_ids)], ids, threshold)
        out.append({"pulse_id": pulse.id, "title": pulse.title, "opens_on": pulse.opens_on.isoformat(),
                    "version": pulse.questionnaire.version, "answers": group.answers if group.shown else None,
                    "shown": group.shown, "means": group.means})
    return out


def pulses_in_period(start: dt.date, end: dt.date) -> list[Pulse]:
    """Pulses that opened from ``start`` to ``end`` inclusive (and by today), not cancelled, oldest first."""
    return list(db.session.scalars(db.select(Pulse).where(
        Pulse.cancelled_at.is_(None), Pulse.opens_on >= start, Pulse.opens_on <= end,
        Pulse.opens_on <= today_uk()).order_by(Pulse.opens_on, Pulse.id)))
