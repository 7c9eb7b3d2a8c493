"""Every page in Debian Chromium with axe-core: each role, demo data and an empty database, form errors, phone width.

Pages are found by walking ``app.url_map``, so a new page is checked as soon as it has a route. One live
server serves the whole module; each role keeps one signed-in browser context. Also here: the error
pages, keyboard-only booking with a visible focus, and the import page's progress message.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pprint import pformat

import pytest
from flask import Flask
from playwright.sync_api import BrowserContext, Error, Page, expect
from werkzeug.serving import make_server

from app import create_app
from programme.debriefs.models import DebriefRequest
from programme.demo import DEMO_PASSWORD
from programme.models import Booking, Kind, LearningPoint, ProgrammeSession, Status, SupervisionSeries
from rosters.clock import today_uk, utcnow
from rosters.extensions import db
from rosters.models import Person
from tests.browser_support import SHOTS, require_chromium
from tests.factories import PASSWORD, make_person

pytestmark = pytest.mark.browser
require_chromium()

ROLES = ("member", "manager", "facilitator", "lead")
PHONE = {"width": 375, "height": 800}
# Not pages: files, feeds, scripts and machine answers.
NOT_HTML = re.compile(r"\.(ics|csv|xlsx|json|js)$|\.<[^>]+>$")
NOT_HTML_ENDPOINTS = {"static", "rosters.healthz"}
# Council account sign-in hands over to the provider (or answers 404 when none is set up); its own pages
# are checked with a real provider in tests/rosters/test_oidc_browser.py.
PROVIDER_ENDPOINTS = {"auth.oidc_start", "auth.oidc_callback", "auth.oidc_sign_out"}



# ---------------------------------------------------------------------------------------------
# One server for the module, whose database is switched between the demo and an empty one


def email_for(role: str) -> str:
    return f"{role}@demo.example.org"


@dataclass
class Site:
    """A live server on the test database, and what that database holds now."""

    app: Flask
    base: str
    browser: object
    state: str = ""
    generation: int = 0
    contexts: dict[tuple[str, str], tuple[BrowserContext, Page, int]] = field(default_factory=dict)
    ids: dict[str, list[int]] = field(default_factory=dict)

    def wipe(self) -> None:
        with self.app.app_context():
            with db.engine.begin() as connection:
                for table in reversed(db.metadata.sorted_tables):
                    connection.execute(table.delete())
            db.session.remove()
        self.generation += 1
        self.state = ""

    def load(self, state: str) -> None:
        """``demo`` (``flask seed-demo``) or ``only:ROLE`` (that one person, nothing else); no-op if loaded."""
        if state == self.state:
            return
        self.wipe()
        with self.app.app_context():
            if state == "demo":
                result = self.app.test_cli_runner().invoke(args=["seed-demo"])
                assert result.exit_code == 0, result.output
                self.ids = demo_ids()
            else:
                role = state.split(":", 1)[1]
                make_person(role=role, email=email_for(role), name=f"Only {role.title()}")
                db.session.commit()
                self.ids = {}
            db.session.remove()
        self.state = state

    def password(self) -> str:
        return DEMO_PASSWORD if self.state == "demo" else PASSWORD

    def page(self, role: str | None, viewport: dict | None = None) -> Page:
        """The page of this role's context, signed in to the current database (``None``: signed out)."""
        key = (role or "", "phone" if viewport else "desktop")
        if key in self.contexts:
            context, page, generation = self.contexts[key]
            if generation == self.generation or role is None:
                return page
            context.close()
        context = self.browser.new_context(viewport=viewport or {"width": 1280, "height": 900})
        context.add_init_script(axe_script())  # parsed with each page rather than sent over each time
        page = context.new_page()
        if role is not None:
            sign_in(page, self.base, email_for(role), self.password())
            expect(page.get_by_role("button", name="Sign out")).to_be_visible()
        self.contexts[key] = (context, page, self.generation)
        return page

    def close(self) -> None:
        for context, _page, _generation in self.contexts.values():
            context.close()


