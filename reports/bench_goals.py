"""What ``make bench`` measures against: reading wrk's output, the goals, and the printed tables.

Pure functions on plain values (no database, no server), so the verdicts are tested without a run.
The goals (the "national scale" issue):

1. The lead's dashboard (five years) and board report at 3,000 teams under 500 ms of server time, less
   than 3x their time at 300 teams; the HTML each sends under 500 KB at both sizes.
2. Every page a member uses at 0.75x or more of the yardstick's throughput, with p99 under 100 ms.
3. Static assets compressed and cacheable (the plotly script the dashboard references).
4. The same number of SQL statements per member page at 300 and at 3,000 teams.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

SERVER_MS_LIMIT = 500.0
GROWTH_LIMIT = 3.0
HTML_BYTES_LIMIT = 500_000  # 500 KB of HTML as sent, before any compression
THROUGHPUT_SHARE = 0.75
P99_MS_LIMIT = 100.0
CACHE_SECONDS_MIN = 86_400  # a day: long enough that a returning lead does not fetch the script again
COMPRESSED = ("br", "gzip")

UNITS_MS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0, "h": 3_600_000.0}


class WrkOutputError(ValueError):
    """wrk's output did not hold the figures a run must report."""


@dataclass(frozen=True)
class WrkResult:
    requests_per_second: float
    p99_ms: float
    requests: int
    errors: int  # non-2xx/3xx answers and socket errors


@dataclass(frozen=True)
class PageTiming:
    """One page measured in-process: median server time, SQL statements per request, HTML bytes."""

    status: int
    median_ms: float | None = None
    statements: int | None = None
    bytes: int | None = None
    runs: int = 0  # requests timed after the warm-up

    @classmethod
    def from_json(cls, data: dict) -> PageTiming:
        return cls(data["status"], data.get("median_ms"), data.get("statements"), data.get("bytes"), data.get("runs", 0))


@dataclass(frozen=True)
class StaticCheck:
    url: str
    status: int
    content_encoding: str
    cache_control: str


@dataclass
class SizeResult:
    """Everything measured at one size of programme."""

    teams: int
    server: dict[str, PageTiming] = field(default_factory=dict)  # path -> in-process timing
    load: dict[str, WrkResult] = field(default_factory=dict)  # path -> wrk result
    yardstick: WrkResult | None = None
    static: StaticCheck | None = None
    refused: dict[str, str] = field(default_factory=dict)  # path -> what a member page answered instead of 200


@dataclass(frozen=True)
class Verdict:
    goal: int
    passed: bool
    text: str


def _milliseconds(value: str, unit: str) -> float:
    return float(value) * UNITS_MS[unit]


def parse_wrk(output: str) -> WrkResult:
    """Throughput, 99th percentile latency, requests and errors from ``wrk --latency`` output."""
    rate = re.search(r"^Requests/sec:\s+([\d.]+)", output, re.MULTILINE)
    p99 = re.search(r"^\s*99(?:\.0+)?%\s+([\d.]+)(us|ms|s|m|h)\s*$", output, re.MULTILINE)
    total = re.search(r"^\s*(\d+) requests in ", output, re.MULTILINE)
    if not (rate and p99 and total):
        raise WrkOutputError("wrk's output has no Requests/sec, 99% latency or request count (was --latency given?)")
    errors = 0
    if non_2xx := re.search(r"Non-2xx or 3xx responses:\s+(\d+)", output):
        errors += int(non_2xx.group(1))
    if socket := re.search(r"Socket errors:\s+connect (\d+), read (\d+), write (\d+), timeout (\d+)", output):
        errors += sum(int(number) for number in socket.groups())
    return WrkResult(float(rate.group(1)), _milliseconds(*p99.groups()), int(total.group(1)), errors)


def max_age(cache_control: str) -> int | None:
    """The ``max-age`` of a Cache-Control header, or None when it allows no caching or gives no age."""
    directives = [part.strip().lower() for part in cache_control.split(",")]
    if any(d in ("no-store", "no-cache", "private") for d in directives):
        return None
    ages = [int(d.split("=", 1)[1]) for d in directives if d.startswith("max-age=") and d.split("=", 1)[1].isdigit()]
    return ages[0] if ages else None


