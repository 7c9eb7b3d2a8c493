"""Booking pages: slots, booking, the waitlist, cancelling, .ics files and the personal calendar feed."""

from __future__ import annotations

import datetime as dt
import re

from icalendar import Calendar

from programme.models import Booking, ProgrammeSession
from rosters.clock import LONDON, local_to_utc, today_uk
from rosters.extensions import db
from rosters.models import Person
from tests.factories import make_person, make_session, make_team
from tests.plugin import text

FEED_PATH = re.compile(r"/calendar/feed/[A-Za-z0-9_-]{20,}\.ics")


def upcoming(team, days: int = 7, start: dt.time = dt.time(10, 0), **fields) -> ProgrammeSession:
    """A scheduled supervision session ``days`` from today at ``start`` UK time."""
    day = fields.pop("date", today_uk() + dt.timedelta(days=days))
    fields.setdefault("capacity", 8)
    return make_session(team=team, kind="supervision", status="scheduled", date=day,
                        starts_at=local_to_utc(day, start), **fields)


def live_bookings(session: ProgrammeSession) -> list[Booking]:
    db.session.expire_all()
    return [b for b in db.session.get(ProgrammeSession, session.id).bookings if b.status in ("booked", "waitlisted")]


def test_pages_need_sign_in_but_the_feed_does_not_redirect(client):
    for path in ("/supervision", "/calendar"):
        response = client.get(path)
        assert response.status_code == 302
        assert "/sign-in" in response.headers["Location"]
    response = client.get("/calendar/feed/not-a-real-secret-at-all-000000.ics")
    assert response.status_code == 404


def test_slots_page_lists_own_team_only_with_places_left(app, client, auth):
    team, other = make_team(name="Assessment North"), make_team(name="Fostering South")
    me = make_person(team=team)
    facilitator = make_person(role="facilitator", name="Fran Facilitator", password=False)
    mine = upcoming(team, days=8, capacity=6, location="Room 4, Civic Centre", facilitator=facilitator)
    upcoming(team, days=15, capacity=6, online_link="https://meet.example.org/abc")
    theirs = upcoming(other, days=9)
    too_far = upcoming(team, days=7 * 13)
    colleague = make_person(team=team)
    db.session.add(Booking(session=mine, person=colleague, status="booked", booked_at=dt.datetime(2026, 1, 1)))
    mine.booked_count = 1
    db.session.commit()
    auth.login(me.email)

    page = text(client.get("/supervision"))
    assert "Assessment North: the next 12 weeks" in page
    assert mine.starts_local.strftime("%A %-d %B %Y") in page
    assert "10:00 to 11:30" in page
    assert "Room 4, Civic Centre" in page
    assert "Fran Facilitator" in page
    assert "5 places left" in page
    assert "6 places left" in page
    assert "Online" in page
    assert page.count("Book a place") == 2
    assert theirs.starts_local.strftime("%A %-d %B %Y") not in page
    assert too_far.starts_local.strftime("%A %-d %B %Y") not in page
    assert "You have no places or waitlist places" in page


def test_booking_a_place_confirms_and_sends_mail(app, client, auth, sent):
    team = make_team()
    me = make_person(team=team)
    session = upcoming(team, days=10)
    db.session.commit()
    auth.login(me.email)

    response = client.post(f"/supervision/{session.id}/book")
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/supervision")
    page = text(client.get("/supervision"))
    assert "You have a place on " + session.starts_local.strftime("%A %-d %B %Y, %H:%M") in page
    assert "govuk-notification-banner--success" in page
    assert "Cancel your place" in page
    assert "7 places left" in page
    [booking] = live_bookings(session)
    assert (booking.person_id, booking.status) == (me.id, "booked")
    assert [m.to for m in sent] == [me.email]
    assert sent[0].subject.startswith("Place booked")