def demo_ids() -> dict[str, list[int]]:
    """Ids for the detail pages: a series, a future and a past session, every debrief request, a learning point, a person."""
    facilitator = db.session.scalar(db.select(Person).where(Person.email == email_for("facilitator")))
    series = db.session.scalars(
        db.select(SupervisionSeries).order_by(
            (SupervisionSeries.facilitator_id == facilitator.id).desc(), SupervisionSeries.id
        )
    ).first()
    future = db.session.scalars(
        db.select(ProgrammeSession)
        .where(ProgrammeSession.kind == Kind.SUPERVISION.value, ProgrammeSession.status == Status.SCHEDULED.value,
               ProgrammeSession.starts_at > utcnow())
        .order_by(ProgrammeSession.booked_count.desc(), ProgrammeSession.starts_at)
    ).first()
    past = db.session.scalars(
        db.select(ProgrammeSession)
        .where(ProgrammeSession.kind == Kind.SUPERVISION.value, ProgrammeSession.starts_at < utcnow())
        .order_by((ProgrammeSession.facilitator_id == facilitator.id).desc(), ProgrammeSession.starts_at.desc())
    ).first()
    return {
        "series_id": [series.id],
        "session_id": [future.id, past.id],
        "request_id": list(db.session.scalars(db.select(DebriefRequest.id).order_by(DebriefRequest.id))),
        "point_id": list(db.session.scalars(db.select(LearningPoint.id).order_by(LearningPoint.id).limit(1))),
        "booking_id": list(db.session.scalars(
            db.select(Booking.id).join(Booking.session)
            .where(Booking.is_live, ProgrammeSession.starts_at > utcnow(),
                   ProgrammeSession.status == Status.SCHEDULED.value).order_by(Booking.id).limit(1))),
        "person_id": list(db.session.scalars(db.select(Person.id).where(Person.email == email_for("member")))),
    }


@pytest.fixture(scope="module")
def site(base_config, _migrated, browser) -> Iterator[Site]:
    """Serve the app on a free port for the whole module; empty every table afterwards."""
    app = create_app(base_config)
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    site = Site(app, f"http://127.0.0.1:{server.server_port}", browser)
    yield site
    site.close()
    server.shutdown()
    thread.join()
    site.wipe()
    with app.app_context():
        db.engine.dispose()


@pytest.fixture
def demo(site: Site) -> Site:
    """The site with the demo programme loaded (``flask seed-demo``)."""
    site.load("demo")
    return site


# ---------------------------------------------------------------------------------------------
# Helpers


def sign_in(page: Page, base: str, email: str, password: str) -> None:
    page.goto(base + "/sign-in")
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password", exact=True).fill(password)
    page.get_by_role("button", name="Sign in").click()


@functools.cache
def axe_script() -> str:
    from axe_playwright_python.sync_playwright import Axe

    return Axe().axe_script


def axe_violations(page: Page) -> list[str]:
    """What axe-core finds on the page as it is now, one line per rule broken."""
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.evaluate(axe_script())
    violations = page.evaluate("axe.run({resultTypes: ['violations']}).then(results => results.violations)")
    return [f"{v['id']}: {v['help']} ({len(v['nodes'])} nodes, e.g. {v['nodes'][0]['target']})" for v in violations]


def shot(page: Page, name: str) -> None:
    SHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def settle(page: Page) -> None:
    """Wait for what scripts draw after loading (the dashboard's charts) before checking."""
    if page.locator(".app-chart__plot").count():
        expect(page.locator(".app-chart__plot .main-svg").first).to_be_attached()


def overflow(page: Page) -> int:
    """How many pixels the page is wider than the window (0 when nothing scrolls sideways)."""
    return page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")


def page_paths(app: Flask, ids: dict[str, list[int]]) -> tuple[list[str], list[str]]:
    """Every HTML page's path (with ids from ``ids`` where a rule needs them), and the rules skipped."""
    paths, skipped = [], []
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule):
        if "GET" not in rule.methods or rule.endpoint in NOT_HTML_ENDPOINTS | PROVIDER_ENDPOINTS or NOT_HTML.search(rule.rule):
            continue
        if rule.rule.startswith("/api/"):
            continue
        if not rule.arguments:
            paths.append(rule.rule)
            continue
        if any(not ids.get(name) for name in rule.arguments):
            skipped.append(rule.rule)
            continue
        combos: list[dict[str, int]] = [{}]
        for name in sorted(rule.arguments):
            combos = [{**combo, name: value} for combo in combos for value in ids[name]]
        with app.test_request_context():
            from flask import url_for

            paths += [url_for(rule.endpoint, **combo) for combo in combos]
    return paths, skipped


