"""Plumbing for the instruction-tuning lab: the symbolic view of a scene (captions and boxes) that a
text-only teacher reads, the wording of facts as sentences and the reading of sentences back into
facts, and the drawings."""
from __future__ import annotations

import re

import matplotlib.pyplot as plt
import numpy as np

from . import common
from .common import PLACES, article, keep_indent, place_word  # noqa: F401 - place_word is re-exported

CHAPTER = "instruction-tuning"
TITLE = "From captions and boxes to checked conversations"
QUESTION = ("How does a text-only teacher turn captions and boxes into conversations, descriptions and "
            "reasoning questions, and how many of its mistakes can a verifier that reads the scene catch?")
MIRRORS = ["liu2023visual"]
SKILLS = "symbolic image representations, claim extraction, verification, filtering"
MINUTES = 40
MEASURES = False

NUMBERS = ("no", "one", "two", "three", "four", "five", "six")
_COLOUR = "|".join(common.COLOURS)
_SHAPE = "|".join(common.SHAPES)
_NAME = rf"((?:{_COLOUR}) (?:{_SHAPE}))"
_PLACE = "|".join(PLACES)


# --- the teacher's input ---------------------------------------------------------------------------

def symbolic(scene: common.Scene, generator: np.random.Generator) -> str:
    """LLaVA's textual stand-in for an image, in miniature: a few captions, then one box per object."""
    names = [t.name for t in scene.things]
    shapes = sorted({t.shape for t in scene.things})
    first = article(names[0])
    captions = [f"{first[0].upper()}{first[1:]} and {article(names[1])} among other shapes.",
                f"A simple picture with {len(names)} shapes on a white background.",
                f"Some {' and '.join(s + 's' for s in shapes)} drawn in flat colours."]
    order = generator.permutation(len(captions))
    lines = ["Captions:"] + [captions[i] for i in order[:2]] + ["Boxes (x0, y0, x1, y1; y upwards):"]
    lines += [f"{t.name}: [{', '.join(f'{v:g}' for v in t.box)}]" for t in scene.things]
    return "\n".join(lines)


def read_boxes(text: str) -> dict[str, tuple[float, ...]]:
    """Object name -> box, from the box lines of a `symbolic` text."""
    boxes = {}
    for line in text.split("Boxes")[1].splitlines()[1:]:
        name, numbers = line.split(": [")
        boxes[name] = tuple(float(v) for v in numbers.rstrip("]").split(", "))
    return boxes


# --- facts <-> sentences ---------------------------------------------------------------------------
# A fact is a tuple: ("count", shape, n), ("total", n), ("colour", shape, colour), ("place", name, place),
# ("left", a, b) meaning a is to the left of b, ("exists", name), ("more", shape_a, shape_b, holds).

def plural(shape: str, n: int) -> str:
    return shape if n == 1 else shape + "s"


def say(fact: tuple) -> str:
    """One sentence stating a fact."""
    kind = fact[0]
    if kind == "count":
        _, shape, n = fact
        verb = "is" if n == 1 else "are"
        return f"There {verb} {NUMBERS[n]} {plural(shape, n)}."
    if kind == "total":
        return f"The picture shows {NUMBERS[fact[1]]} {plural('object', fact[1])}."
    if kind == "colour":
        return f"The {fact[1]} is {fact[2]}."
    if kind == "place":
        return f"The {fact[1]} is at the {fact[2]}."
    if kind == "left":
        return f"The {fact[1]} is to the left of the {fact[2]}."
    if kind == "exists":
        return f"There is also {article(fact[1])}."
    if kind == "more":
        _, a, b, holds = fact
        return f"So there are {'' if holds else 'not '}more {a}s than {b}s."
    raise ValueError(f"unknown fact {fact!r}")