def test_full_session_offers_the_waitlist_with_positions(app, client, auth, sent):
    team = make_team()
    first, second, third = (make_person(team=team) for _ in range(3))
    session = upcoming(team, days=10, capacity=1)
    db.session.commit()

    auth.login(first.email)
    client.post(f"/supervision/{session.id}/book")
    auth.logout()

    auth.login(second.email)
    page = text(client.get("/supervision"))
    assert "Full – no one waiting yet" in page
    assert "Join the waitlist" in page
    assert "Book a place" not in page
    client.post(f"/supervision/{session.id}/book")
    page = text(client.get("/supervision"))
    assert "The session on" in page and "is full. You are number 1 on the waitlist" in page
    auth.logout()

    auth.login(third.email)
    client.post(f"/supervision/{session.id}/book")
    page = text(client.get("/supervision"))
    assert "You are number 2 on the waitlist" in page
    assert "Full – 2 waiting" in page
    assert "Leave the waitlist" in page
    assert [b.status for b in live_bookings(session)] == ["booked", "waitlisted", "waitlisted"]
    assert sent[-1].subject.startswith("On the waitlist")


def test_cancelling_a_place_promotes_the_first_waiting_person_and_tells_them(app, client, auth, sent):
    team = make_team()
    me, waiting_first, waiting_second = (make_person(team=team) for _ in range(3))
    session = upcoming(team, days=10, capacity=1)
    db.session.commit()
    for person in (me, waiting_first, waiting_second):
        auth.login(person.email)
        client.post(f"/supervision/{session.id}/book")
        auth.logout()
    mine = next(b for b in live_bookings(session) if b.person_id == me.id)
    sent.clear()

    auth.login(me.email)
    response = client.post(f"/supervision/bookings/{mine.id}/cancel")
    assert response.status_code == 302
    page = text(client.get("/supervision"))
    assert "You have cancelled your place on" in page
    assert "Book a place" not in page and "Join the waitlist" in page  # still full: the place went to the queue
    statuses = {b.person_id: b.status for b in live_bookings(session)}
    assert statuses == {waiting_first.id: "booked", waiting_second.id: "waitlisted"}
    # The person who gave up the place gets the CANCEL; the first person waiting gets the place.
    assert [m.to for m in sent] == [me.email, waiting_first.email]
    assert sent[0].subject.startswith("Place cancelled") and sent[0].attachment[1] == "text/calendar; method=CANCEL"
    assert sent[1].subject.startswith("You have a place")
    assert sent[1].attachment[1] == "text/calendar; method=REQUEST"
    auth.logout()

    auth.login(waiting_second.email)
    assert "You are number 1 on the waitlist" in text(client.get("/supervision"))


def test_leaving_the_waitlist(app, client, auth, sent):
    team = make_team()
    booked, me = make_person(team=team), make_person(team=team)
    session = upcoming(team, capacity=1)
    db.session.commit()
    for person in (booked, me):
        auth.login(person.email)
        client.post(f"/supervision/{session.id}/book")
        auth.logout()
    mine = next(b for b in live_bookings(session) if b.person_id == me.id)
    sent.clear()
    auth.login(me.email)
    client.post(f"/supervision/bookings/{mine.id}/cancel")
    assert "You have left the waitlist for" in text(client.get("/supervision"))
    assert [b.person_id for b in live_bookings(session)] == [booked.id]
    assert sent == []


def test_double_booking_is_refused_with_an_error_banner(app, client, auth, sent):
    team = make_team()
    me = make_person(team=team)
    session = upcoming(team)
    db.session.commit()
    auth.login(me.email)
    client.post(f"/supervision/{session.id}/book")
    client.get("/supervision")  # read the first message

    response = client.post(f"/supervision/{session.id}/book")
    assert response.status_code == 302
    page = text(client.get("/supervision"))
    assert "You already have a place or a waitlist place on this session" in page
    assert "govuk-notification-banner--success" not in page
    assert len(live_bookings(session)) == 1
    assert len(sent) == 1


def test_a_cancelled_or_past_session_cannot_be_booked(app, client, auth):
    team = make_team()
    me = make_person(team=team)
    cancelled = make_session(team=team, kind="supervision", status="cancelled", date=today_uk() + dt.timedelta(days=3),
                             cancelled_reason="Facilitator ill")
    db.session.commit()
    auth.login(me.email)
    client.post(f"/supervision/{cancelled.id}/book")
    assert "This session cannot be booked" in text(client.get("/supervision"))
    assert live_bookings(cancelled) == []


