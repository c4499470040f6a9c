"""Plumbing for the planning lab: a gridworld with walls and named objects, a breadth-first planner
that writes chain-of-thought-and-action traces, a noisy planner that errs the way model planners
do, the simulator that replays a trace, a lookup policy cloned from traces, and the drawings. The
page keeps the verifier, the filter and the measurement."""
from __future__ import annotations

from collections import deque
from dataclasses import dataclass
from functools import cached_property, lru_cache

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.collections import PatchCollection
from matplotlib.patches import FancyArrowPatch, Rectangle

from . import common

CHAPTER = "planning"
TITLE = "Planner traces replayed in a gridworld"
QUESTION = ("Does replaying every planner trace in the simulator, and keeping only those that reach "
            "the goal legally and without detours, give a cloned policy that succeeds more often?")
MIRRORS = ["wang2025hybridgen", "duan2024manipulateanything"]
SKILLS = "programmatic planning, replay verification, behaviour cloning"
MINUTES = 45
MEASURES = True

MOVES = {"up": (-1, 0), "down": (1, 0), "left": (0, -1), "right": (0, 1)}
ACTIONS = tuple(MOVES)
FAULTS = ("overlooks obstacles", "stops short", "wrong object", "detour")
SLACK = 2  # moves a policy may waste beyond the shortest route before the episode counts as failed
OBJECT_COLOURS = ("blue", "orange", "green", "pink")


@dataclass(frozen=True)
class Layout:
    """A square floor, row 0 at the top, with obstacles ("walls") in some cells; objects stand on
    free cells and can be walked over."""
    size: int
    walls: frozenset
    objects: tuple[tuple[str, int, int], ...]  # (name, row, column)
    start: tuple[int, int]
    target: str  # the name of the object the instruction asks for

    def cell_of(self, name: str) -> tuple[int, int]:
        return next((r, c) for n, r, c in self.objects if n == name)

    def object_at(self, cell) -> str | None:
        return next((n for n, r, c in self.objects if (r, c) == tuple(cell)), None)

    def free(self, cell) -> bool:
        r, c = cell
        return 0 <= r < self.size and 0 <= c < self.size and (r, c) not in self.walls

    @cached_property
    def goal(self) -> tuple[int, int]:
        """The target's cell (computed once per layout)."""
        return self.cell_of(self.target)

    @property
    def instruction(self) -> str:
        return f"Go to the {self.target}."


def step(cell, action: str) -> tuple[int, int]:
    dr, dc = MOVES[action]
    return cell[0] + dr, cell[1] + dc


def shortest_path(layout: Layout, start=None, goal=None, ignore=frozenset()) -> list[str] | None:
    """Breadth-first search: the moves of one shortest route (None if there is none). Cells in
    `ignore` count as free, which is how the noisy planner overlooks obstacles."""
    start = tuple(start or layout.start)
    goal = tuple(goal or layout.goal)
    size, blocked = layout.size, layout.walls - set(ignore)
    came = {start: None}
    queue = deque([start])
    while queue:
        cell = queue.popleft()
        if cell == goal:
            moves = []
            while came[cell] is not None:
                cell, action = came[cell]
                moves.append(action)
            return moves[::-1]
        for action, (dr, dc) in MOVES.items():  # a fixed order, so ties always break the same way
            nxt = (cell[0] + dr, cell[1] + dc)
            if nxt not in came and 0 <= nxt[0] < size and 0 <= nxt[1] < size and nxt not in blocked:
                came[nxt] = (cell, action)
                queue.append(nxt)
    return None


