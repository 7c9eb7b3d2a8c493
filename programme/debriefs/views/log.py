"""After a debrief: the chair's (or a lead's) session log, and the follow-up check-in (opened early by a lead)."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_login import login_required

from programme.debriefs.blueprint import bp
from programme.debriefs.forms import FollowUpForm, FollowUpOpenForm, SessionLogForm
from programme.debriefs.log import (
    CHAIR_CHECKLIST,
    SessionLog,
    attendance_limit,
    follow_up_open,
    open_follow_up_early,
    record_follow_up,
)
from programme.debriefs.log import log_session as log_debrief_session
from programme.debriefs.notices import session_called_off
from programme.debriefs.views.requests import lead_only, render_show, visible_request
from programme.evaluation.feedback import FeedbackLink, invite_after_debrief
from programme.evaluation.notices import feedback_invitations
from programme.learning.screening import GUIDANCE
from programme.models import Status
from rosters import audit
from rosters.actions import perform
from rosters.auth import me
from rosters.extensions import db
from rosters.mail import Message
from rosters.web import error_summary, plural

# The checklist's one text (programme.debriefs.log), for parts/checklist.html on the request and log pages.
bp.add_app_template_global(CHAIR_CHECKLIST, "chair_checklist")
# Whether the follow-up can be recorded now, for the request page's follow-up section.
bp.add_app_template_global(follow_up_open, "follow_up_is_open")


def log_from(form: SessionLogForm) -> SessionLog:
    signposts = set(form.signposting.data or [])
    return SessionLog(
        delivered=form.delivered.data == "yes",
        attendees=form.attendees.data,
        duration_minutes=form.duration_minutes.data,
        closed_safe_uplifting={"yes": True, "no": False}.get(form.closed_safe_uplifting.data or ""),
        signposted_eap="eap" in signposts,
        signposted_occupational_health="occupational_health" in signposts,
        signposted_gp="gp" in signposts,
        learning=form.learning(),
        forum=form.forum.data or "",
        not_delivered_reason=form.reason.data or "",
        learning_checked=bool(form.learning_checked.data),
    )


@bp.route("/debriefs/<int:request_id>/log", methods=["GET", "POST"])
@login_required
def log_session(request_id: int):
    item = visible_request(request_id)
    session = item.session
    form = SessionLogForm()
    if request.method == "GET" and session is not None:
        form.duration_minutes.data = session.duration_minutes
    status = 200
    general: list[str] = []
    if form.validate_on_submit():
        entry = log_from(form)

        def log_and_invite() -> tuple[list[FeedbackLink], list[Message]]:
            logged = item.session  # a session logged as not delivered is no longer the request's
            chair = item.facilitator  # nor is its chair
            log_debrief_session(item, me(), entry)
            # In the same transaction as the log: feedback links, or the calendar CANCEL if it did not go ahead.
            return invite_after_debrief(item, logged), session_called_off(item, logged, chair)

        outcome = perform(log_and_invite, tell=lambda done: [*feedback_invitations(done[0]), *done[1]], form=form)
        if outcome.done:
            points = len([text for text in entry.learning or [] if text.strip()])
            if entry.delivered:
                flash(
                    "Session log saved"
                    + (f" with {plural(points, 'learning point')}" if points else "")
                    + f". Follow-up due {item.follow_up_due_on:%-d %B %Y}.",
                    "success",
                )
            else:
                flash("Saved: the session did not go ahead. A new session can be arranged.", "success")
            return redirect(url_for("debriefs.show_request", request_id=item.id))
        status, general = outcome.status, outcome.general
        db.session.refresh(item)
        session = item.session
    elif form.is_submitted():
        status = 400
    audit.record("debrief_viewed", item, detail="session log page")
    db.session.commit()
    return render_template(
        "programme/debriefs/log.html",
        form=form,
        guidance=GUIDANCE,
        errors=error_summary(form, general),
        item=item,
        session=session,
        waiting=session is not None and session.status == Status.SCHEDULED.value,
        started=session is not None and session.has_started(),
        limit=attendance_limit(item),
        show_checklist=True,
    ), status


@bp.post("/debriefs/<int:request_id>/follow-up")
@login_required
def follow_up(request_id: int):
    item = visible_request(request_id)
    form = FollowUpForm()
    if not form.validate_on_submit():
        return render_show(item, 400, errors=error_summary(form), follow_up=form)
    outcome = perform(lambda: record_follow_up(item, form.outcome.data), form=form)
    if not outcome.done:
        db.session.refresh(item)
        return render_show(item, outcome.status, errors=error_summary(form, outcome.general), follow_up=form)
    flash(f"Follow-up recorded as {form.outcome.data}. The debrief is closed.", "success")
    return redirect(url_for("debriefs.show_request", request_id=item.id))


@bp.post("/debriefs/<int:request_id>/follow-up/open")
@login_required
def open_follow_up(request_id: int):
    """A lead opens the follow-up before it is due, with a reason (the chair may see it; others 404)."""
    item = visible_request(request_id)
    lead_only()
    form = FollowUpOpenForm()
    if not form.validate_on_submit():
        return render_show(item, 400, errors=error_summary(form), open_follow_up=form)
    outcome = perform(lambda: open_follow_up_early(item, me(), form.reason.data or ""), form=form)
    if not outcome.done:
        db.session.refresh(item)
        return render_show(item, outcome.status, errors=error_summary(form, outcome.general), open_follow_up=form)
    flash("The follow-up is open: it can be recorded now.", "success")
    return redirect(url_for("debriefs.show_request", request_id=item.id))
