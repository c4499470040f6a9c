"""Plumbing for the labs: one module per lab, named after its chapter (`helpers.labs.chart`),
plus `common` (toy scenes, tiny numpy models, the drawing style).

A lab page keeps the steps it teaches (sample, prompt or template, generate, verify, filter,
measure) in short visible cells; drawing, styling and bookkeeping live here. Labs read no catalogue
data (nothing from `data/` or `references.bib`), so a data edit never re-executes them.

Every lab module declares, for the teaching guide and the lab gallery (`registry()`):

    CHAPTER   "hallucination"        the chapter file name (chapters/<CHAPTER>-lab.md is the page)
    TITLE     "Negative instructions against yes-bias"   the lab's title, without "Lab:"
    QUESTION  one sentence: the question the lab answers
    MIRRORS   BibTeX keys of the surveyed works whose strategy it miniaturises
    SKILLS    what students practise, a short phrase
    MINUTES   class time needed, a whole number
    MEASURES  True when the lab trains a tiny model and compares it with a control
    thumbnail() -> SVG   a small drawing for the gallery, made by the lab's own code
"""
from __future__ import annotations

import importlib
import pkgutil
from types import ModuleType

REQUIRED = ("CHAPTER", "TITLE", "QUESTION", "MIRRORS", "SKILLS", "MINUTES", "MEASURES", "thumbnail")


def modules() -> dict[str, ModuleType]:
    """Every lab module, by the chapter it belongs to (its CHAPTER)."""
    found = {}
    for info in sorted(pkgutil.iter_modules(__path__), key=lambda i: i.name):
        if info.name == "common" or info.name.startswith("_"):
            continue
        module = importlib.import_module(f"{__name__}.{info.name}")
        found[getattr(module, "CHAPTER", info.name)] = module
    return found


def registry() -> list[dict]:
    """One record per lab: its chapter and the declarations listed in this package's docstring."""
    records = []
    for chapter, module in modules().items():
        missing = [name for name in REQUIRED if not hasattr(module, name)]
        if missing:
            raise AttributeError(f"helpers.labs.{module.__name__.rsplit('.', 1)[1]} lacks {missing}")
        records.append({"module": module,
                        **{name.lower(): getattr(module, name) for name in REQUIRED if name != "thumbnail"}})
    return records

