"""Plumbing for the video lab: short clips of toy objects that move, appear and disappear along
known trajectories, answers to temporal questions computed from any chosen set of frames, a sparse
annotator that sees only a few frames (as frame-captioning pipelines do), the features a frame
model perceives, a least-squares classifier, and the drawings. The page keeps the question
templates, the verifier and the measurement."""
from __future__ import annotations

from dataclasses import dataclass, replace

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.patches import Rectangle

from . import common

CHAPTER = "video"
TITLE = "Temporal questions that one frame cannot answer"
QUESTION = ("Which questions about a clip need more than one frame, and what does an annotator that "
            "sees only some frames get wrong?")
MIRRORS = ["zhang2024video", "hong2024cogvlm2", "peng2025instit"]
SKILLS = "trajectories as ground truth, answerability checks, single-frame versus multi-frame baselines"
MINUTES = 45
MEASURES = True

FRAMES = 8
MAX_OBJECTS = 4
KINDS = ("side at end", "count at end", "direction", "appear or disappear", "order", "count over clip")
OPTIONS = {"side at end": ("left", "right"), "count at end": ("0", "1", "2", "3", "4"),
           "direction": ("left", "right", "up", "down", "still"),
           "appear or disappear": ("appears", "disappears", "stays"),
           "order": ("first named", "second named"), "count over clip": ("2", "3", "4")}
SPARSE = (0, 3, 6)  # the frames a sparse annotator reads
STEPS = {"left": (-1, 0), "right": (1, 0), "up": (0, 1), "down": (0, -1)}


@dataclass(frozen=True)
class Track:
    """One object's trajectory: it is visible from frame `first` to frame `last` and moves by
    (vx, vy) per frame from (x, y) at frame 0."""
    shape: str
    colour: str
    size: float
    x: float
    y: float
    vx: float
    vy: float
    first: int
    last: int

    @property
    def name(self) -> str:
        return f"{self.colour} {self.shape}"

    def visible(self, t: int) -> bool:
        return self.first <= t <= self.last

    def at(self, t: int) -> tuple[float, float]:
        return round(self.x + self.vx * t, 4), round(self.y + self.vy * t, 4)


@dataclass(frozen=True)
class Clip:
    tracks: tuple[Track, ...]

    def track(self, name: str) -> Track:
        return next(t for t in self.tracks if t.name == name)

    def frame(self, t: int) -> common.Scene:
        """Frame t as a toy scene, drawable with common.draw_scene."""
        return common.Scene([common.Thing(k.shape, k.colour, *k.at(t), k.size) for k in self.tracks if k.visible(t)])


def random_clip(generator: np.random.Generator, n_objects: int | None = None) -> Clip:
    """Two to four objects (or `n_objects`) with distinct names; most move steadily in one of four
    directions, some stand still; about a quarter appear after the first frame and a quarter leave
    before the last."""
    n_objects = n_objects or int(generator.integers(2, MAX_OBJECTS + 1))
    names = set()
    tracks = []
    while len(tracks) < n_objects:
        shape, colour = str(generator.choice(common.SHAPES)), str(generator.choice(list(common.COLOURS)))
        if f"{colour} {shape}" in names:
            continue
        size = round(float(generator.uniform(0.12, 0.18)), 3)
        direction = str(generator.choice(list(STEPS) + ["still"], p=[0.2, 0.2, 0.2, 0.2, 0.2]))
        speed = float(generator.uniform(0.04, 0.07)) if direction != "still" else 0.0
        vx, vy = (speed * s for s in STEPS.get(direction, (0, 0)))
        low, high = size / 2 + 0.01, 1 - size / 2 - 0.01
        # start where the whole path stays on the canvas
        x = float(generator.uniform(low - min(0, vx) * (FRAMES - 1), high - max(0, vx) * (FRAMES - 1)))
        y = float(generator.uniform(low - min(0, vy) * (FRAMES - 1), high - max(0, vy) * (FRAMES - 1)))
        first, last, draw = 0, FRAMES - 1, generator.random()
        if draw < 0.25:
            first = int(generator.integers(1, FRAMES - 2))
        elif draw < 0.5:
            last = int(generator.integers(2, FRAMES - 1))
        names.add(f"{colour} {shape}")
        tracks.append(Track(shape, colour, size, round(x, 4), round(y, 4), round(vx, 4), round(vy, 4), first, last))
    return Clip(tuple(tracks))


