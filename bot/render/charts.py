"""The weekly chart as a PNG, drawn with matplotlib's Agg canvas (``pip install 'rebound[charts]'``).

matplotlib is imported here, inside :func:`draw_png`, and nowhere else: the server starts
and runs without it. The weekly job calls it in a child process (:mod:`bot.render.chart_process`),
``rebound summary --chart`` in its own. No pyplot: a ``Figure`` on its own Agg canvas keeps no
global state.

Colours are the Okabe-Ito palette, which people with any common colour-vision deficiency
tell apart; the coverage line is black with markers, so it reads in greyscale too.
"""

from __future__ import annotations

import io
from bot import clock
from bot.domain.charts import LossChart

WIDTH, HEIGHT, DPI = 1200, 675, 150  # pixels: 8 x 4.5 inches at 150 dpi
# Okabe & Ito (2008), "Color Universal Design": bands in this order, "Other reasons" in grey.
PALETTE = ("#E69F00", "#56B4E9", "#009E73", "#0072B2", "#D55E00", "#CC79A7", "#F0E442")
OTHER_COLOUR = "#999999"
LINE_COLOUR = "#000000"
INSTALL_HINT = "charts need matplotlib: pip install 'rebound[charts]'"


class ChartsUnavailable(RuntimeError):
    """matplotlib is not installed (the ``charts`` extra)."""


def week_tick(week: str) -> str:
    """``W47`` over ``16 Nov``: the week and its Monday."""
    monday, _ = clock.week_bounds(week)
    return f"W{week.split('-W')[1]}\n{monday.day} {monday:%b}"


def short_money(cents: float, currency: str) -> str:
    """Axis labels: ``USD 120k``, ``EUR 1.5M``, ``USD 900``."""
    amount = cents / 100
    for limit, suffix in ((1_000_000, "M"), (1_000, "k")):
        if abs(amount) >= limit:
            value = amount / limit
            text = f"{value:.1f}".rstrip("0").rstrip(".")
            return f"{currency} {text}{suffix}"
    return f"{currency} {amount:,.0f}"


def draw_png(chart: LossChart, title: str) -> bytes:
    """The chart as PNG bytes of exactly :data:`WIDTH` x :data:`HEIGHT` pixels."""
    try:
        from matplotlib.backends.backend_agg import FigureCanvasAgg
        from matplotlib.figure import Figure
        from matplotlib.ticker import FuncFormatter, PercentFormatter
    except ImportError as error:
        raise ChartsUnavailable(INSTALL_HINT) from error

    figure = Figure(figsize=(WIDTH / DPI, HEIGHT / DPI), dpi=DPI)
    FigureCanvasAgg(figure)
    axes = figure.add_subplot()
    positions = list(range(len(chart.weeks)))
    bottoms = [0] * len(chart.weeks)
    colours = iter(PALETTE)
    for series in chart.reasons:
        colour = OTHER_COLOUR if series.key == "other_reasons" else next(colours)
        axes.bar(positions, series.cents, bottom=bottoms, color=colour, label=series.label, width=0.65,
                 edgecolor="white", linewidth=0.6)
        bottoms = [b + c for b, c in zip(bottoms, series.cents)]
    axes.set_xticks(positions, [week_tick(w) for w in chart.weeks], fontsize=7)
    axes.yaxis.set_major_formatter(FuncFormatter(lambda value, _: short_money(value, chart.currency)))
    axes.tick_params(axis="y", labelsize=7)
    axes.set_ylabel(f"Lost value ({chart.currency})", fontsize=8)
    axes.set_ylim(0, max([*chart.totals, 1]) * 1.15)
    axes.spines[["top"]].set_visible(False)
    figure.text(0.1, 0.95, title, fontsize=10, ha="left", va="top")
    handles, labels = axes.get_legend_handles_labels()

    if chart.coverage is not None:
        line = figure.add_axes(axes.get_position(), sharex=axes, frameon=False)
        line.yaxis.tick_right()
        line.yaxis.set_label_position("right")
        # A week with no closed-lost deal has no coverage: the line breaks there (NaN).
        shares = [float("nan") if c is None else c for c in chart.coverage]
        line.plot(positions, shares, color=LINE_COLOUR, marker="o", markersize=4,
                  linewidth=1.5, label="Debriefed ÷ closed-lost")
        line.set_ylim(0, 1.05)
        line.yaxis.set_major_formatter(PercentFormatter(1.0, decimals=0))
        line.tick_params(axis="y", labelsize=7)
        line.tick_params(axis="x", bottom=False, labelbottom=False)
        line.set_ylabel("Debrief coverage", fontsize=8)
        more_handles, more_labels = line.get_legend_handles_labels()
        handles, labels = handles + more_handles, labels + more_labels

    figure.legend(handles, labels, fontsize=7, loc="upper left", bbox_to_anchor=(0.095, 0.9), frameon=False,
                  ncol=min(4, len(labels) or 1))
    figure.subplots_adjust(left=0.1, right=0.9, top=0.78, bottom=0.15)
    if chart.coverage is not None:
        figure.axes[1].set_position(axes.get_position())
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=DPI, metadata={"Software": None})
    return buffer.getvalue()


def png_size(data: bytes) -> tuple[int, int]:
    """(width, height) from a PNG's header; ValueError when ``data`` is not a PNG."""
    if data[:8] != b"\x89PNG\r\n\x1a\n" or data[12:16] != b"IHDR":
        raise ValueError("not a PNG")
    return int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")


__all__ = ["ChartsUnavailable", "DPI", "HEIGHT", "INSTALL_HINT", "PALETTE", "WIDTH", "draw_png",
           "png_size", "short_money", "week_tick"]
