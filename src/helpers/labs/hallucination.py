"""Plumbing for the hallucination lab: a toy world whose objects have habits (each one usually appears
with a partner), the annotation text a text-only teacher reads, the wording of answers and how to read
their claims back, the weak "vision encoder" of the probe, and the drawings."""
from __future__ import annotations

import re

import matplotlib.pyplot as plt
import numpy as np

from . import common
from .common import PLACES, article, grouped_bars, keep_indent, place, place_word, scenes_with_text  # noqa: F401

CHAPTER = "hallucination"
TITLE = "Negative instructions against yes-bias"
QUESTION = ("Does adding verified questions about absent objects, including plausible ones, stop a model "
            "trained on affirmative instructions from answering yes to everything?")
MIRRORS = ["liu2024mitigating", "hu2023ciem"]
SKILLS = "negative sampling from annotations, answer verification, measuring a yes-bias"
MINUTES = 40
MEASURES = True

OBJECTS = sorted(f"{colour} {shape}" for colour in common.COLOURS for shape in common.SHAPES)
_NAME = r"(%s) (%s)" % ("|".join(common.COLOURS), "|".join(common.SHAPES))
_CLAIM = re.compile(_NAME + r" \(([a-z ]+)\)")


# --- the toy world --------------------------------------------------------------------------------

def habits(seed: int = 0) -> dict[str, str]:
    """The world's co-occurrence: every object has one partner that usually appears with it."""
    order = common.rng(seed).permutation(len(OBJECTS))
    partner = {}
    for a, b in zip(order[::2], order[1::2]):
        partner[OBJECTS[a]], partner[OBJECTS[b]] = OBJECTS[b], OBJECTS[a]
    return dict(sorted(partner.items()))


# --- what the teacher reads and writes -----------------------------------------------------------

def annotation(scene: common.Scene) -> str:
    """The scene as a text-only teacher sees it: one line per object, its name and box."""
    # full precision (%g): rounding would move objects that sit near a grid line into the wrong place
    return "\n".join(f"{t.name} [{', '.join(f'{v:g}' for v in t.box)}]" for t in scene.things)


def read_annotation(text: str) -> dict[str, tuple[float, ...]]:
    """Object name -> box, parsed back from `annotation` text."""
    boxes = {}
    for line in text.splitlines():
        name, numbers = line.split(" [")
        boxes[name] = tuple(float(v) for v in numbers.rstrip("]").split(", "))
    return boxes


def say_yes(name: str, where: str) -> str:
    return f"Yes, there is {article(name)} ({where})."


def say_no(name: str, shown: dict[str, str]) -> str:
    """Deny the object and say what the picture does show, with places (LRV-style corrective answer)."""
    listed = " and ".join(f"{article(n)} ({w})" for n, w in sorted(shown.items()))
    return f"No, there is no {name}. The picture shows {listed}."


def claims(response: str) -> list[tuple[str, str]]:
    """Every (object, place) the response asserts is in the picture; a denied object has no place."""
    return [(f"{colour} {shape}", where) for colour, shape, where in _CLAIM.findall(response)]


# --- the probe's weak vision encoder --------------------------------------------------------------

CLUES = ("object seen", "colour seen", "shape seen", "partner seen")
# Noise of each clue: the encoder sees colours, shapes and context well, but binding a colour to a
# shape (recognising the object itself) is its weak point, as it is for real vision encoders.
NOISE = (0.8, 0.3, 0.3, 0.3)


def glimpse(items, scenes, partner: dict[str, str], generator: np.random.Generator,
            noise=NOISE) -> np.ndarray:
    """What a weak vision encoder reports about each item's object: noisy evidence that the object,
    its colour, its shape and its usual partner are in the picture (one column per CLUES entry)."""
    clean = np.zeros((len(items), len(CLUES)))
    for row, item in enumerate(items):
        scene = scenes[item["scene"]]
        colour, shape = item["object"].split()
        clean[row] = (item["object"] in scene.names(), scene.count(colour=colour) > 0,
                      scene.count(shape=shape) > 0, partner[item["object"]] in scene.names())
    return clean + generator.normal(0.0, 1.0, clean.shape) * np.asarray(noise)


def rates(predicted, items) -> dict[str, float]:
    """Share of 'yes' predictions for each kind of question (for present objects this is the accuracy,
    for absent ones the hallucination rate)."""
    predicted = np.asarray(predicted)
    kinds = sorted({item["kind"] for item in items}, key=lambda kind: (kind != "present", kind))
    return {kind: float(np.mean([p for p, item in zip(predicted, items) if item["kind"] == kind]))
            for kind in kinds}


# --- drawings ------------------------------------------------------------------------------------

def sample_figure(items, scenes, n_scenes: int = 4, columns: int = 2):
    """The first `n_scenes` scenes that have items, each with one line per item underneath: the answer,
    the object asked about and the kind of question."""
    chosen = sorted({item["scene"] for item in items})[:n_scenes]
    texts = ["\n".join(f"{item['answer']:<3}  {item['object']} ({item['kind']})"
                       for item in items if item["scene"] == scene) for scene in chosen]
    return scenes_with_text([scenes[s] for s in chosen], texts,
                            "Generated yes/no instructions and their scenes", columns=columns, width=3.2,
                            height=3.3, fontsize=8.5)


def measurement_figure(table: dict[str, dict[str, float]]):
    """Grouped bars: for each probe, the yes-rate on each kind of question."""
    kinds = list(next(iter(table.values())))
    with plt.rc_context(common.STYLE):
        fig, ax = plt.subplots(figsize=(6.4, 2.9))
        grouped_bars(ax, table, [common.OKABE_ITO[4], common.OKABE_ITO[0]],
                     [k if k == "present" else f"absent: {k}" for k in kinds])
        ax.set_ylabel("share answered 'yes'")
        return common.to_svg(fig, "Yes-rate of each probe on present and absent objects")


def thumbnail():
    """A scene, one present-object question and one absent-distractor question, with their answers."""
    scene = place(["blue square", "yellow circle", "red triangle"], common.rng(4))
    with plt.rc_context(common.STYLE):
        fig, (ax, text) = plt.subplots(1, 2, figsize=(3.2, 2.0), gridspec_kw={"width_ratios": [1, 1.1]})
        common.draw_scene(ax, scene)
        text.axis("off")
        lines = [("Is there a blue square?", "Yes", common.OKABE_ITO[2]),
                 ("Is there a green square?", "No", common.OKABE_ITO[5])]
        for i, (q, a, colour) in enumerate(lines):
            text.text(0.0, 0.78 - 0.45 * i, q, fontsize=7.5, va="center")
            text.text(0.0, 0.62 - 0.45 * i, a, fontsize=9, fontweight="bold", color=colour, va="center")
        return common.to_svg(fig, "A toy scene with a present-object and an absent-object question")
