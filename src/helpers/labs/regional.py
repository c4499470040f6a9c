"""Plumbing for the regional lab: referring expressions and relation statements written from toy
scenes with exact boxes, a noisy describer that errs as region-captioning models do, the geometry a
verifier needs (parsing a phrase back to objects, relations between boxes) and the drawings. The
page keeps the templates, the verifier and the filter."""
from __future__ import annotations

import textwrap
from dataclasses import dataclass

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.patches import Rectangle

from . import common

CHAPTER = "regional"
TITLE = "Region descriptions checked against their boxes"
QUESTION = ("Which mistakes of a model that describes regions can exact boxes catch, and how strict "
            "should the box check be?")
MIRRORS = ["guo2024regiongpt", "deng2025coconutpancap", "awal2024vismin"]
SKILLS = "referring expressions, box verification with IoU, spatial relations, rebalancing"
MINUTES = 40
MEASURES = False

RELATIONS = ("left of", "right of", "above", "below")
OPPOSITE = {"left of": "right of", "right of": "left of", "above": "below", "below": "above"}
FAULTS = ("wrong object", "absent object", "ambiguous phrase", "loose box", "swapped relation")

Box = tuple[float, float, float, float]


# --- phrases and geometry -----------------------------------------------------------------------

def referring_expression(scene: common.Scene, thing: common.Thing) -> str:
    """The shortest phrase that picks out exactly one object: its shape alone if no other object
    has that shape, otherwise colour and shape (names are unique in a toy scene)."""
    if scene.count(shape=thing.shape) == 1:
        return f"the {thing.shape}"
    return f"the {thing.colour} {thing.shape}"


def resolve(scene: common.Scene, phrase: str) -> list[common.Thing]:
    """Every object of the scene that a phrase could mean, read word by word."""
    words = set(common.tokens(phrase))
    return [t for t in scene.things if t.shape in words and (t.colour in words or not words & set(common.COLOURS))]


def holds(relation: str, a: Box, b: Box) -> bool:
    """A relation between two boxes, strictly: 'left of' means a ends before b begins, so that no
    pair is both left of and right of each other (y points up, as in common.draw_scene)."""
    return {"left of": a[2] <= b[0], "right of": a[0] >= b[2],
            "above": a[1] >= b[3], "below": a[3] <= b[1]}[relation]


def inside(box: Box) -> bool:
    x0, y0, x1, y1 = box
    return 0 <= x0 < x1 <= 1 and 0 <= y0 < y1 <= 1


def _round(box) -> Box:
    return tuple(round(float(v), 2) for v in box)


# --- samples ------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Sample:
    """One training line: a region (one phrase and its box) or a relation between two regions."""
    scene: int  # index into the list of scenes
    phrases: tuple[str, ...]
    boxes: tuple[Box, ...]
    relation: str | None = None
    fault: str = "none"  # bookkeeping for the lesson; the verifier never reads it

    @property
    def text(self) -> str:
        regions = [f"{p} {list(b)}" for p, b in zip(self.phrases, self.boxes)]
        return regions[0] if self.relation is None else f"{regions[0]} is {self.relation} {regions[1]}"


def _jitter(box: Box, generator: np.random.Generator, amount: float = 0.012) -> Box:
    """A careful describer's box: the true one, off by a pixel or two on each side."""
    return _round(np.clip(np.array(box) + generator.uniform(-amount, amount, 4), 0, 1))


def _loosen(box: Box, generator: np.random.Generator) -> Box:
    """A sloppy box: 1.3 to 2.2 times too wide and high, and off-centre; it may leave the image."""
    x0, y0, x1, y1 = box
    scale, (dx, dy) = generator.uniform(1.3, 2.2), generator.uniform(-0.06, 0.06, 2)
    cx, cy, hw, hh = (x0 + x1) / 2 + dx, (y0 + y1) / 2 + dy, scale * (x1 - x0) / 2, scale * (y1 - y0) / 2
    return _round((cx - hw, cy - hh, cx + hw, cy + hh))


def describe(scene: common.Scene, index: int, generator: np.random.Generator, rates: dict[str, float],
             n_relations: int = 2, prefer: str | None = "left of", jitter: float = 0.012) -> list[Sample]:
    """What a region-captioning model might write about one scene: a phrase and box per object, and
    relation statements about a few pairs. Its careful boxes are off by up to `jitter` on each side;
    it favours the relation `prefer` when several hold, as models favour some words; and it makes
    each fault in `rates` with that probability per sample."""
    things = scene.things
    samples = [Sample(index, (referring_expression(scene, t),), (_jitter(t.box, generator, jitter),)) for t in things]
    pairs = [(a, b) for a in things for b in things if a is not b and any(holds(r, a.box, b.box) for r in RELATIONS)]
    for k in generator.permutation(len(pairs))[:n_relations]:
        a, b = pairs[k]
        true = [r for r in RELATIONS if holds(r, a.box, b.box)]
        relation = prefer if prefer in true else true[int(generator.integers(len(true)))]
        samples.append(Sample(index, (referring_expression(scene, a), referring_expression(scene, b)),
                              (_jitter(a.box, generator, jitter), _jitter(b.box, generator, jitter)), relation))
    return [_fault(s, scene, generator, rates) for s in samples]


