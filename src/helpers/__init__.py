"""Helpers for the survey book: load and validate the catalogue, make tables and figures, hook the build.

Chapters import from here and never read files themselves:

    from helpers import load, tables, figures
    works = load.catalogue()
"""
from importlib import import_module

__all__ = ["paths", "bib", "load", "validate", "tables", "figures", "build"]


def __getattr__(name):  # lazy submodules keep `import helpers` cheap in notebooks
    if name in __all__:
        return import_module(f"{__name__}.{name}")
    raise AttributeError(name)