@dataclass
class Walk:
    skipped: list[str] = field(default_factory=list)  # rules needing an id the data cannot supply
    checked: list[str] = field(default_factory=list)
    refused: dict[str, int] = field(default_factory=dict)
    problems: dict[str, list[str]] = field(default_factory=dict)


def walk(site: Site, page: Page, *, phone: bool = False) -> Walk:
    """Open every page; run axe-core on each one that answers 200 (403 and 404 are checked once, below)."""
    paths, skipped = page_paths(site.app, site.ids)
    result = Walk(skipped=skipped)
    for path in paths:
        try:
            response = page.goto(site.base + path)
        except Error as error:
            if "Download is starting" in str(error):
                continue  # a file, not a page
            raise
        assert response is not None
        if response.status != 200:
            result.refused[path] = response.status
            continue
        if not response.headers.get("content-type", "").startswith("text/html"):
            continue
        settle(page)
        problems = axe_violations(page)
        if phone and (wider := overflow(page)) > 0:
            problems.append(f"the page scrolls sideways by {wider}px at phone width")
        if problems:
            result.problems[path] = problems
        result.checked.append(path)
    return result


# ---------------------------------------------------------------------------------------------
# Every page, every role


@pytest.mark.parametrize("role", ROLES)
def test_every_page_with_an_empty_database_is_accessible(site, role):
    site.load(f"only:{role}")
    result = walk(site, site.page(role))
    assert not result.problems, pformat(result.problems)
    assert "/" in result.checked and "/supervision" in result.checked
    print(f"\n{role}, empty: {len(result.checked)} pages checked: {' '.join(result.checked)}")


@pytest.mark.parametrize("role", ROLES)
def test_every_page_with_demo_data_is_accessible(demo, role):
    result = walk(demo, demo.page(role))
    assert not result.problems, pformat(result.problems)
    assert "/" in result.checked
    if role == "lead":
        assert {"/dashboard", "/supervision/series", "/debriefs", "/learning", "/import"} <= set(result.checked)
        assert any(re.fullmatch(r"/debriefs/\d+", path) for path in result.checked)
        assert any(re.fullmatch(r"/supervision/sessions/\d+/edit", path) for path in result.checked)
        # Only the pages of the person who asked (sent, their own request and its calendar file) and of the
        # manager they named are refused: a lead has their own page for every request.
        own = r"/debriefs/(request/\d+/sent|mine/\d+(/calendar\.ics)?|team/\d+)"
        assert all(re.fullmatch(own, path) for path in result.refused), result.refused
    if role == "member":
        assert any(re.fullmatch(r"/debriefs/request/\d+/sent", path) for path in result.checked)
    print(f"\n{role}, demo: {len(result.checked)} pages checked, {len(result.refused)} refused, "
          f"{len(result.skipped)} rules without ids: {' '.join(result.checked)}; skipped {' '.join(result.skipped)}")


def test_every_page_at_phone_width_is_accessible(demo):
    result = walk(demo, demo.page("lead", viewport=PHONE), phone=True)
    assert not result.problems, pformat(result.problems)
    assert len(result.checked) > 20


# ---------------------------------------------------------------------------------------------
# Forms with their errors shown


def session_log_ready(site: Site, request_id: int) -> None:
    """Move a debrief's arranged session to yesterday, so that it can be logged."""
    with site.app.app_context():
        from rosters.clock import local_to_utc

        item = db.session.get(DebriefRequest, request_id)
        item.session.date = today_uk() - dt.timedelta(days=1)
        item.session.starts_at = local_to_utc(item.session.date, dt.time(14, 0))
        db.session.commit()
        db.session.remove()


