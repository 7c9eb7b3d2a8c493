"""The evaluation hub for leads: what evidence the programme holds, and where to read it."""

from __future__ import annotations

from flask import render_template

from programme.evaluation.blueprint import bp
from programme.evaluation.models import Pulse, Questionnaire, Source, SurveyResponse, WorkforceMonth
from rosters.auth import role_required
from rosters.clock import today_uk
from rosters.extensions import db
from rosters.models import Role


@bp.get("/evaluation")
@role_required(Role.LEAD)
def overview():
    today = today_uk()
    year_ago = today.replace(day=1).replace(year=today.year - 1)
    answers = db.session.scalar(db.select(db.func.count()).select_from(SurveyResponse).where(
        SurveyResponse.source == Source.SESSION.value, SurveyResponse.month >= year_ago))
    open_pulses = db.session.scalar(db.select(db.func.count()).select_from(Pulse).where(
        Pulse.cancelled_at.is_(None), Pulse.opens_on <= today, Pulse.closes_on >= today))
    pulses = db.session.scalar(db.select(db.func.count()).select_from(Pulse).where(Pulse.cancelled_at.is_(None)))
    questionnaires = db.session.scalar(db.select(db.func.count()).select_from(Questionnaire).where(
        Questionnaire.retired.is_(False)))
    first, last, rows = db.session.execute(db.select(
        db.func.min(WorkforceMonth.month), db.func.max(WorkforceMonth.month), db.func.count(WorkforceMonth.id))).one()
    return render_template("programme/evaluation/overview.html", answers=answers, open_pulses=open_pulses,
                           pulses=pulses, questionnaires=questionnaires, workforce=(first, last, rows))
