"""Gluing numbers into the prose, cheaply.

`glue(name, value)` hands a value to myst-nb's glue when the page runs inside a build of the book
(the build sets SURVEY_ROOT for its kernels, and so does the Sphinx hook for myst-nb's own), so that
``{glue:text}`name` `` in the prose shows it. Opened as a notebook (JupyterLab, Binder), a glued
value with display=False shows nothing either way, so there the call does nothing and spares the
kernel the import of myst-nb, which pulls in nbformat and jsonschema (seconds, where the Binder
environment's jsonschema builds its URI grammar at import).
"""
from __future__ import annotations

import os

from .paths import ROOT_ENV


def glue(name: str, value, display: bool = False) -> None:
    if display or os.environ.get(ROOT_ENV):
        from myst_nb import glue as myst_glue

        myst_glue(name, value, display=display)


class Editions:
    """One output in two forms: `web` (HTML) for the web edition and Jupyter, and `print` (MyST
    Markdown, so its {cite} and {doc} roles resolve) for the PDF edition. myst-nb picks by builder:
    HTML prefers text/html, LaTeX cannot show it and takes text/markdown."""

    def __init__(self, web: str, print: str):
        self.web, self.print = web, print

    def _repr_mimebundle_(self, include=None, exclude=None) -> dict[str, str]:
        return {"text/html": self.web, "text/markdown": self.print}

    def __repr__(self) -> str:  # the notebook's text/plain: the same for the same content, no address
        return f"<{len(self.web)} characters of HTML, {len(self.print)} of Markdown>"
