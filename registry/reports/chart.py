"""The "share deletable by popularity decile" chart: grouped bars, drawn as SVG on the server.

`decile_chart(comparison)` lays the chart out (one group of bars per decile, one bar per preset
in it) and the template `admin/registry/policy_report.html` draws it with SVG presentation
attributes only (the Content-Security-Policy allows no inline styles), with a <title>, a <desc>,
axis labels and a legend; the page shows the same figures in a table below it, so the chart
needs no JavaScript and nothing is said by colour alone.
"""

from dataclasses import dataclass

from .output import share_text

# Dark enough for 3:1 (WCAG 2.1, non-text contrast) against the white plot, and told apart
# by their order in each group and by the legend.
PALETTE = (
    "#1f5fa6",  # blue
    "#b35806",  # dark orange
    "#1b7837",  # green
    "#762a83",  # purple
    "#c51b7d",  # magenta
    "#4d4d4d",  # dark grey
    "#01665e",  # teal
    "#8c510a",  # brown
)

WIDTH, HEIGHT = 920, 360
PLOT_LEFT, PLOT_TOP, PLOT_WIDTH, PLOT_HEIGHT = 70, 20, 640, 250
LEGEND_X = PLOT_LEFT + PLOT_WIDTH + 24
GROUP_GAP = 12
TICKS = (0, 25, 50, 75, 100)


@dataclass(frozen=True)
class Bar:
    preset: str
    colour: str
    x: float
    y: float
    width: float
    height: float
    label: str  # Said by the bar's <title>: which preset, which decile, the figures.


@dataclass(frozen=True)
class Group:
    decile: int
    label_x: float
    bars: tuple[Bar, ...]


def colour_of(index):
    return PALETTE[index % len(PALETTE)]


def decile_chart(comparison):
    """Return the chart's geometry and words for the template."""
    presets = comparison.presets
    group_width = PLOT_WIDTH / len(comparison.deciles)
    bar_width = (group_width - GROUP_GAP) / max(len(presets), 1)
    bottom = PLOT_TOP + PLOT_HEIGHT
    groups = []
    for number, decile in enumerate(comparison.deciles):
        left = PLOT_LEFT + number * group_width + GROUP_GAP / 2
        bars = []
        for index, result in enumerate(presets):
            tally = result.deciles[number]
            height = PLOT_HEIGHT * (tally.share or 0)
            bars.append(
                Bar(
                    preset=result.preset,
                    colour=colour_of(index),
                    x=round(left + index * bar_width, 2),
                    y=round(bottom - height, 2),
                    width=round(bar_width, 2),
                    height=round(height, 2),
                    label=(
                        f"{result.preset}, decile {decile.number}: "
                        + (
                            f"{tally.deletable:,} of {tally.total:,} projects ({share_text(tally)})"
                            if tally.total
                            else "no projects"
                        )
                    ),
                )
            )
        groups.append(
            Group(
                decile=decile.number,
                label_x=round(PLOT_LEFT + (number + 0.5) * group_width, 2),
                bars=tuple(bars),
            )
        )
    return {
        "width": WIDTH,
        "height": HEIGHT,
        "plot": {
            "left": PLOT_LEFT,
            "top": PLOT_TOP,
            "right": PLOT_LEFT + PLOT_WIDTH,
            "bottom": bottom,
            "middle_x": PLOT_LEFT + PLOT_WIDTH / 2,
            "middle_y": PLOT_TOP + PLOT_HEIGHT / 2,
        },
        "ticks": [
            {"label": f"{tick}%", "y": round(bottom - PLOT_HEIGHT * tick / 100, 2)}
            for tick in TICKS
        ],
        "groups": groups,
        "legend": [
            {
                "preset": result.preset,
                "colour": colour_of(index),
                "y": PLOT_TOP + 22 * index,
                "text_y": PLOT_TOP + 22 * index + 11,
            }
            for index, result in enumerate(presets)
        ],
        "legend_x": LEGEND_X,
        "legend_text_x": LEGEND_X + 20,
        "x_axis_label_y": bottom + 44,
        "x_label_y": bottom + 20,
        "description": describe(comparison),
    }


def describe(comparison):
    """Say in a sentence or two what the chart shows, for its <desc>."""
    parts = []
    for result in comparison.presets:
        shares = [share_text(tally) for tally in result.deciles]
        parts.append(f"{result.preset}: {', '.join(shares)}")
    return (
        "Grouped bars: for each popularity decile of the live projects (1 = the most "
        "downloaded tenth over the last 30 days, 10 = the least), the share of projects whose "
        "owners may delete them under each preset. From decile 1 to 10, " + "; ".join(parts) + "."
    )
