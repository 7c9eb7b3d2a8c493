"""The one request layer: run an operation and commit it with what it has to tell; or say why not.

Every page and API call that changes something goes through ``perform``:

    outcome = perform(lambda: book_place(session_id, me()), tell=lambda booking: [booking_made(booking)])

The operation flushes and may raise ``Refused`` (with problems tagged by field and an HTTP status: 400,
403, 404 or 409) or a database error from a change made at the same moment. ``perform`` commits only when it returns;
otherwise it rolls back, so a refused request writes nothing. Messages are built from the result inside
the transaction and stored in the outbox with it (``rosters.outbox``): nobody is told of a change that
did not happen, no message is lost, and ``flask send-mail`` sends them outside any request. A view
then renders or redirects; ``api_response`` turns a refusal into the API's JSON error.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Generic, TypeVar

from flask import abort, current_app, jsonify
from flask_wtf import FlaskForm
from sqlalchemy.exc import IntegrityError, OperationalError

from rosters import mail, outbox
from rosters.errors import Problem, Refused
from rosters.extensions import db

T = TypeVar("T")

CLASH = "Someone else changed this at the same moment. Nothing was saved: check the details and try again."
BUSY = "The service is busy. Nothing was saved: try again in a moment."


@dataclass
class Outcome(Generic[T]):
    """What came of an operation: its result, or the problems that stopped it and the HTTP status."""

    result: T | None = None
    problems: list[Problem] = field(default_factory=list)
    status: int = 200
    general: list[str] = field(default_factory=list)  # problems no form field shows
    told: list[mail.Message] = field(default_factory=list)  # the messages sent after the commit

    @property
    def done(self) -> bool:
        return not self.problems

    @property
    def texts(self) -> list[str]:
        return [problem.text for problem in self.problems]


def perform(
    operation: Callable[[], T],
    *,
    tell: Callable[[T], Iterable[mail.Message]] | None = None,
    form: FlaskForm | None = None,
    fields: Mapping[str, str] | None = None,
    fallback: str | None = None,
    clash: str = CLASH,
) -> Outcome[T]:
    """Run ``operation`` and commit it with ``tell(result)`` in the outbox; on refusal roll back and report.

    With ``form``, each problem goes on the form field it names (``fields`` maps an operation's name for
    an input to the form's, where they differ; ``fallback`` takes those the form has no field for); the
    rest are in ``Outcome.general``. A 403 or 404 refusal aborts with that status, as a direct request
    for the page or record would.
    """
    try:
        result, messages = commit_telling(operation, tell)
    except Refused as error:
        db.session.rollback()
        if error.status in (403, 404):  # as a direct request for the page or record would answer
            abort(error.status, error.texts[0] if error.problems else None)
        return _refused(error.problems, error.status, form, fields or {}, fallback)
    except IntegrityError:
        # A constraint refused a change made at the same moment by someone else (or the same person twice).
        db.session.rollback()
        current_app.logger.warning("Change refused by the database", exc_info=True)
        return _refused([Problem(clash)], 409, form, {}, fallback)
    except OperationalError:
        db.session.rollback()  # the database's lock or connection gave way: nothing was kept
        current_app.logger.warning("Database busy", exc_info=True)
        return _refused([Problem(BUSY)], 503, form, {}, fallback)
    return Outcome(result, told=messages)


def commit_telling(operation: Callable[[], T], tell: Callable[[T], Iterable[mail.Message]] | None
                   ) -> tuple[T, list[mail.Message]]:
    """Run the operation, put what it has to tell in the outbox in the same transaction, then commit.

    The messages exist exactly when the change does; ``flask send-mail`` sends them, so no request
    waits on the mail server and none is lost while it is down.
    """
    result = operation()
    messages = list(tell(result)) if tell is not None else []
    outbox.post(messages)
    db.session.commit()
    return result, messages


def _refused(problems: list[Problem], status: int, form: FlaskForm | None, fields: Mapping[str, str],
             fallback: str | None) -> Outcome:
    return Outcome(problems=problems, status=status, general=place_problems(problems, form, fields, fallback))


def place_problems(problems: Iterable[Problem], form: FlaskForm | None, fields: Mapping[str, str] | None = None,
                   fallback: str | None = None) -> list[str]:
    """Put each problem on the form field it names (``fields`` renames, ``fallback`` takes those the form
    has no field for); return the texts of those that fit no field, for the top of the page."""
    general = []
    for problem in dict.fromkeys(problems):
        name = (fields or {}).get(problem.field, problem.field) if problem.field else None
        if form is not None and name not in form._fields:
            name = fallback  # the form has no such input: the fallback field shows it, if there is one
        if form is not None and name in form._fields:
            form[name].errors = [*form[name].errors, problem.text]
        else:
            general.append(problem.text)
    return general


def api_error(status: int, message: str):
    """The API's error answer: ``{"error": message}`` with the status (and how to authenticate on 401)."""
    response = jsonify({"error": message})
    response.status_code = status
    if status == 401:
        response.headers["WWW-Authenticate"] = 'Bearer realm="api"'
    return response


def api_refusal(outcome: Outcome):
    """A refused outcome as the API's JSON error: every problem, in one message."""
    return api_error(outcome.status, "; ".join(outcome.texts))
