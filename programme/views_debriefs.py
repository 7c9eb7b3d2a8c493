"""Pages for critical-incident debriefs: asking, triage, an independent chair, the session log, follow-up.

Only programme leads and the assigned chair see a debrief (anyone else gets 404, as if it did not
exist); participants see only their own invitation on "Your debriefs". Every view of a request and
every change is written to the audit trail. E-mail goes only after the commit, and subjects hold no
names.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import TypeVar

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from sqlalchemy.orm import selectinload
from wtforms.fields.choices import SelectChoice

from programme import mail
from programme.debrief_services import (
    Arrangement,
    ChairOption,
    DebriefAsk,
    SessionLog,
    accept_request,
    arrange_session,
    can_view,
    chair_options,
    deadlines,
    decline_request,
    invitations_for,
    record_follow_up,
    request_debrief,
    working_days_after,
)
from programme.debrief_services import log_session as log_debrief_session
from programme.forms_debriefs import (
    AcceptForm,
    ArrangeForm,
    DebriefRequestForm,
    DeclineForm,
    FollowUpForm,
    SessionLogForm,
)
from programme.forms_series import UKDateField, parse_time
from programme.models import DebriefRequest, FollowUp, IncidentCategory, RequestStatus, Status
from programme.services import Conflict, NotAllowed, ProgrammeError
from rosters import audit
from rosters.auth import role_required
from rosters.bounds import parse_iso_date
from rosters.clock import today_uk, utcnow
from rosters.extensions import db
from rosters.models import Person, Role, Team

bp = Blueprint("debriefs", __name__)

T = TypeVar("T")

WHAT_IT_IS = (
    "A debrief is reflective support focused on your experience of the incident. It is never about "
    "decisions on a child or family. What you share is at your discretion and no formal minutes are kept. "
    "It is not therapy and does not replace it."
)
SUPPORT_NOW = (
    "If you need support now, speak to your manager or contact your employee assistance programme, "
    "occupational health or your GP."
)
STATUS_TAGS = {
    "requested": "govuk-tag--blue",
    "accepted": "govuk-tag--light-blue",
    "declined": "govuk-tag--grey",
    "scheduled": "govuk-tag--purple",
    "delivered": "govuk-tag--green",
    "closed": "govuk-tag--grey",
}


# ---------------------------------------------------------------------------------------------
# Plumbing


def error_list(form, general: list[str] | None = None) -> list[dict]:
    """Every error of every field, linked to the field, then problems that belong to no one field."""
    items = [{"text": text} for text in general or []]
    for field in form._fields.values():
        anchor = f"#{field.id}-day" if isinstance(field, UKDateField) else f"#{field.id}"
        items += [{"text": message, "href": anchor} for message in field.errors]
    return items


def place_problems(form, problems: list[str], rules: list[tuple[str, str]], fallback: str | None) -> list[str]:
    """Put each service problem on the field it is about (by its words); return those that fit none."""
    general = []
    for problem in problems:
        text = problem.lower()
        field = next((name for words, name in rules if words in text), fallback)
        if field is None:
            general.append(problem)
        else:
            form[field].errors.append(problem)
    return general


def attempt(action: Callable[[], T]) -> tuple[T | None, list[str], int]:
    """Run a service call and commit; on refusal roll back and return its problems, one per line."""
    try:
        result = action()
        db.session.commit()
    except NotAllowed:
        db.session.rollback()
        abort(403)
    except Conflict as exc:
        db.session.rollback()
        return None, str(exc).splitlines(), 409
    except ProgrammeError as exc:
        db.session.rollback()
        return None, str(exc).splitlines(), 400
    return result, [], 200


def visible_request(request_id: int) -> DebriefRequest:
    """A request the signed-in person may see; to anyone else it does not exist."""
    item = db.get_or_404(DebriefRequest, request_id)
    if not can_view(current_user, item):
        abort(404)
    return item


def me() -> Person:
    """The signed-in Person itself, not the proxy, for services that store it on a row."""
    return current_user._get_current_object()


def lead_only() -> None:
    """The chair may see the request, but triage and arranging are for leads."""
    if not current_user.has_role(Role.LEAD):
        abort(403)


def link(endpoint: str, **values) -> str:
    return current_app.config["BASE_URL"] + url_for(endpoint, **values)


def when(item: DebriefRequest) -> str:
    session = item.session
    return f"{session.starts_local:%A %-d %B %Y, %H:%M} to {session.ends_local:%H:%M}" if session else ""


def where(item: DebriefRequest) -> str:
    session = item.session
    parts = []
    if session is not None and session.location:
        parts.append(f"Place: {session.location}")
    if session is not None and session.online_link:
        parts.append(f"Online: {session.online_link}")
    return "\n".join(parts)


# ---------------------------------------------------------------------------------------------
# Asking for a debrief (anyone signed in)


def request_form_choices(form: DebriefRequestForm) -> None:
    managers = db.session.scalars(
        db.select(Person)
        .where(Person.role == Role.MANAGER.value, Person.enabled.is_(True), Person.id != current_user.id)
        .order_by(Person.name)
    ).all()
    placeholder = "Choose your manager" if not current_user.has_role(Role.MANAGER, Role.LEAD) else "None – I am a manager"
    form.manager.choices = [SelectChoice("", placeholder)] + [SelectChoice(str(m.id), m.name) for m in managers]
    teams = db.session.scalars(db.select(Team).where(Team.active.is_(True)).order_by(Team.name)).all()
    form.affected_teams.choices = [SelectChoice(str(t.id), t.name) for t in teams]
    # Only colleagues in the teams ticked (and anyone already chosen), so the list stays short.
    team_ids = set(form.affected_teams.data or [])
    chosen = set(form.invite_people.data or [])
    colleagues = db.session.execute(
        db.select(Person, Team.name)
        .join(Team, Team.id == Person.team_id)
        .where(
            Person.enabled.is_(True),
            Person.id != current_user.id,
            db.or_(Person.team_id.in_(team_ids), Person.id.in_(chosen)),
        )
        .order_by(Team.name, Person.name)
    ).all()
    form.invite_people.choices = [SelectChoice(str(p.id), f"{p.name} ({team})") for p, team in colleagues]


REQUEST_RULES = [
    ("incident date", "incident_date"),
    ("date of the incident", "incident_date"),
    ("within the last year", "incident_date"),
    ("kind of incident", "incident_category"),
    ("individual, group or either", "preferred_format"),
    ("manager", "manager"),
    ("arrangements", "arrangements"),
    ("e-mail address", "partner_emails"),
    ("agency", "partner_emails"),
]


def new_request_messages(item: DebriefRequest) -> list[mail.Message]:
    """Tell every lead a request is waiting; nothing about who asked or what happened."""
    leads = db.session.scalars(
        db.select(Person).where(Person.role == Role.LEAD.value, Person.enabled.is_(True))
    ).all()
    body = (
        "A request for a critical-incident debrief is waiting for triage.\n\n"
        f"See it at {link('debriefs.show_request', request_id=item.id)}"
    )
    return [mail.Message(lead.email, "A debrief request is waiting", body) for lead in leads]


@bp.route("/debriefs/request", methods=["GET", "POST"])
@login_required
def new_request():
    form = DebriefRequestForm()
    if request.method == "GET" and current_user.team is not None and current_user.team.active:
        form.affected_teams.data = [current_user.team_id]
    request_form_choices(form)
    status = 200
    general: list[str] = []
    if form.refresh.data:
        pass  # only the colleague list changes; nothing is checked or sent yet
    elif form.validate_on_submit():
        teams = [db.session.get(Team, team_id) for team_id in form.affected_teams.data or []]
        people = [db.session.get(Person, person_id) for person_id in form.invite_people.data or []]
        manager = db.session.get(Person, form.manager.data) if form.manager.data is not None else None
        ask = DebriefAsk(
            incident_date=form.incident_date.data,
            incident_category=form.incident_category.data,
            preferred_format=form.preferred_format.data,
            manager=manager,
            affected_teams=[t for t in teams if t is not None],
            # Colleagues coming to the session are involved in the case, so they cannot chair it.
            involved=[p for p in people if p is not None],
            invite_people=[p for p in people if p is not None],
            invite_emails=form.partner_list(),
            arrangements=form.arrangements.data or "",
        )

        def ask_for() -> DebriefRequest:
            item = request_debrief(me(), ask)
            audit.record("debrief_requested", item)
            return item

        item, problems, status = attempt(ask_for)
        if item is not None:
            mail.send(new_request_messages(item))
            return redirect(url_for("debriefs.request_sent", request_id=item.id))
        general = place_problems(form, problems, REQUEST_RULES, None)
    elif form.is_submitted():
        status = 400
    return render_template(
        "programme/debrief_request.html",
        form=form,
        errors=error_list(form, general),
        what_it_is=WHAT_IT_IS,
        support_now=SUPPORT_NOW,
    ), status


@bp.get("/debriefs/request/<int:request_id>/sent")
@login_required
def request_sent(request_id: int):
    """The confirmation page, for the person who asked only."""
    item = db.get_or_404(DebriefRequest, request_id)
    if item.requested_by_id != current_user.id:
        abort(404)
    config = current_app.config
    return render_template(
        "programme/debrief_sent.html",
        item=item,
        due=deadlines(item),
        offer_days=config["DEBRIEF_OFFER_WORKING_DAYS"],
        session_days=config["DEBRIEF_SESSION_WORKING_DAYS"],
        support_now=SUPPORT_NOW,
    )


@bp.get("/debriefs/mine")
@login_required
def mine():
    """The person's own requests and invitations: only what concerns them."""
    own = db.session.scalars(
        db.select(DebriefRequest)
        .where(DebriefRequest.requested_by_id == current_user.id)
        .order_by(DebriefRequest.requested_at.desc())
    ).all()
    invitations = invitations_for(current_user)
    return render_template(
        "programme/debrief_mine.html", own=own, invitations=invitations, now=utcnow(), support_now=SUPPORT_NOW,
        tags=STATUS_TAGS,
    )


