"""``flask seed-demo``: a realistic programme to explore, loaded through the same imports as real files."""

from __future__ import annotations

import csv
import datetime as dt
import io
import random

import click
from flask.cli import with_appcontext

from programme.dates import working_days_after
from programme.debriefs.asking import DebriefAsk, request_debrief
from programme.debriefs.chairs import Arrangement, arrange_session
from programme.debriefs.log import SessionLog, log_session
from programme.debriefs.models import DebriefRequest
from programme.debriefs.triage import accept_request
from programme.evaluation.demo import seed_evaluation_demo
from programme.learning.operations import add_learning_point, advance_learning_point
from programme.models import Pattern, SupervisionSeries
from programme.supervision.facilitators import suggest_facilitators
from programme.supervision.places import book_place
from programme.supervision.series import SeriesRequest, create_series, plan_series
from programme.support.demo import plan_demo_services
from rosters.cli import command
from rosters.clock import local_to_utc, today_uk
from rosters.csv_import import ImportFailed, run_import
from rosters.extensions import db
from rosters.models import Team
from rosters.services import create_user, find_person, find_team

DOMAIN = "demo.example.org"
PARTNER = "Hampshire Constabulary"

TEAMS = [
    ("Front Door (MASH)", "Assessment"),
    ("Assessment Team 1", "Assessment"),
    ("Assessment Team 2", "Assessment"),
    ("Assessment Team 3", "Assessment"),
    ("Protection and Court Team 1", "Protection and Court"),
    ("Protection and Court Team 2", "Protection and Court"),
    ("Protection and Court Team 3", "Protection and Court"),
    ("Protection and Court Team 4", "Protection and Court"),
    ("Children Looked After 1", "Children Looked After"),
    ("Children Looked After 2", "Children Looked After"),
    ("Children Looked After 3", "Children Looked After"),
    ("Care Leavers", "Children Looked After"),
    ("Disabled Children", "Specialist"),
    ("Fostering", "Specialist"),
    ("Adoption and Permanence", "Specialist"),
    ("Youth Justice", "Specialist"),
    ("Edge of Care", "Early Help"),
    ("Early Help North", "Early Help"),
    ("Early Help South", "Early Help"),
    ("Out of Hours", "Assessment"),
]
PARTNER_TEAM = ("Public Protection Unit", "Police")

FIRST = ["Aisha", "Ben", "Chloe", "Daniel", "Ella", "Farhan", "Grace", "Harry", "Imogen", "Jack", "Kiran", "Leah",
         "Mohammed", "Niamh", "Oliver", "Priya", "Rosie", "Sam", "Tariq", "Una", "Vikram", "Willow", "Yusuf", "Zara"]
LAST = ["Ahmed", "Baker", "Clarke", "Davies", "Evans", "Fletcher", "Green", "Hughes", "Iqbal", "Jones", "Khan",
        "Lewis", "Morgan", "Nowak", "O'Brien", "Patel", "Quinn", "Roberts", "Shah", "Taylor", "Walker", "Young"]

DEMO_SIGN_INS = [
    ("lead", f"lead@{DOMAIN}", "Pat Lead", None),
    ("facilitator", f"facilitator@{DOMAIN}", "Fran Facilitator", "Fostering"),
    ("manager", f"manager@{DOMAIN}", "Morgan Manager", "Assessment Team 1"),
    ("member", f"member@{DOMAIN}", "Mel Member", "Assessment Team 1"),
]
DEMO_PASSWORD = "wellbeing-demo"  # noqa: S105 (printed for the demo; not a real account)
# Two teams lost their facilitator for a few months, so the figures have team-months without supervision.
PAUSED_TEAMS = (6, 13, 17)
CATEGORY_WEIGHTS = [("murder", 2), ("abuse", 5), ("serious_violence", 4), ("threat_to_worker", 6), ("other", 5)]


