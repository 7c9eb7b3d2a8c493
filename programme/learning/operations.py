"""The learning log: areas of wider learning, written without personal details, moved from draft to closed.

Every point is screened before it is saved (``screening``): words that may identify someone are
refused unless the author has checked them. Leads can edit (redact) a point, reject it with a reason
and move it back a stage; every change is audited, without the words themselves.

A rejected point is stored as closed without ever being shared (``status`` closed, no ``shared_at``),
its reason in ``outcome`` and in the audit trail: the schema's stages have no "rejected" of their own.
"""

from __future__ import annotations

from sqlalchemy import and_, not_

from programme.debriefs.models import DebriefRequest
from programme.errors import Conflict, ProgrammeError
from programme.learning.screening import flags_text, screen_against_roster
from programme.models import LEARNING_NEXT, LearningPoint, LearningStatus
from rosters import audit
from rosters.clock import utcnow
from rosters.errors import Problem
from rosters.extensions import db
from rosters.models import Person

DEFAULT_FORUM = "Safeguarding Practice Learning and Improvement Group"
FORUM_MAX = 200  # learning_points.forum is VARCHAR(200)
POINT_MAX = 2000  # learning_points.text and .outcome are VARCHAR(2000)
REASON_MAX = 500
REJECTED = "rejected"  # a stage as people see it; stored as closed without being shared (above)
STAGES = ("draft", "approved", "shared", "closed", REJECTED)
LEARNING_LABELS = {"draft": "Draft", "approved": "Approved", "shared": "Shared with the forum", "closed": "Closed",
                   REJECTED: "Rejected"}
LEARNING_PREVIOUS = {"approved": "draft", "shared": "approved", "closed": "shared"}
REJECTABLE = ("draft", "approved")  # before the forum has it; a shared point is moved back first
EXPORTED = ("approved", "shared", "closed")  # drafts and rejected points never leave

# Rejected, in SQL: closed, and never shared.
REJECTED_SQL = and_(LearningPoint.status == LearningStatus.CLOSED.value, LearningPoint.shared_at.is_(None))


def stage_of(point: LearningPoint) -> str:
    """The stage a person sees: the stored status, or "rejected"."""
    if point.status == LearningStatus.CLOSED.value and point.shared_at is None:
        return REJECTED
    return point.status


def stage_clause(stage: str):
    """SQL for the points at one stage as people see it."""
    if stage == REJECTED:
        return REJECTED_SQL
    if stage == LearningStatus.CLOSED.value:
        return and_(LearningPoint.status == stage, LearningPoint.shared_at.is_not(None))
    return LearningPoint.status == stage


def exported_clause():
    """SQL for the points an export may hold: approved, shared or closed, never drafts or rejected points."""
    return and_(LearningPoint.status.in_(EXPORTED), not_(REJECTED_SQL))


def screened(text: str, field: str, *, checked: bool, what: str = "The learning point") -> list:
    """Refuse ``text`` if it may identify someone and the author has not ticked that they checked it."""
    flags = screen_against_roster(text)
    if flags and not checked:
        raise ProgrammeError(Problem(
            f"{what} may identify someone: {flags_text(flags)}. Rephrase it, or tick “I have checked: this "
            "identifies no one” to save it as it is", field))
    return flags


def _checked_detail(flags: list) -> str:
    return f"; checked by the author: {', '.join(sorted({f.kind for f in flags}))}" if flags else ""


def _text_and_forum(text: str, forum: str) -> tuple[str, str]:
    if not text.strip():
        raise ProgrammeError(Problem("Write the learning point", "text"))
    if len(text.strip()) > POINT_MAX:
        raise ProgrammeError(Problem(f"A learning point must be {POINT_MAX} characters or fewer", "text"))
    if len(forum.strip()) > FORUM_MAX:  # the column's limit; PostgreSQL would refuse the row with an error
        raise ProgrammeError(Problem(f"The forum must be {FORUM_MAX} characters or fewer", "forum"))
    return text.strip(), forum.strip() or DEFAULT_FORUM