def test_every_form_with_errors_is_accessible(demo):
    found: dict[str, list[str]] = {}

    def check(name: str, page: Page, shows: str = "There is a problem") -> None:
        expect(page.get_by_text(shows).first).to_be_visible()
        if problems := axe_violations(page):
            found[name] = problems

    base = demo.base
    requested, own, arranged, delivered = demo.ids["request_id"]
    future, past = demo.ids["session_id"]

    page = demo.page(None)
    page.goto(base + "/sign-in")
    page.get_by_role("button", name="Sign in").click()
    check("sign in, empty", page)
    page.get_by_label("Email address").fill("lead@demo.example.org")
    page.get_by_label("Password", exact=True).fill("not the password")
    page.get_by_role("button", name="Sign in").click()
    check("sign in, wrong password", page)

    page = demo.page("lead")
    page.goto(base + "/import")
    page.get_by_role("button", name="Import file").click()
    check("import, empty", page)
    page.get_by_label("Teams", exact=True).check()
    page.get_by_label("CSV file").set_input_files(
        files=[{"name": "teams.csv", "mimeType": "text/csv", "buffer": b"Team,Active\r\nNew Team,perhaps\r\n"}]
    )
    page.get_by_role("button", name="Import file").click()
    check("import, bad row", page, "Nothing was imported")

    page.goto(base + "/supervision/series/new")
    page.get_by_role("button", name="Check dates and facilitators").click()
    check("new series, empty", page)
    page.get_by_label("Team").select_option(label="Early Help North")
    for name, day in (("first_date", today_uk() + dt.timedelta(days=30)),
                      ("last_date", today_uk() + dt.timedelta(days=120))):
        page.locator(f"#{name}-day").fill(str(day.day))
        page.locator(f"#{name}-month").fill(str(day.month))
        page.locator(f"#{name}-year").fill(str(day.year))
    page.get_by_role("button", name="Check dates and facilitators").click()
    check("new series, facilitators shown", page)

    page.goto(base + f"/supervision/series/{demo.ids['series_id'][0]}/edit")
    page.get_by_label("Start time").fill("25:99")
    page.get_by_role("button", name="Change future sessions").click()
    check("edit series, bad time", page)

    page.goto(base + f"/supervision/sessions/{future}/edit")
    page.locator("#date-day").fill("31")
    page.locator("#date-month").fill("2")
    page.get_by_role("button", name="Change this session").click()
    check("edit session, bad date", page)

    page.goto(base + f"/supervision/sessions/{future}/cancel")
    page.get_by_role("button", name="Cancel session").click()
    check("cancel session, no reason", page)

    page.goto(base + f"/facilitation/sessions/{past}/register")
    page.get_by_label("How many others came without booking?").fill("lots")
    page.get_by_role("button", name="Save register").click()
    check("register, bad number", page)

    page.goto(base + f"/debriefs/{requested}")
    page.get_by_role("button", name="Decline request").click()
    check("debrief decline, no reason", page)

    page.goto(base + f"/debriefs/{arranged}?change=1")  # arranged: the form opens on "Change"
    page.locator("#day-day").fill("")
    page.get_by_role("button", name="Show chairs for this date").click()
    check("arrange, no date", page)
    page.goto(base + f"/debriefs/{arranged}?change=1")
    page.get_by_label("Start time").fill("")
    page.get_by_label("Length").fill("0")
    page.get_by_role("button", name="Save changes").click()
    check("arrange, no time", page)

    session_log_ready(demo, arranged)
    page.goto(base + f"/debriefs/{arranged}/log")
    page.get_by_role("button", name="Save session log").click()
    check("log, empty", page)
    page.get_by_label("Yes, it went ahead").check()
    page.get_by_label("How many practitioners attended?").fill("none")
    page.get_by_role("button", name="Save session log").click()
    check("log, bad number", page)

    page.goto(base + f"/debriefs/{delivered}")  # its follow-up is not due yet: a lead may open it early
    page.get_by_role("button", name="Open the follow-up now").click()
    check("follow-up opened early, no reason", page)

    page.goto(base + "/learning/new")
    page.get_by_role("button", name="Add learning point").click()
    check("learning point, empty", page)
    page.get_by_label("Learning point").fill("Chloe Hughes said the child Jayden (aged 4) at 12 Elm Road was known")
    page.get_by_role("button", name="Add learning point").click()
    check("learning point, words flagged", page, "may identify someone")
    point = demo.ids["point_id"][0]
    page.goto(base + f"/learning/{point}/edit")
    page.get_by_label("Learning point").fill("")
    page.get_by_role("button", name="Save changes").click()
    check("learning point edit, empty", page)
    page.goto(base + f"/learning/{point}/reject")
    if page.get_by_role("button", name="Reject learning point").count():
        page.get_by_role("button", name="Reject learning point").click()
        check("learning point reject, no reason", page)

    page.goto(base + f"/supervision/bookings/{demo.ids['booking_id'][0]}/remove")
    page.get_by_role("button", name="Remove place").click()
    check("remove place, no reason", page)

    page.goto(base + "/dashboard?start=31&start=2&start=2026")
    settle(page)
    check("dashboard filters, bad date", page)
    page.goto(base + "/dashboard?team=99999999999999999999&agency=%C2%B2")
    settle(page)
    check("dashboard filters, team and agency not in the lists", page)

    page = demo.page("member")
    page.goto(base + "/debriefs/request")
    page.get_by_role("button", name="Send request").click()
    check("debrief request, empty", page)
    # The calendar form has no fields to get wrong: check what it shows after each step instead.
    page.goto(base + "/calendar")
    page.get_by_role("button", name="Create your calendar feed").click()
    check("calendar, feed made", page, "Your calendar feed is ready")
    page.get_by_role("link", name="I have copied the address").click()
    check("calendar, feed exists", page, "Reset the link")

    assert not found, pformat(found)


