"""Plumbing for the 3d-scenes lab: a catalogue of objects with real sizes, a pinhole camera that
projects a scene into an image and records every object's box, the spatial measurements that
answer questions, a depth-estimating "lifter" that reads 3D back from the image with the errors of
monocular depth, the 2D features of the shortcut answerers, and the drawings. The page keeps the
scene sampler, the templates, the verifier, the filters and the measurement."""
from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.patches import Polygon, Rectangle

from . import common

CHAPTER = "3d-scenes"
TITLE = "Spatial questions measured in 3D, and what a 2D shortcut misses"
QUESTION = ("When spatial answers are measured from a scene's 3D coordinates, how often would answers "
            "read from the image plane alone, or from estimated depth, be wrong, and where does "
            "perspective fool them?")
MIRRORS = ["chen2024spatialvlm"]
SKILLS = "pinhole projection, metric question templates, answer verification, 2D shortcuts"
MINUTES = 40
MEASURES = True

# name: (width, height, depth in metres, where it stands, colour name)
OBJECTS = {
    "table": ((1.2, 0.75, 0.8), "floor", "orange"),
    "chair": ((0.45, 0.9, 0.45), "floor", "blue"),
    "wardrobe": ((1.0, 2.0, 0.6), "floor", "sky"),
    "lamp": ((0.3, 1.6, 0.3), "floor", "yellow"),
    "crate": ((0.5, 0.5, 0.5), "floor", "red"),
    "ball": ((0.3, 0.3, 0.3), "floor", "pink"),
    "mug": ((0.1, 0.12, 0.1), "table", "green"),
    "vase": ((0.15, 0.35, 0.15), "table", "black"),
}
TABLE_TOP = OBJECTS["table"][0][1]


@dataclass(frozen=True)
class Camera:
    """A pinhole camera at (0, height, 0) looking along +z with no tilt; x right, y up (metres).
    Image coordinates: u to the right, v downwards (pixels)."""
    height: float = 1.2
    focal: float = 260.0
    size: tuple[int, int] = (320, 240)  # width, height

    def project(self, points: np.ndarray) -> np.ndarray:
        """(n, 3) points in metres -> (n, 2) pixel coordinates."""
        x, y, z = points.T
        return np.column_stack([self.size[0] / 2 + self.focal * x / z,
                                self.size[1] / 2 - self.focal * (y - self.height) / z])


CAMERA = Camera()


@dataclass(frozen=True)
class Thing:
    """One object: its name, footprint centre (x, z) on the floor, the height of its base, and its
    size (width, height, depth) in metres."""
    name: str
    x: float
    z: float
    base: float
    size: tuple[float, float, float]

    @property
    def centre(self) -> np.ndarray:
        return np.array([self.x, self.base + self.size[1] / 2, self.z])

    @property
    def top(self) -> float:
        return self.base + self.size[1]

    def corners(self) -> np.ndarray:
        w, h, d = self.size
        return np.array([[self.x + sx * w / 2, self.base + sy * h, self.z + sz * d / 2]
                         for sx in (-1, 1) for sy in (0, 1) for sz in (-1, 1)])

    def footprint_overlaps(self, other: "Thing", margin: float = 0.1) -> bool:
        return (abs(self.x - other.x) < (self.size[0] + other.size[0]) / 2 + margin
                and abs(self.z - other.z) < (self.size[2] + other.size[2]) / 2 + margin)


def make_thing(name: str, x: float, z: float, base: float, scale: float = 1.0) -> Thing:
    w, h, d = OBJECTS[name][0]
    return Thing(name, round(x, 3), round(z, 3), round(base, 3), (round(w * scale, 3), round(h * scale, 3),
                                                                   round(d * scale, 3)))


