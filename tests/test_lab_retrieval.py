"""Tests of the retrieval lab's plumbing: two-object scenes with an exact left and right, the caption
reader, the image encoder, the dual-encoder matcher and the pairwise score."""
from __future__ import annotations

import numpy as np
import pytest

from conftest import svg_background
from helpers.labs import common, retrieval as lab


def scenes(n=50, seed=0):
    generator = common.rng(seed)
    return [lab.two_object_scene(generator) for _ in range(n)]


def test_names_all_take_the_article_a():
    assert len(lab.NAMES) == len(set(lab.NAMES)) > 0
    assert all(name[0] not in "aeiou" for name in lab.NAMES)


def test_scenes_have_one_object_per_half_inside_the_canvas():
    for scene in scenes():
        left, right = lab.left_right(scene)
        assert left.name != right.name and {left.name, right.name} <= set(lab.NAMES)
        assert left.box[2] <= 0.5 <= right.box[0]  # never ambiguous
        assert all(0 <= v <= 1 for t in scene.things for v in t.box)
    assert [s.things for s in scenes(seed=4)] == [s.things for s in scenes(seed=4)]


def test_read_caption_parses_both_forms_and_refuses_others():
    assert lab.read_caption("a red circle to the left of a blue square") == (
        "relation", "red circle", "left", "blue square")
    assert lab.read_caption("a red circle and no blue square") == ("negation", "red circle", "blue square")
    with pytest.raises(ValueError):
        lab.read_caption("a red circle next to a blue square")


def test_same_words_ignores_order_only():
    assert lab.same_words("a red circle and no blue square", "a blue square and no red circle")
    assert not lab.same_words("a red circle to the left of a blue square",
                              "a blue square to the right of a red circle")


def test_image_features_encode_left_right_and_a_constant():
    world = scenes(5)
    features = lab.image_features(world)
    n = len(lab.NAMES)
    assert features.shape == (5, 2 * n + 1) and (features.sum(axis=1) == 3).all()
    for row, scene in zip(features, world):
        left, right = lab.left_right(scene)
        assert row[lab.NAMES.index(left.name)] == row[n + lab.NAMES.index(right.name)] == row[-1] == 1


def test_dual_encoder_learns_a_separable_toy_and_is_deterministic():
    generator = common.rng(0)
    images = np.eye(6)[generator.integers(0, 6, 300)]
    matching = images.copy()
    other = np.eye(6)[(images.argmax(1) + 1) % 6]  # a wrong text for every image
    x_images, x_texts = np.vstack([images, images]), np.vstack([matching, other])
    labels = np.r_[np.ones(300), np.zeros(300)]
    first = lab.DualEncoder(dim=4).fit(x_images, x_texts, labels)
    assert (first.score(images, matching) > first.score(images, other)).all()
    second = lab.DualEncoder(dim=4).fit(x_images, x_texts, labels)
    assert np.array_equal(first.score(images, other), second.score(images, other))


def test_blocked_products_equal_plain_ones():
    generator = common.rng(1)
    x, proj = generator.normal(size=(5000, 30)), generator.normal(size=(8, 30))
    weights = generator.normal(size=(5000, 8))
    assert np.allclose(lab._project(x, proj), x @ proj.T)
    assert np.allclose(lab._gradient(weights, x), weights.T @ x)


def test_pick_rate_counts_ties_as_half():
    assert lab.pick_rate([2.0, 1.0, 1.0], [1.0, 2.0, 1.0]).tolist() == [1.0, 0.0, 0.5]


@pytest.mark.parametrize("draw", ["thumbnail", "sample", "measurement"])
def test_drawings_are_deterministic_svg_on_white(draw):
    world = scenes(2)
    items = [{"scene": i, "caption": "a red circle and no blue square",
              "twin": "a blue square and no red circle", "kind": "negation swap"} for i in range(2)]
    make = {"thumbnail": lab.thumbnail, "sample": lambda: lab.sample_figure(items, world),
            "measurement": lambda: lab.measurement_figure({"bag of words": {"a": 0.5, "b": 0.5},
                                                           "words in place": {"a": 0.7, "b": 0.9}})}[draw]
    first = make().data
    assert first == make().data
    assert svg_background(first if isinstance(first, str) else first.decode()) == "#ffffff"
