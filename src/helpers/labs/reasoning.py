"""Plumbing for the reasoning lab: triangle figures built together with their exact relations, the
chain of reasoning derived from those relations before any question is asked (reverse generation,
as in R-CoT), a noisy teacher that rewrites chains the way a model teacher errs, the student's tiny
regressions and the drawings. The page keeps the templates, the verifier and the filters."""
from __future__ import annotations

import math
import textwrap
from dataclasses import dataclass, replace

import matplotlib.pyplot as plt
import numpy as np

from . import common

CHAPTER = "reasoning"
TITLE = "Geometry chains generated in reverse and checked step by step"
QUESTION = ("Does checking every step of a teacher's reasoning chain, and not only its final answer, "
            "give a student better reasoning data?")
MIRRORS = ["deng2024rcot"]
SKILLS = "reverse problem generation, step-level verification, label noise"
MINUTES = 45
MEASURES = True

KINDS = ("third angle", "exterior angle", "isosceles base", "isosceles apex")
FAULTS = ("slip", "wrong rule", "shortcut")
TOLERANCE = 0.25  # degrees: answers are whole or half degrees, and the drawing is exact to a hundredth

# The chain each kind of figure supports, written from its relations alone: one step per line,
# (quantity established, rule cited, operation, operands). Operands are numbers or earlier quantities.
CHAINS = {
    "third angle": [("∠A + ∠B", "add the two given angles", "+", ("∠A", "∠B")),
                    ("∠C", "the angles of a triangle sum to 180°", "-", (180, "∠A + ∠B"))],
    "exterior angle": [("∠ACB", "the angles of a triangle sum to 180°", "-", (180, "∠A", "∠B")),
                       ("∠ACD", "angles on a straight line sum to 180°", "-", (180, "∠ACB"))],
    "isosceles base": [("∠B + ∠C", "the angles of a triangle sum to 180°", "-", (180, "∠A")),
                       ("∠B", "AB = AC, so the base angles ∠B and ∠C are equal", "/", ("∠B + ∠C", 2))],
    "isosceles apex": [("∠B + ∠C", "AB = AC, so ∠C = ∠B", "*", ("∠B", 2)),
                       ("∠A", "the angles of a triangle sum to 180°", "-", (180, "∠B + ∠C"))],
}
# A plausible wrong final step per kind: the misconceptions a model teacher writes fluently.
MISCONCEPTIONS = {
    "third angle": ("∠C", "the exterior angle equals the two remote angles", "=", ("∠A + ∠B",)),
    "exterior angle": ("∠ACD", "∠ACD and ∠ACB are vertical angles", "=", ("∠ACB",)),
    "isosceles base": ("∠B", "∠B takes what is left of 180°", "=", ("∠B + ∠C",)),
    "isosceles apex": ("∠A", "the angles of a triangle sum to 180°", "-", (180, "∠B")),
}
SYMBOLS = {"+": "+", "-": "−", "*": "×", "/": "/", "=": ""}


def apply(op: str, values) -> float:
    """One arithmetic step: '-' subtracts every later operand from the first."""
    values = [float(v) for v in values]
    if op == "+":
        return sum(values)
    if op == "-":
        return values[0] - sum(values[1:])
    if op == "*":
        return math.prod(values)
    if op == "/":
        return values[0] / values[1]
    if op == "=":
        return values[0]
    raise ValueError(f"unknown operation {op!r}")


# --- figures ------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Figure:
    """A drawn figure and what its construction guarantees."""
    kind: str
    points: tuple[tuple[str, float, float], ...]  # labelled points on a unit canvas
    given: tuple[tuple[str, int], ...]  # facts the question states, e.g. ("∠A", 50)
    relations: tuple[str, ...]  # facts the construction guarantees, in words
    target: str  # the quantity asked for

    def point(self, label: str) -> np.ndarray:
        return next(np.array([x, y]) for name, x, y in self.points if name == label)

    @property
    def labels(self) -> set[str]:
        return {name for name, _, _ in self.points}


def _fit_canvas(points: dict[str, tuple[float, float]]) -> tuple[tuple[str, float, float], ...]:
    """Scale and centre the points into [0.12, 0.88]², keeping angles (a similarity)."""
    xs, ys = [p[0] for p in points.values()], [p[1] for p in points.values()]
    scale = 0.76 / max(max(xs) - min(xs), max(ys) - min(ys))
    cx, cy = (max(xs) + min(xs)) / 2, (max(ys) + min(ys)) / 2
    return tuple((name, round(0.5 + scale * (x - cx), 4), round(0.5 + scale * (y - cy), 4))
                 for name, (x, y) in points.items())


