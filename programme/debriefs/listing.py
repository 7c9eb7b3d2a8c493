"""The leads' list of debrief requests: filters read from the address, the true order, and pages of it.

The order: open requests first (waiting, accepted, arranged), overdue ones (offer or session) before the
rest, each by the date that matters next (the offer's while none has been made, else the session's, the
agreed one when set), then newest; after them the requests with nothing left to arrange (delivered,
closed, declined, withdrawn), newest first. Deadlines are worked out in Python over light rows (no
relationships loaded); only the page shown is loaded whole.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.orm import selectinload

from programme.debriefs.models import DebriefRequest, RequestStatus, debrief_affected_teams, request_id_from_reference
from programme.debriefs.triage import OPEN_STATES, ClockFacts, Deadlines, deadlines_of
from programme.models import CATEGORY_VALUES, ProgrammeSession, Status
from rosters.bounds import date_in_range, parse_id, parse_page, read_iso_date
from rosters.clock import today_uk
from rosters.extensions import db
from rosters.models import Team
from rosters.paging import Page

PER_PAGE = 25
TEAM_CHOICES = 200  # longest team list the filter offers as a select; beyond it the filter is a name search
TEAM_TEXT_LIMIT = 200
REF_LIMIT = 40
PERIOD_LABELS = {"start": "Asked on or after", "end": "Asked on or before"}


@dataclass
class ListFilters:
    """What the lead asked for in the address, and what was wrong with it (field name -> message)."""

    status: str = ""
    team: str = ""  # as typed or chosen: a team's id from the select, or part of a name
    team_id: int | None = None
    category: str = ""
    start: dt.date | None = None
    end: dt.date | None = None
    ref: str = ""
    page: int = 1
    typed: dict[str, list[str]] = field(default_factory=dict)  # the date boxes as typed, to show them again
    errors: dict[str, str] = field(default_factory=dict)

    @property
    def narrowed(self) -> bool:
        return bool(self.status or self.team or self.category or self.start or self.end)

    def args(self, **changes: Any) -> dict[str, Any]:
        """The address arguments that give this list again (``changes`` override), empty ones left out."""
        values: dict[str, Any] = {
            "status": self.status, "team": self.team, "category": self.category,
            "start": self.start.isoformat() if self.start else "", "end": self.end.isoformat() if self.end else "",
            "ref": self.ref,
        }
        values.update(changes)
        return {name: value for name, value in values.items()
                if value not in ("", None) and not (name == "page" and value == 1)}

    def boxes(self, name: str) -> tuple[str, str, str]:
        """Day, month and year for a period date's boxes: as typed when wrong, else from the date."""
        if name in self.typed:
            parts = [*self.typed[name], "", "", ""]
            return parts[0], parts[1], parts[2]
        day = getattr(self, name)
        return (str(day.day), str(day.month), str(day.year)) if day else ("", "", "")


def _period_date(values: list[str], name: str, filters: ListFilters) -> dt.date | None:
    """A date from three boxes (day, month, year) or one ``YYYY-MM-DD``; an error on the filters if wrong."""
    parts = [value.strip() for value in values]
    if not any(parts):
        return None
    label = PERIOD_LABELS[name]
    day = None
    if len(parts) == 1:
        day = read_iso_date(parts[0])
    elif len(parts) == 3 and all(part.isdigit() and len(part) <= 4 for part in parts):
        try:
            day = dt.date(int(parts[2]), int(parts[1]), int(parts[0]))
        except ValueError:
            day = None
    if day is None or not date_in_range(day):
        filters.typed[name] = [part[:10] for part in parts[:3]]
        filters.errors[name] = f"“{label}” must be a real date, for example 1 11 2026"
        return None
    return day


def read_filters(args: Mapping[str, Any]) -> ListFilters:
    """The list's filters from the address; anything unusable is left out and said why."""
    filters = ListFilters()
    status = (args.get("status") or "").strip()
    if status in tuple(s.value for s in RequestStatus):
        filters.status = status
    elif status:
        filters.errors["status"] = "Choose a status from the list"
    category = (args.get("category") or "").strip()
    if category in CATEGORY_VALUES:
        filters.category = category
    elif category:
        filters.errors["category"] = "Choose a kind of incident from the list"
    team = (args.get("team") or "").strip()
    if len(team) > TEAM_TEXT_LIMIT:
        filters.errors["team"] = f"The team must be {TEAM_TEXT_LIMIT} characters or fewer"
    elif team:
        filters.team = team
        filters.team_id = parse_id(team)
    getlist = getattr(args, "getlist", lambda name: [args[name]] if args.get(name) else [])
    filters.start = _period_date(getlist("start"), "start", filters)
    filters.end = _period_date(getlist("end"), "end", filters)
    if filters.start and filters.end and filters.end < filters.start:
        filters.errors["end"] = f"“{PERIOD_LABELS['end']}” must be the same as or after “{PERIOD_LABELS['start']}”"
        filters.end = None
    ref = (args.get("ref") or "").strip()
    if len(ref) > REF_LIMIT or (ref and request_id_from_reference(ref) is None):
        filters.errors["ref"] = "Enter a reference such as DB-0042"
    elif ref:
        filters.ref = ref
    page = parse_page(args.get("page"))
    if page is None:
        filters.errors["page"] = "The page number must be a whole number"
    filters.page = page or 1
    return filters


