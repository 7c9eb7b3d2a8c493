"""Single-use links to answer a questionnaire, and anonymous answers.

``invite`` makes a person's link (only its hash is stored) and returns the secret to put in their
e-mail; ``open_invitation`` finds a link that may still be used, or says plainly why not; ``answer``
stores the answer with no link to the person and marks the invitation as answered, once, even when two
requests use the same link at the same moment. Nothing here writes an audit line: when a person answered
is itself something no one may learn.
"""

from __future__ import annotations

import datetime as dt
import json
import secrets

from sqlalchemy import update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.attributes import set_committed_value

from programme.errors import Problem, ProgrammeError
from programme.evaluation.definitions import BUILT_IN_DIR, SESSION_FEEDBACK_KEY, Definition, built_in, load
from programme.evaluation.models import Questionnaire, Source, SurveyInvitation, SurveyResponse
from programme.models import ProgrammeSession
from rosters.clock import today_uk
from rosters.extensions import db
from rosters.models import Person, hash_secret

COMMENT_LONGEST = 2000
NOT_VALID = "This link is not valid. It may have been mistyped, or it was not meant for you."
USED = "This link has already been used. Each link can be used once, so that every answer counts once."
CLOSED = "This questionnaire has closed. Thank you for your time."


class LinkRefused(ProgrammeError):
    """A link that cannot be used; ``status`` is 404 (not valid), 410 (used or closed) or 409 (not open yet)."""

    def __init__(self, text: str, status: int) -> None:
        super().__init__(text)
        self.status = status


def _stored_questionnaire(key: str, version: int) -> Questionnaire | None:
    return db.session.scalar(db.select(Questionnaire).where(Questionnaire.key == key, Questionnaire.version == version))


def session_feedback_questionnaire() -> Questionnaire:
    """The built-in session feedback questionnaire's row, stored on first use.

    Two first uses at the same moment both try to store it: the unique key refuses the second, whose
    savepoint is rolled back alone, and it reads the row the first stored.
    """
    definition = built_in(SESSION_FEEDBACK_KEY)
    row = _stored_questionnaire(definition.key, definition.version)
    if row is None:
        text = (BUILT_IN_DIR / f"{SESSION_FEEDBACK_KEY}.json").read_text("utf-8")
        row = Questionnaire(key=definition.key, version=definition.version, title=definition.title,
                            definition=json.dumps(json.loads(text)), built_in=True)
        try:
            with db.session.begin_nested():
                db.session.add(row)
        except IntegrityError:
            row = _stored_questionnaire(definition.key, definition.version)
            if row is None:  # pragma: no cover (refused for another reason)
                raise
    return row


def definition_of(questionnaire: Questionnaire) -> Definition:
    return load(questionnaire.definition)


def new_secret() -> str:
    """A link's secret: 256 random bits, URL-safe; only its SHA-256 is stored."""
    return secrets.token_urlsafe(32)


def invite(person: Person, questionnaire: Questionnaire, *, expires_on: dt.date,
           session: ProgrammeSession | None = None, pulse=None, team_id: int | None = None,
           renew_withdrawn: bool = False) -> tuple[SurveyInvitation, str] | None:
    """A new single-use link for ``person``; None when they already have one for that session or pulse.

    With ``renew_withdrawn``, a link that was withdrawn and never answered (a register corrected, then
    corrected back) is given a fresh secret and expiry instead, and returned as if new: the old secret
    stays dead.
    """
    if (session is None) == (pulse is None):
        raise ValueError("an invitation is for one session or one pulse")
    existing = db.select(SurveyInvitation).where(SurveyInvitation.person_id == person.id)
    existing = existing.where(SurveyInvitation.session_id == session.id) if session is not None \
        else existing.where(SurveyInvitation.pulse_id == pulse.id)
    found = db.session.scalar(existing)
    if found is not None:
        if not (renew_withdrawn and found.withdrawn and not found.answered):
            return None
        secret = new_secret()
        found.token_hash, found.withdrawn, found.expires_on = hash_secret(secret), False, expires_on
        db.session.flush()
        return found, secret
    secret = new_secret()
    invitation = SurveyInvitation(
        token_hash=hash_secret(secret),
        source=Source.SESSION.value if session is not None else Source.PULSE.value,
        person=person,
        questionnaire=questionnaire,
        session_id=session.id if session is not None else None,
        pulse=pulse,
        team_id=team_id,
        expires_on=expires_on,
    )
    db.session.add(invitation)
    db.session.flush()
    return invitation, secret


