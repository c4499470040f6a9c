"""Figures in one house style: Okabe–Ito colours (colour-blind safe), opaque white background
(readable in the theme's dark mode), SVG with fixed ids and no date, so the same data give the
same bytes. Each function returns an SVG display object; the chapter sets caption and alt text."""
from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from IPython.display import SVG

from . import demos, load, tables
from .style import OKABE_ITO, STYLE, to_svg  # noqa: F401 - re-exported: chapters and older code use figures.STYLE

DIRECTION_ORDER = ["vlm-generates", "for-vlm", "both", "unknown", ""]
DIRECTION_NAMES = {"vlm-generates": "VLM generates the data", "for-vlm": "non-VLM generator, data for a VLM",
                   "both": "both", "unknown": "unknown", "": "not yet classified"}
DIRECTION_COLOURS = {"vlm-generates": OKABE_ITO[4], "for-vlm": OKABE_ITO[0], "both": OKABE_ITO[2],
                     "unknown": "#999999", "": "#DDDDDD"}
HATCHES = {"vlm-generates": "", "for-vlm": "//", "both": "\\\\", "unknown": "xx", "": ""}  # no dots: a dot hatch is 50 KB of SVG


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
        counts = works[["task_order", "task_title", "direction"]].groupby(
            ["task_order", "task_title", "direction"]).size().unstack(fill_value=0)
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


def works_per_year(root=None, task: str | None = None) -> SVG:
    """Vertical bars: number of works per publication year, split by direction (one task or all)."""
    works = load.of_task(load.catalogue(root), task)
    with plt.rc_context(STYLE):
        counts = works[["year", "direction"]].groupby(["year", "direction"]).size().unstack(fill_value=0).sort_index()
        fig, ax = plt.subplots(figsize=(6, 3.5))
        _stacked_by_direction(ax, counts, horizontal=False)
        ax.set_xticks(range(len(counts)), [str(y) for y in counts.index])
        ax.set_ylabel("number of surveyed works")
        ax.set_xlabel("year of publication")
        ax.legend(frameon=False, title="direction", loc="upper left", bbox_to_anchor=(1.0, 1.0))
        return to_svg(fig, "Surveyed works per year")


def generators_by_data_kind(task: str | None = None, root=None, top: int = 12) -> SVG:
    """Dot matrix: which generator models produced which kinds of data (number of works per cell).

    Works whose generator is unknown are counted in a row of their own, so nothing silently vanishes."""
    works = load.of_task(load.catalogue(root), task)
    pairs = []
    for _, row in works[["generators", "data_kinds"]].iterrows():
        generators = row["generators"] or ["(not stated)"]
        kinds = row["data_kinds"] or ["(not stated)"]
        pairs += [(g, k) for g in generators for k in kinds]
    table = pd.DataFrame(pairs, columns=["generator", "kind"]).value_counts().unstack(fill_value=0)
    keep = table.sum(axis=1).sort_values(ascending=False, kind="stable")
    table = table.loc[sorted(keep.index[:top], key=lambda g: (-keep[g], g.lower()))]
    table = table[sorted(table.columns, key=lambda k: (-table[k].sum(), k))]
    with plt.rc_context(STYLE):
        fig, ax = plt.subplots(figsize=(1.2 + 0.55 * len(table.columns), 1.0 + 0.35 * len(table)))
        ys, xs = range(len(table)), range(len(table.columns))
        for y in ys:
            for x in xs:
                n = int(table.iat[y, x])
                if n:
                    ax.scatter(x, y, s=60 + 90 * n, color=OKABE_ITO[4], edgecolor="#333333", linewidth=0.5)
                    ax.text(x, y, str(n), ha="center", va="center", color="white", fontsize=8, fontweight="bold")
        ax.set_xticks(list(xs), list(table.columns), rotation=40, ha="right")
        ax.set_yticks(list(ys), list(table.index))
        ax.set_xlim(-0.6, len(table.columns) - 0.4)
        ax.set_ylim(len(table) - 0.5, -0.5)
        ax.grid(color="#dddddd", linewidth=0.5)
        ax.set_axisbelow(True)
        ax.set_xlabel("kind of synthesized data")
        ax.set_ylabel("generator")
        return to_svg(fig, "Generators and the kinds of data they produced")


