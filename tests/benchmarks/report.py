"""Figures, thresholds and the Markdown report that `make bench` writes to BENCHMARKS.md.

A `Figure` is one measured item: its timings in milliseconds (one per run), the queries one
run made and, if the issue sets one, its `Threshold`. A `Section` groups figures under a title.
`render_markdown` turns the machine's facts, the run's settings and the sections into the
report; `render_text` prints the same table on a terminal. The timing helpers (`time_calls`,
`count_queries`) are here too, so every benchmark module measures the same way.
"""

import math
import os
import platform
import statistics
import sys
import time
from dataclasses import dataclass, field

PASS, FAIL, NONE = "pass", "FAIL", "—"


@dataclass(frozen=True)
class Threshold:
    """What the issue asks of an item: a median under `median_ms`, fewer than `max_queries`
    queries, or (a comparison) a ratio of at least `min_ratio`."""

    median_ms: float | None = None
    max_queries: int | None = None
    min_ratio: float | None = None

    def describe(self):
        parts = []
        if self.median_ms is not None:
            parts.append(f"< {_number(self.median_ms)} ms median")
        if self.max_queries is not None:
            parts.append(f"< {self.max_queries} queries")
        if self.min_ratio is not None:
            parts.append(f"≥ {_number(self.min_ratio)}x")
        return ", ".join(parts)

    def met_by(self, figure):
        if self.median_ms is not None and not figure.median < self.median_ms:
            return False
        if self.max_queries is not None and (
            figure.queries is None or not figure.queries < self.max_queries
        ):
            return False
        return self.min_ratio is None or (
            figure.ratio is not None and figure.ratio >= self.min_ratio
        )


@dataclass
class Figure:
    """One measured item. `ratio` makes it a comparison (no timings of its own);
    `queries_note` qualifies the count (e.g. "per batch")."""

    item: str
    timings_ms: tuple[float, ...] = ()
    queries: int | None = None
    threshold: Threshold | None = None
    ratio: float | None = None
    queries_note: str = ""
    note: str = ""

    @property
    def runs(self):
        return len(self.timings_ms)

    @property
    def median(self):
        return statistics.median(self.timings_ms) if self.timings_ms else math.nan

    @property
    def p95(self):
        return percentile(self.timings_ms, 95)

    @property
    def passed(self):
        """True or False against the threshold; None when the issue sets none."""
        return None if self.threshold is None else self.threshold.met_by(self)

    @property
    def verdict(self):
        return {True: PASS, False: FAIL, None: NONE}[self.passed]


@dataclass
class Section:
    title: str
    figures: list[Figure] = field(default_factory=list)
    intro: str = ""


def percentile(values, pct):
    """The nearest-rank percentile: the smallest value with `pct`% of the values at or below."""
    if not values:
        return math.nan
    ordered = sorted(values)
    return ordered[max(0, math.ceil(pct / 100 * len(ordered)) - 1)]


# Measuring ---------------------------------------------------------------------------------


def time_calls(call, *, runs, warmup=2, before=None):
    """Call `call()` `warmup` times unmeasured, then `runs` times; return the milliseconds of
    each measured call. `before()`, if given, runs untimed before every call (set-up)."""
    for _ in range(warmup):
        if before:
            before()
        call()
    timings = []
    for _ in range(runs):
        if before:
            before()
        started = time.perf_counter()
        call()
        timings.append((time.perf_counter() - started) * 1000)
    return tuple(timings)


