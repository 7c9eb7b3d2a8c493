"""What every privacy operation shares: which requests are finished, and how a refusal is raised."""

from __future__ import annotations

from programme.debriefs.models import RequestStatus
from programme.errors import ProgrammeError

# Requests whose work is over (a withdrawn one too); retention never touches one that is still open.
FINISHED_REQUESTS = (RequestStatus.CLOSED.value, RequestStatus.DECLINED.value, RequestStatus.WITHDRAWN.value)


class PrivacyError(ProgrammeError):
    """A privacy operation that must not go ahead; the message is one line for a person to read."""
