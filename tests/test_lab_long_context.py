"""Tests of the long-context lab's plumbing: toy images that stay on their canvas, needles that are
the only evidence, a builder whose faults are the ones it claims, and a reader whose window and
recency bias do what they say."""
from __future__ import annotations

import numpy as np
import pytest

from conftest import svg_background
from helpers.labs import common, long_context as lab


def sequence(generator, n, at, shape="triangle"):
    others = [s for s in lab.SHAPES if s != shape]
    images = lab.images(generator, n, others)
    images[at] = lab.with_one(images[at], shape, generator)
    return lab.Sequence(tuple(images), shape, lab.holds(images[at], shape)[0], at)


def evidence(s):
    return [i for i, image in enumerate(s.images) if lab.holds(image, s.shape)]


def test_images_stay_on_the_canvas_without_overlaps_and_repeat_with_the_seed():
    drawn = lab.images(common.rng(0), 200, ["circle", "square"])
    for scene in drawn:
        boxes = [t.box for t in scene.things]
        assert len(boxes) == 3 and {t.shape for t in scene.things} <= {"circle", "square"}
        assert all(0 <= x0 < x1 <= 1 and 0 <= y0 < y1 <= 1 for x0, y0, x1, y1 in boxes)
        assert not any(common.boxes_overlap(a, b) for i, a in enumerate(boxes) for b in boxes[i + 1:])
    assert [s.things for s in lab.images(common.rng(0), 5, ["circle"])] == \
           [s.things for s in lab.images(common.rng(0), 5, ["circle"])]


def test_a_built_needle_is_the_only_evidence_and_holds_the_answer():
    generator = common.rng(1)
    for n in (4, 8, 32):
        for at in (0, n // 2, n - 1):
            s = sequence(generator, n, at)
            assert evidence(s) == [at] and lab.holds(s.images[at], s.shape) == [s.answer]


def test_the_builder_makes_exactly_the_fault_it_reports():
    clean = sequence(common.rng(2), 8, 3)
    assert lab.noisy_builder(clean, common.rng(0), {}) == clean
    for seed in range(20):
        second = lab.noisy_builder(clean, common.rng(seed), {"second needle": 1.0})
        assert second.fault == "second needle" and len(evidence(second)) == 2 and second.answer == clean.answer
        wrong = lab.noisy_builder(clean, common.rng(seed), {"answer from a neighbour": 1.0})
        if wrong.fault != "none":
            assert wrong.images == clean.images and wrong.answer not in lab.holds(clean.images[3], clean.shape)


def test_fingerprints_tell_sequences_apart():
    a = sequence(common.rng(3), 8, 2)
    assert lab.fingerprint(a) == lab.fingerprint(sequence(common.rng(3), 8, 2))
    assert lab.fingerprint(a) != lab.fingerprint(sequence(common.rng(4), 8, 2))


def test_the_encoder_without_noise_is_the_exact_indicator():
    s = sequence(common.rng(5), 6, 1)
    seen = lab.encode(s, common.rng(0), noise=0.0)
    assert seen.shape == (6, len(lab.COLOURS), len(lab.SHAPES)) and set(np.unique(seen)) <= {0.0, 1.0}
    assert seen.sum() == sum(len(i.things) for i in s.images)


@pytest.mark.parametrize("at", [0, 5, 9, 11])
def test_window_and_recency_do_what_they_say(at):
    s = sequence(common.rng(6), 12, at)
    seen = lab.encode(s, common.rng(0), noise=0.0)
    assert lab.Reader(8.0).answer(seen, s.shape) == s.answer
    window = lab.Reader(8.0, window=4)
    weights = window.attention(seen, s.shape)
    assert weights.sum() == pytest.approx(1) and not weights[:8].any()
    attended = weights @ seen[:, :, lab.SHAPES.index(s.shape)]
    assert (attended.sum() > 0) == (at >= 8)  # the window sees the needle only when it is inside
    if at >= 8:
        assert window.answer(seen, s.shape) == s.answer
    blind = lab.Reader(8.0, recency=100.0)  # nothing but the last image counts
    assert blind.attention(seen, s.shape)[-1] == pytest.approx(1)


def test_accuracy_is_perfect_for_a_full_reader_without_noise():
    generator = common.rng(7)
    sequences = [sequence(generator, 16, int(generator.integers(16))) for _ in range(30)]
    seen = [lab.encode(s, common.rng(0), noise=0.0) for s in sequences]
    assert lab.accuracy(lab.Reader(8.0), sequences, seen).mean() == 1.0


@pytest.mark.parametrize("draw", ["thumbnail", "sample", "measurement"])
def test_drawings_are_deterministic_svg_on_white(draw):
    s = sequence(common.rng(8), 6, 2)
    make = {"thumbnail": lab.thumbnail,
            "sample": lambda: lab.sample_figure([s], [[2]], [True], ["What colour is the triangle?"]),
            "measurement": lambda: lab.measurement_figure({"a": [1.0, 0.5]}, ["early", "late"], 8,
                                                          {"a": [1.0, 0.8]}, [4, 8])}[draw]
    first = make().data
    assert first == make().data
    assert svg_background(first if isinstance(first, str) else first.decode()) == "#ffffff"
