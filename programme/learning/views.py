"""The learning log for leads: points from debrief logs or added by hand, moved from draft to closed, exported.

Points are screened for words that may identify someone before they are saved, and the export holds the
points alone (no author, no link to the debrief), never drafts or rejected points, so that it can go to
a forum as it is. Every change and every export is audited.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Response, abort, flash, redirect, render_template, request, url_for

from programme.learning.blueprint import bp
from programme.learning.forms import AdvanceForm, EditPointForm, LearningPointForm, MoveBackForm, RejectForm
from programme.learning.operations import (
    DEFAULT_FORUM,
    LEARNING_LABELS,
    LEARNING_PREVIOUS,
    REJECTABLE,
    REJECTED,
    STAGES,
    add_learning_point,
    advance_learning_point,
    edit_learning_point,
    exported_clause,
    move_back_learning_point,
    reject_learning_point,
    stage_clause,
    stage_of,
)
from programme.learning.screening import GUIDANCE, marked, screen_against_roster
from programme.models import LEARNING_NEXT, LearningPoint
from rosters import audit
from rosters.actions import perform
from rosters.auth import me, role_required
from rosters.clock import today_uk, uk_date
from rosters.exports import CSV, csv_bytes
from rosters.extensions import db
from rosters.models import Role
from rosters.web import error_summary, is_local_path

# What the button on a point at each stage does, and what the banner says afterwards.
ACTIONS = {"draft": "Approve", "approved": "Mark as shared", "shared": "Close"}
DONE = {"approved": "approved", "shared": "marked as shared with the forum", "closed": "closed"}
CSV_COLUMNS = ("id", "status", "forum", "text", "created_on", "approved_on", "shared_on", "closed_on", "outcome")


def chosen_filters() -> tuple[str, str]:
    """``?status=`` and ``?forum=`` from the address; an unknown status is a bad request."""
    status = request.args.get("status", "").strip().lower()
    if status and status not in STAGES:
        abort(400, f"status must be one of {', '.join(STAGES)}")
    return status, request.args.get("forum", "").strip()


def filtered_points(status: str, forum: str, *, exported: bool = False) -> list[LearningPoint]:
    query = db.select(LearningPoint).order_by(LearningPoint.created_at, LearningPoint.id)
    if status:
        query = query.where(stage_clause(status))
    if forum:
        query = query.where(LearningPoint.forum == forum)
    if exported:
        query = query.where(exported_clause())
    return list(db.session.scalars(query))


def forums() -> list[str]:
    """Every forum named on a point, the default first."""
    named = set(db.session.scalars(db.select(LearningPoint.forum).distinct()))
    return [DEFAULT_FORUM] + sorted(named - {DEFAULT_FORUM})


def safe_next(target: str | None) -> str:
    """Return to the list with its filters, and never anywhere else."""
    home = url_for("learning.list_points")
    if is_local_path(target) and urlsplit(target).path == home:
        return target
    return home


def learning_point(point_id: int) -> LearningPoint:
    return db.get_or_404(LearningPoint, point_id)


def render_list(errors: list[dict] | None = None, status_code: int = 200):
    status, forum = chosen_filters()
    points = filtered_points(status, forum)
    counts: dict[str, int] = {}
    for point in db.session.scalars(db.select(LearningPoint)):
        counts[stage_of(point)] = counts.get(stage_of(point), 0) + 1
    grouped = [(value, [p for p in points if stage_of(p) == value]) for value in STAGES
               if not status or value == status]
    return render_template(
        "programme/learning/list.html",
        grouped=grouped,
        count=len(points),
        total=sum(counts.values()),
        counts=counts,
        status=status,
        forum=forum,
        forums=forums(),
        statuses=STAGES,
        labels=LEARNING_LABELS,
        actions=ACTIONS,
        following=LEARNING_NEXT,
        previous=LEARNING_PREVIOUS,
        rejectable=REJECTABLE,
        rejected=REJECTED,
        stage_of=stage_of,
        uk_date=uk_date,
        exportable=status not in ("draft", REJECTED),
        here=url_for("learning.list_points", status=status or None, forum=forum or None),
        errors=errors or [],
    ), status_code


@bp.get("/learning")
@role_required(Role.LEAD)
def list_points():
    return render_list()


def render_point_form(template: str, form: LearningPointForm, general: list[str], status: int, **context):
    """The add or edit form, with any words that may identify someone marked where they are."""
    words = (form.text.data or "").strip()
    flags = screen_against_roster(words) if request.method == "POST" and words else []
    return render_template(
        template, form=form, errors=error_summary(form, general, order=["text", "forum", "checked"]),
        flags=flags, pieces=marked(words, flags), guidance=GUIDANCE, **context,
    ), status


@bp.route("/learning/new", methods=["GET", "POST"])
@role_required(Role.LEAD)
def new_point():
    form = LearningPointForm()
    status, general = 200, []
    if form.validate_on_submit():
        outcome = perform(lambda: add_learning_point(form.text.data or "", form.forum.data or "", me(),
                                                     checked=bool(form.checked.data)), form=form, fallback="text")
        if outcome.done:
            flash("Learning point added as a draft.", "success")
            return redirect(url_for("learning.list_points"))
        status, general = outcome.status, outcome.general
    elif form.errors:
        status = 400
    return render_point_form("programme/learning/new.html", form, general, status)


@bp.route("/learning/<int:point_id>/edit", methods=["GET", "POST"])
@role_required(Role.LEAD)
def edit_point(point_id: int):
    point = learning_point(point_id)
    form = EditPointForm(data=None if request.method == "POST" else {"text": point.text, "forum": point.forum})
    status, general = 200, []
    if form.validate_on_submit():
        outcome = perform(lambda: edit_learning_point(point, form.text.data or "", form.forum.data or "",
                                                      checked=bool(form.checked.data)), form=form, fallback="text")
        if outcome.done:
            flash(f"Learning point {point.id} changed.", "success")
            return redirect(url_for("learning.list_points") + f"#point-{point.id}")
        status, general = outcome.status, outcome.general
    elif form.errors:
        status = 400
    return render_point_form("programme/learning/edit.html", form, general, status, point=point,
                             stage=LEARNING_LABELS[stage_of(point)])


@bp.route("/learning/<int:point_id>/reject", methods=["GET", "POST"])
@role_required(Role.LEAD)
def reject_point(point_id: int):
    point = learning_point(point_id)
    form = RejectForm(data=None if request.method == "POST" else {"status": stage_of(point)})
    status, general = 200, []
    if form.validate_on_submit():
        outcome = perform(lambda: reject_learning_point(point, form.reason.data or "", seen=form.status.data),
                          form=form, fallback="reason")
        if outcome.done:
            flash(f"Learning point {point.id} rejected. It will not be exported.", "success")
            return redirect(url_for("learning.list_points"))
        status, general = outcome.status, outcome.general
    elif form.errors:
        status = 400
    stage = stage_of(point)
    return render_template("programme/learning/reject.html", form=form, point=point, stage=LEARNING_LABELS[stage],
                           open=stage in REJECTABLE, errors=error_summary(form, general)), status


@bp.post("/learning/<int:point_id>/advance")
@role_required(Role.LEAD)
def advance(point_id: int):
    point = learning_point(point_id)
    form = AdvanceForm()
    if not form.validate_on_submit():  # CSRFProtect has already refused a post without its token
        problems = [message for field in form for message in field.errors]
        return render_list([{"text": message, "href": f"#outcome-{point.id}"} for message in problems], 400)
    # ``status`` is the stage the lead saw: a double click, or another lead first, changes nothing.
    outcome = perform(lambda: advance_learning_point(point, form.outcome.data or "", seen=form.status.data))
    if not outcome.done:
        return render_list([{"text": text, "href": f"#point-{point.id}"} for text in outcome.texts], outcome.status)
    flash(f"Learning point {point.id} {DONE[point.status]}.", "success")
    return redirect(safe_next(form.next.data))


@bp.post("/learning/<int:point_id>/back")
@role_required(Role.LEAD)
def move_back(point_id: int):
    point = learning_point(point_id)
    form = MoveBackForm()
    if not form.validate_on_submit():
        return render_list([{"text": "The form has expired: try again", "href": f"#point-{point.id}"}], 400)
    outcome = perform(lambda: move_back_learning_point(point, seen=form.status.data))
    if not outcome.done:
        return render_list([{"text": text, "href": f"#point-{point.id}"} for text in outcome.texts], outcome.status)
    flash(f"Learning point {point.id} moved back to {LEARNING_LABELS[outcome.result].lower()}.", "success")
    return redirect(safe_next(form.next.data))


@bp.get("/learning/export.csv")
@role_required(Role.LEAD)
def export_csv():
    """Approved, shared and closed points for a forum as CSV (``rosters.exports``); never drafts or rejected ones."""
    status, forum = chosen_filters()
    points = filtered_points(status, forum, exported=True)
    rows = []
    for point in points:
        dates = [uk_date(moment) for moment in (point.created_at, point.approved_at, point.shared_at, point.closed_at)]
        rows.append([point.id, point.status, point.forum, point.text, *dates, point.outcome])
    detail = f"{len(points)} point(s); status={status or 'any'}; forum={forum or 'any'}"
    audit.record("learning_exported", detail=detail)
    db.session.commit()
    name = "-".join(["learning-points", *([status] if status else []), today_uk().isoformat()])
    return Response(csv_bytes(CSV_COLUMNS, rows), mimetype=CSV,
                    headers={"Content-Disposition": f'attachment; filename="{name}.csv"'})