def _apex(left: float, right: float) -> tuple[float, float]:
    """Third vertex over the base (0,0)-(1,0) with the given base angles (law of sines)."""
    a, b = math.radians(left), math.radians(right)
    side = math.sin(b) / math.sin(a + b)
    return side * math.cos(a), side * math.sin(a)


def _half_degrees(halves: int) -> int | float:
    """A count of half degrees as a number that prints without a trailing '.0' when whole."""
    return halves // 2 if halves % 2 == 0 else halves / 2


def build_figure(kind: str, generator: np.random.Generator) -> Figure:
    """Draw a figure of one kind step by step, recording every relation the drawing obeys."""
    if kind in ("third angle", "exterior angle"):
        while True:  # whole degrees: a few thousand figures, so large batches repeat some
            a, b = (int(v) for v in generator.integers(20, 101, size=2))
            if a + b <= 150:
                break
        points = {"A": (0.0, 0.0), "B": (1.0, 0.0), "C": _apex(a, b)}
        given, relations, target = (("∠A", a), ("∠B", b)), ("A, B and C form a triangle",), "∠C"
        if kind == "exterior angle":
            (cx, cy), length = points["C"], math.dist(points["C"], points["B"])
            points["D"] = (cx + 0.45 * (cx - 1.0) / length, cy + 0.45 * cy / length)  # B is (1, 0)
            relations += ("D lies on line BC, beyond C",)
            target = "∠ACD"
    elif kind == "isosceles base":
        apex = int(generator.integers(20, 141))
        base = (180 - apex) / 2  # a half degree when the apex angle is odd
        points = {"B": (0.0, 0.0), "C": (1.0, 0.0), "A": _apex(base, base)}
        given, relations, target = (("∠A", apex),), ("A, B and C form a triangle", "AB = AC"), "∠B"
    elif kind == "isosceles apex":
        base = _half_degrees(int(generator.integers(50, 151)))
        points = {"B": (0.0, 0.0), "C": (1.0, 0.0), "A": _apex(base, base)}
        given, relations, target = (("∠B", base),), ("A, B and C form a triangle", "AB = AC"), "∠A"
    else:
        raise ValueError(f"unknown kind {kind!r}")
    return Figure(kind, _fit_canvas(points), given, relations, target)


def measure(figure: Figure, angle: str) -> float:
    """Read an angle off the drawing: '∠B' is the triangle's angle at B, '∠ACD' the angle at C
    between CA and CD."""
    labels = angle.lstrip("∠")
    if len(labels) == 1:
        vertex = labels
        ends = [p for p in "ABC" if p != vertex]
    else:
        ends, vertex = [labels[0], labels[2]], labels[1]
    coordinates = {name: (x, y) for name, x, y in figure.points}
    (vx, vy), (ax_, ay), (bx, by) = (coordinates[p] for p in (vertex, *ends))
    turn = math.atan2(by - vy, bx - vx) - math.atan2(ay - vy, ax_ - vx)
    degrees = abs(math.degrees(turn)) % 360
    return min(degrees, 360 - degrees)


# --- chains -------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Step:
    quantity: str
    rule: str
    op: str
    operands: tuple
    value: float  # what the writer of the chain claims

    def expression(self, values: dict | None = None) -> str:
        """The right-hand side, with names or (given `values`) with the numbers substituted."""
        def show(x):
            if isinstance(x, str):
                if values is not None and self.op != "=":  # a copied quantity reads better by name
                    return f"{values[x]:g}°"
                return f"({x})" if " " in x and self.op != "=" else x
            return f"{x:g}°" if x == 180 else f"{x:g}"
        if self.op == "=":
            return show(self.operands[0])
        return f" {SYMBOLS[self.op]} ".join(show(x) for x in self.operands)

    def text(self, values: dict | None = None) -> str:
        return f"{self.quantity} = {self.expression(values)} = {self.value:g}°"


@dataclass(frozen=True)
class Problem:
    figure: Figure
    question: str
    steps: tuple[Step, ...]
    answer: float
    fault: str = "none"  # bookkeeping for the lesson: which fault the teacher made; never read by the verifier


def evaluate(spec, given, claims: dict[int, float] | None = None) -> tuple[Step, ...]:
    """Steps of a chain spec, each value computed from the values claimed before it; `claims`
    overrides the value claimed at some step indices (and later steps follow the override)."""
    known, steps = dict(given), []
    for index, (quantity, rule, op, operands) in enumerate(spec):
        value = apply(op, [known[x] if isinstance(x, str) else x for x in operands])
        value = (claims or {}).get(index, value)
        known[quantity] = value
        steps.append(Step(quantity, rule, op, tuple(operands), value))
    return tuple(steps)