# ---------------------------------------------------------------------------------------------
# Error pages


def test_error_pages_are_accessible_and_the_500_page_shows_no_stack_trace(demo, monkeypatch):
    member = demo.page("member")
    response = member.goto(demo.base + "/teams")
    assert response.status == 403
    expect(member.get_by_role("heading", name="You do not have access to this page", level=1)).to_be_visible()
    assert axe_violations(member) == []

    for page in (member, demo.page(None)):
        response = page.goto(demo.base + "/no-such-page")
        assert response.status == 404
        expect(page.get_by_role("heading", name="Page not found", level=1)).to_be_visible()
        assert axe_violations(page) == []

    def broken():
        raise RuntimeError("secret-detail-from-the-database")

    monkeypatch.setitem(demo.app.view_functions, "rosters.about", broken)
    for page in (member, demo.page(None)):
        response = page.goto(demo.base + "/about")
        assert response.status == 500
        expect(page.get_by_role("heading", name="Sorry, there is a problem with the service", level=1)).to_be_visible()
        html = page.content()
        assert "Traceback" not in html and "secret-detail" not in html and "RuntimeError" not in html
        assert axe_violations(page) == []
    shot(member, "error-500")


# ---------------------------------------------------------------------------------------------
# Keyboard only


FOCUSED = """() => {
  const el = document.activeElement
  const style = getComputedStyle(el)
  const outline = style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) > 0
  return {
    tag: el.tagName.toLowerCase(), id: el.id, text: (el.innerText || el.value || '').trim(),
    visible: outline || style.boxShadow !== 'none',
    style: `outline: ${style.outlineStyle} ${style.outlineWidth} ${style.outlineColor}; box-shadow: ${style.boxShadow}`,
  }
}"""


def press(page: Page, key: str) -> dict:
    """Press a key and describe what has the focus now; every focused control must show it."""
    page.keyboard.press(key)
    focused = page.evaluate(FOCUSED)
    if focused["tag"] not in ("body", "main"):
        assert focused["visible"], f"no visible focus on {focused}"
    return focused


def tab_to(page: Page, wanted: Callable[[dict], bool], *, limit: int = 80) -> dict:
    for _ in range(limit):
        focused = press(page, "Tab")
        if wanted(focused):
            return focused
    raise AssertionError("never reached by Tab")


