"""A lead's changes to the roster: add a person, change their details, deactivate and reactivate them.

The rules are the people import's (``rosters.imports``): an e-mail address names one person whatever
its case, a team must already exist, a role is one of the four. On top of them: nobody changes an
erased person's placeholder, a lead cannot deactivate themselves or change their own role, and the
programme always keeps at least one active lead.

Deactivating ends every sign-in at once (open sign-in sessions are ended, API tokens revoked, unused
password links withdrawn). Places the person holds on sessions are kept, as the import keeps them when
someone leaves a team: deactivation can be undone, and a lead frees a place from the session's places
page, with a reason, when it should go to someone else. Audit lines name what changed (fields, team,
role), never a name or an address, because the trail outlives an erasure.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, update

from rosters import audit
from rosters.clock import utcnow
from rosters.csv_import import EMAIL_RE
from rosters.errors import Conflict, Problem, refuse_if
from rosters.extensions import db
from rosters.models import ROLE_VALUES, ApiToken, Person, Role, Team
from rosters.people.models import PasswordLink
from rosters.services import RosterError, end_sign_ins, find_person, normalise_email

NAME_MAX = 200  # people.name is VARCHAR(200)
EMAIL_MAX = 320  # the longest address, and the column's limit
ERASED = "This person's details were erased: there is nothing left to change."


@dataclass(frozen=True)
class PersonDetails:
    """What a lead types about a person; ``team_id`` None means no team (0: a team that does not exist)."""

    name: str
    email: str
    role: str
    team_id: int | None = None


@dataclass(frozen=True)
class Deactivation:
    """What deactivating someone ended."""

    person: Person
    sign_ins_ended: int
    tokens_revoked: int
    links_withdrawn: int


def active_leads(*, besides: Person | None = None) -> int:
    """Programme leads who are enabled and not erased, leaving out ``besides``."""
    query = db.select(func.count()).select_from(Person).where(
        Person.role == Role.LEAD.value, Person.enabled.is_(True), Person.anonymised_at.is_(None))
    if besides is not None and besides.id is not None:
        query = query.where(Person.id != besides.id)
    return db.session.scalar(query) or 0


def _refuse_if_erased(person: Person) -> None:
    if person.anonymised_at is not None:
        raise Conflict(ERASED)


def _checked(details: PersonDetails, person: Person | None) -> tuple[str, str, str, Team | None]:
    """The details cleaned (name, e-mail, role, team), or a refusal listing every problem."""
    problems: list[Problem] = []
    name = details.name.strip()
    if not name:
        problems.append(Problem("Enter the person's name", "name"))
    elif len(name) > NAME_MAX:
        problems.append(Problem(f"Name must be {NAME_MAX} characters or fewer", "name"))
    email = normalise_email(details.email)
    if not email:
        problems.append(Problem("Enter an email address", "email"))
    elif len(email) > EMAIL_MAX or not EMAIL_RE.match(email):
        problems.append(Problem("Enter an email address in the correct format, like name@example.org", "email"))
    else:
        holder = find_person(email)
        if holder is not None and holder is not person:
            problems.append(Problem("Someone on the roster already has this email address", "email"))
    role = details.role.strip().lower()
    if role not in ROLE_VALUES:
        problems.append(Problem("Select a role", "role"))
    team = None
    if details.team_id is not None:
        team = db.session.get(Team, details.team_id) if details.team_id > 0 else None
        if team is None:
            problems.append(Problem("No such team: choose a team from the list", "team"))
    refuse_if(problems, RosterError)
    return name, email, role, team


def add_person(details: PersonDetails) -> Person:
    """Put a new person on the roster; they can sign in once they have a password (or the council's account)."""
    name, email, role, team = _checked(details, None)
    person = Person(email=email, name=name, role=role, team=team)
    db.session.add(person)
    db.session.flush()
    audit.record("person_added", person, detail=f"role {role}; team {team.name if team else 'none'}")
    return person


def change_person(person: Person, details: PersonDetails, by: Person) -> Person:
    """Change a person's name, e-mail, team or role; refuses changes that would leave no active lead."""
    _refuse_if_erased(person)
    name, email, role, team = _checked(details, person)
    if role != person.role:
        if person.id == by.id:
            raise RosterError(Problem("You cannot change your own role: ask another programme lead", "role"))
        if person.role == Role.LEAD.value and person.enabled and not active_leads(besides=person):
            raise Conflict(Problem("This is the only active programme lead: make someone else a lead first", "role"))
    changes = []
    if name != person.name:
        changes.append("name changed")
    if email != person.email:
        changes.append("email changed")
        # Links already sent went to the old address: they stop working.
        withdrawn = _withdraw_links(person)
        if withdrawn:
            changes.append(f"{withdrawn} unused password link{'s' if withdrawn != 1 else ''} withdrawn")
    if team is not person.team:
        changes.append(f"team {person.team.name if person.team else 'none'} to {team.name if team else 'none'}")
    if role != person.role:
        changes.append(f"role {person.role} to {role}")  # a new role ends their sign-ins (rosters.services)
    if not changes:
        return person
    person.name, person.email, person.role, person.team = name, email, role, team
    db.session.flush()
    audit.record("person_changed", person, detail="; ".join(changes))
    return person


def deactivate_person(person: Person, by: Person) -> Deactivation:
    """Stop someone taking part: they cannot sign in, and every sign-in and token they hold ends now."""
    _refuse_if_erased(person)
    if not person.enabled:
        raise Conflict("This person is already deactivated.")
    if person.id == by.id:
        raise Conflict("You cannot deactivate yourself: ask another programme lead.")
    if person.role == Role.LEAD.value and not active_leads(besides=person):
        raise Conflict("This is the only active programme lead: make someone else a lead first.")
    sign_ins = end_sign_ins(person)
    now = utcnow()
    tokens = db.session.execute(
        update(ApiToken).where(ApiToken.person_id == person.id, ApiToken.revoked_at.is_(None))
        .values(revoked_at=now).execution_options(synchronize_session=False)
    ).rowcount
    links = _withdraw_links(person)
    person.enabled = False
    db.session.flush()
    audit.record("person_deactivated", person,
                 detail=f"{sign_ins} sign-in(s) ended; {tokens} API token(s) revoked; "
                        f"{links} password link(s) withdrawn; bookings kept")
    return Deactivation(person, sign_ins, tokens, links)


def reactivate_person(person: Person) -> Person:
    """Let a deactivated person take part again (API tokens stay revoked: they ask for new ones)."""
    _refuse_if_erased(person)
    if person.enabled:
        raise Conflict("This person is already active.")
    person.enabled = True
    db.session.flush()
    audit.record("person_reactivated", person)
    return person


def _withdraw_links(person: Person) -> int:
    """Mark the person's unused password links as replaced; returns how many."""
    return db.session.execute(
        update(PasswordLink).where(PasswordLink.person_id == person.id, PasswordLink.used_at.is_(None),
                                   PasswordLink.superseded_at.is_(None))
        .values(superseded_at=utcnow()).execution_options(synchronize_session=False)
    ).rowcount
