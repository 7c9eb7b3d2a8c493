"""`make demo` and `make run` give the server they start the address it answers at (``BASE_URL``), so
links in e-mails, calendar feeds and sign-in redirects point at it; an explicit ``BASE_URL`` still wins.
Read from ``make -n`` (what make would run), so nothing is installed or served."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

MAKE = shutil.which("make")
# Left out of make's environment so that only what each test gives counts (and a suite run from
# `make test` does not hand its own make settings down).
INHERITED = {"BASE_URL", "PORT", "VENV", "MAKEFLAGS", "MFLAGS", "MAKELEVEL"}

pytestmark = pytest.mark.skipif(MAKE is None, reason="make is not installed")


def planned(*args: str, base_url: str | None = None) -> list[str]:
    """The commands ``make -n`` would run that start flask."""
    env = {key: value for key, value in os.environ.items() if key not in INHERITED}
    if base_url is not None:
        env["BASE_URL"] = base_url
    done = subprocess.run([MAKE, "-n", *args], cwd=ROOT, env=env, capture_output=True, text=True, check=True)
    return [line for line in done.stdout.splitlines() if "flask seed-demo" in line or "flask run" in line]


def test_demo_on_another_port_links_to_that_port():
    assert planned("demo", "PORT=5077") == [
        "BASE_URL='http://127.0.0.1:5077' .venv/bin/flask seed-demo",
        "BASE_URL='http://127.0.0.1:5077' .venv/bin/flask run --port 5077",
    ]


def test_run_and_demo_default_to_port_5000():
    assert planned("run") == ["BASE_URL='http://127.0.0.1:5000' .venv/bin/flask run --port 5000"]
    assert planned("demo")[-1] == "BASE_URL='http://127.0.0.1:5000' .venv/bin/flask run --port 5000"


def test_base_url_from_the_environment_or_command_line_wins():
    from_env = planned("demo", "PORT=5077", base_url="https://wellbeing.example.org")
    assert from_env[-1] == "BASE_URL='https://wellbeing.example.org' .venv/bin/flask run --port 5077"
    on_line = planned("run", "PORT=5077", "BASE_URL=https://wellbeing.example.org")
    assert on_line == ["BASE_URL='https://wellbeing.example.org' .venv/bin/flask run --port 5077"]
