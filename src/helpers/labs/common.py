"""Shared plumbing for the labs: toy scenes that can be drawn and queried exactly, tiny numpy models
that train in milliseconds, and text features. Deterministic: every random draw takes a seed or a
numpy Generator."""
from __future__ import annotations

from dataclasses import dataclass, field

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.patches import Circle, Polygon, Rectangle

from ..style import OKABE_ITO, STYLE, to_svg  # noqa: F401 - re-exported for the lab modules

# Colour names a student can read in generated text, mapped to the colour-blind-safe palette.
COLOURS = {"orange": OKABE_ITO[0], "blue": OKABE_ITO[4], "green": OKABE_ITO[2], "yellow": OKABE_ITO[3],
           "red": OKABE_ITO[5], "pink": OKABE_ITO[6], "black": OKABE_ITO[7], "sky": OKABE_ITO[1]}
SHAPES = ("circle", "square", "triangle")


def rng(seed: int = 0) -> np.random.Generator:
    return np.random.default_rng(seed)


# --- toy scenes ---------------------------------------------------------------------------------

@dataclass(frozen=True)
class Thing:
    """One object of a toy scene: its box is (x0, y0, x1, y1) in a unit canvas, y upwards."""
    shape: str
    colour: str
    x: float  # centre
    y: float
    size: float  # side of the bounding square

    @property
    def box(self) -> tuple[float, float, float, float]:
        h = self.size / 2
        return (round(self.x - h, 4), round(self.y - h, 4), round(self.x + h, 4), round(self.y + h, 4))

    @property
    def name(self) -> str:
        return f"{self.colour} {self.shape}"


@dataclass
class Scene:
    things: list[Thing] = field(default_factory=list)

    def names(self) -> set[str]:
        return {t.name for t in self.things}

    def count(self, shape: str | None = None, colour: str | None = None) -> int:
        return sum((shape is None or t.shape == shape) and (colour is None or t.colour == colour)
                   for t in self.things)


def random_scene(generator: np.random.Generator, n_things: int = 3, colours=None, shapes=SHAPES,
                 min_size: float = 0.14, max_size: float = 0.26, tries: int = 200) -> Scene:
    """Up to `n_things` objects with distinct (colour, shape) names whose boxes do not overlap."""
    colours = list(colours or COLOURS)
    things: list[Thing] = []
    for _ in range(tries):
        if len(things) == n_things:
            break
        size = float(generator.uniform(min_size, max_size))
        x, y = (float(v) for v in generator.uniform(size / 2 + 0.02, 1 - size / 2 - 0.02, size=2))
        thing = Thing(str(generator.choice(shapes)), str(generator.choice(colours)), round(x, 3), round(y, 3),
                      round(size, 3))
        if thing.name in {t.name for t in things} or any(boxes_overlap(thing.box, t.box) for t in things):
            continue
        things.append(thing)
    return Scene(things)


def boxes_overlap(a, b) -> bool:
    return not (a[2] <= b[0] or b[2] <= a[0] or a[3] <= b[1] or b[3] <= a[1])


def iou(a, b) -> float:
    """Intersection over union of two (x0, y0, x1, y1) boxes."""
    w = max(0.0, min(a[2], b[2]) - max(a[0], b[0]))
    h = max(0.0, min(a[3], b[3]) - max(a[1], b[1]))
    inter = w * h
    union = (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter
    return inter / union if union > 0 else 0.0


def draw_scene(ax, scene: Scene, boxes: bool = False, title: str | None = None) -> None:
    """Draw a scene on a unit canvas (optionally with each object's box)."""
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1)
    ax.set_aspect("equal")
    ax.set_xticks([])
    ax.set_yticks([])
    for spine in ax.spines.values():
        spine.set_visible(True)
        spine.set_color("#999999")
    for t in scene.things:
        colour, h = COLOURS[t.colour], t.size / 2
        if t.shape == "circle":
            patch = Circle((t.x, t.y), h, facecolor=colour, edgecolor="#333333")
        elif t.shape == "square":
            patch = Rectangle((t.x - h, t.y - h), t.size, t.size, facecolor=colour, edgecolor="#333333")
        else:
            patch = Polygon([(t.x - h, t.y - h), (t.x + h, t.y - h), (t.x, t.y + h)], facecolor=colour,
                            edgecolor="#333333")
        ax.add_patch(patch)
        if boxes:
            x0, y0, x1, y1 = t.box
            ax.add_patch(Rectangle((x0, y0), x1 - x0, y1 - y0, fill=False, edgecolor="#000000",
                                   linestyle="--", linewidth=0.8))
    if title:
        ax.set_title(title, fontsize=8)


