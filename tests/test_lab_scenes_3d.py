"""Tests of the 3d-scenes lab's plumbing: a pinhole camera that projects as the formula says,
measurements with the symmetries their questions assume, a lifter whose only error is depth, and
deterministic drawings."""
from __future__ import annotations

import numpy as np
import pytest

from conftest import svg_background
from helpers.labs import common, scenes_3d as lab

SCENE = [lab.make_thing("table", -0.6, 4.5, 0), lab.make_thing("mug", -0.8, 4.4, lab.TABLE_TOP),
         lab.make_thing("lamp", 1.2, 6.0, 0), lab.make_thing("ball", 0.5, 3.4, 0),
         lab.make_thing("wardrobe", -1.5, 8.0, 0)]


def test_the_camera_projects_as_a_pinhole():
    cam = lab.CAMERA
    centre = cam.project(np.array([[0.0, cam.height, 5.0]]))[0]
    assert tuple(centre) == (cam.size[0] / 2, cam.size[1] / 2)
    point = cam.project(np.array([[1.0, 0.0, 4.0]]))[0]
    assert point == pytest.approx([cam.size[0] / 2 + cam.focal / 4, cam.size[1] / 2 + cam.focal * cam.height / 4])
    rows = cam.project(np.array([[0.0, 0.0, z] for z in (3, 4, 6, 10, 50)]))[:, 1]
    assert all(np.diff(rows) < 0) and rows[-1] > cam.size[1] / 2  # floor points rise towards the horizon


def test_boxes_hold_their_objects_and_shrink_with_distance():
    for t in SCENE:
        u0, v0, u1, v1 = lab.box_2d(t)
        u, v = lab.CAMERA.project(t.centre[None])[0]
        assert u0 < u < u1 and v0 < v < v1
        corners = t.corners()
        assert corners.min(axis=0) == pytest.approx([t.x - t.size[0] / 2, t.base, t.z - t.size[2] / 2])
        farther = lab.make_thing(t.name, t.x, t.z + 3, t.base)
        assert lab.box_2d(farther)[3] - lab.box_2d(farther)[1] < v1 - v0


def test_measurements_have_the_symmetries_their_questions_assume():
    for a in SCENE:
        for b in SCENE:
            if a is b:
                continue
            assert lab.distance_apart(a, b) == pytest.approx(lab.distance_apart(b, a))
            assert lab.is_left_of(a, b) != lab.is_left_of(b, a)
            assert not (lab.is_above(a, b) and lab.is_above(b, a))
    mug, table = SCENE[1], SCENE[0]
    assert lab.is_above(mug, SCENE[3]) and not lab.is_above(mug, table)  # on the table, not above it
    assert mug.base == table.top


def test_visibility_counts_what_nearer_objects_cover():
    front = lab.make_thing("wardrobe", 0, 3.5, 0)
    behind = lab.make_thing("ball", 0, 7, 0)
    assert lab.visible_share([front, behind]) == [1.0, 0.0]
    assert lab.visible_share([behind]) == [1.0]


def test_the_lifter_gets_the_image_right_and_only_depth_wrong():
    exact = lab.lift(SCENE, common.rng(0), scale_error=0.0, object_error=0.0)
    for t, e in zip(SCENE, exact):
        assert e.centre == pytest.approx(t.centre, abs=2e-3) and e.size == pytest.approx(t.size, abs=2e-3)
    for seed in range(10):
        lifted = lab.lift(SCENE, common.rng(seed), scale_error=0.3)
        for t, e in zip(SCENE, lifted):
            assert lab.box_2d(e) == pytest.approx(lab.box_2d(t), abs=0.5)  # the same picture
        assert [lab.is_left_of(a, b) for a in lifted for b in lifted if a is not b] == \
               [lab.is_left_of(a, b) for a in SCENE for b in SCENE if a is not b]
    assert lab.lift(SCENE, common.rng(4)) == lab.lift(SCENE, common.rng(4))


def test_a_large_depth_error_is_visible_in_metric_answers():
    wrong = 0
    for seed in range(20):
        lifted = lab.lift(SCENE, common.rng(seed), scale_error=0.5, object_error=0.0)
        wrong += any(abs(e.size[1] - t.size[1]) > 0.1 * t.size[1] for t, e in zip(SCENE, lifted))
    assert wrong >= 10


def test_pair_features_turn_round_with_the_pair():
    a, b = SCENE[2], SCENE[3]
    assert lab.pair_features_2d(a, b) == pytest.approx(-lab.pair_features_2d(b, a))
    assert lab.pixel_distance(a, b) == pytest.approx(lab.pixel_distance(b, a)) and lab.pixel_distance(a, a) == pytest.approx(0)


@pytest.mark.parametrize("draw", ["thumbnail", "sample", "measurement"])
def test_drawings_are_deterministic_svg_on_white(draw):
    make = {"thumbnail": lab.thumbnail,
            "sample": lambda: lab.sample_figure([SCENE], ["How tall is the lamp?"]),
            "measurement": lambda: lab.measurement_figure({"lower": {"floor": 1.0, "table": 0.5}}, ["0-1", "1+"],
                                                          {"2D": [0.1, 0.5]})}[draw]
    first = make().data
    assert first == make().data
    assert svg_background(first if isinstance(first, str) else first.decode()) == "#ffffff"