# ---------------------------------------------------------------------------------------------
# Leads: every request


@bp.get("/debriefs")
@role_required(Role.LEAD)
def list_requests():
    wanted = request.args.get("status", "")
    query = (
        db.select(DebriefRequest)
        .options(selectinload(DebriefRequest.session), selectinload(DebriefRequest.affected_teams))
        .order_by(DebriefRequest.requested_at.desc(), DebriefRequest.id.desc())
    )
    if wanted in tuple(s.value for s in RequestStatus):
        query = query.where(DebriefRequest.status == wanted)
    else:
        wanted = ""
    rows = [(item, deadlines(item)) for item in db.session.scalars(query)]
    # Overdue ones first; within each group, newest first (the sort is stable).
    rows.sort(key=lambda row: not (row[1].offer_overdue or row[1].session_overdue))
    audit.record("debrief_list_viewed", detail=f"status={wanted}" if wanted else "")
    db.session.commit()
    return render_template(
        "programme/debrief_list.html", rows=rows, wanted=wanted, statuses=list(RequestStatus), tags=STATUS_TAGS
    )


@bp.get("/debriefs/chairing")
@role_required(Role.FACILITATOR, Role.LEAD)
def chairing():
    """The debriefs the signed-in person is assigned to chair."""
    items = db.session.scalars(
        db.select(DebriefRequest)
        .where(DebriefRequest.facilitator_id == current_user.id)
        .options(selectinload(DebriefRequest.session))
        .order_by(DebriefRequest.requested_at.desc())
    ).all()
    return render_template("programme/debrief_chairing.html", items=items, tags=STATUS_TAGS)


