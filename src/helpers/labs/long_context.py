"""Plumbing for the long-context lab: toy images from the shared scenes, a sequence builder that
makes the mistakes of an unchecked pipeline, a noisy "vision encoder" that turns each image into a
vector, a one-parameter attention reader that can be limited to a window or biased towards recent
images, and the drawings. The page keeps the templates, the verifier, the filters and the
measurement."""
from __future__ import annotations

from dataclasses import dataclass, replace

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.patches import Circle, Polygon, Rectangle

from . import common

CHAPTER = "long-context"
TITLE = "Needles in long image sequences"
QUESTION = ("When one image in a long sequence holds the answer, does a reader that sees only the "
            "latest images, or favours them, lose the needles that sit early, and how does accuracy "
            "change with the length of the sequence?")
MIRRORS = ["tu2025longwriterv"]
SKILLS = "needle-in-a-haystack construction, evidence verification, position balancing, attention windows"
MINUTES = 35
MEASURES = True

COLOURS = list(common.COLOURS)
SHAPES = list(common.SHAPES)
FAULTS = ("second needle", "answer from a neighbour")


@dataclass(frozen=True)
class Sequence:
    """Images in order, the shape asked about, the answer as written, and bookkeeping: where the
    builder put the needle and which fault it made (the verifier reads neither)."""
    images: tuple[common.Scene, ...]
    shape: str
    answer: str
    needle_at: int
    fault: str = "none"

    @property
    def question(self) -> str:
        return f"What colour is the {self.shape}?"


SLOTS = ((0.27, 0.27), (0.73, 0.27), (0.27, 0.73), (0.73, 0.73))  # far enough apart never to overlap


def images(generator: np.random.Generator, n: int, shapes, n_things: int = 3) -> list[common.Scene]:
    """`n` toy images, each with `n_things` objects of the given shapes in any colour, one per slot
    of a 2 x 2 grid with some jitter: drawn all at once, since long sequences need many."""
    shapes = list(shapes)
    slots = np.argsort(generator.random((n, len(SLOTS))), axis=1)[:, :n_things]
    kinds = generator.integers(len(shapes), size=(n, n_things)).tolist()
    colours = generator.integers(len(COLOURS), size=(n, n_things)).tolist()
    sizes = np.round(generator.uniform(0.2, 0.3, size=(n, n_things)), 3).tolist()
    centres = np.round(np.array(SLOTS)[slots] + generator.uniform(-0.06, 0.06, size=(n, n_things, 2)), 3).tolist()
    return [common.Scene([common.Thing(shapes[k], COLOURS[c], x, y, size)
                          for k, c, (x, y), size in zip(kinds[i], colours[i], centres[i], sizes[i])])
            for i in range(n)]


def with_one(scene: common.Scene, shape: str, generator: np.random.Generator) -> common.Scene:
    """The image with one of its objects turned into `shape`: if the image held no such shape
    before, it now holds exactly one."""
    things = list(scene.things)
    j = int(generator.integers(len(things)))
    things[j] = replace(things[j], shape=shape)
    return common.Scene(things)


def holds(scene: common.Scene, shape: str) -> list[str]:
    """The colours of the objects of `shape` in an image."""
    return [t.colour for t in scene.things if t.shape == shape]


def fingerprint(sequence: Sequence) -> tuple:
    """What makes two sequences the same: the question and every image's objects, in order."""
    return sequence.shape, tuple(tuple(sorted((t.shape, t.colour, t.x, t.y) for t in s.things))
                                 for s in sequence.images)