def derive(figure: Figure) -> tuple[Step, ...]:
    """Reason from the figure's relations to its target: the reverse half of reverse generation."""
    steps = evaluate(CHAINS[figure.kind], figure.given)
    assert steps[-1].quantity == figure.target
    return steps


def noisy_teacher(problem: Problem, generator: np.random.Generator, rates: dict[str, float]) -> Problem:
    """Rewrite a correct problem as an imperfect model teacher might. With the probabilities in
    `rates`: 'slip' gets the first step's arithmetic wrong by 10° and carries the error on; 'wrong
    rule' ends with a plausible misconception; 'shortcut' knows the answer and writes it as the first
    step, so the final answer is right but the route is not."""
    edges = np.cumsum([rates.get(name, 0.0) for name in FAULTS])  # the draw picks the first share it falls in
    index = int(np.searchsorted(edges, generator.random(), side="right"))
    fault = FAULTS[index] if index < len(FAULTS) else "none"
    given, spec, steps = problem.figure.given, CHAINS[problem.figure.kind], problem.steps
    if fault == "slip":
        steps = evaluate(spec, given, {0: steps[0].value + float(generator.choice([-10, 10]))})
    elif fault == "wrong rule":
        steps = evaluate(spec[:-1] + [MISCONCEPTIONS[problem.figure.kind]], given)
    elif fault == "shortcut":
        steps = (replace(steps[0], value=problem.answer),) + steps[1:]
    if steps == problem.steps:  # the fault happened to change nothing (e.g. a 90° coincidence)
        fault = "none"
    return replace(problem, steps=steps, answer=steps[-1].value, fault=fault)


def substituted(problem: Problem) -> list[str]:
    """The chain as the teacher wrote it, numbers substituted from the teacher's own earlier claims."""
    values, lines = dict(problem.figure.given), []
    for step in problem.steps:
        lines.append(step.text(values))
        values[step.quantity] = step.value
    return lines


# --- the student --------------------------------------------------------------------------------

def features(problem: Problem) -> np.ndarray:
    return np.array([value for _, value in problem.figure.given] + [1.0])


def fit_student(problems: list[Problem]) -> dict[str, np.ndarray]:
    """One least-squares regression per kind, from the given angles to every value the chain writes:
    a tiny student that imitates the numbers of its training chains."""
    student = {}
    for kind in KINDS:
        mine = [p for p in problems if p.figure.kind == kind]
        if mine:
            x = np.array([features(p) for p in mine])
            y = np.array([[s.value for s in p.steps] for p in mine])
            student[kind] = np.linalg.lstsq(x, y, rcond=None)[0]
    return student


def score_student(student: dict[str, np.ndarray], clean: list[Problem]) -> dict[str, float]:
    """How the student does on clean problems: the fractions whose final answer, and whose whole
    chain, it gets right (within TOLERANCE), and its mean error in degrees on final answers and
    on all steps. A kind the student never saw counts as wrong."""
    truth = {kind: np.array([[s.value for s in p.steps] for p in clean if p.figure.kind == kind]) for kind in KINDS}
    guess = {kind: np.array([features(p) for p in clean if p.figure.kind == kind]) @ student[kind]
             if kind in student else np.full_like(truth[kind], np.inf) for kind in KINDS if len(truth[kind])}
    error = np.abs(np.concatenate([guess[kind] - truth[kind] for kind in guess]))
    return {"final answer right": float(np.mean(error[:, -1] <= TOLERANCE)),
            "every step right": float(np.mean((error <= TOLERANCE).all(axis=1))),
            "final answer error (°)": float(np.mean(error[:, -1])),
            "step error (°)": float(np.mean(error))}


# --- drawings -----------------------------------------------------------------------------------

VERDICT_COLOURS = {True: common.OKABE_ITO[2], False: common.OKABE_ITO[5]}