def _ms(value: float | None) -> str:
    return "-" if value is None else f"{value:,.0f} ms"


def _kb(value: int | None) -> str:
    return "-" if value is None else f"{value / 1000:,.0f} KB"


def _both(before: PageTiming | None, after: PageTiming | None, name: str) -> str:
    """An attribute at both sizes, "18 / 18"; "-" where a size has none."""
    values = [getattr(timing, name) if timing and timing.status == 200 else None for timing in (before, after)]
    return " / ".join("-" if value is None else str(value) for value in values)


def dashboard_verdicts(small: SizeResult, large: SizeResult, pages: dict[str, str]) -> list[Verdict]:
    """Goal 1: for each lead's page (path -> label), time at the larger size, growth, and HTML size."""
    verdicts = []
    for path, label in pages.items():
        before, after = small.server.get(path), large.server.get(path)
        if after is None or after.status != 200 or after.median_ms is None:
            verdicts.append(Verdict(1, False, f"{label} at {large.teams:,} teams answered {after and after.status}"))
        else:
            verdicts.append(Verdict(1, after.median_ms < SERVER_MS_LIMIT,
                                    f"{label} at {large.teams:,} teams: {_ms(after.median_ms)} "
                                    f"(limit {SERVER_MS_LIMIT:,.0f} ms)"))
        if before is None or before.median_ms is None or after is None or after.median_ms is None:
            verdicts.append(Verdict(1, False, f"{label}: no time at both sizes to compare"))
        else:
            growth = after.median_ms / before.median_ms
            verdicts.append(Verdict(1, growth < GROWTH_LIMIT,
                                    f"{label} {large.teams:,} vs {small.teams:,} teams: {growth:.2f}x "
                                    f"(limit {GROWTH_LIMIT:g}x)"))
        for result in (small, large):
            timing = result.server.get(path)
            size = timing.bytes if timing else None
            verdicts.append(Verdict(1, size is not None and size < HTML_BYTES_LIMIT,
                                    f"{label} HTML at {result.teams:,} teams: {_kb(size)} "
                                    f"(limit {_kb(HTML_BYTES_LIMIT)})"))
    return verdicts


def member_verdicts(results: list[SizeResult], pages: list[str]) -> list[Verdict]:
    """Goal 2: each member page's throughput against the yardstick's, and its p99, at every size."""
    verdicts = []
    for result in results:
        for path in pages:
            load = result.load.get(path)
            if path in result.refused:
                verdicts.append(Verdict(2, False, f"{path} at {result.teams:,} teams {result.refused[path]}"))
                continue
            if load is None or result.yardstick is None or result.yardstick.requests_per_second <= 0:
                verdicts.append(Verdict(2, False, f"{path} at {result.teams:,} teams: not measured"))
                continue
            share = load.requests_per_second / result.yardstick.requests_per_second
            clean = load.errors == 0
            passed = share >= THROUGHPUT_SHARE and load.p99_ms < P99_MS_LIMIT and clean
            verdicts.append(Verdict(2, passed, (
                f"{path} at {result.teams:,} teams: {share:.2f}x yardstick (limit {THROUGHPUT_SHARE:g}x), "
                f"p99 {load.p99_ms:.0f} ms (limit {P99_MS_LIMIT:.0f} ms)"
                + ("" if clean else f", {load.errors} failed requests")
            )))
    return verdicts


def static_verdicts(results: list[SizeResult]) -> list[Verdict]:
    """Goal 3: the plotly script compressed (br or gzip) and cacheable for at least a day."""
    verdicts = []
    for result in results:
        check = result.static
        if check is None:
            verdicts.append(Verdict(3, False, f"at {result.teams:,} teams: the dashboard references no plotly script"))
            continue
        age = max_age(check.cache_control)
        compressed = check.status == 200 and check.content_encoding.lower() in COMPRESSED
        cacheable = age is not None and age >= CACHE_SECONDS_MIN
        verdicts.append(Verdict(3, compressed and cacheable, (
            f"{check.url} at {result.teams:,} teams: {check.status}, Content-Encoding "
            f"{check.content_encoding or '(none)'}, Cache-Control {check.cache_control or '(none)'} "
            f"(wanted br or gzip, max-age of at least {CACHE_SECONDS_MIN:,} s)"
        )))
    return verdicts


