"""Architecture and training-stage diagrams for the Preliminaries, drawn with matplotlib.

Drawn by code rather than pasted as images so that they follow the house style (colour-blind-safe
colours, opaque background, deterministic SVG) and, for the training stages, the data."""
from __future__ import annotations

import matplotlib.pyplot as plt
from IPython.display import SVG
from matplotlib.patches import FancyArrowPatch, FancyBboxPatch, Rectangle

from . import tables
from .style import OKABE_ITO, STYLE, to_svg

# One colour per role, lightened so that black text on them keeps a high contrast.
ROLES = {"vision": OKABE_ITO[1], "language": OKABE_ITO[0], "bridge": OKABE_ITO[2],
         "data": "#BBBBBB", "synthetic": OKABE_ITO[6]}
FONT = 10  # points; the drawings are scaled down to the page width, so start a little large


def tint(colour: str, amount: float = 0.55) -> str:
    """Mix a hex colour with white (amount 0 keeps it, 1 gives white)."""
    rgb = [int(colour[i:i + 2], 16) for i in (1, 3, 5)]
    return "#" + "".join(f"{round(c + (255 - c) * amount):02X}" for c in rgb)


def _box(ax, x: float, y: float, w: float, h: float, text: str, role: str, frozen: bool = False,
         fontsize: float = FONT) -> tuple[float, float, float, float]:
    """A rounded box centred on (x, y), grown to fit its text; frozen parts get a dashed outline."""
    label = _label(text, frozen)
    w = max(w, text_width(label, fontsize) + 0.5)
    h = max(h, text_height(label, fontsize) + 0.35)
    ax.add_patch(FancyBboxPatch((x - w / 2, y - h / 2), w, h, boxstyle="round,pad=0.02,rounding_size=0.08",
                                facecolor=tint(ROLES[role]), edgecolor="#333333", linewidth=1.0,
                                linestyle="--" if frozen else "-"))
    ax.text(x, y, label, ha="center", va="center", fontsize=fontsize, color="black", linespacing=1.25)
    return x, y, w, h


def _label(text: str, frozen: bool) -> str:
    return text + ("\n(frozen)" if frozen else "")


def text_width(text: str, fontsize: float) -> float:
    """Approximate width of the longest line in canvas units (half an inch), for DejaVu Sans."""
    return max(len(line) for line in text.splitlines()) * 0.62 * fontsize / 72 * 2


def text_height(text: str, fontsize: float) -> float:
    """Height of the text's lines in canvas units, at the line spacing _box uses."""
    return len(text.splitlines()) * 1.25 * fontsize / 72 * 2


def _row(ax, y: float, items: list[tuple], start: float = 0.2, gap: float = 0.55) -> list[tuple]:
    """Boxes left to right at height y, each (text, role[, frozen]); returns their geometry."""
    boxes, x = [], start
    for text, role, *frozen in items:
        frozen = bool(frozen and frozen[0])
        w = text_width(_label(text, frozen), FONT) + 0.5  # the width _box will give it
        boxes.append(_box(ax, x + w / 2, y, w, 1.1, text, role, frozen=frozen))
        x += w + gap
    return boxes


def _arrow(ax, start: tuple, end: tuple, text: str = "") -> None:
    """An arrow from the right edge of box `start` to the left edge of box `end` (or between points)."""
    (x0, y0), (x1, y1) = _edge(start, end), _edge(end, start)
    ax.add_patch(FancyArrowPatch((x0, y0), (x1, y1), arrowstyle="-|>", mutation_scale=11,
                                 color="#333333", linewidth=1.0, shrinkA=1, shrinkB=1))
    if text:
        ax.text(x0 + 0.2, y0 + 0.15, text, ha="left", va="bottom", fontsize=FONT, color="#333333")


def _edge(box: tuple, towards: tuple) -> tuple[float, float]:
    if len(box) == 2:
        return box
    x, y, w, h = box
    tx, ty = towards[0], towards[1]
    if abs(tx - x) * h >= abs(ty - y) * w:  # leave through the left or right side
        return (x + w / 2 if tx > x else x - w / 2, y)
    return (x, y + h / 2 if ty > y else y - h / 2)


def _canvas():
    # one canvas unit is half an inch: _finish sizes the figure to the drawing, so that text (in
    # points) and boxes (in units) keep the proportions text_width assumes
    fig, ax = plt.subplots(figsize=(8, 4))
    ax.set_aspect("equal")
    ax.axis("off")
    return fig, ax


def _finish(fig, ax, title: str, margin: float = 0.3) -> SVG:
    ax.autoscale_view()
    (x0, y0), (x1, y1) = ax.dataLim.min - margin, ax.dataLim.max + margin
    ax.set_xlim(x0, x1)
    ax.set_ylim(y0, y1)
    ax.set_position([0, 0, 1, 1])
    fig.set_size_inches((x1 - x0) / 2, (y1 - y0) / 2)
    return to_svg(fig, title)


