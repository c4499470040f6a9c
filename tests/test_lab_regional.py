"""Tests of the regional lab's plumbing: phrases that pick out exactly their object, strict relations
between boxes, careful boxes that match and faulty samples that fail the check describing them."""
from __future__ import annotations

import pytest

from conftest import svg_background
from helpers.labs import common, regional as lab


def scenes(n=30, seed=0):
    generator = common.rng(seed)
    return [common.random_scene(generator, n_things=4) for _ in range(n)]


def described(rates, seed=0, **options):
    made = scenes(seed=seed)
    generator = common.rng(seed + 1)
    return made, [s for i, scene in enumerate(made) for s in lab.describe(scene, i, generator, rates, **options)]


def failures(scene, sample):
    """An independent check: which properties fail (boxes inside, one object per phrase, IoU, relation)."""
    named = [lab.resolve(scene, p) for p in sample.phrases]
    unique = [m[0] for m in named if len(m) == 1]
    return {"outside": not all(0 <= v <= 1 for box in sample.boxes for v in box),
            "not one object": len(unique) < len(named),
            "iou": any(common.iou(box, m[0].box) < 0.5 for box, m in zip(sample.boxes, named) if len(m) == 1),
            "relation": bool(sample.relation) and len(unique) == 2
            and not lab.holds(sample.relation, unique[0].box, unique[1].box)}


def test_referring_expressions_pick_out_exactly_their_object():
    for scene in scenes():
        for thing in scene.things:
            assert lab.resolve(scene, lab.referring_expression(scene, thing)) == [thing]


def test_relations_are_strict_and_opposites_exclude_each_other():
    a, b = (0.1, 0.1, 0.3, 0.3), (0.5, 0.5, 0.7, 0.7)
    assert lab.holds("left of", a, b) and lab.holds("below", a, b)
    assert lab.holds("right of", b, a) and lab.holds("above", b, a)
    overlapping = (0.25, 0.5, 0.45, 0.7)  # overlaps a horizontally: neither left nor right
    assert not lab.holds("left of", a, overlapping) and not lab.holds("right of", a, overlapping)
    for scene in scenes():
        for s in scene.things:
            for t in scene.things:
                for relation, opposite in lab.OPPOSITE.items():
                    assert not (lab.holds(relation, s.box, t.box) and lab.holds(opposite, s.box, t.box))


def test_clean_samples_pass_every_check_and_are_reproducible():
    made, samples = described({})
    assert samples and all(not any(failures(made[s.scene], s).values()) for s in samples)
    assert {s.relation for s in samples} - {None} <= set(lab.RELATIONS)
    assert samples == described({})[1] and samples != described({}, seed=5)[1]


def test_the_check_rejects_a_planted_wrong_box():
    made, samples = described({})
    sample = samples[0]
    planted = lab.Sample(sample.scene, sample.phrases, ((0.0, 0.0, 0.05, 0.05),))
    assert failures(made[sample.scene], planted)["iou"]


@pytest.mark.parametrize("fault, fails", [("wrong object", {"iou"}), ("absent object", {"not one object"}),
                                          ("ambiguous phrase", {"not one object"}),
                                          ("swapped relation", {"relation"})])
def test_each_fault_fails_the_check_that_describes_it(fault, fails):
    made, samples = described({fault: 1.0})
    faulty = [s for s in samples if s.fault == fault]
    assert len(faulty) >= 10
    for sample in faulty:
        assert fails <= {name for name, bad in failures(made[sample.scene], sample).items() if bad}


def test_loose_boxes_mostly_fail_and_only_at_the_box():
    made, samples = described({"loose box": 1.0})
    loose = [s for s in samples if s.fault == "loose box"]
    caught = [s for s in loose if failures(made[s.scene], s)["iou"] or failures(made[s.scene], s)["outside"]]
    assert len(caught) > 0.8 * len(loose)
    assert not any(failures(made[s.scene], s)["not one object"] for s in loose)


def test_the_preferred_relation_is_overrepresented():
    _, biased = described({}, seed=2)
    _, fair = described({}, seed=2, prefer=None)
    def share(samples):
        return sum(s.relation == "left of" for s in samples) / sum(bool(s.relation) for s in samples)

    assert share(biased) > share(fair)


@pytest.mark.parametrize("draw", ["thumbnail", "sample", "threshold"])
def test_drawings_are_deterministic_svg_on_white(draw):
    made, samples = described({})
    make = {"thumbnail": lab.thumbnail,
            "sample": lambda: lab.sample_figure(made, samples[:2], [[], ["box misses its object"]]),
            "threshold": lambda: lab.threshold_figure([0.3, 0.5, 0.7], [0.5, 0.1, 0.0], [0.0, 0.0, 0.2], 0.5)}[draw]
    first = make().data
    assert first == make().data
    assert svg_background(first if isinstance(first, str) else first.decode()) == "#ffffff"
