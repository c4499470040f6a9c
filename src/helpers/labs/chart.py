"""Plumbing for the chart lab: themes for generated tables, the atomic functions that questions are
composed from (Chain of Functions), a tiny rasteriser that paints a table as a bar chart and records
every bar's pixel box, chart styles (clean, "wild", randomised), the pixel features of the tiny
chart reader and its reading rule, a teacher that reads charts by eye, and the drawings. The page
keeps the table sampler, the question templates, the verifier, the filters and the measurement."""
from __future__ import annotations

import colorsys
import textwrap
from dataclasses import dataclass, field, replace

import matplotlib.pyplot as plt
import numpy as np

from . import common

CHAPTER = "chart"
TITLE = "Chart questions from executed function chains"
QUESTION = ("Can answers computed by executing functions on a chart's table catch a teacher that reads the "
            "chart by eye, and does a chart reader trained on clean synthetic charts still read charts in "
            "other styles?")
MIRRORS = ["han2023chartllama", "li2025chain"]
SKILLS = "table-to-chart rendering, function-chain questions, answer verification, style randomisation"
MINUTES = 45
MEASURES = True

AXIS_MAX = 100  # every chart's value axis runs from 0 to 100
TOLERANCE = 0.05  # answers are whole numbers or means to one decimal

# theme -> (chart title, what a category is called, the categories on the x axis)
THEMES = {
    "exam scores": ("Average exam score (out of 100)", "subject",
                    ["Maths", "Art", "History", "Biology", "Music", "French", "Sport"]),
    "humidity": ("Mean humidity (%)", "month", ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul"]),
    "bike share": ("Households with a bike (%)", "city",
                   ["Lyon", "Porto", "Utrecht", "Graz", "Ghent", "Turin", "Aarhus"]),
    "battery": ("Battery left (%)", "hour", ["8h", "10h", "12h", "14h", "16h", "18h", "20h"]),
    "ratings": ("Customer rating (out of 100)", "product",
                ["Kettle", "Toaster", "Blender", "Lamp", "Fan", "Heater", "Clock"]),
}


@dataclass(frozen=True)
class Table:
    """The source of one chart: a theme, its categories in axis order and one whole value each."""
    theme: str
    categories: tuple[str, ...]
    values: tuple[int, ...]

    @property
    def title(self) -> str:
        return THEMES[self.theme][0]

    @property
    def noun(self) -> str:
        return THEMES[self.theme][1]

    @property
    def nouns(self) -> str:
        return self.noun[:-1] + "ies" if self.noun.endswith("y") else self.noun + "s"

    def value(self, category: str) -> int:
        return self.values[self.categories.index(category)]


# --- atomic functions and chains ----------------------------------------------------------------
# A chain is a nested tuple: ("gap", ("max",), ("value", "May")). Each function has argument types
# and a result type; "category" leaves are the table's own categories. A "count" is a number of
# categories, not a value on the axis, so no function takes one.

def _argbest(table: Table, best) -> str:
    return table.categories[int(best(np.array(table.values)))]


FUNCTIONS = {
    # name: (argument types, result type, what it computes from the table and its arguments)
    "max": ((), "number", lambda t: max(t.values)),
    "min": ((), "number", lambda t: min(t.values)),
    "mean": ((), "number", lambda t: round(sum(t.values) / len(t.values), 1)),
    "argmax": ((), "category", lambda t: _argbest(t, np.argmax)),
    "argmin": ((), "category", lambda t: _argbest(t, np.argmin)),
    "value": (("category",), "number", lambda t, c: t.value(c)),
    "gap": (("number", "number"), "number", lambda t, a, b: round(abs(a - b), 1)),
    "count above": (("number",), "count", lambda t, x: sum(v > x for v in t.values)),
}


def execute(chain, table: Table, functions=None):
    """Run a chain on a table: functions are applied innermost first; a string is a category."""
    if isinstance(chain, str):
        return chain
    functions = functions or FUNCTIONS
    name, *arguments = chain
    return functions[name][2](table, *(execute(a, table, functions) for a in arguments))


def steps(chain, table: Table, functions=None) -> list[tuple[str, object]]:
    """The chain as a rationale: one (function call, result) line per function, innermost first."""
    lines: list[tuple[str, object]] = []

    def walk(node):
        if isinstance(node, str):
            return repr(node)
        name, *arguments = node
        shown = [walk(a) for a in arguments]
        lines.append((f"{name}({', '.join(shown)})", execute(node, table, functions)))
        return f"{lines[-1][1]:g}" if isinstance(lines[-1][1], (int, float)) else repr(lines[-1][1])

    walk(chain)
    return lines


# A category can be named outright; a number needs a function; a count, a function of a number.
MIN_DEPTH = {"category": 0, "number": 1, "count": 2}


def compose(result: str, depth: int, table: Table, generator: np.random.Generator, functions=None):
    """A random well-typed chain that returns `result`, nesting at most `depth` functions: the
    automatic exploration of function compositions, before any question is phrased. A type that
    needs more nesting than `depth` (a count needs two functions) gets the least it needs."""
    functions = functions or FUNCTIONS
    depth = max(depth, MIN_DEPTH[result])
    if result == "category" and (depth == 0 or generator.random() < 0.5):
        return str(generator.choice(table.categories))
    names = [name for name, (arguments, out, _) in functions.items()
             if out == result and all(MIN_DEPTH[a] <= depth - 1 for a in arguments)]
    nested = [name for name in names if functions[name][0]]
    if nested and generator.random() < 0.7:  # prefer functions that take arguments, while depth allows
        names = nested
    name = str(generator.choice(names))
    return (name, *(compose(kind, depth - 1, table, generator, functions) for kind in functions[name][0]))


def function_count(chain) -> int:
    return 0 if isinstance(chain, str) else 1 + sum(function_count(a) for a in chain[1:])


def same_answer(a, b) -> bool:
    if isinstance(a, str) or isinstance(b, str):
        return a == b
    return abs(float(a) - float(b)) <= TOLERANCE


def teacher_reading(table: Table, generator: np.random.Generator, misread_rate: float = 0.15,
                    largest_error: int = 8) -> Table:
    """The table as a teacher reads it off the chart by eye: each bar, with probability
    `misread_rate`, a few units too high or too low."""
    values = []
    for v in table.values:
        if generator.random() < misread_rate:
            v += int(generator.choice([-1, 1])) * int(generator.integers(2, largest_error + 1))
        values.append(int(np.clip(v, 0, AXIS_MAX)))
    return replace(table, values=tuple(values))


# --- the rasteriser -----------------------------------------------------------------------------

@dataclass(frozen=True)
class Style:
    """How a chart is painted. Colours are RGB triples in [0, 1]."""
    bar: tuple[float, float, float] = (0.0, 0.447, 0.698)  # Okabe-Ito blue
    background: tuple[float, float, float] = (1.0, 1.0, 1.0)
    size: tuple[int, int] = (60, 80)  # height, width in pixels
    grid: float | None = None  # grey level of horizontal gridlines every 20 units, or None
    noise: float = 0.0  # standard deviation of pixel noise
    value_marks: bool = False  # a dark mark above each bar, where a printed value would sit
    bar_width: float = 0.6  # share of each slot that the bar fills


CLEAN = Style()


@dataclass
class Chart:
    """A rendered chart: pixels (height x width x 3), the plot frame (left, right, bottom, top in
    pixel columns and rows, rows counted from the top) and every bar's box (left, top, right,
    bottom) in the same units, right and bottom exclusive as in a numpy slice."""
    pixels: np.ndarray
    frame: tuple[int, int, int, int]
    boxes: list[tuple[int, int, int, int]] = field(default_factory=list)
    style: Style = CLEAN


def bar_height_px(value: float, frame) -> int:
    left, right, bottom, top = frame
    return int(round(min(max(value, 0), AXIS_MAX) / AXIS_MAX * (bottom - top)))


def render(values, style: Style = CLEAN, generator: np.random.Generator | None = None) -> Chart:
    """Paint a bar chart of `values` and record each bar's box. A value beyond the axis is clipped
    at its top, as a plotting library with a fixed axis would draw it."""
    height, width = style.size
    pixels = np.empty((height, width, 3))
    pixels[:] = style.background
    frame = (6, width - 2, height - 6, 3)  # margins: room for the axes and their ticks
    left, right, bottom, top = frame
    if style.grid is not None:
        for level in range(20, AXIS_MAX + 1, 20):
            pixels[bottom - bar_height_px(level, frame), left:right] = style.grid
    slot = (right - left) / len(values)
    boxes = []
    for i, v in enumerate(values):
        half = max(1, int(round(slot * style.bar_width / 2)))
        centre = int(round(left + slot * (i + 0.5)))
        box = (centre - half, bottom - bar_height_px(v, frame), centre + half, bottom)
        pixels[box[1]:box[3], box[0]:box[2]] = style.bar
        if style.value_marks and box[1] - 6 >= top:
            pixels[box[1] - 5:box[1] - 2, box[0] + 1:box[2] - 1] = 0.15
        boxes.append(box)
    pixels[top:bottom + 1, left - 1] = 0.0  # the axes, drawn last
    pixels[bottom, left - 1:right] = 0.0
    pixels[bottom + 1:bottom + 3, [int(round(left + slot * (i + 0.5))) for i in range(len(values))]] = 0.0
    if style.noise:
        generator = generator if generator is not None else common.rng(0)
        pixels = np.clip(pixels + generator.normal(0, style.noise, pixels.shape), 0, 1)
    return Chart(pixels, frame, boxes, style)


def hex_rgb(colour: str) -> tuple[float, float, float]:
    return tuple(int(colour[i:i + 2], 16) / 255 for i in (1, 3, 5))


# The ways a "wild" chart differs from the clean ones: each changes one thing about the style.
WILD = {
    "other colours": lambda s, g: replace(s, bar=hex_rgb(str(g.choice([common.COLOURS[c] for c in
                                                                        ("orange", "green", "yellow", "red", "pink", "sky")])))),
    "gridlines": lambda s, g: replace(s, grid=float(g.uniform(0.55, 0.8))),
    "pixel noise": lambda s, g: replace(s, noise=float(g.uniform(0.06, 0.12))),
    "value marks": lambda s, g: replace(s, value_marks=True),
    "tinted paper": lambda s, g: replace(s, background=tuple(float(v) for v in g.uniform(0.82, 0.95, 3))),
    "other shape": lambda s, g: replace(s, size=(int(g.integers(44, 90)), int(g.integers(56, 140))),
                                        bar_width=float(g.uniform(0.3, 0.9))),
}


def wild_style(generator: np.random.Generator, changes=tuple(WILD)) -> Style:
    """The clean style with the named changes applied."""
    style = CLEAN
    for name in changes:
        style = WILD[name](style, generator)
    return style


def randomised_style(generator: np.random.Generator) -> Style:
    """Style randomisation for training: any hue, any light paper, gridlines, noise and marks at
    random, any shape. Its colours are drawn afresh, not taken from the wild palette."""
    hue, saturation, brightness = generator.uniform(0, 1), generator.uniform(0.4, 1), generator.uniform(0.35, 0.95)
    return Style(bar=colorsys.hsv_to_rgb(hue, saturation, brightness),
                 background=tuple(float(v) for v in generator.uniform(0.82, 1.0, 3)),
                 size=(int(generator.integers(44, 90)), int(generator.integers(56, 140))),
                 grid=float(generator.uniform(0.55, 0.85)) if generator.random() < 0.5 else None,
                 noise=float(generator.uniform(0, 0.12)) * (generator.random() < 0.5),
                 value_marks=bool(generator.random() < 0.5), bar_width=float(generator.uniform(0.3, 0.9)))


# --- the tiny chart reader ------------------------------------------------------------------------

FEATURES = ("red", "green", "blue", "darkness", "colourfulness")


def pixel_features(chart: Chart, with_paper: bool = False) -> np.ndarray:
    """Numbers per pixel of the plot area (rows top to bottom, then columns): the colour itself,
    how dark and how colourful it is, and optionally how far it is from the paper (the mean colour
    of the top margin)."""
    left, right, bottom, top = chart.frame
    plot = chart.pixels[top:bottom, left:right].reshape(-1, 3)
    columns = [plot, 1 - plot.mean(axis=1), plot.max(axis=1) - plot.min(axis=1)]
    if with_paper:
        paper = chart.pixels[:top].reshape(-1, 3).mean(axis=0)
        columns.append(np.abs(plot - paper).sum(axis=1))
    return np.column_stack(columns)


def bar_mask(chart: Chart) -> np.ndarray:
    """Which pixels of the plot area belong to a bar, from the renderer's own boxes: free labels."""
    left, right, bottom, top = chart.frame
    mask = np.zeros((bottom - top, right - left), dtype=bool)
    for x0, y0, x1, y1 in chart.boxes:
        mask[y0 - top:y1 - top, x0 - left:x1 - left] = True
    return mask.ravel()


def read_values(chart: Chart, is_bar: np.ndarray, n_bars: int) -> list[float]:
    """The reading rule: in the middle column of each bar's slot, count the pixels judged to be bar
    upwards from the baseline until the first one that is not, and convert the count to units."""
    left, right, bottom, top = chart.frame
    grid = np.asarray(is_bar).reshape(bottom - top, right - left)
    slot = (right - left) / n_bars
    values = []
    for i in range(n_bars):
        column = grid[::-1, int(slot * (i + 0.5))]  # bottom row first
        run = len(column) if column.all() else int(np.argmin(column))
        values.append(run / (bottom - top) * AXIS_MAX)
    return values


# --- drawings -----------------------------------------------------------------------------------

VERDICT = {True: common.OKABE_ITO[2], False: common.OKABE_ITO[5]}


def draw_chart(ax, chart: Chart, table: Table | None = None, title: str | None = None) -> None:
    """The pixels as the reader sees them, with the category names and a few values printed around
    them for a human."""
    height, width, _ = chart.pixels.shape
    ax.imshow(chart.pixels, interpolation="nearest", extent=(0, width, height, 0))
    ax.set_xlim(0, width)
    ax.set_ylim(height, 0)
    left, right, bottom, top = chart.frame
    ax.set_yticks([bottom - bar_height_px(v, chart.frame) + 0.5 for v in (0, 50, 100)], ["0", "50", "100"], fontsize=6)
    if table is not None:
        ax.set_xticks([(x0 + x1) / 2 for x0, _, x1, _ in chart.boxes], table.categories, fontsize=6, rotation=45)
    else:
        ax.set_xticks([])
    ax.tick_params(length=0, pad=1)
    for spine in ax.spines.values():
        spine.set_visible(False)
    if title:
        ax.set_title(title, fontsize=7, loc="left")


def sample_figure(items, columns: int = 3):
    """Charts with one generated question each: the chain, the teacher's answer, the executed
    answer and the verdict. `items` are dicts with table, question, chain, teacher and kept."""
    rows = -(-len(items) // columns)
    with plt.rc_context(common.STYLE):
        fig, axes = plt.subplots(2 * rows, columns, figsize=(2.7 * columns, 3.6 * rows), squeeze=False,
                                 height_ratios=[1.6, 1.7] * rows)
        for ax in axes.flat:
            ax.axis("off")
        for index, item in enumerate(items):
            table = item["table"]
            chart_ax, text_ax = axes[2 * (index // columns), index % columns], axes[2 * (index // columns) + 1, index % columns]
            chart_ax.axis("on")
            draw_chart(chart_ax, render(table.values), table, "\n".join(textwrap.wrap(table.title, 34)))
            body = textwrap.wrap(item["question"], 42)
            body += [f"  {call} = {result}" for call, result in steps(item["chain"], table)]
            verdict = (f"teacher: {item['teacher']}   executed: {execute(item['chain'], table)}\n"
                       + ("KEPT" if item["kept"] else "REJECTED"))
            text_ax.text(0.0, 0.98, "\n".join(body), transform=text_ax.transAxes, fontsize=7, va="top",
                         linespacing=1.5)
            text_ax.text(0.0, 0.98 - 0.118 * len(body), verdict, transform=text_ax.transAxes, fontsize=7,
                         va="top", linespacing=1.5, color=VERDICT[item["kept"]], fontweight="bold")
        fig.subplots_adjust(hspace=0.4, wspace=0.3, left=0.05, right=0.98, top=0.95, bottom=0.02)
        return common.to_svg(fig, "Generated chart questions with their executed answers")


def mosaic(charts: list[Chart], columns: int, gap: int = 16) -> tuple[np.ndarray, list[tuple[float, float]]]:
    """Charts in a grid of equal cells on white, each at the bottom centre of its cell (one imshow
    instead of many axes), and the point above each chart for its label."""
    cell_h = max(c.pixels.shape[0] for c in charts) + gap
    cell_w = max(c.pixels.shape[1] for c in charts) + gap
    rows = -(-len(charts) // columns)
    image = np.ones((rows * cell_h, columns * cell_w, 3))
    anchors = []
    for index, chart in enumerate(charts):
        h, w, _ = chart.pixels.shape
        y, x = (index // columns) * cell_h, (index % columns) * cell_w + (cell_w - w) // 2
        image[y + cell_h - h:y + cell_h, x:x + w] = chart.pixels
        anchors.append((x + w / 2, y + cell_h - h - 1))
    return image, anchors


def measurement_figure(examples: dict[str, Chart], scores: dict[str, dict[str, float]]):
    """Above: one test chart per style. Below: the share of bars each reader reads within
    tolerance, by test style."""
    names = list(examples)
    with plt.rc_context(common.STYLE):
        fig, (top, ax) = plt.subplots(2, 1, figsize=(7.2, 6.4), height_ratios=[1.5, 2])
        image, anchors = mosaic([examples[n] for n in names], columns=4)
        top.imshow(image, interpolation="nearest")
        top.axis("off")
        for name, (x, y) in zip(names, anchors):
            top.text(x, y, name, ha="center", va="bottom", fontsize=8)
        width = 0.8 / len(scores)
        for j, (reader, by_style) in enumerate(scores.items()):
            ax.bar(np.arange(len(names)) + (j - (len(scores) - 1) / 2) * width, [by_style[n] for n in names],
                   width, label=reader, color=common.OKABE_ITO[[4, 0, 2][j]],
                   hatch=["", "//", ".."][j], edgecolor="#333333", linewidth=0.5)
        ax.set_xticks(range(len(names)), names, fontsize=7)
        ax.set_ylim(0, 1.05)
        ax.set_ylabel("bars read within 5 units", fontsize=8)
        ax.legend(title="reader trained on", fontsize=7, title_fontsize=7, loc="upper center",
                  bbox_to_anchor=(0.5, -0.12), ncol=len(scores))
        fig.tight_layout()
        return common.to_svg(fig, "Chart-reading accuracy on clean and wild test charts")


def thumbnail():
    """A clean and a wild rendering of the same table."""
    values = (35, 62, 88, 51, 20)
    with plt.rc_context(common.STYLE):
        fig, axes = plt.subplots(1, 2, figsize=(3.0, 2.0))
        draw_chart(axes[0], render(values), title="clean")
        draw_chart(axes[1], render(values, wild_style(common.rng(3)), common.rng(3)), title="wild")
        for ax in axes:
            ax.set_yticks([])
        fig.tight_layout()
        return common.to_svg(fig, "A generated table rendered as a clean and as a wild bar chart")
