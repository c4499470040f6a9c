"""Tests of the planning lab's plumbing: layouts as promised, a planner whose routes are shortest and
legal, a simulator that refuses illegal moves, faults that are what they claim, and a cloned policy
that counts exactly what the traces did."""
from __future__ import annotations

from collections import deque

import pytest

from conftest import svg_background
from helpers.labs import common, planning as lab


def layouts(n=40, seed=0):
    generator = common.rng(seed)
    return [lab.random_layout(generator) for _ in range(n)]


def distance(layout, start, goal):
    """An independent breadth-first distance over the free cells."""
    seen, queue = {start: 0}, deque([start])
    while queue:
        r, c = queue.popleft()
        for nxt in ((r - 1, c), (r + 1, c), (r, c - 1), (r, c + 1)):
            if nxt not in seen and layout.free(nxt):
                seen[nxt] = seen[(r, c)] + 1
                queue.append(nxt)
    return seen.get(goal)


def test_layouts_are_as_promised():
    for layout in layouts():
        assert all(0 <= r < layout.size and 0 <= c < layout.size for r, c in layout.walls)
        assert not any((r + dr, c + dc) in layout.walls for r, c in layout.walls
                       for dr in (-1, 0, 1) for dc in (-1, 0, 1) if (dr, dc) != (0, 0))  # pillars never touch
        cells = [(r, c) for _, r, c in layout.objects] + [layout.start]
        assert len(set(cells)) == len(cells) and all(layout.free(cell) for cell in cells)
        assert len({name for name, _, _ in layout.objects}) == len(layout.objects)
        assert distance(layout, layout.start, layout.goal) >= 5
    assert layouts(seed=3) == layouts(seed=3) and layouts(seed=3) != layouts(seed=4)


def test_the_planner_writes_shortest_legal_traces_to_the_target():
    for layout in layouts():
        trace = lab.plan(layout)
        cells, illegal = lab.replay(layout, trace.actions)
        assert illegal is None and cells[-1] == layout.goal
        assert len(trace.actions) == distance(layout, layout.start, layout.goal) == lab.route_length(layout)
        assert layout.object_at(trace.believed_cell) == layout.target


def test_the_simulator_refuses_a_planted_illegal_move():
    layout = layouts(1)[0]
    trace = lab.plan(layout)
    cells, _ = lab.replay(layout, trace.actions)
    for index, cell in enumerate(cells):
        blocked = [a for a in lab.ACTIONS if not layout.free(lab.step(cell, a))]
        if blocked:
            planted = trace.actions[:index] + (blocked[0],) + trace.actions[index:]
            assert lab.replay(layout, planted)[1] == index
            return
    pytest.fail("no cell on the route has a blocked neighbour")


def check(trace):
    """Which of the lab's checks a trace fails."""
    layout = trace.layout
    cells, illegal = lab.replay(layout, trace.actions)
    return {"misplaced": layout.object_at(trace.believed_cell) != layout.target,
            "illegal": illegal is not None,
            "short of the target": illegal is None and cells[-1] != layout.goal,
            "long": len(trace.actions) > lab.route_length(layout)}


@pytest.mark.parametrize("fault, fails", [("overlooks obstacles", {"illegal"}),
                                          ("stops short", {"short of the target"}),
                                          ("wrong object", {"misplaced", "short of the target"}),
                                          ("detour", {"long"})])
def test_each_fault_fails_the_check_that_describes_it(fault, fails):
    traces = [lab.noisy_planner(layout, common.rng(i), {fault: 1.0}) for i, layout in enumerate(layouts())]
    made = [t for t in traces if t.fault == fault]
    assert len(made) >= 20
    for trace in made:
        failed = {name for name, bad in check(trace).items() if bad}
        assert fails <= failed, (fault, failed)
    assert all(not any(check(t).values()) for t in traces if t.fault == "none")


def test_a_faultless_planner_is_the_planner():
    assert [lab.noisy_planner(layout, common.rng(0), {}) for layout in layouts()] == [
        lab.plan(layout) for layout in layouts()]


def test_clone_counts_every_action_at_its_observation():
    traces = [lab.plan(layout) for layout in layouts()]
    policy = lab.clone(traces)
    assert sum(counts.sum() for counts in policy.values()) == sum(len(t.actions) for t in traces)
    layout = traces[0].layout
    observation = lab.observe(layout, layout.start)
    assert observation[:4] == tuple(not layout.free(lab.step(layout.start, a)) for a in lab.ACTIONS)
    (r, c), (tr, tc) = layout.start, layout.goal
    assert observation[4:] == ((tr > r) - (tr < r), (tc > c) - (tc < c))


def test_a_cloned_policy_beats_random_moves_and_is_reproducible():
    clean = lab.clone([lab.plan(layout) for layout in layouts(80)])
    test = layouts(40, seed=9)
    assert lab.success_rate(clean, test) > lab.success_rate({}, test) + 0.3
    assert lab.success_rate(clean, test, seed=1) == lab.success_rate(clean, test, seed=1)


def test_ascii_map_shows_every_obstacle_and_the_target():
    layout = layouts(1)[0]
    text = lab.ascii_map(layout)
    assert text.count("#") == len(layout.walls) and text.count("S") == 1
    assert sum(ch.isupper() and ch != "S" for ch in text) == 1


@pytest.mark.parametrize("draw", ["thumbnail", "sample", "sweep"])
def test_drawings_are_deterministic_svg_on_white(draw):
    traces = [lab.plan(layout) for layout in layouts(2)]
    make = {"thumbnail": lab.thumbnail,
            "sample": lambda: lab.sample_figure(traces, [[], ["illegal move 2"]]),
            "sweep": lambda: lab.sweep_figure([0, 0.5], {"a": [0.8, 0.5]}, {"random": 0.1})}[draw]
    first = make().data
    assert first == make().data
    assert svg_background(first if isinstance(first, str) else first.decode()) == "#ffffff"