# ---------------------------------------------------------------------------------------------
# One request: view, triage, chair and session


def default_day(item: DebriefRequest) -> dt.date:
    """The date chairs are first shown for: the arranged session's, else the next working day."""
    if item.session is not None:
        return item.session.date
    return working_days_after(today_uk(), 1)


def arrange_form_for(item: DebriefRequest, day: dt.date | None = None) -> ArrangeForm:
    """The arrange form pre-filled from the arranged session, or from the request."""
    session = item.session
    if request.method == "POST" and request.endpoint == "debriefs.arrange":
        form = ArrangeForm()
    elif session is not None:
        form = ArrangeForm(
            formdata=None,
            data={
                "day": session.date, "start_time": f"{session.starts_local:%H:%M}",
                "duration_minutes": session.duration_minutes, "format": session.format,
                "location": session.location, "online_link": session.online_link, "chair": session.facilitator_id,
            },
        )
    else:
        preferred = item.preferred_format if item.preferred_format in ("individual", "group") else None
        form = ArrangeForm(formdata=None, data={"day": day or default_day(item), "format": preferred})
    return form


def chair_choices(form: ArrangeForm, item: DebriefRequest) -> list[ChairOption]:
    """Fill the chair radios for the form's date; return every option (ineligible ones are shown, not chosen)."""
    day = form.day.data or default_day(item)
    options = chair_options(item, day)
    form.chair.choices = [SelectChoice(str(o.person.id), o.person.name) for o in options if o.eligible]
    eligible = [o for o in options if o.eligible]
    if form.chair.data is None and eligible and not form.confirm.data:
        form.chair.data = eligible[0].person.id  # least loaded first
    return options


