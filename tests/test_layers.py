"""The helpers package reads as layers: each module imports only from layers below it (or its own),
so there is no import cycle. Function-level imports count too: they hide a cycle, not remove it."""
from __future__ import annotations

import ast
import functools
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "src" / "helpers"
# Bottom to top. A module not listed here fails the test until it is placed.
LAYERS = [
    {"problems", "paths", "style", "css_text"},          # paths, problem lines, the drawing style, offsets in CSS
    {"readers", "fingerprints", "reads", "demos", "notebook"},  # reading files safely; what changed, what a page read; toy maths
    {"bib"},                                             # references.bib
    {"validate"},                                        # every check of the input
    {"load"},                                            # the validated catalogue
    {"tables", "figures", "diagrams", "claims", "explorer", "exports", "labs", "teaching"},  # what pages show
    {"dependencies", "datatables", "execute", "bibformat", "cards", "mathml", "pdf", "run_jupyter_book", "numbering", "sitemap", "stylesheets", "unused_css", "theme_scripts", "code_spans", "rendering"},  # build hooks: what a page depends on, run notebooks, format references, draw link cards and math, number figures, typeset, list pages, bundle styles and drop their unused rules, edit theme scripts, thin code spans, render pages,
    {"build"},                                           # build the book,
    {"serve"},                                           # and preview it
]


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE).with_suffix("").parts
    return ".".join(p for p in parts if p != "__init__") or "__init__"


def imports(path: Path) -> set[str]:
    """The helpers modules a file imports, as dotted names relative to the package."""
    here = module_name(path).split(".")
    package = here if path.name == "__init__.py" else here[:-1]
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.level:
            base = package[: len(package) - (node.level - 1)] if node.level > 1 else package
            target = [*base, *(node.module.split(".") if node.module else [])]
            if node.module:
                found.add(".".join(target))
            else:
                found |= {".".join([*target, alias.name]) for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module == "helpers":  # from helpers import a, b
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and (node.module or "").startswith("helpers."):
            found.add(node.module.removeprefix("helpers."))
        elif isinstance(node, ast.Import):
            found |= {a.name.removeprefix("helpers.") for a in node.names if a.name.startswith("helpers.")}
    return {f for f in found if f and f != module_name(path)}


def layer_of(module: str) -> int:
    top = module.split(".")[0]
    for index, layer in enumerate(LAYERS):
        if top in layer:
            return index
    raise KeyError(module)


MODULES = {module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}


@functools.cache
def graph() -> dict[str, set[str]]:
    """Each module's helpers imports; parsed when a test first asks (not while tests are collected,
    which every worker of the run does)."""
    return {module: imports(path) for module, path in MODULES.items()}


@pytest.mark.parametrize("module", sorted(m for m in MODULES if m != "__init__"))
def test_module_imports_only_from_lower_layers(module):
    layer = layer_of(module)
    upward = sorted(i for i in graph()[module] if layer_of(i) > layer)
    assert upward == [], f"helpers.{module} (layer {layer}) imports from higher layers: {upward}"


def test_no_import_cycles():
    def top(name: str) -> str:
        return name if name.startswith("labs") else name.split(".")[0]

    tops: dict[str, set[str]] = {}
    for module, targets in graph().items():
        tops.setdefault(top(module), set()).update(top(t) for t in targets if top(t) != top(module))
    state: dict[str, int] = {}
    cycle: list[str] = []

    def visit(node: str, trail: list[str]) -> bool:
        state[node] = 1
        for target in sorted(tops.get(node, ())):
            if state.get(target) == 1:
                cycle.extend(trail[trail.index(target):] + [target] if target in trail else [node, target])
                return True
            if state.get(target) is None and visit(target, trail + [target]):
                return True
        state[node] = 2
        return False

    for node in sorted(tops):
        if state.get(node) is None and visit(node, [node]):
            break
    assert cycle == [], "import cycle: " + " -> ".join(cycle)
