"""Pulses for leads: the list (``/evaluation/pulses``), a new pulse, its results, cancelling it."""

from __future__ import annotations

from flask import flash, redirect, render_template, url_for
from wtforms.fields.choices import SelectChoice

from programme.evaluation.blueprint import bp
from programme.evaluation.models import Pulse
from programme.evaluation.pulse_forms import ButtonForm, PulseForm
from programme.evaluation.pulse_results import pulse_results
from programme.evaluation.pulses import cancel_pulse, create_pulse, invited_count, messages, status_of, team_choices
from programme.evaluation.uploads import pulse_questionnaires
from rosters import audit
from rosters.actions import perform
from rosters.auth import me, role_required
from rosters.clock import today_uk
from rosters.extensions import db
from rosters.models import Role
from rosters.web import plural

STATUS_TAGS = {"scheduled": ("Not open yet", "govuk-tag--grey"), "open": ("Open", "govuk-tag--green"),
               "closed": ("Closed", "govuk-tag--blue"), "cancelled": ("Cancelled", "govuk-tag--red")}


@bp.get("/evaluation/pulses")
@role_required(Role.LEAD)
def list_pulses():
    pulses = list(db.session.scalars(db.select(Pulse).order_by(Pulse.opens_on.desc(), Pulse.id.desc())))
    today = today_uk()
    return render_template("programme/evaluation/pulses.html", pulses=pulses,
                           statuses={p.id: STATUS_TAGS[status_of(p, today)] for p in pulses})


def _choices(form: PulseForm) -> None:
    form.questionnaire.choices = [SelectChoice(q.id, f"{q.title} (version {q.version})")
                                  for q in pulse_questionnaires()]
    form.teams.choices = [SelectChoice(t.id, f"{t.name} ({t.service})" if t.service else t.name)
                          for t in team_choices()]


@bp.route("/evaluation/pulses/new", methods=["GET", "POST"])
@role_required(Role.LEAD)
def new_pulse():
    form = PulseForm()
    _choices(form)
    if form.validate_on_submit():
        outcome = perform(lambda: create_pulse(form.title.data, form.questionnaire.data, form.teams.data or [],
                                               form.opens_on.data, form.days.data, me()),
                          tell=lambda made: messages(made[1]), form=form, fallback="title")
        if outcome.done:
            pulse, links = outcome.result
            if links:
                flash(f"Pulse created and open: {plural(len(links), 'person', 'people')} sent a link.", "success")
            elif pulse.opens_on == today_uk():
                flash("Pulse created and open, but nobody is enabled on the chosen teams' rosters.", "success")
            else:
                flash(f"Pulse created. Links will be e-mailed on {pulse.opens_on:%-d %B %Y}.", "success")
            return redirect(url_for("evaluation.show_pulse", pulse_id=pulse.id))
    status = 400 if form.errors else 200
    return render_template("programme/evaluation/new_pulse.html", form=form), status


@bp.get("/evaluation/pulses/<int:pulse_id>")
@role_required(Role.LEAD)
def show_pulse(pulse_id: int):
    pulse = db.get_or_404(Pulse, pulse_id)
    status = status_of(pulse)
    results = pulse_results(pulse)
    audit.record("pulse_results_viewed", pulse, detail="page")
    db.session.commit()
    return render_template("programme/evaluation/pulse.html", pulse=pulse, results=results,
                           status=STATUS_TAGS[status], can_cancel=status in ("scheduled", "open"),
                           sent=invited_count(pulse) > 0, form=ButtonForm())


@bp.post("/evaluation/pulses/<int:pulse_id>/cancel")
@role_required(Role.LEAD)
def cancel(pulse_id: int):
    pulse = db.get_or_404(Pulse, pulse_id)
    form = ButtonForm()
    if form.validate_on_submit():
        outcome = perform(lambda: cancel_pulse(pulse))
        if outcome.done:
            flash("Pulse cancelled. Its links now say it has closed; answers already given are kept.", "success")
        else:
            flash(outcome.texts[0], "error")
    return redirect(url_for("evaluation.show_pulse", pulse_id=pulse_id))
