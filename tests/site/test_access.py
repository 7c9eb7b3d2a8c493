"""Who may reach what: every route in the URL map, for every role, against an explicit table.

A route missing from ``EXPECTED`` fails ``test_every_route_has_a_decision``: whoever adds a route
decides, here, who may reach it. The walk uses real records (two teams, a supervision series and its
sessions, bookings, two debrief requests, a learning point, a calendar feed) so that every address
points at something that exists; other teams' and other people's records are checked separately.

Statuses for GET: 200, 302 to the sign-in page (anonymous), 403 (wrong role), 404 (not yours, or
unknown), 405 (wrong method). A POST without any data is refused (400/403/404) or redirects (302,
for single-button actions such as booking a place, and to the sign-in page for anonymous
visitors): never 500. CSRF protection is off in the walk so that the views' own checks are tested;
``test_post_without_csrf_token_is_refused`` checks that it refuses every web form POST when on.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from flask import Flask
from flask.testing import FlaskClient

from programme.debriefs.models import DebriefRequest
from programme.models import Booking, ProgrammeSession
from rosters.extensions import db
from rosters.models import hash_secret
from tests.factories import PASSWORD
from tests.world import FEED_SECRET, ROLES, World, build_url, methods_of, rules, signed_in

UNKNOWN_ID = 987654


def by_role(anonymous: int, member: int, manager: int, facilitator: int, lead: int) -> dict[str, int]:
    return dict(zip(ROLES, (anonymous, member, manager, facilitator, lead), strict=True))


PUBLIC = by_role(200, 200, 200, 200, 200)
SIGNED_IN = by_role(302, 200, 200, 200, 200)
LEADS = by_role(302, 403, 403, 403, 200)
LEADS_AND_MANAGERS = by_role(302, 403, 200, 403, 200)
FACILITATORS_AND_LEADS = by_role(302, 403, 403, 200, 200)
API_NO_TOKEN = by_role(401, 401, 401, 401, 401)  # a signed-in browser's cookie is not an API credential

# (endpoint, method) -> expected status for each role, using the records built by ``world``.
# The debrief used is the one the facilitator chairs (``chaired``); the booking is the member's own.
EXPECTED: dict[tuple[str, str], dict[str, int]] = {
    # Public by design.
    ("rosters.healthz", "GET"): PUBLIC,
    ("rosters.about", "GET"): PUBLIC,
    ("static", "GET"): PUBLIC,
    ("supervision.feed", "GET"): PUBLIC,  # calendar apps cannot sign in: the secret in the address is the key
    ("auth.sign_in", "GET"): by_role(200, 302, 302, 302, 302),  # signed in: off to the home page
    ("auth.sign_in", "POST"): by_role(200, 302, 302, 302, 302),  # empty form shown again with its errors
    # Council account sign-in (rosters/oidc.py) is not set up in the walk: not found for everyone;
    # tests/rosters/test_oidc.py covers it with a real provider.
    ("auth.oidc_start", "GET"): by_role(404, 404, 404, 404, 404),
    ("auth.oidc_callback", "GET"): by_role(404, 404, 404, 404, 404),
    ("auth.oidc_sign_out", "GET"): by_role(404, 404, 404, 404, 404),
    ("api.openapi", "GET"): PUBLIC,
    # Anyone signed in.
    ("rosters.home", "GET"): SIGNED_IN,
    ("auth.sign_out", "POST"): by_role(302, 302, 302, 302, 302),
    ("supervision.slots", "GET"): SIGNED_IN,
    ("supervision.calendar", "GET"): SIGNED_IN,
    # A new feed address is made by a single button (the CSRF token is its only field) and shown once.
    ("supervision.create_feed", "POST"): SIGNED_IN,
    ("supervision.revoke_feed", "POST"): by_role(302, 302, 302, 302, 302),
    # The member's team's session: the manager shares the team, facilitators and leads see every team.
    ("supervision.session_ics", "GET"): SIGNED_IN,
    # Booking is one button: the member and manager are in the team; leads may book any team's session;
    # the facilitator is in another team.
    ("supervision.book", "POST"): by_role(302, 302, 302, 403, 302),
    # The member's own booking: anyone else is told it does not exist.
    ("supervision.cancel", "POST"): by_role(302, 302, 404, 404, 404),
    ("debriefs.new_request", "GET"): SIGNED_IN,
    ("debriefs.new_request", "POST"): by_role(302, 400, 400, 400, 400),
    ("debriefs.mine", "GET"): SIGNED_IN,
    # One's own request (``chaired``: the member asked for it, its session is arranged): the person who asked
    # and anyone invited; to everyone else it does not exist, even a lead (leads have its own page). An empty
    # withdrawal (not confirmed) or change (no message) is shown again with its error.
    ("debriefs.my_request", "GET"): by_role(302, 200, 404, 404, 404),
    ("debriefs.my_calendar", "GET"): by_role(302, 200, 404, 404, 404),
    ("debriefs.withdraw", "POST"): by_role(302, 400, 404, 404, 404),
    ("debriefs.ask_for_change", "POST"): by_role(302, 400, 404, 404, 404),
    # Marking a change dealt with is for leads; the chair sees the request, so is refused (403). No change
    # is waiting on ``chaired``: the lead is told so (409).
    ("debriefs.change_dealt_with", "POST"): by_role(302, 404, 404, 403, 409),
    # Only the person who asked sees the confirmation, not even a lead.
    ("debriefs.request_sent", "GET"): by_role(302, 200, 404, 404, 404),
    # Debriefs: leads and the chair only; to anyone else the request does not exist.
    ("debriefs.list_requests", "GET"): LEADS,
    ("debriefs.chairing", "GET"): FACILITATORS_AND_LEADS,
    ("debriefs.show_request", "GET"): by_role(302, 404, 404, 200, 200),
    ("debriefs.accept", "POST"): by_role(302, 404, 404, 403, 409),  # already triaged: a conflict, shown
    ("debriefs.decline", "POST"): by_role(302, 404, 404, 403, 400),
    ("debriefs.arrange", "POST"): by_role(302, 404, 404, 403, 400),
    ("debriefs.timing", "POST"): by_role(302, 404, 404, 403, 400),
    ("debriefs.log_session", "GET"): by_role(302, 404, 404, 200, 200),
    ("debriefs.log_session", "POST"): by_role(302, 404, 404, 400, 400),
    ("debriefs.follow_up", "POST"): by_role(302, 404, 404, 400, 400),
    # Opening the follow-up early is for leads; the chair may see the request, so is refused (403).
    ("debriefs.open_follow_up", "POST"): by_role(302, 404, 404, 403, 400),
    # Further support: the services and the referrals waiting are for leads; a request's referrals are
    # for its chair and leads (anyone else: the request does not exist). The referral is accepted and
    # waiting, so the lead's one button marks it followed up; the empty forms are shown again (400).
    ("support.services", "GET"): LEADS,
    ("support.services", "POST"): by_role(302, 403, 403, 403, 400),
    ("support.edit_service", "GET"): LEADS,
    ("support.edit_service", "POST"): by_role(302, 403, 403, 403, 400),
    ("support.service_active", "POST"): by_role(302, 403, 403, 403, 400),  # no wanted state sent
    ("support.referrals", "GET"): by_role(302, 404, 404, 200, 200),
    ("support.referrals", "POST"): by_role(302, 404, 404, 400, 400),
    ("support.waiting", "GET"): LEADS,
    ("support.followed_up", "POST"): by_role(302, 403, 403, 403, 302),
    # The named manager's pages: the list for managers and leads; one request only for its manager, and only
    # when the person who asked agreed they be told (the walk's manager was not told of ``chaired``: 404).
    ("debriefs.team_debriefs", "GET"): LEADS_AND_MANAGERS,
    ("debriefs.team_debrief", "GET"): by_role(302, 404, 404, 404, 404),
    ("debriefs.support_debrief", "POST"): by_role(302, 404, 404, 404, 404),
    ("debriefs.invite_colleagues", "POST"): by_role(302, 404, 404, 404, 404),
    # Learning log: leads.
    ("learning.list_points", "GET"): LEADS,
    ("learning.new_point", "GET"): LEADS,
    ("learning.new_point", "POST"): by_role(302, 403, 403, 403, 400),
    ("learning.export_csv", "GET"): LEADS,
    ("learning.advance", "POST"): by_role(302, 403, 403, 403, 302),  # one button: draft -> approved
    ("learning.edit_point", "GET"): LEADS,
    ("learning.edit_point", "POST"): by_role(302, 403, 403, 403, 400),  # the empty form shown again
    ("learning.reject_point", "GET"): LEADS,
    ("learning.reject_point", "POST"): by_role(302, 403, 403, 403, 400),  # no reason given
    ("learning.move_back", "POST"): by_role(302, 403, 403, 403, 302),  # the approved point back to a draft
    # Questionnaires and wellbeing pulses: leads. The pulse is one that has not opened yet.
    ("evaluation.questionnaires", "GET"): LEADS,
    ("evaluation.questionnaires", "POST"): by_role(302, 403, 403, 403, 400),  # no file: the form with its error
    ("evaluation.show_questionnaire", "GET"): LEADS,
    ("evaluation.retire", "POST"): by_role(302, 403, 403, 403, 302),  # one button, back to the questionnaire
    ("evaluation.list_pulses", "GET"): LEADS,
    ("evaluation.new_pulse", "GET"): LEADS,
    ("evaluation.new_pulse", "POST"): by_role(302, 403, 403, 403, 400),
    ("evaluation.show_pulse", "GET"): LEADS,
    ("evaluation.cancel", "POST"): by_role(302, 403, 403, 403, 302),  # one button, back to the results
    # Feedback after sessions: the summary and its CSV for leads; the answer page needs no sign-in (the
    # link is the invitation), and an unknown link is "not valid" (404) for everyone.
    ("evaluation.overview", "GET"): LEADS,
    ("evaluation.feedback", "GET"): LEADS,
    ("evaluation.feedback_csv", "GET"): LEADS,
    ("evaluation.respond", "GET"): by_role(404, 404, 404, 404, 404),
    ("evaluation.respond", "POST"): by_role(404, 404, 404, 404, 404),
    # Rosters and import: leads.
    ("rosters.teams", "GET"): LEADS,
    ("rosters.people", "GET"): LEADS,
    ("rosters.facilitators", "GET"): LEADS,
    ("rosters.import_csv", "GET"): LEADS,
    ("rosters.import_template", "GET"): LEADS,
    ("rosters.outbox_page", "GET"): LEADS,
    ("rosters.retry_message", "POST"): by_role(302, 403, 403, 403, 404),  # no such failed e-mail
    ("rosters.import_csv", "POST"): by_role(302, 403, 403, 403, 400),  # the form shown again with its errors
    # People in the browser: leads. The person is another member (``stranger``); deactivating, reactivating
    # and sending a password link are single buttons that go back to the person's page.
    ("people.add_person", "GET"): LEADS,
    ("people.add_person", "POST"): by_role(302, 403, 403, 403, 400),  # the empty form shown again
    ("people.show_person", "GET"): LEADS,
    ("people.edit_person", "GET"): LEADS,
    ("people.edit_person", "POST"): by_role(302, 403, 403, 403, 400),
    ("people.deactivate", "GET"): LEADS,
    ("people.deactivate", "POST"): by_role(302, 403, 403, 403, 302),
    ("people.reactivate", "POST"): by_role(302, 403, 403, 403, 302),
    ("people.send_password_link", "POST"): by_role(302, 403, 403, 403, 302),
    # Setting a password by link needs no sign-in (the secret in the address is the key); an unknown
    # link is "not valid" (404) for everyone.
    ("people.set_password", "GET"): by_role(404, 404, 404, 404, 404),
    ("people.set_password", "POST"): by_role(404, 404, 404, 404, 404),
    # The audit trail: leads.
    ("audit.trail", "GET"): LEADS,
    # Privacy (subject access, erasure, legal hold): leads. The person is another member (``stranger``).
    ("privacy.index", "GET"): LEADS,
    ("privacy.person", "GET"): LEADS,
    ("privacy.export", "GET"): LEADS,
    ("privacy.erase", "GET"): LEADS,
    ("privacy.erase", "POST"): by_role(302, 403, 403, 403, 400),  # nothing erased without the typed address
    # A hold needs a reason: refused with a message on the page it returns to.
    ("privacy.person_hold", "POST"): by_role(302, 403, 403, 403, 302),
    ("privacy.debrief_hold", "POST"): by_role(302, 403, 403, 403, 302),
    # Dashboard: leads, and managers for their own team; exports and the board report: leads.
    ("reports.dashboard", "GET"): LEADS_AND_MANAGERS,
    ("reports.outcomes", "GET"): LEADS_AND_MANAGERS,  # managers: their own team, small numbers hidden
    ("reports.board_report", "GET"): LEADS,
    ("reports.evaluation_report", "GET"): LEADS,
    ("reports.evaluation_report_xlsx", "GET"): LEADS,
    ("reports.export", "GET"): LEADS,
    # Supervision series: leads.
    ("supervision.list_series", "GET"): LEADS,
    ("supervision.new_series", "GET"): LEADS,
    ("supervision.new_series", "POST"): by_role(302, 403, 403, 403, 400),
    ("supervision.show_series", "GET"): LEADS,
    ("supervision.edit_series", "GET"): LEADS,
    ("supervision.edit_series", "POST"): by_role(302, 403, 403, 403, 400),
    ("supervision.edit_session", "GET"): LEADS,
    ("supervision.edit_session", "POST"): by_role(302, 403, 403, 403, 400),
    ("supervision.cancel_session", "GET"): LEADS,
    ("supervision.cancel_session", "POST"): by_role(302, 403, 403, 403, 400),
    ("supervision.session_bookings", "GET"): LEADS,
    ("supervision.remove_booking", "GET"): LEADS,
    ("supervision.remove_booking", "POST"): by_role(302, 403, 403, 403, 400),  # no reason: nothing removed
    # Registers: the session's own facilitator and leads.
    ("supervision.my_sessions", "GET"): FACILITATORS_AND_LEADS,
    ("supervision.take_register", "GET"): FACILITATORS_AND_LEADS,
    ("supervision.take_register", "POST"): by_role(302, 403, 403, 200, 200),  # not started: the page, nothing stored
    # The JSON API authenticates by bearer token only.
    ("api.metrics", "GET"): API_NO_TOKEN,
    ("api.feedback", "GET"): API_NO_TOKEN,
    ("api.pulse_results_api", "GET"): API_NO_TOKEN,
    ("api.outcomes", "GET"): API_NO_TOKEN,
    ("api.list_slots", "GET"): API_NO_TOKEN,
    ("api.create_booking", "POST"): API_NO_TOKEN,
    ("api.delete_booking", "DELETE"): API_NO_TOKEN,
    ("api.remove_booking", "POST"): API_NO_TOKEN,
    ("api.create_debrief", "POST"): API_NO_TOKEN,
}

@pytest.fixture
def app(make_app) -> Iterator[Flask]:
    """Throttling off: the walk makes far more refused calls than any limit allows (tested elsewhere)."""
    app = make_app(RATELIMIT_ENABLED=False)
    with app.app_context():
        yield app


# Statuses that never mean "let through": with these expected, a 200 would be a hole.
REFUSED = {302, 401, 403, 404, 405}


def call(client: FlaskClient, method: str, url: str, **kwargs):
    return client.open(url, method=method, **kwargs)


def check(response, expected: int, role: str, what: str) -> str | None:
    """A complaint, or None when the response is what the table says."""
    status = response.status_code
    if status >= 500:
        return f"{what} as {role}: {status} (a server error)"
    if status != expected:
        return f"{what} as {role}: expected {expected}, got {status}"
    if status == 302 and role == "anonymous" and expected in REFUSED:
        location = response.headers.get("Location", "")
        if "/sign-in" not in location and what not in ("POST /sign-out",):
            return f"{what} as anonymous: redirected to {location}, not to the sign-in page"
    return None


# ---------------------------------------------------------------------------------------------


def test_every_route_has_a_decision(app: Flask):
    """No route is left unprotected by accident: a new one must be added to the table above."""
    served = {(rule.endpoint, method) for rule in app.url_map.iter_rules() for method in methods_of(rule)}
    undecided = sorted(served - set(EXPECTED))
    assert not undecided, (
        "These routes have no access decision in tests/test_access.py EXPECTED; add one per role: "
        + ", ".join(f"{method} {endpoint}" for endpoint, method in undecided)
    )
    stale = sorted(set(EXPECTED) - served)
    assert not stale, f"EXPECTED names routes that no longer exist: {stale}"


def test_every_route_for_every_role(app: Flask, world: World):
    """Walk the whole URL map as each role; every status must match the table (GETs first, then POSTs)."""
    problems: list[str] = []
    for role in ROLES:
        client = signed_in(app, world, role)
        # Each role starts from the same feed address (an earlier role's POSTs made itself a new one).
        world.people["member"].calendar_token_hash = hash_secret(FEED_SECRET)
        db.session.commit()
        walked = [(rule, method) for rule in rules(app) for method in methods_of(rule)]
        # Reading before changing, and signing out last of all.
        walked.sort(key=lambda pair: (pair[0].endpoint == "auth.sign_out", pair[1] != "GET"))
        for rule, method in walked:
            expected = EXPECTED.get((rule.endpoint, method))
            if expected is None:
                continue  # reported by test_every_route_has_a_decision
            url = build_url(app, world, rule)
            db.session.expire_all()
            response = call(client, method, url)
            problem = check(response, expected[role], role, f"{method} {url}")
            if problem:
                problems.append(problem)
    assert not problems, "\n".join(problems)


def test_wrong_method_is_405_for_everyone(app: Flask, world: World):
    problems = []
    for role in ROLES:
        client = signed_in(app, world, role)
        for rule in rules(app):
            if rule.endpoint == "auth.sign_out":
                continue
            url = build_url(app, world, rule)
            for method in ("GET", "POST", "DELETE"):
                if method in rule.methods:
                    continue
                status = call(client, method, url).status_code
                if status != 405:
                    problems.append(f"{method} {url} as {role}: expected 405, got {status}")
    assert not problems, "\n".join(problems)


def test_unknown_record_ids_are_404_and_never_500(app: Flask, world: World):
    """Every address with a record id, with an id that does not exist, for each role (and a lead's token)."""
    problems = []
    for role in ROLES:
        client = signed_in(app, world, role)
        for rule in rules(app):
            ids = [name for name, converter in rule._converters.items() if type(converter).__name__ == "IntegerConverter"]
            if not ids:
                continue
            url = build_url(app, world, rule, **dict.fromkeys(ids, UNKNOWN_ID))
            for method in methods_of(rule):
                expected = EXPECTED[(rule.endpoint, method)][role]
                if rule.endpoint.startswith("api."):
                    response = call(client, method, url, headers={"Authorization": f"Bearer {world.tokens['lead']}"}) \
                        if role == "lead" else call(client, method, url)
                    want = {404} if role == "lead" else {401}
                else:
                    response = call(client, method, url)
                    # Anonymous visitors go to sign in; a role refused outright may be told so before the
                    # record is looked up (403) or after (404); everyone else learns the record is unknown.
                    want = {302} if role == "anonymous" else {403, 404} if expected == 403 else {404}
                if response.status_code not in want:
                    problems.append(f"{method} {url} as {role}: expected {want}, got {response.status_code}")
    assert not problems, "\n".join(problems)


def huge_id_failures(app: Flask, world: World) -> list[str]:
    """Addresses that answer a server error for an id larger than any database integer."""
    client = signed_in(app, world, "lead")
    headers = {"Authorization": f"Bearer {world.tokens['lead']}"}
    failures = []
    for rule in rules(app):
        ids = [name for name, converter in rule._converters.items() if type(converter).__name__ == "IntegerConverter"]
        if not ids:
            continue
        url = build_url(app, world, rule, **dict.fromkeys(ids, 2**64))
        for method in methods_of(rule):
            db.session.rollback()
            status = call(client, method, url, headers=headers).status_code
            if status >= 500:
                failures.append(f"{method} {url}: {status}")
    return failures


def test_api_ids_too_large_for_the_database_are_404(app: Flask, world: World):
    assert not [line for line in huge_id_failures(app, world) if "/api/v1/" in line]


def test_page_ids_too_large_for_the_database_are_404(app: Flask, world: World):
    failures = huge_id_failures(app, world)
    assert not failures, "\n".join(failures)


def test_post_without_csrf_token_is_refused(make_app, world: World):
    """With CSRF protection on, as in production, a web form POST without its token changes nothing."""
    app = make_app(WTF_CSRF_ENABLED=True, RATELIMIT_ENABLED=False)
    with app.app_context():
        for role in ("anonymous", "member", "lead"):
            client = app.test_client()
            if role != "anonymous":
                # Sign in through the real page, token and all.
                page = client.get("/sign-in").get_data(as_text=True)
                token = page.split('name="csrf_token" type="hidden" value="')[1].split('"')[0]
                response = client.post("/sign-in", data={"csrf_token": token, "email": world.people[role].email,
                                                         "password": PASSWORD})
                assert response.status_code == 302
            for rule in rules(app):
                if "POST" not in rule.methods or rule.endpoint.startswith("api."):
                    continue
                url = build_url(app, world, rule)
                status = client.post(url).status_code
                assert status == 400, f"POST {url} as {role} without a CSRF token: {status}"
        bookings = db.session.scalar(db.select(db.func.count()).select_from(Booking))
        assert bookings == 2  # nothing was booked or cancelled


# --- other teams' and other people's records ------------------------------------------------------


def test_member_cannot_reach_another_teams_session(app: Flask, world: World):
    client = signed_in(app, world, "member")
    south = world.south_session.id
    assert client.get(f"/supervision/{south}.ics").status_code == 403
    assert client.post(f"/supervision/{south}/book").status_code == 403
    manager = signed_in(app, world, "manager")
    assert manager.get(f"/supervision/{south}.ics").status_code == 403
    db.session.expire_all()
    assert not [b for b in db.session.get(ProgrammeSession, south).bookings if b.person_id == world.people["member"].id]


def test_nobody_cancels_another_persons_booking(app: Flask, world: World):
    theirs = world.strangers_booking.id
    for role in ("member", "manager", "facilitator", "lead"):
        client = signed_in(app, world, role)
        assert client.post(f"/supervision/bookings/{theirs}/cancel").status_code == 404, role
    db.session.expire_all()
    assert db.session.get(Booking, theirs).status == "booked"


def test_debriefs_are_hidden_from_everyone_but_leads_and_the_chair(app: Flask, world: World):
    unchaired = world.unchaired.id
    for role in ("member", "manager", "facilitator"):
        client = signed_in(app, world, role)
        for path in (f"/debriefs/{unchaired}", f"/debriefs/{unchaired}/log"):
            assert client.get(path).status_code == 404, (role, path)
        for action in ("accept", "decline", "arrange", "log", "follow-up", "follow-up/open", "change-dealt-with"):
            assert client.post(f"/debriefs/{unchaired}/{action}").status_code == 404, (role, action)
    # The person who asked sees their confirmation; the member (who asked for another) does not.
    assert signed_in(app, world, "member").get(f"/debriefs/request/{unchaired}/sent").status_code == 404
    lead = signed_in(app, world, "lead")
    assert lead.get(f"/debriefs/{unchaired}").status_code == 200
    db.session.expire_all()
    assert db.session.get(DebriefRequest, unchaired).status == "requested"


def test_facilitators_take_only_their_own_registers(app: Flask, world: World):
    client = signed_in(app, world, "facilitator")
    assert client.get(f"/facilitation/sessions/{world.others_session.id}/register").status_code == 404
    assert client.post(f"/facilitation/sessions/{world.others_session.id}/register").status_code == 404
    # A debrief is never reachable from the supervision pages, whoever chairs it.
    debrief = world.debrief_session.id
    for path in (f"/facilitation/sessions/{debrief}/register", f"/supervision/{debrief}.ics"):
        assert client.get(path).status_code == 404, path
    lead = signed_in(app, world, "lead")
    for path in (f"/supervision/sessions/{debrief}/edit", f"/supervision/sessions/{debrief}/cancel",
                 f"/supervision/{debrief}.ics", f"/facilitation/sessions/{debrief}/register"):
        assert lead.get(path).status_code == 404, path


def test_manager_dashboard_is_own_team_only(app: Flask, world: World):
    client = signed_in(app, world, "manager")
    assert client.get(f"/dashboard?team={world.south.id}").status_code == 200
    assert client.get("/dashboard/export.csv").status_code == 403
    assert client.get("/dashboard/report").status_code == 403


def test_calendar_feed_needs_the_right_secret(app: Flask, world: World):
    client = app.test_client()
    assert client.get(f"/calendar/feed/{FEED_SECRET}.ics").status_code == 200
    assert client.get(f"/calendar/feed/{FEED_SECRET}x.ics").status_code == 404
    world.people["member"].enabled = False
    db.session.commit()
    assert client.get(f"/calendar/feed/{FEED_SECRET}.ics").status_code == 404


# --- the JSON API with each role's token ------------------------------------------------------------


def api(app: Flask, world: World, who: str, method: str, path: str, **kwargs):
    headers = {"Authorization": f"Bearer {world.tokens[who]}"} if who != "anonymous" else {}
    return app.test_client().open(f"/api/v1{path}", method=method, headers=headers, **kwargs)


def test_api_by_token_and_role(app: Flask, world: World):
    start, end = "2025-01-01", "2025-12-31"
    expected_metrics = by_role(401, 403, 403, 403, 200)
    for role in ROLES:
        assert api(app, world, role, "GET", f"/metrics?start={start}&end={end}").status_code == expected_metrics[role]
        assert api(app, world, role, "GET", f"/feedback?start={start}&end={end}").status_code == expected_metrics[role]
        assert api(app, world, role, "GET", f"/outcomes?start={start}&end={end}").status_code == expected_metrics[role]
        assert api(app, world, role, "GET", "/slots").status_code == (401 if role == "anonymous" else 200)
    assert api(app, world, "anonymous", "GET", "/openapi.json").status_code == 200
    bad = app.test_client().get("/api/v1/slots", headers={"Authorization": "Bearer not-a-token"})
    assert bad.status_code == 401
    assert bad.get_json() == {"error": "the API token is not valid"}
    assert api(app, world, "anonymous", "POST", "/debriefs", json={}).status_code == 401


def test_api_slots_show_own_team_only(app: Flask, world: World):
    frm = world.north_session.date.isoformat()
    seen = {slot["id"] for slot in api(app, world, "member", "GET", f"/slots?from={frm}&to={frm}").get_json()["slots"]}
    assert world.north_session.id in seen and world.south_session.id not in seen
    seen = {slot["id"] for slot in api(app, world, "lead", "GET", f"/slots?from={frm}&to={frm}").get_json()["slots"]}
    assert {world.north_session.id, world.south_session.id} <= seen


def test_api_other_teams_slot_and_other_peoples_bookings(app: Flask, world: World):
    assert api(app, world, "member", "POST", f"/slots/{world.south_session.id}/bookings").status_code == 403
    assert api(app, world, "member", "POST", f"/slots/{world.debrief_session.id}/bookings").status_code == 404
    assert api(app, world, "member", "POST", f"/slots/{UNKNOWN_ID}/bookings").status_code == 404
    for role in ("member", "manager", "facilitator", "lead"):  # a lead's token too: DELETE is one's own booking
        response = api(app, world, role, "DELETE", f"/bookings/{world.strangers_booking.id}")
        assert response.status_code == 404, role
        assert response.get_json() == {"error": "no such booking"}
    db.session.expire_all()
    assert db.session.get(Booking, world.strangers_booking.id).status == "booked"
    # Removing someone's place is a lead's operation of its own, with a reason.
    for role in ("member", "manager", "facilitator", "stranger"):
        response = api(app, world, role, "POST", f"/bookings/{world.my_booking.id}/removal", json={"reason": "x"})
        assert response.status_code == 403, role
    assert api(app, world, "lead", "POST", f"/bookings/{world.my_booking.id}/removal").status_code == 400
    assert api(app, world, "lead", "POST", f"/bookings/{world.my_booking.id}/removal",
               json={"reason": "Booked twice by mistake"}).status_code == 204
    # The owner may cancel their own.
    assert api(app, world, "stranger", "DELETE", f"/bookings/{world.strangers_booking.id}").status_code == 204


def test_api_refuses_a_disabled_persons_token(app: Flask, world: World):
    world.people["lead"].enabled = False
    db.session.commit()
    assert api(app, world, "lead", "GET", "/slots").status_code == 401