def random_layout(generator: np.random.Generator, size: int = 8, obstacle_rate: float = 0.5,
                  n_objects: int = 3, min_moves: int = 5) -> Layout:
    """A floor with pillars (obstacles of one cell, never touching each other, even diagonally),
    objects with distinct names, a start, and a target at least `min_moves` moves away."""
    while True:
        cells = [(r, c) for r in range(size) for c in range(size)]
        order = generator.permutation(len(cells))
        placed = [cells[i] for i in order[:n_objects + 1]]
        walls: set[tuple[int, int]] = set()
        for i in order[n_objects + 1:]:
            r, c = cells[i]
            if generator.random() < obstacle_rate and not any(
                    (r + dr, c + dc) in walls for dr in (-1, 0, 1) for dc in (-1, 0, 1)):
                walls.add((r, c))
        colours = generator.choice(OBJECT_COLOURS, size=n_objects, replace=False)
        shapes = generator.choice(common.SHAPES, size=n_objects)
        objects = tuple((f"{colour} {shape}", r, c) for colour, shape, (r, c) in zip(colours, shapes, placed[1:]))
        layout = Layout(size, frozenset(walls), objects, placed[0], objects[int(generator.integers(n_objects))][0])
        route = shortest_path(layout)
        if route is not None and len(route) >= min_moves:
            return layout


# --- traces -------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Trace:
    """A chain of thought and action: where the planner believes the target is, then its moves."""
    layout: Layout
    believed_cell: tuple[int, int]
    actions: tuple[str, ...]
    fault: str = "none"  # bookkeeping for the lesson; the verifier never reads it

    def text(self, max_moves: int = 12) -> list[str]:
        """The trace as the planner writes it."""
        r, c = self.believed_cell
        moves = ", ".join(self.actions[:max_moves]) + (", ..." if len(self.actions) > max_moves else "")
        return [f"Thought: the {self.layout.target} is at row {r}, column {c}.",
                f"Thought: {len(self.actions)} moves get me there.",
                f"Action: {moves}", "Thought: I have arrived."]


def plan(layout: Layout) -> Trace:
    """The programmatic planner: look the target up, search a shortest route."""
    return Trace(layout, layout.cell_of(layout.target), tuple(shortest_path(layout)))


def noisy_planner(layout: Layout, generator: np.random.Generator, rates: dict[str, float]) -> Trace:
    """A planner that errs as model planners do, each fault with its probability in `rates`:
    'overlooks obstacles' plans as if the floor were empty, 'stops short' declares arrival one to
    three moves early, 'wrong object' heads for another object it mistook for the target, and
    'detour' wanders a few legal moves before planning again."""
    clean = plan(layout)
    edges = np.cumsum([rates.get(name, 0.0) for name in FAULTS])  # the draw picks the first share it falls in
    index = int(np.searchsorted(edges, generator.random(), side="right"))
    fault = FAULTS[index] if index < len(FAULTS) else "none"
    actions, believed = list(clean.actions), clean.believed_cell
    if fault == "overlooks obstacles":
        actions = shortest_path(layout, ignore=layout.walls)
    elif fault == "stops short":
        actions = actions[:-int(generator.integers(1, 4))]
    elif fault == "wrong object":
        other = [n for n, _, _ in layout.objects if n != layout.target]
        believed = layout.cell_of(other[int(generator.integers(len(other)))])
        actions = shortest_path(layout, goal=believed) or actions
    elif fault == "detour":
        cell, wander = tuple(layout.start), []
        for _ in range(int(generator.integers(3, 7))):
            options = [a for a in ACTIONS if layout.free(step(cell, a))]
            action = options[int(generator.integers(len(options)))]
            cell = step(cell, action)
            wander.append(action)
        actions = wander + shortest_path(layout, start=cell)
        if len(actions) == len(clean.actions):  # the wandering happened to stay on a shortest route
            fault = "none"
    trace = Trace(layout, tuple(believed), tuple(actions), fault)
    return trace if (trace.actions, trace.believed_cell) != (clean.actions, clean.believed_cell) else clean


def replay(layout: Layout, actions) -> tuple[list[tuple[int, int]], int | None]:
    """The simulator: the cells visited, and the index of the first illegal move (None if every move
    was legal). An illegal move stops the replay, as a robot would stop at a wall."""
    cells = [tuple(layout.start)]
    for index, action in enumerate(actions):
        nxt = step(cells[-1], action)
        if not layout.free(nxt):
            return cells, index
        cells.append(nxt)
    return cells, None


