"""Tests of the evaluation lab's plumbing: the biased world, the symbolic description and its reader,
the imperfect eye, the blind baseline and the majority share."""
from __future__ import annotations

import pytest

from conftest import svg_background
from helpers.labs import common, evaluation as lab


def scenes(n=60, seed=0, **kwargs):
    generator = common.rng(seed)
    return [lab.world_scene(generator, **kwargs) for _ in range(n)]


def test_world_scenes_are_exact_and_seeded():
    for scene in scenes():
        assert 2 <= len(scene.things) <= 5 and len(scene.names()) == len(scene.things)
        boxes = [t.box for t in scene.things]
        assert all(0 <= v <= 1 for box in boxes for v in box)
        assert not any(common.boxes_overlap(a, b) for i, a in enumerate(boxes) for b in boxes[i + 1:])
    assert [s.things for s in scenes(seed=5)] == [s.things for s in scenes(seed=5)]


def test_the_world_has_its_habit():
    things = [t for s in scenes(300) for t in s.things]
    for shape, colour in lab.FAVOURITE.items():
        mine = [t for t in things if t.shape == shape]
        assert sum(t.colour == colour for t in mine) / len(mine) > 0.4  # far above 1/8
    plain = [t for s in scenes(300, favourite=0.0) for t in s.things]
    assert sum(t.colour == lab.FAVOURITE[t.shape] for t in plain) / len(plain) < 0.25


def test_description_lists_left_to_right_and_reads_back():
    for scene in scenes():
        rows = lab.read_description(lab.description(scene))
        assert [r[1] for r in rows] == sorted(r[1] for r in rows)
        assert {(name, x, y) for name, x, y in rows} == {(t.name, t.x, t.y) for t in scene.things}


def test_perceive_with_perfect_eyes_sees_the_scene():
    for scene in scenes(20):
        seen = lab.perceive(scene, common.rng(0), confuse=0.0, miss=0.0, jitter=0.0)
        assert seen.things == scene.things
    fuzzy = [lab.perceive(s, common.rng(1), confuse=1.0, miss=0.0, jitter=0.0) for s in scenes(20)]
    for scene, seen in zip(scenes(20), fuzzy):
        assert [t.colour for t in seen.things] == [lab.LOOK_ALIKE.get(t.colour, t.colour) for t in scene.things]


def item(question, answer, template="t"):
    return {"question": question, "answer": answer, "template": template}


def test_majority_answer_backs_off_from_question_to_template_to_overall():
    dev = [item("q1", "a"), item("q1", "a"), item("q1", "b"), item("q2", "c"),
           item("q3", "c", "u"), item("q4", "c", "u")]
    blind = lab.MajorityAnswer().fit(dev)
    assert blind.predict([item("q1", ""), item("new", ""), item("new", "", "unknown")]) == ["a", "a", "c"]
    tie = lab.MajorityAnswer().fit([item("q", "b"), item("q", "a")])
    assert tie.predict([item("q", "")]) == ["a"]  # ties broken alphabetically, not by order


def test_majority_share_per_group():
    items = [item("q1", "a"), item("q1", "a"), item("q1", "b"), item("q2", "c")]
    assert lab.majority_share(items, "t") == pytest.approx(3 / 4)
    assert lab.majority_share(items, "t", group=lambda i: i["template"]) == pytest.approx(2 / 4)


@pytest.mark.parametrize("draw", ["thumbnail", "sample", "balance", "measurement"])
def test_drawings_are_deterministic_svg_on_white(draw):
    world = scenes(2)
    items = [dict(item("How many circles are there?", "1", "count"), scene=i) for i in range(2)]
    table = {"a": {"x": 0.5, "y": 0.7}, "b": {"x": 0.9, "y": 0.2}}
    make = {"thumbnail": lab.thumbnail,
            "sample": lambda: lab.sample_figure(items, world, marked={(0, items[0]["question"])}),
            "balance": lambda: lab.balance_figure(table),
            "measurement": lambda: lab.measurement_figure(table)}[draw]
    first = make().data
    assert first == make().data
    assert svg_background(first if isinstance(first, str) else first.decode()) == "#ffffff"
