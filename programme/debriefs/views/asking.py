"""Pages anyone signed in uses: ask for a debrief and see it was sent (one's own requests and
invitations are in ``mine``)."""

from __future__ import annotations

from flask import abort, current_app, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from wtforms.fields.choices import SelectChoice

from programme.debriefs.asking import DebriefAsk, request_debrief
from programme.debriefs.blueprint import bp
from programme.debriefs.forms import DebriefRequestForm
from programme.debriefs.manager_notices import manager_told_of_request
from programme.debriefs.models import DebriefRequest
from programme.debriefs.notices import SUPPORT_NOW, WHAT_IT_IS, request_waiting
from programme.debriefs.triage import deadlines
from rosters.actions import perform
from rosters.auth import me
from rosters.extensions import db
from rosters.models import Person, Role, Team
from rosters.web import error_summary


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


def ask_from(form: DebriefRequestForm) -> DebriefAsk:
    teams = [db.session.get(Team, team_id) for team_id in form.affected_teams.data or []]
    people = [person for person_id in form.invite_people.data or []
              if (person := db.session.get(Person, person_id)) is not None]
    return DebriefAsk(
        incident_date=form.incident_date.data,
        incident_category=form.incident_category.data,
        preferred_format=form.preferred_format.data,
        manager=db.session.get(Person, form.manager.data) if form.manager.data is not None else None,
        affected_teams=[team for team in teams if team is not None],
        # Colleagues coming to the session are involved in the case, so they cannot chair it.
        involved=people,
        invite_people=people,
        invite_emails=form.partner_list(),
        arrangements=form.arrangements.data or "",
        tell_manager={"yes": True, "no": False}.get(form.tell_manager.data or ""),
    )


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
        ask = ask_from(form)
        outcome = perform(lambda: request_debrief(me(), ask), form=form,
                          tell=lambda item: [*request_waiting(item), *manager_told_of_request(item)])
        if outcome.done:
            return redirect(url_for("debriefs.request_sent", request_id=outcome.result.id))
        status, general = outcome.status, outcome.general
    elif form.is_submitted():
        status = 400
    return render_template(
        "programme/debriefs/request.html",
        form=form,
        errors=error_summary(form, general),
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
        "programme/debriefs/sent.html",
        item=item,
        due=deadlines(item),
        offer_days=config["DEBRIEF_OFFER_WORKING_DAYS"],
        session_days=config["DEBRIEF_SESSION_WORKING_DAYS"],
        support_now=SUPPORT_NOW,
    )