# --- the cloned policy --------------------------------------------------------------------------

@lru_cache(maxsize=None)
def route_length(layout: Layout) -> int:
    """Moves on a shortest route from the start to the target (layouts are immutable: cached)."""
    return len(shortest_path(layout))


def observe(layout: Layout, cell) -> tuple:
    """What the policy sees: which of the four neighbours are blocked, and the sign of the
    direction to the target (a compass), nothing else."""
    (r, c), (tr, tc) = cell, layout.goal
    blocked = tuple(not layout.free((r + dr, c + dc)) for dr, dc in MOVES.values())
    return blocked + ((tr > r) - (tr < r), (tc > c) - (tc < c))


def clone(traces: list[Trace]) -> dict[tuple, np.ndarray]:
    """Behaviour cloning as a lookup table: for each observation, how often each action was taken.
    Observations are read along the path the trace intends, as a learner reading the trace would."""
    table: dict[tuple, np.ndarray] = {}
    for trace in traces:
        cell = tuple(trace.layout.start)
        for action in trace.actions:
            table.setdefault(observe(trace.layout, cell), np.zeros(len(ACTIONS)))[ACTIONS.index(action)] += 1
            cell = step(cell, action)
    return table


def act(policy, layout: Layout, cell, generator: np.random.Generator, greedy: bool = False) -> str:
    """Sample an action in proportion to how often the traces took it here (or take the most frequent
    one if `greedy`); an observation never seen falls back to a random unblocked move."""
    counts = policy.get(observe(layout, cell))
    if counts is None:
        options = [a for a in ACTIONS if layout.free(step(cell, a))]
        return options[int(generator.integers(len(options)))]
    if greedy:
        return ACTIONS[int(np.argmax(counts))]
    draw = generator.random() * counts.sum()
    for action, count in zip(ACTIONS, counts.tolist()):
        draw -= count
        if draw < 0:
            return action
    return ACTIONS[-1]


def success_rate(policy, layouts: list[Layout], seed: int = 0, greedy: bool = False) -> float:
    """Fraction of layouts on which the policy reaches the target within SLACK moves more than the
    shortest route; a blocked move leaves the agent where it is and costs a move."""
    generator, successes = common.rng(seed), 0
    for layout in layouts:
        cell, goal = tuple(layout.start), layout.goal
        for _ in range(route_length(layout) + SLACK):
            nxt = step(cell, act(policy, layout, cell, generator, greedy))
            cell = nxt if layout.free(nxt) else cell
            if cell == goal:
                successes += 1
                break
    return successes / len(layouts)


# --- drawings -----------------------------------------------------------------------------------

def _centre(layout: Layout, cell) -> tuple[float, float]:
    """Centre of a cell on the unit canvas (y upwards, as in common.draw_scene)."""
    r, c = cell
    return (c + 0.5) / layout.size, 1 - (r + 0.5) / layout.size