# --- answers from a set of frames ---------------------------------------------------------------

def answer(clip: Clip, kind: str, names: tuple[str, ...], frames) -> str:
    """The answer to a question as read from the given frames only: all frames give the truth, a
    few sampled frames give what a sparse annotator would write."""
    frames = sorted(frames)
    seen = {k.name: [t for t in frames if k.visible(t)] for k in clip.tracks}
    end = frames[-1]
    if kind == "side at end":
        return "left" if clip.track(names[0]).at(end)[0] < 0.5 else "right"
    if kind == "count at end":
        return str(sum(k.visible(end) for k in clip.tracks))
    if kind == "count over clip":
        return str(sum(bool(s) for s in seen.values()))
    if kind == "direction":
        track, times = clip.track(names[0]), seen[names[0]]
        (x0, y0), (x1, y1) = track.at(times[0]), track.at(times[-1])
        if max(abs(x1 - x0), abs(y1 - y0)) < 0.05:
            return "still"
        if abs(x1 - x0) >= abs(y1 - y0):
            return "right" if x1 > x0 else "left"
        return "up" if y1 > y0 else "down"
    if kind == "appear or disappear":
        times = seen[names[0]]
        if frames[0] not in times:
            return "appears"
        return "disappears" if end not in times else "stays"
    if kind == "order":
        a, b = (seen[n][0] if seen[n] else FRAMES for n in names)
        return "second named" if b < a else "first named"  # a tie reads as the first named
    raise ValueError(f"unknown kind {kind!r}")


def sparse_annotator(clip: Clip, kind: str, names: tuple[str, ...], generator: np.random.Generator,
                     frames=SPARSE, hallucination: float = 0.02) -> str:
    """An annotator that, like a pipeline built on frame captions, reads only a few sampled frames,
    and now and then writes an answer that none of them supports."""
    if generator.random() < hallucination:
        return str(generator.choice(OPTIONS[kind]))
    return answer(clip, kind, names, frames)


# --- what a frame model perceives, and a tiny classifier ----------------------------------------

def perceive(clip: Clip, names: tuple[str, ...]) -> np.ndarray:
    """What a perfect per-frame perception reports, one row per frame: for each named object (at
    most two) whether it is visible and where, and how many objects are visible (one-hot)."""
    t = np.arange(FRAMES)
    columns = []
    for name in (names + (None, None))[:2]:
        if name is None:
            columns += [np.zeros(FRAMES)] * 3
            continue
        k = clip.track(name)
        shown = ((k.first <= t) & (t <= k.last)).astype(float)
        columns += [shown, shown * (k.x + k.vx * t), shown * (k.y + k.vy * t)]
    count = sum(((k.first <= t) & (t <= k.last)).astype(int) for k in clip.tracks)
    columns += [(count == n).astype(float) for n in range(MAX_OBJECTS + 1)]
    return np.column_stack(columns)


def features(perception: np.ndarray, frames) -> np.ndarray:
    """The rows of the frames a model sees, side by side in time order, and a constant."""
    return np.append(perception[list(frames)].ravel(), 1.0)


def fit(x: np.ndarray, answers: list[str], options, l2: float = 1e-2) -> np.ndarray:
    """A linear classifier fitted by ridge least squares to one-hot answers: a model that trains in
    one step, deterministically."""
    y = np.array([[a == o for o in options] for a in answers], dtype=float)
    return np.linalg.solve(x.T @ x + l2 * np.eye(x.shape[1]), x.T @ y)


def predict(weights: np.ndarray, x: np.ndarray, options) -> list[str]:
    return [options[i] for i in np.argmax(x @ weights, axis=1)]


# --- drawings -----------------------------------------------------------------------------------