def generators_per_year(root=None) -> SVG:
    """Stacked bars: per year, how many works use each group of generator (kind x access).
    A work that uses two groups counts once in each; works with no named generator are left out."""
    table = tables.generator_groups_per_year(root)
    order = list(table.columns)
    with plt.rc_context(STYLE):
        fig, ax = plt.subplots(figsize=(6.5, 3.5))
        base = pd.Series(0, index=table.index)
        for colour, group in zip(OKABE_ITO, order):
            ax.bar([str(y) for y in table.index], table[group], bottom=base, color=colour,
                   edgecolor="#333333", linewidth=0.5, label=group)
            base = base + table[group]
        ax.set_ylabel("works using such a generator")
        ax.set_xlabel("year of publication")
        ax.legend(frameon=False, loc="upper left", bbox_to_anchor=(1.0, 1.0), title="generator")
        return to_svg(fig, "Generator groups used per year")


def counts_bar(values: pd.Series, title: str, xlabel: str) -> SVG:
    """Horizontal bars of a value count, largest on top."""
    values = values.sort_values(kind="stable")
    with plt.rc_context(STYLE):
        fig, ax = plt.subplots(figsize=(6, 0.6 + 0.3 * len(values)))
        ax.barh(range(len(values)), values.to_numpy(), color=OKABE_ITO[4], edgecolor="#333333", linewidth=0.5)
        ax.set_yticks(range(len(values)), list(values.index))
        for y, n in enumerate(values.to_numpy()):
            ax.text(n + 0.3, y, str(int(n)), va="center", fontsize=9)
        ax.set_xlabel(xlabel)
        return to_svg(fig, title)


def venues(root=None) -> SVG:
    """Where the surveyed works appeared: one bar per venue (arXiv for preprints)."""
    works = load.catalogue(root)
    counts = works["venue"].value_counts()
    counts = counts.groupby(counts.index).sum().sort_index()
    return counts_bar(counts, "Venues of the surveyed works", "number of surveyed works")


def data_kinds(root=None) -> SVG:
    """What is synthesized: one bar per kind of data (a work may produce several kinds)."""
    works = load.catalogue(root)
    counts = works["data_kinds"].explode().dropna().value_counts().sort_index()
    return counts_bar(counts, "Kinds of synthesized data", "number of surveyed works")


def similarity_heatmap(logits, title: str = "Image–text similarity logits") -> SVG:
    """A batch's similarity matrix as a heat map (images as rows, texts as columns), diagonal outlined.

    Uses cividis, a colour map designed to read the same under colour-vision deficiencies."""
    logits = np.asarray(logits, dtype=float)
    n = logits.shape[0]
    with plt.rc_context(STYLE):
        fig, ax = plt.subplots(figsize=(4.2, 3.6))
        image = ax.imshow(logits, cmap="cividis")
        for i in range(n):
            ax.add_patch(plt.Rectangle((i - 0.5, i - 0.5), 1, 1, fill=False, edgecolor=OKABE_ITO[5], linewidth=2))
        ax.set_xticks(range(n), [f"T{j + 1}" for j in range(n)])
        ax.set_yticks(range(n), [f"I{i + 1}" for i in range(n)])
        ax.set_xlabel("text")
        ax.set_ylabel("image")
        fig.colorbar(image, ax=ax, label="cosine similarity ÷ temperature")
        return to_svg(fig, title)


def visual_tokens(sizes=(224, 336, 448, 672), patch_size: int = 14, queries: int = 32) -> SVG:
    """Visual tokens per image against image side: one per patch (projector) or a fixed query count."""
    counts = [demos.visual_token_count(size, patch_size) for size in sizes]
    with plt.rc_context(STYLE):
        fig, ax = plt.subplots(figsize=(5.5, 3.4))
        ax.plot(sizes, counts, marker="o", color=OKABE_ITO[4], label=f"projector: (side ÷ {patch_size})²")
        ax.plot(sizes, [queries] * len(sizes), marker="s", linestyle="--", color=OKABE_ITO[5],
                label=f"query transformer: {queries} queries")
        for size, count in zip(sizes, counts):
            ax.annotate(str(count), (size, count), textcoords="offset points", xytext=(0, 6), ha="center", fontsize=8)
        ax.set_xticks(list(sizes), [f"{s}×{s}" for s in sizes])
        ax.set_xlabel("image size in pixels")
        ax.set_ylabel("visual tokens per image")
        ax.legend(frameon=False, loc="upper left")
        return to_svg(fig, "Visual tokens per image against image size")
