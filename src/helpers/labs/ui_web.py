"""Plumbing for the ui-web lab: a tiny HTML-like layout language, its parser, a flow layout engine
that measures text with real font metrics, a renderer that paints a "screenshot" and records the
box of every element it paints, a code writer that makes the mistakes a model writer makes, crop
features for the element classifier, and the drawings. The page keeps the design sampler, the
templates, the verifier, the filters and the measurement."""
from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from functools import lru_cache

import matplotlib.pyplot as plt
import numpy as np
from matplotlib import font_manager
from matplotlib.ft2font import FT2Font, LoadFlags
from matplotlib.patches import Rectangle

from . import common

CHAPTER = "ui-web"
TITLE = "Screenshot and code pairs from a tiny layout language"
QUESTION = ("Can re-rendering generated interface code catch broken, overflowing, overlapping and "
            "mismatched screenshot-code pairs, and what does a screenshot tell an element classifier "
            "that box sizes alone do not?")
MIRRORS = ["laurencon2024unlocking", "peng2024dreamstruct"]
SKILLS = "code-to-screenshot rendering, labels from the renderer, pair verification, deduplication"
MINUTES = 40
MEASURES = True

PAGE = (320, 240)  # width, height in pixels
PADDING, GAP = 10, 8
LEAVES = ("heading", "text", "button", "input", "image")
CONTAINERS = ("page", "row", "column")
ACCENTS = {name: common.COLOURS[name] for name in ("blue", "orange", "green", "red", "pink")}


class LayoutError(ValueError):
    """The code cannot be rendered: broken markup or an unknown element."""


# --- the language -------------------------------------------------------------------------------

@dataclass
class Node:
    tag: str
    attributes: dict[str, str] = field(default_factory=dict)
    text: str = ""
    children: list["Node"] = field(default_factory=list)


_TOKEN = re.compile(r"<(/?)([a-zA-Z]+)((?:\s+[a-z]+=\"[^\"]*\")*)\s*(/?)>|([^<]+)")
_ATTRIBUTE = re.compile(r'([a-z]+)="([^"]*)"')


def parse(code: str) -> Node:
    """The element tree of a piece of code; raises LayoutError for anything a strict parser refuses."""
    stack: list[Node] = []
    root = None
    position = 0
    for match in _TOKEN.finditer(code):
        if match.start() != position:
            raise LayoutError(f"cannot read {code[position:match.start()]!r}")
        position = match.end()
        closing, tag, attributes, self_closing, text = match.groups()
        if text is not None:
            if text.strip():
                if not stack or stack[-1].tag not in LEAVES or stack[-1].children:
                    raise LayoutError(f"text {text.strip()!r} outside an element that holds text")
                stack[-1].text += " ".join(text.split())
            continue
        if tag not in LEAVES + CONTAINERS:
            raise LayoutError(f"unknown element <{tag}>")
        if closing:
            if not stack or stack[-1].tag != tag:
                raise LayoutError(f"</{tag}> closes nothing that is open")
            node = stack.pop()
            if not stack:
                root = node
            continue
        node = Node(tag, dict(_ATTRIBUTE.findall(attributes)))
        if stack:
            if stack[-1].tag in LEAVES:
                raise LayoutError(f"<{tag}> inside <{stack[-1].tag}>, which holds only text")
            stack[-1].children.append(node)
        elif root is not None or tag != "page":
            raise LayoutError("the code must be one <page> element")
        if self_closing:
            if not stack:
                root = node
        else:
            stack.append(node)
    if position != len(code):
        raise LayoutError(f"cannot read {code[position:]!r}")
    if stack:
        raise LayoutError(f"<{stack[-1].tag}> is never closed")
    if root is None:
        raise LayoutError("no <page> element")
    return root


# --- text, measured and drawn with the font the book uses -------------------------------------------

@lru_cache(maxsize=1)
def _font() -> FT2Font:
    return FT2Font(font_manager.findfont(common.STYLE["font.family"]))


@lru_cache(maxsize=4096)
def text_bitmap(text: str, size: int) -> np.ndarray:
    """The text rasterised by FreeType at `size` pixels: coverage in [0, 1], one row per pixel."""
    font = _font()
    font.set_size(size, 72)
    font.set_text(text, 0.0, flags=LoadFlags.NO_HINTING)
    font.draw_glyphs_to_bitmap(antialiased=True)
    return np.asarray(font.get_image(), dtype=float) / 255