def test_signing_in_and_booking_a_place_with_the_keyboard_alone(demo):
    context = demo.browser.new_context(viewport={"width": 1280, "height": 900})
    try:
        page = context.new_page()
        page.goto(demo.base + "/sign-in?next=/")
        # The first Tab reaches the skip link; Enter moves the focus to the main content.
        focused = press(page, "Tab")
        assert focused["text"] == "Skip to main content", focused
        page.keyboard.press("Enter")
        assert page.evaluate("document.activeElement.id") == "main-content"

        tab_to(page, lambda f: f["id"] == "email")
        page.keyboard.type("member@demo.example.org")
        assert press(page, "Tab")["id"] == "password"
        page.keyboard.type(DEMO_PASSWORD)
        # Shift+Tab goes back to the email address, and Tab forward again to the button.
        assert press(page, "Shift+Tab")["id"] == "email"
        tab_to(page, lambda f: f["text"] == "Sign in")
        page.keyboard.press("Enter")
        expect(page.get_by_text("Signed in as Mel Member")).to_be_visible()

        tab_to(page, lambda f: f["tag"] == "a" and f["text"] == "Supervision")
        page.keyboard.press("Enter")
        expect(page.get_by_role("heading", name="Book reflexive supervision", level=1)).to_be_visible()
        tab_to(page, lambda f: f["tag"] == "button" and f["text"].startswith("Book a place"))
        page.keyboard.press("Space")
        expect(page.get_by_text("You have a place on")).to_be_visible()
        assert axe_violations(page) == []
        shot(page, "keyboard-booked")
    finally:
        context.close()


# ---------------------------------------------------------------------------------------------
# Long imports show progress


def test_a_long_import_says_it_is_working_and_cannot_be_sent_twice(demo, monkeypatch):
    import rosters.views

    page = demo.page("lead")
    page.goto(demo.base + "/import")
    status = page.get_by_role("status")
    expect(status).to_have_text("")
    # The page as it looks while a file is sent (a submit event the browser does not act on).
    first, second = page.evaluate("""() => {
      const form = document.querySelector('form[data-app-import]')
      const submit = () => form.dispatchEvent(new SubmitEvent('submit', {cancelable: true}))
      return [submit(), submit()]
    }""")
    assert (first, second) == (True, False)  # the second submission is stopped
    expect(status).to_have_text("Importing… this can take a minute for a large file")
    expect(page.get_by_role("button", name="Import file")).to_be_disabled()
    assert axe_violations(page) == []
    page.screenshot(path=str(SHOTS / "lead-import-in-progress.png"))

    # A real, slow import: the message shows and the button is disabled while the server works,
    # and a second submission while waiting sends nothing. Locators wait for a pending navigation,
    # so the page reports what happens through its console.
    release = threading.Event()
    calls: list[str] = []
    real_import = rosters.views.run_import

    def slow_import(kind, data):
        calls.append(kind)
        release.wait(20)
        return real_import(kind, data)

    monkeypatch.setattr(rosters.views, "run_import", slow_import)
    seen: list[str] = []
    page.on("console", lambda message: seen.append(message.text))
    page.goto(demo.base + "/import")
    page.evaluate("""() => {
      const form = document.querySelector('form[data-app-import]')
      const button = document.getElementById('submit')
      new MutationObserver(() => {
        console.log(`status: ${document.getElementById('import-status').innerText.trim()}; disabled: ${button.disabled}`)
        if (button.disabled) form.requestSubmit()
      }).observe(form, {subtree: true, childList: true, attributes: true, attributeFilter: ['disabled']})
    }""")
    page.get_by_label("Teams", exact=True).check()
    page.get_by_label("CSV file").set_input_files(files=[{
        "name": "teams.csv", "mimeType": "text/csv",
        "buffer": "\ufeffTeam,Service,Active\r\nNight Duty,Assessment,yes\r\nKinship Care,Specialist,yes\r\n".encode(),
    }])
    page.get_by_role("button", name="Import file").click(no_wait_after=True)
    deadline = time.monotonic() + 10
    while not calls and time.monotonic() < deadline:
        time.sleep(0.05)
    time.sleep(0.5)  # time for a second submission to reach the server, were it sent
    release.set()
    expect(page.get_by_text("Import complete")).to_be_visible()
    expect(page.get_by_text("teams: 2 rows read, 2 added")).to_be_visible()
    assert calls == ["teams"]
    assert "status: Importing… this can take a minute for a large file; disabled: true" in seen, seen
    assert axe_violations(page) == []
