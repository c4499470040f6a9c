"""Tests of the ui-web lab's plumbing: a strict parser, a layout whose boxes stay on the page and in
their slots, a renderer that paints exactly inside the boxes it records, a code writer whose faults
are the ones it claims, and deterministic drawings."""
from __future__ import annotations

import numpy as np
import pytest

from conftest import svg_background
from helpers.labs import common, ui_web as lab

CODES = [
    """<page accent="orange" size="12">
  <heading>Corner Bakery</heading>
  <row>
    <image/>
    <column>
      <text>Bread and buns</text>
      <button>Order</button>
    </column>
  </row>
  <input>Your email</input>
</page>""",
    """<page accent="green" size="10">
  <heading>Velo</heading>
  <row>
    <column><image/><text>City bikes</text></column>
    <column><image/><text>Repairs in a day</text></column>
  </row>
</page>""",
    """<page size="13"><heading>Readers</heading><text>Open late</text><input>Card number</input>
<button>Join</button></page>""",
]


@pytest.mark.parametrize("code", [
    "<page><buton>Go</buton></page>",                 # unknown element
    "<page><text>Hi</text>",                          # never closed
    "<page><text>Hi</row></page>",                    # closes the wrong element
    "<page>loose words<text>Hi</text></page>",        # text outside a text element
    "<page><button><text>Hi</text></button></page>",  # an element inside a leaf
    "<page></page><page></page>",                     # two pages
    "<row><text>Hi</text></row>",                     # not a page
    "<page><button></button></page>",                 # a button without text
    '<page size="big"><text>Hi</text></page>',        # a size that is not a number
    '<page><text at="3">Hi</text></page>',            # a position that is not two numbers
    "<page><text>Hi</text></page> <",                 # trailing garbage
])
def test_the_parser_and_layout_refuse_broken_code(code):
    with pytest.raises(lab.LayoutError):
        lab.render(code)


def test_valid_code_parses_into_the_tree_it_describes():
    root = lab.parse(CODES[0])
    assert root.tag == "page" and root.attributes == {"accent": "orange", "size": "12"}
    assert [c.tag for c in root.children] == ["heading", "row", "input"]
    assert [c.tag for c in root.children[1].children[1].children] == ["text", "button"]
    assert root.children[1].children[1].children[1].text == "Order"


@pytest.mark.parametrize("code", CODES)
def test_boxes_lie_on_the_page_inside_their_slots_and_do_not_overlap(code):
    elements = lab.render(code).elements
    for e in elements:
        x0, y0, x1, y1 = e.box
        assert 0 <= x0 < x1 <= lab.PAGE[0] and 0 <= y0 < y1 <= lab.PAGE[1]
        assert e.slot[0] <= x0 and x1 <= e.slot[2] and e.slot[1] <= y0 and y1 <= e.slot[3]
    boxes = [e.box for e in elements]
    assert not any(common.boxes_overlap(a, b) for i, a in enumerate(boxes) for b in boxes[i + 1:])


def test_a_row_shares_its_width_equally():
    images = [e for e in lab.render(CODES[1]).elements if e.kind == "image"]
    widths = [e.slot[2] - e.slot[0] for e in images]
    assert widths[0] == widths[1] and images[1].slot[0] - images[0].slot[2] == lab.GAP


@pytest.mark.parametrize("code", CODES)
def test_the_renderer_paints_only_inside_the_boxes_it_records(code):
    shot = lab.render(code)
    painted = (shot.pixels < 0.999).any(axis=2)
    inside = np.zeros_like(painted)
    for e in shot.elements:
        x0, y0, x1, y1 = e.box
        inside[y0:y1, x0:x1] = True
        assert painted[y0:y1, x0:x1].any(), e  # every recorded element shows up
    assert not (painted & ~inside).any()


def test_rendering_is_deterministic_and_blind_to_indentation():
    first, again = lab.render(CODES[0]), lab.render(CODES[0])
    assert np.array_equal(first.pixels, again.pixels) and first.elements == again.elements
    assert lab.render(CODES[0].replace("  ", "    ")).fingerprint() == first.fingerprint()
    assert lab.render(CODES[0].replace("Order", "Buy")).fingerprint() != first.fingerprint()


def test_overflow_and_floating_elements_show_in_the_boxes():
    long = CODES[0].replace("Bread and buns", lab.LONG_TEXTS[0])
    text = next(e for e in lab.render(long).elements if e.kind == "text")
    assert text.box[2] > text.slot[2]
    badge = CODES[0].replace("</page>", '<button at="20,15">New</button></page>')
    elements = lab.render(badge).elements
    assert elements[-1].box[:2] == (20, 15) and common.boxes_overlap(elements[-1].box, elements[0].box)


def test_the_writer_makes_exactly_the_fault_it_reports():
    assert lab.noisy_writer(CODES[0], common.rng(0), {}) == (CODES[0], CODES[0], "none")
    for seed in range(20):
        code, rendered_from, fault = lab.noisy_writer(CODES[0], common.rng(seed), {"typo": 1.0})
        assert fault == "typo" and code == rendered_from
        with pytest.raises(lab.LayoutError):
            lab.render(code)
        code, rendered_from, fault = lab.noisy_writer(CODES[0], common.rng(seed), {"edited after rendering": 1.0})
        assert fault == "edited after rendering" and code != rendered_from == CODES[0]
        assert lab.render(code).fingerprint() != lab.render(rendered_from).fingerprint()
        code, _, fault = lab.noisy_writer(CODES[0], common.rng(seed), {"floating badge": 1.0})
        assert fault == "floating badge" and len(lab.render(code).elements) == len(lab.render(CODES[0]).elements) + 1


def test_the_classifier_and_the_features():
    x = np.array([[0, 0], [0, 1], [1, 0], [10, 10], [10, 11], [11, 10]])
    labels = ["a"] * 3 + ["b"] * 3
    model = lab.NearestNeighbours(k=3).fit(x, labels)
    assert model.predict([[0.5, 0.5], [10.5, 10.5]]) == ["a", "b"]
    shot = lab.render(CODES[0])
    rows = [lab.crop_features(shot, e) for e in shot.elements]
    assert all(r.shape == (len(lab.CROP_FEATURES),) and np.isfinite(r).all() for r in rows)
    assert all(lab.size_features(e).shape == (len(lab.SIZE_FEATURES),) for e in shot.elements)


@pytest.mark.parametrize("draw", ["thumbnail", "sample"])
def test_drawings_are_deterministic_svg_on_white(draw):
    class Pair:
        code, screenshot = CODES[0], lab.render(CODES[0])

    make = {"thumbnail": lab.thumbnail, "sample": lambda: lab.sample_figure([Pair()], ["kept"])}[draw]
    first = make().data
    assert first == make().data
    assert svg_background(first if isinstance(first, str) else first.decode()) == "#ffffff"
