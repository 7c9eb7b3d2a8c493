"""Answering a questionnaire by a single-use link. No sign-in: the link is the invitation, and the
answer is stored without it, so the page works the same for anyone holding the link.

Nothing here writes an audit line or a log line: when, or whether, someone answered is itself
something no one may learn. The secret is in the address, so the page asks browsers to keep it out of
caches and of the ``Referer`` of any link followed from it.
"""

from __future__ import annotations

from flask import render_template, request

from programme.evaluation.answers import LinkRefused, answer, definition_of, open_invitation
from programme.evaluation.blueprint import bp
from programme.evaluation.forms import answer_form
from rosters.actions import perform
from rosters.web import error_summary, private_page

EXPIRED_FORM = "This page was open too long, or was sent from elsewhere. Nothing was saved: send your answers again."


def _refused(error: LinkRefused):
    return private_page(render_template("programme/evaluation/link_refused.html", message=error.texts[0]),
                    error.status)


def _answer_or_refusal(token: str, given: dict[str, str | None], comment: str | None):
    """The operation for ``perform``: the stored answer, or the refusal of a link that cannot be used
    (returned, not raised: it wrote nothing, and the page says why in its own words)."""
    try:
        return answer(token, given, comment)
    except LinkRefused as error:
        return error


@bp.route("/respond/<token>", methods=["GET", "POST"])
def respond(token: str):
    try:
        invitation = open_invitation(token)
    except LinkRefused as error:
        return _refused(error)
    definition = definition_of(invitation.questionnaire)
    form = answer_form(definition)
    status = 200
    general: list[str] = []
    if request.method == "POST" and form.validate_on_submit():
        given = {item.id: form[item.id].data for item in definition.items}
        comment = form.comment.data if definition.comment else None
        outcome = perform(lambda: _answer_or_refusal(token, given, comment), form=form)
        if outcome.done and isinstance(outcome.result, LinkRefused):
            return _refused(outcome.result)
        if outcome.done:
            return private_page(render_template("programme/evaluation/thanks.html", definition=definition), 200)
        status, general = outcome.status, outcome.general
    elif request.method == "POST":  # only the form's security token can fail here
        status, general = 400, [EXPIRED_FORM]
    order = [*(item.id for item in definition.items), *(["comment"] if definition.comment else [])]
    return private_page(render_template("programme/evaluation/respond.html", form=form, definition=definition,
                                    errors=error_summary(form, general, order=order)), status)