def _fault(sample: Sample, scene: common.Scene, generator: np.random.Generator, rates: dict[str, float]) -> Sample:
    """Apply at most one fault to a sample; faults that cannot apply leave it clean."""
    edges = np.cumsum([rates.get(name, 0.0) for name in FAULTS])  # the draw picks the first share it falls in
    index = int(np.searchsorted(edges, generator.random(), side="right"))
    fault = FAULTS[index] if index < len(FAULTS) else "none"
    phrases, boxes, relation = list(sample.phrases), list(sample.boxes), sample.relation
    first = resolve(scene, phrases[0])[0]
    if fault == "wrong object":  # the phrase is right, the box belongs to another object
        other = [t for t in scene.things if t != first]
        boxes[0] = _jitter(other[int(generator.integers(len(other)))].box, generator)
    elif fault == "absent object":  # a colour the scene does not have for this shape
        missing = [c for c in common.COLOURS if f"{c} {first.shape}" not in scene.names()]
        phrases[0] = f"the {missing[int(generator.integers(len(missing)))]} {first.shape}"
    elif fault == "ambiguous phrase" and scene.count(shape=first.shape) > 1:
        phrases[0] = f"the {first.shape}"
    elif fault == "loose box":
        boxes[0] = _loosen(first.box, generator)
    elif fault == "swapped relation" and relation is not None:
        relation = OPPOSITE[relation]
    else:
        fault = "none"
    return Sample(sample.scene, tuple(phrases), tuple(boxes), relation, fault)


# --- drawings -----------------------------------------------------------------------------------

def draw_sample(ax, scene: common.Scene, sample: Sample, good: bool) -> None:
    """The scene, and the sample's boxes as the describer gave them (clipped to the canvas)."""
    common.draw_scene(ax, scene)
    colour = common.OKABE_ITO[2] if good else common.OKABE_ITO[5]
    for number, box in enumerate(sample.boxes, start=1):
        x0, y0, x1, y1 = box
        ax.add_patch(Rectangle((x0, y0), x1 - x0, y1 - y0, fill=False, edgecolor=colour, linewidth=2,
                               linestyle="-" if number == 1 else "--", clip_on=True))
        ax.text(min(max(x0, 0.0), 0.93) + 0.01, min(max(y1, 0.0), 0.93) + 0.01, str(number), fontsize=8,
                color=colour, fontweight="bold", clip_on=True)


def sample_figure(scenes: list[common.Scene], samples: list[Sample], reasons: list[list[str]], columns: int = 3):
    """Each sample over its scene, with its text and the verifier's verdict underneath."""
    with plt.rc_context(common.STYLE):
        fig, axes = common.panels(len(samples), columns, 2.6, 3.7)
        for ax, sample, why in zip(axes, samples, reasons):
            draw_sample(ax, scenes[sample.scene], sample, good=not why)
            verdict = "kept" if not why else "rejected: " + "; ".join(why)
            lines = textwrap.wrap(sample.text, 30) + textwrap.wrap(verdict, 30)
            ax.text(0, -0.04, "\n".join(lines), transform=ax.transAxes, fontsize=9, va="top",
                    color=common.OKABE_ITO[2] if not why else common.OKABE_ITO[5])
        fig.subplots_adjust(hspace=0.75, wspace=0.12)
        return common.to_svg(fig, "Region descriptions with the boxes the describer gave")


def threshold_figure(thresholds, loose_accepted, clean_rejected, chosen: float):
    """How the IoU threshold trades sloppy boxes let through against careful boxes thrown away."""
    with plt.rc_context(common.STYLE):
        fig, ax = plt.subplots(figsize=(5.6, 3.2))
        ax.plot(thresholds, loose_accepted, "-o", markersize=4, label="loose boxes accepted")
        ax.plot(thresholds, clean_rejected, "--s", markersize=4, label="careful boxes rejected")
        ax.axvline(chosen, color="#777777", linestyle=":", linewidth=1.2)
        ax.text(chosen + 0.01, 0.9, f"IOU_MIN = {chosen:g}", fontsize=8, color="#555555")
        ax.set_xlabel("IoU threshold of the box check")
        ax.set_ylabel("fraction of boxes")
        ax.set_ylim(-0.03, 1.03)
        ax.legend(fontsize=8, loc="upper right")
        fig.tight_layout()
        return common.to_svg(fig, "Errors of the box check against its IoU threshold")


def thumbnail():
    """A scene with one careful and one loose box."""
    generator = common.rng(5)
    scene = common.random_scene(generator, n_things=3)
    thing = scene.things[0]
    good = Sample(0, (referring_expression(scene, thing),), (_jitter(thing.box, generator),))
    bad = Sample(0, (referring_expression(scene, scene.things[1]),), (_loosen(scene.things[1].box, generator),))
    with plt.rc_context(common.STYLE):
        fig, axes = plt.subplots(1, 2, figsize=(3.0, 2.0))
        draw_sample(axes[0], scene, good, good=True)
        draw_sample(axes[1], scene, bad, good=False)
        fig.tight_layout()
        return common.to_svg(fig, "A careful and a loose region box")
