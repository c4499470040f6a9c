"""Plumbing for the captioning lab: the facts a toy scene holds (objects, sizes, left-to-right relations,
counts), the wording of caption statements and a reader that parses any caption back into statements,
the truth of a statement in a scene, the tiny image-text matcher and its recall, and the drawings. The
page keeps the caption writers, the verifier, the filter and the measurement."""
from __future__ import annotations

import re

import matplotlib.pyplot as plt
import numpy as np

from . import common

CHAPTER = "captioning"
TITLE = "Dense recaptions checked fact by fact"
QUESTION = ("How much more of a scene do dense recaptions cover than short web captions, how often are "
            "they wrong, and does a tiny image-text matcher retrieve better when trained on them?")
MIRRORS = ["awadalla2024blip3kale", "fang2024vila2", "dong2024benchmarking"]
SKILLS = "recaptioning, statement-level verification, coverage and precision, recall@1"
MINUTES = 45
MEASURES = True

NAMES = sorted(f"{colour} {shape}" for colour in common.COLOURS for shape in common.SHAPES)
NUMBERS = ("zero", "one", "two", "three", "four", "five")
LARGE = 0.2  # objects at least this wide are "large"
FACT_KINDS = ("object", "size", "left of", "count")

_NAME = r"(%s) (%s)" % ("|".join(common.COLOURS), "|".join(common.SHAPES))
_SENTENCES = {  # statement kind -> the sentence that states it
    "object": re.compile(rf"There is an? (large|small) {_NAME}\."),
    "left of": re.compile(rf"The {_NAME} is left of the {_NAME}\."),
    "count": re.compile(r"There (?:is|are) (%s) (%s)s?\." % ("|".join(NUMBERS), "|".join(common.SHAPES))),
}
_MENTION = re.compile(rf"(?:(large|small) )?{_NAME}")  # a bare object mention, as in alt text


# --- scene facts ---------------------------------------------------------------------------------

def size_word(thing: common.Thing) -> str:
    return "large" if thing.size >= LARGE else "small"


def left_to_right(scene: common.Scene) -> list[common.Thing]:
    return sorted(scene.things, key=lambda t: t.x)


def facts(scene: common.Scene) -> set[tuple]:
    """Everything a complete caption could say: each object, its size, each object's right-hand
    neighbour, and how many objects of each shape there are."""
    found = {("object", t.name) for t in scene.things} | {("size", t.name, size_word(t)) for t in scene.things}
    ordered = left_to_right(scene)
    found |= {("left of", a.name, b.name) for a, b in zip(ordered, ordered[1:])}
    found |= {("count", shape, scene.count(shape=shape)) for shape in common.SHAPES if scene.count(shape=shape)}
    return found


# --- statements: writing, reading, checking -------------------------------------------------------

def article(word: str) -> str:
    return "an" if word[0] in "aeiou" else "a"


def say_object(name: str, size: str) -> str:
    return f"There is {article(size)} {size} {name}."


def say_left_of(a: str, b: str) -> str:
    return f"The {a} is left of the {b}."


def say_count(shape: str, k: int) -> str:
    return f"There is one {shape}." if k == 1 else f"There are {NUMBERS[k]} {shape}s."


def _parse(caption: str) -> tuple[list[tuple], str]:
    """The statements of a caption, in order, and its text with every statement blanked out."""
    found, rest = [], caption
    for kind, pattern in _SENTENCES.items():
        for match in pattern.finditer(caption):
            groups = match.groups()
            if kind == "object":
                found.append((match.start(), ("object", f"{groups[1]} {groups[2]}", groups[0])))
            elif kind == "left of":
                found.append((match.start(), ("left of", f"{groups[0]} {groups[1]}", f"{groups[2]} {groups[3]}")))
            else:
                found.append((match.start(), ("count", groups[1], NUMBERS.index(groups[0]))))
            rest = rest[:match.start()] + " " * (match.end() - match.start()) + rest[match.end():]
    for match in _MENTION.finditer(rest):  # what no sentence form claimed
        size, colour, shape = match.groups()
        found.append((match.start(), ("object", f"{colour} {shape}", size)))
    rest = _MENTION.sub(" ", rest)
    return [statement for _, statement in sorted(found)], rest


