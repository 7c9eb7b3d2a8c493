"""Leads' pages for supervision series: the list, a new series (checked, then created), one series, and
changing every future session of it."""

from __future__ import annotations

import datetime as dt

from flask import abort, current_app, flash, redirect, render_template, url_for
from sqlalchemy import case, func
from sqlalchemy.orm import selectinload
from wtforms.fields.choices import SelectChoice

from programme.fields import parse_time, when_and_where
from programme.models import Pattern, ProgrammeSession, SkippedDate, Status, SupervisionSeries
from programme.supervision.blueprint import bp
from programme.supervision.facilitators import suggest_facilitators, why_not_suggested
from programme.supervision.forms import SERIES_ORDER, SeriesEditForm, SeriesForm
from programme.supervision.notices import changes_told
from programme.supervision.places import effective_capacity, waiting_counts
from programme.supervision.series import SeriesRequest, create_series, edit_future, is_changeable, plan_series
from rosters.actions import perform, place_problems
from rosters.auth import role_required
from rosters.clock import today_uk, utcnow
from rosters.extensions import db
from rosters.models import Course, Person, Role, Team
from rosters.services import people_trained_in
from rosters.web import error_summary, plural


@bp.get("/supervision/series")
@role_required(Role.LEAD)
def list_series():
    everything = db.session.scalars(
        db.select(SupervisionSeries)
        .join(Team, Team.id == SupervisionSeries.team_id)
        .options(selectinload(SupervisionSeries.team), selectinload(SupervisionSeries.facilitator))
        .order_by(Team.name, SupervisionSeries.first_date)
    ).all()
    default = current_app.config["DEFAULT_SESSION_CAPACITY"]
    rows = db.session.execute(
        db.select(
            ProgrammeSession.series_id,
            func.min(ProgrammeSession.date),
            func.sum(ProgrammeSession.booked_count),
            func.sum(case((ProgrammeSession.capacity.is_(None), default), else_=ProgrammeSession.capacity)),
        )
        .where(
            ProgrammeSession.series_id.is_not(None),
            ProgrammeSession.status == Status.SCHEDULED.value,
            ProgrammeSession.starts_at > utcnow(),
        )
        .group_by(ProgrammeSession.series_id)
    ).all()
    upcoming = {series_id: (next_date, booked, places) for series_id, next_date, booked, places in rows}
    return render_template("programme/supervision/series_list.html", everything=everything, upcoming=upcoming)


def team_choices() -> list[SelectChoice]:
    teams = db.session.scalars(db.select(Team).where(Team.active.is_(True)).order_by(Team.name)).all()
    return [SelectChoice("", "Choose a team")] + [SelectChoice(str(team.id), team.name) for team in teams]


def facilitator_choices(team: Team, first: dt.date, last: dt.date) -> tuple[list[SelectChoice], int | None]:
    """Suggested people, least loaded first, then other trained people with why they are not suggested.

    Others stay choosable so that a lead who picks one sees every reason it cannot work, date by date.
    Returns the choices and the least loaded person's id.
    """
    options = suggest_facilitators(team, first, last)
    suggested = {o.person.id for o in options}
    choices = [SelectChoice("", "Choose a facilitator")]
    choices += [
        SelectChoice(str(o.person.id), f"{o.person.name} – {plural(o.load, 'session')} in this period")
        for o in options
    ]
    choices += [
        SelectChoice(str(person.id), f"{person.name} – not suggested: {why_not_suggested(person, team, first)}")
        for person in people_trained_in(Course.PEER_SUPERVISION) if person.id not in suggested
    ]
    return choices, (options[0].person.id if options else None)


def series_request(form: SeriesForm, team: Team, facilitator) -> SeriesRequest:
    return SeriesRequest(
        team=team,
        facilitator=facilitator,
        pattern=form.pattern.data,
        weekday=form.weekday.data,
        first_date=form.first_date.data,
        last_date=form.last_date.data,
        start_time=parse_time(form.start_time.data),  # type: ignore[arg-type]
        duration_minutes=form.duration_minutes.data,
        capacity=form.capacity.data,
        interval_weeks=form.interval_weeks.data if form.pattern.data == Pattern.EVERY_N_WEEKS else None,
        week_of_month=form.week_of_month.data if form.pattern.data == Pattern.NTH_WEEKDAY_MONTHLY else None,
        location=form.location.data or "",
        online_link=form.online_link.data or "",
    )


