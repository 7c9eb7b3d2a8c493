"""The benchmark's own parts (``make bench``): reading wrk, judging the goals, and the yardstick page.

Nothing here starts wrk or gunicorn or seeds a large programme, and nothing is timed: the verdicts are
checked on figures written down here.
"""

from __future__ import annotations

import datetime as dt
import json

import pytest
from sqlalchemy import event

from reports.bench_goals import (
    PageTiming,
    SizeResult,
    StaticCheck,
    WrkOutputError,
    WrkResult,
    dashboard_verdicts,
    max_age,
    member_table,
    member_verdicts,
    parse_wrk,
    statement_verdicts,
    static_verdicts,
    verdict_lines,
)
from reports.loadtest import lead_pages
from reports.yardstick import create_yardstick
from rosters.extensions import db
from rosters.services import find_person
from tests.factories import make_team
from tests.plugin import text

WRK_OUTPUT = """\
Running 10s test @ http://127.0.0.1:41234/supervision
  2 threads and 32 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency    21.06ms    8.83ms 112.93ms   86.71%
    Req/Sec   765.27    104.01     0.98k    75.00%
  Latency Distribution
     50%   18.79ms
     75%   23.90ms
     90%   31.44ms
     99%    1.21s
  15241 requests in 10.00s, 211.96MB read
  Non-2xx or 3xx responses: 3
  Socket errors: connect 0, read 1, write 0, timeout 2
Requests/sec:   1523.81
Transfer/sec:     21.19MB
"""

DASHBOARD = "/dashboard?start=2021-11-30&end=2026-11-30"
LEAD_PAGES = {DASHBOARD: "/dashboard (5 years)", "/dashboard/report": "/dashboard/report"}
MEMBER = ["/", "/calendar"]


def test_wrk_output_gives_throughput_p99_and_failures():
    result = parse_wrk(WRK_OUTPUT)
    assert result == WrkResult(requests_per_second=1523.81, p99_ms=1210.0, requests=15241, errors=6)


@pytest.mark.parametrize(("line", "ms"), [("99%  850.00us", 0.85), ("99%   12.50ms", 12.5), ("99%    2.00m", 120_000.0)])
def test_wrk_latency_units(line, ms):
    output = f"  Latency Distribution\n     {line}\n  10 requests in 1.00s, 1KB read\nRequests/sec:     10.00\n"
    result = parse_wrk(output)
    assert result.p99_ms == pytest.approx(ms) and result.errors == 0


def test_wrk_output_without_latency_distribution_is_refused():
    with pytest.raises(WrkOutputError):
        parse_wrk("  10 requests in 1.00s, 1KB read\nRequests/sec:     10.00\n")


def size(teams: int, dashboard_ms: float, report_ms: float, dashboard_bytes: int = 300_000,
         statements: int = 3) -> SizeResult:
    result = SizeResult(teams)
    result.server = {
        DASHBOARD: PageTiming(200, dashboard_ms, 18, dashboard_bytes, 5),
        "/dashboard/report": PageTiming(200, report_ms, 21, 20_000, 5),
        "/": PageTiming(200, 4.0, statements, 6_000, 3),
        "/calendar": PageTiming(200, 2.0, 2, 6_000, 3),
    }
    result.yardstick = WrkResult(1000.0, 40.0, 10_000, 0)
    result.load = {"/": WrkResult(800.0, 60.0, 8_000, 0), "/calendar": WrkResult(760.0, 99.0, 7_600, 0)}
    result.static = StaticCheck("/assets/plotly.min.js", 200, "br", "max-age=31536000, public, immutable")
    return result


def test_every_goal_passes_on_good_figures():
    small, large = size(300, 100, 50), size(3000, 290, 140)
    verdicts = (dashboard_verdicts(small, large, LEAD_PAGES) + member_verdicts([small, large], MEMBER)
                + static_verdicts([small, large]) + statement_verdicts(small, large, MEMBER))
    assert all(v.passed for v in verdicts), [v.text for v in verdicts if not v.passed]
    assert verdict_lines(verdicts)[-4:] == ["goal 1: PASS", "goal 2: PASS", "goal 3: PASS", "goal 4: PASS"]


def test_dashboard_goal_fails_on_time_growth_or_size():
    small = size(300, 100, 50)
    slow = dashboard_verdicts(small, size(3000, 520, 140), LEAD_PAGES)
    assert [v.text for v in slow if not v.passed] == ["/dashboard (5 years) at 3,000 teams: 520 ms (limit 500 ms)",
                                                      "/dashboard (5 years) 3,000 vs 300 teams: 5.20x (limit 3x)"]
    grown = dashboard_verdicts(small, size(3000, 250, 150), LEAD_PAGES)  # three times is not less than three
    assert [v.text for v in grown if not v.passed] == ["/dashboard/report 3,000 vs 300 teams: 3.00x (limit 3x)"]
    heavy = dashboard_verdicts(small, size(3000, 200, 100, dashboard_bytes=500_000), LEAD_PAGES)
    assert [v.text for v in heavy if not v.passed] == [
        "/dashboard (5 years) HTML at 3,000 teams: 500 KB (limit 500 KB)"]