# --- layout -------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Element:
    """One painted element: its type, its text, its box (x0, y0, x1, y1; y downwards, exclusive
    ends) and the box of the slot its container gave it (absolute elements get the page)."""
    kind: str
    text: str
    box: tuple[int, int, int, int]
    slot: tuple[int, int, int, int]


def sizes(base: int) -> dict[str, int]:
    """Font sizes and heights that follow from the page's base font size."""
    return {"heading font": round(base * 1.6), "heading": round(base * 2.2), "text font": base,
            "text": round(base * 1.5), "control": round(base * 2.4)}


def natural_size(node: Node, width: int, base: int) -> tuple[int, int]:
    """How wide and tall a leaf wants to be, given the width its container offers."""
    s = sizes(base)
    if node.tag == "heading":
        return text_bitmap(node.text, s["heading font"]).shape[1], s["heading"]
    if node.tag == "text":
        return text_bitmap(node.text, s["text font"]).shape[1], s["text"]
    if node.tag == "button":
        return text_bitmap(node.text, s["text font"]).shape[1] + 2 * base, s["control"]
    if node.tag == "input":
        return min(width, 15 * base), s["control"]
    side = min(width, 120)
    return side, round(side * 0.62)


def layout(root: Node) -> list[Element]:
    """Flow layout: a page and its columns stack their children downwards, a row shares its width
    equally among its children; a leaf with at="x,y" is placed there, outside the flow."""
    if root.tag != "page":
        raise LayoutError("the code must be one <page> element")
    try:
        base = int(root.attributes.get("size", "12"))
    except ValueError as error:
        raise LayoutError(f"size={root.attributes['size']!r} is not a number") from error
    if not 8 <= base <= 20:
        raise LayoutError(f"size={base} is not between 8 and 20")
    page_box = (0, 0, *PAGE)
    elements: list[Element] = []

    def place(node: Node, x: int, y: int, width: int) -> int:
        """Lay out `node` in the slot starting at (x, y) of the given width; returns its height."""
        if node.tag in ("heading", "text", "button") and not node.text:
            raise LayoutError(f"<{node.tag}> has no text")
        if node.tag in LEAVES:
            if "at" in node.attributes:
                try:
                    ax, ay = (int(v) for v in node.attributes["at"].split(","))
                except ValueError as error:
                    raise LayoutError(f"at={node.attributes['at']!r} is not two numbers") from error
                w, h = natural_size(node, PAGE[0], base)
                elements.append(Element(node.tag, node.text, (ax, ay, ax + w, ay + h), page_box))
                return 0
            w, h = natural_size(node, width, base)
            elements.append(Element(node.tag, node.text, (x, y, x + w, y + h), (x, y, x + width, y + h)))
            return h
        flow = [c for c in node.children if "at" not in c.attributes]
        if node.tag == "row" and flow:
            slot = (width - GAP * (len(flow) - 1)) // len(flow)
            heights = [place(child, x + i * (slot + GAP), y, slot) for i, child in enumerate(flow)]
            height = max(heights)
        else:
            height = 0
            for child in flow:
                height += place(child, x, y + height, width) + GAP
            height = max(0, height - GAP)
        for child in node.children:
            if "at" in child.attributes:
                place(child, x, y, width)
        return height

    place(root, PADDING, PADDING, PAGE[0] - 2 * PADDING)
    return elements


# --- rendering ----------------------------------------------------------------------------------

@dataclass
class Screenshot:
    pixels: np.ndarray  # height x width x 3, float32 in [0, 1]
    elements: list[Element]

    def fingerprint(self) -> str:
        """A short hash of the pixels: equal screenshots, equal fingerprints."""
        return hashlib.sha1(np.ascontiguousarray(self.pixels).data).hexdigest()[:12]


def _rgb(colour: str) -> np.ndarray:
    return np.array([int(colour[i:i + 2], 16) / 255 for i in (1, 3, 5)])


