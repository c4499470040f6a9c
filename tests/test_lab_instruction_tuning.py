"""Tests of the instruction-tuning lab's plumbing: the symbolic view (captions and boxes), and facts
worded as sentences and read back."""
from __future__ import annotations

import pytest

from conftest import svg_background
from helpers.labs import common, instruction_tuning as lab


def scenes(n=30, seed=0):
    generator = common.rng(seed)
    return [common.random_scene(generator, n_things=int(generator.integers(3, 6))) for _ in range(n)]


def test_symbolic_view_has_captions_and_exact_boxes():
    for scene in scenes():
        view = lab.symbolic(scene, common.rng(1))
        assert view.startswith("Captions:") and view.count("\n") == 3 + len(scene.things)
        assert lab.read_boxes(view) == {t.name: t.box for t in scene.things}
    assert lab.symbolic(scenes(1)[0], common.rng(3)) == lab.symbolic(scenes(1)[0], common.rng(3))


FACTS = [("count", "circle", 0), ("count", "square", 1), ("count", "triangle", 3), ("total", 1), ("total", 4),
         ("colour", "square", "sky"), ("place", "red circle", "top left"), ("place", "red circle", "top"),
         ("left", "red circle", "blue square"), ("exists", "orange triangle"),
         ("more", "circle", "square", True), ("more", "circle", "square", False)]


@pytest.mark.parametrize("fact", FACTS, ids=str)
def test_every_fact_reads_back_from_its_sentence(fact):
    sentence = lab.say(fact)
    assert lab.sentences(sentence) == [sentence]
    assert lab.read_fact(sentence) == fact


def test_right_of_is_read_as_left_of_reversed_and_other_text_is_unchecked():
    fact = lab.read_fact("The red circle is to the right of the blue square.")
    assert fact == ("left", "blue square", "red circle")
    assert lab.read_fact("It is a cheerful picture.") is None
    assert lab.read_fact("The red circle looks bigger than the blue square.") is None


def test_sentences_split_on_stops():
    assert lab.sentences("There are two circles. So there are more circles than squares.") == [
        "There are two circles.", "So there are more circles than squares."]


def test_wrap_keeps_every_word_within_the_width():
    text = "The blue square is to the left of the yellow square and the pink triangle."
    wrapped = lab._wrap(text, 20)
    assert wrapped.split() == text.split() and all(len(line) <= 20 for line in wrapped.splitlines())


@pytest.mark.parametrize("draw", ["thumbnail", "sample"])
def test_drawings_are_deterministic_svg_on_white(draw):
    world = scenes(2)
    samples = [{"scene": 0, "kind": "reasoning",
                "turns": [("user", "Are there more circles than squares?"),
                          ("assistant", "There is one circle.")]}]
    make = {"thumbnail": lab.thumbnail,
            "sample": lambda: lab.sample_figure(samples, world, [{"There is one circle.": "+"}])}[draw]
    first = make().data
    assert first == make().data
    assert svg_background(first if isinstance(first, str) else first.decode()) == "#ffffff"
