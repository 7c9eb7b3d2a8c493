"""Roster pages: the home page, teams, people, facilitators and spreadsheet import; health check."""

from __future__ import annotations

from flask import Blueprint, Response, abort, current_app, flash, jsonify, redirect, render_template, url_for
from flask_login import login_required
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import selectinload

from rosters import audit, outbox
from rosters.actions import perform
from rosters.auth import role_required
from rosters.clock import today_uk
from rosters.csv_import import DATE_WORDS, IMPORTERS, ImportFailed, kinds_in_order, run_import
from rosters.exports import CSV, csv_bytes
from rosters.extensions import db
from rosters.forms import ImportForm
from rosters.models import Course, OutboxMessage, Person, Role, Team, TrainingRecord
from rosters.services import training_status

bp = Blueprint("rosters", __name__)


@bp.get("/healthz")
def healthz():
    try:
        db.session.execute(text("SELECT 1"))
    except SQLAlchemyError:
        db.session.rollback()
        return jsonify({"status": "unavailable"}), 503
    return jsonify({"status": "ok"})


@bp.get("/")
@login_required
def home():
    return render_template("rosters/home.html", Role=Role)


@bp.get("/about")
def about():
    return render_template("rosters/about.html")


@bp.get("/teams")
@role_required(Role.LEAD)
def teams():
    rows = db.session.execute(
        db.select(Team, db.func.count(Person.id))
        .outerjoin(Person, Person.team_id == Team.id)
        .options(selectinload(Team.agency))
        .group_by(Team.id)
        .order_by(Team.active.desc(), Team.name)
    ).all()
    return render_template("rosters/teams.html", rows=rows)


@bp.get("/people")
@role_required(Role.LEAD)
def people():
    everyone = db.session.scalars(
        db.select(Person).options(selectinload(Person.team)).order_by(Person.name, Person.email)
    ).all()
    return render_template("rosters/people.html", people=everyone, Role=Role)


@bp.get("/facilitators")
@role_required(Role.LEAD)
def facilitators():
    """Everyone with any training record, with their standing on each course today."""
    today = today_uk()
    warning_days = current_app.config["TRAINING_EXPIRY_WARNING_DAYS"]
    trained = db.session.scalars(
        db.select(Person)
        .where(Person.id.in_(db.select(TrainingRecord.person_id)))
        .options(selectinload(Person.training), selectinload(Person.team))
        .order_by(Person.name)
    ).all()
    rows = [(person, {s.course: s for s in training_status(person.training, today, warning_days)}) for person in trained]
    return render_template(
        "rosters/facilitators.html", rows=rows, courses=list(Course), warning_days=warning_days, today=today
    )


@bp.route("/import", methods=["GET", "POST"])
@role_required(Role.LEAD)
def import_csv():
    form = ImportForm()
    result = None
    errors: list[str] = []
    if form.validate_on_submit():
        data = form.file.data.read()
        try:
            result = run_import(form.kind.data, data)
        except ImportFailed as failure:
            errors = failure.errors
    status = 400 if errors or form.errors else 200  # a form with errors is a bad request, as elsewhere
    return render_template(
        "rosters/import.html",
        form=form,
        result=result,
        errors=errors,
        filename=getattr(form.file.data, "filename", None),
        importers=[IMPORTERS[kind] for kind in kinds_in_order()],
        date_words=DATE_WORDS,
    ), status


@bp.get("/import/templates/<kind>.csv")
@role_required(Role.LEAD)
def import_template(kind: str):
    """A CSV to start a file from: the kind's header row, and its example rows if it has any."""
    importer = IMPORTERS.get(kind)
    if importer is None:
        abort(404, "There is no spreadsheet import of that kind.")
    return Response(csv_bytes(importer.columns, importer.examples), mimetype=CSV,
                    headers={"Content-Disposition": f'attachment; filename="{kind}-template.csv"'})


@bp.get("/mail")
@role_required(Role.LEAD)
def outbox_page():
    """E-mail the mail server would not take after every try, with a retry; and how many are waiting."""
    failed = db.session.scalars(db.select(OutboxMessage).where(OutboxMessage.status == "failed")
                                .order_by(OutboxMessage.created_at.desc()).limit(500)).all()
    waiting = db.session.scalar(db.select(db.func.count()).select_from(OutboxMessage)
                                .where(OutboxMessage.status == "waiting"))
    return render_template("rosters/outbox.html", failed=failed, waiting=waiting)


@bp.post("/mail/<int:message_id>/retry")
@role_required(Role.LEAD)
def retry_message(message_id: int):
    def again() -> OutboxMessage:
        row = outbox.send_again(message_id)
        if row is None:
            abort(404, "No failed e-mail with that number: it may have been sent already.")
        audit.record("email_retried", row, detail=row.subject)
        return row

    if perform(again).done:
        flash("The e-mail will be sent again on the next run of flask send-mail.", "success")
    return redirect(url_for("rosters.outbox_page"))
