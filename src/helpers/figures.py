"""Figures in one house style: Okabe–Ito colours (colour-blind safe), opaque white background
(readable in the theme's dark mode), SVG with fixed ids and no date, so the same data give the
same bytes. Each function returns an SVG display object; the chapter sets caption and alt text."""
from __future__ import annotations

import io

import matplotlib

matplotlib.use("Agg")  # no display needed; also keeps output identical in kernels and scripts
import matplotlib.pyplot as plt  # noqa: E402
import pandas as pd  # noqa: E402
from IPython.display import SVG  # noqa: E402

from . import load  # noqa: E402

# Okabe & Ito (2008), "Color Universal Design": distinguishable under common colour-vision deficiencies.
OKABE_ITO = ["#E69F00", "#56B4E9", "#009E73", "#F0E442", "#0072B2", "#D55E00", "#CC79A7", "#000000"]
DIRECTION_ORDER = ["vlm-generates", "for-vlm", "both", "unknown", ""]
DIRECTION_NAMES = {"vlm-generates": "VLM generates the data", "for-vlm": "non-VLM generator, data for a VLM",
                   "both": "both", "unknown": "unknown", "": "not yet classified"}
DIRECTION_COLOURS = {"vlm-generates": OKABE_ITO[4], "for-vlm": OKABE_ITO[0], "both": OKABE_ITO[2],
                     "unknown": "#999999", "": "#DDDDDD"}
HATCHES = {"vlm-generates": "", "for-vlm": "//", "both": "..", "unknown": "xx", "": ""}

STYLE = {
    "figure.facecolor": "white",
    "axes.facecolor": "white",
    "savefig.facecolor": "white",
    "savefig.transparent": False,
    "axes.prop_cycle": matplotlib.cycler(color=OKABE_ITO),
    "axes.spines.top": False,
    "axes.spines.right": False,
    "font.size": 10,
    "svg.hashsalt": "vlm-synthetic-survey",  # fixed element ids -> byte-identical SVGs
    "svg.fonttype": "path",  # text as paths: looks the same without the fonts installed
    "hatch.color": "#333333",
}


def to_svg(fig: plt.Figure, title: str) -> SVG:
    """Render and close a figure; the SVG carries a <title> for assistive technology."""
    buffer = io.BytesIO()
    fig.savefig(buffer, format="svg", bbox_inches="tight", metadata={"Date": None, "Title": title})
    plt.close(fig)
    return SVG(buffer.getvalue())


def _stacked_by_direction(ax, counts: pd.DataFrame, horizontal: bool) -> None:
    base = pd.Series(0, index=counts.index)
    for direction in [d for d in DIRECTION_ORDER if d in counts.columns]:
        values = counts[direction]
        style = dict(color=DIRECTION_COLOURS[direction], hatch=HATCHES[direction],
                     edgecolor="#333333", linewidth=0.5, label=DIRECTION_NAMES[direction])
        if horizontal:
            ax.barh(range(len(counts)), values, left=base, **style)
        else:
            ax.bar(range(len(counts)), values, bottom=base, **style)
        base = base + values


def works_per_task(root=None) -> SVG:
    """Horizontal bars: number of works in each task category, split by direction."""
    works = load.catalogue(root)
    with plt.rc_context(STYLE):
        counts = works.groupby(["task_order", "task_title", "direction"]).size().unstack(fill_value=0)
        counts = counts.sort_index(ascending=False)
        fig, ax = plt.subplots(figsize=(7, 5))
        _stacked_by_direction(ax, counts, horizontal=True)
        totals = counts.sum(axis=1)
        ax.set_yticks(range(len(counts)), [title for _, title in counts.index])
        for y, total in enumerate(totals):
            ax.text(total + 0.3, y, str(int(total)), va="center", fontsize=9)
        ax.set_xlabel("number of surveyed works")
        ax.legend(loc="lower right", frameon=False, title="direction")
        return to_svg(fig, "Surveyed works per task category")


def works_per_year(root=None) -> SVG:
    """Vertical bars: number of works per publication year, split by direction."""
    works = load.catalogue(root)
    with plt.rc_context(STYLE):
        counts = works.groupby(["year", "direction"]).size().unstack(fill_value=0).sort_index()
        fig, ax = plt.subplots(figsize=(6, 3.5))
        _stacked_by_direction(ax, counts, horizontal=False)
        ax.set_xticks(range(len(counts)), [str(y) for y in counts.index])
        ax.set_ylabel("number of surveyed works")
        ax.set_xlabel("year of publication")
        ax.legend(frameon=False, title="direction")
        return to_svg(fig, "Surveyed works per year")
