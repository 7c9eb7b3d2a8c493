"""Pages for leads to run supervision series, and for facilitators to take the register.

Views stay thin: form -> service -> commit -> e-mail -> redirect. E-mail goes only after the commit,
so nobody is told about a change that was rolled back.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any, TypeVar

from flask import Blueprint, abort, current_app, flash, redirect, render_template, url_for
from flask_login import current_user
from sqlalchemy import case, func
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import selectinload
from wtforms.fields.choices import SelectChoice

from programme import mail, notices
from programme.forms_series import (
    CancelSessionForm,
    SeriesEditForm,
    SeriesForm,
    SessionEditForm,
    parse_time,
    register_form,
)
from programme.models import (
    Booking,
    BookingStatus,
    Kind,
    Pattern,
    ProgrammeSession,
    SkippedDate,
    Status,
    SupervisionSeries,
)
from programme.services import (
    Change,
    Conflict,
    ProgrammeError,
    SeriesRequest,
    create_series,
    edit_future,
    edit_occurrence,
    effective_capacity,
    plan_series,
    record_register,
    suggest_facilitators,
    team_managers,
    training_valid_on,
)
from programme.services import cancel_session as cancel_programme_session
from rosters.auth import role_required
from rosters.clock import today_uk, utcnow
from rosters.extensions import db
from rosters.models import Course, Person, Role, Team, TrainingRecord

bp = Blueprint("series", __name__)

T = TypeVar("T")
BUSY = "Someone else changed this session at the same moment. Nothing was saved: check the details and try again."
UPCOMING_WEEKS = 12  # how far ahead a facilitator's list of sessions looks


# ---------------------------------------------------------------------------------------------
# Plumbing shared by the pages


def error_list(form, order: list[str] | None = None) -> list[dict]:
    """Every error of every field for the GOV.UK error summary (wtforms_errors shows one per field)."""
    names = order or list(form._fields)
    items = []
    for name in names:
        field = form[name]
        anchor = f"#{field.id}-day" if field.type == "UKDateField" else f"#{field.id}"
        items += [{"text": message, "href": anchor} for message in field.errors]
    return items


def attempt(action: Callable[[], T]) -> tuple[T | None, list[str], int]:
    """Run a service call and commit; on refusal roll back and return its problems, one per line."""
    try:
        result = action()
        db.session.commit()
    except Conflict as exc:
        db.session.rollback()
        return None, str(exc).splitlines(), 409
    except ProgrammeError as exc:
        db.session.rollback()
        return None, str(exc).splitlines(), 400
    except LookupError:
        db.session.rollback()
        abort(404)
    except (IntegrityError, OperationalError):
        # A constraint or the database lock refused a change made at the same moment by someone else.
        db.session.rollback()
        current_app.logger.warning("Session change refused by the database", exc_info=True)
        return None, [BUSY], 409
    return result, [], 200


def supervision_session(session_id: int) -> ProgrammeSession:
    session = db.get_or_404(ProgrammeSession, session_id)
    if session.kind != Kind.SUPERVISION.value:
        abort(404)
    return session


def facilitated_session(session_id: int) -> ProgrammeSession:
    """A supervision session the signed-in person facilitates; leads may open any. Others look unknown."""
    session = supervision_session(session_id)
    if not current_user.has_role(Role.LEAD) and session.facilitator_id != current_user.id:
        abort(404)
    return session


def is_changeable(session: ProgrammeSession) -> bool:
    return session.status == Status.SCHEDULED.value and session.starts_at > utcnow()


def plural(number: int, word: str, words: str | None = None) -> str:
    return f"{number} {word if number == 1 else (words or word + 's')}"


def change_messages(changes: list[Change]) -> list[mail.Message]:
    """Tell booked and waiting people what changed; people promoted get their own message instead."""
    messages = []
    for change in changes:
        promoted = {booking.person.email for booking in change.promoted}
        messages += [m for m in notices.session_changed(change.session, change.what) if m.to not in promoted]
        messages += [notices.promoted(booking) for booking in change.promoted]
    return messages


def waiting_counts(session_ids: list[int]) -> dict[int, int]:
    rows = db.session.execute(
        db.select(Booking.session_id, func.count())
        .where(Booking.session_id.in_(session_ids), Booking.status == BookingStatus.WAITLISTED.value)
        .group_by(Booking.session_id)
    ).all()
    return dict(rows)  # type: ignore[arg-type]


# ---------------------------------------------------------------------------------------------
# Leads: series


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
    return render_template("programme/series_list.html", everything=everything, upcoming=upcoming)


def team_choices() -> list[SelectChoice]:
    teams = db.session.scalars(db.select(Team).where(Team.active.is_(True)).order_by(Team.name)).all()
    return [SelectChoice("", "Choose a team")] + [SelectChoice(str(team.id), team.name) for team in teams]


def facilitator_choices(team: Team, first: dt.date, last: dt.date) -> tuple[list[SelectChoice], int | None]:
    """Suggested people, least loaded first, then other trained people with why they are not suggested.

    Others stay choosable so that a lead who picks one sees every reason it cannot work, date by date.
    Returns the choices and the least loaded person's id.
    """
    options = suggest_facilitators(team, first, last)
    choices = [SelectChoice("", "Choose a facilitator")]
    choices += [
        SelectChoice(str(o.person.id), f"{o.person.name} – {plural(o.load, 'session')} in this period")
        for o in options
    ]
    suggested = {o.person.id for o in options}
    managers = {manager.id for manager in team_managers(team)}
    others = db.session.scalars(
        db.select(Person)
        .where(
            Person.enabled.is_(True),
            Person.id.in_(db.select(TrainingRecord.person_id).where(TrainingRecord.course == Course.PEER_SUPERVISION.value)),
        )
        .order_by(Person.name)
    ).all()
    for person in others:
        if person.id in suggested:
            continue
        if person.id in managers:
            why = f"manages {team.name}"
        elif not training_valid_on(person, Course.PEER_SUPERVISION, first):
            why = f"training not valid on {first:%-d %B %Y}"
        else:
            why = "training not valid on every date of the series"
        choices.append(SelectChoice(str(person.id), f"{person.name} – not suggested: {why}"))
    return choices, (options[0].person.id if options else None)


def problem_field(problem: str, facilitator: Person | None) -> str:
    """The field a problem from plan_series is about, so the error summary can link to it."""
    if facilitator is not None and problem.startswith(facilitator.name + " "):
        return "facilitator"
    text = problem.lower()
    for words, field in (
        ("place or an online link", "location"),
        ("first date", "first_date"),
        ("last date", "last_date"),
        ("18 months", "last_date"),
        ("does not exist", "start_time"),
        ("active team", "team"),
        ("pattern gives no dates", "pattern"),
    ):
        if words in text:
            return field
    return "facilitator"


def series_request(form: SeriesForm, team: Team, facilitator: Person) -> SeriesRequest:
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
                series, problems, status = attempt(lambda: create_series(wanted))
                if series is not None:
                    flash(
                        f"Supervision series created for {team.name}: {plural(len(series.sessions), 'session')}"
                        + (f", {plural(len(series.skipped), 'bank holiday')} skipped" if series.skipped else "")
                        + ".",
                        "success",
                    )
                    return redirect(url_for("series.show_series", series_id=series.id))
                plan = plan_series(wanted)  # shown again, so the lead sees what "Create series" would make
            else:
                changed_since_check = bool(form.confirm.data)
                plan = plan_series(wanted)
                problems = list(dict.fromkeys(plan.problems))
            for problem in problems:
                form[problem_field(problem, facilitator)].errors.append(problem)
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
        "programme/series_new.html",
        form=form,
        errors=error_list(form, order=SERIES_ORDER),
        plan=plan,
        facilitators_shown=facilitators_shown,
        changed_since_check=changed_since_check,
    ), status


SERIES_ORDER = [
    "team", "pattern", "interval_weeks", "week_of_month", "weekday", "first_date", "last_date", "start_time",
    "duration_minutes", "capacity", "location", "online_link", "facilitator",
]


def series_or_404(series_id: int) -> SupervisionSeries:
    return db.get_or_404(SupervisionSeries, series_id)


@bp.get("/supervision/series/<int:series_id>")
@role_required(Role.LEAD)
def show_series(series_id: int):
    series = series_or_404(series_id)
    waiting = waiting_counts([s.id for s in series.sessions])
    # One list in date order: sessions, and the bank holidays the pattern skipped.
    timeline: list[tuple[dt.date, ProgrammeSession | None, SkippedDate | None]] = [
        (s.date, s, None) for s in series.sessions
    ]
    timeline += [(skip.date, None, skip) for skip in series.skipped]
    timeline.sort(key=lambda row: (row[0], row[1].starts_at if row[1] else dt.datetime.min))
    return render_template(
        "programme/series_show.html",
        series=series,
        timeline=timeline,
        waiting=waiting,
        is_changeable=is_changeable,
        capacity_of=effective_capacity,
    )


@bp.route("/supervision/series/<int:series_id>/edit", methods=["GET", "POST"])
@role_required(Role.LEAD)
def edit_series(series_id: int):
    series = series_or_404(series_id)
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
    if form.validate_on_submit():
        changes, problems, status = attempt(
            lambda: edit_future(
                series,
                start=parse_time(form.start_time.data),  # type: ignore[arg-type]
                duration_minutes=form.duration_minutes.data,
                capacity=form.capacity.data,
                location=form.location.data or "",
                online_link=form.online_link.data or "",
                from_date=today_uk(),
            )
        )
        if changes is not None:
            messages = change_messages(changes)
            mail.send(messages)
            flash(
                f"{plural(len(changes), 'future session')} changed. "
                f"{plural(len(messages), 'person', 'people')} booked or waiting {'was' if len(messages) == 1 else 'were'} "
                "told by e-mail.",
                "success",
            )
            return redirect(url_for("series.show_series", series_id=series.id))
        for problem in problems:
            form[edit_problem_field(problem, form)].errors.append(problem)
    elif form.errors:
        status = 400
    return render_template(
        "programme/series_edit.html", form=form, errors=error_list(form), series=series, future=future
    ), status


def edit_problem_field(problem: str, form) -> str:
    """The field a problem from edit_occurrence or edit_future is about."""
    text = problem.lower()
    if "place or an online link" in text:
        return "location"
    if "capacity" in text:
        return "capacity"
    if "does not exist" in text or "already facilitates" in text:
        return "start_time"
    return "date" if "date" in form._fields else "start_time"


# ---------------------------------------------------------------------------------------------
# Leads: one session


def back_to(session: ProgrammeSession) -> str:
    if session.series_id is not None:
        return url_for("series.show_series", series_id=session.series_id)
    return url_for("series.list_series")


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
    changeable = is_changeable(session)
    if changeable and form.validate_on_submit():
        change, problems, status = attempt(
            lambda: edit_occurrence(
                session,
                day=form.date.data,
                start=parse_time(form.start_time.data),  # type: ignore[arg-type]
                duration_minutes=form.duration_minutes.data,
                capacity=form.capacity.data,
                location=form.location.data or "",
                online_link=form.online_link.data or "",
            )
        )
        if change is not None:
            messages = change_messages([change])
            mail.send(messages)
            told = f" {plural(len(messages), 'person', 'people')} told by e-mail." if messages else ""
            flash(f"Session on {change.session.starts_local:%A %-d %B %Y} changed.{told}", "success")
            return redirect(back_to(change.session))
        session = supervision_session(session_id)
        changeable = is_changeable(session)
        for problem in problems:
            form[edit_problem_field(problem, form)].errors.append(problem)
    elif form.errors:
        status = 400
    return render_template(
        "programme/series_session_edit.html",
        form=form,
        errors=error_list(form, order=["date", "start_time", "duration_minutes", "capacity", "location", "online_link"]),
        session=session,
        changeable=changeable,
        back=back_to(session),
        waiting=waiting_counts([session.id]).get(session.id, 0),
    ), status


@bp.route("/supervision/sessions/<int:session_id>/cancel", methods=["GET", "POST"])
@role_required(Role.LEAD)
def cancel_session(session_id: int):
    session = supervision_session(session_id)
    form = CancelSessionForm()
    status = 200
    changeable = is_changeable(session)
    if changeable and form.validate_on_submit():
        affected, problems, status = attempt(lambda: cancel_programme_session(session, form.reason.data or ""))
        if affected is not None:
            session = supervision_session(session_id)
            mail.send(notices.session_cancelled(session, affected))
            told = f" {plural(len(affected), 'person', 'people')} booked or waiting told by e-mail." if affected else ""
            flash(f"Session on {session.starts_local:%A %-d %B %Y} cancelled.{told}", "success")
            return redirect(back_to(session))
        session = supervision_session(session_id)
        changeable = is_changeable(session)
        form.reason.errors.extend(problems)
    elif form.errors:
        status = 400
    people = [b for b in session.bookings if b.status in (BookingStatus.BOOKED, BookingStatus.WAITLISTED)]
    return render_template(
        "programme/series_session_cancel.html",
        form=form,
        errors=error_list(form),
        session=session,
        changeable=changeable,
        people=people,
        back=back_to(session),
    ), status


# ---------------------------------------------------------------------------------------------
# Facilitators


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
        "programme/register_sessions.html",
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
    started = session.starts_at <= utcnow()
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
    if open_register and form.validate_on_submit():
        result, problems, status = attempt(
            lambda: record_register(
                session.id,
                form.attendance(),
                outcome=form.outcome.data,
                others=form.others.data or 0,
                reason=form.reason.data or "",
            )
        )
        if result is not None:
            if result.status == Status.DELIVERED.value:
                flash(
                    f"Register saved for {result.team.name} on {result.starts_local:%-d %B %Y}: "
                    f"{plural(result.attendees or 0, 'person', 'people')} attended.",
                    "success",
                )
            else:
                flash(f"Saved: {result.team.name}'s session on {result.starts_local:%-d %B %Y} did not go ahead.", "success")
            return redirect(url_for("series.my_sessions"))
        form.outcome.errors.extend(problems)
    elif form.errors:
        status = 400
    order = [name for _, name in form.booking_fields] + ["others", "outcome", "reason"]
    return render_template(
        "programme/register_take.html",
        form=form,
        errors=error_list(form, order=order),
        session=session,
        started=started,
        open_register=open_register,
        waiting=waiting_counts([session.id]).get(session.id, 0),
    ), status
