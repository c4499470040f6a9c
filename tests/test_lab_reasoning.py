"""Tests of the reasoning lab's plumbing: figures whose answers agree with their drawings, chains
that recompute, a teacher whose faults are the ones it claims, and a student that learns exactly
what it is shown."""
from __future__ import annotations

import pytest

from conftest import svg_background
from helpers.labs import common, reasoning as lab


def problems(n=60, seed=0):
    generator = common.rng(seed)
    made = []
    for i in range(n):
        figure = lab.build_figure(lab.KINDS[i % len(lab.KINDS)], generator)
        steps = lab.derive(figure)
        made.append(lab.Problem(figure, "", steps, steps[-1].value))
    return made


def wrong_steps(problem):
    """An independent step check: each line recomputed from the givens and the lines above it."""
    known, wrong = dict(problem.figure.given), []
    for step in problem.steps:
        value = lab.apply(step.op, [known[x] if isinstance(x, str) else x for x in step.operands])
        if abs(value - step.value) > lab.TOLERANCE:
            wrong.append(step.quantity)
        known[step.quantity] = step.value
    return wrong


def answer_matches(problem):
    return abs(problem.answer - lab.measure(problem.figure, problem.figure.target)) <= lab.TOLERANCE


def test_every_derived_answer_is_the_angle_on_the_drawing():
    for problem in problems(200):
        assert answer_matches(problem), problem.figure
        assert not wrong_steps(problem)
        assert problem.steps[-1].quantity == problem.figure.target


def test_figures_lie_on_the_canvas_and_are_triangles():
    for problem in problems():
        points = problem.figure.points
        assert all(0.05 <= x <= 0.95 and 0.05 <= y <= 0.95 for _, x, y in points)
        angles = sum(lab.measure(problem.figure, f"∠{v}") for v in "ABC")
        assert angles == pytest.approx(180, abs=0.05)


def test_isosceles_figures_have_equal_legs():
    for problem in problems():
        if problem.figure.kind.startswith("isosceles"):
            a, b, c = (problem.figure.point(p) for p in "ABC")
            assert abs(((a - b) ** 2).sum() - ((a - c) ** 2).sum()) < 1e-3


def test_same_seed_same_problems():
    assert problems(seed=5) == problems(seed=5)
    assert problems(seed=5) != problems(seed=6)


def test_the_step_check_rejects_a_planted_wrong_step():
    problem = problems(1)[0]
    planted = lab.evaluate(lab.CHAINS[problem.figure.kind], problem.figure.given, {0: problem.steps[0].value + 1})
    assert wrong_steps(lab.Problem(problem.figure, "", planted, planted[-1].value)) == [planted[0].quantity]


@pytest.mark.parametrize("fault, steps_pass, answer_passes", [("slip", False, False), ("wrong rule", True, False),
                                                                ("shortcut", False, True)])
def test_each_fault_fails_the_checks_it_should(fault, steps_pass, answer_passes):
    generator = common.rng(1)
    written = [lab.noisy_teacher(p, generator, {fault: 1.0}) for p in problems(80)]
    changed = [p for p in written if p.fault == fault]
    assert len(changed) > 60  # only coincidences (a 90° angle) leave a problem unchanged
    assert all((not wrong_steps(p)) == steps_pass and answer_matches(p) == answer_passes for p in changed)
    assert all(not wrong_steps(p) and answer_matches(p) for p in written if p.fault == "none")


def test_a_faultless_teacher_changes_nothing():
    clean = problems()
    assert [lab.noisy_teacher(p, common.rng(2), {}) for p in clean] == clean


def test_the_student_learns_clean_chains_exactly_and_misconceptions_too():
    clean, test = problems(120, seed=0), problems(60, seed=9)
    assert lab.score_student(lab.fit_student(clean), test)["every step right"] == 1.0
    wrong = [lab.noisy_teacher(p, common.rng(3), {"wrong rule": 1.0}) for p in clean]
    scores = lab.score_student(lab.fit_student(wrong), test)
    assert scores["final answer right"] < 0.5 and scores["final answer error (°)"] > 1


def test_a_kind_the_student_never_saw_counts_as_wrong():
    student = lab.fit_student([p for p in problems(80) if p.figure.kind != "isosceles apex"])
    scores = lab.score_student(student, problems(40, seed=4))
    assert scores["final answer right"] == pytest.approx(0.75)


@pytest.mark.parametrize("draw", ["thumbnail", "sample", "sweep"])
def test_drawings_are_deterministic_svg_on_white(draw):
    shown = problems(3)
    make = {"thumbnail": lab.thumbnail,
            "sample": lambda: lab.sample_figure(shown, [[], ["∠B + ∠C"], []], [True, True, False], columns=3),
            "sweep": lambda: lab.sweep_figure([0, 0.5], {"a": [{"final answer error (°)": 0.0,
                                                               "step error (°)": 1.0}] * 2})}[draw]
    first = make().data
    assert first == make().data
    assert svg_background(first if isinstance(first, str) else first.decode()) == "#ffffff"
