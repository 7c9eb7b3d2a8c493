"""In Debian Chromium: a lead's second dashboard view takes every script and stylesheet from the browser's cache."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser_support import require_chromium, shot, sign_in

pytestmark = pytest.mark.browser
require_chromium()

# What the page fetched, from the Resource Timing API: transferSize is 0 for a file the cache answered.
FETCHED = """() => performance.getEntriesByType('resource').map(entry => ({
  url: new URL(entry.name).pathname, kind: entry.initiatorType,
  transferred: entry.transferSize, encoded: entry.encodedBodySize, decoded: entry.decodedBodySize}))"""


def view_dashboard(page, base: str) -> list[dict]:
    page.goto(base + "/dashboard")
    expect(page.locator("#chart-supervision .main-svg").first).to_be_attached()
    page.wait_for_load_state("load")
    return page.evaluate(FETCHED)


def watch_network(page) -> dict[str, dict]:
    """Chromium's own record of every request (DevTools protocol): from the network, or from its cache."""
    requests: dict[str, dict] = {}
    session = page.context.new_cdp_session(page)
    session.send("Network.enable")
    session.on("Network.requestWillBeSent", lambda event: requests.setdefault(
        event["requestId"], {"url": event["request"]["url"], "type": event.get("type"), "cached": False}))
    session.on("Network.requestServedFromCache", lambda event: requests[event["requestId"]].update(cached=True))
    session.on("Network.responseReceived", lambda event: requests[event["requestId"]].update(
        cached=requests[event["requestId"]]["cached"] or event["response"].get("fromDiskCache", False)))
    return requests


def test_a_second_dashboard_view_downloads_no_script(page, demo_server):
    sign_in(page, demo_server, "lead@demo.example.org")
    expect(page.get_by_text("Signed in as Pat Lead")).to_be_visible()

    first = view_dashboard(page, demo_server)
    plotly = [entry for entry in first if "/assets/vendor/plotly.min." in entry["url"]]
    assert len(plotly) == 1
    # Downloaded compressed: what crossed the network is well under half of the 4.8 MB file.
    assert plotly[0]["decoded"] > 4_000_000 and 0 < plotly[0]["encoded"] < plotly[0]["decoded"] / 2

    requests = watch_network(page)
    second = view_dashboard(page, demo_server)
    assets = [entry for entry in second if entry["url"].startswith("/assets/")]
    assert {entry["kind"] for entry in assets} >= {"script", "link"}
    assert any("/assets/vendor/plotly.min." in entry["url"] for entry in assets)
    for entry in assets:
        assert entry["transferred"] == 0 and entry["decoded"] > 0, entry
    scripts = [request for request in requests.values() if request["type"] == "Script"]
    assert len(scripts) >= 4  # GOV.UK Frontend, our module, plotly.js and the charts
    assert all(request["cached"] for request in scripts), scripts
    shot(page, "dashboard-second-view")
