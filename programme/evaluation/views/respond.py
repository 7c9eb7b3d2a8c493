"""Answering a questionnaire by a single-use link. No sign-in: the link is the invitation, and the
answer is stored without it, so the page works the same for anyone holding the link."""

from __future__ import annotations

from flask import render_template, request

from programme.evaluation.answers import LinkRefused, answer, definition_of, open_invitation
from programme.evaluation.blueprint import bp
from programme.evaluation.forms import answer_form
from rosters.actions import perform


def _refused(error: LinkRefused):
    return render_template("programme/evaluation/link_refused.html", message=error.texts[0]), error.status


@bp.route("/respond/<token>", methods=["GET", "POST"])
def respond(token: str):
    try:
        invitation = open_invitation(token)
    except LinkRefused as error:
        return _refused(error)
    definition = definition_of(invitation.questionnaire)
    form = answer_form(definition)
    status = 200
    if request.method == "POST" and form.validate_on_submit():
        given = {item.id: form[item.id].data for item in definition.items}
        comment = form.comment.data if definition.comment else None
        try:
            outcome = perform(lambda: answer(token, given, comment), form=form)
        except LinkRefused as error:  # pragma: no cover (perform turns refusals into outcomes)
            return _refused(error)
        if outcome.done:
            return render_template("programme/evaluation/thanks.html", definition=definition)
        if outcome.status in (404, 409, 410) and not any(p.field for p in outcome.problems):
            return render_template("programme/evaluation/link_refused.html", message=outcome.texts[0]), \
                outcome.status if outcome.status != 409 else 410
        status = outcome.status
    elif request.method == "POST":
        status = 400
    return render_template("programme/evaluation/respond.html", form=form, definition=definition,
                           invitation=invitation), status
