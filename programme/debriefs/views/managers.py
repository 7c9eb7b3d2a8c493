"""The named manager's pages: their team's debriefs, where one stands, supporting it and inviting colleagues.

Only requests whose practitioner agreed that their manager be told are here; to anyone else each one does
not exist (404). The pages show status and dates, never what the request says about the incident.
"""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, url_for
from flask_login import login_required
from wtforms.fields.choices import SelectChoice

from programme.debriefs.blueprint import bp
from programme.debriefs.forms import ColleaguesForm, SupportForm
from programme.debriefs.manager_notices import colleagues_invited
from programme.debriefs.managers import (
    OPEN_STATES,
    add_colleagues,
    colleague_choices,
    managed_request,
    record_manager_view,
    session_shown,
    support_request,
    team_requests,
)
from programme.debriefs.models import DebriefRequest
from programme.debriefs.triage import deadlines
from programme.debriefs.views import STATUS_TAGS
from programme.errors import Missing
from programme.models import Status
from rosters import audit
from rosters.actions import perform
from rosters.auth import me, role_required
from rosters.extensions import db
from rosters.models import Person, Role
from rosters.web import error_summary, plural


def managed(request_id: int) -> DebriefRequest:
    """The request if the signed-in person is its named manager and may be told; otherwise 404."""
    try:
        return managed_request(me(), request_id)
    except Missing:
        abort(404)


def colleagues_form(item: DebriefRequest, form: ColleaguesForm | None = None) -> ColleaguesForm:
    form = form or ColleaguesForm(formdata=None)
    form.people.choices = [
        SelectChoice(str(person.id), f"{person.name} ({person.team.name})" if person.team else person.name)
        for person in colleague_choices(item, me())
    ]
    return form


def render_team_debrief(item: DebriefRequest, status: int = 200, *, colleagues: ColleaguesForm | None = None,
                        errors: list[dict] | None = None):
    """The manager's page for one request; every rendering is a view of the request, so it is audited."""
    is_open = item.status in OPEN_STATES
    colleagues = colleagues_form(item, colleagues) if is_open else None
    record_manager_view(item, me())
    db.session.commit()
    return render_template(
        "programme/debriefs/managers/show.html",
        item=item,
        due=deadlines(item),
        session_shown=session_shown(item),
        invited=len(item.invitations),
        support=SupportForm(formdata=None) if is_open and item.manager_supported_at is None else None,
        colleagues=colleagues,
        errors=errors or [],
        tags=STATUS_TAGS,
    ), status


@bp.get("/debriefs/team")
@role_required(Role.MANAGER, Role.LEAD)
def team_debriefs():
    """Requests from the manager's team that name them and whose practitioner agreed they be told."""
    items = team_requests(me())
    audit.record("debrief_team_list_viewed")
    db.session.commit()
    return render_template("programme/debriefs/managers/list.html", items=items, tags=STATUS_TAGS,
                           session_shown=session_shown)


@bp.get("/debriefs/team/<int:request_id>")
@login_required
def team_debrief(request_id: int):
    return render_team_debrief(managed(request_id))


@bp.post("/debriefs/team/<int:request_id>/support")
@login_required
def support_debrief(request_id: int):
    item = managed(request_id)
    if not SupportForm().validate_on_submit():
        return render_team_debrief(item, 400, errors=[{"text": "Something went wrong: try again"}])
    outcome = perform(lambda: support_request(item, me()))
    if not outcome.done:
        return render_team_debrief(item, outcome.status, errors=[{"text": text} for text in outcome.texts])
    flash("You support this request. The programme leads can see that you do." if outcome.result
          else "You already support this request.", "success")
    return redirect(url_for("debriefs.team_debrief", request_id=item.id))


@bp.post("/debriefs/team/<int:request_id>/colleagues")
@login_required
def invite_colleagues(request_id: int):
    item = managed(request_id)
    form = colleagues_form(item, ColleaguesForm())
    general: list[str] = []
    if form.validate_on_submit():
        people = [person for person_id in form.people.data or []
                  if (person := db.session.get(Person, person_id)) is not None]
        outcome = perform(lambda: add_colleagues(item, me(), people), form=form, fallback="people",
                          tell=lambda added: colleagues_invited(item, added))
        if outcome.done:
            arranged = item.session is not None and item.session.status == Status.SCHEDULED.value
            note = ("Each is sent the date, time and place." if arranged
                    else "Each will be sent the date, time and place once the session is arranged.")
            flash(f"{plural(len(people), 'colleague')} invited. {note}", "success")
            return redirect(url_for("debriefs.team_debrief", request_id=item.id))
        db.session.refresh(item)
        status, general = outcome.status, outcome.general
    else:
        status = 400
    return render_team_debrief(item, status, colleagues=form, errors=error_summary(form, general))