@lru_cache(maxsize=8192)  # measurements and features ask for the same boxes again and again
def box_2d(thing: Thing, camera: Camera = CAMERA) -> tuple[float, float, float, float]:
    """The object's box in the image (u0, v0, u1, v1): the extent of its projected corners."""
    uv = camera.project(thing.corners())
    return (float(uv[:, 0].min()), float(uv[:, 1].min()), float(uv[:, 0].max()), float(uv[:, 1].max()))


def visible_share(things: list[Thing], camera: Camera = CAMERA, step: float = 3.0) -> list[float]:
    """For each object, the share of its image box that no nearer object's box covers (on a grid
    of `step` pixels): a rough visibility."""
    boxes = [box_2d(t, camera) for t in things]
    distance = [float(np.linalg.norm(t.centre - [0, camera.height, 0])) for t in things]
    shares = []
    for i, (u0, v0, u1, v1) in enumerate(boxes):
        us, vs = np.meshgrid(np.arange(u0, u1, step), np.arange(v0, v1, step))
        hidden = np.zeros(us.shape, dtype=bool)
        for j, (a0, b0, a1, b1) in enumerate(boxes):
            if distance[j] < distance[i]:
                hidden |= (us >= a0) & (us <= a1) & (vs >= b0) & (vs <= b1)
        shares.append(float(1 - hidden.mean()) if hidden.size else 0.0)
    return shares


# --- measurements -----------------------------------------------------------------------------------

def distance_apart(a: Thing, b: Thing) -> float:
    """Distance between the two objects' centres in metres."""
    return float(np.linalg.norm(a.centre - b.centre))


def distance_to_camera(thing: Thing, camera: Camera = CAMERA) -> float:
    return float(np.linalg.norm(thing.centre - [0, camera.height, 0]))


def is_left_of(a: Thing, b: Thing) -> bool:
    """Left as seen from the camera: a smaller direction angle x / z."""
    return a.x / a.z < b.x / b.z


def is_above(a: Thing, b: Thing) -> bool:
    """a is above b when a's base is higher than b's top."""
    return a.base > b.top


# --- the lifter: 3D read back from the image, as a depth-estimating pipeline does -----------------

def lift(things: list[Thing], generator: np.random.Generator, scale_error: float = 0.15,
         object_error: float = 0.05, camera: Camera = CAMERA) -> list[Thing]:
    """Objects as a pipeline reconstructs them from the image with estimated depth, the way
    SpatialVLM lifts photographs with a monocular depth model. The image is exact; only depth is
    wrong: every point of an object is put back along its own camera ray at its true depth times
    one scale error for the whole image (log-uniform within +/- `scale_error`, since one image does
    not fix its scale) and an error of the object's own (relative, `object_error`). So each object
    is scaled about the camera: it projects to the same box, but its position and size are off."""
    scale = math.exp(generator.uniform(-math.log1p(scale_error), math.log1p(scale_error)))
    eye = np.array([0.0, camera.height, 0.0])
    lifted = []
    for t in things:
        k = scale * (1 + generator.normal(0, object_error))
        x, y, z = eye + k * (t.centre - eye)
        size = tuple(round(k * v, 3) for v in t.size)
        lifted.append(Thing(t.name, round(float(x), 3), round(float(z), 3), round(float(y) - size[1] / 2, 3), size))
    return lifted


# --- 2D features for the shortcut answerers ----------------------------------------------------------

def pair_features_2d(a: Thing, b: Thing, camera: Camera = CAMERA) -> np.ndarray:
    """What the image plane says about a pair, with no depth: how much lower a's box bottom is, how
    much larger its box is (log ratio of heights), how much lower its centre is (in pixels / 100)."""
    (a0, b0, a1, b1), (c0, d0, c1, d1) = box_2d(a, camera), box_2d(b, camera)
    return np.array([(b1 - d1) / 100, math.log((b1 - b0) / (d1 - d0)), ((b0 + b1) - (d0 + d1)) / 200])