def read(caption: str) -> list[tuple]:
    """Every statement a caption makes, in order: ('object', name, size or None), ('left of', a, b) or
    ('count', shape, k). Bare mentions such as 'red circle clipart' count as object statements."""
    return _parse(caption)[0]


def unread(caption: str) -> list[str]:
    """The words of a caption that belong to no statement: nothing the verifier can check."""
    return common.tokens(_parse(caption)[1])


def say(statement: tuple) -> str:
    """The sentence that makes a statement (a bare object mention becomes a full sentence if it has a size)."""
    kind = statement[0]
    if kind == "object":
        return say_object(*statement[1:]) if statement[2] else statement[1]
    return say_left_of(*statement[1:]) if kind == "left of" else say_count(*statement[1:])


def claimed_facts(statement: tuple) -> set[tuple]:
    """The scene facts a statement asserts (an object statement with a size asserts two)."""
    if statement[0] == "object":
        _, name, size = statement
        return {("object", name)} | ({("size", name, size)} if size else set())
    return {statement}


def holds(statement: tuple, scene: common.Scene) -> bool:
    """Whether a statement is true of the scene, recomputed from the objects themselves."""
    by_name = {t.name: t for t in scene.things}
    kind = statement[0]
    if kind == "object":
        _, name, size = statement
        return name in by_name and (size is None or size_word(by_name[name]) == size)
    if kind == "left of":
        _, a, b = statement
        return a in by_name and b in by_name and by_name[a].x < by_name[b].x
    if kind == "count":
        _, shape, k = statement
        return scene.count(shape=shape) == k
    raise ValueError(f"unknown statement {statement!r}")


# --- the tiny matcher -----------------------------------------------------------------------------

def scene_features(scenes) -> np.ndarray:
    """What the matcher's "image encoder" reports: which objects are present, which of them are large,
    and how many objects of each shape there are (halved, to keep the scale of the others)."""
    n = len(NAMES)
    features = np.zeros((len(scenes), 2 * n + len(common.SHAPES)))
    for row, scene in enumerate(scenes):
        for thing in scene.things:
            features[row, NAMES.index(thing.name)] = 1
            features[row, n + NAMES.index(thing.name)] = size_word(thing) == "large"
        for j, shape in enumerate(common.SHAPES):
            features[row, 2 * n + j] = scene.count(shape=shape) / 2
    return features


def text_features(texts, vocab: dict[str, int]) -> np.ndarray:
    """Which vocabulary words a text uses (each once), scaled to unit length so that long and short
    texts weigh the same."""
    words = (common.bag_of_words(texts, vocab) > 0).astype(float)
    return words / np.maximum(np.linalg.norm(words, axis=1, keepdims=True), 1e-12)


class Matcher:
    """Ridge regression from a text's words to the scene features it should describe; a query retrieves
    the scene whose (centred) features point most nearly the same way as its prediction."""

    def __init__(self, l2: float = 1.0):
        self.l2 = l2

    def fit(self, texts: np.ndarray, scenes: np.ndarray) -> "Matcher":
        self.centre = scenes.mean(axis=0)
        self.weights = np.linalg.solve(texts.T @ texts + self.l2 * np.eye(texts.shape[1]),
                                       texts.T @ (scenes - self.centre))
        return self

    def scores(self, texts: np.ndarray, scenes: np.ndarray) -> np.ndarray:
        """Cosine similarity of every text (rows) with every scene (columns)."""
        predicted = texts @ self.weights
        actual = scenes - self.centre
        predicted = predicted / np.maximum(np.linalg.norm(predicted, axis=1, keepdims=True), 1e-12)
        actual = actual / np.maximum(np.linalg.norm(actual, axis=1, keepdims=True), 1e-12)
        return predicted @ actual.T


