"""Tests of the captioning lab's plumbing: exact scene facts, statements that survive a round trip
through words, a reader that finds every claim (and only claims), truth recomputed from the scene, the
matcher and its recall, and deterministic drawings."""
from __future__ import annotations

import numpy as np
import pytest

from conftest import svg_background
from helpers.labs import captioning as lab, common

SCENE = common.Scene([common.Thing("circle", "red", 0.2, 0.5, 0.24), common.Thing("square", "blue", 0.5, 0.5, 0.16),
                      common.Thing("circle", "green", 0.8, 0.5, 0.2)])


def scenes(n=40, seed=0):
    generator = common.rng(seed)
    return [common.random_scene(generator, n_things=int(generator.integers(2, 5))) for _ in range(n)]


def test_facts_of_a_known_scene():
    assert lab.facts(SCENE) == {
        ("object", "red circle"), ("object", "blue square"), ("object", "green circle"),
        ("size", "red circle", "large"), ("size", "blue square", "small"), ("size", "green circle", "large"),
        ("left of", "red circle", "blue square"), ("left of", "blue square", "green circle"),
        ("count", "circle", 2), ("count", "square", 1)}


def statements(scene):
    """The statements of a complete, honest caption, one per fact (object and size together)."""
    sized = {(f[1], f[2]) for f in lab.facts(scene) if f[0] == "size"}
    return [("object", name, size) for name, size in sorted(sized)] + sorted(
        f for f in lab.facts(scene) if f[0] in ("left of", "count"))


def test_statements_round_trip_through_words_and_hold():
    for scene in scenes():
        said = statements(scene)
        caption = " ".join(lab.say(st) for st in said)
        assert sorted(lab.read(caption)) == sorted(said)
        assert all(lab.holds(st, scene) for st in said)
        assert set().union(*map(lab.claimed_facts, said)) == lab.facts(scene)
        assert lab.unread(caption) == []


def test_reader_finds_bare_mentions_and_leaves_other_words():
    assert lab.read("large red circle clipart") == [("object", "red circle", "large")]
    assert lab.read("sky triangle icon") == [("object", "sky triangle", None)]
    assert lab.read("IMG_0423") == [] and lab.unread("IMG_0423") == ["img", "0423"]
    assert lab.unread("orange square picture") == ["picture"]
    assert lab.say_count("circle", 1) == "There is one circle." and lab.say_count("square", 3) == "There are three squares."
    assert lab.read("There are two circles. There is an orange square.") == [
        ("count", "circle", 2), ("object", "orange square", None)]  # 'an orange' is not the object sentence form


def test_planted_false_statements_are_caught():
    wrong = [("object", "yellow triangle", "small"),  # absent
             ("object", "blue square", "large"),  # wrong size
             ("left of", "green circle", "red circle"),  # flipped
             ("count", "circle", 3)]  # miscounted
    assert not any(lab.holds(st, SCENE) for st in wrong)
    assert lab.holds(("left of", "red circle", "green circle"), SCENE)  # true though not neighbours
    with pytest.raises(ValueError):
        lab.holds(("colour", "red"), SCENE)


def test_scene_features():
    features = lab.scene_features([SCENE])[0]
    n = len(lab.NAMES)
    assert features[:n].sum() == 3 and features[n:2 * n].sum() == 2  # present; large
    assert features[lab.NAMES.index("blue square")] == 1 and features[n + lab.NAMES.index("blue square")] == 0
    assert list(features[2 * n:]) == [1.0, 0.5, 0.0]  # circles, squares, triangles, halved


def test_matcher_and_recall():
    assert lab.recall_at_1(np.eye(4)) == 1.0
    assert lab.recall_at_1(np.ones((3, 3))) == 0.0  # ties are misses
    world = scenes(60, seed=2)
    features = lab.scene_features(world)
    captions = [" ".join(lab.say(st) for st in statements(s)) for s in world]
    vocab = common.vocabulary(captions)
    text = lab.text_features(captions, vocab)
    assert np.allclose(np.linalg.norm(text, axis=1), 1.0)
    matcher = lab.Matcher(l2=0.1).fit(text, features)
    assert lab.recall_at_1(matcher.scores(text, features)) > 0.8
    shuffled = lab.Matcher(l2=0.1).fit(text, features[common.rng(0).permutation(len(world))])
    assert lab.recall_at_1(shuffled.scores(text, features)) < 0.3  # wrong pairs teach nothing


@pytest.mark.parametrize("draw", ["thumbnail", "sample", "measurement"])
def test_drawings_are_deterministic_svg_on_white(draw):
    items = [{"scene": 0, "web": "red circle clipart", "web_ok": True,
              "checked": [("There is a large red circle.", True), ("There are three circles.", False)]}]
    make = {"thumbnail": lab.thumbnail, "sample": lambda: lab.sample_figure(items, [SCENE]),
            "measurement": lambda: lab.measurement_figure({"a": {50: 0.2, 100: 0.3}, "b": {50: 0.4, 100: 0.5}}, 0.01)}[draw]
    first = make().data
    assert first == make().data
    assert svg_background(first if isinstance(first, str) else first.decode()) == "#ffffff"
