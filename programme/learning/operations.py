"""The learning log: areas of wider learning, written without personal details, moved from draft to closed."""

from __future__ import annotations

from programme.errors import Conflict, ProgrammeError
from programme.models import LEARNING_NEXT, DebriefRequest, LearningPoint, LearningStatus
from rosters import audit
from rosters.clock import utcnow
from rosters.errors import Problem
from rosters.extensions import db
from rosters.models import Person

DEFAULT_FORUM = "Safeguarding Practice Learning and Improvement Group"
FORUM_MAX = 200  # learning_points.forum is VARCHAR(200)
POINT_MAX = 2000  # learning_points.text and .outcome are VARCHAR(2000)
LEARNING_LABELS = {"draft": "Draft", "approved": "Approved", "shared": "Shared with the forum", "closed": "Closed"}


def add_learning_point(text: str, forum: str, person: Person, request: DebriefRequest | None = None) -> LearningPoint:
    """A point added by hand, as a draft; the forum defaults to the safeguarding partnership's."""
    if not text.strip():
        raise ProgrammeError(Problem("Write the learning point", "text"))
    if len(text.strip()) > POINT_MAX:
        raise ProgrammeError(Problem(f"A learning point must be {POINT_MAX} characters or fewer", "text"))
    if len(forum.strip()) > FORUM_MAX:  # the column's limit; PostgreSQL would refuse the row with an error
        raise ProgrammeError(Problem(f"The forum must be {FORUM_MAX} characters or fewer", "forum"))
    point = LearningPoint(request=request, text=text.strip(), forum=forum.strip() or DEFAULT_FORUM, created_by=person)
    db.session.add(point)
    db.session.flush()
    audit.record("learning_point_added", point, person=person, detail=f"forum: {point.forum}")
    return point


def advance_learning_point(point: LearningPoint, outcome: str = "", *, seen: str | None = None) -> None:
    """draft -> approved -> shared -> closed. ``seen`` is the stage the person acted on: if the point has
    moved on since (a double click, or another lead first), nothing changes."""
    before = point.status
    if seen and seen != before:
        raise Conflict(Problem(f"Learning point {point.id} is already {LEARNING_LABELS.get(before, before).lower()}; "
                               "nothing was changed", "point"))
    following = LEARNING_NEXT.get(before)
    if following is None:
        raise Conflict(Problem("This learning point is closed", "point"))
    point.status = following
    now = utcnow()
    if following == LearningStatus.APPROVED.value:
        point.approved_at = now
    elif following == LearningStatus.SHARED.value:
        point.shared_at = now
    else:
        point.closed_at = now
        point.outcome = outcome.strip()[:POINT_MAX]
    audit.record("learning_point_advanced", point, detail=f"{before} -> {point.status}")