def dual_encoder(batch: int = 4) -> SVG:
    """A CLIP-style contrastive dual encoder: two towers meet only in a batch similarity matrix."""
    with plt.rc_context(STYLE):
        fig, ax = _canvas()
        image, image_encoder, image_embed = _row(ax, 5.0, [
            ("images\n(batch of N)", "data"), ("image encoder\n(ResNet or ViT)", "vision"),
            ("projection into\nshared space", "vision")])
        text, text_encoder, text_embed = _row(ax, 1.6, [
            ("captions\n(batch of N)", "data"), ("text encoder\n(Transformer)", "language"),
            ("projection into\nshared space", "language")])
        for a, b in ((image, image_encoder), (image_encoder, image_embed), (text, text_encoder),
                     (text_encoder, text_embed)):
            _arrow(ax, a, b)
        # the N x N similarity matrix, matching pairs on the diagonal
        size, bottom = 0.55, 2.2
        left = max(image_embed[0] + image_embed[2] / 2, text_embed[0] + text_embed[2] / 2) + 2.0
        for i in range(batch):
            for j in range(batch):
                ax.add_patch(Rectangle((left + j * size, bottom + (batch - 1 - i) * size), size, size,
                                       facecolor=OKABE_ITO[4] if i == j else "white", edgecolor="#333333",
                                       linewidth=0.8))
        middle = left + batch * size / 2
        _arrow(ax, image_embed, (left - 0.1, bottom + batch * size - 0.3), r"$I_1 \ldots I_N$")
        _arrow(ax, text_embed, (left - 0.1, bottom + 0.3), r"$T_1 \ldots T_N$")
        ax.text(middle, bottom + batch * size + 0.25, "cosine similarity\n" r"$I_i \cdot T_j$ ÷ temperature",
                ha="center", va="bottom", fontsize=FONT)
        ax.text(middle, bottom - 0.25, "loss: each row and\neach column must pick\nits diagonal cell",
                ha="center", va="top", fontsize=FONT)
        return _finish(fig, ax, "Contrastive dual-encoder VLM (CLIP style)")


def generative_vlms() -> SVG:
    """Two ways to feed an image to a language model: a projector (LLaVA) or learned queries (BLIP-2)."""
    with plt.rc_context(STYLE):
        fig, ax = _canvas()
        for y, name, encoder, bridge, tokens, llm, frozen_llm in (
                (7.0, "(a) projector", "vision\nencoder (CLIP\nViT-L/14)", "projector\n(linear; MLP in\nLLaVA-1.5)",
                 "one visual\ntoken per\npatch", "language\nmodel (Vicuna\nin LLaVA)", False),
                (2.4, "(b) query transformer", "vision\nencoder (CLIP or\nEVA-CLIP ViT)",
                 "Q-Former: 32\nlearned queries,\nlinear layer", "32 visual\ntokens at any\nresolution",
                 "language\nmodel (OPT\nor FlanT5)", True)):
            image, vision, connector, visual, model, answer = _row(ax, y, [
                ("image", "data"), (encoder, "vision", True), (bridge, "bridge"),
                (tokens, "bridge"), (llm, "language", frozen_llm), ("text\nanswer", "data")])
            ax.text(0.2, y + 1.3, name, ha="left", va="bottom", fontsize=FONT + 1, fontweight="bold")
            prompt = _box(ax, model[0], y - 1.85, model[2], 0.6, "instruction\ntokens", "language")
            for a, b in ((image, vision), (vision, connector), (connector, visual), (visual, model),
                         (prompt, model), (model, answer)):
                _arrow(ax, a, b)
        return _finish(fig, ax, "Generative VLMs with a projector or a query transformer")


STAGES = [
    ("1  pre-training on\nimage–text pairs", "captions written\nor filtered by models\n(e.g. BLIP-2's CapFilt)"),
    ("2  instruction\ntuning", "generated\ninstructions, dialogues,\nreasoning chains"),
    ("3  preference\nalignment", "constructed preferred\nand rejected answers,\nfeedback"),
    ("evaluation", "generated\nbenchmarks,\nmodels as judges"),
]


def training_stages(root=None) -> SVG:
    """The training stages of a generative VLM and where synthetic data enter, with counts from the data."""
    facts = tables.synthesis_facts(root)
    with plt.rc_context(STYLE):
        fig, ax = _canvas()
        stages, xs, x = [], [], 0.2
        for number, (stage, data) in enumerate(STAGES):
            w = max(text_width(stage, FONT), text_width(data, FONT)) + 0.5
            xs.append(x + w / 2)
            stages.append(_box(ax, xs[-1], 5.4, w, 1.1, stage, "bridge" if number < 3 else "data"))
            _arrow(ax, _box(ax, xs[-1], 2.8, w, 1.4, data, "synthetic"), stages[-1])
            x += w + 0.6
        for a, b in zip(stages, stages[1:]):
            _arrow(ax, a, b)
        notes = [((xs[0] + xs[1]) / 2, f"{facts['for_training']} surveyed works use synthetic data for training"),
                 (xs[2], f"{facts['for_alignment']} for alignment"), (xs[3], f"{facts['for_evaluation']} for evaluation")]
        for x, note in notes:
            ax.text(x, 1.45, note, ha="center", va="top", fontsize=FONT, fontweight="bold")
        ax.plot([stages[0][0] - stages[0][2] / 2, stages[1][0] + stages[1][2] / 2], [1.6, 1.6],
                color="#333333", linewidth=0.8)
        ax.plot([0.2], [0.8], alpha=0)  # keeps the notes inside the drawing's bounds
        return _finish(fig, ax, "Training stages of a VLM and where synthetic data enter")
