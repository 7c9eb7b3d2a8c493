"""In Chromium: a lead reads the allowed values on the import page, downloads a template and imports it."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser_support import axe_violations, require_chromium, shot, sign_in

pytestmark = pytest.mark.browser
require_chromium()


def test_lead_downloads_a_template_and_imports_it(page, demo_server, tmp_path):
    sign_in(page, demo_server, "lead@demo.example.org")
    page.get_by_role("navigation", name="Menu").get_by_role("link", name="Import").click()
    expect(page.get_by_role("heading", name="Templates, and what each column may hold")).to_be_visible()
    page.get_by_text("Columns in a sessions file", exact=True).click()
    sessions = page.get_by_role("table", name="Columns in a sessions file and what each may hold")
    expect(sessions.get_by_text("threat_to_worker")).to_be_visible()
    expect(sessions.get_by_text("A whole number, 15 to 480.")).to_be_visible()
    page.get_by_text("Columns in a people file", exact=True).click()
    expect(page.get_by_text("Programme lead").first).to_be_visible()
    assert axe_violations(page) == []
    page.get_by_role("heading", name="Sessions (supervision and debriefs)").scroll_into_view_if_needed()
    shot(page, "lead-import-templates")

    with page.expect_download() as download:
        page.get_by_role("link", name="Download the teams template (CSV)").click()
    saved = tmp_path / download.value.suggested_filename
    download.value.save_as(saved)
    assert saved.name == "teams-template.csv"
    assert saved.read_bytes().startswith("\ufeffteam,service,agency,active\r\n".encode())

    page.get_by_label("Teams", exact=True).check()
    page.get_by_label("CSV file").set_input_files(str(saved))
    page.get_by_role("button", name="Import file").click()
    expect(page.get_by_text("teams: 1 rows read, 1 added, 0 updated, 0 unchanged")).to_be_visible()
