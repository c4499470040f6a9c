"""Tests of the grounding lab's plumbing: patterned objects whose attributes are exact, scenes that list
what they draw, one-leaf look-alikes, the encoder, scene-level decisions that ground the concept, and
deterministic drawings."""
from __future__ import annotations

import numpy as np
import pytest

from conftest import svg_background
from helpers.labs import common, grounding as lab

PIP = {"shape": "square", "colour": "blue", "pattern": "stripes", "accent": "yellow"}


def scenes(n=30, seed=0):
    generator = common.rng(seed)
    return [lab.place([PIP] + [lab.random_attributes(generator) for _ in range(3)], generator) for _ in range(n)]


def test_the_look_alikes_vary_one_dimension_each():
    assert lab.DIMENSIONS == ("shape", "colour", "pattern", "accent")


def test_random_attributes_are_valid_uniform_and_seeded():
    drawn = [lab.random_attributes(common.rng(0)) for _ in range(3)]
    assert drawn[0] == drawn[1] == drawn[2]  # the same seed gives the same object
    generator = common.rng(1)
    many = [lab.random_attributes(generator) for _ in range(4000)]
    assert all(lab.valid(a) for a in many)  # the pattern is always visible
    for dimension in lab.DIMENSIONS:
        assert {a[dimension] for a in many} == set(lab.VALUES[dimension])
    assert abs(np.mean([a["pattern"] == "stripes" for a in many]) - 1 / 3) < 0.03


def test_valid_and_differences():
    assert lab.valid(PIP)
    assert not lab.valid(dict(PIP, accent="blue"))  # invisible pattern
    assert not lab.valid(dict(PIP, shape="hexagon"))
    assert lab.differences(PIP, PIP) == []
    assert lab.differences(PIP, dict(PIP, pattern="stars")) == ["pattern"]
    assert lab.differences(PIP, dict(PIP, shape="circle", accent="red")) == ["shape", "accent"]


def test_placed_scenes_are_exact_and_keep_the_main_object_first():
    for scene in scenes():
        boxes = [t.box for t in scene.things]
        assert all(0 <= x0 < x1 <= 1 and 0 <= y0 < y1 <= 1 for x0, y0, x1, y1 in boxes)
        assert not any(common.boxes_overlap(a, b) for i, a in enumerate(boxes) for b in boxes[i + 1:])
        assert scene.things[0].attributes == PIP
        assert lab.describe(scene) == [t.attributes for t in scene.things]
    assert [s.things for s in scenes(seed=4)] == [s.things for s in scenes(seed=4)]


def test_items_name_all_four_attributes():
    item = lab.Item("square", "blue", 0.5, 0.5, 0.2, "stripes", "yellow")
    assert item.name == "blue square with yellow stripes"
    assert item.attributes == PIP and item.box == (0.4, 0.4, 0.6, 0.6)


def test_tree_lists_every_leaf():
    tree = lab.show_tree("Pip", "toy", PIP).splitlines()
    assert tree[0] == "Pip (toy)"
    assert [line.split(" ", 1)[1] for line in tree[1:]] == [f"{d}: {PIP[d]}" for d in lab.DIMENSIONS]


def test_encoder_without_noise_is_one_hot():
    world = scenes(3)
    items = [t for s in world for t in s.things]
    clean = lab.encode(items, common.rng(0), noise={d: 0.0 for d in lab.DIMENSIONS})
    assert clean.shape == (len(items), sum(len(v) for v in lab.VALUES.values()))
    assert np.all(clean.sum(axis=1) == len(lab.DIMENSIONS))
    first = clean[0]
    offset = 0
    for dimension in lab.DIMENSIONS:
        values = lab.VALUES[dimension]
        assert values[int(np.argmax(first[offset:offset + len(values)]))] == PIP[dimension]
        offset += len(values)
    noisy = lab.encode(items, common.rng(5))
    assert np.array_equal(noisy, lab.encode(items, common.rng(5))) and not np.array_equal(noisy, clean)


class Oracle:
    """A recogniser that knows the answer: probability 1 for the concept's crops, 0 otherwise."""

    def predict_proba(self, x):
        onehot = np.round(x)  # noise-free rows are exact one-hot blocks
        want = np.concatenate([[v == PIP[d] for v in lab.VALUES[d]] for d in lab.DIMENSIONS])
        return (onehot @ want == len(lab.DIMENSIONS)).astype(float)


def test_scene_decisions_find_and_ground_the_concept():
    generator = common.rng(2)
    with_pip = scenes(5)
    without = [lab.place([dict(PIP, accent="red"), lab.random_attributes(generator)], generator) for _ in range(5)]
    decisions = lab.scene_decisions(Oracle(), with_pip + without, common.rng(0), PIP,
                                    noise={d: 0.0 for d in lab.DIMENSIONS})
    for scene, decision in zip(with_pip, decisions[:5]):
        assert decision["says_present"] and decision["grounded"] and decision["box"] == scene.things[0].box
    assert not any(d["says_present"] or d["grounded"] for d in decisions[5:])


@pytest.mark.parametrize("draw", ["thumbnail", "sample", "measurement"])
def test_drawings_are_deterministic_svg_on_white(draw):
    world = scenes(2)
    samples = [{"kind": "positive", "scene": world[0], "box": world[0].things[0].box},
               {"kind": "look-alike", "changed": "pattern", "scene": world[1]},
               {"kind": "positive", "scene": world[1], "reason": "Pip missing or altered"}]
    make = {"thumbnail": lab.thumbnail, "sample": lambda: lab.sample_figure(samples, "Pip", columns=3),
            "measurement": lambda: lab.measurement_figure({"a": {"Pip": 1.0, "look-alike: shape": 0.5},
                                                           "b": {"Pip": 0.9, "look-alike: shape": 0.1}})}[draw]
    first = make().data
    assert first == make().data
    assert svg_background(first if isinstance(first, str) else first.decode()) == "#ffffff"
