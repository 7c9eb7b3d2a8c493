"""Refusals of the programme's operations, each problem tagged with the input it concerns.

``ProgrammeError`` is refused input (400), ``NotAllowed`` a person who may not (403), ``Missing`` a record
that is not there (404), ``Conflict`` the state of things (409). The request layer
(``rosters.actions.perform``) rolls back, puts each problem on its form field or in the API's error, and
answers with the status.
"""

from __future__ import annotations

from rosters.errors import Conflict as _Conflict
from rosters.errors import Missing as _Missing
from rosters.errors import NotAllowed as _NotAllowed
from rosters.errors import Problem, Refused

__all__ = ["Conflict", "Missing", "NotAllowed", "Problem", "ProgrammeError"]


class ProgrammeError(Refused):
    """A programme operation that cannot be carried out as asked."""


class NotAllowed(ProgrammeError, _NotAllowed):
    """The person may not do this (403)."""


class Missing(ProgrammeError, _Missing):
    """No such session, booking or request (404)."""


class Conflict(ProgrammeError, _Conflict):
    """The request clashes with how things stand, such as a place already held (409)."""