def _fill(pixels, box, colour) -> None:
    x0, y0, x1, y1 = (max(0, v) for v in box)
    pixels[y0:y1, x0:x1] = colour


def _write(pixels, text: str, size: int, x: int, y: int, colour) -> None:
    """Blend a text bitmap into the pixels with its top left corner at (x, y), clipped to the page."""
    coverage = text_bitmap(text, size)[..., None]
    h, w = coverage.shape[:2]
    y1, x1 = min(y + h, pixels.shape[0]), min(x + w, pixels.shape[1])
    if y1 <= y or x1 <= x:
        return
    coverage = coverage[:y1 - y, :x1 - x]
    region = pixels[y:y1, x:x1]
    pixels[y:y1, x:x1] = region * (1 - coverage) + np.asarray(colour) * coverage


@lru_cache(maxsize=256)
def picture(w: int, h: int) -> np.ndarray:
    """An image placeholder of w x h pixels: sky, a hill and a sun."""
    yy, xx = np.mgrid[0:h, 0:w] / np.array([max(h, 1), max(w, 1)])[:, None, None]
    image = np.empty((h, w, 3), dtype=np.float32)
    image[:] = _rgb(common.COLOURS["sky"])
    image[yy > 0.65 - 0.18 * np.sin(np.pi * xx)] = _rgb(common.COLOURS["green"])
    image[(xx - 0.78) ** 2 * (w / max(h, 1)) ** 2 + (yy - 0.25) ** 2 < 0.015] = _rgb(common.COLOURS["yellow"])
    return image


def _picture(pixels, box) -> None:
    """Paint the placeholder picture into its box, clipped to the page."""
    x0, y0, x1, y1 = box
    image = picture(x1 - x0, y1 - y0)
    ys, xs = slice(max(0, y0), min(y1, pixels.shape[0])), slice(max(0, x0), min(x1, pixels.shape[1]))
    pixels[ys, xs] = image[ys.start - y0:ys.stop - y0, xs.start - x0:xs.stop - x0]