def _csv(header: list[str], rows: list[list]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(header)
    writer.writerows(rows)
    return buffer.getvalue().encode()


def build_demo(today: dt.date, seed: int = 20240601) -> dict[str, bytes]:
    """The four import files of the demo programme, as CSV bytes, for 16 months up to ``today``."""
    rng = random.Random(seed)
    teams = [(name, service, "") for name, service in TEAMS] + [(PARTNER_TEAM[0], PARTNER_TEAM[1], PARTNER)]
    team_rows = [[name, service, agency, "yes"] for name, service, agency in teams]
    team_rows.append(["Family Group Conferencing", "Early Help", "", "no"])  # closed in a restructure

    people: list[list[str]] = []
    names = iter(rng.sample([(first, last) for first in FIRST for last in LAST], 400))
    by_team: dict[str, list[str]] = {}
    for name, _service, _agency in teams:
        size = rng.randint(6, 11)
        for index in range(size):
            first, last = next(names)
            email = f"{first}.{last}".lower().replace("'", "") + f"@{DOMAIN}"
            role = "manager" if index == 0 else "member"
            people.append([email, f"{first} {last}", name, role])
            by_team.setdefault(name, []).append(email)
    for role, email, name, team in DEMO_SIGN_INS:
        people.append([email, name, team or "", role])
        if team:
            by_team[team].append(email)

    # Facilitators: practitioners from across the service, trained as the programme grew.
    members = [row for row in people if row[3] == "member" and row[2] != PARTNER_TEAM[0]]
    chosen = rng.sample(members, 13)
    debrief_facilitators = [f"facilitator@{DOMAIN}"] + [row[0] for row in chosen[:12]]
    supervision_facilitators = [f"facilitator@{DOMAIN}"] + [row[0] for row in chosen[4:13]] + [
        row[0] for row in rng.sample(members, 4)
    ]
    for row in people:
        if row[0] in debrief_facilitators or row[0] in supervision_facilitators:
            row[3] = "facilitator"
    start = today - dt.timedelta(days=488)  # about 16 months
    training = []
    for email in debrief_facilitators:
        done = start + dt.timedelta(days=rng.randint(-60, 40))
        training.append([email, "critical_incident_debrief", done.isoformat(), (done + dt.timedelta(days=730)).isoformat()])
    for index, email in enumerate(dict.fromkeys(supervision_facilitators)):
        done = start + dt.timedelta(days=rng.randint(-200, 120))
        # A couple of renewals fall due soon, and one has lapsed, so the roster shows each state.
        if index == 2:
            expires = today + dt.timedelta(days=30)
        elif index == 5:
            expires = today - dt.timedelta(days=10)
        else:
            expires = done + dt.timedelta(days=1095)
        training.append([email, "peer_supervision", done.isoformat(), expires.isoformat()])
    managers = [row[0] for row in people if row[3] == "manager"]
    for email in managers[:15]:
        done = start + dt.timedelta(days=rng.randint(0, 300))
        training.append([email, "supervision_skills", done.strftime("%d/%m/%Y"), ""])

    sessions = []
    sup_facilitators = list(dict.fromkeys(supervision_facilitators))
    team_facilitator = {}
    for team_index, (name, _service, _agency) in enumerate(teams):
        candidates = [f for f in sup_facilitators if f not in by_team[name]]
        team_facilitator[name] = candidates[team_index % len(candidates)]
        # Teams joined in waves; every fourth week on a set weekday, 10:00 to 11:30.
        first = start + dt.timedelta(days=28 * (team_index % 4) + team_index % 5)
        day = first
        number = 0
        while day < today:  # history only: the future comes from each team's series
            if team_index in PAUSED_TEAMS and 120 <= (today - day).days <= 330:
                day += dt.timedelta(days=28)  # no facilitator for a few months: supervision paused
                continue
            number += 1
            ref = f"demo-sup-{team_index:02d}-{number:03d}"
            if rng.random() < 0.07:
                status, attendees = "cancelled", ""
            else:
                status, attendees = "delivered", str(rng.randint(3, 8))
            sessions.append([ref, "supervision", "group", name, day.isoformat(), "10:00", "90",
                             team_facilitator[name], status, attendees, "", "", "8"])
            day += dt.timedelta(days=28)

    debrief_days = sorted(start + dt.timedelta(days=rng.randint(10, 480)) for _ in range(24))
    categories = [c for c, weight in CATEGORY_WEIGHTS for _ in range(weight)]
    for number, day in enumerate(debrief_days, start=1):
        team = rng.choice(teams[:-1])[0]
        fmt = "individual" if number % 4 else "group"
        facilitator = rng.choice([f for f in debrief_facilitators if f not in by_team[team]])
        requested = day - dt.timedelta(days=rng.randint(2, 15))
        attendees = "1" if fmt == "individual" else str(rng.randint(3, 7))
        sessions.append([f"demo-deb-{number:03d}", "debrief", fmt, team, day.strftime("%d/%m/%Y"),
                         rng.choice(["09:30", "13:00", "15:00"]), "90" if fmt == "individual" else "120",
                         facilitator, "delivered", attendees, requested.isoformat(), rng.choice(categories), ""])
    # One debrief asked for this week and not yet held.
    sessions.append([f"demo-deb-{len(debrief_days) + 1:03d}", "debrief", "individual", "Assessment Team 2",
                     (today + dt.timedelta(days=3)).isoformat(), "14:00", "90", debrief_facilitators[1],
                     "scheduled", "", (today - dt.timedelta(days=2)).isoformat(), "threat_to_worker", ""])

    return {
        "teams": _csv(["team", "service", "agency", "active"], team_rows),
        "people": _csv(["email", "name", "team", "role"], people),
        "training": _csv(["email", "course", "completed_on", "expires_on"], training),
        "sessions": _csv(["ref", "kind", "format", "team", "date", "start", "duration_minutes", "facilitator_email",
                          "status", "attendees", "requested_on", "incident_category", "capacity"], sessions),
    }


def plan_demo_series(today: dt.date, seed: int = 20240601) -> list[SupervisionSeries]:
    """Give every active team without one a series for the next six months, and some bookings."""
    rng = random.Random(seed)
    created = []
    teams = db.session.scalars(db.select(Team).where(Team.active.is_(True)).order_by(Team.name)).all()
    has_series = set(db.session.scalars(db.select(SupervisionSeries.team_id)))
    for index, team in enumerate(teams):
        if team.id in has_series:
            continue
        first = today + dt.timedelta(days=1 + index % 14)
        last = today + dt.timedelta(days=182)
        request = SeriesRequest(
            team=team, facilitator=None, pattern=Pattern.EVERY_N_WEEKS.value, interval_weeks=4,
            weekday=first.weekday() if first.weekday() < 5 else 1, first_date=first, last_date=last,
            start_time=dt.time(10, 0) if index % 2 else dt.time(14, 0), duration_minutes=90, capacity=8,
            location=f"Civic Centre, meeting room {1 + index % 6}",
            online_link="" if index % 3 else "https://meet.example.org/supervision-" + str(index + 1),
        )
        for option in suggest_facilitators(team, first, last):
            request.facilitator = option.person
            if not plan_series(request).problems:
                break
        else:
            continue
        series = create_series(request)
        created.append(series)
        # People have started booking the first few sessions; one is full, with people waiting.
        members = [p for p in team.people if not p.email.startswith(("member@", "manager@"))]
        full = team.name == "Assessment Team 2"
        for session in series.sessions[:2]:
            wanted = 8 + 2 if full and session is series.sessions[0] else rng.randint(2, 6)
            for person in rng.sample(members, min(wanted, len(members))):
                book_place(session.id, person)
    db.session.flush()
    return created


def plan_demo_debriefs(today: dt.date) -> int:
    """A few debrief requests in each state, so every debrief page has something to show."""
    if db.session.scalar(db.select(DebriefRequest.id).limit(1)) is not None:
        return 0
    lead = find_person(f"lead@{DOMAIN}")
    member = find_person(f"member@{DOMAIN}")
    manager = find_person(f"manager@{DOMAIN}")
    chair = find_person(f"facilitator@{DOMAIN}")

    def back(days: int) -> dt.date:
        day = today
        while days:
            day -= dt.timedelta(days=1)
            if day.weekday() < 5:
                days -= 1
        return day

    def asked_on(item: DebriefRequest, day: dt.date) -> DebriefRequest:
        """Date a request as if it had been made on ``day`` (the demo has a history)."""
        item.requested_on = day
        item.requested_at = local_to_utc(day, dt.time(9, 30))
        return item

    def practitioner(team_name: str) -> tuple:
        team = find_team(team_name)
        people = sorted(team.people, key=lambda p: p.email)
        boss = next(p for p in people if p.role == "manager")
        return next(p for p in people if p.role == "member"), boss, team

    # 1. Waiting for triage, asked six working days ago: the offer is overdue.
    person, boss, team = practitioner("Protection and Court Team 2")
    asked_on(request_debrief(person, DebriefAsk(back(8), "serious_violence", "individual", manager=boss,
                                                affected_teams=[team], arrangements="Mornings suit best.")), back(6))
    # 2. Mel Member's own request, asked yesterday; she agreed that Morgan Manager is told.
    asked_on(request_debrief(member, DebriefAsk(back(2), "threat_to_worker", "either", manager=manager,
                                                affected_teams=[member.team], tell_manager=True)), back(1))
    # 3. Accepted and arranged with an independent chair later this week.
    person, boss, team = practitioner("Children Looked After 2")
    arranged = asked_on(request_debrief(person, DebriefAsk(
        back(5), "abuse", "group", manager=boss, affected_teams=[team],
        invite_emails=[("duty.sergeant@police.example.org", PARTNER)])), back(3))
    accept_request(arranged, lead)
    day = working_days_after(today, 2)
    arrange_session(arranged, Arrangement(chair, day, dt.time(14, 0), 120, "group",
                                          location="Civic Centre, quiet room 3"))
    # 4. A group debrief delivered three weeks ago; the follow-up check-in is coming up. (Group, so the
    # demo keeps its 18 individual debriefs.)
    person, boss, team = practitioner("Youth Justice")
    held = asked_on(request_debrief(person, DebriefAsk(back(22), "murder", "group", manager=boss,
                                                       affected_teams=[team])), back(20))
    accept_request(held, lead)
    arrange_session(held, Arrangement(chair, working_days_after(today, 1), dt.time(10, 0), 90, "group",
                                      location="Civic Centre, quiet room 1"))
    held.session.date = back(15)
    held.session.starts_at = local_to_utc(held.session.date, dt.time(10, 0))
    held.others_allowed = 3  # colleagues not named in the request were welcome too
    log_session(held, lead, SessionLog(True, attendees=4, duration_minutes=90, closed_safe_uplifting=True,
                                       signposted_eap=True, signposted_gp=True,
                                       learning=["Out-of-hours cover for home visits after a threat needs to be "
                                                 "agreed before the visit, not on the day."]))
    point = add_learning_point("Practitioners valued being offered a debrief within a week; keep the offer "
                               "timescale in the pathway.", "Safeguarding Practice Learning and Improvement Group",
                               lead)
    advance_learning_point(point)
    db.session.flush()
    return 4


@command("seed-demo")
@with_appcontext
def seed_demo() -> None:
    """Load a demo programme (about 20 teams, 16 months of sessions, made-up HR figures, feedback and a
    wellbeing pulse) and print demo sign-ins."""
    files = build_demo(today_uk())
    for kind in ("teams", "people", "training", "sessions"):
        try:
            result = run_import(kind, files[kind])
        except ImportFailed as failure:
            raise click.ClickException(f"demo {kind} could not be loaded: {failure.errors[0]}") from None
        click.echo(result.summary())
    for role, email, name, team in DEMO_SIGN_INS:
        create_user(email, name, role, DEMO_PASSWORD, team)
    db.session.commit()
    series = plan_demo_series(today_uk())
    db.session.commit()
    click.echo(f"series: {len(series)} added, with the next six months of sessions")
    click.echo(f"debrief requests: {plan_demo_debriefs(today_uk())} added")
    click.echo(f"further-support services: {plan_demo_services(find_person(f'lead@{DOMAIN}'))} added")
    db.session.commit()
    for line in seed_evaluation_demo(today_uk(), find_person(f"lead@{DOMAIN}")):
        click.echo(line)
    db.session.commit()
    click.echo(f"\nDemo sign-ins (password for each: {DEMO_PASSWORD}):")
    for role, email, _name, _team in DEMO_SIGN_INS:
        click.echo(f"  {role:<12} {email}")