def open_invitation(secret: str) -> SurveyInvitation:
    """The invitation a link's secret names, if it may still be answered; otherwise ``LinkRefused``."""
    invitation = None
    if secret and len(secret) <= 100:
        invitation = db.session.scalar(db.select(SurveyInvitation).where(
            SurveyInvitation.token_hash == hash_secret(secret)))
    if invitation is None or invitation.withdrawn or invitation.person_id is None:
        raise LinkRefused(NOT_VALID, 404)
    if invitation.answered:
        raise LinkRefused(USED, 410)
    pulse = invitation.pulse
    if today_uk() > invitation.expires_on or (pulse is not None and pulse.cancelled_at is not None):
        raise LinkRefused(CLOSED, 410)
    if pulse is not None and today_uk() < pulse.opens_on:
        raise LinkRefused(f"This questionnaire opens on {pulse.opens_on:%-d %B %Y}. Please use the link then.", 409)
    return invitation


def read_answers(definition: Definition, given: dict[str, str | None], comment: str | None
                 ) -> tuple[dict[str, int], str]:
    """Check one answer per item, on the scale, and the comment's length; refuse with every problem."""
    problems: list[Problem] = []
    answers: dict[str, int] = {}
    for number, item in enumerate(definition.items, start=1):
        value = (given.get(item.id) or "").strip()
        if not value.isascii() or not value.isdigit() or not \
                definition.scale_min <= int(value) <= definition.scale_max:
            problems.append(Problem(f"Choose an answer for statement {number}", item.id))
        else:
            answers[item.id] = int(value)
    comment = (comment or "").strip() if definition.comment else ""
    if len(comment) > COMMENT_LONGEST:
        problems.append(Problem(f"The comment must be {COMMENT_LONGEST} characters or fewer", "comment"))
    if problems:
        raise ProgrammeError(*problems)
    return answers, comment


def answer(secret: str, given: dict[str, str | None], comment: str | None = None) -> SurveyResponse:
    """Store one anonymous answer for the link and use the link up."""
    invitation = open_invitation(secret)
    definition = definition_of(invitation.questionnaire)
    answers, comment = read_answers(definition, given, comment)
    # Use the link up first, conditionally, so that two requests with one link store one answer.
    used = db.session.execute(update(SurveyInvitation)
                              .where(SurveyInvitation.id == invitation.id, SurveyInvitation.answered.is_(False),
                                     SurveyInvitation.withdrawn.is_(False))
                              .values(answered=True).execution_options(synchronize_session=False))
    if used.rowcount != 1:
        raise LinkRefused(USED, 410)
    set_committed_value(invitation, "answered", True)  # the statement above bypassed the loaded object
    stamp_group(invitation)
    session_kind = None
    if invitation.session_id is not None:
        session_kind = db.session.get(ProgrammeSession, invitation.session_id).kind
    response = SurveyResponse(
        source=invitation.source,
        questionnaire_id=invitation.questionnaire_id,
        session_kind=session_kind,
        pulse_id=invitation.pulse_id,
        team_id=invitation.team_id,
        month=today_uk().replace(day=1),
        answers=json.dumps(answers, sort_keys=True),
        scores=json.dumps(definition.score(answers), sort_keys=True),
        comment=comment,
    )
    db.session.add(response)
    db.session.flush()
    return response


def stamp_group(invitation: SurveyInvitation) -> None:
    """Rewrite every invitation of the answer's group (the session, or the pulse's team) in this transaction.

    PostgreSQL stamps each row a transaction writes with that transaction's id (``xmin``). The response
    and the one invitation marked answered would share it, and someone reading the tables could join
    them. Rewritten together, the whole group shares the response's stamp, so it names the group that
    the response already names (its session kind and team), never the person.
    """
    if invitation.session_id is not None:
        group = SurveyInvitation.session_id == invitation.session_id
    else:
        group = (SurveyInvitation.pulse_id == invitation.pulse_id) & (SurveyInvitation.team_id == invitation.team_id)
    db.session.execute(update(SurveyInvitation).where(group).values(answered=SurveyInvitation.answered)
                       .execution_options(synchronize_session=False))


def withdraw_session_invitations(session_id: int, keep_person_ids: set[int]) -> int:
    """Withdraw the unanswered feedback links of a session for anyone not in ``keep_person_ids``
    (a register corrected to say they did not attend); return how many."""
    rows = db.session.scalars(db.select(SurveyInvitation).where(
        SurveyInvitation.session_id == session_id, SurveyInvitation.answered.is_(False),
        SurveyInvitation.withdrawn.is_(False))).all()
    count = 0
    for invitation in rows:
        if invitation.person_id not in keep_person_ids:
            invitation.withdrawn = True
            count += 1
    return count