def render(code: str) -> Screenshot:
    """Parse, lay out and paint: the screenshot of a piece of code, with the box of every element."""
    root = parse(code)
    elements = layout(root)
    accent = root.attributes.get("accent", "blue")
    if accent not in ACCENTS:
        raise LayoutError(f"accent={accent!r} is not one of {sorted(ACCENTS)}")
    s = sizes(int(root.attributes.get("size", "12")))
    pixels = np.ones((PAGE[1], PAGE[0], 3), dtype=np.float32)
    for e in elements:
        x0, y0, x1, y1 = e.box
        if e.kind == "heading":
            _write(pixels, e.text, s["heading font"], x0, y0 + (y1 - y0 - text_bitmap(e.text, s["heading font"]).shape[0]) // 2,
                   _rgb(ACCENTS[accent]) * 0.6)
        elif e.kind == "text":
            _write(pixels, e.text, s["text font"], x0, y0 + (y1 - y0 - text_bitmap(e.text, s["text font"]).shape[0]) // 2,
                   (0.2, 0.2, 0.2))
        elif e.kind == "button":
            _fill(pixels, e.box, _rgb(ACCENTS[accent]))
            bitmap = text_bitmap(e.text, s["text font"])
            _write(pixels, e.text, s["text font"], x0 + (x1 - x0 - bitmap.shape[1]) // 2,
                   y0 + (y1 - y0 - bitmap.shape[0]) // 2, (1.0, 1.0, 1.0))
        elif e.kind == "input":
            _fill(pixels, e.box, (0.55, 0.55, 0.55))
            _fill(pixels, (x0 + 1, y0 + 1, x1 - 1, y1 - 1), (1.0, 1.0, 1.0))
            bitmap = text_bitmap(e.text, s["text font"])
            _write(pixels, e.text, s["text font"], x0 + 6, y0 + (y1 - y0 - bitmap.shape[0]) // 2, (0.6, 0.6, 0.6))
        else:
            _picture(pixels, e.box)
    return Screenshot(pixels, elements)


# --- the code writer's mistakes -------------------------------------------------------------------

FAULTS = ("typo", "long text", "floating badge", "edited after rendering")
LONG_TEXTS = ("Freshly made every single morning by our friendly team", "Open every day of the week, holidays included",
              "Free delivery on all orders within the city centre")


def noisy_writer(code: str, generator: np.random.Generator, rates: dict[str, float]) -> tuple[str, str, str]:
    """Rewrite correct code as an imperfect model writer might. Returns (code, the code the
    screenshot was rendered from, fault). With the probabilities in `rates`: 'typo' misspells one
    opening tag; 'long text' puts a long sentence into a text; 'floating badge' adds an absolutely
    placed button; 'edited after rendering' changes a text after the screenshot was taken."""
    weights = [rates.get(name, 0.0) for name in FAULTS]
    fault = str(generator.choice(["none", *FAULTS], p=[1 - sum(weights), *weights]))
    written = code
    if fault == "typo":
        tags = [m for m in re.finditer(r"<(heading|text|button|input|row|column)[ >/]", code)]
        m = tags[int(generator.integers(len(tags)))]
        name = m.group(1)
        wrong = name[:-1] if len(name) > 4 else name + name[-1]  # drops or doubles a letter
        written = code[:m.start(1)] + wrong + code[m.end(1):]
    elif fault == "long text":
        texts = list(re.finditer(r"<text>([^<]*)</text>", code))
        if texts:
            m = texts[int(generator.integers(len(texts)))]
            written = code[:m.start(1)] + str(generator.choice(LONG_TEXTS)) + code[m.end(1):]
    elif fault == "floating badge":
        x, y = int(generator.integers(20, 260)), int(generator.integers(20, 200))
        written = code.replace("</page>", f'  <button at="{x},{y}">New</button>\n</page>')
    elif fault == "edited after rendering":
        texts = list(re.finditer(r"<(?:text|button)>([^<]*)</", code))
        m = texts[int(generator.integers(len(texts)))]
        written = code[:m.start(1)] + m.group(1).upper() + code[m.end(1):]
        return written, code, fault
    if written == code:
        fault = "none"
    return written, written, fault


# --- crops for the element classifier ---------------------------------------------------------------

CROP_FEATURES = ("ink", "colourfulness", "dark ink", "edge contrast", "rows with ink", "columns with ink")
SIZE_FEATURES = ("width", "height", "width / height")


def size_features(element: Element) -> np.ndarray:
    x0, y0, x1, y1 = element.box
    return np.array([x1 - x0, y1 - y0, (x1 - x0) / (y1 - y0)], dtype=float)


def crop_features(screenshot: Screenshot, element: Element) -> np.ndarray:
    """What the pixels inside an element's box look like, in six numbers that ignore its size:
    how much is not white, how colourful, how much is dark, how the border differs from the
    inside, and which share of rows and of columns hold any ink."""
    x0, y0, x1, y1 = element.box
    crop = screenshot.pixels[y0:y1, x0:x1]
    ink = 1 - crop.min(axis=2) > 0.1
    inside = crop[2:-2, 2:-2] if min(crop.shape[:2]) > 4 else crop
    border = np.concatenate([crop[0], crop[-1], crop[:, 0], crop[:, -1]])
    return np.array([ink.mean(), (crop.max(axis=2) - crop.min(axis=2)).mean(), (crop.mean(axis=2) < 0.4).mean(),
                     abs(border.mean() - inside.mean()), ink.any(axis=1).mean(), ink.any(axis=0).mean()])


class NearestNeighbours:
    """A k-nearest-neighbour classifier on standardised features: each element gets the type most
    common among the k training elements closest to it (ties go to the closest)."""

    def __init__(self, k: int = 5):
        self.k = k

    def fit(self, x, labels) -> "NearestNeighbours":
        x = np.asarray(x, dtype=float)
        self.mean, self.scale = x.mean(axis=0), x.std(axis=0) + 1e-9
        self.x, self.labels = (x - self.mean) / self.scale, list(labels)
        return self

    def predict(self, x) -> list[str]:
        z = (np.asarray(x, dtype=float) - self.mean) / self.scale
        distances = ((z[:, None, :] - self.x[None, :, :]) ** 2).sum(axis=2)
        predicted = []
        for row in distances:
            nearest = [self.labels[i] for i in np.argsort(row, kind="stable")[:self.k]]
            votes = {label: nearest.count(label) for label in nearest}
            predicted.append(max(nearest, key=lambda label: votes[label]))  # first of the most voted
        return predicted


# --- drawings -----------------------------------------------------------------------------------

KIND_COLOURS = {"heading": common.OKABE_ITO[5], "text": common.OKABE_ITO[7], "button": common.OKABE_ITO[4],
                "input": common.OKABE_ITO[6], "image": common.OKABE_ITO[2]}


def draw_screenshot(ax, screenshot: Screenshot, boxes: bool = True) -> None:
    """The screenshot with the page's outline and, optionally, every recorded box, dashed in the
    colour of its element type."""
    ax.imshow(screenshot.pixels, interpolation="nearest", extent=(0, PAGE[0], PAGE[1], 0))
    ax.set_xlim(-2, PAGE[0] + 2)
    ax.set_ylim(PAGE[1] + 2, -2)
    ax.add_patch(Rectangle((0, 0), *PAGE, fill=False, edgecolor="#999999", linewidth=0.8))
    ax.axis("off")
    if boxes:
        for e in screenshot.elements:
            x0, y0, x1, y1 = e.box
            ax.add_patch(Rectangle((x0 - 1.5, y0 - 1.5), x1 - x0 + 3, y1 - y0 + 3, fill=False,  # just outside
                                   edgecolor=KIND_COLOURS[e.kind], linewidth=1.0, linestyle=(0, (3, 2))))


def type_legend(fig) -> None:
    handles = [Rectangle((0, 0), 1, 1, fill=False, edgecolor=colour, linestyle=(0, (3, 2)), linewidth=1.0)
               for colour in KIND_COLOURS.values()]
    fig.legend(handles, list(KIND_COLOURS), loc="upper center", ncol=len(KIND_COLOURS), fontsize=8,
               title="recorded boxes, by element type", title_fontsize=8, frameon=False)


def sample_figure(pairs, verdicts: list[str]):
    """One pair per row: the screenshot with its recorded boxes, its code beside it, and the
    verdict. `pairs` hold .code and .screenshot (None when the code does not render)."""
    with plt.rc_context(common.STYLE):
        fig, axes = plt.subplots(len(pairs), 2, figsize=(7.2, 2.75 * len(pairs) + 0.5), squeeze=False,
                                 width_ratios=[1, 1])
        for (shot_ax, code_ax), pair, verdict in zip(axes, pairs, verdicts):
            shot_ax.axis("off")
            code_ax.axis("off")
            if pair.screenshot is not None:
                draw_screenshot(shot_ax, pair.screenshot)
            kept = verdict == "kept"
            shot_ax.set_title(verdict.upper() if kept else f"REJECTED: {verdict}", fontsize=9, loc="left",
                              color=common.OKABE_ITO[2] if kept else common.OKABE_ITO[5], fontweight="bold")
            lines = [line if len(line) <= 52 else line[:51] + "…" for line in pair.code.splitlines()]
            # matplotlib drops leading spaces when it lays out lines: indent with no-break spaces
            lines = ["\u00a0" * (len(line) - len(line.lstrip(" "))) + line.lstrip(" ") for line in lines]
            code_ax.text(0.02, 1, "\n".join(lines), transform=code_ax.transAxes, va="top", fontsize=7,
                         family="DejaVu Sans Mono")
        type_legend(fig)
        fig.subplots_adjust(wspace=0.04, hspace=0.2, left=0.01, right=0.99, top=1 - 0.75 / (2.75 * len(pairs) + 0.5),
                            bottom=0.01)
        return common.to_svg(fig, "Generated screenshot and code pairs with the verifier's verdicts")


def thumbnail():
    """A rendered page with its recorded boxes."""
    code = """<page accent="orange" size="12">
  <heading>Corner Bakery</heading>
  <row>
    <image/>
    <column>
      <text>Bread and buns</text>
      <button>Order</button>
    </column>
  </row>
</page>"""
    with plt.rc_context(common.STYLE):
        fig = plt.figure(figsize=(3.0, 3.0 * (PAGE[1] + 4) / (PAGE[0] + 4)))
        draw_screenshot(fig.add_axes([0, 0, 1, 1]), render(code))
        return common.to_svg(fig, "A generated page rendered with the box of every element")
