"""Tests of the chart lab's plumbing: function chains that compute what they say, charts whose
pixels and boxes agree with their tables, a reading rule that is exact when it knows the bar pixels,
a teacher whose mistakes are the ones it claims, and deterministic drawings."""
from __future__ import annotations

import numpy as np
import pytest

from conftest import svg_background
from helpers.labs import common, chart as lab

TABLE = lab.Table("humidity", ("Jan", "Feb", "Mar", "Apr", "May"), (40, 85, 12, 61, 61))


def tables(n=40, seed=0):
    generator = common.rng(seed)
    made = []
    for _ in range(n):
        theme = str(generator.choice(list(lab.THEMES)))
        size = int(generator.integers(4, 8))
        made.append(lab.Table(theme, tuple(lab.THEMES[theme][2][:size]),
                              tuple(int(v) for v in generator.integers(0, 101, size))))
    return made


@pytest.mark.parametrize("chain, answer", [
    (("max",), 85), (("min",), 12), (("mean",), 51.8), (("argmax",), "Feb"), (("argmin",), "Mar"),
    (("value", "Apr"), 61), (("gap", ("max",), ("value", "Jan")), 45),
    (("count above", ("mean",)), 3), (("value", ("argmax",)), 85),
])
def test_chains_compute_what_they_say(chain, answer):
    assert lab.same_answer(lab.execute(chain, TABLE), answer)
    calls = lab.steps(chain, TABLE)
    assert len(calls) == lab.function_count(chain) and lab.same_answer(calls[-1][1], answer)


def test_composed_chains_are_well_typed_and_repeatable():
    def kind(chain):
        if isinstance(chain, str):
            return "category"
        takes, gives, _ = lab.FUNCTIONS[chain[0]]
        assert [kind(a) for a in chain[1:]] == list(takes), chain
        return gives

    def depth(chain):
        return 0 if isinstance(chain, str) else 1 + max([depth(a) for a in chain[1:]], default=0)

    for result in ("number", "category", "count"):
        for d in (1, 2, 3):
            chains = [lab.compose(result, d, TABLE, common.rng(s)) for s in range(30)]
            assert all(kind(c) == result and depth(c) <= max(d, lab.MIN_DEPTH[result]) for c in chains)
            assert chains == [lab.compose(result, d, TABLE, common.rng(s)) for s in range(30)]
    assert all(lab.function_count(lab.compose("number", 1, TABLE, common.rng(s))) == 1 for s in range(20))


def test_rendered_bars_match_their_tables_in_boxes_and_pixels():
    for table in tables():
        chart = lab.render(table.values)
        height, width, _ = chart.pixels.shape
        left, right, bottom, top = chart.frame
        unit = lab.AXIS_MAX / (bottom - top)
        for value, (x0, y0, x1, y1) in zip(table.values, chart.boxes):
            assert left <= x0 < x1 <= right and top <= y0 <= y1 == bottom
            assert abs((y1 - y0) * unit - value) <= unit / 2 + 1e-9
            assert np.allclose(chart.pixels[y0:y1, x0:x1], lab.CLEAN.bar)
        assert not any(common.boxes_overlap(a, b) for a, b in zip(chart.boxes, chart.boxes[1:]))
        assert all(0 <= x0 and x1 <= width and 0 <= y0 and y1 <= height for x0, y0, x1, y1 in chart.boxes)


def test_a_value_beyond_the_axis_is_clipped_so_the_box_disagrees_with_the_table():
    chart = lab.render((50, 120, -5))
    unit = lab.AXIS_MAX / (chart.frame[2] - chart.frame[3])
    shown = [(y1 - y0) * unit for _, y0, _, y1 in chart.boxes]
    assert shown[0] == pytest.approx(50, abs=unit) and shown[1] == pytest.approx(100) and shown[2] == 0


@pytest.mark.parametrize("style_of", [lambda g: lab.CLEAN, lab.wild_style, lab.randomised_style],
                         ids=["clean", "wild", "randomised"])
def test_the_reading_rule_is_exact_given_the_true_bar_pixels(style_of):
    generator = common.rng(1)
    for table in tables(30):
        chart = lab.render(table.values, style_of(generator), generator)
        mask = lab.bar_mask(chart)
        assert mask.sum() == sum((x1 - x0) * (y1 - y0) for x0, y0, x1, y1 in chart.boxes)
        assert len(lab.pixel_features(chart)) == len(mask)
        unit = lab.AXIS_MAX / (chart.frame[2] - chart.frame[3])
        read = lab.read_values(chart, mask, len(table.values))
        assert np.allclose(read, table.values, atol=unit / 2 + 1e-9)


def test_wild_changes_change_only_their_part_of_the_style():
    for name in lab.WILD:
        changed = {k for k, v in vars(lab.wild_style(common.rng(2), [name])).items() if v != vars(lab.CLEAN)[k]}
        assert changed and changed <= {"bar", "grid", "noise", "value_marks", "background", "size", "bar_width"}
    assert lab.wild_style(common.rng(2)) == lab.wild_style(common.rng(2))
    assert lab.randomised_style(common.rng(2)) != lab.randomised_style(common.rng(3))


def test_the_teacher_misreads_only_at_its_rate_and_always_within_the_axis():
    assert lab.teacher_reading(TABLE, common.rng(0), misread_rate=0.0) == TABLE
    generator = common.rng(0)
    for table in tables():
        read = lab.teacher_reading(table, generator, misread_rate=1.0)
        assert all(0 <= r <= lab.AXIS_MAX for r in read.values)
        assert all(r != v for r, v in zip(read.values, table.values) if 8 < v < lab.AXIS_MAX - 8)


def test_same_answer_checks_types_and_tolerance():
    assert lab.same_answer(51.8, 51.8) and lab.same_answer(3, 3.0) and not lab.same_answer(51.8, 51.7)
    assert lab.same_answer("Feb", "Feb") and not lab.same_answer("Feb", 85)


@pytest.mark.parametrize("draw", ["thumbnail", "sample", "measurement"])
def test_drawings_are_deterministic_svg_on_white(draw):
    item = {"table": TABLE, "chain": ("max",), "question": "What is the highest value?", "teacher": 85, "kept": True}
    examples = {"clean": lab.render(TABLE.values), "wild": lab.render(TABLE.values, lab.wild_style(common.rng(0)))}
    make = {"thumbnail": lab.thumbnail,
            "sample": lambda: lab.sample_figure([{**item, "teacher": 80, "kept": False}], columns=1),
            "measurement": lambda: lab.measurement_figure(examples, {"a": {"clean": 1.0, "wild": 0.5}})}[draw]
    first = make().data
    assert first == make().data
    assert svg_background(first if isinstance(first, str) else first.decode()) == "#ffffff"