def add_learning_point(text: str, forum: str, person: Person, request: DebriefRequest | None = None, *,
                       checked: bool = False) -> LearningPoint:
    """A point added by hand, as a draft; the forum defaults to the safeguarding partnership's."""
    text, forum = _text_and_forum(text, forum)
    flags = screened(text, "text", checked=checked)
    point = LearningPoint(request=request, text=text, forum=forum, created_by=person)
    db.session.add(point)
    db.session.flush()
    audit.record("learning_point_added", point, person=person, detail=f"forum: {point.forum}{_checked_detail(flags)}")
    return point


def _seen(point: LearningPoint, seen: str | None) -> str:
    """The stage now; a Conflict if the person acted on a stage the point has since left."""
    stage = stage_of(point)
    if seen and seen != stage:
        raise Conflict(Problem(f"Learning point {point.id} is already {LEARNING_LABELS.get(stage, stage).lower()}; "
                               "nothing was changed", "point"))
    return stage


def edit_learning_point(point: LearningPoint, text: str, forum: str, *, checked: bool = False) -> None:
    """A lead's edit (a redaction, usually): the export holds only the new words from now on."""
    text, forum = _text_and_forum(text, forum)
    flags = screened(text, "text", checked=checked)
    changed = [name for name, old, new in (("text", point.text, text), ("forum", point.forum, forum)) if old != new]
    if not changed:
        return
    point.text, point.forum = text, forum
    # The old words are not kept anywhere: a redaction removes them.
    audit.record("learning_point_edited", point, detail=f"changed: {', '.join(changed)}{_checked_detail(flags)}")


def reject_learning_point(point: LearningPoint, reason: str, *, seen: str | None = None) -> None:
    """A lead rejects a draft or approved point with a reason; it is never exported."""
    stage = _seen(point, seen)
    if stage not in REJECTABLE:
        raise Conflict(Problem(f"A point that is {LEARNING_LABELS[stage].lower()} cannot be rejected"
                               + ("; move it back to approved first" if stage == "shared" else ""), "reason"))
    reason = reason.strip()
    if not reason:
        raise ProgrammeError(Problem("Give the reason for rejecting the point", "reason"))
    if len(reason) > REASON_MAX:
        raise ProgrammeError(Problem(f"The reason must be {REASON_MAX} characters or fewer", "reason"))
    screened(reason, "reason", checked=False, what="The reason")
    point.status = LearningStatus.CLOSED.value
    point.shared_at = None
    point.closed_at = utcnow()
    point.outcome = f"Rejected: {reason}"
    audit.record("learning_point_rejected", point, detail=f"{stage} -> rejected; reason: {reason}")


def move_back_learning_point(point: LearningPoint, *, seen: str | None = None) -> str:
    """One stage back (a rejected point goes back to where it was); returns the stage it is now at."""
    stage = _seen(point, seen)
    if stage == REJECTED:
        previous = "approved" if point.approved_at else "draft"
        point.outcome = ""
    elif stage in LEARNING_PREVIOUS:
        previous = LEARNING_PREVIOUS[stage]
    else:
        raise Conflict(Problem("A draft has no earlier stage", "point"))
    if stage == "closed":
        point.outcome = ""
    point.status = previous
    point.closed_at = None
    if previous in ("draft", "approved"):
        point.shared_at = None
    if previous == "draft":
        point.approved_at = None
    audit.record("learning_point_moved_back", point, detail=f"{stage} -> {previous}")
    return previous


def advance_learning_point(point: LearningPoint, outcome: str = "", *, seen: str | None = None) -> None:
    """draft -> approved -> shared -> closed. ``seen`` is the stage the person acted on: if the point has
    moved on since (a double click, or another lead first), nothing changes."""
    before = _seen(point, seen)
    if before == REJECTED:
        raise Conflict(Problem("This learning point was rejected; move it back to change it", "point"))
    following = LEARNING_NEXT.get(before)
    if following is None:
        raise Conflict(Problem("This learning point is closed", "point"))
    if following == LearningStatus.CLOSED.value and outcome.strip():
        screened(outcome, "outcome", checked=False, what="The outcome")
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
