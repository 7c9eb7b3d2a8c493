"""Privacy: retention, legal holds, subject access export and erasure, with their pages and commands.

Debrief data concerns staff health (special category data). Every operation here removes or reports
*personal links* while leaving every programme figure exactly as it was: sessions, bookings, requests
and training records stay, only the people they point at go.

- Retention (``retention``, ``flask apply-retention``): for closed or declined debrief requests asked
  for before the cut-off, the requester, manager, triage lead and chair links, invitations, declared
  involved people, practical arrangements and decline reason; for sessions before the cut-off, the
  person on every booking and the facilitator of delivered or cancelled sessions (the session is marked
  ``anonymised_at``, which the facilitator CHECK accepts); the person on older audit lines and ended
  sign-ins. A legal hold on a request keeps the request, its session and its audit lines; a legal hold
  on a person keeps every link to that person.
- Erasure (``erasure``, ``flask erase-person``): the same for one person whatever the date, except
  that training records stay attached to a placeholder (they count towards the trained-facilitator
  figures), as do past supervision series and the audit trail's record of what the person did. The
  placeholder holds no name or e-mail; it is deleted instead when nothing points at it.
- Subject access (``access``, ``flask export-person``) and legal holds (``holds``, ``flask legal-hold``).

This package sits above rosters and programme on purpose: it reaches every table that can hold a person.
Pages for leads are in ``views``, the commands in ``cli``.
"""

from flask import Blueprint

from programme.errors import ProgrammeError
from programme.models import RequestStatus

bp = Blueprint("privacy", __name__)

# Requests whose work is over; retention never touches one that is still open.
FINISHED_REQUESTS = (RequestStatus.CLOSED.value, RequestStatus.DECLINED.value)


class PrivacyError(ProgrammeError):
    """A privacy operation that must not go ahead; the message is one line for a person to read."""


from programme.privacy import cli, views  # noqa: E402,F401  (the routes and commands register themselves)
