"""Pulses: a questionnaire sent to chosen teams, open for a number of days, with one reminder.

When a pulse opens (at once, if it opens today; otherwise ``flask send-pulse-reminders`` on its first
day) everyone enabled on the roster of its teams, whatever their role, gets a single-use link by e-mail.
The people invited are fixed then: someone who joins a team later is not added. Near the end (on
either of the last two days, never on the day it opened) the same command sends one reminder to those
who have not answered. Only a link's hash is kept, so the reminder carries a new link and the first one
stops working. Answers keep only the team (``answers.answer``). A lead may cancel a pulse: its links
then say it has closed, and any answers already given stay.
"""

from __future__ import annotations

import datetime as dt
import secrets
from dataclasses import dataclass

from flask import current_app
from sqlalchemy import update

from programme.errors import Conflict, Missing, Problem, ProgrammeError
from programme.evaluation.answers import invite
from programme.evaluation.definitions import SESSION_FEEDBACK_KEY
from programme.evaluation.models import Pulse, Questionnaire, SurveyInvitation
from rosters import audit
from rosters.bounds import DATE_RANGE_WORDS, date_in_range
from rosters.clock import today_uk, utcnow
from rosters.extensions import db
from rosters.mail import Message
from rosters.models import Person, Team, hash_secret
from rosters.web import absolute_url

LONGEST_DAYS = 60
REMIND_DAYS_LEFT = 2  # the reminder goes on either of the last two days the pulse is open
TITLE_LONGEST = 200


@dataclass(frozen=True)
class Link:
    """A person's link to answer, to be e-mailed once the change is committed."""

    person: Person
    pulse: Pulse
    secret: str
    reminder: bool = False


def status_of(pulse: Pulse, today: dt.date | None = None) -> str:
    """'cancelled', 'scheduled' (not yet open), 'open' or 'closed'."""
    today = today or today_uk()
    if pulse.cancelled_at is not None:
        return "cancelled"
    if today < pulse.opens_on:
        return "scheduled"
    return "open" if today <= pulse.closes_on else "closed"


def team_choices() -> list[Team]:
    """The teams a pulse may go to: active ones, by service and name."""
    return list(db.session.scalars(db.select(Team).where(Team.active.is_(True)).order_by(Team.service, Team.name)))


def create_pulse(title: str, questionnaire_id: int | None, team_ids: list[int], opens_on: dt.date | None,
                 days: int | None, by: Person) -> tuple[Pulse, list[Link]]:
    """Plan a pulse; if it opens today, invite its teams now. Refuses with every problem at once."""
    problems: list[Problem] = []
    title = (title or "").strip()
    if not title:
        problems.append(Problem("Enter a title for the pulse", "title"))
    elif len(title) > TITLE_LONGEST:
        problems.append(Problem(f"The title must be {TITLE_LONGEST} characters or fewer", "title"))
    questionnaire = db.session.get(Questionnaire, questionnaire_id) if questionnaire_id else None
    if questionnaire is None or questionnaire.key == SESSION_FEEDBACK_KEY:
        problems.append(Problem("Select a questionnaire", "questionnaire"))
    elif questionnaire.retired:
        problems.append(Problem(f"{questionnaire.title} is retired: select another questionnaire", "questionnaire"))
    teams = list(db.session.scalars(db.select(Team).where(Team.id.in_(set(team_ids)), Team.active.is_(True))))
    if not team_ids:
        problems.append(Problem("Select at least one team", "teams"))
    elif len(teams) != len(set(team_ids)):
        problems.append(Problem("Select only active teams from the list", "teams"))
    today = today_uk()
    if opens_on is None:
        problems.append(Problem("Enter the date the pulse opens", "opens_on"))
    elif not date_in_range(opens_on):
        problems.append(Problem(f"The opening date must be between {DATE_RANGE_WORDS}", "opens_on"))
    elif opens_on < today:
        problems.append(Problem("The pulse must open today or later", "opens_on"))
    if days is None or not 1 <= days <= LONGEST_DAYS:
        problems.append(Problem(f"A pulse is open for 1 to {LONGEST_DAYS} days", "days"))
    if problems:
        raise ProgrammeError(*problems)
    closes_on = opens_on + dt.timedelta(days=days - 1)
    if not date_in_range(closes_on):
        raise ProgrammeError(Problem(f"The pulse must close by {DATE_RANGE_WORDS.split(' and ')[1]}", "days"))
    pulse = Pulse(title=title, questionnaire=questionnaire, opens_on=opens_on, closes_on=closes_on,
                  created_by=by, teams=teams)
    db.session.add(pulse)
    db.session.flush()
    audit.record("pulse_created", pulse, detail=f"{questionnaire.key} version {questionnaire.version}; "
                 f"{len(teams)} team(s); {opens_on.isoformat()} to {closes_on.isoformat()}")
    links = open_pulse(pulse) if opens_on == today else []
    return pulse, links


