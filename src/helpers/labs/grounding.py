"""Plumbing for the grounding lab: patterned toy objects whose four attributes form a small concept tree
(shape, colour, pattern, pattern colour), their placement in scenes with exact boxes, a weak "vision
encoder" for a tiny recogniser, scene-level decisions, and the drawings. The page keeps the concept,
the synthesis plan, the noisy renderer, the verifier and the measurement."""
from __future__ import annotations

from dataclasses import dataclass

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.patches import Rectangle

from . import common

CHAPTER = "grounding"
TITLE = "A personal concept with synthetic look-alikes"
QUESTION = ("Do synthetic look-alikes that differ from a user's object in one attribute keep a tiny "
            "recogniser from mistaking them for that object?")
MIRRORS = ["an2025conceptastree"]
SKILLS = "concept trees, positive and hard-negative synthesis, label verification, false-positive rates"
MINUTES = 40
MEASURES = True

PATTERNS = ("stripes", "stars", "checks")
# The leaves of the concept tree: every attribute dimension and the values it can take.
VALUES = {"shape": common.SHAPES, "colour": tuple(common.COLOURS), "pattern": PATTERNS,
          "accent": tuple(common.COLOURS)}
DIMENSIONS = tuple(VALUES)


@dataclass(frozen=True)
class Item(common.Thing):
    """A toy object with a pattern drawn over it in a second colour (the accent)."""
    pattern: str = "stripes"
    accent: str = "black"

    @property
    def attributes(self) -> dict[str, str]:
        return {"shape": self.shape, "colour": self.colour, "pattern": self.pattern, "accent": self.accent}

    @property
    def name(self) -> str:
        return describe_attributes(self.attributes)


def describe_attributes(attributes: dict[str, str]) -> str:
    return f"{attributes['colour']} {attributes['shape']} with {attributes['accent']} {attributes['pattern']}"


def valid(attributes: dict[str, str]) -> bool:
    """A pattern must be visible: its colour differs from the body's."""
    return attributes["accent"] != attributes["colour"] and all(attributes[d] in VALUES[d] for d in DIMENSIONS)


def differences(a: dict[str, str], b: dict[str, str]) -> list[str]:
    """The attribute dimensions in which two objects differ."""
    return [d for d in DIMENSIONS if a[d] != b[d]]


def random_attributes(generator: np.random.Generator) -> dict[str, str]:
    shape, colour, accent, pattern = generator.integers(0, (3, 8, 7, 3))  # one call: cheap
    colours = VALUES["colour"]
    return {"shape": VALUES["shape"][shape], "colour": colours[colour],
            "pattern": PATTERNS[pattern], "accent": colours[accent + (accent >= colour)]}  # never the body colour


def show_tree(name: str, category: str, concept: dict[str, str]) -> str:
    """The concept as a tree: the category at the root, one branch per attribute, the values as leaves."""
    lines = [f"{name} ({category})"]
    for i, dimension in enumerate(DIMENSIONS):
        lines.append(f"{'└──' if i == len(DIMENSIONS) - 1 else '├──'} {dimension}: {concept[dimension]}")
    return "\n".join(lines)


# --- scenes --------------------------------------------------------------------------------------

def place(objects: list[dict[str, str]], generator: np.random.Generator, min_size: float = 0.2,
          max_size: float = 0.3, tries: int = 100) -> common.Scene:
    """Put objects (attribute dictionaries) on the unit canvas without overlaps, in the given order. An
    object that finds no room is left out, so the scene lists exactly what is drawn."""
    things: list[Item] = []
    for attributes in objects:
        for _ in range(tries):
            size = round(float(generator.uniform(min_size, max_size)), 3)
            x, y = (round(float(v), 3) for v in generator.uniform(size / 2 + 0.02, 1 - size / 2 - 0.02, size=2))
            item = Item(x=x, y=y, size=size, **attributes)
            if not any(common.boxes_overlap(item.box, other.box) for other in things):
                things.append(item)
                break
    return common.Scene(things)


def describe(scene: common.Scene) -> list[dict[str, str]]:
    """What a describer reports about a photo: the attributes of every object in it."""
    return [thing.attributes for thing in scene.things]


# --- the recogniser's weak vision encoder --------------------------------------------------------

# Noise per dimension: the encoder sees shape and colour well and the fine pattern less well,
# as real encoders resolve coarse properties better than texture.
NOISE = {"shape": 0.15, "colour": 0.15, "pattern": 0.3, "accent": 0.3}


def encode(items, generator: np.random.Generator, noise: dict[str, float] = NOISE) -> np.ndarray:
    """One row per object crop: a noisy one-hot block for each attribute dimension."""
    blocks = []
    for dimension in DIMENSIONS:
        values = VALUES[dimension]
        onehot = np.eye(len(values))[[values.index(getattr(item, dimension)) for item in items]]
        blocks.append(onehot.reshape(len(items), len(values)) + generator.normal(0, noise[dimension], (len(items), len(values))))
    return np.hstack(blocks)


def scene_decisions(model, scenes, generator: np.random.Generator, concept: dict[str, str],
                    noise: dict[str, float] = NOISE) -> list[dict]:
    """For each scene: whether the recogniser says the concept is there (its best crop scores at least
    0.5), the box of that best crop, and whether that crop really is the concept (it found and grounded it)."""
    crops = [thing for scene in scenes for thing in scene.things]
    scores = model.predict_proba(encode(crops, generator, noise))  # every crop of every scene at once
    decisions, start = [], 0
    for scene in scenes:
        mine = scores[start:start + len(scene.things)]
        start += len(scene.things)
        best = scene.things[int(np.argmax(mine))]
        decisions.append({"says_present": bool(mine.max() >= 0.5), "box": best.box,
                          "grounded": bool(mine.max() >= 0.5 and best.attributes == concept)})
    return decisions