def draw_strip(ax, clip: Clip, marked=(), times=range(FRAMES)) -> None:
    """Frames of a clip side by side in one axes: each frame is the unit canvas shifted right, all
    drawn in one call of common.draw_scene; frames in `marked` get a thick blue border."""
    gap = 1.12
    things = [replace(thing, x=round(thing.x + gap * p, 4))
              for p, t in enumerate(times) for thing in clip.frame(t).things]
    common.draw_scene(ax, common.Scene(things))
    ax.set_xlim(-0.02, gap * (len(times) - 1) + 1.02)
    ax.set_ylim(-0.02, 1.25)
    for spine in ax.spines.values():
        spine.set_visible(False)
    for p, t in enumerate(times):
        blue = t in marked
        ax.add_patch(Rectangle((gap * p, 0), 1, 1, fill=False, linewidth=2.2 if blue else 0.8,
                               edgecolor=common.OKABE_ITO[4] if blue else "#999999"))
        ax.text(gap * p + 0.5, 1.05, f"frame {t}", ha="center", va="bottom", fontsize=8)


def say(row: dict, column: str) -> str:
    """An answer in words: for order questions, the name of the object rather than its position."""
    value = row[column]
    if row["kind"] == "order":
        return row["names"][0] if value == "first named" else row["names"][1]
    return value


def sample_figure(clips: list[Clip], rows: list[dict], frames=SPARSE):
    """Each sample's clip as a strip of frames with the sparse annotator's frames marked, and its
    question, the annotator's answer and the answer recomputed from every frame."""
    with plt.rc_context(common.STYLE):
        fig, axes = plt.subplots(len(rows), 1, figsize=(6.8, 1.5 * len(rows)), squeeze=False)
        for ax, row in zip(axes[:, 0], rows):
            draw_strip(ax, clips[row["clip"]], frames)
            ok = row["written"] == row["truth"] and row.get("answerable", True)
            ax.text(0, -0.05, f"{row['question']}\nannotator: {say(row, 'written')};   from all frames: "
                    f"{say(row, 'truth')}   ({'kept' if ok else 'rejected'})", transform=ax.transAxes,
                    fontsize=9, va="top", color=common.OKABE_ITO[2] if ok else common.OKABE_ITO[5])
        fig.subplots_adjust(hspace=0.75)
        return common.to_svg(fig, "Generated temporal questions over their clips")


def accuracy_figure(results: dict[str, dict[str, float]], chance: dict[str, float]):
    """Accuracy per question kind (groups) for each view of the clip (bars), with the share of the
    most common answer marked as chance."""
    views, kinds = list(results), [k for k in KINDS if k in chance]
    width = 0.8 / len(views)
    with plt.rc_context(common.STYLE):
        fig, ax = plt.subplots(figsize=(6.8, 3.3))
        for i, (view, hatch) in enumerate(zip(views, ["", "//", ".."])):
            ax.bar(np.arange(len(kinds)) + (i - (len(views) - 1) / 2) * width, [results[view][k] for k in kinds],
                   width, label=view, hatch=hatch, edgecolor="#333333", linewidth=0.6)
        for j, kind in enumerate(kinds):
            ax.plot([j - 0.42, j + 0.42], [chance[kind]] * 2, color="#000000", linestyle=":", linewidth=1.4,
                    label="most common answer" if j == 0 else None)
        ax.set_xticks(np.arange(len(kinds)), [k.replace(" ", "\n", 1) for k in kinds], fontsize=8)
        ax.set_ylabel("accuracy on new clips")
        ax.set_ylim(0, 1.05)
        fig.legend(fontsize=8, ncols=4, loc="upper center", frameon=False)
        fig.tight_layout(rect=(0, 0, 1, 0.92))  # room for the legend inside the figure
        return common.to_svg(fig, "Accuracy per question kind for one frame and for all frames")


def thumbnail():
    """The eight frames of a clip, in two strips of four."""
    clip = random_clip(common.rng(3), n_objects=3)
    with plt.rc_context(common.STYLE):
        fig, axes = plt.subplots(2, 1, figsize=(3.0, 1.9))
        for ax, times in zip(axes, (range(0, 4), range(4, 8))):
            draw_strip(ax, clip, times=times)
        fig.tight_layout(pad=0.2)
        return common.to_svg(fig, "The eight frames of a generated clip")