def noisy_builder(sequence: Sequence, generator: np.random.Generator, rates: dict[str, float]) -> Sequence:
    """Spoil a correct sequence as an unchecked pipeline might. With the probabilities in `rates`:
    'second needle' swaps one haystack image for one drawn from an unfiltered pool that holds the
    asked shape too; 'answer from a neighbour' writes the colour of an object in the image next to
    the needle."""
    weights = [rates.get(name, 0.0) for name in FAULTS]
    fault = str(generator.choice(["none", *FAULTS], p=[1 - sum(weights), *weights]))
    images, answer = list(sequence.images), sequence.answer
    if fault == "second needle":
        others = [i for i in range(len(images)) if i != sequence.needle_at]
        slot = int(generator.choice(others))
        images[slot] = with_one(images[slot], sequence.shape, generator)  # the pool was never checked
    elif fault == "answer from a neighbour":
        near = sequence.needle_at + (1 if sequence.needle_at == 0 else -1)
        colours = [t.colour for t in images[near].things if t.colour != answer]
        if colours:
            answer = str(generator.choice(colours))
        else:
            fault = "none"
    return replace(sequence, images=tuple(images), answer=answer, fault=fault)


# --- the reader ---------------------------------------------------------------------------------

def encode(sequence: Sequence, generator: np.random.Generator, noise: float = 0.25) -> np.ndarray:
    """What a noisy vision encoder makes of each image: for every colour and shape, 1 if such an
    object is there, plus Gaussian noise. Shape (images, colours, shapes)."""
    seen = np.zeros((len(sequence.images), len(COLOURS), len(SHAPES)))
    for i, scene in enumerate(sequence.images):
        for t in scene.things:
            seen[i, COLOURS.index(t.colour), SHAPES.index(t.shape)] = 1.0
    return seen + generator.normal(0, noise, seen.shape)


@dataclass(frozen=True)
class Reader:
    """Attention over images: each image's relevance is how strongly it shows the asked shape,
    sharpened by `sharpness`; a `window` keeps only the last images; a `recency` penalty lowers the
    score of an image by that much per step back from the end. The answer is the colour with the
    most attended evidence."""
    sharpness: float = 4.0
    window: int | None = None
    recency: float = 0.0

    def attention(self, seen: np.ndarray, shape: str) -> np.ndarray:
        n = len(seen)
        relevance = seen[:, :, SHAPES.index(shape)].max(axis=1)
        scores = self.sharpness * relevance - self.recency * (n - 1 - np.arange(n))
        if self.window is not None:
            scores[:max(0, n - self.window)] = -np.inf
        weights = np.exp(scores - scores.max())
        return weights / weights.sum()

    def answer(self, seen: np.ndarray, shape: str) -> str:
        evidence = self.attention(seen, shape) @ seen[:, :, SHAPES.index(shape)]
        return COLOURS[int(np.argmax(evidence))]


def accuracy(reader: Reader, sequences, seen: list[np.ndarray]) -> np.ndarray:
    """For each sequence, whether the reader answers it right (as a 0/1 array), given what the
    encoder saw of each (`encode`, computed once and shared by all readers)."""
    return np.array([reader.answer(v, s.shape) == s.answer for s, v in zip(sequences, seen)], dtype=float)


# --- drawings -----------------------------------------------------------------------------------

_PATCHES = {
    "circle": lambda x, y, h, **style: Circle((x, y), h, **style),
    "square": lambda x, y, h, **style: Rectangle((x - h, y - h), 2 * h, 2 * h, **style),
    "triangle": lambda x, y, h, **style: Polygon([(x - h, y - h), (x + h, y - h), (x, y + h)], **style),
}


def draw_strip(ax, scenes, offset: float = 1.15, framed=(), frame_colour: str = "#000000", first: int = 1) -> None:
    """Several scenes side by side in one axes (much faster than one axes each), each in a unit
    frame shifted right by `offset` and numbered from `first`; the `framed` ones get a thick frame.
    A general helper: it draws what common.draw_scene draws, at an offset."""
    for i, scene in enumerate(scenes):
        x0 = i * offset
        thick = i in framed
        ax.add_patch(Rectangle((x0, 0), 1, 1, fill=False, edgecolor=frame_colour if thick else "#999999",
                               linewidth=2.2 if thick else 0.6))
        for t in scene.things:
            ax.add_patch(_PATCHES[t.shape](x0 + t.x, t.y, t.size / 2, facecolor=common.COLOURS[t.colour],
                                           edgecolor="#333333", linewidth=0.5))
        ax.text(x0 + 0.5, -0.08, str(i + first), ha="center", va="top", fontsize=6)
    ax.set_xlim(-0.05, (len(scenes) - 1) * offset + 1.05)
    ax.set_ylim(-0.25, 1.05)
    ax.set_aspect("equal")
    ax.axis("off")


