"""The learning log for leads: points from debrief logs or added by hand, moved from draft to closed, exported.

Points are written without personal details, and the export holds the points alone (no author, no
link to the debrief) so that it can go to a forum as it is. Every change and every export is audited.
"""

from __future__ import annotations

import csv
import io
from urllib.parse import urlsplit

from flask import Response, abort, flash, redirect, render_template, request, url_for

from programme.learning.blueprint import bp
from programme.learning.forms import AdvanceForm, LearningPointForm
from programme.learning.operations import DEFAULT_FORUM, LEARNING_LABELS, add_learning_point, advance_learning_point
from programme.models import LEARNING_NEXT, LearningPoint, LearningStatus
from rosters import audit
from rosters.actions import perform
from rosters.auth import me, role_required
from rosters.clock import today_uk, uk_date
from rosters.extensions import db
from rosters.models import Role
from rosters.web import is_local_path

STATUSES = tuple(s.value for s in LearningStatus)
# What the button on a point at each stage does, and what the banner says afterwards.
ACTIONS = {"draft": "Approve", "approved": "Mark as shared", "shared": "Close"}
DONE = {"approved": "approved", "shared": "marked as shared with the forum", "closed": "closed"}
CSV_COLUMNS = ("id", "status", "forum", "text", "created_on", "approved_on", "shared_on", "closed_on", "outcome")


def chosen_filters() -> tuple[str, str]:
    """``?status=`` and ``?forum=`` from the address; an unknown status is a bad request."""
    status = request.args.get("status", "").strip().lower()
    if status and status not in STATUSES:
        abort(400, f"status must be one of {', '.join(STATUSES)}")
    return status, request.args.get("forum", "").strip()


def filtered_points(status: str, forum: str) -> list[LearningPoint]:
    query = db.select(LearningPoint).order_by(LearningPoint.created_at, LearningPoint.id)
    if status:
        query = query.where(LearningPoint.status == status)
    if forum:
        query = query.where(LearningPoint.forum == forum)
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


def render_list(errors: list[dict] | None = None, status_code: int = 200):
    status, forum = chosen_filters()
    points = filtered_points(status, forum)
    counts = dict(db.session.execute(db.select(LearningPoint.status, db.func.count()).group_by(LearningPoint.status)).all())
    grouped = [(value, [p for p in points if p.status == value]) for value in STATUSES if not status or value == status]
    return render_template(
        "programme/learning/list.html",
        grouped=grouped,
        count=len(points),
        total=sum(counts.values()),
        counts=counts,
        status=status,
        forum=forum,
        forums=forums(),
        statuses=STATUSES,
        labels=LEARNING_LABELS,
        actions=ACTIONS,
        following=LEARNING_NEXT,
        uk_date=uk_date,
        here=url_for("learning.list_points", status=status or None, forum=forum or None),
        errors=errors or [],
    ), status_code


@bp.get("/learning")
@role_required(Role.LEAD)
def list_points():
    return render_list()


@bp.route("/learning/new", methods=["GET", "POST"])
@role_required(Role.LEAD)
def new_point():
    form = LearningPointForm()
    if form.validate_on_submit():
        outcome = perform(lambda: add_learning_point(form.text.data or "", form.forum.data or "", me()), form=form,
                          fallback="text")
        if outcome.done:
            flash("Learning point added as a draft.", "success")
            return redirect(url_for("learning.list_points"))
    status = 400 if form.errors else 200
    return render_template("programme/learning/new.html", form=form), status


@bp.post("/learning/<int:point_id>/advance")
@role_required(Role.LEAD)
def advance(point_id: int):
    point = db.get_or_404(LearningPoint, point_id)
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


def spreadsheet_safe(value: str) -> str:
    """Stop Excel reading a cell as a formula (CSV injection): prefix such cells with an apostrophe."""
    if value and value[0] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


@bp.get("/learning/export.csv")
@role_required(Role.LEAD)
def export_csv():
    """The points for a forum as CSV: UTF-8 with a byte-order mark so that Excel reads it correctly."""
    status, forum = chosen_filters()
    points = filtered_points(status, forum)
    buffer = io.StringIO()
    writer = csv.writer(buffer)  # \r\n line ends, as Excel writes them
    writer.writerow(CSV_COLUMNS)
    for point in points:
        dates = [uk_date(moment) for moment in (point.created_at, point.approved_at, point.shared_at, point.closed_at)]
        writer.writerow([
            point.id,
            point.status,
            spreadsheet_safe(point.forum),
            spreadsheet_safe(point.text),
            *[day.isoformat() if day else "" for day in dates],
            spreadsheet_safe(point.outcome),
        ])
    detail = f"{len(points)} point(s); status={status or 'any'}; forum={forum or 'any'}"
    audit.record("learning_exported", detail=detail)
    db.session.commit()
    name = "-".join(["learning-points", *([status] if status else []), today_uk().isoformat()])
    return Response(
        buffer.getvalue().encode("utf-8-sig"),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{name}.csv"'},
    )
