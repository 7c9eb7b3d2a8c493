"""The audit trail: record who viewed or changed sensitive records. Rows are only ever added.

``record`` adds a line to the current transaction; ``views`` shows the trail to leads at ``/audit``.
"""

from __future__ import annotations

from flask_login import current_user
from sqlalchemy import event

from rosters.extensions import db
from rosters.models import AuditEvent, Person


def record(action: str, obj: object | None = None, *, person: Person | None = None, detail: str = "") -> AuditEvent:
    """Add an audit line to the current transaction; it is stored when the request commits."""
    if person is None and current_user and getattr(current_user, "is_authenticated", False):
        person = current_user._get_current_object()  # the Person, not the proxy
    entry = AuditEvent(
        person=person,
        action=action,
        object_type=type(obj).__name__ if obj is not None else "",
        object_id=getattr(obj, "id", None),
        detail=detail[:500],
    )
    db.session.add(entry)
    return entry


@event.listens_for(AuditEvent, "before_update")
def _refuse_update(mapper, connection, target) -> None:
    raise PermissionError("the audit trail is append-only")


@event.listens_for(AuditEvent, "before_delete")
def _refuse_delete(mapper, connection, target) -> None:
    raise PermissionError("the audit trail is append-only")
