"""What an operation says when it will not do what was asked: problems, each tagged with its field.

Operations raise a ``Refused`` (or a package's subclass: ``RosterError``, ``ProgrammeError``) holding
``Problem``s. A problem names the input it is about, so pages put it beside that field and the API lists
it, and nobody has to guess the field from the words of the message.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Problem:
    """One thing wrong, in words for the person who asked; ``field`` is the input it concerns, if any."""

    text: str
    field: str | None = None


class Refused(ValueError):
    """An operation refused: nothing it did is kept. ``status`` is the HTTP answer for pages and the API."""

    status = 400

    def __init__(self, *problems: Problem | str) -> None:
        self.problems = [p if isinstance(p, Problem) else Problem(p) for p in problems]
        super().__init__("\n".join(problem.text for problem in self.problems))

    @property
    def texts(self) -> list[str]:
        return [problem.text for problem in self.problems]


class NotAllowed(Refused):
    """The person may not do this (403)."""

    status = 403


class Missing(Refused):
    """The record asked for does not exist (404), or not for this person."""

    status = 404


class Conflict(Refused):
    """The request clashes with how things stand now, such as a place already held (409)."""

    status = 409


def refuse_if(problems: list[Problem], error: type[Refused] = Refused) -> None:
    """Raise ``error`` with every problem gathered, if there are any."""
    if problems:
        raise error(*problems)