def statement_verdicts(small: SizeResult, large: SizeResult, pages: list[str]) -> list[Verdict]:
    """Goal 4: a member page sends as many SQL statements at the larger size as at the smaller."""
    verdicts = []
    for path in pages:
        counts = [result.server[path].statements if path in result.server else None for result in (small, large)]
        passed = None not in counts and counts[0] == counts[1]
        shown = " vs ".join("-" if count is None else str(count) for count in counts)
        verdicts.append(Verdict(4, passed, f"{path}: {shown} SQL statements at {small.teams:,} vs {large.teams:,} teams"))
    return verdicts


def table(headers: list[str], rows: list[list[str]]) -> str:
    """A plain text table: the first column left-aligned, the others right-aligned."""
    widths = [max(len(str(row[i])) for row in [headers, *rows]) for i in range(len(headers))]

    def line(cells: list[str]) -> str:
        padded = [str(c).ljust(w) if i == 0 else str(c).rjust(w) for i, (c, w) in enumerate(zip(cells, widths, strict=True))]
        return "  ".join(padded).rstrip()

    return "\n".join([line(headers), line(["-" * w for w in widths]), *(line(row) for row in rows)])


def member_table(result: SizeResult, pages: list[str]) -> str:
    rows = []
    yard = result.yardstick
    if yard is not None:
        rows.append(["yardstick", f"{yard.requests_per_second:,.0f}", "1.00", f"{yard.p99_ms:.1f}", str(yard.errors),
                     "1", "-", "-"])
    for path in pages:
        load, timing = result.load.get(path), result.server.get(path)
        share = (f"{load.requests_per_second / yard.requests_per_second:.2f}"
                 if load and yard and yard.requests_per_second > 0 else "-")
        rows.append([
            path, f"{load.requests_per_second:,.0f}" if load else "-", share, f"{load.p99_ms:.1f}" if load else "-",
            str(load.errors) if load else "-", str(timing.statements) if timing and timing.statements is not None
            else "-", _ms(timing.median_ms) if timing else "-", _kb(timing.bytes) if timing else "-",
        ])
    return table(["page", "req/s", "x yardstick", "p99 ms", "errors", "SQL", "server", "HTML"], rows)


def lead_table(small: SizeResult, large: SizeResult, pages: dict[str, str]) -> str:
    rows = []
    for path, label in pages.items():
        before, after = small.server.get(path), large.server.get(path)
        growth = (f"{after.median_ms / before.median_ms:.2f}x" if before and after and before.median_ms
                  and after.median_ms else "-")
        failed = any(t is None or t.status != 200 for t in (before, after))
        status = " / ".join(str(t.status) if t else "-" for t in (before, after)) if failed else "200"
        rows.append([label, _ms(before and before.median_ms), _ms(after and after.median_ms), growth,
                     _kb(before and before.bytes), _kb(after and after.bytes), _both(before, after, "statements"),
                     _both(before, after, "runs"), status])
    return table(["page", f"{small.teams:,} teams", f"{large.teams:,} teams", "growth", f"HTML {small.teams:,}",
                  f"HTML {large.teams:,}", "SQL", "runs", "status"], rows)


def verdict_lines(verdicts: list[Verdict]) -> list[str]:
    """One line per check, then one per goal: PASS only if every check of the goal passed."""
    lines = [f"  {'PASS' if v.passed else 'FAIL'}  goal {v.goal}: {v.text}" for v in verdicts]
    for goal in sorted({v.goal for v in verdicts}):
        passed = all(v.passed for v in verdicts if v.goal == goal)
        lines.append(f"goal {goal}: {'PASS' if passed else 'FAIL'}")
    return lines