def pixel_distance(a: Thing, b: Thing, camera: Camera = CAMERA) -> float:
    """Distance between the centres of the two boxes in the image, in pixels."""
    (a0, b0, a1, b1), (c0, d0, c1, d1) = box_2d(a, camera), box_2d(b, camera)
    return math.hypot((a0 + a1 - c0 - c1) / 2, (b0 + b1 - d0 - d1) / 2)


# --- drawings -----------------------------------------------------------------------------------

def _shade(colour: str, factor: float) -> tuple[float, float, float]:
    rgb = [int(colour[i:i + 2], 16) / 255 for i in (1, 3, 5)]
    return tuple(min(1.0, c * factor) for c in rgb)


def draw_view(ax, things: list[Thing], camera: Camera = CAMERA, labels: bool = True) -> None:
    """The camera's image: a floor grid in perspective and every object as a shaded box, drawn
    from the farthest to the nearest."""
    width, height = camera.size
    ax.set_xlim(0, width)
    ax.set_ylim(height, 0)
    ax.set_aspect("equal")
    ax.set_xticks([])
    ax.set_yticks([])
    ax.add_patch(Rectangle((0, 0), width, height / 2, facecolor="#f4f4f4", edgecolor="none"))
    ax.add_patch(Rectangle((0, height / 2), width, height / 2, facecolor="#e6e0d4", edgecolor="none"))
    for x in np.arange(-6, 6.1, 1.0):  # floor lines running away from the camera
        uv = camera.project(np.array([[x, 0, 2.0], [x, 0, 60.0]]))
        ax.plot(uv[:, 0], uv[:, 1], color="#c8bfae", linewidth=0.5)
    for z in (3, 4, 5, 6, 8, 10, 14):
        uv = camera.project(np.array([[-30, 0, z], [30, 0, z]]))
        ax.plot(uv[:, 0], uv[:, 1], color="#c8bfae", linewidth=0.5)
    for t in sorted(things, key=distance_to_camera, reverse=True):
        colour = common.COLOURS[OBJECTS[t.name][2]]
        c = t.corners()  # index = 4 * sx + 2 * sy + sz, with 0 for -1 and 1 for +1
        faces = [([0, 2, 6, 4], 1.0),   # front (near) face
                 ([2, 3, 7, 6], 1.25),  # top
                 ([4, 6, 7, 5] if t.x < 0 else [0, 2, 3, 1], 0.8)]  # the side the camera sees
        for face, light in faces[::-1]:
            uv = camera.project(c[face])
            ax.add_patch(Polygon(uv, closed=True, facecolor=_shade(colour, light), edgecolor="#333333",
                                 linewidth=0.5, zorder=3))  # above the floor lines
        if labels:  # above the box; below it for the table, whose top holds other things
            u0, v0, u1, v1 = box_2d(t, camera)
            if t.name == "table":
                ax.text((u0 + u1) / 2, v1 + 2, t.name, ha="center", va="top", fontsize=6, zorder=4)
            else:
                ax.text((u0 + u1) / 2, v0 - 2, t.name, ha="center", va="bottom", fontsize=6, zorder=4)
    for spine in ax.spines.values():
        spine.set_color("#999999")


def draw_map(ax, things: list[Thing], camera: Camera = CAMERA) -> None:
    """The scene from above: footprints, names and the camera's field of view."""
    half = math.atan(camera.size[0] / 2 / camera.focal)
    reach = 11
    ax.fill([0, -reach * math.tan(half), reach * math.tan(half)], [0, reach, reach], color="#f4f4f4")
    ax.plot(0, 0, marker="^", color="#333333", markersize=5)
    for t in things:
        w, _, d = t.size
        ax.add_patch(Rectangle((t.x - w / 2, t.z - d / 2), w, d, facecolor=common.COLOURS[OBJECTS[t.name][2]],
                               edgecolor="#333333", linewidth=0.5, alpha=0.9 if t.base == 0 else 0.6))
        if t.base == 0:  # things on a table are named with the table
            on_top = [o.name for o in things if o.base > 0 and t.name == "table"]
            name = t.name + (" + " + ", ".join(on_top) if on_top else "")
            ax.text(t.x + w / 2 + 0.15, t.z, name, fontsize=6, va="center")
    ax.set_xlim(-5, 5)
    ax.set_ylim(-0.5, reach)
    ax.set_aspect("equal")
    ax.set_xlabel("x (m)", fontsize=6)
    ax.set_ylabel("depth z (m)", fontsize=6)
    ax.tick_params(labelsize=6)


