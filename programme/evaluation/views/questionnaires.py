"""Questionnaires for leads: the list and upload (``/evaluation/questionnaires``), one questionnaire, retiring."""

from __future__ import annotations

from flask import flash, redirect, render_template, url_for

from programme.evaluation.blueprint import bp
from programme.evaluation.models import Pulse, Questionnaire
from programme.evaluation.pulse_forms import ButtonForm, UploadForm
from programme.evaluation.uploads import definition_of, list_questionnaires, retire_questionnaire, upload_questionnaire
from rosters.actions import perform
from rosters.auth import role_required
from rosters.extensions import db
from rosters.models import Role


def render_list(form: UploadForm, problems: list[str] | None = None, status: int = 200):
    return render_template("programme/evaluation/questionnaires.html", form=form, listed=list_questionnaires(),
                           problems=problems or [], filename=getattr(form.file.data, "filename", None)), status


@bp.route("/evaluation/questionnaires", methods=["GET", "POST"])
@role_required(Role.LEAD)
def questionnaires():
    form = UploadForm()
    if not form.validate_on_submit():
        return render_list(form, status=400 if form.errors else 200)
    content = form.file.data.read()
    outcome = perform(lambda: upload_questionnaire(content))
    if not outcome.done:
        form.file.errors = ["Correct the problems listed above and upload the file again"]
        return render_list(form, outcome.texts, outcome.status)
    row = outcome.result.questionnaire
    if outcome.result.created:
        flash(f"{row.title} (version {row.version}) uploaded. It can now be used for a pulse.", "success")
    else:
        flash(f"{row.title} (version {row.version}) is already there, exactly as in this file: nothing changed.",
              "success")
    return redirect(url_for("evaluation.show_questionnaire", questionnaire_id=row.id))


@bp.get("/evaluation/questionnaires/<int:questionnaire_id>")
@role_required(Role.LEAD)
def show_questionnaire(questionnaire_id: int):
    questionnaire = db.get_or_404(Questionnaire, questionnaire_id)
    pulses = list(db.session.scalars(db.select(Pulse).where(Pulse.questionnaire_id == questionnaire.id)
                                     .order_by(Pulse.opens_on.desc(), Pulse.id.desc())))
    return render_template("programme/evaluation/questionnaire.html", questionnaire=questionnaire,
                           definition=definition_of(questionnaire), pulses=pulses, form=ButtonForm())


@bp.post("/evaluation/questionnaires/<int:questionnaire_id>/retire")
@role_required(Role.LEAD)
def retire(questionnaire_id: int):
    questionnaire = db.get_or_404(Questionnaire, questionnaire_id)
    form = ButtonForm()
    if form.validate_on_submit():
        outcome = perform(lambda: retire_questionnaire(questionnaire))
        if outcome.done:
            flash(f"{questionnaire.title} (version {questionnaire.version}) retired: no new pulse can use it. "
                  "Results of earlier pulses are kept.", "success")
        else:
            flash(outcome.texts[0], "error")
    return redirect(url_for("evaluation.show_questionnaire", questionnaire_id=questionnaire_id))
