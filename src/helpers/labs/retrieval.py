"""Plumbing for the retrieval lab: two-object scenes with an exact left and right, a reader for the
lab's two caption forms, the "image encoder", a tiny dual-encoder matcher in the manner of CLIP, the
pairwise test, and the drawings."""
from __future__ import annotations

import re
import textwrap

import matplotlib.pyplot as plt
import numpy as np

from . import common
from .common import grouped_bars, scenes_with_text

CHAPTER = "retrieval"
TITLE = "Swapped-caption hard negatives for image-text matching"
QUESTION = ("Do hard negatives, captions with the same words as the true one in a different order, teach "
            "an image-text matcher to bind attributes, relations and negation, and for which text "
            "representation?")
MIRRORS = ["alhamoud2025visionlanguage"]
SKILLS = "rewriting captions into hard negatives, verifying them, contrastive matching"
MINUTES = 45
MEASURES = True

# Colours that take the article "a" (no "orange"), so that a twin can reuse its caption's words exactly.
NAMES = sorted(f"{colour} {shape}" for colour in common.COLOURS if colour[0] not in "aeiou"
               for shape in common.SHAPES)
_NAME = r"(\w+ \w+)"
_FORMS = {"relation": re.compile(rf"a {_NAME} to the (left|right) of a {_NAME}$"),
          "negation": re.compile(rf"a {_NAME} and no {_NAME}$")}


# --- scenes and captions --------------------------------------------------------------------------

def two_object_scene(generator: np.random.Generator, min_size: float = 0.16,
                     max_size: float = 0.3) -> common.Scene:
    """Two different objects, one in each half of the canvas, so that 'left of' is never ambiguous."""
    first, second = generator.choice(len(NAMES), size=2, replace=False)
    things = []
    for name, (low, high) in zip((NAMES[first], NAMES[second]), ((0.03, 0.47), (0.53, 0.97))):
        colour, shape = name.split()
        size = float(generator.uniform(min_size, max_size))
        x = float(generator.uniform(low + size / 2, high - size / 2))
        y = float(generator.uniform(0.03 + size / 2, 0.97 - size / 2))
        things.append(common.Thing(shape, colour, round(x, 3), round(y, 3), round(size, 3)))
    return common.Scene(things)


def left_right(scene: common.Scene) -> tuple[common.Thing, common.Thing]:
    return tuple(sorted(scene.things, key=lambda t: t.x))


def read_caption(caption: str) -> tuple:
    """('relation', a, side, b) or ('negation', present, absent); ValueError for any other text."""
    for form, pattern in _FORMS.items():
        match = pattern.match(caption)
        if match:
            return (form, *match.groups())
    raise ValueError(f"not a caption this lab can read: {caption!r}")


def same_words(a: str, b: str) -> bool:
    """True when two texts use exactly the same words, each as often (a bag of words sees no difference)."""
    return sorted(common.tokens(a)) == sorted(common.tokens(b))


# --- the matcher ----------------------------------------------------------------------------------

def image_features(scenes) -> np.ndarray:
    """A perfect little image encoder: which object is on the left and which on the right (two one-hot
    blocks over NAMES), and a constant."""
    n = len(NAMES)
    features = np.zeros((len(scenes), 2 * n + 1))
    for row, scene in enumerate(scenes):
        left, right = left_right(scene)
        features[row, NAMES.index(left.name)] = 1
        features[row, n + NAMES.index(right.name)] = 1
        features[row, -1] = 1
    return features


# OpenBLAS spreads a matrix product over several threads once it exceeds about 262k multiply-adds;
# on a shared or busy machine the threads wait for each other and a fit takes seconds instead of a
# fraction of one. Products are therefore taken in row blocks below that size (same result).
_BLOCK = 200_000


