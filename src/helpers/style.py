"""The house style of every drawing in the book: charts, diagrams, demonstrations and labs.

Okabe–Ito colours (colour-blind safe), an opaque white background (readable in the theme's dark
mode), and SVG with fixed ids and no date, so that the same data give the same bytes.

Text stays text in the SVG (a glyph drawn as a path costs about a kilobyte; as a letter, one byte),
so figures are a fraction of the weight and their labels can be searched and read aloud. Layout is
measured with DejaVu Sans, which matplotlib ships; browsers draw the labels with DejaVu Sans or
Verdana where installed (the same metrics: DejaVu derives from Bitstream Vera, Verdana's twin),
else with a narrower sans-serif, so a label never grows past the space that was measured for it."""
from __future__ import annotations

import io
import re

import matplotlib

matplotlib.use("Agg")  # no display needed; also keeps output identical in kernels and scripts
import matplotlib.pyplot as plt  # noqa: E402
from IPython.display import SVG  # noqa: E402

# Okabe & Ito (2008), "Color Universal Design": distinguishable under common colour-vision deficiencies.
OKABE_ITO = ["#E69F00", "#56B4E9", "#009E73", "#F0E442", "#0072B2", "#D55E00", "#CC79A7", "#000000"]

STYLE = {
    "figure.facecolor": "white",
    "axes.facecolor": "white",
    "savefig.facecolor": "white",
    "savefig.transparent": False,
    "axes.prop_cycle": matplotlib.cycler(color=OKABE_ITO),
    "axes.spines.top": False,
    "axes.spines.right": False,
    "font.size": 10,
    "font.family": "DejaVu Sans",  # ships with matplotlib: the same glyphs on every machine
    "svg.hashsalt": "vlm-synthetic-survey",  # fixed element ids -> byte-identical SVGs
    "svg.fonttype": "none",  # text as <text>, drawn with FONT_STACK (see the module's docstring)
    "hatch.color": "#333333",
}


FONT_STACK = "'DejaVu Sans', Verdana, 'Bitstream Vera Sans', Arial, Helvetica, sans-serif"
_NUMBER = re.compile(rb"(\d+\.\d{2})\d+")  # more decimals than a screen can show (0.01 pt)


def to_svg(fig: plt.Figure, title: str) -> SVG:
    """Render and close a figure; the SVG carries a <title> for assistive technology, text as text
    in a font stack every browser can draw, and coordinates rounded to a hundredth of a point."""
    buffer = io.BytesIO()
    fig.savefig(buffer, format="svg", bbox_inches="tight", metadata={"Date": None, "Title": title})
    plt.close(fig)
    svg = buffer.getvalue().replace(b"font-family: 'DejaVu Sans'", b"font-family: " + FONT_STACK.encode())
    svg = _NUMBER.sub(lambda m: m.group(1), svg)
    return SVG(svg)