def follow_up_state(item: DebriefRequest) -> tuple[dt.date | None, bool]:
    """The follow-up due date while one is pending, and whether it is past."""
    if item.follow_up != FollowUp.PENDING.value or item.follow_up_due_on is None:
        return None, False
    return item.follow_up_due_on, today_uk() > item.follow_up_due_on


def render_show(item: DebriefRequest, status: int = 200, *, errors: list[dict] | None = None, **forms):
    """The request page; every rendering is a view of the request, so it is audited."""
    is_lead = current_user.has_role(Role.LEAD)
    options: list[ChairOption] = []
    arrange = forms.get("arrange")
    can_arrange = is_lead and item.status in (RequestStatus.ACCEPTED.value, RequestStatus.SCHEDULED.value) and (
        item.session is None or item.session.status == Status.SCHEDULED.value
    )
    if can_arrange:
        if arrange is None:
            day = None
            if request.args.get("day"):
                try:
                    day = parse_iso_date(request.args["day"], "day")
                except ValueError:
                    day = None  # an address edited by hand: show the usual first date instead
            arrange = arrange_form_for(item, day)
        options = chair_choices(arrange, item)
    due_on, due_overdue = follow_up_state(item)
    session = item.session
    audit.record("debrief_viewed", item)
    db.session.commit()
    return render_template(
        "programme/debrief_show.html",
        item=item,
        due=deadlines(item),
        is_lead=is_lead,
        is_chair=item.facilitator_id == current_user.id,
        accept=forms.get("accept") or AcceptForm(formdata=None),
        decline=forms.get("decline") or DeclineForm(formdata=None),
        arrange=arrange,
        can_arrange=can_arrange,
        options=options,
        follow_up=forms.get("follow_up") or FollowUpForm(formdata=None),
        follow_up_due=due_on,
        follow_up_overdue=due_overdue,
        can_log=session is not None and session.status == Status.SCHEDULED.value,
        started=session is not None and session.starts_at <= utcnow(),
        errors=errors or [],
        tags=STATUS_TAGS,
        categories=IncidentCategory,
    ), status