def panels(count: int, columns: int, width: float, row_height: float):
    """A figure of `count` panels in rows of `columns` (each `width` x `row_height` inches); the
    unused cells of the last row are blank. Returns the figure and the list of `count` axes."""
    rows = -(-count // columns)
    fig, axes = plt.subplots(rows, columns, figsize=(width * columns, row_height * rows), squeeze=False)
    for ax in axes.flat[count:]:
        ax.axis("off")
    return fig, list(axes.flat[:count])


def scene_grid(scenes: list[Scene], titles: list[str], title: str, columns: int = 4, boxes: bool = False,
               size: float = 1.9):
    """Several scenes side by side, each with a short caption; returns the SVG."""
    with plt.rc_context(STYLE):
        fig, axes = panels(len(scenes), columns, size, size + 0.3)
        for ax, scene, caption in zip(axes, scenes, titles):
            draw_scene(ax, scene, boxes=boxes, title=caption)
        fig.tight_layout()
        return to_svg(fig, title)


# --- placing and naming objects -----------------------------------------------------------------

PLACES = ("top left", "top", "top right", "left", "centre", "right", "bottom left", "bottom", "bottom right")


def place(names, generator: np.random.Generator, min_size: float = 0.16, max_size: float = 0.26,
          tries: int = 200) -> Scene:
    """Put the named objects on the canvas without overlaps (an object that finds no room is left out,
    so the scene always lists exactly what is drawn)."""
    things: list[Thing] = []
    for name in names:
        colour, shape = name.split()
        for _ in range(tries):
            size = float(generator.uniform(min_size, max_size))
            x, y = (float(v) for v in generator.uniform(size / 2 + 0.02, 1 - size / 2 - 0.02, size=2))
            thing = Thing(shape, colour, round(x, 3), round(y, 3), round(size, 3))
            if not any(boxes_overlap(thing.box, t.box) for t in things):
                things.append(thing)
                break
    return Scene(things)


def place_word(box) -> str:
    """Where a box sits, in the words the answers use: a 3 x 3 grid over the canvas (y upwards)."""
    x, y = (box[0] + box[2]) / 2, (box[1] + box[3]) / 2
    row = 0 if y > 2 / 3 else (2 if y < 1 / 3 else 1)
    column = 0 if x < 1 / 3 else (2 if x > 2 / 3 else 1)
    return PLACES[3 * row + column]


def article(name: str) -> str:
    return ("an " if name[0] in "aeiou" else "a ") + name



# --- drawings with text and bars ------------------------------------------------------------------

def keep_indent(text: str) -> str:
    """Matplotlib drops the leading spaces of each line of a text drawn as paths; no-break spaces
    survive, so indentation does too."""
    return "\n".join("\u00a0" * (len(line) - len(line.lstrip(" "))) + line.lstrip(" ")
                     for line in text.split("\n"))


def scenes_with_text(scenes, texts, title: str, columns: int = 3, width: float = 3.0, height: float = 3.5,
                     fontsize: float = 8):
    """Scenes in a grid, each with a block of monospaced text lines underneath (`texts`: one string
    per scene)."""
    with plt.rc_context(STYLE):
        fig, axes = panels(len(scenes), columns, width, height)
        for ax, scene, text in zip(axes, scenes, texts):
            draw_scene(ax, scene)
            ax.text(0.0, -0.05, keep_indent(text), fontsize=fontsize, transform=ax.transAxes, va="top",
                    family="DejaVu Sans Mono", linespacing=1.4)
        fig.subplots_adjust(hspace=0.7, wspace=0.5)
        return to_svg(fig, title)


def grouped_bars(ax, table: dict[str, dict[str, float]], colours, tick_labels=None) -> None:
    """Shares (0 to 1) as bars grouped by the inner keys of `table`, one bar per outer key, each bar
    hatched in turn (so that they differ without colour) and labelled with its value; the legend sits
    above the axes."""
    series = list(table)
    groups = list(next(iter(table.values())))
    width = 0.8 / len(series)
    for i, name in enumerate(series):
        xs = np.arange(len(groups)) + (i - (len(series) - 1) / 2) * width
        values = [table[name][g] for g in groups]
        ax.bar(xs, values, width, label=name, color=colours[i % len(colours)], hatch=["", "//", "\\\\"][i % 3],
               edgecolor="#333333", linewidth=0.5)
        for x, v in zip(xs, values):
            ax.text(x, v + 0.02, f"{v:.2f}", ha="center", fontsize=8)
    ax.set_xticks(np.arange(len(groups)), tick_labels or groups)
    ax.set_ylim(0, 1.15)
    handles, labels = ax.get_legend_handles_labels()
    ax.legend(handles, labels, frameon=False, fontsize=8, loc="upper center", ncol=len(labels),
              bbox_to_anchor=(0.5, 1.2))


# --- tiny models --------------------------------------------------------------------------------

class LogisticRegression:
    """Binary logistic regression by full-batch gradient descent with L2: deterministic, a few ms."""

    def __init__(self, l2: float = 1e-3, steps: int = 500, rate: float = 0.5):
        self.l2, self.steps, self.rate = l2, steps, rate

    def fit(self, x: np.ndarray, y: np.ndarray) -> "LogisticRegression":
        x = np.asarray(x, dtype=float)
        y = np.asarray(y, dtype=float)
        self.w = np.zeros(x.shape[1])
        self.b = 0.0
        for _ in range(self.steps):
            p = self.predict_proba(x)
            self.w -= self.rate * (x.T @ (p - y) / len(y) + self.l2 * self.w)
            self.b -= self.rate * float(np.mean(p - y))
        return self

    def predict_proba(self, x: np.ndarray) -> np.ndarray:
        return 1 / (1 + np.exp(-(np.asarray(x, dtype=float) @ self.w + self.b)))

    def predict(self, x: np.ndarray) -> np.ndarray:
        return (self.predict_proba(x) >= 0.5).astype(int)


def accuracy(predicted, truth) -> float:
    predicted, truth = np.asarray(predicted), np.asarray(truth)
    return float((predicted == truth).mean()) if len(truth) else float("nan")


def tokens(text: str) -> list[str]:
    return "".join(c.lower() if c.isalnum() else " " for c in text).split()


def vocabulary(texts) -> dict[str, int]:
    """Word -> column, in sorted order (deterministic)."""
    return {word: i for i, word in enumerate(sorted({w for t in texts for w in tokens(t)}))}


def bag_of_words(texts, vocab: dict[str, int]) -> np.ndarray:
    """Counts of each vocabulary word: a representation that ignores word order."""
    matrix = np.zeros((len(texts), len(vocab)))
    for row, text in enumerate(texts):
        for word in tokens(text):
            if word in vocab:
                matrix[row, vocab[word]] += 1
    return matrix


def split(n: int, test_fraction: float, generator: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Shuffled train and test indices."""
    order = generator.permutation(n)
    cut = int(round(n * (1 - test_fraction)))
    return np.sort(order[:cut]), np.sort(order[cut:])


def dedupe(items, key=lambda item: item) -> tuple[list, int]:
    """Items with duplicate keys removed (first kept), and how many were removed."""
    seen, kept = set(), []
    for item in items:
        k = key(item)
        if k not in seen:
            seen.add(k)
            kept.append(item)
    return kept, len(items) - len(kept)
