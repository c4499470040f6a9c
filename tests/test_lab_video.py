"""Tests of the video lab's plumbing: clips whose objects stay on the canvas, answers that follow
the trajectories, a sparse annotator that errs only where its frames hide the answer, and
perception rows that report what each frame shows."""
from __future__ import annotations

import numpy as np
import pytest

from conftest import svg_background
from helpers.labs import common, video as lab

ALL = range(lab.FRAMES)


def clips(n=40, seed=0):
    generator = common.rng(seed)
    return [lab.random_clip(generator) for _ in range(n)]


def test_clips_stay_on_the_canvas_and_are_reproducible():
    for clip in clips():
        assert 2 <= len(clip.tracks) <= lab.MAX_OBJECTS
        assert len({k.name for k in clip.tracks}) == len(clip.tracks)
        for k in clip.tracks:
            assert 0 <= k.first <= k.last < lab.FRAMES
            for t in ALL:
                x, y = k.at(t)
                assert k.size / 2 <= x <= 1 - k.size / 2 and k.size / 2 <= y <= 1 - k.size / 2
        assert [t.name for t in clip.frame(0).things] == [k.name for k in clip.tracks if k.visible(0)]
    assert clips(seed=2) == clips(seed=2) and clips(seed=2) != clips(seed=3)


def test_answers_follow_the_trajectories():
    track = lab.Track("circle", "blue", 0.1, 0.2, 0.5, 0.05, 0.0, 2, lab.FRAMES - 1)
    other = lab.Track("square", "red", 0.1, 0.8, 0.2, 0.0, 0.0, 0, 4)
    clip = lab.Clip((track, other))
    assert lab.answer(clip, "direction", ("blue circle",), ALL) == "right"
    assert lab.answer(clip, "direction", ("red square",), ALL) == "still"
    assert lab.answer(clip, "appear or disappear", ("blue circle",), ALL) == "appears"
    assert lab.answer(clip, "appear or disappear", ("red square",), ALL) == "disappears"
    assert lab.answer(clip, "order", ("blue circle", "red square"), ALL) == "second named"
    assert lab.answer(clip, "count at end", (), ALL) == "1"
    assert lab.answer(clip, "count over clip", (), ALL) == "2"
    assert lab.answer(clip, "side at end", ("blue circle",), ALL) == "right"  # 0.2 + 7 * 0.05 = 0.55


def test_every_answer_is_one_of_its_options():
    for clip in clips():
        names = tuple(k.name for k in clip.tracks)
        for kind in lab.KINDS:
            assert lab.answer(clip, kind, names[:2], ALL) in lab.OPTIONS[kind]


def test_the_sparse_annotator_errs_only_where_its_frames_hide_the_answer():
    generator = common.rng(4)
    for clip in clips():
        for kind in ("direction", "count over clip"):  # steady motion, and nobody hides between reads
            k = clip.tracks[0]
            if kind == "direction" and not (k.first == 0 and k.last == lab.FRAMES - 1):
                continue
            names = (k.name,) if kind == "direction" else ()
            written = lab.sparse_annotator(clip, kind, names, generator, hallucination=0.0)
            assert written == lab.answer(clip, kind, names, ALL)
    leaves_late = lab.Clip((lab.Track("circle", "blue", 0.1, 0.5, 0.5, 0, 0, 0, lab.FRAMES - 2),))
    assert lab.sparse_annotator(leaves_late, "appear or disappear", ("blue circle",), generator,
                                hallucination=0.0) == "stays"  # a planted miss: it leaves after frame 6
    assert lab.answer(leaves_late, "appear or disappear", ("blue circle",), ALL) == "disappears"


def test_perception_reports_each_frame():
    clip = clips(1)[0]
    names = (clip.tracks[0].name,)
    rows = lab.perceive(clip, names)
    assert rows.shape == (lab.FRAMES, 6 + lab.MAX_OBJECTS + 1)
    for t in ALL:
        k = clip.tracks[0]
        assert rows[t, 0] == k.visible(t)
        if k.visible(t):
            assert tuple(rows[t, 1:3]) == pytest.approx(k.at(t))
        assert rows[t, 6:].sum() == 1 and rows[t, 6 + sum(x.visible(t) for x in clip.tracks)] == 1
    assert np.array_equal(lab.features(rows, [0, 7]), np.append(rows[[0, 7]].ravel(), 1.0))


def test_the_classifier_learns_a_separable_rule():
    x = np.array([[v, 1.0] for v in np.linspace(-1, 1, 41)])
    answers = ["left" if v < 0 else "right" for v in x[:, 0]]
    weights = lab.fit(x, answers, ("left", "right"))
    assert lab.predict(weights, x, ("left", "right")) == answers


@pytest.mark.parametrize("draw", ["thumbnail", "sample", "accuracy"])
def test_drawings_are_deterministic_svg_on_white(draw):
    made = clips(2)
    row = {"clip": 1, "kind": "order", "names": (made[1].tracks[0].name, made[1].tracks[1].name),
           "question": "Which comes first?", "written": "first named", "truth": "second named"}
    make = {"thumbnail": lab.thumbnail, "sample": lambda: lab.sample_figure(made, [row]),
            "accuracy": lambda: lab.accuracy_figure({"one": dict.fromkeys(lab.KINDS, 0.5)},
                                                    dict.fromkeys(lab.KINDS, 0.3))}[draw]
    first = make().data
    assert first == make().data
    text = first if isinstance(first, str) else first.decode()
    # matplotlib may write the left edge of a tight figure as -0; it is still the figure's own background
    assert svg_background(text.replace('<path d="M -0 ', '<path d="M 0 ', 1)) == "#ffffff"
