"""Pages for leads: the privacy part of trust and data safety.

Find a person, download everything held about them (subject access), erase them, and place or clear
legal holds. The work itself is done by the package's operations; these views only check, perform and
redirect. Every page is for programme leads only, and every export, erasure and hold is audited.
"""

from __future__ import annotations

import datetime as dt
import json

from flask import Response, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import func, select

from programme.debriefs.models import DebriefRequest
from programme.models import Booking, ProgrammeSession
from programme.privacy.access import export_person
from programme.privacy.blueprint import bp
from programme.privacy.erasure import erase_person, erasure_problems, promotions_told
from programme.privacy.forms import EraseForm, FindPersonForm, HoldForm
from programme.privacy.holds import set_person_hold, set_request_hold
from programme.privacy.policy import FINISHED_REQUESTS
from programme.privacy.retention import retention_cutoff, retention_months
from rosters import audit
from rosters.actions import perform
from rosters.auth import role_required
from rosters.extensions import db
from rosters.models import Person, Role, TrainingRecord
from rosters.services import find_person

# Finished requests this close to the cut-off are listed, so a lead can hold them before the next run.
DUE_SOON_DAYS = 92
LISTED = 50


@bp.get("/privacy")
@role_required(Role.LEAD)
def index():
    """Find a person; explain retention and legal holds; list holds and requests due for retention."""
    form = FindPersonForm(request.args)
    not_found = None
    if request.args.get("email") is not None and form.validate():
        person = find_person(form.email.data)
        if person is not None and person.anonymised_at is None:
            return redirect(url_for("privacy.person", person_id=person.id))
        not_found = form.email.data.strip()
    months = retention_months()
    cutoff = retention_cutoff(months)
    r = DebriefRequest
    held_requests = db.session.scalars(select(r).where(r.legal_hold.is_(True)).order_by(r.requested_on)).all()
    held_people = db.session.scalars(select(Person).where(Person.legal_hold.is_(True)).order_by(Person.name)).all()
    due = db.session.scalars(
        select(r).where(r.legal_hold.is_(False), r.status.in_(FINISHED_REQUESTS), r.anonymised_at.is_(None),
                        r.requested_on < cutoff + dt.timedelta(days=DUE_SOON_DAYS))
        .order_by(r.requested_on).limit(LISTED)
    ).all()
    audit.record("privacy_page_viewed")
    db.session.commit()
    return render_template("programme/privacy/index.html", form=form, not_found=not_found, months=months, cutoff=cutoff,
                           held_requests=held_requests, held_people=held_people, due=due, hold_form=HoldForm(),
                           listed=LISTED)


def _person_or_404(person_id: int) -> Person:
    person = db.get_or_404(Person, person_id)
    if person.anonymised_at is not None:
        abort(404)  # an erased person's placeholder is nobody to show
    return person


@bp.get("/privacy/person/<int:person_id>")
@role_required(Role.LEAD)
def person(person_id: int):
    """What is held about one person, with export, erasure and legal hold."""
    subject = _person_or_404(person_id)
    r = DebriefRequest
    counts = {
        "Training records": db.session.scalar(
            select(func.count()).select_from(TrainingRecord).where(TrainingRecord.person_id == subject.id)),
        "Bookings": db.session.scalar(select(func.count()).select_from(Booking).where(Booking.person_id == subject.id)),
        "Sessions facilitated": db.session.scalar(
            select(func.count()).select_from(ProgrammeSession).where(ProgrammeSession.facilitator_id == subject.id)),
        "Debrief requests made": db.session.scalar(
            select(func.count()).select_from(r).where(r.requested_by_id == subject.id)),
    }
    audit.record("privacy_person_viewed", subject)
    db.session.commit()
    return render_template("programme/privacy/person.html", person=subject, counts=counts,
                           problems=erasure_problems(subject), hold_form=HoldForm())


@bp.get("/privacy/person/<int:person_id>/export.json")
@role_required(Role.LEAD)
def export(person_id: int):
    """Download everything held about one person as JSON (subject access); audited."""
    subject = _person_or_404(person_id)
    data = export_person(subject, channel="browser")
    db.session.commit()
    return Response(
        json.dumps(data, indent=2, ensure_ascii=False) + "\n",
        mimetype="application/json",
        headers={"Content-Disposition": f'attachment; filename="subject-access-{subject.id}.json"'},
    )


@bp.route("/privacy/person/<int:person_id>/erase", methods=["GET", "POST"])
@role_required(Role.LEAD)
def erase(person_id: int):
    """Confirm by typing the e-mail address, then erase the person everywhere."""
    subject = _person_or_404(person_id)
    form = EraseForm()
    problems = erasure_problems(subject)
    if subject.id == current_user.id:
        problems = ["You cannot erase yourself: ask another programme lead", *problems]
    if request.method == "POST" and not problems and form.validate_on_submit():
        if form.email.data.strip().lower() != subject.email:
            form.email.errors.append("The e-mail address does not match this person")
        else:
            outcome = perform(lambda: erase_person(subject, channel="browser"), tell=promotions_told)
            if outcome.done:
                flash("The person has been erased. Sessions, bookings and figures are unchanged.", "success")
                return redirect(url_for("privacy.index"))
            problems = outcome.texts
    errors = [{"text": message, "href": "#email"} for message in form.email.errors]
    if form.errors.get("csrf_token"):
        errors.append({"text": "The page had expired. Type the e-mail address again", "href": "#email"})
    page = render_template("programme/privacy/erase.html", person=subject, form=form, problems=problems, errors=errors)
    return page, 400 if request.method == "POST" else 200  # a POST that reaches here erased nothing


@bp.post("/privacy/person/<int:person_id>/legal-hold")
@role_required(Role.LEAD)
def person_hold(person_id: int):
    subject = _person_or_404(person_id)
    _apply_hold(lambda hold, reason: set_person_hold(subject, hold, reason))
    return redirect(url_for("privacy.person", person_id=subject.id))


@bp.post("/privacy/debriefs/<int:request_id>/legal-hold")
@role_required(Role.LEAD)
def debrief_hold(request_id: int):
    """Place or clear a legal hold on a debrief request."""
    item = db.get_or_404(DebriefRequest, request_id)
    _apply_hold(lambda hold, reason: set_request_hold(item, hold, reason))
    return redirect(url_for("privacy.index"))


def _apply_hold(change) -> None:
    form = HoldForm()
    if not form.validate_on_submit():
        abort(400)
    hold = form.hold.data != "0"
    outcome = perform(lambda: change(hold, form.reason.data or ""))
    if not outcome.done:
        message = "; ".join(outcome.texts)
        flash(message[0].upper() + message[1:] + ".", "error")
        return
    flash("Legal hold placed." if hold else "Legal hold cleared.", "success")