def _blocks(n_rows: int, work_per_row: int) -> list[slice]:
    step = max(1, _BLOCK // max(1, work_per_row))
    return [slice(start, start + step) for start in range(0, n_rows, step)]


def _project(x: np.ndarray, proj: np.ndarray) -> np.ndarray:
    """x @ proj.T, in row blocks."""
    return np.vstack([x[b] @ proj.T for b in _blocks(len(x), x.shape[1] * len(proj))])


def _gradient(weights: np.ndarray, x: np.ndarray) -> np.ndarray:
    """weights.T @ x, in row blocks."""
    return sum(weights[b].T @ x[b] for b in _blocks(len(x), x.shape[1] * weights.shape[1]))


class DualEncoder:
    """CLIP in miniature: image and text features are each projected to a small embedding, and the
    match score is their dot product; trained on matching (1) and non-matching (0) pairs with the
    logistic loss by full-batch gradient descent from a seeded start (deterministic)."""

    def __init__(self, dim: int = 8, l2: float = 1e-3, steps: int = 150, rate: float = 1.0, seed: int = 0):
        self.dim, self.l2, self.steps, self.rate, self.seed = dim, l2, steps, rate, seed

    def fit(self, images: np.ndarray, texts: np.ndarray, labels) -> "DualEncoder":
        start = common.rng(self.seed)
        self.image_proj = start.normal(0.0, 0.1, (self.dim, images.shape[1]))
        self.text_proj = start.normal(0.0, 0.1, (self.dim, texts.shape[1]))
        self.bias = 0.0
        labels = np.asarray(labels, dtype=float)
        for _ in range(self.steps):
            image_emb, text_emb = _project(images, self.image_proj), _project(texts, self.text_proj)
            scores = np.sum(image_emb * text_emb, axis=1) + self.bias
            error = (1 / (1 + np.exp(-scores)) - labels)[:, None] / len(labels)
            self.image_proj -= self.rate * (_gradient(error * text_emb, images) + self.l2 * self.image_proj)
            self.text_proj -= self.rate * (_gradient(error * image_emb, texts) + self.l2 * self.text_proj)
            self.bias -= self.rate * float(error.sum())
        return self

    def score(self, images: np.ndarray, texts: np.ndarray) -> np.ndarray:
        return np.sum(_project(images, self.image_proj) * _project(texts, self.text_proj), axis=1)


def pick_rate(true_scores, twin_scores) -> np.ndarray:
    """Per test item: 1 if the true caption scores higher than its twin, 0 if lower, 0.5 for a tie
    (a coin flip would be right half the time)."""
    true_scores, twin_scores = np.asarray(true_scores), np.asarray(twin_scores)
    ties = np.isclose(true_scores, twin_scores, rtol=1e-9, atol=1e-9)
    return np.where(ties, 0.5, (true_scores > twin_scores).astype(float))


# --- drawings ------------------------------------------------------------------------------------

def sample_figure(items, scenes, n: int = 6, columns: int = 2):
    """One item per scene: the scene, its true caption (+) and its swapped twin (-), and the swap kind."""
    chosen = items[:n]

    def wrap(mark, caption):
        return textwrap.fill(caption, width=34, initial_indent=f"{mark} ", subsequent_indent="  ")

    texts = [f"{wrap('+', item['caption'])}\n{wrap('-', item['twin'])}\n  ({item['kind']})" for item in chosen]
    return scenes_with_text([scenes[item["scene"]] for item in chosen], texts,
                            "Scenes with their true captions and swapped twins", columns=columns,
                            width=3.4, height=3.0, fontsize=8)


def measurement_figure(table: dict[str, dict[str, float]]):
    """Bars: pairwise accuracy of each text representation (groups) trained without and with hard
    negatives (bars), against the coin-flip line."""
    settings = {s: {e: table[e][s] for e in table} for s in next(iter(table.values()))}
    with plt.rc_context(common.STYLE):
        fig, ax = plt.subplots(figsize=(5.6, 2.9))
        ax.axhline(0.5, color="#555555", linestyle=":", linewidth=1, label="coin flip")
        grouped_bars(ax, settings, [common.OKABE_ITO[1], common.OKABE_ITO[5]])
        ax.set_ylabel("true caption chosen over twin")
        return common.to_svg(fig, "Accuracy on swapped-caption pairs by text representation and negatives")


def thumbnail():
    """A two-object scene with its true caption and its colour-swapped twin."""
    scene = two_object_scene(common.rng(7))
    left, right = left_right(scene)
    true = f"a {left.name}\nleft of a {right.name}"
    twin = f"a {right.colour} {left.shape}\nleft of a {left.colour} {right.shape}"
    with plt.rc_context(common.STYLE):
        fig, (ax, text) = plt.subplots(1, 2, figsize=(3.2, 2.0), gridspec_kw={"width_ratios": [1, 1.1]})
        common.draw_scene(ax, scene)
        text.axis("off")
        for y, mark, caption, colour in ((0.75, "+", true, common.OKABE_ITO[2]),
                                         (0.3, "-", twin, common.OKABE_ITO[5])):
            text.text(0.0, y, mark, fontsize=12, fontweight="bold", color=colour, va="center")
            text.text(0.14, y, caption, fontsize=7.5, va="center")
        return common.to_svg(fig, "A scene with its true caption and a swapped twin")