_READERS = [
    (re.compile(rf"There (?:is|are) ({'|'.join(NUMBERS)}) ({_SHAPE})s?\."),
     lambda m: ("count", m[2], NUMBERS.index(m[1]))),
    (re.compile(rf"The picture shows ({'|'.join(NUMBERS)}) objects?\."),
     lambda m: ("total", NUMBERS.index(m[1]))),
    (re.compile(rf"The ({_SHAPE}) is ({_COLOUR})\."), lambda m: ("colour", m[1], m[2])),
    (re.compile(rf"The {_NAME} is at the ({_PLACE})\."), lambda m: ("place", m[1], m[2])),
    (re.compile(rf"The {_NAME} is to the left of the {_NAME}\."), lambda m: ("left", m[1], m[2])),
    (re.compile(rf"The {_NAME} is to the right of the {_NAME}\."), lambda m: ("left", m[2], m[1])),
    (re.compile(rf"There is also an? {_NAME}\."), lambda m: ("exists", m[1])),
    (re.compile(rf"So there are (not )?more ({_SHAPE})s than ({_SHAPE})s\."),
     lambda m: ("more", m[2], m[3], not m[1])),
]


def sentences(text: str) -> list[str]:
    return [s for s in re.split(r"(?<=[.?!])\s+", text.strip()) if s]


def read_fact(sentence: str) -> tuple | None:
    """The fact a sentence states, or None if it states nothing this lab can check."""
    for pattern, build in _READERS:
        match = pattern.fullmatch(sentence.strip())
        if match:
            return build(match)
    return None


# --- drawings ------------------------------------------------------------------------------------

def _wrap(text: str, width: int) -> str:
    lines, line = [], ""
    for word in text.split():
        if line and len(line) + len(word) + 1 > width:
            lines.append(line)
            line = "   " + word
        else:
            line = f"{line} {word}" if line else word
    return "\n".join(lines + [line])


def sample_figure(samples, scenes, marks, width: int = 56):
    """One row per sample: its scene, then its turns; `marks[i]` maps an assistant sentence of sample i
    to a mark (for example 'x' for a false claim)."""
    with plt.rc_context(common.STYLE):
        fig, axes = plt.subplots(len(samples), 2, figsize=(6.6, 1.9 * len(samples)), squeeze=False,
                                 gridspec_kw={"width_ratios": [1, 3.2]})
        for (ax, text_ax), sample, mark in zip(axes, samples, marks):
            common.draw_scene(ax, scenes[sample["scene"]])
            lines = [f"[{sample['kind']}]"]
            for role, text in sample["turns"]:
                if role == "user":
                    lines.append(_wrap(f"Q: {text}", width))
                else:
                    lines += [_wrap(f"{mark.get(s, ' ')} {s}", width) for s in sentences(text)]
            text_ax.axis("off")
            text_ax.text(0.0, 1.0, keep_indent("\n".join(lines)), va="top", fontsize=8,
                         family="DejaVu Sans Mono", linespacing=1.35, transform=text_ax.transAxes)
        fig.subplots_adjust(hspace=0.25, wspace=0.05)
        return common.to_svg(fig, "Generated samples and the verifier's verdicts")


def thumbnail():
    """A scene, the boxes the teacher reads, and one checked sentence of each verdict."""
    scene = common.random_scene(common.rng(5), n_things=3)
    left, right = sorted(scene.things, key=lambda t: t.x)[::2]
    good, bad = common.OKABE_ITO[2], common.OKABE_ITO[5]
    lines = [("Boxes only:", "#333333"), (f"{left.name} [{left.box[0]:.2f}, ...]", "#333333"),
             (f"+ The {left.name} is to the", good), (f"   left of the {right.name}.", good),
             (f"x The {right.name} is to the", bad), (f"   left of the {left.name}.", bad)]
    with plt.rc_context(common.STYLE):
        fig, (ax, text) = plt.subplots(1, 2, figsize=(3.2, 2.0), gridspec_kw={"width_ratios": [1, 1.15]})
        common.draw_scene(ax, scene, boxes=True)
        text.axis("off")
        for i, (line, colour) in enumerate(lines):
            text.text(0.0, 0.92 - 0.16 * i, line, fontsize=6.5, color=colour, va="center")
        return common.to_svg(fig, "A scene with its boxes and a true and a false generated sentence")
