"""``make bench`` (``python -m reports.loadtest``): the service under load at 300 and 3,000 teams.

For each size it makes (or reuses) a PostgreSQL database of its own, upgrades it, seeds a synthetic
programme of five years, readies a lead and a team member to sign in (``flask bench-accounts``), times
the lead's pages and counts each page's SQL in-process (``flask bench-pages``), then serves the service
and the yardstick page (``reports/yardstick.py``) under gunicorn side by side and measures each member
page and the yardstick with wrk, one after the other. It prints the tables and a PASS or FAIL for each
goal (``reports/bench_goals.py``) and exits 0 either way: it is a measurement, not a test. It exits 1
only when it could not measure (no PostgreSQL, no wrk, a server that would not start).

Environment: BENCH_DATABASE_URL (prefix of the databases' URL, the size is appended), BENCH_RESEED=1
(drop and seed again even when the data is there), BENCH_WORKERS (gunicorn workers, default 4 as the
README's deployment runs), BENCH_SECONDS (each wrk run, default 10), BENCH_SIZES (default "300,3000").
"""

from __future__ import annotations

import datetime as dt
import html
import http.client
import json
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlencode

import psycopg
from sqlalchemy.engine import make_url

from reports.bench_goals import (
    PageTiming,
    SizeResult,
    StaticCheck,
    WrkOutputError,
    WrkResult,
    dashboard_verdicts,
    lead_table,
    member_table,
    member_verdicts,
    parse_wrk,
    statement_verdicts,
    static_verdicts,
    verdict_lines,
)
from rosters.clock import today_uk

ROOT = Path(__file__).resolve().parent.parent
LOGS = ROOT / "instance" / "bench"  # each run's server logs and command errors, kept until the next run
DEFAULT_PREFIX = "postgresql+psycopg://postgres@127.0.0.1:5432/bench"
YEARS = 5
MEMBER_PAGES = ["/", "/supervision", "/debriefs/mine", "/calendar"]
CONNECTIONS = 32
WARM_UP_SECONDS = 3
USER_AGENT = "wellbeing-bench"  # the same on sign-in and under wrk: the session is tied to it
HEALTH_WAIT_SECONDS = 60
STALE_DAYS = 31  # history ending longer ago is seeded again: the five-year window must end in real data


class HarnessError(RuntimeError):
    """The benchmark could not measure (as opposed to a measurement that missed its goal)."""


def lead_pages(today: dt.date) -> dict[str, str]:
    """The lead's pages: the dashboard over the last five years, and the board report. Path -> label."""
    try:
        start = today.replace(year=today.year - YEARS)
    except ValueError:  # 29 February
        start = today.replace(year=today.year - YEARS, day=28)
    return {f"/dashboard?start={start.isoformat()}&end={today.isoformat()}": "/dashboard (5 years)",
            "/dashboard/report": "/dashboard/report"}


def flask(database: str, *args: str, stdin: str | None = None) -> str:
    """Run a ``flask`` command against ``database``; its standard output, or HarnessError with its error."""
    env = {**os.environ, "DATABASE_URL": database}
    LOGS.mkdir(parents=True, exist_ok=True)
    done = subprocess.run([sys.executable, "-m", "flask", *args], cwd=ROOT, env=env, input=stdin,  # noqa: S603
                          capture_output=True, text=True, check=False)  # (our own arguments, no shell)
    with (LOGS / "flask.log").open("a") as log:  # a page that failed in-process left its traceback here
        log.write(f"$ flask {' '.join(args)}  ({make_url(database).database})\n{done.stderr}")
    if done.returncode != 0:
        lines = (done.stderr or done.stdout).strip().splitlines() or ["(no output)"]
        raise HarnessError(f"flask {args[0]} failed: {lines[-1]}")
    return done.stdout


def _admin(database: str) -> str:
    """A libpq address of the server's maintenance database, to create and drop the benchmark's."""
    return make_url(database).set(drivername="postgresql", database="postgres").render_as_string(hide_password=False)


def seeded(database: str) -> tuple[int, dt.date | None]:
    """How many synthetic teams the database holds, and the last day of their history."""
    address = make_url(database).set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(address, connect_timeout=5) as connection:
        return connection.execute(
            "SELECT count(DISTINCT t.id), max(s.date) FROM teams t LEFT JOIN programme_sessions s"
            " ON s.team_id = t.id AND s.status <> 'scheduled' WHERE t.name LIKE 'Synthetic %'"
        ).fetchone()