# --- drawings ------------------------------------------------------------------------------------

HATCHES = {"stripes": "--", "stars": "*", "checks": "++"}  # the pattern drawn in the accent colour (no dot hatch: 75 KB of SVG per colour)


def draw_items(ax, scene: common.Scene, box=None, label: str | None = None, title: str | None = None) -> None:
    """Draw a scene of patterned items; optionally a dashed box with a label (the grounding answer)."""
    common.draw_scene(ax, scene, title=title)
    for item, patch in zip(scene.things, ax.patches[-len(scene.things):]):  # one patch per item, in order
        patch.set_hatch(HATCHES[item.pattern])
        patch.set_hatchcolor(common.COLOURS[item.accent])
        patch.set_hatch_linewidth(2.0)
    if box is not None:
        x0, y0, x1, y1 = box[0] - 0.02, box[1] - 0.02, box[2] + 0.02, box[3] + 0.02  # a margin, to stay visible
        ax.add_patch(Rectangle((x0, y0), x1 - x0, y1 - y0, fill=False, edgecolor="#000000", linestyle="--",
                               linewidth=1.2))
        ax.text(x0, y1 + 0.02 if y1 < 0.9 else y0 - 0.09, label or "", fontsize=8, fontweight="bold")


def panels(scenes, titles, title: str, boxes=None, labels=None, columns: int = 4, size: float = 1.9):
    """Scenes in a grid with a caption each (and optional labelled boxes); returns the SVG."""
    boxes = boxes or [None] * len(scenes)
    labels = labels or [None] * len(scenes)
    with plt.rc_context(common.STYLE):
        fig, axes = common.panels(len(scenes), columns, size, size + 0.35)
        for ax, scene, caption, box, label in zip(axes, scenes, titles, boxes, labels):
            draw_items(ax, scene, box=box, label=label, title=caption)
        fig.subplots_adjust(wspace=0.08, hspace=0.35)  # cheaper than tight_layout, which draws once more
        return common.to_svg(fig, title)


def sample_figure(samples, name: str, columns: int = 4):
    """Kept and rejected samples, each titled with its kind (and the verifier's reason for a rejected
    one), with a labelled box round the main object: the concept in a positive (its grounding label), the
    look-alike, or what the renderer drew."""
    titles, boxes, labels = [], [], []
    for s in samples:
        if s.get("reason"):
            title, label = f"rejected ({s['kind']}):\n{s['reason']}", "rendered"
        elif s["kind"] == "look-alike":
            title, label = f"look-alike: other {s['changed']}", f"not {name}"
        elif s["kind"] == "positive":
            title, label = "positive", name
        else:
            title, label = "random negative", None
        titles.append(title)
        labels.append(label)
        boxes.append(s.get("box") or s["scene"].things[0].box if label else None)
    return panels([s["scene"] for s in samples], titles, "Synthesised samples of a personal concept",
                  boxes=boxes, labels=labels, columns=columns)


def measurement_figure(table: dict[str, dict[str, float]]):
    """Grouped bars: for each recogniser, the share of scenes of each kind in which it says the concept is
    there (the true-positive rate on scenes with the concept, the false-positive rate elsewhere)."""
    recognisers = list(table)
    kinds = list(next(iter(table.values())))
    with plt.rc_context(common.STYLE):
        fig, ax = plt.subplots(figsize=(7.2, 3.0))
        width = 0.8 / len(recognisers)
        for i, recogniser in enumerate(recognisers):
            xs = np.arange(len(kinds)) + (i - (len(recognisers) - 1) / 2) * width
            bars = ax.bar(xs, [table[recogniser][k] for k in kinds], width, label=recogniser,
                          color=common.OKABE_ITO[(4, 0)[i % 2]], hatch=("", "//")[i % 2], edgecolor="#333333",
                          linewidth=0.5)
            ax.bar_label(bars, fmt="%.2f", fontsize=7.5, padding=2)
        ax.axvline(0.5, color="#999999", linewidth=0.8)
        ax.set_xticks(np.arange(len(kinds)), [k.replace(": ", ":\n") for k in kinds], fontsize=8.5)
        ax.set_ylim(0, 1.18)
        ax.set_ylabel("share of scenes flagged")
        ax.legend(frameon=False, fontsize=8, loc="upper center", ncol=len(recognisers), bbox_to_anchor=(0.5, 1.2))
        return common.to_svg(fig, "How often each recogniser says the concept is in the scene")


def thumbnail():
    """The concept, with its box, next to a look-alike that changes only its pattern."""
    concept = {"shape": "square", "colour": "blue", "pattern": "stripes", "accent": "yellow"}
    generator = common.rng(5)
    scenes = [place([concept], generator, 0.5, 0.5), place([dict(concept, pattern="stars")], generator, 0.5, 0.5)]
    return panels(scenes, ["the user's Pip", "look-alike: not Pip"], "A personal concept and a look-alike",
                  boxes=[scenes[0].things[0].box, None], labels=["Pip", None], columns=2, size=1.5)