@bp.get("/debriefs/<int:request_id>")
@login_required
def show_request(request_id: int):
    return render_show(visible_request(request_id))


@bp.post("/debriefs/<int:request_id>/accept")
@login_required
def accept(request_id: int):
    item = visible_request(request_id)
    lead_only()
    form = AcceptForm()
    if not form.validate_on_submit():
        abort(400)

    def do() -> None:
        accept_request(item, me())
        audit.record("debrief_accepted", item)

    _, problems, status = attempt(do)
    if problems:
        return render_show(item, status, errors=[{"text": p} for p in problems])
    mail.send([triaged_message(item)])
    flash("Request accepted. Choose a chair and arrange the session.", "success")
    return redirect(url_for("debriefs.show_request", request_id=item.id))


def triaged_message(item: DebriefRequest) -> mail.Message:
    return mail.Message(
        item.requested_by.email,
        "Your debrief request has been reviewed",
        "Your request for a critical-incident debrief has been reviewed by a programme lead.\n\n"
        f"See where it stands at {link('debriefs.mine')}\n\n{SUPPORT_NOW}",
    )


@bp.post("/debriefs/<int:request_id>/decline")
@login_required
def decline(request_id: int):
    item = visible_request(request_id)
    lead_only()
    form = DeclineForm()
    if not form.validate_on_submit():
        return render_show(item, 400, errors=error_list(form), decline=form)

    def do() -> None:
        decline_request(item, me(), form.reason.data or "")
        audit.record("debrief_declined", item)

    _, problems, status = attempt(do)
    if problems:
        for problem in problems:
            form.reason.errors.append(problem)
        return render_show(item, status, errors=error_list(form), decline=form)
    mail.send([triaged_message(item)])
    flash("Request declined. The person who asked can see your reason.", "success")
    return redirect(url_for("debriefs.show_request", request_id=item.id))


ARRANGE_RULES = [
    ("session date", "day"),
    ("before the incident", "day"),
    ("individual or group", "format"),
    ("length", "duration_minutes"),
    ("does not exist", "start_time"),
    ("place or an online link", "location"),
    ("chair", "chair"),
    ("training", "chair"),
]


def session_messages(item: DebriefRequest) -> list[mail.Message]:
    """Every invitation address (people on the roster and partner colleagues) and the chair."""
    body = (
        "You are invited to a critical-incident debrief.\n\n"
        f"When: {when(item)}\n{where(item)}\n\n{WHAT_IT_IS}\n\n{SUPPORT_NOW}"
    )
    subject = f"Debrief session on {item.session.starts_local:%-d %B}"
    messages = [mail.Message(invitation.address, subject, body) for invitation in item.invitations if invitation.address]
    if item.facilitator is not None:
        messages.append(mail.Message(
            item.facilitator.email,
            f"You are chairing a debrief on {item.session.starts_local:%-d %B}",
            f"You are the chair of a critical-incident debrief.\n\nWhen: {when(item)}\n{where(item)}\n\n"
            f"The details are at {link('debriefs.show_request', request_id=item.id)}",
        ))
    return messages


