""""Your debriefs": the requests a person asked for or is invited to, one page each, its calendar file;
withdrawing a request or asking to change it (the person who asked); a lead marking a change dealt with.

To anyone who neither asked for a request nor is invited to it, the request does not exist (404). The
person who asked sees what they asked; someone invited sees the session, not the arrangements.
"""

from __future__ import annotations

from flask import Response, abort, flash, redirect, render_template, url_for
from flask_login import current_user, login_required

from programme.calendars import REQUEST
from programme.debriefs.blueprint import bp
from programme.debriefs.calendar import invitation
from programme.debriefs.forms import ChangeDealtWithForm, ChangeForm, WithdrawForm
from programme.debriefs.manager_notices import manager_status_changed
from programme.debriefs.mine import (
    OPEN_STATUSES,
    ask_change,
    asked_by,
    calendar_session,
    clear_change,
    is_concerned,
    may_change,
    requests_of,
    timing,
    withdraw_request,
)
from programme.debriefs.mine_notices import change_asked, request_withdrawn
from programme.debriefs.models import DebriefRequest
from programme.debriefs.notices import SUPPORT_NOW
from programme.debriefs.views import STATUS_TAGS
from programme.debriefs.views.requests import lead_only, render_show, visible_request
from programme.models import ProgrammeSession
from rosters import audit
from rosters.actions import perform
from rosters.auth import me
from rosters.extensions import db
from rosters.mail import Message
from rosters.web import error_summary


@bp.get("/debriefs/mine")
@login_required
def mine():
    """The person's own requests and invitations, each once, newest first: only what concerns them."""
    return render_template("programme/debriefs/mine.html", items=requests_of(current_user), me_id=current_user.id,
                           support_now=SUPPORT_NOW, tags=STATUS_TAGS)


def own_request(request_id: int) -> DebriefRequest:
    """A request the signed-in person asked for or is invited to; to anyone else it does not exist."""
    item = db.get_or_404(DebriefRequest, request_id)
    if not is_concerned(current_user, item):
        abort(404)
    return item


def render_mine(item: DebriefRequest, status: int = 200, *, errors: list[dict] | None = None,
                withdraw: WithdrawForm | None = None, change: ChangeForm | None = None):
    """The person's page for one request; every rendering is a view of the request, so it is audited."""
    person = me()
    asker = asked_by(person, item)
    audit.record("debrief_own_viewed", item, detail="asked for it" if asker else "invited")
    db.session.commit()
    return render_template(
        "programme/debriefs/my_request.html",
        item=item,
        asker=asker,
        due=timing(item) if item.status in OPEN_STATUSES else None,
        can_change=may_change(person, item),
        calendar=calendar_session(item),
        withdraw=withdraw or WithdrawForm(formdata=None),
        change=change or ChangeForm(formdata=None),
        errors=errors or [],
        tags=STATUS_TAGS,
        support_now=SUPPORT_NOW,
    ), status


@bp.get("/debriefs/mine/<int:request_id>")
@login_required
def my_request(request_id: int):
    return render_mine(own_request(request_id))


@bp.get("/debriefs/mine/<int:request_id>/calendar.ics")
@login_required
def my_calendar(request_id: int):
    """The arranged session for the person's own calendar: the same event (UID, SEQUENCE) as e-mailed."""
    item = own_request(request_id)
    session = calendar_session(item)
    if session is None:
        abort(404)
    person = me()
    content = invitation(session, person, REQUEST)
    audit.record("debrief_calendar_downloaded", item, person=person)
    db.session.commit()
    return Response(content, mimetype="text/calendar", headers={
        "Content-Disposition": f'attachment; filename="debrief-{session.date.isoformat()}.ics"'})


def _withdrawn_notices(item: DebriefRequest, session: ProgrammeSession | None) -> list[Message]:
    """The leads, everyone the session was sent to (if one was called off), and the manager if they were told."""
    return [*request_withdrawn(item, session), *manager_status_changed(item, "withdrawn")]


@bp.post("/debriefs/mine/<int:request_id>/withdraw")
@login_required
def withdraw(request_id: int):
    item = own_request(request_id)
    form = WithdrawForm()
    general: list[str] = []
    if form.validate_on_submit():
        outcome = perform(lambda: withdraw_request(item, me(), form.reason.data or ""), form=form,
                          tell=lambda session: _withdrawn_notices(item, session))
        if outcome.done:
            called_off = " The session is called off and everyone invited has been told." if outcome.result else ""
            flash(f"Your request is withdrawn.{called_off}", "success")
            return redirect(url_for("debriefs.my_request", request_id=item.id))
        status, general = outcome.status, outcome.general
        db.session.refresh(item)
    else:
        status = 400
    return render_mine(item, status, errors=error_summary(form, general), withdraw=form)


@bp.post("/debriefs/mine/<int:request_id>/change")
@login_required
def ask_for_change(request_id: int):
    item = own_request(request_id)
    form = ChangeForm()
    general: list[str] = []
    if form.validate_on_submit():
        outcome = perform(lambda: ask_change(item, me(), form.message.data or ""), form=form, tell=change_asked)
        if outcome.done:
            flash("We have told the programme leads what you would like changed.", "success")
            return redirect(url_for("debriefs.my_request", request_id=item.id))
        status, general = outcome.status, outcome.general
        db.session.refresh(item)
    else:
        status = 400
    return render_mine(item, status, errors=error_summary(form, general), change=form)


@bp.post("/debriefs/<int:request_id>/change-dealt-with")
@login_required
def change_dealt_with(request_id: int):
    item = visible_request(request_id)
    lead_only()
    if not ChangeDealtWithForm().validate_on_submit():
        abort(400)
    outcome = perform(lambda: clear_change(item, me()))
    if not outcome.done:
        return render_show(item, outcome.status, errors=[{"text": text} for text in outcome.texts])
    flash("The change asked for is marked as dealt with.", "success")
    return redirect(url_for("debriefs.show_request", request_id=item.id))

