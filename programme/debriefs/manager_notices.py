"""The e-mails to a practitioner's named manager, sent only when the practitioner agreed that they be told.

The manager hears that a member of their team asked, when a session is arranged (so they can free the
time), and when where it stands changes; each message links to the manager's own page for the request.
No subject holds a name, and no message holds the kind of incident, the place or who else is invited.
Colleagues a manager adds to an arranged session get the session's invitation, as everyone invited did.
"""

from __future__ import annotations

from collections.abc import Iterable

from programme.calendars import REQUEST
from programme.debriefs.models import DebriefInvitation, DebriefRequest
from programme.debriefs.notices import SUPPORT_NOW, WHAT_IT_IS, _event, _recipient
from programme.models import Status
from rosters.mail import Message
from rosters.web import absolute_url


def _told(item: DebriefRequest) -> bool:
    return item.manager_told and item.manager is not None and bool(item.manager.email)


def _where_it_stands(item: DebriefRequest) -> str:
    return f"See where it stands at {absolute_url('debriefs.team_debrief', request_id=item.id)}"


def manager_told_of_request(item: DebriefRequest) -> list[Message]:
    """The named manager, when the practitioner agreed: someone in their team asked and named them."""
    if not _told(item):
        return []
    return [Message(
        item.manager.email,
        "A debrief request names you as manager",
        "A member of your team has asked for a critical-incident debrief and named you as their manager. "
        "They agreed that you can see where the request stands; you can also support it and invite "
        f"colleagues.\n\n{_where_it_stands(item)}",
    )]


def manager_session_arranged(item: DebriefRequest, *, was: str | None = None) -> list[Message]:
    """The named manager, when told: the session's day and hours, so they can free the time.

    ``was`` is the session's ``when`` before a change (None when newly arranged); a change of place
    alone is not theirs to hear about."""
    session = item.session
    if not _told(item) or session is None or session.status != Status.SCHEDULED.value or was == session.when:
        return []
    changed = was is not None
    opening = ("The debrief session for a member of your team has moved." if changed
               else "A debrief session is arranged for a member of your team.")
    return [Message(
        item.manager.email,
        f"Debrief session for your team {'moved to' if changed else 'on'} {session.starts_local:%-d %B}",
        f"{opening}\n\nWhen: {session.when}\n\nPlease make sure they are free to attend.\n\n{_where_it_stands(item)}",
    )]


def manager_status_changed(item: DebriefRequest, what: str) -> list[Message]:
    """The named manager, when told: the request has changed (``what`` completes "it has been ...", such
    as "declined" or "withdrawn"); the details are on their page."""
    if not _told(item):
        return []
    return [Message(
        item.manager.email,
        "A debrief request from your team has changed",
        f"A critical-incident debrief request from a member of your team has been {what}.\n\n"
        f"{_where_it_stands(item)}",
    )]


def colleagues_invited(item: DebriefRequest, invitations: Iterable[DebriefInvitation]) -> list[Message]:
    """Colleagues just added to an arranged session: the session and its calendar invitation, as everyone
    invited before them was sent (``notices.session_arranged``). Nothing while no session is arranged."""
    session = item.session
    if session is None or session.status != Status.SCHEDULED.value:
        return []
    subject = f"Debrief session on {session.starts_local:%-d %B}"
    body = (f"You are invited to a critical-incident debrief.\n\nWhen: {session.when}\n{session.where}\n\n"
            f"{WHAT_IT_IS}\n\n{SUPPORT_NOW}")
    return [Message(invited.address, subject, body, _event(session, _recipient(invited), REQUEST))
            for invited in invitations if invited.address]
