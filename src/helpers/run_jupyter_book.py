"""`python -m helpers.run_jupyter_book build ...`: jupyter-book's own command line, ended quickly.

When a build is over, the Python process that ran Sphinx spends about a second tearing down its
heap (Sphinx's environment, every doctree, the theme) before it exits, and `make book` waits for
it. Here the exit handlers run as usual, the output is flushed, and the process then ends at once
(`os._exit`): every file Sphinx writes is closed by then, and only memory is left behind."""
from __future__ import annotations

import atexit
import os
import sys


def exit_now(status: int) -> None:
    """End this process: exit handlers run and output is flushed, the heap is not torn down."""
    atexit._run_exitfuncs()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(status)


def main() -> None:
    from jupyter_book.cli.main import main as jupyter_book

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
