"""Facilitators' pages: their sessions, and the register once a session has started."""

from __future__ import annotations

import datetime as dt
from typing import Any

from flask import abort, flash, redirect, render_template, url_for
from flask_login import current_user
from sqlalchemy.orm import selectinload

from programme.evaluation.feedback import FeedbackLink, invite_after_register
from programme.evaluation.notices import feedback_invitations
from programme.models import BookingStatus, Kind, ProgrammeSession, Status
from programme.supervision.blueprint import bp
from programme.supervision.forms import register_form
from programme.supervision.places import effective_capacity, waiting_counts, waiting_on
from programme.supervision.registers import record_register
from programme.supervision.views.sessions import supervision_session
from rosters.actions import perform
from rosters.auth import role_required
from rosters.clock import utcnow
from rosters.extensions import db
from rosters.models import Role
from rosters.web import error_summary, plural

UPCOMING_WEEKS = 12  # how far ahead a facilitator's list of sessions looks


def facilitated_session(session_id: int) -> ProgrammeSession:
    """A supervision session the signed-in person facilitates; leads may open any. Others look unknown."""
    session = supervision_session(session_id)
    if not current_user.has_role(Role.LEAD) and session.facilitator_id != current_user.id:
        abort(404)
    return session


@bp.get("/facilitation")
@role_required(Role.FACILITATOR, Role.LEAD)
def my_sessions():
    """A facilitator's own sessions; a lead sees everyone's."""
    now = utcnow()
    query = (
        db.select(ProgrammeSession)
        .where(ProgrammeSession.kind == Kind.SUPERVISION.value, ProgrammeSession.status == Status.SCHEDULED.value)
        .options(selectinload(ProgrammeSession.team), selectinload(ProgrammeSession.facilitator))
        .order_by(ProgrammeSession.starts_at, ProgrammeSession.id)
    )
    everyone = current_user.has_role(Role.LEAD)
    if not everyone:
        query = query.where(ProgrammeSession.facilitator_id == current_user.id)
    horizon = now + dt.timedelta(weeks=UPCOMING_WEEKS)
    upcoming = db.session.scalars(
        query.where(ProgrammeSession.starts_at > now, ProgrammeSession.starts_at <= horizon)
    ).all()
    needing_register = db.session.scalars(query.where(ProgrammeSession.starts_at <= now)).all()
    return render_template(
        "programme/supervision/register_sessions.html",
        upcoming=upcoming,
        needing_register=needing_register,
        everyone=everyone,
        weeks=UPCOMING_WEEKS,
        capacity_of=effective_capacity,
        waiting=waiting_counts([s.id for s in upcoming]),
    )


@bp.route("/facilitation/sessions/<int:session_id>/register", methods=["GET", "POST"])
@role_required(Role.FACILITATOR, Role.LEAD)
def take_register(session_id: int):
    session = facilitated_session(session_id)
    booked = [b for b in session.bookings if b.status == BookingStatus.BOOKED.value]
    people = [(b.id, b.person.name if b.person else "Removed for privacy") for b in booked]
    started = session.has_started()
    # A delivered register may be corrected; a cancelled session has nothing to record.
    open_register = started and session.status != Status.CANCELLED.value
    prefill: dict[str, Any] = {}
    if session.status == Status.DELIVERED.value:
        prefill = {f"booking_{b.id}": b.attendance for b in booked}
        prefill.update(
            outcome=Status.DELIVERED.value,
            others=max((session.attendees or 0) - sum(1 for b in booked if b.attendance == "attended"), 0),
        )
    form = register_form(people, data=prefill or None)
    status = 200
    general: list[str] = []
    if open_register and form.validate_on_submit():

        def register_and_invite() -> tuple[ProgrammeSession, list[FeedbackLink]]:
            taken = record_register(
                session.id,
                form.attendance(),
                outcome=form.outcome.data,
                others=form.others.data or 0,
                reason=form.reason.data or "",
            )
            return taken, invite_after_register(taken)  # in the same transaction as the register

        outcome = perform(register_and_invite, tell=lambda done: feedback_invitations(done[1]), form=form,
                          fallback="outcome")
        if outcome.done:
            result = outcome.result[0]
            if result.status == Status.DELIVERED.value:
                flash(
                    f"Register saved for {result.team.name} on {result.starts_local:%-d %B %Y}: "
                    f"{plural(result.attendees or 0, 'person', 'people')} attended.",
                    "success",
                )
            else:
                flash(f"Saved: {result.team.name}'s session on {result.starts_local:%-d %B %Y} did not go ahead.",
                      "success")
            return redirect(url_for("supervision.my_sessions"))
        status, general = outcome.status, outcome.general
    elif form.errors:
        status = 400
    order = [name for _, name in form.booking_fields] + ["others", "outcome", "reason"]
    return render_template(
        "programme/supervision/register_take.html",
        form=form,
        errors=error_summary(form, general, order=order),
        session=session,
        started=started,
        open_register=open_register,
        waiting=waiting_on(session),
    ), status