def team_choices(chosen: int | None) -> list[tuple[int, str]] | None:
    """Active teams for the filter's select (and the chosen one, if inactive); None when there are too many."""
    teams = db.session.execute(
        db.select(Team.id, Team.name).where(Team.active.is_(True)).order_by(Team.name).limit(TEAM_CHOICES + 1)
    ).all()
    if len(teams) > TEAM_CHOICES:
        return None
    pairs = [(team_id, name) for team_id, name in teams]
    if chosen is not None and chosen not in {team_id for team_id, _ in pairs}:
        team = db.session.get(Team, chosen)
        if team is not None:
            pairs = sorted([*pairs, (team.id, team.name)], key=lambda pair: pair[1])
    return pairs


def _conditions(filters: ListFilters) -> list:
    if filters.ref:
        return [DebriefRequest.id == request_id_from_reference(filters.ref)]  # a reference names one request
    conditions: list = []
    if filters.status:
        conditions.append(DebriefRequest.status == filters.status)
    if filters.category:
        conditions.append(DebriefRequest.incident_category == filters.category)
    if filters.start:
        conditions.append(DebriefRequest.requested_on >= filters.start)
    if filters.end:
        conditions.append(DebriefRequest.requested_on <= filters.end)
    if filters.team:
        affected = db.select(debrief_affected_teams.c.request_id)
        if filters.team_id is not None:
            affected = affected.where(debrief_affected_teams.c.team_id == filters.team_id)
        else:
            pattern = "%" + filters.team.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
            affected = affected.join(Team, Team.id == debrief_affected_teams.c.team_id).where(
                db.func.lower(Team.name).like(pattern, escape="\\"))
        conditions.append(DebriefRequest.id.in_(affected))
    return conditions


def ordered(filters: ListFilters) -> list[tuple[int, Deadlines]]:
    """Every matching request's id and deadlines, in the list's order (see the module's docstring)."""
    rows = db.session.execute(
        db.select(DebriefRequest.id, DebriefRequest.requested_on, DebriefRequest.status,
                  DebriefRequest.offered_at.is_not(None), DebriefRequest.agreed_session_due,
                  ProgrammeSession.date, ProgrammeSession.status)
        .outerjoin(ProgrammeSession, ProgrammeSession.id == DebriefRequest.session_id)
        .where(*_conditions(filters))
        .order_by(DebriefRequest.requested_at.desc(), DebriefRequest.id.desc())  # newest first, kept below
    ).all()
    today = today_uk()
    found = [(row[0], row[2], deadlines_of(ClockFacts(row[1], row[2], bool(row[3]), row[4], row[5],
                                                       row[6] == Status.DELIVERED.value), today)) for row in rows]

    def key(entry: tuple[int, str, Deadlines]) -> tuple:
        _id, status, due = entry
        if status in OPEN_STATES:
            return (0, not due.overdue, due.next_due)
        return (1, False, dt.date.min)  # nothing left to arrange: newest first, as fetched

    found.sort(key=key)  # a stable sort: newest first within equal keys
    return [(request_id, due) for request_id, _status, due in found]


def load_page(entries: list[tuple[int, Deadlines]]) -> list[tuple[DebriefRequest, Deadlines]]:
    """The requests of one page, with what the rows show loaded in a few queries."""
    ids = [request_id for request_id, _ in entries]
    items = {item.id: item for item in db.session.scalars(
        db.select(DebriefRequest).where(DebriefRequest.id.in_(ids))
        .options(selectinload(DebriefRequest.session), selectinload(DebriefRequest.affected_teams))
    )}
    return [(items[request_id], due) for request_id, due in entries if request_id in items]


def page_of(total: int, number: int) -> Page:
    """The page asked for, or the last one when the list has become shorter than that."""
    last = max(1, math.ceil(total / PER_PAGE))
    return Page(min(max(1, number), last), PER_PAGE, total)