@bp.post("/debriefs/<int:request_id>/arrange")
@login_required
def arrange(request_id: int):
    item = visible_request(request_id)
    lead_only()
    form = arrange_form_for(item)
    if form.check.data:
        # Only the date matters for showing chairs; other fields are corrected when arranging.
        form.validate()
        for name, field in form._fields.items():
            if name not in ("day", "csrf_token"):
                field.errors = []
        return render_show(item, 400 if form.day.errors else 200, errors=error_list(form), arrange=form)
    if not form.validate_on_submit():
        return render_show(item, 400, errors=error_list(form), arrange=form)
    if form.chair.data is None:
        form.chair.errors = ["Select a chair"]
        return render_show(item, 400, errors=error_list(form), arrange=form)
    chair = db.session.get(Person, form.chair.data)
    if chair is None:
        abort(400)
    plan = Arrangement(
        facilitator=chair,
        day=form.day.data,
        start=parse_time(form.start_time.data),  # type: ignore[arg-type]
        duration_minutes=form.duration_minutes.data,
        format=form.format.data,
        location=form.location.data or "",
        online_link=form.online_link.data or "",
    )
    rearranging = item.session is not None

    def do():
        session = arrange_session(item, plan)
        audit.record("debrief_session_rearranged" if rearranging else "debrief_session_arranged", item)
        return session

    session, problems, status = attempt(do)
    if session is None:
        db.session.refresh(item)
        general = place_problems(form, problems, ARRANGE_RULES, None)
        return render_show(item, status, errors=error_list(form, general), arrange=form)
    messages = session_messages(item)
    mail.send(messages)
    flash(
        f"Session arranged for {when(item)} with {chair.name} as chair. "
        f"{len(item.invitations)} invited {'person was' if len(item.invitations) == 1 else 'people were'} "
        "sent the date, time and place.",
        "success",
    )
    return redirect(url_for("debriefs.show_request", request_id=item.id))


# ---------------------------------------------------------------------------------------------
# After the session: the log and the follow-up (the chair or a lead)


LOG_RULES = [
    ("attended", "attendees"),
    ("length", "duration_minutes"),
    ("did not go ahead", "reason"),
    ("learning point", "learning_1"),
    ("forum", "forum"),
]


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
        signposts = set(form.signposting.data or [])
        entry = SessionLog(
            delivered=form.delivered.data == "yes",
            attendees=form.attendees.data,
            duration_minutes=form.duration_minutes.data,
            closed_safe_uplifting=bool(form.closed_safe_uplifting.data),
            signposted_eap="eap" in signposts,
            signposted_occupational_health="occupational_health" in signposts,
            signposted_gp="gp" in signposts,
            learning=form.learning(),
            forum=form.forum.data or "",
            not_delivered_reason=form.reason.data or "",
        )
        points = len([text for text in entry.learning or [] if text.strip()])

        def do() -> None:
            log_debrief_session(item, me(), entry)
            audit.record("debrief_session_logged", item, detail="delivered" if entry.delivered else "not delivered")

        _, problems, status = attempt(do)
        if not problems:
            if entry.delivered:
                flash(
                    "Session log saved"
                    + (f" with {points} learning point{'' if points == 1 else 's'}" if points else "")
                    + f". Follow-up due {item.follow_up_due_on:%-d %B %Y}.",
                    "success",
                )
            else:
                flash("Saved: the session did not go ahead. A new session can be arranged.", "success")
            return redirect(url_for("debriefs.show_request", request_id=item.id))
        db.session.refresh(item)
        session = item.session
        general = place_problems(form, problems, LOG_RULES, None)
    elif form.is_submitted():
        status = 400
    audit.record("debrief_viewed", item, detail="session log page")
    db.session.commit()
    return render_template(
        "programme/debrief_log.html",
        form=form,
        errors=error_list(form, general),
        item=item,
        session=session,
        waiting=session is not None and session.status == Status.SCHEDULED.value,
        started=session is not None and session.starts_at <= utcnow(),
    ), status


@bp.post("/debriefs/<int:request_id>/follow-up")
@login_required
def follow_up(request_id: int):
    item = visible_request(request_id)
    form = FollowUpForm()
    if not form.validate_on_submit():
        return render_show(item, 400, errors=error_list(form), follow_up=form)

    def do() -> None:
        record_follow_up(item, form.outcome.data)
        audit.record("debrief_follow_up_recorded", item, detail=form.outcome.data)

    _, problems, status = attempt(do)
    if problems:
        return render_show(item, status, errors=[{"text": p} for p in problems], follow_up=form)
    flash(f"Follow-up recorded as {form.outcome.data}. The debrief is closed.", "success")
    return redirect(url_for("debriefs.show_request", request_id=item.id))