def recreate(database: str, drop: bool) -> None:
    """Create the database if it is missing; with ``drop``, drop it first (a seeded one cannot be re-seeded
    in place once the audit trail names its people)."""
    name = make_url(database).database
    try:
        with psycopg.connect(_admin(database), autocommit=True, connect_timeout=5) as admin:
            exists = admin.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone()
            if exists and drop:
                admin.execute(f'DROP DATABASE "{name}" WITH (FORCE)')
            if not exists or drop:
                admin.execute(f'CREATE DATABASE "{name}"')
    except psycopg.OperationalError as exc:
        raise HarnessError(f"PostgreSQL not reachable for {name}: {str(exc).strip().splitlines()[0]}") from None
    flask(database, "init-db")


def prepare_database(database: str, teams: int, reseed: bool, today: dt.date) -> None:
    """Create and upgrade the database, and seed it unless it holds this many teams with a recent history."""
    name = make_url(database).database
    recreate(database, drop=reseed)
    found, last = seeded(database)
    if not reseed and found == teams and last is not None and (today - last).days <= STALE_DAYS:
        print(f"  {name}: {teams:,} synthetic teams already there, history to {last} (BENCH_RESEED=1 seeds again)")
        analyse(database)
        return
    if found and not reseed:
        print(f"  {name}: {found:,} synthetic teams with history to {last}: seeding again")
        recreate(database, drop=True)
    began = time.monotonic()
    flask(database, "seed-synthetic", "--teams", str(teams), "--years", str(YEARS))
    print(f"  {name}: seeded {teams:,} teams over {YEARS} years in {time.monotonic() - began:.0f} s")
    analyse(database)


def analyse(database: str) -> None:
    """Give PostgreSQL's planner its statistics, as a live database has them: bulk-loaded tables have none
    until autovacuum comes round, and plans made without them are several times slower."""
    address = make_url(database).set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(address, autocommit=True, connect_timeout=5) as connection:
        connection.execute("VACUUM ANALYZE")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Server:
    """A gunicorn serving one WSGI app on a free local port, logging to a file, stopped on exit."""

    def __init__(self, name: str, target: str, database: str, workers: int, secret: str) -> None:
        self.name, self.port = name, free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.log = LOGS / f"{name}-{make_url(database).database}.log"
        env = {**os.environ, "DATABASE_URL": database, "SECRET_KEY": secret}
        command = [sys.executable, "-m", "gunicorn", "--workers", str(workers), "--worker-class", "sync",
                   "--bind", f"127.0.0.1:{self.port}", target]
        with self.log.open("w") as log:
            # Its own session: Ctrl+C reaches this script, which stops the server in order.
            self.process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=log,  # noqa: S603 (no shell)
                                            stderr=subprocess.STDOUT, start_new_session=True)

    def wait_healthy(self) -> None:
        deadline = time.monotonic() + HEALTH_WAIT_SECONDS
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                break
            try:
                if get(self.base, "/healthz")[0] == 200:
                    return
            except OSError:
                pass
            time.sleep(0.3)
        tail = self.log.read_text().strip().splitlines()[-5:]
        raise HarnessError(f"{self.name} did not answer /healthz on port {self.port}: " + " | ".join(tail))

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()  # gunicorn's graceful shutdown
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()


@contextmanager
def serving(servers: list[tuple[str, str]], database: str, workers: int) -> Iterator[list[Server]]:
    """Start every (name, target) server and wait until each is healthy; stop them all afterwards."""
    secret = secrets.token_hex(32)  # every worker signs cookies alike
    started: list[Server] = []
    try:
        for name, target in servers:
            started.append(Server(name, target, database, workers, secret))
        for server in started:
            server.wait_healthy()
        yield started
    finally:
        for server in started:
            server.stop()


def get(base: str, path: str, headers: dict[str, str] | None = None) -> tuple[int, dict[str, str], bytes]:
    """One GET, redirects not followed and the body not decoded: status, headers (lower-case), body."""
    host, port = base.removeprefix("http://").split(":")
    connection = http.client.HTTPConnection(host, int(port), timeout=60)
    try:
        connection.request("GET", path, headers={"User-Agent": USER_AGENT, **(headers or {})})
        response = connection.getresponse()
        return response.status, {k.lower(): v for k, v in response.getheaders()}, response.read()
    finally:
        connection.close()