def test_a_page_that_failed_fails_its_goal_without_stopping_the_report():
    large = size(3000, 200, 100)
    large.server[DASHBOARD] = PageTiming(500)
    failed = [v.text for v in dashboard_verdicts(size(300, 100, 50), large, LEAD_PAGES) if not v.passed]
    assert failed[0] == "/dashboard (5 years) at 3,000 teams answered 500"
    assert len(failed) == 3  # no time to compare, no HTML size either


def test_member_goal_needs_share_p99_and_no_failed_requests():
    result = size(300, 100, 50)
    result.load["/"] = WrkResult(740.0, 20.0, 7_400, 0)
    result.load["/calendar"] = WrkResult(900.0, 100.0, 9_000, 0)
    assert [v.passed for v in member_verdicts([result], MEMBER)] == [False, False]
    result.load["/"] = WrkResult(900.0, 20.0, 9_000, 4)
    verdict = member_verdicts([result], MEMBER)[0]
    assert not verdict.passed and verdict.text.endswith("4 failed requests")
    assert "0.90" in member_table(result, MEMBER)
    result.refused["/calendar"] = "answered 302 /sign-in?next=%2Fcalendar after wrk"
    verdict = member_verdicts([result], MEMBER)[1]
    assert not verdict.passed and verdict.text == "/calendar at 300 teams answered 302 /sign-in?next=%2Fcalendar after wrk"


@pytest.mark.parametrize(("encoding", "cache", "passed"), [
    ("gzip", "public, max-age=86400", True),
    ("", "public, max-age=31536000", False),  # not compressed
    ("br", "max-age=60, public", False),  # a minute is not cacheable enough
    ("br", "no-cache, max-age=31536000", False),
    ("br", "", False),
])
def test_static_goal(encoding, cache, passed):
    result = size(300, 100, 50)
    result.static = StaticCheck("/assets/plotly.min.js", 200, encoding, cache)
    assert static_verdicts([result])[0].passed is passed


def test_max_age_reads_cache_control():
    assert max_age("public, max-age=31536000, immutable") == 31536000
    assert max_age("private, max-age=600") is None
    assert max_age("public") is None


def test_statement_goal_wants_the_same_count_at_both_sizes():
    verdicts = statement_verdicts(size(300, 100, 50, statements=3), size(3000, 200, 100, statements=4), MEMBER)
    assert [v.passed for v in verdicts] == [False, True]
    assert verdicts[0].text == "/: 3 vs 4 SQL statements at 300 vs 3,000 teams"


def test_five_year_window_ends_today():
    assert next(iter(lead_pages(dt.date(2026, 11, 30)))) == "/dashboard?start=2021-11-30&end=2026-11-30"
    assert next(iter(lead_pages(dt.date(2028, 2, 29)))) == "/dashboard?start=2023-02-28&end=2028-02-29"


def test_yardstick_answers_with_one_database_read(app, database_url):
    make_team(name="Alpha Team")
    db.session.commit()
    yardstick = create_yardstick(database_url)
    statements = []
    event.listen(yardstick.extensions["yardstick_engine"], "before_cursor_execute",
                 lambda conn, cursor, statement, *args: statements.append(statement))
    try:
        response = yardstick.test_client().get("/")
        assert response.status_code == 200
        assert len(statements) == 1
        page = text(response)
        assert "First team: Alpha Team" in page and 'class="govuk-template' in page
        assert "/assets/govuk-frontend.min.css" in page
        assert yardstick.test_client().get("/assets/govuk-frontend.min.css").status_code == 200
    finally:
        yardstick.extensions["yardstick_engine"].dispose()


def test_bench_accounts_ready_a_booked_member_and_a_lead_then_take_them_away(app, runner):
    assert runner.invoke(args=["seed-synthetic", "--teams", "5", "--years", "2"]).exit_code == 0
    result = runner.invoke(args=["bench-accounts"], input="a long benchmark password\n")
    assert result.exit_code == 0, result.output
    accounts = json.loads(result.output)
    assert accounts["lead"] == "lead@benchmark.example.org" and accounts["booked"] == 2
    member = find_person(accounts["member"])
    assert member.role == "member" and member.team.name == accounts["team"] and member.is_active
    again = json.loads(runner.invoke(args=["bench-accounts"], input="a long benchmark password\n").output)
    assert again["member"] == accounts["member"] and again["booked"] == 2  # booked once, not twice

    timed = runner.invoke(args=["bench-pages", "--as-email", accounts["member"], "--runs", "1",
                                "--path", "/", "--path", "/supervision", "--path", "/nowhere"])
    assert timed.exit_code == 0, timed.output
    pages = json.loads(timed.output)
    assert pages["/supervision"]["status"] == 200 and pages["/supervision"]["statements"] > 0
    assert pages["/supervision"]["bytes"] > 1000 and pages["/"]["runs"] == 1
    assert any(src.endswith(".js") and "govuk-frontend" in src for src in pages["/supervision"]["scripts"])
    assert pages["/nowhere"] == {"status": 404}

    assert runner.invoke(args=["bench-accounts", "--remove"]).exit_code == 0
    db.session.expire_all()
    assert not find_person(accounts["member"]).is_active and not find_person(accounts["lead"]).is_active
