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

It lives in programme because it reaches every table that can hold a person, the roster's and the
programme's alike. Shared rules in ``policy``; pages for leads in ``views``, the commands in ``cli``.
"""

# The routes join the blueprint, and the commands the registry, when their modules are imported.
import programme.privacy.cli  # noqa: E402,F401
import programme.privacy.views  # noqa: E402,F401
from programme.privacy.blueprint import bp  # noqa: F401  (the app registers it)