def sample_figure(sequences: list[Sequence], framed: list[list[int]], kept: list[bool], texts: list[str]):
    """Each sequence as a strip of numbered images, with the images that hold the evidence framed
    (black when the sequence is kept, vermilion when it is rejected) and a line of text above."""
    with plt.rc_context(common.STYLE):
        fig, axes = plt.subplots(len(sequences), 1, figsize=(7.2, 1.25 * len(sequences)), squeeze=False)
        for ax, sequence, frames, ok, text in zip(axes[:, 0], sequences, framed, kept, texts):
            draw_strip(ax, sequence.images, framed=frames, frame_colour="#000000" if ok else common.OKABE_ITO[5])
            ax.set_title(text, fontsize=7, loc="left", color="#000000" if ok else common.OKABE_ITO[5])
        fig.subplots_adjust(hspace=0.45, left=0.01, right=0.99, top=0.93, bottom=0.02)
        return common.to_svg(fig, "Generated image sequences with one needle each")


def measurement_figure(by_position: dict[str, list[float]], positions: list[str], length: int,
                       by_length: dict[str, list[float]], lengths: list[int]):
    """Left: accuracy by where the needle sits (e.g. by quarter) in sequences of one length.
    Right: accuracy by sequence length, needles spread evenly over positions."""
    styles = ["-o", "--s", ":^", "-.d"]
    with plt.rc_context(common.STYLE):
        fig, (left, right) = plt.subplots(1, 2, figsize=(7.2, 3.0), sharey=True)
        for (name, values), style in zip(by_position.items(), styles):
            left.plot(range(len(positions)), values, style, label=name, linewidth=1.5, markersize=4)
        left.set_xticks(range(len(positions)), positions, fontsize=7)
        left.set_xlabel(f"where the needle sits in {length} images", fontsize=8)
        left.set_ylabel("answered right", fontsize=8)
        left.set_ylim(0, 1.05)
        left.axhline(1 / len(COLOURS), color="#999999", linewidth=0.8, linestyle=":")
        left.text(0, 1 / len(COLOURS) + 0.02, "guessing", fontsize=6, color="#666666")
        for (name, values), style in zip(by_length.items(), styles):
            right.plot(range(len(lengths)), values, style, label=name, linewidth=1.5, markersize=4)
        right.set_xticks(range(len(lengths)), [str(n) for n in lengths])
        right.set_xlabel("images in the sequence", fontsize=8)
        right.axhline(1 / len(COLOURS), color="#999999", linewidth=0.8, linestyle=":")
        right.legend(fontsize=7, loc="lower left")
        fig.tight_layout()
        return common.to_svg(fig, "Reader accuracy by needle position and by sequence length")


def thumbnail():
    """Six images of a sequence, in reading order over two rows, with the needle framed."""
    generator = common.rng(5)
    scenes = images(generator, 6, ["circle", "square"], 2)
    scenes[4] = with_one(scenes[4], "triangle", generator)
    with plt.rc_context(common.STYLE):
        fig = plt.figure(figsize=(3.0, 2.0))
        draw_strip(fig.add_axes([0, 0.52, 1, 0.46]), scenes[:3])
        draw_strip(fig.add_axes([0, 0.02, 1, 0.46]), scenes[3:], framed=[1], first=4)
        return common.to_svg(fig, "A sequence of toy images with one needle framed")
