"""The audit trail for leads: who did or saw what, newest first, filtered by action or person.

Actions are stored as codes and shown by their readable names (``names.py``); the filter's value is the
code, and a readable name in the address (``?action=Board report viewed``) finds the same lines.
"""

from __future__ import annotations

import re

from flask import Blueprint, abort, render_template, request, url_for
from flask_sqlalchemy.pagination import Pagination
from sqlalchemy import Select, and_, or_

from rosters import audit
from rosters.audit.names import ACTION_NAMES, action_code, action_name
from rosters.auth import role_required
from rosters.bounds import parse_id, parse_page
from rosters.extensions import db
from rosters.models import AuditEvent, Person, Role

bp = Blueprint("audit", __name__)

PER_PAGE = 50


def audit_query(action: str, person_id: int | None) -> Select:
    """Audit lines newest first; ``person_id`` matches what someone did and what was done to their record."""
    query = db.select(AuditEvent).order_by(AuditEvent.at.desc(), AuditEvent.id.desc())
    if action:
        query = query.where(AuditEvent.action == action)
    if person_id is not None:
        query = query.where(
            or_(
                AuditEvent.person_id == person_id,
                and_(AuditEvent.object_type == Person.__name__, AuditEvent.object_id == person_id),
            )
        )
    return query


def object_label(event: AuditEvent) -> str:
    """'DebriefRequest', 12 -> 'Debrief request 12'."""
    if not event.object_type:
        return ""
    words = re.sub(r"(?<!^)(?=[A-Z])", " ", event.object_type).capitalize()
    return f"{words} {event.object_id}" if event.object_id is not None else words


@bp.get("/audit")
@role_required(Role.LEAD)
def trail():
    codes = list(db.session.scalars(db.select(AuditEvent.action).distinct()))
    action = action_code(request.args.get("action", ""), [*codes, *ACTION_NAMES])
    person_id = parse_id(request.args["person"]) if request.args.get("person", "").strip() else None
    number = parse_page(request.args.get("page"))
    if number is None or (request.args.get("person", "").strip() and person_id is None):
        abort(400, "The page and person in the address must be whole numbers.")
    page: Pagination = db.paginate(audit_query(action, person_id), page=number, per_page=PER_PAGE,
                                   max_per_page=PER_PAGE)
    actions = sorted(((code, action_name(code)) for code in codes), key=lambda pair: (pair[1].casefold(), pair[0]))
    on_trail = or_(
        Person.id.in_(db.select(AuditEvent.person_id)),
        Person.id.in_(db.select(AuditEvent.object_id).where(AuditEvent.object_type == Person.__name__)),
    )
    people = list(db.session.scalars(db.select(Person).where(on_trail).order_by(Person.name, Person.email)))
    filters = {"action": action or None, "person": person_id}
    # Reading the trail is itself on the trail: it shows who did what, to whom.
    audit.record("audit_viewed", detail=f"page {page.page}; action={action or 'any'}; person={person_id or 'any'}")
    db.session.commit()
    return render_template(
        "rosters/audit.html",
        page=page,
        action=action,
        person_id=person_id,
        actions=actions,
        people=people,
        object_label=object_label,
        action_name=action_name,
        page_url=lambda number: url_for("audit.trail", page=number, **filters),
    )
