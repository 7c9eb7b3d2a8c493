"""Readable names for audit actions: every code the code base can write has one, the trail and its filter
show them, the filter finds lines by code or by name, and a code with no name still reads as words."""

from __future__ import annotations

import ast
import html
from pathlib import Path

import pytest

from rosters.audit.names import ACTION_NAMES, action_code, action_name, humanised
from rosters.extensions import db
from rosters.models import AuditEvent
from tests.factories import make_person

ROOT = Path(__file__).resolve().parents[2]
SOURCES = ["app.py", "rosters", "programme", "reports"]


def python_files() -> list[Path]:
    files: list[Path] = []
    for name in SOURCES:
        path = ROOT / name
        files.extend([path] if path.is_file() else sorted(path.rglob("*.py")))
    return files


def record_functions(tree: ast.Module) -> set[str]:
    """Local names under which a module calls ``rosters.audit.record``: ``audit.record``, and ``record``
    or its alias when imported directly."""
    names = {"audit.record"}
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module == "rosters.audit":
            names.update(alias.asname or alias.name for alias in node.names if alias.name == "record")
    return names


def codes_in(node: ast.expr) -> list[str] | None:
    """The codes an action argument can be: a string, or either side of ``a if test else b``."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return [node.value]
    if isinstance(node, ast.IfExp):
        body, orelse = codes_in(node.body), codes_in(node.orelse)
        return None if body is None or orelse is None else body + orelse
    return None


def written_codes() -> tuple[dict[str, list[str]], list[str]]:
    """Every action code an ``audit.record`` call can write, with where; and calls whose code is not
    written out, so cannot be checked."""
    found: dict[str, list[str]] = {}
    unreadable: list[str] = []
    for path in python_files():
        tree = ast.parse(path.read_text(), filename=str(path))
        callers = record_functions(tree)
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call) or ast.unparse(node.func) not in callers:
                continue
            where = f"{path.relative_to(ROOT)}:{node.lineno}"
            action = node.args[0] if node.args else next((k.value for k in node.keywords if k.arg == "action"), None)
            codes = codes_in(action) if action is not None else None
            if codes is None:
                unreadable.append(where)
                continue
            for code in codes:
                found.setdefault(code, []).append(where)
    return found, unreadable


def test_every_action_the_code_base_writes_has_a_readable_name():
    found, unreadable = written_codes()
    missing = {code: places for code, places in found.items() if code not in ACTION_NAMES}
    lines = [f"  {code!r}: {action_name(code)!r},  # written at {', '.join(places)}" for code, places in sorted(missing.items())]
    assert not missing, (
        "These audit actions have no readable name. Add each to ACTION_NAMES in rosters/audit/names.py "
        "(the name below is only a starting point):\n" + "\n".join(lines)
    )
    assert not unreadable, (
        "These audit.record calls pass an action that is not written out as a string (or 'a' if ... else 'b'), "
        "so this test cannot check it has a readable name: " + ", ".join(unreadable)
    )


def test_the_scan_finds_the_actions_it_should():
    """A guard on the scan itself: plain calls, calls with a choice of two codes, every package."""
    found, _ = written_codes()
    assert {"sign_in", "legal_hold_set", "legal_hold_cleared", "place_booked", "waitlist_joined",
            "board_report_viewed", "spreadsheet_imported"} <= set(found)
    assert len(found) >= 50


def test_names_are_distinct_and_readable():
    names = list(ACTION_NAMES.values())
    assert len({name.casefold() for name in names}) == len(names)
    for code, name in ACTION_NAMES.items():
        assert name[:1].isupper() and "_" not in name, code


@pytest.mark.parametrize(("code", "name"), [
    ("board_report_viewed", "Board report viewed"),
    ("pulse_reminder_sent", "Pulse reminder sent"),  # no name yet: its own words
    ("sign_in__via_sso_", "Sign in via sso"),
    ("", "Unnamed action"),
])
def test_action_name(code, name):
    assert action_name(code) == name


def test_humanised_never_fails_on_odd_codes():
    assert humanised("x") == "X"
    assert humanised("__") == "Unnamed action"


def test_filter_accepts_a_code_or_a_readable_name():
    codes = ["board_report_viewed", "pulse_reminder_sent"]
    assert action_code("board_report_viewed", codes) == "board_report_viewed"
    assert action_code("  board report VIEWED ", codes) == "board_report_viewed"
    assert action_code("Pulse reminder sent", codes) == "pulse_reminder_sent"
    assert action_code("nothing like this", codes) == "nothing like this"


@pytest.fixture
def trail(app, auth):
    lead = make_person(role="lead", name="Lena Lead")
    for action in ("board_report_viewed", "legal_hold_set", "pulse_reminder_sent"):
        db.session.add(AuditEvent(person=lead, action=action, detail="a line"))
    db.session.commit()
    auth.login(lead.email)
    return lead


def options(page: str) -> list[tuple[str, str]]:
    select = page[page.index('<select class="govuk-select" id="action"'):]
    select = select[:select.index("</select>")]
    pairs = []
    for chunk in select.split("<option")[1:]:
        value = chunk.split('value="', 1)[1].split('"', 1)[0]
        pairs.append((value, html.unescape(chunk.split(">", 1)[1].split("</option>", 1)[0])))
    return pairs


def test_trail_shows_readable_names_in_the_list_and_the_filter(client, trail):
    response = client.get("/audit")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert options(page) == [
        ("", "All actions"),
        ("board_report_viewed", "Board report viewed"),
        ("legal_hold_set", "Legal hold set"),
        ("pulse_reminder_sent", "Pulse reminder sent"),
        ("sign_in", "Signed in"),
    ]
    cells = html.unescape(page)
    assert '<td class="govuk-table__cell">Board report viewed</td>' in cells
    assert '<td class="govuk-table__cell">Pulse reminder sent</td>' in cells
    assert '<td class="govuk-table__cell">board_report_viewed</td>' not in cells


@pytest.mark.parametrize("asked", ["board_report_viewed", "Board report viewed", "board REPORT viewed"])
def test_filter_by_code_or_name_finds_the_same_lines(client, trail, asked):
    page = html.unescape(client.get("/audit", query_string={"action": asked}).get_data(as_text=True))
    assert "Showing lines 1 to 1 of 1." in page
    assert '<option value="board_report_viewed" selected>Board report viewed</option>' in page


def test_filter_by_an_unknown_action_shows_nothing(client, trail):
    page = client.get("/audit", query_string={"action": "Made up"}).get_data(as_text=True)
    assert "No lines match these filters." in page
