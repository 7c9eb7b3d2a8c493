"""Pages for leads to add and change people, deactivate and reactivate them, and send a password link;
and the public page where a person sets a password with that link.

The list of people stays at ``/people`` (``rosters.views.people``); each person has a page here with
what a lead can do. Views parse, perform and render; the rules live in ``operations`` and ``links``.
The set-password page needs no sign-in (the secret in its address is the key), keeps itself out of
caches and of the ``Referer`` of any link followed from it, and its address is blanked in request logs
(``rosters.web.SECRET_IN_PATH``).
"""

from __future__ import annotations

import datetime as dt

from flask import flash, redirect, render_template, request, url_for
from wtforms.fields.choices import SelectChoice

from rosters.actions import perform
from rosters.auth import me, role_required
from rosters.bounds import parse_id
from rosters.clock import uk_time, utcnow
from rosters.extensions import db
from rosters.models import Person, Role, SignInSession, Team
from rosters.people import links, operations
from rosters.people.blueprint import bp
from rosters.people.forms import ConfirmForm, PersonForm, SetPasswordForm
from rosters.people.notices import password_links
from rosters.web import error_summary, private_page

EXPIRED_FORM = "This page was open too long, or was sent from elsewhere. Nothing was saved: try again."


def _person(person_id: int) -> Person:
    return db.get_or_404(Person, person_id)


def _team_choices() -> list[SelectChoice]:
    teams = db.session.scalars(db.select(Team).order_by(Team.active.desc(), Team.name)).all()
    return [SelectChoice("", "No team")] + [
        SelectChoice(str(t.id), t.name if t.active else f"{t.name} (no longer active)") for t in teams]


def _details(form: PersonForm) -> operations.PersonDetails:
    raw = (form.team.data or "").strip()
    team_id = None if not raw else (parse_id(raw) or 0)  # 0: no such team, refused with a message
    return operations.PersonDetails(name=form.name.data or "", email=form.email.data or "",
                                    role=form.role.data or "", team_id=team_id)


def _form_page(form: PersonForm, person: Person | None, general: list[str], status: int):
    errors = error_summary(form, general, order=("name", "email", "team", "role"))
    if form.errors.get("csrf_token"):
        errors.append({"text": EXPIRED_FORM})
    return render_template("rosters/people/person_form.html", form=form, person=person, errors=errors), status


def _when(moment: dt.datetime) -> str:
    return f"{uk_time(moment):%-d %B %Y at %H:%M}"


def _link_text(person: Person) -> str:
    """Where the latest password link stands, in words."""
    latest = links.latest_link(person)
    if latest is None:
        return "None sent"
    if latest.used_at is not None:
        return f"Used on {_when(latest.used_at)}"
    if latest.superseded_at is not None:
        return f"Sent on {_when(latest.created_at)}; withdrawn on {_when(latest.superseded_at)}"
    if not latest.usable_at(utcnow()):
        return f"Sent on {_when(latest.created_at)}; expired on {_when(latest.expires_at)}"
    return f"Sent on {_when(latest.created_at)}; works until {_when(latest.expires_at)}"


def _refused(outcome) -> None:
    flash(" ".join(outcome.texts), "error")


@bp.route("/people/new", methods=["GET", "POST"])
@role_required(Role.LEAD)
def add_person():
    form = PersonForm()
    form.team.choices = _team_choices()
    status, general = 200, []
    if form.validate_on_submit():
        outcome = perform(lambda: operations.add_person(_details(form)), form=form)
        if outcome.done:
            flash(f"{outcome.result.name} has been added to the roster.", "success")
            return redirect(url_for("people.show_person", person_id=outcome.result.id))
        status, general = outcome.status, outcome.general
    elif request.method == "POST":
        status = 400
    return _form_page(form, None, general, status)


@bp.get("/people/<int:person_id>")
@role_required(Role.LEAD)
def show_person(person_id: int):
    person = _person(person_id)
    open_sign_ins = db.session.scalar(
        db.select(db.func.count()).select_from(SignInSession)
        .where(SignInSession.person_id == person.id, SignInSession.ended_at.is_(None))) or 0
    return render_template(
        "rosters/people/person.html", person=person, form=ConfirmForm(), link_text=_link_text(person),
        password_sign_in=links.password_sign_in_on(), hours=links.link_hours(), open_sign_ins=open_sign_ins,
        is_me=person.id == me().id)


