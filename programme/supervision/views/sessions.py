"""Leads' pages for one dated supervision session: change it, or cancel it and tell everyone booked."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, url_for

from programme.fields import when_and_where
from programme.models import Kind, ProgrammeSession
from programme.supervision.blueprint import bp
from programme.supervision.forms import CancelSessionForm, SessionEditForm
from programme.supervision.notices import changes_told, session_cancelled
from programme.supervision.places import effective_capacity, waiting_on
from programme.supervision.series import cancel_session as cancel_programme_session
from programme.supervision.series import edit_occurrence, is_changeable
from rosters.actions import perform
from rosters.auth import role_required
from rosters.extensions import db
from rosters.models import Role
from rosters.web import error_summary, plural


def supervision_session(session_id: int) -> ProgrammeSession:
    """A supervision session by id; a debrief is never reachable from these pages (404)."""
    session = db.get_or_404(ProgrammeSession, session_id)
    if session.kind != Kind.SUPERVISION.value:
        abort(404)
    return session


def back_to(session: ProgrammeSession) -> str:
    if session.series_id is not None:
        return url_for("supervision.show_series", series_id=session.series_id)
    return url_for("supervision.list_series")


@bp.route("/supervision/sessions/<int:session_id>/edit", methods=["GET", "POST"])
@role_required(Role.LEAD)
def edit_session(session_id: int):
    session = supervision_session(session_id)
    form = SessionEditForm(
        data={
            "date": session.date,
            "start_time": f"{session.starts_local:%H:%M}",
            "duration_minutes": session.duration_minutes,
            "capacity": effective_capacity(session),
            "location": session.location,
            "online_link": session.online_link,
        }
    )
    status = 200
    general: list[str] = []
    changeable = is_changeable(session)
    if changeable and form.validate_on_submit():
        outcome = perform(
            lambda: edit_occurrence(session, day=form.date.data, capacity=form.capacity.data, **when_and_where(form)),
            tell=lambda change: changes_told([change]),
            form=form,
            fields={"day": "date", "facilitator": "date"},
            fallback="date",
        )
        if outcome.done:
            change = outcome.result
            told = f" {plural(len(outcome.told), 'person', 'people')} told by e-mail." if outcome.told else ""
            flash(f"Session on {change.session.starts_local:%A %-d %B %Y} changed.{told}", "success")
            return redirect(back_to(change.session))
        status, general = outcome.status, outcome.general
        session = supervision_session(session_id)
        changeable = is_changeable(session)
    elif form.errors:
        status = 400
    return render_template(
        "programme/supervision/session_edit.html",
        form=form,
        errors=error_summary(form, general,
                             order=["date", "start_time", "duration_minutes", "capacity", "location", "online_link"]),
        session=session,
        changeable=changeable,
        back=back_to(session),
        waiting=waiting_on(session),
    ), status


@bp.route("/supervision/sessions/<int:session_id>/cancel", methods=["GET", "POST"])
@role_required(Role.LEAD)
def cancel_session(session_id: int):
    session = supervision_session(session_id)
    form = CancelSessionForm()
    status = 200
    general: list[str] = []
    changeable = is_changeable(session)
    if changeable and form.validate_on_submit():
        outcome = perform(lambda: cancel_programme_session(session, form.reason.data or ""),
                          tell=lambda affected: session_cancelled(session, affected), form=form, fallback="reason")
        if outcome.done:
            affected = outcome.result
            told = f" {plural(len(affected), 'person', 'people')} booked or waiting told by e-mail." if affected else ""
            flash(f"Session on {session.starts_local:%A %-d %B %Y} cancelled.{told}", "success")
            return redirect(back_to(session))
        status, general = outcome.status, outcome.general
        session = supervision_session(session_id)
        changeable = is_changeable(session)
    elif form.errors:
        status = 400
    return render_template(
        "programme/supervision/session_cancel.html",
        form=form,
        errors=error_summary(form, general),
        session=session,
        changeable=changeable,
        people=[b for b in session.bookings if b.is_live],
        back=back_to(session),
    ), status
