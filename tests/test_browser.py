"""Real browser journeys in Debian Chromium: signing in to the roster, with axe-core finding no violations."""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import expect
from werkzeug.serving import make_server

from programme.demo import DEMO_PASSWORD
from rosters.extensions import db

pytestmark = pytest.mark.browser

CHROMIUM = "/usr/bin/chromium"
SHOTS = Path(__file__).resolve().parent.parent / "screenshots"

if not Path(CHROMIUM).exists():
    if os.environ.get("CI"):
        raise RuntimeError("browser tests need Debian's chromium (apt-get install -y chromium)")
    pytest.skip("Debian chromium is not installed", allow_module_level=True)


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    return {
        **browser_type_launch_args,
        "executable_path": CHROMIUM,
        "args": ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"],
    }


@pytest.fixture
def live_server(app, runner) -> Iterator[str]:
    """Serve the demo programme on a free local port for the length of one test."""
    result = runner.invoke(args=["seed-demo"])
    assert result.exit_code == 0, result.output
    db.session.remove()
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join()


def axe_violations(page) -> list[str]:
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page)
    return [f"{v['id']}: {v['help']} ({len(v['nodes'])} nodes)" for v in results.response["violations"]]


def shot(page, name: str) -> None:
    SHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def sign_in(page, base: str, email: str) -> None:
    page.goto(base + "/sign-in")
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password", exact=True).fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Sign in").click()


def test_sign_in_page_and_its_errors_are_accessible(page, live_server):
    page.goto(live_server + "/")
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
    assert axe_violations(page) == []
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_text("There is a problem")).to_be_visible()
    assert axe_violations(page) == []
    shot(page, "sign-in-errors")


def test_lead_signs_in_and_reads_the_roster(page, live_server):
    sign_in(page, live_server, "lead@demo.example.org")
    expect(page.get_by_text("Signed in as Pat Lead")).to_be_visible()
    assert axe_violations(page) == []
    page.get_by_role("navigation", name="Menu").get_by_role("link", name="Roster").click()
    for link, heading in [("Teams", "Teams"), ("People", "People"), ("Facilitators and training", "Facilitators and training")]:
        page.get_by_role("navigation", name="Roster").get_by_role("link", name=link).click()
        expect(page.get_by_role("heading", name=heading, level=1)).to_be_visible()
        assert axe_violations(page) == [], link
    expect(page.get_by_text("Expiring soon").first).to_be_visible()
    shot(page, "lead-facilitators")
    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_text("You have signed out")).to_be_visible()
    page.goto(live_server + "/teams")
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()


def test_lead_imports_a_spreadsheet_with_errors_then_a_good_one(page, live_server, tmp_path):
    sign_in(page, live_server, "lead@demo.example.org")
    page.get_by_role("navigation", name="Menu").get_by_role("link", name="Import").click()
    bad = tmp_path / "teams.csv"
    bad.write_bytes("\ufeffTeam,Active\r\nNew Team,perhaps\r\n".encode())
    page.get_by_label("Teams", exact=True).check()
    page.get_by_label("CSV file").set_input_files(str(bad))
    page.get_by_role("button", name="Import file").click()
    expect(page.get_by_text("Nothing was imported")).to_be_visible()
    expect(page.get_by_text("row 2: active: 'perhaps' is not yes or no")).to_be_visible()
    assert axe_violations(page) == []
    shot(page, "lead-import-errors")

    good = tmp_path / "teams-good.csv"
    good.write_bytes("\ufeffTeam,Active\r\nNew Team,Yes\r\n".encode())
    page.get_by_label("Teams", exact=True).check()
    page.get_by_label("CSV file").set_input_files(str(good))
    page.get_by_role("button", name="Import file").click()
    expect(page.get_by_text("Import complete")).to_be_visible()
    assert axe_violations(page) == []
    shot(page, "lead-import-done")


def test_member_home_is_accessible_at_phone_width(page, live_server):
    page.set_viewport_size({"width": 375, "height": 800})
    sign_in(page, live_server, "member@demo.example.org")
    expect(page.get_by_text("Signed in as Mel Member")).to_be_visible()
    assert axe_violations(page) == []
    shot(page, "member-home-phone")
    page.goto(live_server + "/teams")
    expect(page.get_by_role("heading", name="You do not have access to this page")).to_be_visible()
    assert axe_violations(page) == []
