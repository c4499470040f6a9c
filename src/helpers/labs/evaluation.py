"""Plumbing for the evaluation lab: a toy world with habits (each shape has a favourite colour), the
symbolic description a text-only question writer reads, a scene reader with imperfect eyes, a blind
baseline that answers from the question alone, and the drawings."""
from __future__ import annotations

from collections import Counter

import matplotlib.pyplot as plt
import numpy as np

from . import common
from .common import article, grouped_bars, place, scenes_with_text  # noqa: F401 - article re-exported

CHAPTER = "evaluation"
TITLE = "A generated benchmark and its quality gates"
QUESTION = ("Why must a generated benchmark recompute, deduplicate and balance its answers, and how does a "
            "blind baseline that never sees the image show what balancing changes?")
MIRRORS = ["ji2023language", "baral2025drawedumath"]
SKILLS = "answers computed from a source, benchmark quality gates, blind baselines"
MINUTES = 45
MEASURES = True

FAVOURITE = {"circle": "red", "square": "blue", "triangle": "yellow"}
# Colours that a weak eye mixes up: each maps to its look-alike.
_COLOURS = list(common.COLOURS)
LOOK_ALIKE = {"blue": "sky", "sky": "blue", "red": "orange", "orange": "red",
              "yellow": "green", "green": "yellow"}


# --- the world and its description -------------------------------------------------------------------

def world_scene(generator: np.random.Generator, favourite: float = 0.6, sizes=(2, 3, 4, 5)) -> common.Scene:
    """2 to 5 objects; each shape takes its favourite colour with probability `favourite`."""
    names: list[str] = []
    target = sizes[int(generator.integers(len(sizes)))]
    while len(names) < target:
        shape = common.SHAPES[int(generator.integers(len(common.SHAPES)))]
        if generator.random() < favourite:
            colour = FAVOURITE[shape]
        else:
            colour = _COLOURS[int(generator.integers(len(_COLOURS)))]
        if f"{colour} {shape}" not in names:
            names.append(f"{colour} {shape}")
    return place(names, generator, min_size=0.12, max_size=0.2)


def description(scene: common.Scene) -> str:
    """The scene as the question writer sees it: one line per object, left to right, with its centre."""
    return "\n".join(f"{t.name} at x={t.x:.3f}, y={t.y:.3f}" for t in sorted(scene.things, key=lambda t: t.x))


def read_description(text: str) -> list[tuple[str, float, float]]:
    """(name, x, y) for every line of a `description`."""
    rows = []
    for line in text.splitlines():
        name, where = line.split(" at ")
        x, y = (float(part.split("=")[1]) for part in where.split(", "))
        rows.append((name, x, y))
    return rows


def shapes_word(shape: str) -> str:
    return shape + "s"


# --- models that answer ----------------------------------------------------------------------------

def perceive(scene: common.Scene, generator: np.random.Generator, confuse: float = 0.1, miss: float = 0.04,
             jitter: float = 0.03) -> common.Scene:
    """What an imperfect eye sees: colours sometimes taken for their look-alike, objects sometimes
    missed, positions a little off."""
    seen = []
    for t in scene.things:
        if generator.random() < miss:
            continue
        colour = LOOK_ALIKE.get(t.colour, t.colour) if generator.random() < confuse else t.colour
        x = round(t.x + float(generator.normal(0, jitter)), 3)
        seen.append(common.Thing(t.shape, colour, x, t.y, t.size))
    return common.Scene(seen)


class MajorityAnswer:
    """A blind baseline: the most common answer seen for the same question on the dev split, else for
    the same template, else overall. It never looks at the picture."""

    def fit(self, items) -> "MajorityAnswer":
        by_question, by_template = {}, {}
        for item in items:
            by_question.setdefault(item["question"], Counter())[item["answer"]] += 1
            by_template.setdefault(item["template"], Counter())[item["answer"]] += 1
        self.by_question = {q: _top(c) for q, c in by_question.items()}
        self.by_template = {t: _top(c) for t, c in by_template.items()}
        self.overall = _top(Counter(item["answer"] for item in items))
        return self

    def predict(self, items) -> list[str]:
        return [self.by_question.get(item["question"], self.by_template.get(item["template"], self.overall))
                for item in items]


def _top(counts: Counter) -> str:
    """The most common key; ties broken alphabetically, so the result never depends on input order."""
    return min(counts, key=lambda key: (-counts[key], key))


def majority_share(items, template: str, group=lambda item: item["question"]) -> float:
    """Share of a template's items whose answer is the most common one of their group: what a guesser
    who knows only each group's habit gets right."""
    groups: dict = {}
    for item in items:
        if item["template"] == template:
            groups.setdefault(group(item), Counter())[item["answer"]] += 1
    total = sum(sum(counts.values()) for counts in groups.values())
    return sum(max(counts.values()) for counts in groups.values()) / total if total else float("nan")


# --- drawings ------------------------------------------------------------------------------------

def sample_figure(items, scenes, marked=frozenset(), n_scenes: int = 4, columns: int = 2):
    """Questions and answers under their scenes; a dot marks the (scene, question) pairs in `marked`."""
    chosen = sorted({item["scene"] for item in items})[:n_scenes]
    def line(item):
        star = "*" if (item["scene"], item["question"]) in marked else " "
        return f"{star} {item['question']} {item['answer']}"

    texts = ["\n".join(line(item) for item in items if item["scene"] == scene) for scene in chosen]
    return scenes_with_text([scenes[s] for s in chosen], texts, "Benchmark questions with answers computed "
                            "from their scenes", columns=columns, width=3.7, height=3.4, fontsize=7.5)


def balance_figure(shares: dict[str, dict[str, float]]):
    """For each template, the share of its most common answer before and after balancing."""
    with plt.rc_context(common.STYLE):
        fig, ax = plt.subplots(figsize=(6.0, 2.8))
        grouped_bars(ax, shares, [common.OKABE_ITO[0], common.OKABE_ITO[4]])
        ax.set_ylabel("right by top answer of group")
        return common.to_svg(fig, "Share of questions right by their group's top answer, before and after "
                                  "balancing")


def measurement_figure(table: dict[str, dict[str, float]]):
    """Accuracy of each model (bars) on each version of the benchmark (groups)."""
    with plt.rc_context(common.STYLE):
        fig, ax = plt.subplots(figsize=(5.2, 2.8))
        grouped_bars(ax, table, [common.OKABE_ITO[7], common.OKABE_ITO[2], common.OKABE_ITO[6]])
        ax.set_ylabel("accuracy")
        return common.to_svg(fig, "Accuracy of a blind baseline and a scene reader on both benchmarks")


def thumbnail():
    """A scene with three generated questions and their computed answers."""
    scene = world_scene(common.rng(11), sizes=(4,))
    lines = [f"How many {shapes_word(s)}? {scene.count(shape=s)}" for s in ("circle", "square")]
    lines.append(f"Is there a red circle? {'yes' if 'red circle' in scene.names() else 'no'}")
    with plt.rc_context(common.STYLE):
        fig, (ax, text) = plt.subplots(1, 2, figsize=(3.2, 2.0), gridspec_kw={"width_ratios": [1, 1.1]})
        common.draw_scene(ax, scene)
        text.axis("off")
        for i, line in enumerate(lines):
            text.text(0.0, 0.8 - 0.3 * i, line, fontsize=7.5, va="center")
        return common.to_svg(fig, "A toy scene with generated questions and answers computed from it")