def draw_trace(ax, trace: Trace, title: str | None = None, good: bool | None = None) -> None:
    """The grid, its walls and objects (drawn by common.draw_scene), and the trace's path: legal
    moves as a line, an illegal one as a vermilion arrow into the wall, the start as a black dot."""
    layout, unit = trace.layout, 1 / trace.layout.size
    things = [common.Thing(name.split()[1], name.split()[0], *_centre(layout, (r, c)), round(0.7 * unit, 4))
              for name, r, c in layout.objects]
    common.draw_scene(ax, common.Scene(things), title=title)
    ax.add_collection(PatchCollection([Rectangle((c * unit, 1 - (r + 1) * unit), unit, unit)
                                       for r, c in sorted(layout.walls)], facecolor="#666666", edgecolor="none"))
    lines = np.arange(1, layout.size) * unit  # one collection each: fast to draw, small SVG
    ax.hlines(lines, 0, 1, color="#dddddd", linewidth=0.5, zorder=0)
    ax.vlines(lines, 0, 1, color="#dddddd", linewidth=0.5, zorder=0)
    target = layout.cell_of(layout.target)
    tx, ty = _centre(layout, target)
    ax.add_patch(Rectangle((tx - unit / 2, ty - unit / 2), unit, unit, fill=False, edgecolor="#000000", linewidth=1.6))
    cells, illegal = replay(layout, trace.actions)
    xy = np.array([_centre(layout, cell) for cell in cells])
    colour = common.OKABE_ITO[4] if good is None or good else common.OKABE_ITO[5]
    ax.plot(xy[:, 0], xy[:, 1], color=colour, linewidth=2.2, solid_capstyle="round")
    ax.plot(*xy[0], "o", color="#000000", markersize=5)
    if illegal is not None:  # the move the simulator refused, drawn into the obstacle
        start, end = tuple(xy[-1]), _centre(layout, step(cells[-1], trace.actions[illegal]))
    elif len(xy) > 1:  # an arrowhead on the last move shows where the trace ends
        start, end = tuple(xy[-2]), tuple(xy[-1])
    else:
        return
    ax.add_patch(FancyArrowPatch(start, end, arrowstyle="-|>", mutation_scale=11, color=colour, linewidth=2.2))


def sample_figure(traces: list[Trace], reasons: list[list[str]], columns: int = 3):
    """Each trace on its grid, titled with its instruction and the verifier's verdict."""
    with plt.rc_context(common.STYLE):
        fig, axes = common.panels(len(traces), columns, 2.6, 3.0)
        for ax, trace, why in zip(axes, traces, reasons):
            verdict = "kept" if not why else "rejected: " + "; ".join(why)
            draw_trace(ax, trace, good=not why)
            ax.set_title(f"{trace.layout.instruction}\n{verdict}", fontsize=9)
        fig.tight_layout()
        return common.to_svg(fig, "Planner traces replayed on their grids")


def sweep_figure(rates, results: dict[str, list[float]], reference: dict[str, float]):
    """Success rate of cloned policies on new layouts against the planner's error rate."""
    with plt.rc_context(common.STYLE):
        fig, ax = plt.subplots(figsize=(5.6, 3.2))
        for (label, values), style in zip(results.items(), ["-o", "--s"]):
            ax.plot(rates, values, style, label=label, linewidth=1.8, markersize=5)
        for (label, value), colour in zip(reference.items(), ["#777777", "#000000"]):
            ax.axhline(value, color=colour, linestyle=":", linewidth=1.2)
            ax.text(rates[-1], value + 0.015, label, ha="right", va="bottom", fontsize=8, color=colour)
        ax.set_xlabel("planner error rate (four faults together)")
        ax.set_ylabel("success rate on new layouts")
        ax.set_ylim(0, 1.05)
        ax.legend(title="policy cloned from", fontsize=8, title_fontsize=8, loc="lower left")
        fig.tight_layout()
        return common.to_svg(fig, "Success of cloned policies against planner error rate")


def thumbnail():
    """One planner trace on its grid."""
    layout = random_layout(common.rng(11))
    with plt.rc_context(common.STYLE):
        fig, axes = plt.subplots(1, 2, figsize=(3.0, 2.0))
        draw_trace(axes[0], plan(layout), good=True)
        draw_trace(axes[1], noisy_planner(layout, common.rng(1), {"overlooks obstacles": 1.0}), good=False)
        fig.tight_layout()
        return common.to_svg(fig, "A verified planner trace and one that walks into an obstacle")


def ascii_map(layout: Layout) -> str:
    """The layout as text: '#' an obstacle, 'S' the start, the first letter of each object's colour
    (upper case for the target), '.' a free cell."""
    rows = [["#" if (r, c) in layout.walls else "." for c in range(layout.size)] for r in range(layout.size)]
    for name, r, c in layout.objects:
        rows[r][c] = name[0].upper() if name == layout.target else name[0]
    rows[layout.start[0]][layout.start[1]] = "S"
    return "\n".join(" ".join(row) for row in rows)
