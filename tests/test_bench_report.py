"""The report `make bench` writes: given figures become the Markdown table of BENCHMARKS.md.

No timing here: the figures are made up, the test checks the writer (median, 95th percentile,
queries, threshold, pass or FAIL, the summary).
"""

from tests.benchmarks.report import (
    Figure,
    Section,
    Threshold,
    percentile,
    render_markdown,
    render_text,
)

ADMIN = Threshold(median_ms=150, max_queries=15)


def sections():
    return [
        Section(
            "Admin change lists",
            [
                Figure("registry.File: first page", (10.0, 20.0, 30.0, 40.0), 5, ADMIN),
                Figure("registry.File: search 'x'", (200.0, 300.0, 400.0), 4, ADMIN),
                Figure("too many queries", (1.0,), 15, ADMIN),
            ],
            "Logged in as a superuser.",
        ),
        Section(
            "Simple page over HTTP",
            [Figure("pypiserver ÷ Holdfast", ratio=9.6, threshold=Threshold(min_ratio=20))],
        ),
        Section(
            "Scheduler",
            [
                Figure(
                    "advance_workflows",
                    (29_500.0,),
                    queries=9,
                    queries_note="per batch of 500",
                    threshold=Threshold(median_ms=30_000),
                ),
                Figure("policy_report", (61_234.4,), queries=12, note="all presets"),
            ],
        ),
    ]


def test_percentile_is_the_nearest_rank():
    assert percentile([float(n) for n in range(1, 21)], 95) == 19.0
    assert percentile([3.0, 1.0, 2.0], 95) == 3.0
    assert percentile([7.0], 95) == 7.0


def test_each_figure_is_a_row_with_median_p95_queries_threshold_and_verdict():
    text = render_markdown(
        title="Holdfast benchmarks at 5,000 projects",
        settings=[("Scale", "5,000 projects"), ("Command", "`make bench SCALE=5000`")],
        machine=[("CPU", "Test CPU"), ("Cores", "2")],
        sections=sections(),
    )

    assert text.splitlines()[:4] == [
        "# Holdfast benchmarks at 5,000 projects",
        "",
        "- **Scale:** 5,000 projects",
        "- **Command:** `make bench SCALE=5000`",
    ]
    assert "- **CPU:** Test CPU" in text
    summary = text[text.index("## Summary") :].split("\n\n")
    assert summary[1] == "2 of 5 thresholds met; 3 FAIL:"
    assert summary[2].splitlines() == [
        "- registry.File: search 'x'",
        "- too many queries",
        "- pypiserver ÷ Holdfast",
    ]
    admin = text[text.index("## Admin change lists") :].split("\n\n")
    assert admin[1] == "Logged in as a superuser."
    assert admin[2].splitlines() == [
        "| Item | Runs | Median ms | p95 ms | Queries | Threshold | Result |",
        "| --- | ---: | ---: | ---: | ---: | --- | --- |",
        "| registry.File: first page | 4 | 25.0 | 40.0 | 5 | < 150 ms median, < 15 queries "
        "| pass |",
        "| registry.File: search 'x' | 3 | 300.0 | 400.0 | 4 | < 150 ms median, < 15 queries "
        "| FAIL |",
        "| too many queries | 1 | 1.00 | 1.00 | 15 | < 150 ms median, < 15 queries | FAIL |",
    ]
    assert "| pypiserver ÷ Holdfast | — | 9.6x | — | — | ≥ 20x | FAIL |" in text
    assert (
        "| advance_workflows | 1 | 29,500 | 29,500 | 9 per batch of 500 | < 30,000 ms median "
        "| pass |" in text
    )
    assert "| policy_report (all presets) | 1 | 61,234 | 61,234 | 12 | — | — |" in text


def test_the_terminal_table_has_the_same_cells():
    text = render_text(sections()[:1])

    lines = [" ".join(line.split()) for line in text.splitlines()]
    assert lines[1] == "Admin change lists"
    assert lines[2] == "Item Runs Median ms p95 ms Queries Threshold Result"
    assert lines[4] == (
        "registry.File: search 'x' 3 300.0 400.0 4 < 150 ms median, < 15 queries FAIL"
    )
