"""The questionnaires a lead has uploaded (docs/questionnaires.md): store a checked definition, retire one.

A questionnaire is known by its key and version. Once stored, a key and version always mean the same
items and scoring, so that results from different pulses can be compared: a changed definition needs a
new version number, and uploading the same definition again changes nothing. Every change is audited.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from sqlalchemy import func

from programme.errors import Conflict, Problem, ProgrammeError
from programme.evaluation.definitions import SESSION_FEEDBACK_KEY, Definition, DefinitionError, check, parse
from programme.evaluation.models import Pulse, Questionnaire
from rosters import audit
from rosters.extensions import db

FILE = "file"  # the upload form's field, where every problem with the file is shown


@dataclass(frozen=True)
class Upload:
    questionnaire: Questionnaire
    created: bool  # False: the same definition was already stored


@dataclass(frozen=True)
class Listed:
    questionnaire: Questionnaire
    pulses: int  # how many pulses (not cancelled) use it


def upload_questionnaire(content: bytes) -> Upload:
    """Check and store a definition file; refuse it with every problem, one line each."""
    try:
        data = parse(content)
        definition = check(data)
    except DefinitionError as error:
        raise ProgrammeError(*[Problem(line, FILE) for line in error.problems]) from None
    if definition.key == SESSION_FEEDBACK_KEY:
        raise Conflict(Problem(f"key: {SESSION_FEEDBACK_KEY!r} is the built-in session feedback questionnaire; "
                               "choose another key", FILE))
    stored = db.session.scalar(db.select(Questionnaire).where(
        Questionnaire.key == definition.key, Questionnaire.version == definition.version))
    if stored is not None:
        if json.loads(stored.definition) == data:
            return Upload(stored, created=False)
        raise Conflict(Problem(
            f"{definition.key} version {definition.version} is already stored with different content. "
            f"Results are compared by key and version, so a changed questionnaire needs a new version number "
            f"(for example {next_version(definition.key)}).", FILE))
    row = Questionnaire(key=definition.key, version=definition.version, title=definition.title,
                        definition=json.dumps(data, ensure_ascii=False, indent=1), built_in=False)
    db.session.add(row)
    db.session.flush()
    audit.record("questionnaire_uploaded", row, detail=f"{definition.key} version {definition.version}")
    return Upload(row, created=True)


def next_version(key: str) -> int:
    highest = db.session.scalar(db.select(func.max(Questionnaire.version)).where(Questionnaire.key == key))
    return (highest or 0) + 1


def retire_questionnaire(questionnaire: Questionnaire) -> Questionnaire:
    """No new pulses may use it; pulses that did, and their results, stay as they are."""
    if questionnaire.built_in:
        raise Conflict(Problem("A built-in questionnaire cannot be retired"))
    if questionnaire.retired:
        raise Conflict(Problem(f"{questionnaire.title} (version {questionnaire.version}) is already retired"))
    questionnaire.retired = True
    audit.record("questionnaire_retired", questionnaire, detail=f"{questionnaire.key} version {questionnaire.version}")
    return questionnaire


def list_questionnaires() -> list[Listed]:
    """Every stored questionnaire, by title and version, with how many pulses use it."""
    counts = dict(db.session.execute(
        db.select(Pulse.questionnaire_id, func.count()).where(Pulse.cancelled_at.is_(None))
        .group_by(Pulse.questionnaire_id)).all())
    rows = db.session.scalars(db.select(Questionnaire).order_by(Questionnaire.title, Questionnaire.key,
                                                                 Questionnaire.version))
    return [Listed(row, counts.get(row.id, 0)) for row in rows]


def pulse_questionnaires() -> list[Questionnaire]:
    """The questionnaires a new pulse may use: not retired, and not the session feedback form."""
    return list(db.session.scalars(db.select(Questionnaire).where(
        Questionnaire.retired.is_(False), Questionnaire.key != SESSION_FEEDBACK_KEY)
        .order_by(Questionnaire.title, Questionnaire.version)))


def definition_of(questionnaire: Questionnaire) -> Definition:
    return check(json.loads(questionnaire.definition))