@bp.route("/supervision/series/new", methods=["GET", "POST"])
@role_required(Role.LEAD)
def new_series():
    """Two steps on one page: check the dates and facilitators, then create the series."""
    form = SeriesForm()
    form.team.choices = team_choices()
    plan = None
    general: list[str] = []
    facilitators_shown = False
    changed_since_check = False
    status = 200
    if form.validate_on_submit():
        team = db.session.get(Team, form.team.data)
        if team is None or not team.active:
            abort(400)
        choices, least_loaded = facilitator_choices(team, form.first_date.data, form.last_date.data)
        form.facilitator.choices = choices
        facilitators_shown = True
        if form.facilitator.data is None and least_loaded is not None and not form.confirm.data:
            form.facilitator.data = least_loaded
        allowed = {int(choice.value) for choice in choices if choice.value}
        facilitator = db.session.get(Person, form.facilitator.data) if form.facilitator.data in allowed else None
        if facilitator is None:
            if form.confirm.data or form.facilitator.data is not None:
                form.facilitator.errors = ["Select a facilitator from the list"]
            elif not allowed:
                form.facilitator.errors = ["No one has valid reflexive peer-group supervision training on the first date"]
        else:
            wanted = series_request(form, team, facilitator)
            if form.confirm.data and form.checked.data == form.fingerprint():
                outcome = perform(lambda: create_series(wanted), form=form)
                if outcome.done:
                    series = outcome.result
                    flash(
                        f"Supervision series created for {team.name}: {plural(len(series.sessions), 'session')}"
                        + (f", {plural(len(series.skipped), 'bank holiday')} skipped" if series.skipped else "")
                        + ".",
                        "success",
                    )
                    return redirect(url_for("supervision.show_series", series_id=series.id))
                status, general = outcome.status, outcome.general
                plan = plan_series(wanted)  # shown again, so the lead sees what "Create series" would make
            else:
                changed_since_check = bool(form.confirm.data)
                plan = plan_series(wanted)
                general = place_problems(plan.problems, form)
            form.checked.data = form.fingerprint()
    elif form.is_submitted() and form.team.data is not None and form.first_date.data and form.last_date.data:
        # Keep the facilitator list (and what was chosen) while other fields are corrected.
        team = db.session.get(Team, form.team.data)
        if team is not None and form.first_date.data <= form.last_date.data:
            form.facilitator.choices, _ = facilitator_choices(team, form.first_date.data, form.last_date.data)
            facilitators_shown = True
    if form.errors:
        status = status if status != 200 else 400
    return render_template(
        "programme/supervision/series_new.html",
        form=form,
        errors=error_summary(form, general, order=SERIES_ORDER),
        plan=plan,
        facilitators_shown=facilitators_shown,
        changed_since_check=changed_since_check,
    ), status


@bp.get("/supervision/series/<int:series_id>")
@role_required(Role.LEAD)
def show_series(series_id: int):
    series = db.get_or_404(SupervisionSeries, series_id)
    waiting = waiting_counts([s.id for s in series.sessions])
    # One list in date order: sessions, and the bank holidays the pattern skipped.
    timeline: list[tuple[dt.date, ProgrammeSession | None, SkippedDate | None]] = [
        (s.date, s, None) for s in series.sessions
    ]
    timeline += [(skip.date, None, skip) for skip in series.skipped]
    timeline.sort(key=lambda row: (row[0], row[1].starts_at if row[1] else dt.datetime.min))
    return render_template(
        "programme/supervision/series_show.html",
        series=series,
        timeline=timeline,
        waiting=waiting,
        is_changeable=is_changeable,
        capacity_of=effective_capacity,
    )


@bp.route("/supervision/series/<int:series_id>/edit", methods=["GET", "POST"])
@role_required(Role.LEAD)
def edit_series(series_id: int):
    series = db.get_or_404(SupervisionSeries, series_id)
    future = [s for s in series.sessions if is_changeable(s)]
    form = SeriesEditForm(
        data={
            "start_time": f"{series.start_time:%H:%M}",
            "duration_minutes": series.duration_minutes,
            "capacity": series.capacity,
            "location": series.location,
            "online_link": series.online_link,
        }
    )
    status = 200
    general: list[str] = []
    if form.validate_on_submit():
        outcome = perform(
            lambda: edit_future(series, capacity=form.capacity.data, from_date=today_uk(), **when_and_where(form)),
            tell=changes_told,
            form=form,
            fields={"facilitator": "start_time"},
            fallback="start_time",
        )
        if outcome.done:
            told = len(outcome.told)
            flash(
                f"{plural(len(outcome.result), 'future session')} changed. "
                f"{plural(told, 'person', 'people')} booked or waiting {'was' if told == 1 else 'were'} "
                "told by e-mail.",
                "success",
            )
            return redirect(url_for("supervision.show_series", series_id=series.id))
        status, general = outcome.status, outcome.general
    elif form.errors:
        status = 400
    return render_template(
        "programme/supervision/series_edit.html", form=form, errors=error_summary(form, general), series=series,
        future=future,
    ), status