def recall_at_1(scores: np.ndarray) -> float:
    """Share of queries (rows) whose own scene (the diagonal) scores highest; ties count as misses."""
    best = scores.max(axis=1)
    own = np.diag(scores)
    unique = (scores >= best[:, None] - 1e-12).sum(axis=1) == 1
    return float(np.mean((own >= best - 1e-12) & unique))


# --- drawings ------------------------------------------------------------------------------------

def sample_figure(items, scenes):
    """One row per scene: the scene, then its web caption and its dense recaption, each statement
    marked as confirmed (✓) or false (✗) by the verifier; a web caption that states nothing checkable
    is marked with a dot."""
    heights = [max(1.6, 0.21 * (len(item["checked"]) + 2)) for item in items]
    with plt.rc_context(common.STYLE):
        fig, axes = plt.subplots(len(items), 2, figsize=(7.0, sum(heights) + 0.2 * len(items)),
                                 gridspec_kw={"width_ratios": [1, 3.0], "height_ratios": heights}, squeeze=False)
        for (picture, text), item in zip(axes, items):
            common.draw_scene(picture, scenes[item["scene"]])
            text.axis("off")
            web_mark = {None: "·", True: "✓", False: "✗"}[item.get("web_ok")]
            lines = [f"{web_mark} web: {item['web']}", "  dense recaption:"]
            lines += [f"{'✓' if ok else '✗'} {sentence}" for sentence, ok in item["checked"]]
            text.text(0.0, 1.0, "\n".join(lines), fontsize=9, va="top", family="DejaVu Sans Mono",
                      linespacing=1.35, transform=text.transAxes)
        fig.subplots_adjust(wspace=0.05, hspace=0.25)
        return common.to_svg(fig, "Scenes with a web caption and a checked dense recaption")


def measurement_figure(curves: dict[str, dict[int, float]], chance: float):
    """Recall@1 against the number of training pairs, one line per kind of training caption."""
    with plt.rc_context(common.STYLE):
        fig, ax = plt.subplots(figsize=(5.6, 3.0))
        for i, (name, curve) in enumerate(curves.items()):
            sizes = sorted(curve)
            ax.plot(sizes, [curve[n] for n in sizes], marker="os^D"[i % 4], linestyle=("-", "--", ":", "-.")[i % 4],
                    color=common.OKABE_ITO[(4, 0, 2, 6)[i % 4]], label=name)
        ax.axhline(chance, color="#555555", linestyle=":", linewidth=1)
        ax.text(max(max(c) for c in curves.values()), chance + 0.02, "chance", ha="right", fontsize=8, color="#555555")
        ax.set_xscale("log", base=2)
        ax.set_xticks(sorted(next(iter(curves.values()))), [str(n) for n in sorted(next(iter(curves.values())))])
        ax.set_ylim(0, 1)
        ax.set_xlabel("training image-caption pairs")
        ax.set_ylabel("recall@1")
        ax.legend(frameon=False, fontsize=8, loc="upper left")
        return common.to_svg(fig, "Recall@1 of the matcher by training captions and training set size")


def thumbnail():
    """A scene with a terse web caption and the start of its dense recaption."""
    scene = common.Scene([common.Thing("circle", "red", 0.25, 0.68, 0.24), common.Thing("square", "blue", 0.74, 0.7, 0.16),
                          common.Thing("triangle", "yellow", 0.5, 0.25, 0.26)])
    with plt.rc_context(common.STYLE):
        fig, (ax, text) = plt.subplots(1, 2, figsize=(3.2, 2.0), gridspec_kw={"width_ratios": [1, 1.25]})
        common.draw_scene(ax, scene)
        text.axis("off")
        text.text(0.0, 0.9, "web: red circle clipart", fontsize=7, color=common.OKABE_ITO[5], va="top")
        dense = ["There is a large red", "circle. There is a small", "blue square. The red", "circle is left of the",
                 "yellow triangle. ..."]
        text.text(0.0, 0.7, "dense:\n" + "\n".join(dense), fontsize=7, color=common.OKABE_ITO[4], va="top",
                  linespacing=1.3)
        return common.to_svg(fig, "A toy scene with a short web caption and a dense recaption")