def sample_figure(scenes: list[list[Thing]], texts: list[str]):
    """Each scene as the camera sees it, the same scene from above, and its questions below."""
    with plt.rc_context(common.STYLE):
        rows = len(scenes)
        fig = plt.figure(figsize=(7.2, 3.4 * rows))
        for row, (scene, text) in enumerate(zip(scenes, texts)):
            top = 1 - row / rows
            view = fig.add_axes([0.01, top - 0.72 / rows, 0.56, 0.7 / rows])
            plan = fig.add_axes([0.66, top - 0.72 / rows, 0.32, 0.7 / rows])
            draw_view(view, scene)
            draw_map(plan, scene)
            fig.text(0.01, top - 0.74 / rows, text, va="top", fontsize=7, linespacing=1.5)
        return common.to_svg(fig, "Generated 3D scenes with their camera views and measured answers")


def measurement_figure(order: dict[str, dict[str, float]], bins: list[str], errors: dict[str, list[float]]):
    """Left: accuracy of 'which is closer' answerers by kind of pair. Right: relative error of
    distance answers against how far apart the two objects are in depth."""
    with plt.rc_context(common.STYLE):
        fig, (left, right) = plt.subplots(1, 2, figsize=(7.2, 3.3), width_ratios=[1.2, 1])
        groups = list(next(iter(order.values())))
        width = 0.8 / len(order)
        hatches = ["", "//", "..", "xx", "\\\\"]
        for j, (name, by_group) in enumerate(order.items()):
            left.bar(np.arange(len(groups)) + (j - (len(order) - 1) / 2) * width, [by_group[g] for g in groups],
                     width, label=name, color=common.OKABE_ITO[j % 8], hatch=hatches[j % 5], edgecolor="#333333",
                     linewidth=0.5)
        left.set_xticks(range(len(groups)), groups, fontsize=7)
        left.set_ylim(0, 1.05)
        left.set_ylabel("'which is closer?' answered right", fontsize=8)
        left.legend(fontsize=7, loc="upper center", bbox_to_anchor=(0.5, -0.12), ncol=2, frameon=False)
        for (name, values), style in zip(errors.items(), ["-o", "--s", ":^"]):
            right.plot(range(len(bins)), values, style, label=name, linewidth=1.5, markersize=4)
        right.set_xticks(range(len(bins)), bins, fontsize=7)
        right.set_xlabel("difference in depth between the two objects (m)", fontsize=8)
        right.set_ylabel("median relative error of 'how far apart?'", fontsize=8)
        right.set_ylim(bottom=0)
        right.legend(fontsize=6)
        fig.tight_layout()
        return common.to_svg(fig, "2D shortcuts and lifted 3D against measured 3D answers")


def thumbnail():
    """A small scene as the camera sees it."""
    things = [make_thing("table", -0.6, 4.5, 0), make_thing("mug", -0.8, 4.4, TABLE_TOP),
              make_thing("lamp", 1.2, 6.0, 0), make_thing("ball", 0.5, 3.4, 0)]
    with plt.rc_context(common.STYLE):
        fig = plt.figure(figsize=(3.0, 2.25))
        draw_view(fig.add_axes([0, 0, 1, 1]), things)
        return common.to_svg(fig, "A generated 3D scene seen through a pinhole camera")