@bp.route("/people/<int:person_id>/edit", methods=["GET", "POST"])
@role_required(Role.LEAD)
def edit_person(person_id: int):
    person = _person(person_id)
    if person.anonymised_at is not None and request.method == "GET":  # a POST is refused by the operation
        flash(operations.ERASED, "error")
        return redirect(url_for("people.show_person", person_id=person.id))
    current = {"name": person.name, "email": person.email, "role": person.role,
               "team": str(person.team_id) if person.team_id else ""}
    form = PersonForm(data=None if request.method == "POST" else current)
    form.team.choices = _team_choices()
    form.submit.label.text = "Save changes"
    status, general = 200, []
    if form.validate_on_submit():
        outcome = perform(lambda: operations.change_person(person, _details(form), me()), form=form)
        if outcome.done:
            flash(f"The details of {person.name} have been saved.", "success")
            return redirect(url_for("people.show_person", person_id=person.id))
        status, general = outcome.status, outcome.general
    elif request.method == "POST":
        status = 400
    return _form_page(form, person, general, status)


@bp.route("/people/<int:person_id>/deactivate", methods=["GET", "POST"])
@role_required(Role.LEAD)
def deactivate(person_id: int):
    person = _person(person_id)
    if request.method == "GET" and (person.anonymised_at is not None or not person.enabled):
        return redirect(url_for("people.show_person", person_id=person.id))  # nothing to deactivate
    form = ConfirmForm()
    form.submit.label.text = "Deactivate"
    status, general = 200, []
    if form.validate_on_submit():
        outcome = perform(lambda: operations.deactivate_person(person, me()))
        if outcome.done:
            done = outcome.result
            flash(f"{person.name} has been deactivated: {done.sign_ins_ended} sign-in(s) ended and "
                  f"{done.tokens_revoked} API token(s) revoked. Their places on sessions are kept.", "success")
            return redirect(url_for("people.show_person", person_id=person.id))
        status, general = outcome.status, outcome.texts
    elif request.method == "POST":
        status, general = 400, [EXPIRED_FORM]
    return render_template("rosters/people/deactivate.html", person=person, form=form,
                           errors=[{"text": text} for text in general]), status


@bp.post("/people/<int:person_id>/reactivate")
@role_required(Role.LEAD)
def reactivate(person_id: int):
    person = _person(person_id)
    if ConfirmForm().validate_on_submit():
        outcome = perform(lambda: operations.reactivate_person(person))
        if outcome.done:
            flash(f"{person.name} has been reactivated.", "success")
        else:
            _refused(outcome)
    else:
        flash(EXPIRED_FORM, "error")
    return redirect(url_for("people.show_person", person_id=person.id))


@bp.post("/people/<int:person_id>/password-link")
@role_required(Role.LEAD)
def send_password_link(person_id: int):
    person = _person(person_id)
    if ConfirmForm().validate_on_submit():
        outcome = perform(lambda: links.send_password_link(person), tell=password_links)
        if outcome.done:
            flash(f"A link to set a password has been e-mailed to {person.email}. It works once, for "
                  f"{links.link_hours()} hours.", "success")
        else:
            _refused(outcome)
    else:
        flash(EXPIRED_FORM, "error")
    return redirect(url_for("people.show_person", person_id=person.id))


# --- the public page: setting a password with a link ----------------------------------------------------


def _link_refused(error: links.LinkRefused):
    return private_page(render_template("rosters/people/link_refused.html", message=error.texts[0]), error.status)


def _set_or_refusal(token: str, password: str):
    """The operation for ``perform``: the person, or the refusal of a link that cannot be used (returned,
    not raised, so that the page says why in its own words)."""
    try:
        return links.set_password_with_link(token, password)
    except links.LinkRefused as error:
        return error


@bp.route("/set-password/<token>", methods=["GET", "POST"])
def set_password(token: str):
    try:
        link = links.open_link(token)
    except links.LinkRefused as error:
        return _link_refused(error)
    form = SetPasswordForm()
    status, general = 200, []
    if form.validate_on_submit():
        outcome = perform(lambda: _set_or_refusal(token, form.password.data or ""), form=form, fallback="password")
        if outcome.done and isinstance(outcome.result, links.LinkRefused):
            return _link_refused(outcome.result)
        if outcome.done:
            flash("Your password has been set. Sign in with your email address and your new password.", "success")
            return redirect(url_for("auth.sign_in"))
        status, general = outcome.status, outcome.general
    elif request.method == "POST":
        status = 400
        if form.errors.get("csrf_token"):
            general = [EXPIRED_FORM]
    errors = error_summary(form, general, order=("password", "confirm"))
    return private_page(render_template("rosters/people/set_password.html", form=form, person=link.person,
                                    expires=_when(link.expires_at), errors=errors), status)
