"""`python -m helpers.run_jupyter_book build ...`: jupyter-book's own command line, ended quickly.

When a build is over, the Python process that ran Sphinx spends about a second tearing down its
heap (Sphinx's environment, every doctree, the theme) before it exits, and `make book` waits for
it. Here the exit handlers run as usual, the output is flushed, and the process then ends at once
(`os._exit`): every file Sphinx writes is closed by then, and only memory is left behind.

Started early by `python -m helpers.build` (AWAIT_ENV set), the process first imports the modules a
build needs (about three quarters of Sphinx's start-up) and then waits for the word "start" on
its standard input, which the build sends once the inputs are valid and the build's lock is held:
until then it has read and written nothing of the book. Any other word, or a closed pipe, ends it
(TOLD_TO_STOP). Sphinx then sets itself up and waits for "go" (helpers.build._await_word)."""
from __future__ import annotations

import atexit
import importlib
import os
import sys

AWAIT_ENV = "SURVEY_SPHINX_AWAITS_WORD"  # set for a Sphinx process started before it is needed
TOLD_TO_STOP = 75  # the exit status of a Sphinx process told to stop (nothing was written)
# What a build imports, heaviest first; none of them reads the book or draws anything on import.
PRELOAD = ("myst_nb.sphinx_ext", "jupyter_book.sphinx", "sphinx.application", "sphinx.builders.html",
           "pydata_sphinx_theme", "sphinx_book_theme", "sphinxcontrib.bibtex", "sphinx_design",
           "sphinx_external_toc", "myst_parser.sphinx_ext.main", "helpers.build")


def exit_now(status: int) -> None:
    """End this process: exit handlers run and output is flushed, the heap is not torn down."""
    atexit._run_exitfuncs()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(status)


def await_start() -> None:
    for module in PRELOAD:
        try:
            importlib.import_module(module)
        except ImportError:
            pass  # Sphinx reports a missing extension itself, in its own words
    if sys.stdin.readline().strip() != "start":
        exit_now(TOLD_TO_STOP)


def main() -> None:
    from jupyter_book.cli.main import main as jupyter_book

    if os.environ.get(AWAIT_ENV):
        await_start()
    try:
        jupyter_book(prog_name="jupyter-book")
        code = 0
    except SystemExit as stop:
        code = stop.code if isinstance(stop.code, int) else (0 if stop.code is None else 1)
        if isinstance(stop.code, str):
            print(stop.code, file=sys.stderr)
    exit_now(code)


if __name__ == "__main__":
    main()