def test_another_teams_session_is_forbidden_and_unknown_ones_not_found(app, client, auth):
    team, other = make_team(), make_team()
    me = make_person(team=team)
    theirs = upcoming(other)
    debrief = make_session(team=team, kind="debrief", format="individual", status="scheduled",
                           date=today_uk() + dt.timedelta(days=2), requested_on=today_uk())
    db.session.commit()
    auth.login(me.email)
    assert client.post(f"/supervision/{theirs.id}/book").status_code == 403
    assert client.get(f"/supervision/{theirs.id}.ics").status_code == 403
    assert client.post("/supervision/999999/book").status_code == 404
    assert client.get("/supervision/999999.ics").status_code == 404
    # Debriefs are confidential: not reachable from the booking pages at all.
    assert client.post(f"/supervision/{debrief.id}/book").status_code == 404
    assert client.get(f"/supervision/{debrief.id}.ics").status_code == 404
    assert live_bookings(theirs) == []


def test_cancelling_someone_elses_booking_is_not_found(app, client, auth):
    team = make_team()
    me, colleague = make_person(team=team), make_person(team=team)
    session = upcoming(team)
    booking = Booking(session=session, person=colleague, status="booked", booked_at=dt.datetime(2026, 1, 1))
    db.session.add(booking)
    session.booked_count = 1
    db.session.commit()
    auth.login(me.email)
    assert client.post(f"/supervision/bookings/{booking.id}/cancel").status_code == 404
    assert client.post("/supervision/bookings/999999/cancel").status_code == 404
    assert [b.status for b in live_bookings(session)] == ["booked"]


def test_session_ics_file(app, client, auth):
    team = make_team(name="Court Team")
    me = make_person(team=team)
    session = upcoming(team, days=12, start=dt.time(14, 30), location="Room 2, Town Hall")
    db.session.commit()
    auth.login(me.email)

    response = client.get(f"/supervision/{session.id}.ics")
    assert response.status_code == 200
    assert response.mimetype == "text/calendar"
    assert response.headers["Content-Disposition"].startswith("attachment;")
    assert f"supervision-{session.date.isoformat()}.ics" in response.headers["Content-Disposition"]
    [event] = Calendar.from_ical(response.data).walk("VEVENT")
    start = event.decoded("dtstart")
    assert start.utcoffset() == dt.timedelta(0)
    assert start.replace(tzinfo=None) == session.starts_at
    assert start.astimezone(LONDON).strftime("%H:%M") == "14:30"
    assert event.decoded("dtend") - start == dt.timedelta(minutes=90)
    assert str(event["summary"]) == "Reflexive supervision – Court Team"
    assert str(event["location"]) == "Room 2, Town Hall"


def test_facilitators_and_leads_may_download_any_teams_ics(app, client, auth):
    session = upcoming(make_team())
    facilitator = make_person(role="facilitator", team=make_team())
    lead = make_person(role="lead")
    db.session.commit()
    for person in (facilitator, lead):
        auth.login(person.email)
        assert client.get(f"/supervision/{session.id}.ics").status_code == 200
        auth.logout()


def test_summer_session_shows_uk_time_and_utc_in_the_ics(app, client, auth, sent):
    team = make_team()
    me = make_person(team=team)
    june = dt.date(today_uk().year + 1, 6, 15)
    summer = upcoming(team, date=june)  # beyond 12 weeks: reached from "Your bookings"
    db.session.commit()
    assert summer.starts_at == dt.datetime(june.year, 6, 15, 9, 0)
    auth.login(me.email)
    client.post(f"/supervision/{summer.id}/book")
    page = text(client.get("/supervision"))
    assert june.strftime("%A %-d %B %Y") + ", 10:00 to 11:30" in page

    [event] = Calendar.from_ical(client.get(f"/supervision/{summer.id}.ics").data).walk("VEVENT")
    assert event["dtstart"].to_ical() == f"{june:%Y%m%d}T090000Z".encode()


def test_person_without_a_team_is_told_what_to_do(app, client, auth):
    me = make_person(team=None)
    upcoming(make_team())
    db.session.commit()
    auth.login(me.email)
    page = text(client.get("/supervision"))
    assert "You are not in a team yet" in page
    assert "Ask your programme lead to add you to your team" in page
    assert "Book a place" not in page