def sign_in(base: str, email: str, password: str) -> str:
    """Sign in through the real form; the Cookie header that carries the session."""
    status, headers, body = get(base, "/sign-in")
    token = re.search(rb'name="csrf_token"[^>]*value="([^"]+)"', body) or re.search(
        rb'value="([^"]+)"[^>]*name="csrf_token"', body)
    if status != 200 or token is None:
        raise HarnessError(f"the sign-in page answered {status} without a form")
    cookie = headers.get("set-cookie", "").split(";")[0]
    host, port = base.removeprefix("http://").split(":")
    connection = http.client.HTTPConnection(host, int(port), timeout=60)
    try:
        form = urlencode({"csrf_token": token.group(1).decode(), "email": email, "password": password})
        connection.request("POST", "/sign-in", body=form, headers={
            "User-Agent": USER_AGENT, "Cookie": cookie, "Content-Type": "application/x-www-form-urlencoded"})
        response = connection.getresponse()
        response.read()
        location, session = response.getheader("Location", ""), response.getheader("Set-Cookie", "")
    finally:
        connection.close()
    if response.status != 302 or "sign-in" in location or not session:
        raise HarnessError(f"signing in as {email} answered {response.status}, not a redirect with a session")
    return session.split(";")[0]


def plotly_check(base: str, scripts: list[str]) -> StaticCheck | None:
    """The plotly script among the dashboard's scripts, fetched as a browser would: compressed? cacheable?"""
    found = [src for src in scripts if "plotly" in src]
    if not found:
        return None
    url = html.unescape(found[0])
    status, headers, _ = get(base, url, {"Accept-Encoding": "gzip, br"})
    return StaticCheck(url, status, headers.get("content-encoding", ""), headers.get("cache-control", ""))


def wrk(url: str, cookie: str | None, seconds: int) -> WrkResult:
    """A warm-up, then a measured run at 32 connections; the parsed result of the measured one."""
    program = shutil.which("wrk") or "wrk"
    headers = ["-H", f"User-Agent: {USER_AGENT}"] + (["-H", f"Cookie: {cookie}"] if cookie else [])
    for duration in (WARM_UP_SECONDS, seconds):
        done = subprocess.run([program, "-t2", f"-c{CONNECTIONS}", f"-d{duration}s", "--timeout", "5s",  # noqa: S603
                               "--latency", *headers, url], capture_output=True, text=True, check=False)
        if done.returncode != 0:
            raise HarnessError(f"wrk failed on {url}: {(done.stderr or done.stdout).strip()[:200]}")
    try:
        return parse_wrk(done.stdout)
    except WrkOutputError as exc:
        raise HarnessError(f"{exc}: {done.stdout[:300]}") from None


def answer(base: str, path: str, cookie: str) -> str | None:
    """None when the signed-in page answers 200; else what it answered (wrk counts a redirect as success)."""
    status, headers, _ = get(base, path, {"Cookie": cookie})
    return None if status == 200 else f"answered {status} {headers.get('location', '')}".strip()


def measure_size(teams: int, prefix: str, settings: dict) -> SizeResult:
    database = f"{prefix}{teams}"
    print(f"\n== {teams:,} teams ({make_url(database).database})")
    prepare_database(database, teams, settings["reseed"], settings["today"])
    password = secrets.token_urlsafe(24)
    accounts = json.loads(flask(database, "bench-accounts", stdin=password + "\n"))
    print(f"  member {accounts['member']} of {accounts['team']}, {accounts['booked']} places booked ahead")
    result = SizeResult(teams)
    pages = lead_pages(settings["today"])
    timed_scripts: dict[str, list[str]] = {}
    try:
        for email, paths, runs in ((accounts["lead"], list(pages), 5), (accounts["member"], MEMBER_PAGES, 3)):
            args = ["bench-pages", "--as-email", email, "--runs", str(runs)]
            timed = json.loads(flask(database, *args, *[f"--path={path}" for path in paths]))
            result.server.update({path: PageTiming.from_json(data) for path, data in timed.items()})
            timed_scripts.update({path: data.get("scripts", []) for path, data in timed.items()})
        print("  in-process times and SQL counted; serving under gunicorn")
        targets = [("app", "app:app"), ("yardstick", "reports.yardstick:create_yardstick()")]
        with serving(targets, database, settings["workers"]) as (app, yardstick):
            member = sign_in(app.base, accounts["member"], password)
            # The dashboard as timed in-process, so a slow dashboard cannot stop the static check.
            result.static = plotly_check(app.base, timed_scripts[next(iter(pages))])
            result.yardstick = wrk(yardstick.base + "/", None, settings["seconds"])
            for path in MEMBER_PAGES:
                if problem := answer(app.base, path, member):
                    result.refused[path] = problem  # not measured: reported as a failed goal
                    continue
                result.load[path] = wrk(app.base + path, member, settings["seconds"])
                if problem := answer(app.base, path, member):
                    result.refused[path] = problem + " after wrk"
            print("  measured under load")
    finally:
        flask(database, "bench-accounts", "--remove")
    return result