def draw_figure(ax, figure: Figure) -> None:
    """The triangle, its labels, the given angles and a '?' at the asked angle."""
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1)
    ax.set_aspect("equal")
    ax.axis("off")
    tri = np.array([figure.point(p) for p in "ABC"])
    centroid = tri.mean(axis=0)  # labels go outwards from it
    ax.fill(tri[:, 0], tri[:, 1], facecolor=common.COLOURS["sky"], alpha=0.35, edgecolor="none")
    ax.fill(tri[:, 0], tri[:, 1], facecolor="none", edgecolor="#333333", linewidth=1.2)
    if "D" in figure.labels:
        b, d = figure.point("B"), figure.point("D")
        ax.plot([b[0], d[0]], [b[1], d[1]], color="#333333", linewidth=1.2)
    for name, x, y in figure.points:
        away = np.array([x, y]) - centroid
        x_, y_ = np.array([x, y]) + 0.08 * away / np.linalg.norm(away)
        ax.text(x_, y_, name, ha="center", va="center", fontsize=10, fontweight="bold")
    marks = [(name, f"{value:g}°") for name, value in figure.given] + [(figure.target, "?")]
    for angle, label in marks:
        labels = angle.lstrip("∠")
        vertex = figure.point(labels if len(labels) == 1 else labels[1])
        ends = [p for p in "ABC" if p != labels] if len(labels) == 1 else [labels[0], labels[2]]
        rays = [(figure.point(e) - vertex) / np.linalg.norm(figure.point(e) - vertex) for e in ends]
        bisector = rays[0] + rays[1]
        half = math.acos(max(-1.0, min(1.0, float(rays[0] @ rays[1])))) / 2
        distance = min(0.26, max(0.14, 0.075 / math.sin(half)))  # narrow angles: further in, clear of the sides
        x_, y_ = vertex + distance * bisector / np.linalg.norm(bisector)
        ax.text(x_, y_, label, ha="center", va="center", fontsize=8,
                color=common.OKABE_ITO[5] if label == "?" else "#000000")


def sample_figure(problems: list[Problem], bad_steps: list[list[str]], answer_ok: list[bool], columns: int = 2):
    """Each problem's figure, question and chain, every step marked ✓ or ✗ as the verifier found it."""
    with plt.rc_context(common.STYLE):
        fig, axes = common.panels(len(problems), columns, 3.4, 3.9)
        for ax, problem, bad, ok in zip(axes, problems, bad_steps, answer_ok):
            draw_figure(ax, problem.figure)
            ax.set_title("\n".join(textwrap.wrap(problem.question, 38)), fontsize=9, loc="left")
            lines = [(("✗ " if step.quantity in bad else "✓ ") + text, step.quantity not in bad)
                     for step, text in zip(problem.steps, substituted(problem))]
            lines.append((("✓" if ok else "✗") + " answer matches the drawing", ok))
            kept = ok and not bad
            lines.append(("KEPT" if kept else "REJECTED", kept))
            for row, (text, good) in enumerate(lines):
                ax.text(0.0, -0.06 - 0.12 * row, text, transform=ax.transAxes, fontsize=9,
                        color=VERDICT_COLOURS[good], fontweight="bold" if row == len(lines) - 1 else "normal")
        fig.subplots_adjust(hspace=0.95, wspace=0.2)
        return common.to_svg(fig, "Generated geometry problems with their verified chains")


def sweep_figure(rates, results: dict[str, list[dict[str, float]]]):
    """The student's mean error on clean problems against the teacher's error rate, one line per
    training set; left the final answers, right all steps."""
    styles = ["-o", "--s", ":^"]
    with plt.rc_context(common.STYLE):
        fig, axes = plt.subplots(1, 2, figsize=(7.0, 3.0), sharey=True)
        panels = [("final answer error (°)", "final answers"), ("step error (°)", "all steps")]
        for ax, (metric, what) in zip(axes, panels):
            for (label, scores), style in zip(results.items(), styles):
                ax.plot(rates, [s[metric] for s in scores], style, label=label, linewidth=1.6, markersize=5)
            ax.set_title(f"Student's mean error on {what}", fontsize=9)
            ax.set_xlabel("teacher error rate")
        axes[0].set_ylabel("degrees, on clean held-out problems")
        axes[0].legend(title="training data", fontsize=8, title_fontsize=8, loc="upper left")
        fig.tight_layout()
        return common.to_svg(fig, "Student error against teacher error rate, by filter")


def thumbnail():
    """An exterior-angle figure with its checked chain."""
    figure = build_figure("exterior angle", common.rng(1))
    problem = Problem(figure, "", derive(figure), derive(figure)[-1].value)
    with plt.rc_context(common.STYLE):
        fig = plt.figure(figsize=(3.0, 2.0))
        draw_figure(fig.add_axes([0.02, 0.3, 0.96, 0.7]), figure)
        for row, text in enumerate(substituted(problem)):
            fig.text(0.08, 0.17 - 0.12 * row, "✓ " + text, fontsize=8, color=VERDICT_COLOURS[True])
        return common.to_svg(fig, "A reverse-generated geometry problem with its checked chain")