def open_pulse(pulse: Pulse) -> list[Link]:
    """Invite everyone enabled in the pulse's teams; nothing if its invitations have gone already."""
    if invited_count(pulse) or pulse.cancelled_at is not None:
        return []
    team_ids = [team.id for team in pulse.teams]
    people = db.session.scalars(db.select(Person).where(Person.team_id.in_(team_ids), Person.enabled.is_(True))
                                .order_by(Person.id))
    links = []
    for person in people:
        made = invite(person, pulse.questionnaire, expires_on=pulse.closes_on, pulse=pulse, team_id=person.team_id)
        if made is not None:
            links.append(Link(person, pulse, made[1]))
    return links


def invited_count(pulse: Pulse) -> int:
    return db.session.scalar(db.select(db.func.count()).select_from(SurveyInvitation).where(
        SurveyInvitation.pulse_id == pulse.id)) or 0


def open_due_pulses(today: dt.date) -> list[Link]:
    """Invitations for every pulse that has opened, is not over and has not sent them yet."""
    due = db.session.scalars(db.select(Pulse).where(
        Pulse.cancelled_at.is_(None), Pulse.opens_on <= today, Pulse.closes_on >= today).order_by(Pulse.id))
    return [link for pulse in due for link in open_pulse(pulse)]


def remind_due_pulses(today: dt.date) -> list[Link]:
    """One reminder per pulse, with a fresh link, to those invited who have not answered."""
    due = list(db.session.scalars(db.select(Pulse).where(
        Pulse.cancelled_at.is_(None), Pulse.reminder_sent_at.is_(None), Pulse.opens_on < today,
        Pulse.closes_on >= today, Pulse.closes_on <= today + dt.timedelta(days=REMIND_DAYS_LEFT - 1)
    ).order_by(Pulse.id)))
    links = []
    for pulse in due:
        # Claimed with a conditional UPDATE: a second run at the same moment finds it taken and sends nothing.
        claimed = db.session.execute(update(Pulse).where(Pulse.id == pulse.id, Pulse.reminder_sent_at.is_(None))
                                     .values(reminder_sent_at=utcnow()).execution_options(synchronize_session=False))
        if claimed.rowcount != 1:
            continue
        waiting = db.session.scalars(db.select(SurveyInvitation).where(
            SurveyInvitation.pulse_id == pulse.id, SurveyInvitation.answered.is_(False),
            SurveyInvitation.withdrawn.is_(False), SurveyInvitation.person_id.is_not(None))
            .order_by(SurveyInvitation.id))
        for invitation in waiting:
            secret = secrets.token_urlsafe(32)
            invitation.token_hash = hash_secret(secret)  # the first link stops working; this one replaces it
            invitation.reminded = True
            links.append(Link(invitation.person, pulse, secret, reminder=True))
    db.session.flush()
    return links


def cancel_pulse(pulse: Pulse) -> Pulse:
    """Stop a pulse: its links say it has closed; answers already given stay."""
    if pulse.cancelled_at is not None:
        raise Conflict(Problem("This pulse is already cancelled"))
    if status_of(pulse) == "closed":
        raise Conflict(Problem("This pulse has closed already"))
    pulse.cancelled_at = utcnow()
    audit.record("pulse_cancelled", pulse, detail=pulse.title)
    return pulse


def get_pulse(pulse_id: int) -> Pulse:
    pulse = db.session.get(Pulse, pulse_id)
    if pulse is None:
        raise Missing(Problem("No such pulse"))
    return pulse


def messages(links: list[Link]) -> list[Message]:
    """The e-mail for each link. Subjects hold no names; the body tells the person how anonymous it is."""
    threshold = current_app.config["SUPPRESSION_THRESHOLD"]
    out = []
    for link in links:
        pulse = link.pulse
        closes = f"{pulse.closes_on:%-d %B %Y}"
        url = absolute_url("evaluation.respond", token=link.secret)
        if link.reminder:
            subject = f"Reminder: the wellbeing questionnaire closes on {closes}"
            opening = (f"A reminder: the wellbeing questionnaire \"{pulse.title}\" closes at the end of {closes}. "
                       "If you have a few minutes, your answers help show whether the programme is helping.\n\n"
                       "This e-mail has a new link: the one we sent before no longer works.")
        else:
            subject = f"A short wellbeing questionnaire: open until {closes}"
            opening = (f"The staff wellbeing programme is asking everyone in your team to answer a short "
                       f"questionnaire, \"{pulse.title}\". It takes a few minutes and is open until the end "
                       f"of {closes}.")
        body = (f"Hello {link.person.name},\n\n{opening}\n\nAnswer here (the link is yours and works once):\n{url}\n\n"
                "Your answers are anonymous. They are kept without your name, with only your team and the month, "
                f"and results are shown only for groups of at least {threshold} people. Answering is up to you.\n")
        out.append(Message(to=link.person.email, subject=subject, body=body))
    return out