def test_empty_state_when_no_sessions_are_planned(app, client, auth):
    me = make_person(team=make_team())
    db.session.commit()
    auth.login(me.email)
    page = text(client.get("/supervision"))
    assert "No sessions are planned for your team" in page
    assert "Your bookings" in page


def test_calendar_feed_create_fetch_reset_and_turn_off(app, client, auth, sent):
    team = make_team(name="Feed Team")
    me = make_person(team=team)
    booked = upcoming(team, days=5, location="Room 9")
    to_be_cancelled = upcoming(team, days=19)
    full = upcoming(team, days=26, capacity=1)
    someone = make_person(team=team)
    db.session.add(Booking(session=full, person=someone, status="booked", booked_at=dt.datetime(2026, 1, 1)))
    full.booked_count = 1
    db.session.commit()
    auth.login(me.email)
    for session in (booked, to_be_cancelled, full):
        client.post(f"/supervision/{session.id}/book")  # the last one: a waitlist place
    # The lead cancels a session the person had a place on.
    from programme.supervision.series import cancel_session

    cancel_session(to_be_cancelled, "Facilitator ill")
    db.session.commit()

    page = text(client.get("/calendar"))
    assert "You do not have a calendar feed yet" in page
    page = text(client.post("/calendar/feed"))
    [path] = set(FEED_PATH.findall(page))
    assert "http://127.0.0.1:5000" + path in page  # on the configured public address
    assert db.session.get(Person, me.id).calendar_token_hash is not None
    secret = path.rsplit("/", 1)[1].removesuffix(".ics")
    assert secret not in (db.session.get(Person, me.id).calendar_token_hash or "")
    page = text(client.get("/calendar"))
    assert FEED_PATH.search(page) is None  # shown once only
    assert "You have a calendar feed" in page and "Reset the link" in page and "Turn off the feed" in page

    auth.logout()
    response = client.get(path)
    assert response.status_code == 200
    assert response.mimetype == "text/calendar"
    assert response.headers["Cache-Control"] == "no-store"
    events = {str(e["uid"]).split("@")[0]: e for e in Calendar.from_ical(response.data).walk("VEVENT")}
    # Neither the waitlist place nor the cancelled session: a subscribed calendar drops what leaves the feed.
    assert set(events) == {f"session-{booked.id}"}
    assert str(events[f"session-{booked.id}"]["status"]) == "CONFIRMED"

    auth.login(me.email)
    page = text(client.post("/calendar/feed"))
    assert "Your calendar feed has a new address" in page
    [new_path] = set(FEED_PATH.findall(page))
    assert new_path != path
    assert client.get(path).status_code == 404
    assert client.get(new_path).status_code == 200

    client.post("/calendar/feed/turn-off")
    assert "Your calendar feed is turned off" in text(client.get("/calendar"))
    assert client.get(new_path).status_code == 404
    assert db.session.get(Person, me.id).calendar_token_hash is None


def test_feed_of_a_disabled_person_is_gone(app, client, auth):
    me = make_person(team=make_team())
    db.session.commit()
    auth.login(me.email)
    [path] = set(FEED_PATH.findall(text(client.post("/calendar/feed"))))
    person = db.session.get(Person, me.id)
    person.enabled = False
    db.session.commit()
    assert client.get(path).status_code == 404


def test_forms_need_the_csrf_token(make_app):
    app = make_app(WTF_CSRF_ENABLED=True)
    with app.app_context():
        team = make_team()
        me = make_person(team=team)
        session = upcoming(team)
        db.session.commit()
        client = app.test_client()
        sign_in_page = text(client.get("/sign-in"))
        token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', sign_in_page)
        token = token or re.search(r'value="([^"]+)"[^>]*name="csrf_token"', sign_in_page)
        from tests.factories import PASSWORD

        client.post("/sign-in", data={"email": me.email, "password": PASSWORD, "csrf_token": token.group(1)})
        assert client.post(f"/supervision/{session.id}/book").status_code == 400
        assert client.post("/calendar/feed").status_code == 400
        page = text(client.get("/supervision"))
        token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
        assert client.post(f"/supervision/{session.id}/book", data={"csrf_token": token}).status_code == 302
        assert len(live_bookings(session)) == 1
