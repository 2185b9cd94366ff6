"""The comparison of presets as text (a readable table), CSV and JSON, with stable keys.

The three say the same figures in the same order (presets as asked, projects by rank), so two
runs over the same data at the same `now` print the same bytes.
"""

import csv
import io
import json

from .compare import TOP

CSV_COLUMNS = [
    "section",
    "preset",
    "item",
    "rank",
    "total",
    "deletable",
    "share",
    "allowed",
    "rule",
    "downloads_30_days",
    "dependents",
]


def share_text(tally):
    return "-" if tally.share is None else f"{tally.share:.1%}"


def _share_number(tally):
    return None if tally.share is None else round(tally.share, 4)


# Text --------------------------------------------------------------------------------------


def as_text(comparison):
    """Say the comparison as tables a person reads in a terminal."""
    out = []
    add = out.append
    add(
        f"Deletion policies compared at {comparison.now.isoformat()}: what owners may delete "
        f"right now, over {comparison.projects:,} live projects, {comparison.releases:,} live "
        f"releases and {comparison.files:,} live files."
    )
    add("")
    rows = [("preset", "projects", "releases", "files")]
    for result in comparison.presets:
        name = f"{result.preset}{' (configured)' if result.configured else ''}"
        rows.append(
            (
                name,
                *(
                    f"{tally.deletable:,} ({share_text(tally)})"
                    for tally in (result.projects, result.releases, result.files)
                ),
            )
        )
    out.extend(_table(rows, "lrrr"))
    if any(result.configured for result in comparison.presets):
        add("(configured: this registry's preset, with its HOLDFAST_POLICY_* overrides.)")
    add("")
    add(
        "Share of projects the owners may delete, by popularity decile "
        "(1 = the most downloaded tenth, by downloads in the last 30 days):"
    )
    rows = [("decile", "projects", "downloads", *comparison.preset_names)]
    for number, decile in enumerate(comparison.deciles):
        span = (
            "-"
            if decile.projects == 0
            else f"{decile.downloads_min:,}-{decile.downloads_max:,}"
            if decile.downloads_min != decile.downloads_max
            else f"{decile.downloads_max:,}"
        )
        rows.append(
            (
                str(decile.number),
                f"{decile.projects:,}",
                span,
                *(share_text(result.deciles[number]) for result in comparison.presets),
            )
        )
    out.extend(_table(rows, "rrr" + "r" * len(comparison.presets)))
    for title, top in (
        (f"The {TOP} most downloaded projects (last 30 days)", comparison.top_downloaded),
        (f"The {TOP} most depended-on projects", comparison.top_depended),
    ):
        add("")
        add(f"{title}: which presets let their owners delete them (yes) or not (-).")
        if not top:
            add("  None yet.")
            continue
        rows = [("#", "project", "downloads", "dependents", *comparison.preset_names)]
        for entry in top:
            rows.append(
                (
                    str(entry.rank),
                    entry.name,
                    f"{entry.downloads_30_days:,}",
                    f"{entry.dependents:,}",
                    *("yes" if verdict.allowed else "-" for verdict in entry.verdicts),
                )
            )
        out.extend(_table(rows, "rlrr" + "r" * len(comparison.presets)))
    return "\n".join(out) + "\n"


def _table(rows, align):
    """Lay `rows` out in columns, the first row as the heading; `align` holds "l" (left) or
    "r" (right) for each column."""
    widths = [max(len(row[column]) for row in rows) for column in range(len(rows[0]))]
    lines = []
    for number, row in enumerate(rows):
        cells = [
            cell.rjust(width) if side == "r" else cell.ljust(width)
            for cell, width, side in zip(row, widths, align, strict=True)
        ]
        lines.append("  ".join(cells).rstrip())
        if number == 0:
            lines.append("  ".join("-" * width for width in widths))
    return lines


# CSV ---------------------------------------------------------------------------------------


def csv_rows(comparison):
    """Yield one dict per figure, keyed by CSV_COLUMNS (tidy: one figure per row)."""
    for result in comparison.presets:
        for item, tally in (
            ("projects", result.projects),
            ("releases", result.releases),
            ("files", result.files),
        ):
            yield _row("totals", result.preset, item, tally=tally)
        for number, tally in enumerate(result.deciles, start=1):
            yield _row("decile", result.preset, str(number), rank=number, tally=tally)
    for section, top in (
        ("top_downloaded", comparison.top_downloaded),
        ("top_depended", comparison.top_depended),
    ):
        for entry in top:
            for verdict in entry.verdicts:
                yield _row(
                    section,
                    verdict.preset,
                    entry.name,
                    rank=entry.rank,
                    allowed=str(verdict.allowed).lower(),
                    rule=verdict.rule,
                    downloads_30_days=entry.downloads_30_days,
                    dependents=entry.dependents,
                )


def _row(section, preset, item, *, tally=None, **values):
    row = dict.fromkeys(CSV_COLUMNS, "")
    row.update(section=section, preset=preset, item=item, **values)
    if tally is not None:
        share = _share_number(tally)
        row.update(
            total=tally.total, deletable=tally.deletable, share="" if share is None else share
        )
    return row


def as_csv(comparison):
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=CSV_COLUMNS, lineterminator="\n")
    writer.writeheader()
    writer.writerows(csv_rows(comparison))
    return buffer.getvalue()


# JSON --------------------------------------------------------------------------------------


def _tally(tally):
    return {"total": tally.total, "deletable": tally.deletable, "share": _share_number(tally)}


def _top_entry(entry):
    return {
        "rank": entry.rank,
        "project": entry.name,
        "downloads_30_days": entry.downloads_30_days,
        "dependents": entry.dependents,
        "presets": {
            verdict.preset: {"allowed": verdict.allowed, "rule": verdict.rule}
            for verdict in entry.verdicts
        },
    }


def as_data(comparison):
    """Return the comparison as plain JSON-ready data."""
    return {
        "now": comparison.now.isoformat(),
        "live": {
            "projects": comparison.projects,
            "releases": comparison.releases,
            "files": comparison.files,
        },
        "presets": [
            {
                "preset": result.preset,
                "configured": result.configured,
                "parameters": dict(result.parameters),
                "projects": _tally(result.projects),
                "releases": _tally(result.releases),
                "files": _tally(result.files),
                "deciles": [
                    {"decile": number, **_tally(tally)}
                    for number, tally in enumerate(result.deciles, start=1)
                ],
            }
            for result in comparison.presets
        ],
        "deciles": [
            {
                "decile": decile.number,
                "projects": decile.projects,
                "downloads_min": decile.downloads_min,
                "downloads_max": decile.downloads_max,
            }
            for decile in comparison.deciles
        ],
        "top_downloaded": [_top_entry(entry) for entry in comparison.top_downloaded],
        "top_depended": [_top_entry(entry) for entry in comparison.top_depended],
    }


def as_json(comparison):
    return json.dumps(as_data(comparison), indent=2, sort_keys=True) + "\n"
