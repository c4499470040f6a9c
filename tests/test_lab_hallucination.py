"""Tests of the hallucination lab's plumbing: the toy world's habits, exact scenes and annotations,
answers whose claims can be read back, and the probe's clues."""
from __future__ import annotations

import numpy as np
import pytest

from conftest import svg_background
from helpers.labs import common, hallucination as lab


def scenes(n=40, seed=0):
    generator = common.rng(seed)
    return [lab.place([str(o) for o in generator.choice(lab.OBJECTS, size=4, replace=False)], generator)
            for _ in range(n)]


def test_habits_pair_every_object_with_one_other():
    partner = lab.habits(0)
    assert sorted(partner) == lab.OBJECTS
    assert all(partner[partner[o]] == o and partner[o] != o for o in lab.OBJECTS)
    assert lab.habits(0) == partner and lab.habits(1) != partner  # seeded


def test_placed_scenes_are_exact():
    for scene in scenes():
        boxes = [t.box for t in scene.things]
        assert all(0 <= x0 < x1 <= 1 and 0 <= y0 < y1 <= 1 for x0, y0, x1, y1 in boxes)
        assert not any(common.boxes_overlap(a, b) for i, a in enumerate(boxes) for b in boxes[i + 1:])
        assert len(scene.names()) == len(scene.things)
    assert [s.things for s in scenes(seed=3)] == [s.things for s in scenes(seed=3)]


def test_place_word_follows_the_grid():
    assert lab.place_word((0.0, 0.8, 0.2, 1.0)) == "top left"
    assert lab.place_word((0.4, 0.4, 0.6, 0.6)) == "centre"
    assert lab.place_word((0.8, 0.0, 1.0, 0.2)) == "bottom right"
    assert lab.place_word((0.4, 0.0, 0.6, 0.2)) == "bottom"


def test_annotation_round_trips_exactly():
    for scene in scenes():
        assert lab.read_annotation(lab.annotation(scene)) == {t.name: t.box for t in scene.things}


def test_claims_read_back_what_the_answers_say():
    scene = scenes(1)[0]
    shown = {t.name: lab.place_word(t.box) for t in scene.things}
    absent = next(o for o in lab.OBJECTS if o not in shown)
    # the denied object is not claimed, every shown one is, with its place
    assert sorted(lab.claims(lab.say_no(absent, shown))) == sorted(shown.items())
    name, where = next(iter(shown.items()))
    assert lab.claims(lab.say_yes(name, where)) == [(name, where)]
    wrong = next(p for p in lab.PLACES if p != where)
    assert lab.claims(lab.say_yes(name, wrong)) != [(name, shown[name])]  # a misplacement is visible
    assert lab.say_yes("orange circle", "top") == "Yes, there is an orange circle (top)."


def test_glimpse_without_noise_is_the_truth():
    world = scenes(5)
    partner = lab.habits(0)
    items = [{"scene": i, "object": o} for i in range(5) for o in lab.OBJECTS]
    clues = lab.glimpse(items, world, partner, common.rng(0), noise=0.0)
    for row, item in zip(clues, items):
        scene = world[item["scene"]]
        colour, shape = item["object"].split()
        assert row[0] == (item["object"] in scene.names())
        assert row[1] == (colour in {t.colour for t in scene.things})
        assert row[2] == (shape in {t.shape for t in scene.things})
        assert row[3] == (partner[item["object"]] in scene.names())
    noisy = lab.glimpse(items, world, partner, common.rng(0))
    assert np.array_equal(noisy, lab.glimpse(items, world, partner, common.rng(0)))


def test_rates_are_yes_shares_per_kind_present_first():
    items = [{"kind": k} for k in ("random", "present", "present", "co-occurring")]
    assert lab.rates([1, 1, 0, 0], items) == {"present": 0.5, "co-occurring": 0.0, "random": 1.0}
    assert list(lab.rates([0, 0, 0, 0], items)) == ["present", "co-occurring", "random"]


@pytest.mark.parametrize("draw", ["thumbnail", "sample", "measurement"])
def test_drawings_are_deterministic_svg_on_white(draw):
    world = scenes(2)
    items = [{"scene": 0, "answer": "yes", "object": world[0].things[0].name, "kind": "present"},
             {"scene": 1, "answer": "no", "object": "red circle", "kind": "random"}]
    make = {"thumbnail": lab.thumbnail, "sample": lambda: lab.sample_figure(items, world),
            "measurement": lambda: lab.measurement_figure({"a": {"present": 1.0, "random": 0.5}})}[draw]
    first = make().data
    assert first == make().data
    assert svg_background(first if isinstance(first, str) else first.decode()) == "#ffffff"


def test_keep_indent_turns_leading_spaces_into_no_break_spaces():
    assert lab.keep_indent("a b\n  c d\n e") == "a b\n\u00a0\u00a0c d\n\u00a0e"