def count_queries(call):
    """Return (queries `call()` made on the default database, its result)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        result = call()
    return len(queries), result


# The machine -------------------------------------------------------------------------------


def machine_facts(*, database_version="", extra=None):
    """The machine's facts as (label, value) pairs: CPU, cores, memory, software, and the load
    (other work on the machine slows every figure)."""
    facts = [
        ("CPU", _cpu_model()),
        ("Cores", str(os.cpu_count())),
        ("Memory", _memory()),
        ("OS", platform.platform()),
        ("Load average", "{:.1f}, {:.1f}, {:.1f} (1, 5, 15 min)".format(*os.getloadavg())),
        ("Python", sys.version.split()[0]),
    ]
    if database_version:
        facts.append(("Database", database_version))
    facts.extend(extra or [])
    return facts


def _cpu_model():
    try:
        with open("/proc/cpuinfo") as cpuinfo:
            for line in cpuinfo:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def _memory():
    try:
        with open("/proc/meminfo") as meminfo:
            for line in meminfo:
                if line.startswith("MemTotal:"):
                    return f"{int(line.split()[1]) / 1024 / 1024:.1f} GiB"
    except OSError:
        pass
    return "unknown"


# Writing -----------------------------------------------------------------------------------

COLUMNS = ("Item", "Runs", "Median ms", "p95 ms", "Queries", "Threshold", "Result")


def row(figure):
    """The table cells of one figure, as text."""
    if figure.ratio is not None:
        median, p95, runs = f"{figure.ratio:.1f}x", NONE, NONE
    else:
        median, p95, runs = _ms(figure.median), _ms(figure.p95), f"{figure.runs:,}"
    queries = NONE if figure.queries is None else f"{figure.queries:,}"
    if figure.queries_note and figure.queries is not None:
        queries += f" {figure.queries_note}"
    item = figure.item + (f" ({figure.note})" if figure.note else "")
    threshold = figure.threshold.describe() if figure.threshold else NONE
    return (item, runs, median, p95, queries, threshold, figure.verdict)


def render_markdown(*, title, settings, machine, sections):
    """The whole report: a heading, the run's settings and the machine as lists, a summary of
    thresholds met (and a list of the missed ones), then one table per section. `settings`
    and `machine` are (label, value) pairs, printed as they are (Markdown allowed)."""
    lines = [f"# {title}", ""]
    lines += [f"- **{label}:** {value}" for label, value in settings]
    lines += ["", "## Machine", ""]
    lines += [f"- **{label}:** {value}" for label, value in machine]
    judged = [figure for section in sections for figure in section.figures if figure.threshold]
    failed = [figure for figure in judged if not figure.passed]
    lines += [
        "",
        "## Summary",
        "",
        f"{len(judged) - len(failed)} of {len(judged)} thresholds met"
        + (f"; {len(failed)} FAIL:" if failed else "."),
    ]
    if failed:
        lines += [""] + [f"- {figure.item}" for figure in failed]
    for section in sections:
        lines += ["", f"## {section.title}", ""]
        if section.intro:
            lines += [section.intro, ""]
        lines.append(_markdown_row(COLUMNS))
        lines.append("| --- | ---: | ---: | ---: | ---: | --- | --- |")
        lines += [_markdown_row(row(figure)) for figure in section.figures]
    return "\n".join(lines) + "\n"


def render_text(sections):
    """The same tables for a terminal: fixed-width columns, one block per section."""
    out = []
    for section in sections:
        rows = [COLUMNS, *(row(figure) for figure in section.figures)]
        widths = [max(len(cells[n]) for cells in rows) for n in range(len(COLUMNS))]
        out += ["", section.title]
        for cells in rows:
            out.append(
                "  ".join(
                    cell.ljust(width) if n in (0, 5, 6) else cell.rjust(width)
                    for n, (cell, width) in enumerate(zip(cells, widths, strict=True))
                ).rstrip()
            )
    return "\n".join(out) + "\n"


def _markdown_row(cells):
    return "| " + " | ".join(cell.replace("|", "\\|") for cell in cells) + " |"


def _ms(value):
    if math.isnan(value):
        return NONE
    if value < 10:
        return f"{value:.2f}"
    if value < 1000:
        return f"{value:.1f}"
    return f"{value:,.0f}"


def _number(value):
    return f"{value:,.0f}" if float(value).is_integer() else f"{value:,}"