def report(results: list[SizeResult], today: dt.date, settings: dict) -> None:
    pages = lead_pages(today)
    print(f"\nMember pages: wrk -t2 -c{CONNECTIONS} -d{settings['seconds']}s after {WARM_UP_SECONDS} s of warm-up, "
          f"gunicorn sync --workers {settings['workers']} for the service and the yardstick, measured one after "
          "the other; SQL, server and HTML: in-process, median of 3")
    for result in results:
        print(f"\n{result.teams:,} teams\n{member_table(result, MEMBER_PAGES)}")
    small, large = results[0], results[-1]
    print(f"\nLead's pages: server time in-process, median of 5 after a warm-up\n{lead_table(small, large, pages)}")
    verdicts = (dashboard_verdicts(small, large, pages) + member_verdicts(results, MEMBER_PAGES)
                + static_verdicts(results) + statement_verdicts(small, large, MEMBER_PAGES))
    print("\nGoals")
    print("\n".join(verdict_lines(verdicts)))
    if any(timing.status != 200 for result in results for timing in result.server.values()):
        print(f"A page did not answer 200: its error is in {LOGS.relative_to(ROOT)}/flask.log")


def settings_from_environment() -> dict:
    sizes = [int(size) for size in os.environ.get("BENCH_SIZES", "300,3000").split(",") if size.strip()]
    return {
        "prefix": os.environ.get("BENCH_DATABASE_URL", "").strip() or DEFAULT_PREFIX,
        "reseed": os.environ.get("BENCH_RESEED", "").strip() not in ("", "0"),
        "workers": int(os.environ.get("BENCH_WORKERS", "4")),
        "seconds": int(os.environ.get("BENCH_SECONDS", "10")),
        "sizes": sorted(sizes),
    }


def _interrupted(signum, frame) -> None:
    """A plain ``kill`` stops the run (and its servers) as Ctrl+C does."""
    raise KeyboardInterrupt


def main() -> int:
    began = time.monotonic()
    sys.stdout.reconfigure(line_buffering=True)  # progress shows as it happens, also through a pipe
    try:
        settings = settings_from_environment()
    except ValueError as exc:
        print(f"bench: BENCH_SIZES, BENCH_WORKERS and BENCH_SECONDS must be whole numbers ({exc})", file=sys.stderr)
        return 1
    if shutil.which("wrk") is None:
        print("bench: wrk is not installed (apt-get install -y wrk)", file=sys.stderr)
        return 1
    if len(settings["sizes"]) < 2:
        print("bench: BENCH_SIZES needs two sizes to compare, such as 300,3000", file=sys.stderr)
        return 1
    signal.signal(signal.SIGTERM, _interrupted)
    settings["today"] = today_uk()  # the dashboard's five-year window ends today, as the service counts days
    results = []
    try:
        shutil.rmtree(LOGS, ignore_errors=True)
        for teams in settings["sizes"]:
            results.append(measure_size(teams, settings["prefix"], settings))
    except HarnessError as exc:
        print(f"bench: could not measure: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("bench: stopped; servers shut down", file=sys.stderr)
        return 130
    report(results, settings["today"], settings)
    minutes, seconds = divmod(round(time.monotonic() - began), 60)
    print(f"\nThe whole run took {minutes} min {seconds:02d} s.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
